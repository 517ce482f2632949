"""ZeroGPU on a Hugging Face Space: every answer is one GPU task of `ANSWER_GPU_SECONDS`, the model
takes the torch path, and everywhere else `spaces.GPU` changes nothing.

Uses the `spaces` package from the registry (requirements-dev.txt), no GPU: its CPU fallback as
it is; its ZeroGPU wrapper with `spaces.GPU` stood in for (recording what it is asked, pickling
what crosses into the worker as the real one does); and, in a child process, the real package
in ZeroGPU mode (`SPACES_ZERO_GPU=true`), whose CUDA emulation runs on a CPU torch once the few
CUDA names it reads are there.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from whisper_tiny import cached_model

import asr
from ui import play, zerogpu
from ui.text import say

spaces = pytest.importorskip("spaces")

ROOT = Path(__file__).resolve().parents[1]
AUDIO = (16_000, np.zeros(16_000, dtype=np.int16))


@dataclass
class Options:
    backend: str = "transformers"


class Recogniser:
    """A loaded model as a GPU task must never receive it: it holds a lock (no pickling)."""

    def __init__(self, text: str = "hund", error: Exception | None = None,
                 backend: str = "transformers") -> None:  # fmt: skip
        self.options = Options(backend)
        self.lock = threading.Lock()
        self.text, self.error, self.calls = text, error, 0

    def transcribe(self, audio: object) -> asr.Transcript:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return asr.Transcript(self.text, seconds=0.1, model_seconds=0.1, no_speech=False,
                              backend="transformers", device="cuda")  # fmt: skip


class FakeZeroGPU:
    """`spaces.GPU` as on a ZeroGPU Space, minus the GPU: records each wrapping, and runs the
    task with its arguments and result pickled, as they cross into and out of the worker."""

    def __init__(self, refuse: str = "") -> None:
        self.wrapped: list[tuple[object, object]] = []
        self.calls = 0
        self.refuse = refuse

    def __call__(self, task=None, *, duration=None, size=None):
        self.wrapped.append((task, duration))

        def handler(*args):
            self.calls += 1
            if self.refuse:
                raise gr.Error(self.refuse, title="ZeroGPU quota exceeded")
            args = pickle.loads(pickle.dumps(args))
            return pickle.loads(pickle.dumps(task(*args)))

        return handler


@pytest.fixture
def fake_gpu(monkeypatch) -> FakeZeroGPU:
    fake = FakeZeroGPU()
    monkeypatch.setattr(spaces, "GPU", fake)
    return fake


def test_off_zerogpu_the_spaces_package_leaves_recognition_as_it_is():
    """The real `spaces.GPU`, here (no SPACES_ZERO_GPU): the function itself, so the app's
    recognition is the plain call (hands-free keeps the model's own queue) and it answers."""
    assert not zerogpu.ACTIVE
    plain = play.recognise_here
    assert spaces.GPU(plain, duration=zerogpu.ANSWER_GPU_SECONDS) is plain
    assert zerogpu.on_gpu(play.recognise_here) is play.recognise_here
    assert play.recognise is play.recognise_here
    assert play.recognise(Recogniser("katt"), AUDIO).text == "katt"


def test_each_answer_is_one_gpu_task_of_the_answer_duration(fake_gpu):
    recognise = zerogpu.on_gpu(play.recognise_here)
    assert len(fake_gpu.wrapped) == 1
    task, duration = fake_gpu.wrapped[0]
    assert duration == zerogpu.ANSWER_GPU_SECONDS
    assert task is not recognise.gpu_task  # what runs in the worker, and ZeroGPU's handler of it
    recogniser = Recogniser("hund")
    first, second = recognise(recogniser, AUDIO), recognise(recogniser, AUDIO)
    assert (first.text, second.text) == ("hund", "hund")
    assert fake_gpu.calls == 2 and recogniser.calls == 2  # the model crossed by key, unpickled


def test_the_duration_covers_the_slowest_answer_and_a_worker_start_well_under_the_default():
    """Shorter than ZeroGPU's 60 s default (that is the point: less quota held, a better place in
    the queue), yet longer than the slowest answer measured plus a fresh worker's start."""
    needed = zerogpu.SLOWEST_ANSWER + zerogpu.WORKER_START
    assert needed * 1.5 <= zerogpu.ANSWER_GPU_SECONDS <= 20


def test_an_asr_error_in_the_worker_reaches_the_learner_whole(fake_gpu):
    """ZeroGPU would hand back only "AudioTooLong"; the learner reads the limit, in Swedish."""
    recognise = zerogpu.on_gpu(play.recognise_here)
    with pytest.raises(asr.AudioTooLong) as raised:
        recognise(Recogniser(error=asr.AudioTooLong(21.0, 15.0, "too long")), AUDIO)
    assert (raised.value.seconds, raised.value.limit) == (21.0, 15.0)
    assert play.failure_message(raised.value, "sv") == say("audio_too_long", "sv", seconds="21.0",
                                                           limit="15")  # fmt: skip


def test_a_spent_quota_tells_the_learner_to_type(monkeypatch):
    quota = ("You have exceeded your free ZeroGPU quota (15s requested vs. 9s left). "
             "Try again in 0:05:00.")  # fmt: skip
    monkeypatch.setattr(spaces, "GPU", FakeZeroGPU(refuse=quota))
    recognise = zerogpu.on_gpu(play.recognise_here)
    with pytest.raises(asr.EngineUnavailable) as raised:
        recognise(Recogniser(), AUDIO)
    assert play.failure_message(raised.value, "en") == quota
    assert play.failure_message(raised.value, "sv") == say("engine_away", "sv")


def test_a_remote_engine_is_never_sent_to_the_gpu(fake_gpu):
    recognise = zerogpu.on_gpu(play.recognise_here)
    assert recognise(Recogniser("bil", backend="remote"), AUDIO).text == "bil"
    assert fake_gpu.calls == 0


# On a ZeroGPU Space: the real package in ZeroGPU mode, in a child process (it patches torch for
# good). A CPU torch lacks the CUDA names `spaces` reads at import; they are filled in first.
ON_ZEROGPU = """
import json, sys, torch
torch.version.cuda = torch.version.cuda or "12.8"
if not hasattr(torch._C, "_cuda_init"):
    torch._C._cuda_init = lambda: None
def not_in_bad_fork():
    return False
torch.cuda._is_in_bad_fork = not_in_bad_fork
import spaces, inspect
import asr
from ui import play, zerogpu
task = play.recognise.gpu_task
seen = {"active": zerogpu.ACTIVE, "wrapped": play.recognise is not play.recognise_here,
        "zerogpu_handler": hasattr(task, "zerogpu"),
        "duration": inspect.getclosurevars(task).nonlocals.get("duration")}
for backend in ("auto", "ctranslate2"):
    loaded = zerogpu.load(sys.argv[1], backend, "auto", "auto", max_batch_size=0, batch_wait=0.01,
                          window_floor=10.0)
    model = loaded.result()
    weight = next(model.backend.model.parameters())
    seen[backend] = [model.backend.name, model.options.device, model.options.precision,
                     model.options.max_batch_size, str(weight.device), loaded.done()]
asr.clear_cache()
background = asr.load_in_background(sys.argv[1], "transformers", "cuda", "fp16", warm_up=False)
seen["background_load"] = type(background.exception()).__name__ if background.exception() else "ok"
print("SEEN" + json.dumps(seen))
"""


@pytest.fixture(scope="module")
def on_zerogpu(whisper_root) -> dict:
    model = cached_model(whisper_root, hears="hund")
    env = {**os.environ, "SPACES_ZERO_GPU": "true", "SPACES_ZERO_DEVICE_API_URL": "http://127.0.0.1:9",
           "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", ON_ZEROGPU, str(model)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    seen = [line for line in done.stdout.splitlines() if line.startswith("SEEN")]
    assert done.returncode == 0 and seen, done.stderr[-3000:]
    return json.loads(seen[-1][4:])


def test_on_zerogpu_the_real_wrapper_holds_the_answer_duration(on_zerogpu):
    assert on_zerogpu["active"] and on_zerogpu["wrapped"] and on_zerogpu["zerogpu_handler"]
    assert on_zerogpu["duration"] == zerogpu.ANSWER_GPU_SECONDS


@pytest.mark.parametrize("asked", ["auto", "ctranslate2"])
def test_on_zerogpu_the_model_loads_at_once_on_the_torch_path_in_fp16(on_zerogpu, asked):
    """Whatever the backend asked for: transformers on "cuda" (ZeroGPU's emulation: the weights
    move to the real GPU in each worker), fp16, one clip a call, loaded when `load` returns."""
    assert on_zerogpu[asked] == ["transformers", "cuda", "fp16", 1, "cuda:0", True]


def test_on_zerogpu_a_load_on_another_thread_would_fail(on_zerogpu):
    """Why `load` does not use asr's background thread there: the emulation covers only the
    thread that imported `spaces` (a CPU torch says so with an AssertionError; a CUDA one with
    ZeroGPU's "Low-level CUDA init" RuntimeError)."""
    assert on_zerogpu["background_load"] != "ok"
