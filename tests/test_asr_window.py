"""The answer window (`asr.window`): how much of the encoder's 30 s an answer gets, and the guard
that decodes again at the full window."""

from __future__ import annotations

import numpy as np
import pytest
from whisper_tiny import cached_model

import asr
from asr.window import FLOOR, LOGPROB_FLOOR, answer_window, needs_full_window
from tests.conftest import voiced


@pytest.fixture(autouse=True)
def fresh_cache():
    asr.clear_cache()
    yield
    asr.clear_cache()


@pytest.mark.parametrize(
    ("seconds", "model_window", "floor", "window"),
    [
        (1.5, 30, FLOOR, 10),  # a one-word answer: the floor
        (0.2, 30, FLOOR, 10),
        (9.0, 30, FLOOR, 10),  # exactly the floor with its margin
        (9.5, 30, FLOOR, 11),  # longer: its own length and a margin, in whole seconds
        (20.0, 30, FLOOR, 21),
        (29.0, 30, FLOOR, 30),  # a 29 s recording: the whole window
        (31.0, 30, FLOOR, 30),  # never past the model's window (longer clips are refused)
        (1.5, 30, 0, 30),  # floor 0: the answer window is off
        (1.5, 5, FLOOR, 5),  # a model trained on 5 s windows keeps its own
        (1.5, 30, 3, 3),  # a lower floor, for a model trained for any window
    ],
)
def test_the_answer_window(seconds, model_window, floor, window):
    assert answer_window(seconds, model_window, floor) == window


@pytest.mark.parametrize(
    ("text", "logprob", "again"),
    [
        ("en hund", -0.4, False),
        ("en hund", None, False),
        ("en hund", LOGPROB_FLOOR - 0.5, True),  # the model itself finds it unlikely
        ("hund hund hund hund", -0.1, True),  # a loop, however sure the model is
        ("Äplar. Äplar. Äplar.", -0.3, True),
        ("hund hund", -0.3, False),  # a learner saying the word twice is not a loop
        ("en liten röd hund som springer", -0.5, False),  # long (a token cap) but no loop
    ],
)
def test_the_guard(text, logprob, again):
    assert needs_full_window(text, logprob) is again


CLIP = (16_000, (voiced(1.5) * 32767).astype(np.int16))


def tiny(whisper_root, **kwargs) -> asr.Transcriber:
    model = cached_model(whisper_root, hears="hund", **kwargs)
    return asr.load_transcriber(model, "ctranslate2", "cpu", warm_up=False)


def test_a_clean_decode_stays_at_the_answer_window(whisper_root):
    transcriber = tiny(whisper_root)
    assert transcriber.options.window_floor == FLOOR
    decoded = transcriber.backend.decode([CLIP[1].astype(np.float32) / 32767])[0]
    assert decoded.text == "hund" and decoded.window == FLOOR
    assert transcriber.transcribe(CLIP).text == "hund"
    assert transcriber.backend.guard["short"] == 2 and transcriber.backend.guard["again"] == 0


def test_a_decode_that_loops_at_the_answer_window_is_done_again_at_the_full_window(whisper_root):
    transcriber = tiny(whisper_root, loops=True)
    decoded = transcriber.backend.decode([CLIP[1].astype(np.float32) / 32767])[0]
    assert decoded.hit_limit and decoded.window == 30
    assert transcriber.backend.guard["again"] == 1
    assert transcriber.transcribe(CLIP).text == "hund hund"  # the loop is still cut after


def test_a_clip_at_the_window_limit_and_silence(whisper_root):
    transcriber = tiny(whisper_root)
    long = (16_000, (np.tile(voiced(1.0), 14) * 32767).astype(np.int16))  # 14 s of speech
    assert transcriber.transcribe(long).text == "hund"
    assert transcriber.backend.guard["short"] >= 1
    silent = transcriber.transcribe((16_000, np.zeros(16_000 * 10, np.int16)))
    assert silent.no_speech and silent.model_seconds == 0
