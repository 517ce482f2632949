"""The answer window: how much of Whisper's 30 s input window a short answer is given.

Whisper's encoder is trained on 30 s windows, and a one-word answer of 1-3 s is padded to 30 s:
nearly all of the encoder's work is padding. CTranslate2 accepts shorter mel features, so the
encoder can see the answer and a margin instead. A model trained only on 30 s windows is not
given less than `FLOOR` seconds: from 5 s down, untrained, decodes start to loop (whisper-base
on espeak-ng answers, measured here), while at 10 s the verdicts on 20 words were no worse than at
30 s. Clips longer than the floor get their own length and a margin, up to the full window.
A model whose config says it was trained for any window (`ANY_WINDOW_KEY`, written by the
training module's window fine-tune) gets the clip and its margin alone, from `ANY_WINDOW_FLOOR`.

A decode at a short window that loops, or that the model itself finds unlikely (its mean
log-probability per token under `LOGPROB_FLOOR`), is decoded again at the full window
(`needs_full_window`); a decode that merely reached the caller's token cap is not. Whisper's own
fallback threshold (-1.0, for 30 s of long-form speech) is no use on one word: real whisper-base
on 24 espeak-ng deck words scored -0.97 to -4.2 at 30 s (median -1.6) and no lower at 10 s (-0.7
to -2.9), so -1.0 would decode nearly every answer twice; -2.5 catches what is far below the
model's usual.
"""

from __future__ import annotations

import math

from asr.text import collapse_repeats

FLOOR = 10.0  # seconds: the shortest window for a model trained on 30 s windows
MARGIN = 1.0  # seconds of padding after the clip, so its last sound is never at the edge
LOGPROB_FLOOR = -2.5  # a decode less likely than this (mean log-probability) is done again
TYPICAL_ANSWER = 3.0  # seconds: a one-word answer is 1-3 s
ANY_WINDOW_FLOOR = 1.0  # seconds: the floor for a model trained for any window
ANY_WINDOW_KEY = "any_audio_window"  # config key: true for a model trained for any window


def model_floor(floor: float, any_window: bool) -> float:
    """The floor a model gets: `floor` as asked (0 turns the answer window off), lowered to
    `ANY_WINDOW_FLOOR` for a model trained for any window."""
    return min(floor, ANY_WINDOW_FLOOR) if any_window and floor > 0 else floor


def answer_window(seconds: float, model_window: float, floor: float = FLOOR) -> float:
    """The encoder window, in whole seconds, for a clip of `seconds`.

    `floor` <= 0 turns the answer window off: the model's full window, as it was trained.
    """
    if floor <= 0 or floor >= model_window:
        return model_window
    return float(min(model_window, max(floor, math.ceil(seconds + MARGIN))))


def typical_window(model_window: float, floor: float) -> float:
    """The window a typical answer (`TYPICAL_ANSWER` seconds) is decoded at: what the fastest
    path and the batch size are chosen for."""
    return answer_window(TYPICAL_ANSWER, model_window, floor)


def needs_full_window(text: str, avg_logprob: float | None,
                      unlikely_below: float | None = LOGPROB_FLOOR) -> bool:  # fmt: skip
    """A short-window decode to do again at the full window: it loops ("hund hund hund"), or
    the model found it unlikely (under `unlikely_below`; None: loops only). Reaching the token
    cap alone is no reason."""
    if collapse_repeats(text) != text:
        return True
    if avg_logprob is None or unlikely_below is None:
        return False
    return avg_logprob < unlikely_below
