"""train finetune --any-window: audio-context fine-tuning for a model that works at any window.

The base model of the main test is whisper_tiny's model that "hears" one word and, like real
Whisper cut to a short window without training, loops at windows of 10 s and less ("hund hund
hund ...") while it stops after the word at 30 s. Its transcripts at 5 s and at each clip's own
length match its 30 s ones on no clip before training; after a few steps of --any-window they
must match on more. A random model shows the encoder's part: its states over a clip at a short
window move towards the frozen model's at 30 s.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import torch
from train_data import WORDS, cached_word_folder, fresh_asr, one_torch_thread
from whisper_tiny import cached_model

import asr
import train.model
from asr.backends import TransformersBackend
from asr.window import ANY_WINDOW_FLOOR, ANY_WINDOW_KEY
from train.anywindow import clip_positions
from train.data import open_source
from train.errors import TrainError
from train.finetune import SUMMARY_FILE, finetune
from train.options import FinetuneOptions

AUTOUSE = (fresh_asr, one_torch_thread)  # train_data fixtures, applied to every test here
FAST = {
    "learning_rate": 1e-3, "warmup_steps": 0, "batch_size": 8, "logging_steps": 5,
    "generation_max_length": 8, "save_total_limit": None, "eval_split": "none",
    "gradient_checkpointing": False, "any_window": True,
}  # fmt: skip


@pytest.fixture(scope="module")
def words(whisper_root: Path) -> Path:
    return cached_word_folder(whisper_root, "words")


def options(words: Path, base: Path, out: Path, **overrides: object) -> FinetuneOptions:
    settings = FAST | {"dataset": str(words), "base_model": str(base), "output_dir": str(out)}
    return FinetuneOptions(**(settings | overrides))  # type: ignore[arg-type]


def transcripts(model: Path, words: Path) -> dict[str, list[str]]:
    """Each test clip's transcript at 30 s, at 5 s and at its own length (asr's backend)."""
    backend = TransformersBackend(str(model), "cpu", "fp32", 8)
    heard: dict[str, list[str]] = {"30": [], "5": [], "own": []}
    for utterance in open_source(str(words)).examples("test"):
        for name, window in (("30", 30.0), ("5", 5.0), ("own", len(utterance.audio) / 16_000)):
            heard[name].append(backend._decode([utterance.audio], window)[0].text)
    return heard


def agreeing(heard: dict[str, list[str]], window: str) -> int:
    return sum(a == b for a, b in zip(heard[window], heard["30"], strict=True))


def test_short_windows_match_the_full_one_after_training(
    whisper_root: Path, words: Path, tmp_path: Path
) -> None:
    base = cached_model(whisper_root, words=WORDS, hears="hund", loops_below=10)
    before = transcripts(base, words)
    assert before["5"][0] == "hund hund hund hund hund hund hund hund"  # the untrained loop

    out = tmp_path / "out"
    result = finetune(options(words, base, out, max_steps=30, save_steps=30))
    after = transcripts(out, words)

    for window in ("5", "own"):
        assert agreeing(after, window) > agreeing(before, window), (window, after[window])
    assert agreeing(after, "5") == agreeing(after, "own") == len(after["30"]) == 16
    assert after["30"] == before["30"] == ["hund"] * 16  # the full window as it was
    assert result.losses[-1][1] < result.losses[0][1]
    # The config says so, and the app reads it: answers get their own length from 1 s.
    assert json.loads((out / "config.json").read_text())[ANY_WINDOW_KEY] is True
    transcriber = asr.load_transcriber(out, backend="transformers", device="cpu")
    assert transcriber.backend.window_floor == ANY_WINDOW_FLOOR
    summary = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert summary["options"]["any_window"] is True


def sharpened(base: Path, out: Path) -> Path:
    """A copy of `base` whose encoder attends sharply (self-attention weights x 10), so the
    padding a 30 s window adds changes the states over the clip, as in a trained Whisper
    (a random model attends almost evenly: its states hardly depend on the window)."""
    from transformers import WhisperForConditionalGeneration

    shutil.copytree(base, out)
    model = WhisperForConditionalGeneration.from_pretrained(out)
    with torch.no_grad():
        for layer in model.model.encoder.layers:
            for linear in (
                layer.self_attn.q_proj,
                layer.self_attn.k_proj,
                layer.self_attn.out_proj,
            ):
                linear.weight.mul_(10)
    model.save_pretrained(out)
    return out


def encoder_distance(model: Path, teacher: object, words: Path) -> float:
    """Mean squared distance of the encoder's states over each test clip, at a window of the
    clip's length plus 1 s, to the `teacher` encoder's at 30 s."""
    backend = TransformersBackend(str(model), "cpu", "fp32", 8)
    clips = list(open_source(str(words)).examples("test"))
    total = 0.0
    for utterance in clips:
        features = backend.extractor(
            [utterance.audio], sampling_rate=16_000, return_tensors="pt"
        ).input_features
        covered = clip_positions(len(utterance.audio))
        with torch.no_grad():
            full = teacher(features).last_hidden_state[0, :covered]
            short = backend._encode(features[..., : 2 * (covered + 50)]).last_hidden_state
        total += float((short[0, :covered] - full).pow(2).mean())
    return total / len(clips)


def test_encoder_states_at_short_windows_move_towards_the_full_windows(
    whisper_root: Path, words: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    base = sharpened(cached_model(whisper_root, words=WORDS, d_model=32, layers=2), tmp_path / "b")
    teacher = TransformersBackend(str(base), "cpu", "fp32", 8).model.get_encoder()
    before = encoder_distance(base, teacher, words)

    out = tmp_path / "out"
    result = finetune(options(words, base, out, max_steps=20, save_steps=20, decoder_weight=0))
    after = encoder_distance(out, teacher, words)

    assert before > 0.01
    assert after < 0.5 * before, (before, after)
    # Both parts are logged beside the loss, and kept in the trainer's history.
    assert re.search(r"step 1/20: loss [\d.]+ \(encoder [\d.]+, decoder [\d.]+\)",
                     capsys.readouterr().out)  # fmt: skip
    state = json.loads((out / "checkpoint-20" / "trainer_state.json").read_text())
    first = state["log_history"][0]
    assert first["loss"] == pytest.approx(first["encoder_loss"], rel=1e-4)  # decoder weight 0
    assert result.losses[-1][1] < result.losses[0][1]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"audio_window": 5}, r"--any-window trains the full window .* leave out --audio-window"),
        ({"window_margin": -1.0}, r"--window-margin -1 and --decoder-weight 1 must be 0 or more"),
    ],
)
def test_any_window_options_are_checked_before_the_model_loads(
    words: Path, whisper_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    overrides: dict, message: str,
) -> None:  # fmt: skip
    loaded: list[object] = []
    monkeypatch.setattr(train.model, "load_base", lambda *a, **k: loaded.append(a))
    base = cached_model(whisper_root, words=WORDS)

    with pytest.raises(TrainError, match=message):
        finetune(options(words, base, tmp_path / "out", max_steps=1, **overrides))
    assert loaded == []
