"""Listen: what espeak-ng is given for a card, a deck's pronunciation included, and its cache."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from game import voice
from game.cards import Card
from game.phonemes import Pronunciation

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

TARTA = Card("tårta", "en", pronunciation=Pronunciation(phonemes="²tʰoːʈa"))


def test_speech_input_carries_the_pronunciation():
    assert voice.speech_input(Card("tårta", "en")) == "en tårta"
    assert voice.speech_input(TARTA) == "en [['to:r.ta]]"
    assert voice.speech_input(Card("sked", pronunciation=Pronunciation(text="hjed"))) == "hjed"
    berg = Card("berg", "ett", pronunciation=Pronunciation(text="bärj"))
    assert voice.speech_input(berg) == "ett bärj"


@needs_espeak
def test_espeak_says_the_pronunciation_not_the_spelling():
    assert voice.spoken_ipa(Card("tårta", "en")) == "ɛn tˈoːta"
    assert voice.spoken_ipa(TARTA) == "ɛn tˈoːr.ta"


@needs_espeak
def test_each_pronunciation_has_its_own_recording(tmp_path):
    plain = voice.word_audio(Card("tårta", "en"), tmp_path)
    corrected = voice.word_audio(TARTA, tmp_path)
    respelled = voice.word_audio(
        Card("tårta", "en", pronunciation=Pronunciation(text="tåårta")), tmp_path
    )
    assert plain and corrected and respelled
    assert len({plain, corrected, respelled}) == 3
    assert plain.read_bytes() != corrected.read_bytes()
    assert voice.word_audio(TARTA, tmp_path) == corrected  # the cache, read back


def test_the_synthesiser_is_given_the_phonemes(tmp_path, monkeypatch):
    calls: list[list[str]] = []

    def fake_run(args: list[str], **_: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(args)
        Path(args[args.index("-w") + 1]).write_bytes(b"RIFF fake")
        return subprocess.CompletedProcess(args, 0)

    monkeypatch.setattr(voice, "espeak", lambda: "/usr/bin/espeak-ng")
    monkeypatch.setattr(voice.subprocess, "run", fake_run)
    assert voice.word_audio(TARTA, tmp_path) is not None
    assert calls[-1][-1] == "en [['to:r.ta]]"
