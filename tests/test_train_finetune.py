"""train finetune: loss falls, a tiny model learns words, resume, the audio window, bad options.

Tiny Whisper models (tests/whisper_tiny.py) on espeak-ng words (tests/train_data.py), on CPU.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch
from train_data import (
    TEST_VOICES,
    WORDS,
    cached_word_folder,
    fresh_asr,
    has_espeak,
    one_torch_thread,
    speak,
)
from whisper_tiny import cached_model

import asr
from train.__main__ import main
from train.data import open_source
from train.errors import TrainError
from train.evaluate import evaluate_model, load_recognizer
from train.finetune import EVALUATION_FILE, SUMMARY_FILE, finetune
from train.options import FinetuneOptions

FAST = {  # a few steps of a tiny model; each test overrides what it is about
    "learning_rate": 1e-3,
    "warmup_steps": 0,
    "batch_size": 8,
    "logging_steps": 1,
    "eval_split": "none",
    "generation_max_length": 8,
    "save_total_limit": None,
}

AUTOUSE = (fresh_asr, one_torch_thread)  # train_data fixtures, applied to every test here


@pytest.fixture(scope="module")
def words(whisper_root: Path) -> Path:
    """Every word in 9 training voices and 2 test voices, plus 2 clips 8 s long."""
    return cached_word_folder(whisper_root, "words-long", long_clips=2)


@pytest.fixture(scope="module")
def base16(whisper_root: Path) -> Path:
    return cached_model(whisper_root, words=WORDS)


def options(words: Path, base: Path, out: Path, **overrides: object) -> FinetuneOptions:
    settings = FAST | {"dataset": str(words), "base_model": str(base), "output_dir": str(out)}
    return FinetuneOptions(**(settings | overrides))  # type: ignore[arg-type]


def test_finetune_runs_and_the_loss_falls(words: Path, base16: Path, tmp_path: Path) -> None:
    # The full 30 s window, gradient checkpointing on (the defaults), a few steps.
    result = finetune(options(words, base16, tmp_path / "out", max_steps=6, batch_size=4))

    losses = [loss for _, loss in result.losses]
    assert result.steps == 6 and len(losses) == 6
    assert losses[-1] < losses[0]
    summary = json.loads((tmp_path / "out" / SUMMARY_FILE).read_text())
    assert summary["steps"] == 6 and summary["options"]["learning_rate"] == 1e-3
    # What asr needs: a Swedish generation config that survives loading.
    generation = json.loads((tmp_path / "out" / "generation_config.json").read_text())
    assert generation["language"] == "sv" and generation["task"] == "transcribe"
    assert "<|sv|>" in generation["lang_to_id"]
    transcriber = asr.load_transcriber(tmp_path / "out", backend="transformers", device="cpu")
    assert transcriber.window_seconds == 30
    samples, rate = speak("hund")
    assert transcriber.transcribe((rate, samples)).backend == "transformers"


@pytest.mark.skipif(
    not has_espeak(), reason="needs espeak-ng: tones are no stand-in for words here"
)
def test_tiny_model_learns_the_words(whisper_root: Path, words: Path, tmp_path: Path) -> None:
    base = cached_model(whisper_root, words=WORDS, d_model=64, layers=2)
    test_set = open_source(str(words))
    before = evaluate_model(
        load_recognizer(str(base), "transformers", "cpu", 8), test_set, "test",
        model_name="base", backend="transformers",
    )  # fmt: skip

    result = finetune(
        options(words, base, tmp_path / "out", audio_window=3, max_steps=250, batch_size=16,
                warmup_steps=20, eval_split="test", eval_steps=250, save_steps=250,
                logging_steps=25, gradient_checkpointing=False)
    )  # fmt: skip
    after = evaluate_model(
        load_recognizer(str(tmp_path / "out"), "transformers", "cpu", 8), test_set, "test",
        model_name="trained", backend="transformers",
    )  # fmt: skip

    assert before.scores.n == after.scores.n == len(TEST_VOICES) * len(WORDS)  # unheard voices
    assert before.scores.wer >= 90
    assert after.scores.wer < 30, after.examples
    assert result.scores is not None and result.scores.wer < 30
    saved = json.loads((tmp_path / "out" / EVALUATION_FILE).read_text())
    assert saved["wer"] == pytest.approx(result.scores.wer)
    assert result.losses[-1][1] < result.losses[0][1] / 5


def test_audio_window_model_runs_on_both_backends(
    words: Path, base16: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "short"
    code = main(
        ["finetune", "--dataset", str(words), "--base-model", str(base16), "--output-dir",
         str(out), "--audio-window", "5", "--max-steps", "3", "--batch-size", "4",
         "--train-split", "train[64:]",  # 8 words and the 2 clips 8 s long
         "--eval-split", "test[:4]", "--eval-steps", "2", "--save-steps", "2",
         "--generation-max-length", "8", "--learning-rate", "1e-3", "--warmup-steps", "0"]
    )  # fmt: skip

    assert code == 0
    config = json.loads((out / "config.json").read_text())
    assert config["max_source_positions"] == 250
    from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

    extractor = WhisperFeatureExtractor.from_pretrained(out)
    assert (extractor.chunk_length, extractor.n_samples, extractor.nb_max_frames) == (
        5,
        80_000,
        500,
    )
    model = WhisperForConditionalGeneration.from_pretrained(out)
    assert model.model.encoder.embed_positions.weight.shape == (250, 16)
    assert "8 examples used; left out: 2 longer than the 5 s window" in caplog.text
    samples, rate = speak("katt")
    for backend in ("transformers", "ctranslate2"):
        transcriber = asr.load_transcriber(out, backend=backend, device="cpu")
        assert transcriber.window_seconds == 5
        result = transcriber.transcribe((rate, samples))
        assert result.backend == backend and result.model_seconds > 0


def test_resume_continues_the_step_count(
    words: Path, base16: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    finetune(options(words, base16, out, audio_window=3, max_steps=4, save_steps=2))
    assert (out / "checkpoint-4").is_dir()

    caplog.set_level(logging.INFO, logger="train")
    result = finetune(options(words, base16, out, audio_window=3, max_steps=7, save_steps=2))

    assert f"resuming from {out / 'checkpoint-4'}" in caplog.text
    assert result.steps == 7
    assert [step for step, _ in result.losses] == list(range(1, 8))  # 1-4 kept, 5-7 new
    state = json.loads((out / "checkpoint-6" / "trainer_state.json").read_text())
    assert state["global_step"] == 6


def test_resume_from_a_named_checkpoint(words: Path, base16: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    finetune(options(words, base16, out, audio_window=3, max_steps=4, save_steps=2))

    result = finetune(
        options(words, base16, tmp_path / "again", audio_window=3, max_steps=5, save_steps=5,
                resume=str(out / "checkpoint-2"))
    )  # fmt: skip

    assert result.steps == 5
    assert result.losses[0][0] == 1 and len(result.losses) == 5  # steps 1-2 from the checkpoint


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"resume": "/no/checkpoint"}, "not a checkpoint folder"),
        ({"eval_split": "test", "eval_steps": 3, "save_steps": 4}, "multiple of --eval-steps"),
        ({"audio_window": 40}, "from 1 to 30"),
        ({"audio_window": 0}, "from 1 to 30"),
        ({"base_model": "/no/model"}, "Could not load the base model"),
        ({"train_split": "dev"}, "no rows of split 'dev'"),
        (
            {"audio_window": 5, "train_split": "train[72:]"},  # only the two 8 s clips
            r"No usable clips.*2 longer than the 5 s window",
        ),
    ],
)
def test_bad_options_are_clear(
    words: Path, base16: Path, tmp_path: Path, overrides: dict, message: str
) -> None:
    with pytest.raises(TrainError, match=message):
        finetune(options(words, base16, tmp_path / "out", max_steps=2, **overrides))


@pytest.mark.skipif(torch.cuda.is_available(), reason="fp16 is allowed with a GPU")
def test_fp16_needs_a_gpu(words: Path, base16: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainError, match="needs a CUDA GPU"):
        finetune(options(words, base16, tmp_path / "out", precision="fp16"))
