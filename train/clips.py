"""Which clips train and score, and a count of the rest before any model loads.

One rule (`ClipLimits.problem`) decides for training (`train.features.SpeechStream`), evaluation
(`train.evaluate`) and the survey here: a clip shorter than the minimum (a 0-second clip has
nothing to hear, yet would be trained and scored on), longer than the maximum (by default the
model's window: the encoder would never hear its end), or with an empty transcript is left out.

`survey` applies the rule to a whole split before the model loads: a data set on disk is read
from its audio files' headers (decoded only where a header says nothing), so the counts and the
first clips of each kind are named in seconds, and a split with nothing usable fails at once. A
hub stream cannot be surveyed without reading it all: its clips are counted as they are read.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from train.errors import TrainError
from train.source import SAMPLE_RATE, Source, decode_audio
from train.text import clean_transcript

log = logging.getLogger(__name__)

NAMED = 3  # clips named per reason; the rest are counted


@dataclass(frozen=True)
class ClipLimits:
    """The durations a clip may have, and the model window it is heard in (seconds)."""

    min_seconds: float
    max_seconds: float
    window: float

    @classmethod
    def for_window(cls, window: float, min_seconds: float, max_seconds: float | None) -> ClipLimits:
        """Limits for a model of `window` seconds (no maximum: the window); a maximum over the
        window is refused."""
        top = window if max_seconds is None else max_seconds
        if min_seconds < 0 or top <= min_seconds:
            raise TrainError(
                f"--min-seconds {min_seconds:g} and --max-seconds {top:g}: the minimum must be 0 "
                "or more and below the maximum."
            )
        if top > window:
            raise TrainError(
                f"--max-seconds {top:g} is longer than the model's {window:g} s window: the "
                f"encoder would never hear the end of such clips. Use at most {window:g}."
            )
        return cls(min_seconds, top, window)

    def problem(self, seconds: float, text: str) -> str | None:
        """Why a clip of `seconds` saying `text` is left out, or None when it is used."""
        if seconds < self.min_seconds:
            return f"shorter than {self.min_seconds:g} s"
        if seconds > self.max_seconds:
            if self.max_seconds >= self.window:
                return f"longer than the {self.window:g} s window"
            return f"longer than {self.max_seconds:g} s"
        if not clean_transcript(text):
            return "empty transcript"
        return None


@dataclass
class Survey:
    """What a split holds, by the rule: clips used, and those left out by reason."""

    source: str
    split: str
    used: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    named: dict[str, list[str]] = field(default_factory=dict)
    """The first few clips left out for each reason (file and row)."""
    complete: bool = True
    """False for a hub stream: not surveyed, its clips are counted as they are read."""

    def add(self, key: str, why: str | None) -> None:
        if why is None:
            self.used += 1
            return
        self.left_out[why] += 1
        shown = self.named.setdefault(why, [])
        if len(shown) < NAMED:
            shown.append(key)

    def summary(self) -> str:
        """ "70 clips used; left out: 1 shorter than 0.1 s (train.csv:3 (a.wav)), ..."."""
        if not self.complete:
            return "a hub stream: its clips are counted as they are read (see the log)"
        parts = []
        for why, count in self.left_out.items():
            named = self.named.get(why, [])
            more = ", ..." if count > len(named) else ""
            parts.append(f"{count} {why} ({', '.join(named)}{more})")
        return f"{self.used} clips used; left out: {'; '.join(parts) or 'none'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "surveyed": self.complete,
            "used": self.used if self.complete else None,
            "left_out": dict(self.left_out),
            "named": self.named,
        }


def survey(source: Source, split: str, limits: ClipLimits) -> Survey:
    """Apply `limits` to every clip of `split` (see the module); raise if none is usable."""
    from train.local import LocalSource

    result = Survey(str(source), split)
    if not isinstance(source, LocalSource):
        result.complete = False
        return result
    for entry in source.select(split):
        seconds = audio_seconds(entry.path, entry.where)
        why = limits.problem(seconds, entry.text) if seconds is not None else "not decodable"
        result.add(entry.where, why)
    if not result.used:
        raise TrainError(
            f"No usable clips in split {split!r} of {source}: {result.summary()}. Check the "
            "data, or the limits (--min-seconds, --max-seconds, --audio-window)."
        )
    return result


def audio_seconds(path: Path, key: str = "") -> float | None:
    """A file's duration from its header, else by decoding it; None if it does not decode."""
    import soundfile

    try:
        info = soundfile.info(str(path))
        if info.samplerate > 0:
            return info.frames / info.samplerate
    except (RuntimeError, OSError, ValueError):  # libsndfile errors are RuntimeErrors
        pass
    try:
        return len(decode_audio(path, key)) / SAMPLE_RATE
    except TrainError:
        return None
