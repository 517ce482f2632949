"""Audio in: every shape a browser or a user gives, and the cases that must not reach the model."""

from __future__ import annotations

import numpy as np
import pytest

from asr import AudioError, AudioTooLong, prepare
from asr.audio import SAMPLE_RATE, load
from asr.text import collapse_repeats
from tests.conftest import voiced


def as_int16(x: np.ndarray) -> np.ndarray:
    return (np.clip(x, -1, 1) * 32767).astype(np.int16)


def with_silence(x: np.ndarray, rate: int, before: float = 0.5, after: float = 0.5) -> np.ndarray:
    return np.concatenate(
        [np.zeros(int(before * rate), x.dtype), x, np.zeros(int(after * rate), x.dtype)]
    )


@pytest.mark.parametrize(
    ("make", "rate"),
    [
        (lambda: as_int16(np.stack([voiced(1, 44_100)] * 2, axis=1)), 44_100),  # the browser
        (lambda: voiced(1, 48_000), 48_000),  # float 48 kHz
        (lambda: np.stack([voiced(1, 22_050)] * 2, axis=0), 22_050),  # channels first
        (lambda: as_int16(voiced(1, 16_000)).astype(np.int32) << 16, 16_000),  # int32
        (lambda: voiced(1, 8_000).astype(np.float64), 8_000),
    ],
    ids=["stereo-44k-int16", "float-48k", "channels-first", "int32", "float64-8k"],
)
def test_speech_in_any_shape_becomes_16k_mono_float(make, rate):
    data = make()
    clip = prepare((rate, data))
    assert clip.speech and clip.reason == ""
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert clip.duration == pytest.approx(1.0, abs=0.01)
    assert 0.7 * SAMPLE_RATE < len(clip.samples) <= 1.0 * SAMPLE_RATE + 1
    assert np.abs(clip.samples).max() <= 1.0


def test_silence_at_both_ends_is_trimmed():
    x = with_silence(voiced(0.8, 44_100), 44_100, 1.0, 1.5)
    clip = prepare((44_100, as_int16(x)))
    assert clip.speech and clip.duration == pytest.approx(3.3, abs=0.01)
    assert len(clip.samples) / SAMPLE_RATE < 1.3


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (np.zeros(32_000, np.int16), "silence"),
        (np.zeros(32_000, np.float32) + 1e-4, "silence"),
        (as_int16(voiced(0.05)), "too short"),
        (np.zeros(0, np.int16), "too short"),
        (as_int16(np.random.default_rng(0).normal(0, 0.1, 32_000)), "noise"),
        (
            with_silence(as_int16(voiced(1.0) * 0 + 0.5 * (np.arange(16_000) == 8000)), 16_000),
            "too short",
        ),
    ],
    ids=["zeros", "dc-hum", "50ms", "empty", "white-noise", "click"],
)
def test_no_speech_cases(data, reason):
    clip = prepare((SAMPLE_RATE, data))
    assert not clip.speech and clip.reason == reason and len(clip.samples) == 0


def test_speech_over_noise_is_speech():
    noise = np.random.default_rng(1).normal(0, 0.01, 16_000 * 2).astype(np.float32)
    noise[8000:24000] += voiced(1.0)
    assert prepare((SAMPLE_RATE, noise)).speech


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_samples_count_as_silence(bad):
    x = with_silence(voiced(1.0), SAMPLE_RATE)
    x[100:200] = bad
    samples, _ = load((SAMPLE_RATE, x))
    assert np.all(np.isfinite(samples)) and np.all(samples[100:200] == 0)
    assert prepare((SAMPLE_RATE, x)).speech


def test_too_long_is_refused_with_a_message():
    with pytest.raises(AudioTooLong, match=r"40\.0 s long; answers can be at most 15 s"):
        prepare((16_000, np.zeros(16_000 * 40, np.int16)))


@pytest.mark.parametrize(
    ("audio", "message"),
    [
        (None, "Nothing was recorded"),
        ("/no/such/file.wav", '"file.wav" does not exist'),
        (np.zeros(10), "needs its sample_rate"),
        (object(), "Cannot read audio"),
        ((16_000, np.zeros((2, 2, 2))), "mono or stereo"),
        ((16_000, np.array(["a", "b"])), "not supported"),
    ],
)
def test_bad_input_gives_a_clear_error(audio, message):
    with pytest.raises(AudioError, match=message):
        load(audio)


@pytest.mark.parametrize(
    ("text", "cut", "expected"),
    [
        ("hund", False, "hund"),
        ("hund hund", False, "hund hund"),
        ("hund hund hund hund hund", False, "hund hund"),
        ("Hund. Hund. Hund. Hund.", False, "Hund. Hund."),
        ("det är en hund det är en hund det är en hund", False, "det är en hund det är en hund"),
        ("Äplar. Äplar. Äplar. Äpl", True, "Äplar. Äplar."),
        ("en katt", True, "en katt"),
    ],
)
def test_repetition_loops_are_cut(text, cut, expected):
    assert collapse_repeats(text, cut=cut) == expected
