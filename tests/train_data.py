"""Tiny speech data sets for the train tests, built offline in a second or two.

`speak` says a Swedish word with espeak-ng (a given speed and pitch, so one word has several
"speakers"); without espeak-ng it falls back to a tone pattern made from the word, which a tiny
model can learn just as well. `word_folder` writes a local data set (metadata.csv with file_name,
transcription and split columns beside wav files) that `train.data.open_source` reads.
"""

from __future__ import annotations

import csv
import io
import json
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


CV_HEADER = "client_id\tpath\tsentence\tup_votes\tdown_votes\tage\tgender\taccents\tlocale"


def write_clip(path: Path, word: str = "hund", rate: int = 22_050, fmt: str | None = None) -> None:
    samples, native = speak(word)
    if rate != native:
        import soxr

        samples = soxr.resample(samples, native, rate)
    soundfile.write(path, samples, rate, format=fmt)


def make_common_voice(root: Path, header: str = CV_HEADER) -> Path:
    """A Common Voice release in miniature: 48 kHz mp3 clips, quotes left in a sentence.

    Returns the sv-SE folder. `header` may rename Common Voice's columns (path, sentence).
    """
    lang = root / "cv-corpus-99.0-2099-01-01" / "sv-SE"
    (lang / "clips").mkdir(parents=True)
    sentences = {"train": ["Hunden sover.", '"Katten" jamar.'], "dev": ["Båten."], "test": ["Hus."]}
    for split, texts in sentences.items():
        lines = [header]
        for i, text in enumerate(texts):
            name = f"common_voice_sv-SE_{split}{i}.mp3"
            write_clip(lang / "clips" / name, WORDS[i], rate=48_000, fmt="MP3")
            lines.append(f"abc\t{name}\t{text}\t2\t0\t\t\t\tsv-SE")
        (lang / f"{split}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lang


NST_SESSIONS: dict[str, list[str]] = {  # session id → what its speaker reads, in order
    "sv_0001_a": ["Hunden sover.", "Katten jamar."],
    "sv_0002_b": ["Båten är röd.", "( ... tyst under denna inspelning ... )", "Huset."],
}


def make_nst(root: Path, sessions: dict[str, list[str]] = NST_SESSIONS) -> Path:
    """NST as Språkbanken's reorganised release unpacks: json/PID.json and se/PID/PID_uN-1.wav.

    A text in brackets is a silent recording's note and gets no audio file (as in NST). The other
    microphone's file (-2.wav) is written too, to show that channel 1 is read. Returns `root`.
    """
    (root / "json").mkdir(parents=True, exist_ok=True)
    for pid, texts in sessions.items():
        speaker = root / "se" / pid
        speaker.mkdir(parents=True, exist_ok=True)
        recordings = []
        for i, text in enumerate(texts):
            name = f"u{i:04d}.wav"
            recordings.append({"file": name, "text": text})
            if not text.startswith("("):
                write_clip(speaker / f"{pid}_u{i:04d}-1.wav", WORDS[i % len(WORDS)], rate=16_000)
                write_clip(speaker / f"{pid}_u{i:04d}-2.wav", "sol", rate=16_000)
        session = {"pid": pid, "Speaker_ID": pid[-1], "val_recordings": recordings}
        (root / "json" / f"{pid}.json").write_text(json.dumps(session), encoding="utf-8")
    return root


def fake_hub_split(tmp_path: Path, prefix: str, count: int):
    """A streamed hub split (`datasets.IterableDataset`, 2 shards when it can) whose rows say
    where they come from: transcripts A0, A1, ... (or B0, ...), each the same one-word clip."""
    import datasets

    write_clip(tmp_path / "clip.wav", rate=16_000)
    audio = {"bytes": (tmp_path / "clip.wav").read_bytes(), "path": None}
    rows = {"audio": [audio] * count, "sentence": [f"{prefix}{i}" for i in range(count)]}
    table = datasets.Dataset.from_dict(rows).cast_column("audio", datasets.Audio(decode=False))
    return table.to_iterable_dataset(num_shards=min(2, max(count, 1)))


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
