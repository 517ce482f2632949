"""Listen: what espeak-ng is given for a card, a deck's pronunciation included, and its cache."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import wave
from pathlib import Path
from types import SimpleNamespace

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


class FakePiper:
    """A Piper voice as Listen uses one: a phoneme table, and a WAV for what it is given."""

    def __init__(self, fail: bool = False) -> None:
        self.config = SimpleNamespace(phoneme_id_map={c: [i] for i, c in enumerate(KNOWN)})
        self.said: list[str] = []
        self.fail = fail

    def synthesize_wav(self, text: str, wav_file: wave.Wave_write) -> None:
        if self.fail:
            raise RuntimeError("onnxruntime exploded")
        self.said.append(text)
        wav_file.setnchannels(1)
        wav_file.setsampwidth(2)
        wav_file.setframerate(22050)
        wav_file.writeframes(b"\x00\x01" * 2205)


KNOWN = " ˈˌːɛntoːraɧɵdsx"  # not ʈ, and no full stop


def voice_file(folder: Path) -> Path:
    model = folder / "sv_SE-test-medium.onnx"
    model.write_bytes(b"onnx")
    model.with_name(model.name + ".json").write_text("{}")
    return model


@needs_espeak
def test_neural_voice_says_espeaks_corrected_phonemes(tmp_path):
    fake = FakePiper()
    neural = voice.NeuralVoice(voice_file(tmp_path), load=lambda _: fake)
    path = voice.word_audio(TARTA, tmp_path / "cache", neural)
    assert fake.said == ["[[ɛn tˈoːrta]]"]  # espeak-ng's flap read as r, not r and a stop
    with wave.open(str(path)) as wav:
        assert wav.getnframes() == 2205
    assert path != voice.word_audio(TARTA, tmp_path / "cache")  # espeak-ng's is another file
    assert voice.word_audio(TARTA, tmp_path / "cache", neural) == path  # cached
    assert len(fake.said) == 1
    dusch = Card("dusch", "en", pronunciation=Pronunciation(phonemes="dɵɧ"))
    voice.word_audio(dusch, tmp_path / "cache", neural)
    assert fake.said[-1] == "[[ɛn dˈɵsx]]"  # the sj-sound as the voices learnt it


def test_neural_voice_without_espeak_reads_the_text(tmp_path, monkeypatch):
    monkeypatch.setattr(voice, "espeak", lambda: None)
    fake = FakePiper()
    neural = voice.NeuralVoice(voice_file(tmp_path), load=lambda _: fake)
    assert voice.word_audio(TARTA, tmp_path / "cache", neural) is not None
    assert fake.said == ["en tårta"]


def test_piper_phonemes_keep_what_the_voice_knows():
    assert voice.piper_phonemes("ɛn tˈoːr.ta") == "[[ɛn tˈoːrta]]"
    assert voice.piper_phonemes("ɛn ʈa!", known=set("ɛn ")) == "[[ɛn ]]"


@pytest.mark.parametrize("problem", ["no-file", "no-config", "no-piper", "broken", "fails"])
def test_without_a_usable_neural_voice_espeak_speaks(tmp_path, monkeypatch, caplog, problem):
    calls: list[list[str]] = []

    def fake_run(args: list[str], **_: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(args)
        Path(args[args.index("-w") + 1]).write_bytes(b"RIFF fake")
        return subprocess.CompletedProcess(args, 0)

    model = voice_file(tmp_path)
    load = lambda _: FakePiper(fail=problem == "fails")  # noqa: E731
    if problem == "no-file":
        model.unlink()
    elif problem == "no-config":
        model.with_name(model.name + ".json").unlink()
    elif problem == "no-piper":
        load = voice._load_piper  # the real loader: piper is not a requirement of the app
        monkeypatch.setitem(sys.modules, "piper", None)  # as if not installed
    elif problem == "broken":

        def load(_: Path) -> voice.Synthesiser:
            raise ValueError("not an ONNX model")

    monkeypatch.setattr(voice, "espeak", lambda: "/usr/bin/espeak-ng")
    monkeypatch.setattr(voice, "spoken_ipa", lambda card: "ɛn tˈoːr.ta")
    monkeypatch.setattr(voice.subprocess, "run", fake_run)
    neural = voice.NeuralVoice(model, load=load)
    with caplog.at_level(logging.WARNING, logger="game.voice"):
        assert voice.word_audio(TARTA, tmp_path / "cache", neural) is not None
    assert calls and calls[-1][-1] == "en [['to:r.ta]]"
    assert caplog.records, "the reason is logged"
    assert not list((tmp_path / "cache").glob("*.partial.wav"))


def test_a_replaced_voice_file_is_a_new_voice(tmp_path):
    model = voice_file(tmp_path)
    neural = voice.NeuralVoice(model, load=lambda _: FakePiper())
    before = neural.key
    model.write_bytes(b"another onnx model")
    assert neural.key != before


def test_the_app_takes_a_voice_file(tmp_path, monkeypatch):
    import app
    from tests.test_ui_handlers import Heard, two_cards
    from ui import play

    model = voice_file(tmp_path)
    assert app.parse_args(["--voice", str(model)]).voice == model
    monkeypatch.setenv("SAGDET_VOICE", str(model))
    assert app.parse_args([]).voice == model
    ctx = two_cards(tmp_path, Heard("hund"), voice_model=model)
    assert ctx.neural is not None and ctx.neural.model == model
    (tmp_path / "plain").mkdir()
    assert two_cards(tmp_path / "plain", Heard("hund")).neural is None
    fake = FakePiper()
    ctx.neural = voice.NeuralVoice(model, load=lambda _: fake)
    screen = play.begin(ctx, {}, "Djur", {})
    screen = play.hint(ctx, screen.stored, "Djur", {}, None, True)
    played, _ = play.listen(ctx, screen.stored, "Djur", {}, None, None)
    assert len(fake.said) == 1 and Path(played).is_file()
