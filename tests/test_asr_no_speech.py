"""What the model itself knows, passed on with each transcript: its no-speech probability and its
mean log-probability, on both backends and from a remote engine's verbose answer."""

from __future__ import annotations

import numpy as np
import pytest
from whisper_tiny import cached_model

import asr
from tests.conftest import voiced

CLIP = (16_000, (voiced(1.5) * 32767).astype(np.int16))
BACKENDS = ["transformers", "ctranslate2"]


@pytest.fixture(autouse=True)
def fresh_cache():
    asr.clear_cache()
    yield
    asr.clear_cache()


def heard(whisper_root, backend: str, **kwargs) -> asr.Transcript:
    model = cached_model(whisper_root, **kwargs)
    return asr.load_transcriber(model, backend, "cpu", warm_up=False).transcribe(CLIP)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("no_speech", "low", "high"), [(False, 0.0, 0.05), (True, 0.95, 1.0)])
def test_each_transcript_carries_the_models_no_speech_figure(whisper_root, backend, no_speech,
                                                             low, high):  # fmt: skip
    result = heard(whisper_root, backend, hears="hund", no_speech=no_speech)
    assert result.text == "hund"  # asr passes the figure on; the game decides what it means
    assert result.no_speech_prob is not None and low <= result.no_speech_prob <= high
    assert result.avg_logprob is not None and result.avg_logprob > -0.5


def test_both_backends_give_the_same_figures_on_the_same_weights(whisper_root):
    torch_result = heard(whisper_root, "transformers", layers=2, seed=5)
    ct2_result = heard(whisper_root, "ctranslate2", layers=2, seed=5)
    assert torch_result.no_speech_prob == pytest.approx(ct2_result.no_speech_prob, abs=0.02)
    assert 0 < torch_result.no_speech_prob < 1


def test_no_model_run_no_figures(whisper_root):
    model = cached_model(whisper_root, hears="hund")
    transcriber = asr.load_transcriber(model, "ctranslate2", "cpu", warm_up=False)
    silent = transcriber.transcribe((16_000, np.zeros(16_000, np.int16)))
    assert silent.no_speech and silent.no_speech_prob is None and silent.avg_logprob is None


@pytest.mark.parametrize(("no_speech", "tries"), [(True, 0), (False, 1)])
def test_in_the_app_a_clip_the_model_calls_no_speech_costs_no_try(whisper_root, tmp_path,
                                                                   no_speech, tries):  # fmt: skip
    import soundfile

    import game
    from tests.test_ui_handlers import two_cards
    from ui import play

    model = cached_model(whisper_root, hears="katt", no_speech=no_speech)
    transcriber = asr.load_transcriber(model, "ctranslate2", "cpu", warm_up=False)
    ctx = two_cards(tmp_path, transcriber)
    wav = tmp_path / "cough.wav"
    soundfile.write(wav, CLIP[1], CLIP[0])
    start = play.begin(ctx, {}, "Djur", {})
    card = game.current_card(game.from_dict(start.stored), ctx.library.first())
    if card.answer == "katt":  # the word heard is the card's: answer the other card instead
        start = play.skip(ctx, start.stored, "Djur", {}, None, True)
    screen = play.answer_audio(ctx, str(wav), start.stored, "Djur", {}, None, True)
    assert game.from_dict(screen.stored).round.turn.tries == tries
