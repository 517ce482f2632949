"""ZeroGPU on Hugging Face Spaces: the speech model on a GPU lent for each answer.

On a ZeroGPU Space the `spaces` package finds `SPACES_ZERO_GPU=true` (`spaces.config.Config.
zero_gpu`). A real GPU exists there only inside a function wrapped by `spaces.GPU`, run in a
worker process forked for it; outside, `spaces` emulates CUDA for torch, on the thread that
imported it only (its patching enters torch function modes, which are per thread). Hence:

- The model loads at start, on the main thread, on the torch path (transformers, fp16 "on
  cuda" under the emulation): `spaces` packs those tensors at launch and moves them onto each
  worker's GPU. A load on `asr`'s background thread would reach real CUDA and fail, and
  CTranslate2 keeps its own CUDA, which the emulation does not cover. No warm-up: outside
  `spaces.GPU` a decode would run on the CPU, for nothing.
- Each answer is one GPU task of at most `ANSWER_GPU_SECONDS`, reserved against the visitor's
  daily quota (the README's Space section says what that costs a class).
- What crosses into the worker is pickled: the recording and a key, never the model (its locks
  do not pickle). ZeroGPU hands back a worker's exception as its class name only, so an `asr`
  error comes back whole, to be told to the learner as usual; ZeroGPU's own refusals (quota
  spent, no GPU free) become `asr.EngineUnavailable`: "type your answer".

Off ZeroGPU `spaces.GPU` returns the function unchanged, and without the package nothing is
wrapped: a CPU Space, a school's server and a laptop run as before.
"""

from __future__ import annotations

import functools
import logging
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import gradio as gr

import asr

log = logging.getLogger(__name__)

# What one answer may take on the GPU. The steady part is bounded by measurement: whisper-small's
# slowest answer measured on 2 CPU cores, at its full 30 s window in fp32, is 3.3 s at p90 (README,
# `python -m bench speed`), and a GPU in fp16 is no slower. The rest is an estimate, not measured
# here (no GPU): a fresh worker's start (CUDA, the 0.5 GB of kb-small's fp16 weights moved onto the
# GPU, the first decode's set-up), taken as 5 s. With half again as margin: 1.5 x (4 + 5) s,
# rounded up. ZeroGPU's default is 60 s; every answer reserves this much of the visitor's quota
# (only the seconds used are charged), and shorter tasks get a better place in its queue.
SLOWEST_ANSWER = 4.0
WORKER_START = 5.0
ANSWER_GPU_SECONDS = 15

Recognise = Callable[[Any, object], asr.Transcript]


def _zero_gpu() -> bool:
    """Whether this process runs on a ZeroGPU Space, as the `spaces` package itself decides."""
    try:
        from spaces.config import Config
    except ImportError:
        return False
    return bool(Config.zero_gpu)


ACTIVE = _zero_gpu()

# The recognisers the GPU tasks were asked for, by id: a worker is forked from this process and
# finds the model here by the key it is handed.
_recognisers: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()


@dataclass(frozen=True)
class _Refused:
    """An `asr` error raised in a GPU worker, carried back whole (class and attributes), since
    some of them cannot be rebuilt from their message (`AudioTooLong` needs its figures)."""

    kind: type[asr.AsrError]
    args: tuple
    attrs: dict

    @classmethod
    def of(cls, error: asr.AsrError) -> _Refused:
        return cls(type(error), error.args, dict(vars(error)))

    def error(self) -> asr.AsrError:
        error = self.kind.__new__(self.kind)
        error.args = self.args
        vars(error).update(self.attrs)
        return error


def load(model: str, backend: str, device: str, precision: str, **options: Any) -> Future:
    """The speech model as `asr.load_in_background` loads it; on ZeroGPU, loaded now on this
    thread on the torch path (a remote engine needs no GPU and loads as usual)."""
    if not ACTIVE or backend == "remote":
        return asr.load_in_background(model, backend, device, precision, **options)
    if backend == "ctranslate2":
        log.warning("ZeroGPU lends its GPU to torch only: transformers replaces ctranslate2")
    # Each GPU task is a call of its own, in its own worker: there is nothing to batch with.
    options["max_batch_size"] = options.get("max_batch_size") or 1
    loaded: Future = Future()
    try:
        loaded.set_result(asr.load_transcriber(model, "transformers", "cuda", precision,
                                               warm_up=False, **options))  # fmt: skip
    except Exception as e:  # as a background load would: the app starts, without the model
        loaded.set_exception(e)
    return loaded


def on_gpu(call: Recognise) -> Recognise:
    """`call(recogniser, audio)` as one ZeroGPU task of `ANSWER_GPU_SECONDS`; off ZeroGPU, or
    without the `spaces` package, `call` itself."""
    try:
        import spaces
    except ImportError:
        return call

    def in_worker(key: int, audio: object) -> asr.Transcript | _Refused:
        recogniser = _recognisers.get(key)
        if recogniser is None:
            raise RuntimeError(f"no recogniser {key} in this GPU worker (forked before it)")
        try:
            return call(recogniser, audio)
        except asr.AsrError as e:
            return _Refused.of(e)

    task = spaces.GPU(in_worker, duration=ANSWER_GPU_SECONDS)
    if task is in_worker:  # not on ZeroGPU: spaces.GPU has no effect
        return call

    @functools.wraps(call)
    def recognise(recogniser: Any, audio: object) -> asr.Transcript:
        if not _on_device(recogniser):  # a remote engine: no GPU to ask for
            return call(recogniser, audio)
        _recognisers[id(recogniser)] = recogniser
        try:
            result = task(id(recogniser), audio)
        except gr.Error as e:  # ZeroGPU's own: the quota is spent, no GPU came, the task died
            raise asr.EngineUnavailable(str(e.message)) from e  # str(e) is its repr
        if isinstance(result, _Refused):
            raise result.error()
        return result

    recognise.gpu_task = task  # type: ignore[attr-defined]  # what spaces.GPU made (tests)
    return recognise


def _on_device(recogniser: Any) -> bool:
    """Whether the recogniser's model runs here (a remote engine's does not)."""
    options = getattr(recogniser, "options", None)
    return getattr(options, "backend", "") != "remote"
