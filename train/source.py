"""What every data source shares: utterances, split expressions, audio decoding, the `Source` base.

Audio is decoded by `asr` (`asr.audio.load`: libsndfile, then the FFmpeg libraries in the PyAV
wheel), the very code that reads a learner's recording, then resampled to 16 kHz with soxr. Not
`datasets`' Audio feature: since datasets 4 it needs torchcodec and FFmpeg's shared libraries.

Splits are expressions: `train`, `test[:500]`, `train[2000:]`, `train+validation`. A slice counts
examples from the start of the split, before shuffling, so `train[2000:]` and `train[:2000]`
never overlap (how to hold out a test set where a corpus has only `train`).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from train.errors import TrainError
from train.text import clean_transcript

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
TEXT_COLUMNS = ("transcription", "sentence", "text", "normalized_text", "transcript")
SPLIT_ALIASES = {"validation": "dev", "dev": "validation", "valid": "dev"}
CHECK_ROWS = 20  # rows tried for a usable one before a split is called unusable
_SPLIT_PART = re.compile(r"^([\w.-]+)(?:\[(-?\d*):(-?\d*)\])?$")


@dataclass(frozen=True)
class Utterance:
    """One clip and what is said in it."""

    key: str
    """Where it came from (file name or hub row), for logs and messages."""
    audio: np.ndarray
    """float32 mono samples at 16 kHz."""
    text: str
    """The transcript as the corpus writes it (see `train.text` for cleanup)."""

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE


@dataclass(frozen=True)
class SplitPart:
    name: str
    start: int | None = None
    stop: int | None = None


def parse_split(expression: str) -> list[SplitPart]:
    """`"train[:100]+dev"` → [SplitPart("train", None, 100), SplitPart("dev")]."""
    parts = []
    for text in expression.split("+"):
        match = _SPLIT_PART.match(text.strip())
        if not match:
            raise TrainError(
                f"Cannot read the split {expression!r}: use a name ('test'), a slice "
                "('test[:500]', 'train[2000:]') or names joined with '+' ('train+validation')."
            )
        name, start, stop = match.groups()
        parts.append(SplitPart(name, int(start) if start else None, int(stop) if stop else None))
    return parts


def decode_audio(data: bytes | str | Path, key: str = "") -> np.ndarray:
    """Decode a file (path or its bytes) to 16 kHz mono float32 with asr's decoder."""
    from asr.errors import AudioError

    try:
        if isinstance(data, bytes):
            return _decode_bytes(data)
        return _decode_path(Path(data))
    except AudioError as e:
        raise TrainError(f"Cannot decode the audio of {key or data}: {_plain(str(e))}") from e


def _decode_path(path: Path) -> np.ndarray:
    from asr.audio import load

    samples, rate = load(path)
    return resample(samples, rate)


def _decode_bytes(data: bytes) -> np.ndarray:
    # asr decodes files; a hub row's bytes go through a short-lived one (a clip is ~100 KB).
    handle, name = tempfile.mkstemp(prefix="train-clip-")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
        return _decode_path(Path(name))
    finally:
        os.unlink(name)


def to_16k_mono(samples: np.ndarray, rate: int) -> np.ndarray:
    """Already decoded samples (any shape asr accepts) as 16 kHz mono float32."""
    from asr.audio import load

    mono, rate = load((int(rate), np.asarray(samples)))
    return resample(mono, rate)


def resample(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate != SAMPLE_RATE and len(samples):
        samples = soxr.resample(samples, rate, SAMPLE_RATE, quality="HQ")
    return np.ascontiguousarray(samples, dtype=np.float32)


def _plain(message: str) -> str:
    """asr's message without the advice to a learner ("Please record your answer again.")."""
    from asr.decode import AGAIN, OR_UPLOAD

    return message.replace(OR_UPLOAD, "").replace(AGAIN, "").strip()


@dataclass(frozen=True)
class DatasetRef:
    """A data set as a model card names it (`huggingface_hub.EvalResult`'s dataset fields)."""

    id: str
    """A hub id (KTH/nst) where there is one, else a short name (common_voice, a folder's name)."""
    name: str
    """For people: "Common Voice 17.0 (sv-SE)"."""
    config: str | None = None
    """The hub config or language (sv-SE), if any."""


class Source(ABC):
    """A data set: named splits of utterances."""

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def __str__(self) -> str:
        return self.spec

    @property
    def reference(self) -> DatasetRef:
        """How results and model cards name the data set: never by a local path."""
        name = Path(self.spec.partition("?")[0]).name or self.spec
        return DatasetRef(id=name, name=name)

    def column_hint(self, option: str) -> str:
        """The spec with `option=COLUMN` added: what to pass to name a column."""
        return f"{self.spec}{'&' if '?' in self.spec else '?'}{option}=COLUMN"

    @abstractmethod
    def examples(
        self, split: str, *, seed: int | None = None, shard: tuple[int, int] = (0, 1)
    ) -> Iterator[Utterance]:
        """Utterances of `split`; shuffled with `seed` (None keeps the order); `shard`
        (index, count) yields every count-th example only, for dataloader workers."""

    def check(self, split: str) -> None:
        """Raise a `TrainError` unless every part of `split` opens and yields a usable row.

        Cheap on purpose (columns, files, the first usable row of each part): it runs before a
        model is loaded, so bad data fails in seconds, not at the first evaluation.
        """
        for part in parse_split(split):
            self.check_part(part)

    @abstractmethod
    def check_part(self, part: SplitPart) -> None:
        """`check` for one part of a split expression."""


def first_usable(rows: Iterator[tuple[str, Utterance | None, str]], where: str) -> None:
    """Stop at the first usable row of (key, utterance or None, why not) triples, else raise."""
    problems: list[str] = []
    for key, utterance, why in rows:
        if utterance is not None and clean_transcript(utterance.text):
            return
        problems.append(f"{key}: {why or 'empty transcript'}")
        if len(problems) >= CHECK_ROWS:
            break
    if not problems:
        raise TrainError(f"{where} has no rows: check the split and its slice.")
    shown = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")
    raise TrainError(
        f"{where}: none of the first {len(problems)} row(s) is usable (audio that decodes and "
        f"a transcript): {shown}"
    )
