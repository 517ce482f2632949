"""train finetune under torchrun: two CPU processes (gloo) train as one data-parallel run.

The run is launched as a user launches it (`torchrun --standalone --nproc-per-node 2 -m train
finetune ...`) on the 72 training clips of the word folder, 4 clips per process and step, for 9
steps: exactly one pass, so each process must have trained on half the clips and, together,
on every clip once. Before the fix each process trained alone on all of them. Transcripts are
one to three words long, so batches differ in width, and 5 evaluation clips do not split evenly
in two: both once broke joining batches on the main process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from train_data import (
    TRAIN_VOICES,
    WORDS,
    cached_word_folder,
    fresh_asr,
    one_torch_thread,
    write_metadata,
)
from whisper_tiny import cached_model

AUTOUSE = (fresh_asr, one_torch_thread)  # train_data fixtures, applied to every test here
REPO = Path(__file__).resolve().parents[1]
CLIPS = len(TRAIN_VOICES) * len(WORDS)  # 72
BATCH, STEPS, PROCESSES = 4, 9, 2


@pytest.fixture(scope="module")
def run(whisper_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The output folder and console output of one 2-process run (shared by the tests here)."""
    words = cached_word_folder(whisper_root, "words")
    base = cached_model(whisper_root, words=WORDS)
    root = tmp_path_factory.mktemp("ddp")
    varied = root / "varied"  # the same clips, transcripts of 1-3 words
    varied.mkdir()
    lines = (words / "metadata.csv").read_text(encoding="utf-8").splitlines()[1:]
    rows = []
    for i, line in enumerate(lines):
        name, word, split = line.split(",")
        rows.append((str(words / name), " ".join([word] * (1 + i % 3)), split))
    write_metadata(varied, rows, ("file_name", "transcription", "split"))
    out = root / "out"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        "--nproc-per-node", str(PROCESSES), "-m", "train", "finetune",
        "--dataset", str(varied), "--base-model", str(base), "--output-dir", str(out),
        "--train-split", "train", "--eval-split", "test[:5]", "--eval-steps", str(STEPS),
        "--eval-batch-size", "2", "--generation-max-length", "8", "--audio-window", "3",
        "--batch-size", str(BATCH), "--max-steps", str(STEPS), "--save-steps", str(STEPS),
        "--learning-rate", "1e-3", "--warmup-steps", "0", "--logging-steps", "3",
        "--no-gradient-checkpointing",
    ]  # fmt: skip
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    summary = json.loads((out / "training.json").read_text(encoding="utf-8"))
    evaluation = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    return {"out": out, "output": output, "summary": summary, "evaluation": evaluation}


def test_world_size_two_is_recorded(run: dict) -> None:
    summary = run["summary"]
    assert summary["world_size"] == PROCESSES
    assert summary["data_parallel"]["backend"] == "gloo"
    assert "ParallelMode.DISTRIBUTED" not in run["output"]  # the warning of a fake DDP run


def test_each_process_trained_on_half_the_clips(run: dict) -> None:
    parallel = run["summary"]["data_parallel"]
    assert [p["rank"] for p in parallel["per_process"]] == [0, 1]
    for process in parallel["per_process"]:
        assert process["batches"] == STEPS
        assert process["examples"] == process["clips"] == STEPS * BATCH == CLIPS // PROCESSES
    assert parallel["distinct_clips"] == CLIPS  # different halves: every clip once
    assert run["summary"]["steps"] == STEPS


def test_evaluation_scores_every_clip_once(run: dict) -> None:
    assert run["evaluation"]["n"] == 5  # the clip that completed the last batch is not counted


def test_one_output_folder_written_once(run: dict) -> None:
    out, output = run["out"], run["output"]
    assert output.count("saved the model to") == 1  # only the main process speaks
    assert output.count("fine-tuning ") == 1
    assert output.count("data checked") == 1
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [f"checkpoint-{STEPS}"]
    assert (out / "model.safetensors").is_file() and (out / "config.json").is_file()
    assert not [p.name for p in out.rglob("*") if ".tmp" in p.name or p.name.endswith("~")]
