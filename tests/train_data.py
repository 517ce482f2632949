"""Tiny speech data sets for the train tests, built offline in a second or two.

`speak` says a Swedish word with espeak-ng (a given speed and pitch, so one word has several
"speakers"); without espeak-ng it falls back to a tone pattern made from the word, which a tiny
model can learn just as well. `word_folder` writes a local data set (metadata.csv with file_name,
transcription and split columns beside wav files) that `train.data.open_source` reads.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

import asr

WORDS: tuple[str, ...] = ("hund", "katt", "äpple", "båt", "häst", "bil", "hus", "sol")
# (speed in words per minute, pitch 0-99): nine voices to learn from, two never heard in training
TRAIN_VOICES: tuple[tuple[int, int], ...] = tuple(
    (speed, pitch) for speed in (120, 150, 180) for pitch in (30, 50, 70)
)
TEST_VOICES: tuple[tuple[int, int], ...] = ((135, 40), (165, 60))
RATE = 16_000
ALPHABET = "abcdefghijklmnopqrstuvwxyzåäö"


def has_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(word: str, speed: int = 150, pitch: int = 50) -> tuple[np.ndarray, int]:
    """(float32 samples, rate) of `word` said in Swedish, or its tone pattern without espeak."""
    if has_espeak():
        wav = subprocess.run(
            ["espeak-ng", "-v", "sv", "-s", str(speed), "-p", str(pitch), "--stdout", word],
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
        samples, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
        return samples, rate
    return word_tones(word, speed, pitch), RATE


def word_tones(word: str, speed: int = 150, pitch: int = 50) -> np.ndarray:
    """A stand-in for speech: one tone per letter, the tone fixed by the letter.

    Letters sit at least two semitones apart; a voice's pitch moves every tone by at most one
    semitone, and its speed stretches them, so the words stay apart across voices.
    """
    letter_seconds = 18.0 / speed
    t = np.arange(int(letter_seconds * RATE)) / RATE
    pieces = []
    for letter in word:
        step = ALPHABET.index(letter.lower()) if letter.lower() in ALPHABET else len(ALPHABET)
        frequency = 100.0 * 2 ** ((2 * step + (pitch - 50) / 20) / 12)  # 100 Hz to 2.6 kHz
        tone = np.sin(2 * np.pi * frequency * t) + 0.5 * np.sin(4 * np.pi * frequency * t)
        pieces.append(0.3 * tone * np.hanning(len(t)))
    return np.concatenate(pieces).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def word_folder(
    folder: Path,
    words: Sequence[str] = WORDS,
    train_voices: Sequence[tuple[int, int]] = TRAIN_VOICES,
    test_voices: Sequence[tuple[int, int]] = TEST_VOICES,
    long_clips: int = 0,
) -> Path:
    """A local data set: every word in every voice, train and test voices in a split column.

    `long_clips` adds that many 8-second clips to the train split (a word and silence), for the
    tests of clips longer than a short window. Returns `folder`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for split, voices in (("train", train_voices), ("test", test_voices)):
        for speed, pitch in voices:
            for word in words:
                name = f"{split}-{len(rows):04d}.wav"  # ASCII names: å/ä/ö only in the text
                samples, rate = speak(word, speed, pitch)
                soundfile.write(folder / name, samples, rate)
                rows.append((name, word, split))
    for i in range(long_clips):
        samples, rate = speak(words[i % len(words)])
        name = f"long-{i}.wav"
        padded = np.concatenate([samples, np.zeros(8 * rate, dtype=np.float32)])
        soundfile.write(folder / name, padded, rate)
        rows.append((name, words[i % len(words)], "train"))
    write_metadata(folder, rows, ("file_name", "transcription", "split"))
    return folder


def write_metadata(folder: Path, rows: Sequence[Sequence[str]], header: Sequence[str]) -> Path:
    path = folder / "metadata.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def cached_word_folder(root: Path, name: str = "words", **kwargs: object) -> Path:
    """`word_folder(root / name, **kwargs)`, built once per session root and name."""
    target = root / name
    if (target / "metadata.csv").is_file():
        return target
    partial = root / f"{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    word_folder(partial, **kwargs)  # type: ignore[arg-type]
    partial.rename(target)
    return target


# Autouse fixtures for the train tests: import them into a test module to apply them there.
@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Train on one thread: on a busy 2-core machine, two threads spinning at OpenMP barriers
    made the learning test 4x slower (79 s against 21 s measured); idle, one costs little."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def fresh_asr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A private conversion cache per test, and no transcriber kept between tests."""
    monkeypatch.setenv("SAGDET_CACHE", str(tmp_path / "asr-cache"))
    yield
    asr.clear_cache()
