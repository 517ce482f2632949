"""A run's folder: what `training.json` says at the start and at the end, whether the run there
is finished, and the reports a finished run writes (`evaluation.json`, `training.json`).

training.json is written when training starts (the options, the data, what the clips' survey
found), so a run stopped early still names its base model and data; the end adds the steps, the
kept checkpoint, the losses and the scores. A run whose training.json says it reached
--max-steps, with no later checkpoint, is finished: `finetune` leaves it alone.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from train.checkpoints import Kept, checkpoint_step
from train.clips import Survey
from train.data import Source
from train.metrics import Scores
from train.options import FinetuneOptions

log = logging.getLogger(__name__)

SUMMARY_FILE = "training.json"
EVALUATION_FILE = "evaluation.json"


@dataclass(frozen=True)
class FinetuneResult:
    output_dir: Path
    steps: int
    """Optimiser steps done, counting those before a resume."""
    losses: list[tuple[int, float]] = field(default_factory=list)
    """(step, training loss) as logged every --logging-steps."""
    scores: Scores | None = None
    """The saved model on the evaluation split (None without one)."""
    kept: Kept | None = None
    """The checkpoint the saved model is, and the metric that chose it (None: the last step)."""
    data_parallel: dict[str, Any] = field(default_factory=dict)
    """World size and what each process trained on (`train.trainer.data_parallel_report`)."""
    seconds: float = 0.0
    already_done: bool = False
    """True when the output folder held this run finished already: nothing was trained or
    written."""

    @classmethod
    def from_summary(cls, output_dir: Path, summary: dict[str, Any]) -> FinetuneResult:
        """The result a finished run's training.json records."""
        return cls(
            output_dir=output_dir,
            steps=summary["steps"],
            losses=[(step, loss) for step, loss in summary.get("losses", [])],
            scores=Scores(**summary["scores"]) if summary.get("scores") else None,
            kept=Kept(**summary["kept"]) if summary.get("kept") else None,
            data_parallel=summary.get("data_parallel", {}),
            seconds=summary.get("seconds", 0.0),
            already_done=True,
        )

    def describe(self, eval_split: str | None) -> str:
        """Which model was saved: "checkpoint-150 (best by WER on 'dev': 12.30; ...)"."""
        if self.kept is None or self.kept.metric is None:
            return f"the model after the last step ({self.steps})"
        return self.kept.describe(eval_split)


def finished_run(
    output_dir: Path, resume_from: str | None, max_steps: int
) -> FinetuneResult | None:
    """The result of the run in `output_dir` if it finished at --max-steps or later, with no
    later checkpoint than the model it saved (else None: there is training or saving to do)."""
    path = output_dir / SUMMARY_FILE
    if resume_from is None or Path(resume_from).parent != output_dir or not path.is_file():
        return None
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    steps = summary.get("steps")
    if not isinstance(steps, int) or steps < max_steps or checkpoint_step(resume_from) > steps:
        return None
    if not (output_dir / "config.json").is_file():
        return None
    return FinetuneResult.from_summary(output_dir, summary)


def start_summary(
    options: FinetuneOptions, train_source: Source, surveys: dict[str, Survey]
) -> dict[str, Any]:
    """What training.json says before training: the options, the data and its clips."""
    from train.evaluate import describe_source

    return {
        "options": asdict(options),
        "train_dataset": describe_source(train_source),
        "clips": {name: found.to_dict() for name, found in surveys.items()},
        "finished": False,
    }


def outcome(result: FinetuneResult) -> dict[str, Any]:
    """What training.json adds when the run is done."""
    return {
        "finished": True,
        "steps": result.steps,
        "seconds": round(result.seconds, 1),
        "kept": result.kept.to_dict() if result.kept else None,
        "data_parallel": result.data_parallel,
        "world_size": result.data_parallel.get("world_size", 1),
        "losses": result.losses,
        "scores": result.scores.to_dict() if result.scores else None,
    }


def write_summary(output_dir: Path, summary: dict[str, Any]) -> None:
    output_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(summary, indent=2, ensure_ascii=False)
    (output_dir / SUMMARY_FILE).write_text(text + "\n", encoding="utf-8")


def write_report(
    output_dir: Path, options: FinetuneOptions, result: FinetuneResult, eval_source: Source,
    evaluations: int, summary: dict[str, Any],
) -> None:  # fmt: skip
    """evaluation.json and training.json, and a warning where the reported split chose."""
    from train.evaluate import EvalResult, describe_source

    chose = result.kept is not None and result.kept.metric is not None and evaluations > 1
    if result.scores is not None:
        EvalResult(
            model=str(output_dir),
            split=options.eval_split,
            backend="transformers (Trainer)",
            scores=result.scores,
            chose_checkpoint=chose,
            left_out=summary["clips"].get("eval", {}).get("left_out", {}),
            **describe_source(eval_source),
        ).save(output_dir / EVALUATION_FILE)
        if chose:
            log.warning(
                "the WER in %s is on %r, the split that also chose the checkpoint among %d "
                "evaluations: it is optimistic. For a fair number, choose on another split "
                "(--eval-split dev) and report with `python -m train evaluate --split test`.",
                EVALUATION_FILE, options.eval_split, evaluations,
            )  # fmt: skip
    summary["kept_description"] = result.describe(options.eval_split)
    summary["kept_split_is_reported_split"] = chose
    write_summary(output_dir, summary)
