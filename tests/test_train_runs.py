"""train: what a run does with odd clips, with a finished or stopped run, with its loss, and what
the sweep decodes. Tiny models (tests/whisper_tiny.py) on espeak-ng words, on CPU.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile
from train_data import (
    WORDS,
    cached_word_folder,
    fresh_asr,
    one_torch_thread,
    speak,
    write_metadata,
)
from whisper_tiny import cached_model

import train.model
import train.sweep
from train.__main__ import main
from train.errors import TrainError
from train.finetune import SUMMARY_FILE, finetune
from train.options import FinetuneOptions

AUTOUSE = (fresh_asr, one_torch_thread)  # train_data fixtures, applied to every test here
FAST = {
    "learning_rate": 1e-3, "warmup_steps": 0, "batch_size": 4, "logging_steps": 1,
    "generation_max_length": 8, "save_total_limit": None, "eval_split": "none",
    "gradient_checkpointing": False,
}  # fmt: skip


@pytest.fixture(scope="module")
def words(whisper_root: Path) -> Path:
    return cached_word_folder(whisper_root, "words")


@pytest.fixture(scope="module")
def base(whisper_root: Path) -> Path:
    return cached_model(whisper_root, words=WORDS)


def options(words: Path, base: Path, out: Path, **overrides: object) -> FinetuneOptions:
    settings = FAST | {"dataset": str(words), "base_model": str(base), "output_dir": str(out)}
    return FinetuneOptions(**(settings | overrides))  # type: ignore[arg-type]


# --- clips too short, too long, or without a transcript ----------------------------------------


@pytest.fixture(scope="module")
def odd(words: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight good clips in train and test, and in each split a clip of 0 samples, one of 31 s
    (over Whisper's 30 s window) and one with an empty transcript."""
    folder = tmp_path_factory.mktemp("odd")
    said, rate = speak("hund")
    soundfile.write(folder / "zero.wav", np.zeros(0, dtype=np.float32), 16_000)
    long = np.concatenate([said, np.zeros(31 * rate, dtype=np.float32)])
    soundfile.write(folder / "long.wav", long, rate)
    rows = []
    for split in ("train", "test"):
        rows += [(str(words / f"train-{i:04d}.wav"), WORDS[i], split) for i in range(len(WORDS))]
        rows += [("zero.wav", "hund", split), ("long.wav", "hund", split)]
        rows += [(str(words / "train-0001.wav"), "", split)]
    write_metadata(folder, rows, ("file_name", "transcription", "split"))
    return folder


def good_clips(odd: Path) -> list[str]:
    lines = (odd / "metadata.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split(",")[0] for line in lines if line.endswith(",test")][: len(WORDS)]


ODD = {"shorter than 0.1 s": 1, "longer than the 30 s window": 1, "empty transcript": 1}


def test_odd_clips_are_counted_and_named_before_the_model_loads(
    odd: Path, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO, logger="train")

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the model loads")

    monkeypatch.setattr(train.model, "load_base", refuse)
    with pytest.raises(RuntimeError, match="the model loads"):
        finetune(options(odd, base, tmp_path / "out", eval_split="test", max_steps=1))

    for split in ("train", "eval"):
        line = next(
            m for r in caplog.records if (m := r.getMessage()).startswith(f"{split} split:")
        )
        assert "8 clips used; left out: " in line
        assert "1 shorter than 0.1 s (metadata.csv:" in line and "(zero.wav))" in line
        assert "1 longer than the 30 s window (metadata.csv:" in line and "(long.wav))" in line
        assert "1 empty transcript (metadata.csv:" in line


def test_odd_clips_are_left_out_of_training_and_scoring(
    odd: Path, base: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    finetune(options(odd, base, out, eval_split="test", eval_steps=2, save_steps=2, max_steps=2))

    summary = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))
    for split in ("train", "eval"):
        assert summary["clips"][split]["used"] == 8
        assert summary["clips"][split]["left_out"] == ODD
    evaluation = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert evaluation["n"] == 8 and evaluation["left_out"] == ODD


def test_evaluate_counts_odd_clips_and_takes_limits(
    odd: Path, whisper_root: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="train")
    hund = cached_model(whisper_root, words=WORDS, hears="hund")
    out = tmp_path / "eval.json"

    argv = ["evaluate", "--model", str(hund), "--dataset", str(odd), "--split", "test",
            "--min-seconds", "0.5", "--max-seconds", "20", "--output", str(out)]  # fmt: skip

    assert main(argv) == 0

    data = json.loads(out.read_text(encoding="utf-8"))
    short = sum(soundfile.info(odd_path).duration < 0.5 for odd_path in good_clips(odd))
    assert data["left_out"]["longer than 20 s"] == 1
    assert data["left_out"]["shorter than 0.5 s"] == 1 + short
    assert data["n"] == 8 - short
    assert "longer than 20 s (metadata.csv:" in caplog.text  # the survey, before the model


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_seconds": 40.0}, r"--max-seconds 40 is longer than the model's 30 s window"),
        ({"audio_window": 3, "max_seconds": 5.0}, r"--max-seconds 5 .* 3 s window"),
        ({"min_seconds": 2.0, "max_seconds": 1.0}, r"the minimum must be 0 or more and below"),
        ({"min_seconds": 5.0}, r"No usable clips .*10 shorter than 5 s"),
    ],
)
def test_duration_limits_are_checked_before_the_model_loads(
    odd: Path, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    overrides: dict, message: str,
) -> None:  # fmt: skip
    loaded: list[object] = []
    monkeypatch.setattr(train.model, "load_base", lambda *a, **k: loaded.append(a))

    with pytest.raises(TrainError, match=message):
        finetune(options(odd, base, tmp_path / "out", max_steps=1, **overrides))
    assert loaded == []


# --- the loss as one process logs it ----------------------------------------------------------


def test_gradient_accumulation_logs_the_batch_loss(words: Path, base: Path, tmp_path: Path) -> None:
    # Every transcript is one word (labels of one length), so the mean over 8 clips is exactly
    # the mean of the two batches of 4 that accumulate to it.
    whole = finetune(options(words, base, tmp_path / "whole", batch_size=8, max_steps=1))
    halves = finetune(
        options(words, base, tmp_path / "halves", gradient_accumulation_steps=2, max_steps=1)
    )

    (step, loss), *_ = whole.losses
    assert step == 1 and halves.losses[0][0] == 1
    assert halves.losses[0][1] == pytest.approx(loss, rel=1e-4)  # was twice it


# --- a finished run, a stopped run ------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_finished_run_is_left_alone(
    words: Path, base: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "out"
    argv = ["finetune", "--dataset", str(words), "--base-model", str(base), "--output-dir",
            str(out), "--max-steps", "3", "--save-steps", "3", "--eval-split", "none",
            "--batch-size", "4", "--learning-rate", "1e-3", "--warmup-steps", "0",
            "--logging-steps", "1"]  # fmt: skip
    assert main(argv) == 0
    before = snapshot(out)
    capsys.readouterr()

    assert main(argv) == 0

    assert snapshot(out) == before  # no step 4, nothing rewritten
    assert not (out / "checkpoint-4").exists()
    printed = capsys.readouterr().out
    assert f"nothing to do: {out} holds this run, finished" in printed
    assert "the model after the last step (3)" in printed


def stopped_run(words: Path, base: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run killed after saving its last checkpoint, before saving its model."""

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(train.model, "ready_for_asr", killed)  # right after the last step
        with pytest.raises(KeyboardInterrupt):
            finetune(options(words, base, out, max_steps=2, save_steps=1))


def test_a_stopped_run_is_finished_without_training(
    words: Path, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    stopped_run(words, base, out, monkeypatch)
    assert not (out / "config.json").exists()
    kept = (out / "checkpoint-2" / "model.safetensors").read_bytes()

    result = finetune(options(words, base, out, max_steps=2, save_steps=1))

    assert result.steps == 2 and not (out / "checkpoint-3").exists()
    assert [step for step, _ in result.losses] == [1, 2]
    assert (out / "model.safetensors").read_bytes() == kept
    summary = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert summary["finished"] is True and summary["steps"] == 2


def test_export_card_of_a_stopped_run_names_base_and_checkpoint(
    words: Path, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    stopped_run(words, base, out, monkeypatch)

    assert main(["export", "--model", str(out)]) == 0

    card = (tmp_path / "run-ct2" / "README.md").read_text(encoding="utf-8")
    assert "openai/whisper-small" not in card
    assert f"`{base}` fine-tuned" in card
    assert "This is checkpoint-2 (the last one; trained to step 2) of a run that stopped" in card
    assert "- stopped before its end" in card and "- steps done" not in card


def test_export_card_of_checkpoints_without_a_record_names_no_base(
    whisper_root: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    shutil.copytree(cached_model(whisper_root, words=WORDS, hears="hund"), run / "checkpoint-10")
    state = {"global_step": 10, "best_model_checkpoint": None, "log_history": []}
    (run / "checkpoint-10" / "trainer_state.json").write_text(json.dumps(state))

    assert main(["export", "--model", str(run)]) == 0

    card = (tmp_path / "run-ct2" / "README.md").read_text(encoding="utf-8")
    assert "whisper-small" not in card and "base_model" not in card
    assert "records no base model" in card
    assert "This is checkpoint-10 (the last one; trained to step 10)" in card


# --- the sweep decodes what --generation-max-length says --------------------------------------


def test_sweep_decodes_up_to_generation_max_length(
    words: Path, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []
    real = train.sweep.load_recognizer

    def spy(model: str, backend: str, device: str, max_new_tokens: int) -> object:
        asked.append(max_new_tokens)
        return real(model, backend, device, max_new_tokens)

    monkeypatch.setattr(train.sweep, "load_recognizer", spy)
    assert main(["sweep", "--dataset", str(words), "--base-model", str(base), "--output-dir",
                 str(tmp_path / "sweep"), "--learning-rates", "1e-3", "--max-steps", "1",
                 "--batch-size", "4", "--audio-window", "3", "--eval-split", "test[:2]",
                 "--generation-max-length", "6"]) == 0  # fmt: skip

    assert asked == [6]
