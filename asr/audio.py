"""Turning what the browser or a user gives into 16 kHz mono float32 speech, or "no speech".

Accepts Gradio's `(sample_rate, ndarray)` (int16, int32 or float; mono or stereo, either axis
order), a bare ndarray with its rate, or a file path (decoded by `asr.decode`: libsndfile, then
PyAV; no ffmpeg binary). NaN and inf samples become silence. Silence at both ends is trimmed; a
clip that is silent, too short or only steady noise is flagged so the model never runs on it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from asr.decode import MAX_FILE_BYTES as MAX_FILE_BYTES
from asr.decode import read_file
from asr.errors import AudioError, AudioTooLong

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
MAX_SECONDS = 15.0  # an answer to one picture; longer is a mistake (or a forgotten recorder)
FRAME = 400  # 25 ms at 16 kHz
HOP = 160  # 10 ms
SILENCE_DBFS = -45.0  # frames quieter than this are silence whatever the noise floor
SPEECH_OVER_FLOOR_DB = 12.0  # speech stands this far above the clip's own noise floor
MIN_SPEECH_SECONDS = 0.12  # shorter than a syllable
PAD_SECONDS = 0.15  # kept around the speech so trimming never clips a consonant
NOISE_FLATNESS = 0.35  # steady hiss has a flat spectrum; voiced speech does not


@dataclass(frozen=True)
class Clip:
    """Audio ready for the model, and what was found in it."""

    samples: np.ndarray
    """float32 mono at 16 kHz, trimmed to the speech (with a little padding)."""
    duration: float
    """Seconds of the original recording."""
    speech: bool
    """False when there is nothing to transcribe: silence, a click, steady noise."""
    reason: str = ""
    """Why `speech` is False, for logs and messages."""


def load(
    audio: object, sample_rate: int | None = None, max_seconds: float | None = None
) -> tuple[np.ndarray, int]:
    """Read any accepted input into (finite float32 mono samples, its sample rate).

    A file longer than `max_seconds` raises `AudioTooLong` before it is decoded in full.
    """
    samples, rate = _load(audio, sample_rate, max_seconds)
    if not np.all(np.isfinite(samples)):
        # A float WAV may hold NaN or inf (a broken recorder); they would poison the resampler
        # and the model, so they count as silence.
        samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
    return samples, rate


def _load(
    audio: object, sample_rate: int | None, max_seconds: float | None
) -> tuple[np.ndarray, int]:
    if isinstance(audio, tuple) and len(audio) == 2:
        rate, data = audio
        if isinstance(rate, np.ndarray) and not isinstance(data, np.ndarray):
            data, rate = rate, data  # (array, rate) as librosa returns it
        return _to_mono_float(np.asarray(data)), int(rate)
    if isinstance(audio, np.ndarray):
        if sample_rate is None:
            raise AudioError("An array of samples needs its sample_rate.")
        return _to_mono_float(audio), int(sample_rate)
    if isinstance(audio, (str, Path)):
        samples, rate = read_file(Path(audio), max_seconds)
        return _to_mono_float(samples), rate
    if audio is None:
        raise AudioError("Nothing was recorded.")
    raise AudioError(f"Cannot read audio from a {type(audio).__name__}.")


def prepare(
    audio: object, sample_rate: int | None = None, max_seconds: float = MAX_SECONDS
) -> Clip:
    """Load, fold to mono, resample to 16 kHz, check the length and find the speech."""
    samples, rate = load(audio, sample_rate, max_seconds)
    if rate <= 0:
        raise AudioError(f"The sample rate {rate} is not valid.")
    duration = len(samples) / rate
    if duration > max_seconds:
        raise AudioTooLong(duration, max_seconds)
    if rate != SAMPLE_RATE and len(samples):
        samples = soxr.resample(samples, rate, SAMPLE_RATE, quality="HQ").astype(np.float32)
    return find_speech(samples, duration)


def find_speech(samples: np.ndarray, duration: float | None = None) -> Clip:
    """Trim silence at both ends and decide whether the clip holds speech at all."""
    duration = len(samples) / SAMPLE_RATE if duration is None else duration
    empty = np.zeros(0, dtype=np.float32)
    if len(samples) < FRAME:
        return Clip(empty, duration, False, "too short")
    if not np.all(np.isfinite(samples)):  # callers may skip `load`
        samples = np.nan_to_num(samples, nan=0.0, posinf=0.0, neginf=0.0)
    frames = np.lib.stride_tricks.sliding_window_view(samples, FRAME)[::HOP]
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    level = 20 * np.log10(np.maximum(rms, 1e-10))
    if level.max() < SILENCE_DBFS:
        return Clip(empty, duration, False, "silence")
    floor = float(np.percentile(level, 10))
    threshold = max(SILENCE_DBFS, min(floor + SPEECH_OVER_FLOOR_DB, level.max() - 6.0))
    loud = np.flatnonzero(level >= threshold)
    voiced_seconds = len(loud) * HOP / SAMPLE_RATE
    if voiced_seconds < MIN_SPEECH_SECONDS:
        return Clip(empty, duration, False, "too short")
    pad = int(PAD_SECONDS * SAMPLE_RATE)
    start = max(0, loud[0] * HOP - pad)
    end = min(len(samples), loud[-1] * HOP + FRAME + pad)
    trimmed = np.ascontiguousarray(samples[start:end], dtype=np.float32)
    if level.max() - floor < SPEECH_OVER_FLOOR_DB and _flatness(trimmed) > NOISE_FLATNESS:
        return Clip(empty, duration, False, "noise")
    return Clip(trimmed, duration, True)


def _flatness(samples: np.ndarray) -> float:
    """Median spectral flatness (geometric over arithmetic mean of the power spectrum)."""
    frames = np.lib.stride_tricks.sliding_window_view(samples, FRAME)[:: HOP * 4]
    power = np.abs(np.fft.rfft(frames * np.hanning(FRAME), axis=1)) ** 2 + 1e-12
    flatness = np.exp(np.mean(np.log(power), axis=1)) / np.mean(power, axis=1)
    return float(np.median(flatness))


def _to_mono_float(data: np.ndarray) -> np.ndarray:
    if data.size == 0:
        return np.zeros(0, dtype=np.float32)
    if data.ndim == 2:
        # Gradio gives (samples, channels); some libraries give (channels, samples).
        channel_axis = 1 if data.shape[1] <= data.shape[0] else 0
        data = (
            data.mean(axis=channel_axis)
            if np.issubdtype(data.dtype, np.floating)
            else (data.astype(np.float64).mean(axis=channel_axis).astype(data.dtype))
        )
    elif data.ndim != 1:
        raise AudioError(
            f"Audio must be mono or stereo samples, not an array of shape {data.shape}."
        )
    if np.issubdtype(data.dtype, np.integer):
        scale = float(np.iinfo(data.dtype).max) + 1.0
        if np.iinfo(data.dtype).min == 0:  # unsigned 8-bit wav
            return ((data.astype(np.float32) - scale / 2) / (scale / 2)).astype(np.float32)
        return (data.astype(np.float32) / scale).astype(np.float32)
    if np.issubdtype(data.dtype, np.floating):
        return data.astype(np.float32, copy=False)
    raise AudioError(f"Audio samples of type {data.dtype} are not supported.")
