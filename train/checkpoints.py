"""Checkpoint folders: which one to resume from, which one a folder means, which one was kept.

A run that stopped early leaves only `checkpoint-N` folders in its output folder. Every command
that takes a model folder accepts such a folder and picks the checkpoint the run would have kept:
the best one by the run's metric, as its newest `trainer_state.json` records it, else the newest.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from train.errors import TrainError

log = logging.getLogger(__name__)

STATE_FILE = "trainer_state.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def checkpoints(folder: Path) -> list[Path]:
    """The `checkpoint-N` folders of `folder` that hold a trainer state, by step."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _CHECKPOINT.match(path.name)
        if match and (path / STATE_FILE).is_file():
            found.append((int(match.group(1)), path))
    return [path for _, path in sorted(found)]


@dataclass(frozen=True)
class Kept:
    """The checkpoint a run keeps, and why."""

    checkpoint: str
    """Its folder's name (checkpoint-150)."""
    step: int
    metric: str | None = None
    """The metric that chose it (eval_wer), None when no evaluation chose it."""
    value: float | None = None
    last_step: int | None = None
    """The run's last step: a best checkpoint may be older."""

    def describe(self, split: str | None = None) -> str:
        """ "checkpoint-150 (best by WER on 'dev': 12.30; trained to step 300)"."""
        on = f" on {split!r}" if split else ""
        if self.metric is None:
            why = "the last one"
        else:
            name = (
                self.metric.removeprefix("eval_")
                .replace("_", " ")
                .upper()
                .replace(" ORTHOGRAPHIC", " (orthographic)")
            )
            why = f"best by {name}{on}: {self.value:.2f}"
        last = f"; trained to step {self.last_step}" if self.last_step else ""
        return f"{self.checkpoint} ({why}{last})"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def kept_from_state(state: dict[str, Any], folder: Path, metric: str | None = None) -> Kept:
    """The checkpoint a trainer state (as saved in `trainer_state.json`) points to as kept.

    `metric`: the run's --metric-for-best-model, where known (a saved state does not name it).
    """
    last = int(state.get("global_step") or 0)
    best = state.get("best_model_checkpoint")
    if best and (folder / Path(best).name).is_dir():
        name = Path(best).name
        step = int(_CHECKPOINT.match(name).group(1)) if _CHECKPOINT.match(name) else last
        value = state.get("best_metric")
        name_of_metric = f"eval_{metric}" if metric else _metric_name(state, step, value)
        return Kept(name, step, name_of_metric, value, last)
    return Kept(f"checkpoint-{last}", last, last_step=last)


def _metric_name(state: dict[str, Any], step: int, value: float | None) -> str | None:
    """Which eval_* number of the log at `step` is the best metric (the state keeps no name);
    the recipe's WER first where several numbers are equal."""
    for entry in state.get("log_history", []):
        if entry.get("step") == step:
            keys = sorted(entry, key=lambda k: (k != "eval_wer", k))
            for key in keys:
                if key.startswith("eval_") and entry[key] == value:
                    return key
    return None


def checkpoint_step(checkpoint: str | Path) -> int:
    """The step a checkpoint folder was saved at, from its trainer state."""
    state = json.loads((Path(checkpoint) / STATE_FILE).read_text(encoding="utf-8"))
    return int(state.get("global_step") or 0)


def pick(folder: Path) -> tuple[Path, Kept]:
    """The checkpoint of `folder` to use, from the newest trainer state."""
    found = checkpoints(folder)
    if not found:
        raise TrainError(f"{folder} holds no checkpoint-N folders with a {STATE_FILE}.")
    state = json.loads((found[-1] / STATE_FILE).read_text(encoding="utf-8"))
    kept = kept_from_state(state, folder)
    chosen = folder / kept.checkpoint
    return (chosen if chosen.is_dir() else found[-1]), kept


def resolve_model(model: str) -> str:
    """`model`, or the checkpoint to use when it is a run's folder holding only checkpoints."""
    path = Path(model).expanduser()
    if not path.is_dir() or (path / "config.json").is_file() or (path / "model.bin").is_file():
        return model
    if not checkpoints(path):
        return model
    chosen, kept = pick(path)
    log.info("%s holds no final model: using %s", path, kept.describe())
    return str(chosen)


def resume_point(resume: str, output_dir: Path) -> str | None:
    """The checkpoint to resume from: --resume auto, no, a checkpoint, or a run's folder."""
    if resume == "no":
        if checkpoints(output_dir):
            log.warning("%s has checkpoints; starting afresh as asked (--resume no)", output_dir)
        return None
    if resume == "auto":
        found = checkpoints(output_dir)
        return str(found[-1]) if found else None
    path = Path(resume).expanduser()
    if (path / STATE_FILE).is_file():
        return str(path)
    found = checkpoints(path)
    if found:
        log.info("--resume %s: resuming from its last checkpoint, %s", resume, found[-1].name)
        return str(found[-1])
    raise TrainError(
        f"--resume {resume}: not a checkpoint folder (no {STATE_FILE}) and no checkpoint-N "
        "folders in it. Use a checkpoint-N folder, a run's output folder, 'auto' (the last one "
        "in --output-dir) or 'no'."
    )
