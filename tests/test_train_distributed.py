"""train finetune under torchrun and accelerate: two CPU processes (gloo) train as one run.

The run is launched as a user launches it (`torchrun --standalone --nproc-per-node 2 -m train
finetune ...`, and `accelerate launch --multi_gpu --num_processes 2 -m train finetune ...`) on
the 72 training clips of the word folder, 4 clips per process and step, for 9 steps: exactly one
pass, so each process must have trained on half the clips and, together, on every clip once.
Before the fix each process trained alone on all of them. Transcripts are one to three words
long, so batches differ in width, and 5 evaluation clips do not split evenly in two: both once
broke joining batches on the main process. The loss logged is the one a single process logs on
the same 8 clips (it was twice that). `accelerate launch` without --multi_gpu runs one process
on a machine without GPUs: that run must fail saying so, not train alone.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from train_data import (
    TRAIN_VOICES,
    WORDS,
    cached_word_folder,
    fresh_asr,
    one_torch_thread,
    write_metadata,
)
from whisper_tiny import cached_model

from train.finetune import finetune
from train.options import FinetuneOptions

AUTOUSE = (fresh_asr, one_torch_thread)  # train_data fixtures, applied to every test here
REPO = Path(__file__).resolve().parents[1]
CLIPS = len(TRAIN_VOICES) * len(WORDS)  # 72
BATCH, STEPS, PROCESSES = 4, 9, 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launcher(name: str) -> list[str]:
    """The command line that starts `PROCESSES` processes of `python -m train`."""
    if name == "torchrun":
        return [sys.executable, "-m", "torch.distributed.run", "--standalone",
                "--nproc-per-node", str(PROCESSES)]  # fmt: skip
    return [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu",
            "--num_processes", str(PROCESSES), "--num_machines", "1", "--mixed_precision", "no",
            "--dynamo_backend", "no", "--main_process_port", str(free_port())]  # fmt: skip


ARGUMENTS = [
    "--train-split", "train", "--eval-split", "test[:5]", "--eval-steps", str(STEPS),
    "--eval-batch-size", "2", "--generation-max-length", "8", "--audio-window", "3",
    "--batch-size", str(BATCH), "--max-steps", str(STEPS), "--save-steps", str(STEPS),
    "--learning-rate", "1e-3", "--warmup-steps", "0", "--logging-steps", "3",
    "--no-gradient-checkpointing",
]  # fmt: skip


@pytest.fixture(scope="module")
def data(whisper_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The base model, and the word folder's clips with transcripts of 1-3 words."""
    words = cached_word_folder(whisper_root, "words")
    root = tmp_path_factory.mktemp("ddp")
    varied = root / "varied"
    varied.mkdir()
    lines = (words / "metadata.csv").read_text(encoding="utf-8").splitlines()[1:]
    rows = []
    for i, line in enumerate(lines):
        name, word, split = line.split(",")
        rows.append((str(words / name), " ".join([word] * (1 + i % 3)), split))
    write_metadata(varied, rows, ("file_name", "transcription", "split"))
    return {"base": cached_model(whisper_root, words=WORDS), "varied": varied, "root": root}


def launch(command: list[str], data: dict[str, Path], out: Path) -> subprocess.CompletedProcess:
    command = [*command, "-m", "train", "finetune", "--dataset", str(data["varied"]),
               "--base-model", str(data["base"]), "--output-dir", str(out), *ARGUMENTS]  # fmt: skip
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module", params=["torchrun", "accelerate"])
def run(request: pytest.FixtureRequest, data: dict[str, Path]) -> dict:
    """The output folder and console output of one 2-process run (shared by the tests here)."""
    out = data["root"] / f"out-{request.param}"
    done = launch(launcher(request.param), data, out)
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


def test_loss_is_logged_as_one_process_logs_it(
    run: dict, data: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    # One process on the same first 8 clips (the main process reads 8 and gives each 4).
    alone = finetune(
        FinetuneOptions(
            dataset=str(data["varied"]), base_model=str(data["base"]),
            output_dir=str(tmp_path_factory.mktemp("alone")), eval_split="none",
            batch_size=BATCH * PROCESSES, max_steps=1, logging_steps=1, learning_rate=1e-3,
            warmup_steps=0, audio_window=3, gradient_checkpointing=False,
        )
    )  # fmt: skip
    (step, loss), *_ = run["summary"]["losses"]

    assert step == 1 and alone.losses[0][0] == 1
    # Two processes average their batches' means; one takes the mean over all 8 clips. Their
    # transcripts differ in length, so the two differ a little; twice is the bug.
    assert loss == pytest.approx(alone.losses[0][1], rel=0.1)


@pytest.mark.skipif(torch.cuda.device_count() > 1, reason="with GPUs accelerate starts them all")
def test_accelerate_without_multi_gpu_says_it_runs_one_process(
    data: dict[str, Path], tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", "2",
               "--main_process_port", str(free_port())]  # fmt: skip

    done = launch(command, data, tmp_path / "out")

    assert done.returncode == 1
    assert "error: accelerate launch started one process, not the several asked for" in (
        done.stderr
    )
    assert "--multi_gpu" in done.stderr
    assert not (tmp_path / "out").exists()  # nothing trained, nothing written


def test_any_window_trains_under_two_processes(data: dict[str, Path], tmp_path: Path) -> None:
    # The student's encoder runs at a short window inside the model's forward, so through
    # DistributedDataParallel; its two losses are averaged over the processes for the log.
    out = tmp_path / "out"
    command = [*launcher("torchrun"), "-m", "train", "finetune", "--dataset", str(data["varied"]),
               "--base-model", str(data["base"]), "--output-dir", str(out), "--any-window",
               "--eval-split", "none", "--batch-size", str(BATCH), "--max-steps", "3",
               "--save-steps", "3", "--logging-steps", "1", "--learning-rate", "1e-3",
               "--warmup-steps", "0", "--no-gradient-checkpointing"]  # fmt: skip
    env = os.environ | {"OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}

    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )

    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    summary = json.loads((out / "training.json").read_text(encoding="utf-8"))
    assert summary["world_size"] == PROCESSES and summary["steps"] == 3
    assert json.loads((out / "config.json").read_text())["any_audio_window"] is True
    state = json.loads((out / "checkpoint-3" / "trainer_state.json").read_text())
    logged = [entry for entry in state["log_history"] if "loss" in entry]
    assert len(logged) == 3 and all(e["encoder_loss"] >= 0 < e["decoder_loss"] for e in logged)
