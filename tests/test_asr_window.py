"""The answer window (`asr.window`): how much of the encoder's 30 s an answer gets, and the guard
that decodes again at the full window."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from whisper_tiny import cached_model

import asr
from asr import models
from asr.window import (
    ANY_WINDOW_FLOOR,
    FLOOR,
    LOGPROB_FLOOR,
    answer_window,
    model_floor,
    needs_full_window,
)
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
    ("floor", "any_window", "expected"),
    [(FLOOR, False, FLOOR), (FLOOR, True, ANY_WINDOW_FLOOR), (0, True, 0), (0.5, True, 0.5)],
)
def test_the_floor_a_model_gets(floor, any_window, expected):
    assert model_floor(floor, any_window) == expected


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
SAMPLES = CLIP[1].astype(np.float32) / 32767
BACKENDS = ["transformers", "ctranslate2"]


def tiny(whisper_root, backend: str, max_new_tokens: int = 8, **kwargs) -> asr.Transcriber:
    model = cached_model(whisper_root, hears="hund", **kwargs)
    return asr.load_transcriber(model, backend, "cpu", warm_up=False,
                                max_new_tokens=max_new_tokens)  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_clean_decode_stays_at_the_answer_window(whisper_root, backend):
    transcriber = tiny(whisper_root, backend)
    assert transcriber.options.window_floor == FLOOR
    decoded = transcriber.backend.decode([SAMPLES])[0]
    assert decoded.text == "hund" and decoded.window == FLOOR
    assert decoded.avg_logprob is not None and decoded.avg_logprob > LOGPROB_FLOOR
    assert transcriber.transcribe(CLIP).text == "hund"
    assert transcriber.backend.guard["short"] == 2 and transcriber.backend.guard["again"] == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_guard_never_fires_on_the_callers_token_cap(whisper_root, backend):
    transcriber = tiny(whisper_root, backend, max_new_tokens=1)
    decoded = transcriber.backend.decode([SAMPLES])[0]
    assert decoded.hit_limit and decoded.text == "hund" and decoded.window == FLOOR
    assert transcriber.backend.guard["again"] == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_decode_that_loops_only_at_the_answer_window_is_done_again_at_the_full_window(
    whisper_root, backend
):
    transcriber = tiny(whisper_root, backend, loops_below=FLOOR)
    short = transcriber.backend._decode([SAMPLES], FLOOR)[0]  # what the answer window gives
    assert short.hit_limit and short.text.startswith("hund hund")
    decoded = transcriber.backend.decode([SAMPLES])[0]
    assert (decoded.text, decoded.window, decoded.hit_limit) == ("hund", 30, False)
    assert dict(transcriber.backend.guard) == {"short": 1, "again": 1}
    assert transcriber.transcribe(CLIP).text == "hund"


@pytest.mark.parametrize("backend", BACKENDS)
def test_only_the_clips_that_loop_are_decoded_again(whisper_root, backend, caplog):
    transcriber = tiny(whisper_root, backend, loops_below=FLOOR)
    long = np.tile(SAMPLES, 8)  # 12 s: an 13 s window, past the model's looping edge
    with caplog.at_level(logging.INFO, logger="asr.backends"):
        decoded = transcriber.backend.decode([SAMPLES, long])
    assert [d.window for d in decoded] == [30, 30]  # one batch, one window: both loop at 13 s
    assert "2 of 2 decoded again" in caplog.text


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_decode_that_loops_at_every_window_is_cut_after_the_full_window(whisper_root, backend):
    transcriber = tiny(whisper_root, backend, loops=True)
    decoded = transcriber.backend.decode([SAMPLES])[0]
    assert decoded.hit_limit and decoded.window == 30
    assert transcriber.backend.guard["again"] == 1
    assert transcriber.transcribe(CLIP).text == "hund hund"  # the loop is still cut after


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("seconds", "window"),
    [(FLOOR - 1, FLOOR), (FLOOR, FLOOR + 1), (14.0, 15.0), (29.0, 30.0)],
)  # fmt: skip
def test_recordings_up_to_the_full_window_get_their_own(whisper_root, backend, seconds, window):
    transcriber = tiny(whisper_root, backend)
    speech = np.resize(SAMPLES, int(seconds * 16_000))
    assert transcriber.backend.decode([speech])[0].window == window
    recording = (16_000, (speech * 32767).astype(np.int16))
    if seconds <= transcriber.options.max_seconds:
        assert transcriber.transcribe(recording).text == "hund"
    else:  # an answer's own limit (15 s) comes first, with its usual message
        with pytest.raises(asr.AudioError, match="at most 15 s"):
            transcriber.transcribe(recording)


@pytest.mark.parametrize("backend", BACKENDS)
def test_silence_and_a_recording_past_the_window(whisper_root, backend):
    transcriber = tiny(whisper_root, backend)
    silent = transcriber.transcribe((16_000, np.zeros(16_000 * 10, np.int16)))
    assert silent.no_speech and silent.model_seconds == 0
    long = (16_000, (np.resize(SAMPLES, 31 * 16_000) * 32767).astype(np.int16))
    with pytest.raises(asr.AudioError, match=r"31\.0 s long; answers can be at most 15 s"):
        transcriber.transcribe(long)
    assert transcriber.backend.guard["short"] == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_model_trained_for_any_window_gets_the_clip_and_its_margin(whisper_root, backend):
    transcriber = tiny(whisper_root, backend, any_window=True)
    assert transcriber.backend.window_floor == ANY_WINDOW_FLOOR
    assert transcriber.backend.decode([SAMPLES])[0].window == 3.0  # 1.5 s and 1 s, rounded up
    assert transcriber.transcribe(CLIP).text == "hund"


def test_a_converted_model_keeps_its_word_that_it_takes_any_window(whisper_root, tmp_path):
    source = cached_model(whisper_root, hears="hund", any_window=True)
    assert models.any_window(source)
    converted = models.convert_to_ct2(source, tmp_path / "ct2")
    assert models.any_window(converted)
    assert not models.any_window(cached_model(whisper_root, hears="hund"))


def test_the_torch_encoder_at_a_short_window_is_the_models_own_at_the_full_one(whisper_root):
    import torch

    transcriber = asr.load_transcriber(cached_model(whisper_root, layers=2, seed=3),
                                       "transformers", "cpu", warm_up=False)  # fmt: skip
    backend = transcriber.backend
    features = backend.extractor([SAMPLES], sampling_rate=16_000,
                                 return_tensors="pt").input_features  # fmt: skip
    ours = backend._encode(features).last_hidden_state
    theirs = backend.model.get_encoder()(features).last_hidden_state
    assert ours.shape == theirs.shape and torch.allclose(ours, theirs, atol=1e-5)
    assert backend._encode(features[..., :1000]).last_hidden_state.shape[1] == 500
