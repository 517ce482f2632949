"""`python -m train evaluate`: WER and CER of a model on a data set, orthographic and normalised.

The model runs through `asr`'s own backends (transformers or CTranslate2): Swedish, transcribe,
greedy, one decode per clip, as the game runs it, so the numbers are the game's. Clips outside the
limits (`train.clips`: too short, longer than the model's window or --max-seconds, no transcript)
are left out and counted, as in training, and surveyed before the model loads.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from train.checkpoints import resolve_model
from train.clips import ClipLimits, survey
from train.data import SAMPLE_RATE, Source, open_source
from train.errors import TrainError
from train.metrics import Scores, score
from train.options import MIN_SECONDS, EvaluateOptions
from train.text import NORMALIZER, clean_transcript
from train.windows import WindowScore, parse_windows, score_windows, shortest, windows_table

log = logging.getLogger(__name__)

PROMPT_TOKENS = 4  # <|startoftranscript|><|sv|><|transcribe|><|notimestamps|>


@dataclass(frozen=True)
class EvalResult:
    """One model on one split of one data set."""

    model: str
    dataset: str
    """The data set's hub id (KTH/nst) or short name (common_voice), never a local path."""
    split: str
    backend: str
    scores: Scores
    dataset_name: str = ""
    """For people: "Common Voice 17.0 (sv-SE)"."""
    dataset_config: str | None = None
    normalizer: str = NORMALIZER
    """What the normalised scores compared: the text normaliser, in words."""
    chose_checkpoint: bool = False
    """True when this split also chose the checkpoint during training: the WER is optimistic."""
    left_out: dict[str, int] = field(default_factory=dict)
    """Clips not scored, by reason (shorter than the minimum, longer than the window, ...)."""
    seconds: float = 0.0
    examples: list[dict[str, str]] = field(default_factory=list)
    """The first few {"reference", "hypothesis"} pairs, for a person to read."""
    windows: list[WindowScore] = field(default_factory=list)
    """Scores and decode time at each encoder window asked for (`evaluate --windows`)."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(data.pop("scores"))  # flat: the numbers sit at the top of the file
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalResult:
        known = {*cls.__dataclass_fields__, *Scores.__dataclass_fields__}
        data = {k: v for k, v in data.items() if k in known}  # files of older versions too
        scores = Scores(**{k: data.pop(k) for k in Scores.__dataclass_fields__ if k in data})
        windows = [WindowScore.from_dict(w) for w in data.pop("windows", [])]
        return cls(scores=scores, windows=windows, **data)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> EvalResult:
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise TrainError(f"{path} is not an evaluation result of `train evaluate`: {e}") from e

    def summary(self) -> str:
        s = self.scores
        at = f", at {self.windows[0].window} s" if self.windows else ""
        text = (
            f"{self.model} on {self.dataset} ({self.split}, {s.n} clips{at}): WER {s.wer:.2f}, "
            f"CER {s.cer:.2f} (orthographic WER {s.wer_orthographic:.2f}, "
            f"CER {s.cer_orthographic:.2f})"
        )
        if self.windows:
            text += "\n\n" + "\n".join(windows_table(self.windows))
        return text


def describe_source(source: Source) -> dict[str, Any]:
    """The EvalResult fields that name `source` (as a model card would)."""
    ref = source.reference
    return {"dataset": ref.id, "dataset_name": ref.name, "dataset_config": ref.config}


def load_recognizer(
    model: str, backend: str, device: str, max_new_tokens: int, window_floor: float = 0.0
) -> Any:
    """An `asr` backend for `model`: `.decode(list of 16 kHz arrays)` and `.window_seconds`.

    A run's folder holding only checkpoint-N folders means the checkpoint the run would keep.
    `window_floor`: the answer window's floor for `.decode` (0: the full window, as trained).
    """
    from asr.backends import CTranslate2Backend, TransformersBackend
    from asr.errors import ModelLoadError
    from asr.models import is_ct2_dir, is_hf_dir

    model = resolve_model(model)
    path = Path(model).expanduser()
    if backend == "transformers" and path.is_dir() and is_ct2_dir(path) and not is_hf_dir(path):
        raise TrainError(
            f"{model} holds a CTranslate2 model, not a transformers checkpoint: add "
            "--backend ctranslate2."
        )

    if device == "auto":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    if backend == "ctranslate2":
        cls, precision = CTranslate2Backend, ("int8" if device == "cpu" else "fp16")
    else:
        cls, precision = TransformersBackend, ("fp32" if device == "cpu" else "fp16")
    try:
        recognizer = cls(model, device, precision, max_new_tokens, window_floor)
    except ModelLoadError as e:
        raise TrainError(str(e)) from e
    limit = _max_target_positions(recognizer, model)
    if limit and max_new_tokens + PROMPT_TOKENS > limit:
        recognizer.max_new_tokens = limit - PROMPT_TOKENS  # generate() refuses more
    return recognizer


def _max_target_positions(recognizer: Any, model: str) -> int | None:
    config = getattr(getattr(recognizer, "model", None), "config", None)
    if hasattr(config, "max_target_positions"):
        return config.max_target_positions
    path = Path(model) / "config.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8")).get("max_target_positions")
    return None


def evaluate_model(
    recognizer: Any,
    source: Source,
    split: str,
    *,
    model_name: str,
    backend: str,
    batch_size: int = 16,
    keep_examples: int = 20,
    limits: ClipLimits | None = None,
    windows: list[str] | None = None,
) -> EvalResult:
    """Transcribe every clip of `split` within `limits` and score the lot.

    `limits`: by default the model's window and the default minimum duration. `windows`: score
    at each of these encoder windows (`train.windows`), one clip at a time; the result's scores
    are the first window's."""
    from tqdm.auto import tqdm

    started = time.perf_counter()
    if limits is None:
        limits = ClipLimits.for_window(recognizer.window_seconds, MIN_SECONDS, None)
    left_out: Counter[str] = Counter()
    progress = tqdm(desc=f"evaluating on {source} ({split})", unit="clip", leave=False)

    def clips() -> Iterator[tuple[Any, str]]:
        for utterance in source.examples(split):
            progress.update()
            why = limits.problem(len(utterance.audio) / SAMPLE_RATE, utterance.text)
            if why is not None:
                left_out[why] += 1
            else:
                yield utterance.audio, clean_transcript(utterance.text)

    per_window: list[WindowScore] = []
    if windows:
        per_window, references, hypotheses = score_windows(recognizer, clips(), windows)
    else:
        references, hypotheses = _decode_in_batches(recognizer, clips(), batch_size)
    progress.close()
    if not references:
        raise TrainError(f"Nothing to score in split {split!r} of {source} ({dict(left_out)}).")
    pairs = zip(references[:keep_examples], hypotheses[:keep_examples], strict=True)
    return EvalResult(
        model=model_name,
        split=split,
        backend=backend,
        scores=per_window[0].scores if per_window else score(references, hypotheses),
        **describe_source(source),
        left_out=dict(left_out),
        seconds=round(time.perf_counter() - started, 2),
        examples=[{"reference": r, "hypothesis": h} for r, h in pairs],
        windows=per_window,
    )


def _decode_in_batches(
    recognizer: Any, clips: Iterator[tuple[Any, str]], batch_size: int
) -> tuple[list[str], list[str]]:
    """(references, hypotheses), decoded `batch_size` clips per model call."""
    references: list[str] = []
    hypotheses: list[str] = []
    batch: list[tuple[Any, str]] = []

    def flush() -> None:
        decoded = recognizer.decode([audio for audio, _ in batch])
        hypotheses.extend(d.text for d in decoded)
        references.extend(text for _, text in batch)
        batch.clear()

    for clip in clips:
        batch.append(clip)
        if len(batch) == batch_size:
            flush()
    if batch:
        flush()
    return references, hypotheses


def evaluate(options: EvaluateOptions) -> EvalResult:
    from asr.models import window_seconds
    from asr.window import FLOOR  # the app's default: `auto` decodes as the app does

    source = open_source(options.dataset)
    source.check(options.split)  # before the model loads
    model = resolve_model(options.model)  # a run's folder of checkpoints: the kept one
    window = window_seconds(model)
    windows = parse_windows(options.windows, window) if options.windows else None
    limits = ClipLimits.for_window(window, options.min_seconds, options.max_seconds)
    if windows and (shortest(windows) or window) < limits.max_seconds:
        # Every window scores the same clips: those the shortest one hears whole.
        limits = ClipLimits.for_window(window, options.min_seconds, shortest(windows))
    found = survey(source, options.split, limits)
    log.info("%s (%s): %s", source, options.split, found.summary())
    recognizer = load_recognizer(model, options.backend, options.device, options.max_new_tokens,
                                 FLOOR if windows else 0.0)  # fmt: skip
    result = evaluate_model(
        recognizer,
        source,
        options.split,
        model_name=options.model,
        backend=options.backend,
        batch_size=options.batch_size,
        keep_examples=options.examples,
        limits=limits,
        windows=windows,
    )
    if options.output:
        result.save(options.output)
        log.info("wrote %s", options.output)
    return result
