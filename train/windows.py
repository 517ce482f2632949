"""`python -m train evaluate --windows 30,10,5,auto`: WER and decode time at each encoder window.

A fixed window N decodes every clip with the encoder over N seconds (asr's own short-window path:
`_decode(clip, N)` of its backends); `auto` decodes as the app does, at the answer window
(`asr.window.answer_window`: the clip and a margin from the app's default floor, 1 s for a model
whose config says `any_audio_window`), with its guard that decodes a looping or unlikely answer
again at the full window. Clips are decoded one at a time, as a learner's answer is, and the time
is the mean per clip after one warm-up decode at each window. Every window scores the same clips:
those that fit the shortest fixed window (the others are left out and counted).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from train.errors import TrainError
from train.metrics import Scores, score

AUTO = "auto"


@dataclass(frozen=True)
class WindowScore:
    """One model at one encoder window."""

    window: str
    """Seconds ("5"), or "auto" (the app's answer window)."""
    scores: Scores
    mean_decode_seconds: float
    """Mean time of one clip's decode (features, encoder and decoder)."""
    mean_window_seconds: float
    """The windows the clips were decoded at, on average (for auto: the answer windows)."""
    decoded_again: int = 0
    """Clips the guard decoded again at the full window (auto only)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WindowScore:
        return cls(**{**data, "scores": Scores(**data["scores"])})


def parse_windows(text: str, model_window: float) -> list[str]:
    """`"30,10,5,auto"` → ["30", "10", "5", "auto"], each checked against the model's window."""
    windows = [part.strip().lower() for part in text.split(",") if part.strip()]
    for window in windows:
        if window == AUTO:
            continue
        try:
            seconds = float(window)
        except ValueError:
            seconds = float("nan")
        if not 0 < seconds <= model_window:
            raise TrainError(
                f"--windows {text}: {window!r} is not a window: give seconds from above 0 to "
                f"the model's {model_window:g}, or 'auto' (the app's answer window), e.g. "
                "30,10,5,auto."
            )
    windows = [_tidy(w) for w in windows]
    if not windows or len(set(windows)) < len(windows):
        raise TrainError(f"--windows {text}: name each window once, e.g. 30,10,5,auto.")
    return windows


def _tidy(window: str) -> str:
    return window if window == AUTO else f"{float(window):g}"


def shortest(windows: list[str]) -> float | None:
    """The shortest fixed window: every window scores the clips that fit it."""
    fixed = [float(w) for w in windows if w != AUTO]
    return min(fixed) if fixed else None


def score_windows(
    recognizer: Any, clips: Iterable[tuple[Any, str]], windows: list[str]
) -> tuple[list[WindowScore], list[str], list[str]]:
    """Decode each (audio, reference) clip at each window, one clip at a time.

    Returns the windows' scores, the references, and the first window's hypotheses."""
    decoders = {window: _decoder(recognizer, window) for window in windows}
    references: list[str] = []
    heard: dict[str, list[str]] = {window: [] for window in windows}
    seconds = dict.fromkeys(windows, 0.0)
    used: dict[str, list[float]] = {window: [] for window in windows}
    again = dict.fromkeys(windows, 0)
    for audio, text in clips:
        if not references:  # warm-up: the first call at a window pays for allocations
            for decode in decoders.values():
                decode(audio)
        references.append(text)
        for window, decode in decoders.items():
            redone = recognizer.guard["again"]
            started = time.perf_counter()
            decoded = decode(audio)
            seconds[window] += time.perf_counter() - started
            again[window] += recognizer.guard["again"] - redone
            heard[window].append(decoded.text)
            used[window].append(decoded.window or recognizer.window_seconds)
    if not references:
        return [], [], []
    scores = [
        WindowScore(
            window=window,
            scores=score(references, heard[window]),
            mean_decode_seconds=round(seconds[window] / len(references), 4),
            mean_window_seconds=round(sum(used[window]) / len(references), 2),
            decoded_again=again[window],
        )
        for window in windows
    ]
    return scores, references, heard[windows[0]]


def _decoder(recognizer: Any, window: str):
    if window == AUTO:
        return lambda audio: recognizer.decode([audio])[0]
    seconds = float(window)
    if seconds >= recognizer.window_seconds:
        return lambda audio: recognizer._decode([audio], recognizer.window_seconds)[0]
    return lambda audio: recognizer._decode([audio], seconds)[0]


def windows_table(windows: list[WindowScore]) -> list[str]:
    """The windows as a Markdown table, one row each."""
    lines = [
        "| window | clips | WER | WER (orthographic) | CER | mean decode (s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for w in windows:
        name = f"{w.window} s" if w.window != AUTO else f"auto (mean {w.mean_window_seconds:g} s"
        if w.window == AUTO:
            name += f", {w.decoded_again} decoded again at the full window)"
        s = w.scores
        lines.append(
            f"| {name} | {s.n} | {s.wer:.2f} | {s.wer_orthographic:.2f} | {s.cer:.2f} | "
            f"{w.mean_decode_seconds:.3f} |"
        )
    return lines
