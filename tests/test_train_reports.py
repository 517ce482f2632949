"""train: bad data fails before a model loads; reports say which checkpoint was kept and how the
WER was measured; folders of checkpoints and CTranslate2 folders are understood or explained."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from train_data import (
    WORDS,
    cached_word_folder,
    fake_hub_split,
    fresh_asr,
    one_torch_thread,
    write_clip,
    write_metadata,
)
from whisper_tiny import cached_ct2, cached_model

import train.model
from train.__main__ import main
from train.checkpoints import Kept, pick, resolve_model, resume_point
from train.errors import TrainError
from train.finetune import EVALUATION_FILE, SUMMARY_FILE, finetune
from train.options import FinetuneOptions
from train.text import NORMALIZER

AUTOUSE = (fresh_asr, one_torch_thread)  # train_data fixtures, applied to every test here
FAST = {
    "learning_rate": 1e-3, "warmup_steps": 0, "batch_size": 4, "logging_steps": 1,
    "generation_max_length": 8, "save_total_limit": None, "audio_window": 3,
}  # fmt: skip


@pytest.fixture(scope="module")
def words(whisper_root: Path) -> Path:
    return cached_word_folder(whisper_root, "words")


@pytest.fixture(scope="module")
def base(whisper_root: Path) -> Path:
    return cached_model(whisper_root, words=WORDS)


def bad_data(tmp_path: Path, kind: str) -> str:
    """A data set spec that cannot train, of the given kind."""
    folder = tmp_path / kind
    folder.mkdir()
    write_clip(folder / "a.wav")
    rows = {"columns": [("a.wav", "hund")], "clips": [("a.wav", "hund"), ("gone.wav", "katt")]}
    header = ("file_name", "ord") if kind == "columns" else ("file_name", "text")
    write_metadata(folder, rows[kind], header)
    return str(folder)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"train_split": "train[:0]"}, r"--train-split train\[:0\]: split .* has no rows"),
        # an empty evaluation split used to fail only at the first evaluation (step 1000)
        ({"eval_split": "test[16:]"}, r"--eval-split test\[16:\]: .* has no rows"),
        ({"dataset": "columns"}, r"no transcript column.*\?text=COLUMN"),
        ({"eval_dataset": "clips", "eval_split": "train"}, r"1 audio file\(s\) not found"),
        ({"dataset": "hub:x/speech"}, r"split 'train' of x/speech has no rows"),
        ({"eval_dataset": "hub:x/speech"}, r"--eval-split test: split 'test' of x/speech"),
    ],
)
def test_bad_data_fails_before_the_model_loads(
    words: Path, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    overrides: dict, message: str,
) -> None:  # fmt: skip
    import datasets

    loaded = []
    monkeypatch.setattr(train.model, "load_base", lambda *a, **k: loaded.append(a))
    empty = fake_hub_split(tmp_path, "A", 1).take(0)
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: empty)
    for key in ("dataset", "eval_dataset"):
        if overrides.get(key) in ("columns", "clips"):
            overrides = overrides | {key: bad_data(tmp_path, overrides[key])}
    settings = FAST | {"dataset": str(words), "base_model": str(base), "eval_split": "test"}
    options = FinetuneOptions(**(settings | {"output_dir": str(tmp_path / "out")} | overrides))

    with pytest.raises(TrainError, match=message):
        finetune(options)
    assert loaded == []


def test_report_names_the_kept_checkpoint_and_the_normaliser(
    words: Path, base: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys
) -> None:
    out = tmp_path / "out"
    code = main(
        ["finetune", "--dataset", str(words), "--base-model", str(base), "--output-dir", str(out),
         "--audio-window", "3", "--max-steps", "4", "--batch-size", "4", "--eval-split",
         "test[:4]", "--eval-steps", "2", "--save-steps", "2", "--generation-max-length", "8",
         "--learning-rate", "1e-3", "--warmup-steps", "0"]
    )  # fmt: skip

    assert code == 0
    summary = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))
    kept = summary["kept"]
    assert kept["checkpoint"] == f"checkpoint-{kept['step']}" and kept["metric"] == "eval_wer"
    assert kept["last_step"] == 4 and summary["world_size"] == 1
    assert summary["kept_split_is_reported_split"] is True
    printed = capsys.readouterr().out
    assert f"saved the model to {out}: checkpoint-{kept['step']} (best by WER on 'test[:4]'" in (
        printed
    )
    assert "trained to step 4" in printed and "after 4 steps" not in printed
    assert "also chose the checkpoint" in caplog.text
    evaluation = json.loads((out / EVALUATION_FILE).read_text(encoding="utf-8"))
    assert evaluation["normalizer"] == NORMALIZER and evaluation["chose_checkpoint"] is True
    assert evaluation["dataset"] == words.name  # a name, not the local path
    assert summary["train_dataset"]["dataset"] == words.name


# --- folders of checkpoints --------------------------------------------------------------------


def write_state(folder: Path, step: int, best: int | None, wer: float = 12.3) -> None:
    """checkpoint-STEP with the trainer state a run saves (best checkpoint as an absolute path)."""
    checkpoint = folder / f"checkpoint-{step}"
    checkpoint.mkdir(parents=True, exist_ok=True)
    history = [{"step": s, "eval_wer": wer if s == best else wer + 5} for s in (100, 200, 300)]
    state = {
        "global_step": step,
        "best_model_checkpoint": str(folder / f"checkpoint-{best}") if best else None,
        "best_metric": wer if best else None,
        "log_history": [e for e in history if e["step"] <= step],
    }
    (checkpoint / "trainer_state.json").write_text(json.dumps(state), encoding="utf-8")


@pytest.mark.parametrize(
    ("steps", "best", "removed", "chosen", "description"),
    [
        ([100, 200, 300], 200, None, "checkpoint-200", "best by WER: 12.30; trained to step 300"),
        ([100, 200, 300], 200, "checkpoint-200", "checkpoint-300", "the last one"),
        ([100, 300], None, None, "checkpoint-300", "the last one; trained to step 300"),
    ],
)
def test_a_run_folder_means_the_checkpoint_it_would_keep(
    tmp_path: Path, steps, best, removed, chosen: str, description: str
) -> None:
    for step in steps:
        write_state(tmp_path, step, best)
    if removed:
        shutil.rmtree(tmp_path / removed)

    path, kept = pick(tmp_path)

    assert path.name == chosen and description in kept.describe()
    assert resolve_model(str(tmp_path)) == str(tmp_path / chosen)
    last = tmp_path / f"checkpoint-{steps[-1]}"
    assert resume_point(str(tmp_path), tmp_path / "elsewhere") == str(last)


def test_kept_describes_the_metric() -> None:
    kept = Kept("checkpoint-150", 150, "eval_wer_orthographic", 20.5, 300)
    assert kept.describe("dev") == (
        "checkpoint-150 (best by WER (orthographic) on 'dev': 20.50; trained to step 300)"
    )


def test_resume_from_a_folder_without_checkpoints_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(TrainError, match=r"no checkpoint-N folders in it.*'auto'"):
        resume_point(str(tmp_path), tmp_path)


def test_commands_accept_a_run_folder_of_checkpoints(
    whisper_root: Path, words: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run = tmp_path / "run"
    shutil.copytree(cached_model(whisper_root, words=WORDS, hears="hund"), run / "checkpoint-10")
    write_state(run, 10, None)

    assert main(["evaluate", "--model", str(run), "--dataset", str(words), "--split", "test[:4]",
                 "--output", str(tmp_path / "eval.json")]) == 0  # fmt: skip
    assert main(["export", "--model", str(run)]) == 0

    assert "using checkpoint-10 (the last one" in caplog.text
    assert json.loads((tmp_path / "eval.json").read_text())["n"] == 4
    assert (tmp_path / "run-ct2" / "model.bin").is_file()


# --- a CTranslate2 folder: the hint is a flag that works ---------------------------------------


def test_ctranslate2_folder_hint_is_the_cli_flag(
    whisper_root: Path, words: Path, capsys: pytest.CaptureFixture
) -> None:
    ct2 = cached_ct2(whisper_root, words=WORDS, hears="hund")
    argv = ["evaluate", "--model", str(ct2), "--dataset", str(words), "--split", "test[:2]"]

    assert main(argv) == 1
    error = capsys.readouterr().err
    assert "backend='" not in error
    (flag,) = re.findall(r"(--backend \w+)", error)

    assert main(argv + flag.split()) == 0


# --- the sweep's plot --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wers", "shown", "cut"),
    [
        ([19.8, 21.0, 24.5], [19.8, 21.0, 24.5], []),  # a close race fills the axis
        ([19.8, 23.0, 350.0], [19.8, 23.0], [350.0]),  # a diverged rate no longer flattens it
        ([60.0, 95.0, 100.0], [60.0, 95.0, 100.0], []),
    ],
)
def test_sweep_axis_shows_the_useful_range(wers, shown, cut) -> None:
    from train.sweep import y_range

    low, high = y_range(wers)

    assert all(low < w < high for w in shown) and all(w > high for w in cut)
    assert high <= 2.2 * min(wers) + 25  # the best rates' differences stay visible
    assert low >= 0


def test_sweep_figure_has_wer_and_loss_panels() -> None:
    from train.sweep import SweepRow, figure

    def row(rate: float, wer: float) -> SweepRow:
        return SweepRow(rate, 100, 42, "test", 50, wer, wer / 3, wer + 4, wer / 2, 0.5, 9.0)

    rows = [row(1e-5, 20.0), row(1e-4, 22.0), row(1e-3, 400.0)]
    curves = {"1e-05": [(1, 2.0), (2, 1.0)], "0.0001": [(1, 2.0), (2, 0.8)]}

    wer_axes, loss_axes = figure(rows, curves, "sweep").axes

    assert wer_axes.get_ylim()[1] < 100 and wer_axes.get_xscale() == "log"
    assert any(t.get_text() == "↑ 400" for t in wer_axes.texts)
    assert [line.get_label() for line in loss_axes.lines] == ["1e-05", "0.0001"]
