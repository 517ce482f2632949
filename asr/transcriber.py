"""The transcriber: one cached model per process, audio in, typed `Transcript` out.

`load_transcriber(model, backend, device)` loads once (thread-safe) and warms the model up;
`load_in_background(...)` does the same on a worker thread so an app can show "loading" and stay
usable. Nothing heavy happens at import time.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from asr import audio as audio_mod
from asr import models
from asr import window as window_mod
from asr.backends import Backend, CTranslate2Backend, Decoded, TransformersBackend
from asr.batcher import Batcher, BatchOptions
from asr.errors import AudioTooLong, EngineUnavailable, ModelLoadError
from asr.text import collapse_repeats

log = logging.getLogger(__name__)

BACKENDS = ("auto", "transformers", "ctranslate2", "remote")
PRECISIONS = ("auto", "fp32", "fp16", "bf16", "int8", "remote")
MAX_NEW_TOKENS = 24  # a word or a short phrase; a loop stops here
REMOTE_WORKERS = 16  # recordings of `submit` in flight at once to a remote engine


@dataclass(frozen=True)
class Transcript:
    text: str
    """What was heard; empty when there was no speech."""
    seconds: float
    """Wall time of the whole call: audio handling plus the model."""
    model_seconds: float
    """Time inside the model (0 when the model was not run)."""
    no_speech: bool
    reason: str = ""
    """Why there is no text: "silence", "too short", "noise", "empty"."""
    model: str = ""
    backend: str = ""
    device: str = ""
    window: float = 0.0
    """The encoder window the answer was decoded at, in seconds (0: the model did not run)."""
    no_speech_prob: float | None = None
    """The model's own probability that there was no speech (Whisper's no-speech token), where
    the backend gives it; None when it does not or the model did not run."""
    avg_logprob: float | None = None
    """The model's mean log-probability per token of the text, where the backend gives it."""


@dataclass(frozen=True)
class TranscriberOptions:
    model: str = models.DEFAULT_MODEL
    backend: str = "auto"  # "transformers", "ctranslate2", or "auto" (chosen per device)
    device: str = "auto"  # "cpu", "cuda", or "auto"
    precision: str = "auto"  # "fp32", "fp16", "bf16", "int8", or "auto" (measured best, asr.cpu)
    max_new_tokens: int = MAX_NEW_TOKENS
    max_seconds: float = audio_mod.MAX_SECONDS  # longer recordings are refused
    max_batch_size: int = 0  # clips of concurrent callers per model call; 0: default_batch_size
    batch_wait: float = 0.01  # seconds a clip waits for others to share its model call
    url: str = ""  # an OpenAI-style transcription engine to send clips to instead (asr.remote)
    remote_deadline: float | None = None  # seconds the engine gets per answer, retries
    # included; None: asr.remote.DEADLINE
    window_floor: float = window_mod.FLOOR  # the shortest encoder window an answer gets, seconds
    # (asr.window; lower for a model trained for any window); 0: always the model's full window


def resolve_options(options: TranscriberOptions) -> TranscriberOptions:
    """Fill in "auto": the device there is, then the backend and precision measured best on it.

    On a GPU: transformers fp16. On a CPU, when neither backend nor precision is chosen: the path
    `asr.cpu.choose_cpu_path` reads off the measured table for this CPU's features and the
    model's window (torch bf16 where the CPU has AMX, CTranslate2 int8 on most others), logged
    with its reason. A chosen backend with precision "auto" takes int8 on CTranslate2, fp32 on
    transformers.
    """
    if options.backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {options.backend!r}")
    if options.precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}")
    if options.url or options.backend == "remote":
        return _remote_options(options)
    device = options.device
    if device == "auto":
        device = "cuda" if _cuda_available() else "cpu"
    backend, precision = options.backend, options.precision
    if device == "cpu" and backend == "auto" and precision == "auto":
        backend, precision = _cpu_path(options.model, options.window_floor)
    if backend == "auto":
        backend = "transformers" if device == "cuda" or not _has_ctranslate2() else "ctranslate2"
    if precision == "auto":
        precision = "fp16" if device == "cuda" else ("int8" if backend == "ctranslate2" else "fp32")
    if precision == "fp16" and device == "cpu":
        raise ValueError("fp16 needs a GPU; on a CPU use fp32, bf16 or int8")
    if precision == "bf16" and backend == "ctranslate2" and device == "cpu":
        # CTranslate2 4.8 refuses bfloat16 on the CPU; torch runs it (oneDNN).
        raise ValueError("bf16 on a CPU needs the transformers backend; CTranslate2 has int8")
    return replace(
        options,
        model=models.canonical_name(options.model),
        backend=backend,
        device=device,
        precision=precision,
    )


def _cpu_path(model: str, floor: float) -> tuple[str, str]:
    from asr.cpu import CpuFeatures, choose_cpu_path

    features = CpuFeatures.detect()
    local = Path(models.canonical_name(model)).expanduser()
    ct2_only = local.is_dir() and models.is_ct2_dir(local) and not models.is_hf_dir(local)
    # The window a typical answer is decoded at (asr.window), not the one the model was trained
    # on: a 30 s model answers at 10 s, and the fastest path there is a short window's.
    any_window = local.is_dir() and models.any_window(local)
    window = window_mod.typical_window(
        models.window_seconds(model), window_mod.model_floor(floor, any_window)
    )
    path = choose_cpu_path(
        features, window, ctranslate2=_has_ctranslate2(), transformers_checkpoint=not ct2_only
    )
    log.info(
        "on this CPU (%s) at a %.0f s window: %s %s, because %s",
        features.name or "unknown",
        window,
        path.backend,
        path.precision,
        path.reason,
    )
    return path.backend, path.precision


def _remote_options(options: TranscriberOptions) -> TranscriberOptions:
    from asr.remote import normalise_url

    if not options.url:
        raise ValueError("the remote backend needs the engine's URL (url=..., --asr-url)")
    url = normalise_url(options.url)
    return replace(
        options,
        model=models.canonical_name(options.model),
        backend="remote",
        device=url,
        precision="remote",
        max_batch_size=1,  # the engine batches across requests; each clip goes on its own
        url=url,
    )


# A model call on 8 clips against 8 calls on one clip (time of the batch / time of the singles;
# under 1 the batch pays), whisper-small, by backend and encoder window, from
# `python -m bench speed --batch 8` on 2 CPU cores (README: the AMD EPYC table; random weights,
# 8 tokens). Over the padded 30 s window the encoder's work per clip is so large that a batch
# only adds memory traffic (whisper-tiny on transformers fp32 is the one exception measured,
# 0.76), except in bf16 on a CPU with AMX, where the batch keeps the tile units busy (0.57 on
# an Intel Xeon, 2026-12-06: 4.2 s for 8 clips against 7.4 s one by one). At 10 s (a 30 s
# model's answer window, `asr.window`: the same work as a model trained at 10 s) CTranslate2
# int8 gains nothing from a batch (0.99 on an Intel Xeon with AMX, 2026-12-07) while torch does
# (int8 0.55, bf16 0.33); over a 5 s window (`train --audio-window 5`) a batch pays on every
# path. Keyed by backend, window, precision ("" for the rest of the backend's precisions).
CPU_BATCH_RATIOS: dict[tuple[str, str, str], float] = {
    ("ctranslate2", "30 s", ""): 1.25,  # AMX Xeon: 1.15
    ("ctranslate2", "10 s", ""): 0.99,  # AMX Xeon
    ("ctranslate2", "short", ""): 0.59,  # AMX Xeon: 0.51
    ("transformers", "30 s", ""): 1.06,  # int8: 1.24; AMX Xeon: fp32 1.09, int8 1.11
    ("transformers", "30 s", "bf16"): 0.57,  # AMX Xeon; auto's pick there
    ("transformers", "10 s", ""): 0.55,  # AMX Xeon, int8; bf16 0.33
    ("transformers", "short", ""): 0.53,  # int8: 0.54; AMX Xeon: bf16 0.25, int8 0.57
}
GPU_BATCH_SIZE = 8  # not measured here (no GPU); a batch fills a GPU's idle lanes
CPU_BATCH_SIZE = 8  # where batching pays on a CPU
PAYS_BELOW = 0.95  # a batch that saves less than 5 % is not worth the first caller's wait


def default_batch_size(
    backend: str, device: str, window_seconds: float, precision: str = ""
) -> int:
    """How many concurrent clips share one model call when the options leave it open (0).

    From the measured table above, for the window answers are decoded at: on a CPU, batching
    pays only where it was measured to (torch at 10 s and below, and in bf16 at 30 s;
    CTranslate2 at 5 s), else each clip has the model to itself; on a GPU, 8.
    """
    if not device.startswith("cpu"):
        return GPU_BATCH_SIZE
    window = "30 s" if window_seconds > 15 else ("10 s" if window_seconds > 7 else "short")
    ratio = CPU_BATCH_RATIOS.get(
        (backend, window, precision), CPU_BATCH_RATIOS.get((backend, window, ""), 1.0)
    )
    return CPU_BATCH_SIZE if ratio < PAYS_BELOW else 1


class Transcriber:
    """A loaded model. Thread-safe: every thread may call it; model calls never overlap.

    `transcribe` is the call for one player's recording: its audio is checked on the caller's
    thread (a bad file fails only its sender), and concurrent callers' clips are decoded together
    by a `Batcher` when `options.max_batch_size` > 1. A backend marked `concurrent` (a remote
    engine, which batches across requests itself) is called directly from every thread.
    """

    def __init__(self, options: TranscriberOptions, backend: Backend) -> None:
        self.options = options
        self.backend = backend
        self._lock = threading.Lock()
        self._concurrent = bool(getattr(backend, "concurrent", False))
        self._pool: ThreadPoolExecutor | None = None  # `submit`'s threads for a remote engine
        answers_at = window_mod.typical_window(
            backend.window_seconds, getattr(backend, "window_floor", 0.0)
        )
        size = options.max_batch_size or default_batch_size(
            backend.name, backend.device, answers_at, getattr(backend, "precision", "")
        )
        log.info("up to %d clip(s) per model call on %s/%s", size, backend.name, backend.device)
        self.batcher: Batcher[np.ndarray, Decoded] = Batcher(
            self._decode, BatchOptions(size, options.batch_wait)
        )

    @property
    def window_seconds(self) -> float:
        return self.backend.window_seconds

    def transcribe(self, audio: object, sample_rate: int | None = None) -> Transcript:
        """Transcribe one recording: `(rate, samples)`, samples with `sample_rate`, or a path.

        Raises `AudioError` (or `AudioTooLong`) for a recording that cannot be used.
        """
        start = time.perf_counter()
        clip = self._prepare(audio, sample_rate)
        if not clip.speech:
            return self._result("", time.perf_counter() - start, 0.0, clip.reason)
        model_start = time.perf_counter()
        if self._concurrent:
            decoded = self.backend.decode([clip.samples])[0]
        else:
            decoded = self.batcher.submit(clip.samples)
        model_seconds = time.perf_counter() - model_start  # waiting for the batch included
        return self._cleaned(decoded, start, model_seconds)

    def submit(self, audio: object, sample_rate: int | None = None) -> Future[Transcript]:
        """`transcribe` without blocking: the recording's `Transcript` as a `Future`.

        The audio is checked at once on the caller's thread (raises `AudioError` as
        `transcribe` does); the model runs in turn on the batcher's thread, so a caller that
        awaits the future (`asyncio.wrap_future`) holds no thread while its answer queues.
        """
        start = time.perf_counter()
        clip = self._prepare(audio, sample_rate)
        result: Future[Transcript] = Future()
        if not clip.speech:
            result.set_result(self._result("", time.perf_counter() - start, 0.0, clip.reason))
            return result
        model_start = time.perf_counter()
        if self._concurrent:  # a remote engine: its own threads, it batches across requests
            inner = self._remote_pool().submit(lambda: self.backend.decode([clip.samples])[0])
        else:
            inner = self.batcher.enqueue(clip.samples)

        def finish(done: Future[Decoded]) -> None:
            try:
                cleaned = self._cleaned(done.result(), start, time.perf_counter() - model_start)
            except BaseException as e:  # handed to the caller, who reports it
                result.set_exception(e)
            else:
                result.set_result(cleaned)

        inner.add_done_callback(finish)
        return result

    def backlog(self) -> tuple[int, float]:
        """Recordings waiting for the model or in it, and about how long they take (seconds)."""
        return self.batcher.backlog()

    def _remote_pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(REMOTE_WORKERS, thread_name_prefix="asr-submit")
            return self._pool

    def transcribe_batch(
        self, batch: list[object], sample_rate: int | None = None
    ) -> list[Transcript]:
        """Transcribe several recordings of one caller in one model call (clips without speech
        skip the model).

        Raises `AudioError` (or `AudioTooLong`) for a recording that cannot be used; callers
        wanting per-item errors call `transcribe` per item.
        """
        start = time.perf_counter()
        clips = [self._prepare(item, sample_rate) for item in batch]
        speech = [i for i, clip in enumerate(clips) if clip.speech]
        decoded = {}
        model_seconds = 0.0
        if speech:
            model_start = time.perf_counter()
            outputs = self._decode([clips[i].samples for i in speech])
            model_seconds = time.perf_counter() - model_start
            decoded = dict(zip(speech, outputs, strict=True))
        return [
            self._cleaned(decoded[i], start, model_seconds)
            if i in decoded
            else self._result("", time.perf_counter() - start, 0.0, clip.reason)
            for i, clip in enumerate(clips)
        ]

    def _prepare(self, audio: object, sample_rate: int | None) -> audio_mod.Clip:
        limit = min(self.options.max_seconds, self.window_seconds)
        clip = audio_mod.prepare(audio, sample_rate, self.options.max_seconds)
        if clip.speech and len(clip.samples) > limit * audio_mod.SAMPLE_RATE:
            why = f"the model hears {self.window_seconds:.0f} s at most"
            raise AudioTooLong(len(clip.samples) / audio_mod.SAMPLE_RATE, limit, why)
        return clip

    def _decode(self, samples: list[np.ndarray]) -> list[Decoded]:
        if self._concurrent:
            return self.backend.decode(samples)
        with self._lock:
            return self.backend.decode(samples)

    def _cleaned(self, decoded: Decoded, start: float, model_seconds: float) -> Transcript:
        text = collapse_repeats(decoded.text, cut=decoded.hit_limit)
        reason = "" if text else "empty"
        elapsed = time.perf_counter() - start  # the whole call, clean-up of the text included
        return self._result("" if reason else text, elapsed, model_seconds, reason, decoded)

    def _result(self, text: str, seconds: float, model_seconds: float, reason: str,
                decoded: Decoded | None = None) -> Transcript:  # fmt: skip
        return Transcript(
            text=text,
            seconds=seconds,
            model_seconds=model_seconds,
            no_speech=bool(reason),
            reason=reason,
            model=self.options.model,
            backend=self.backend.name,
            device=self.backend.device,
            window=decoded.window if decoded else 0.0,
            no_speech_prob=decoded.no_speech_prob if decoded else None,
            avg_logprob=decoded.avg_logprob if decoded else None,
        )

    def warm_up(self) -> None:
        """One decode of a quiet second, so the first learner does not wait for lazy setup."""
        noise = np.random.default_rng(0).normal(0, 1e-3, audio_mod.SAMPLE_RATE).astype(np.float32)
        try:
            self._decode([noise])
        except EngineUnavailable as e:  # a remote engine may come up later: answers will retry
            log.warning("the speech engine did not answer the warm-up: %s", e)


_cache: dict[TranscriberOptions, Transcriber] = {}
_cache_lock = threading.Lock()
_key_locks: dict[TranscriberOptions, threading.Lock] = {}
_executor: ThreadPoolExecutor | None = None


def load_transcriber(
    model: str | os.PathLike[str] = models.DEFAULT_MODEL,
    backend: str = "auto",
    device: str = "auto",
    precision: str = "auto",
    *,
    warm_up: bool = True,
    **options: object,
) -> Transcriber:
    """The transcriber for these settings: loaded on the first call, the same object after.

    Raises `ModelLoadError` saying what was tried and how to fix it.
    """
    wanted = resolve_options(
        TranscriberOptions(os.fspath(model), backend, device, precision, **options)  # type: ignore[arg-type]
    )
    with _cache_lock:
        if wanted in _cache:
            return _cache[wanted]
        key_lock = _key_locks.setdefault(wanted, threading.Lock())
    with key_lock:  # two threads asking for one model load it once
        if wanted in _cache:
            return _cache[wanted]
        started = time.perf_counter()
        engine = _make_backend(wanted)
        transcriber = Transcriber(wanted, engine)
        if warm_up:
            transcriber.warm_up()
        log.info(
            "loaded %s on %s (%s, %s) in %.1f s",
            wanted.model,
            wanted.device,
            wanted.backend,
            wanted.precision,
            time.perf_counter() - started,
        )
        with _cache_lock:
            _cache[wanted] = transcriber
        return transcriber


def load_in_background(*args: object, **kwargs: object) -> Future[Transcriber]:
    """Start `load_transcriber(*args, **kwargs)` on a worker thread; the Future holds the result."""
    global _executor
    with _cache_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asr-load")
    return _executor.submit(load_transcriber, *args, **kwargs)  # type: ignore[arg-type]


def clear_cache() -> None:
    """Forget every loaded model (tests; freeing memory)."""
    with _cache_lock:
        _cache.clear()
        _key_locks.clear()


def _make_backend(options: TranscriberOptions) -> Backend:
    if options.backend == "remote":
        from asr.remote import RemoteBackend

        if options.remote_deadline is None:
            return RemoteBackend(options.url, options.model)
        return RemoteBackend(options.url, options.model, deadline=options.remote_deadline)
    try:
        if options.backend == "ctranslate2":
            return CTranslate2Backend(options.model, options.device, options.precision,
                                      options.max_new_tokens, options.window_floor)  # fmt: skip
        return TransformersBackend(options.model, options.device, options.precision,
                                   options.max_new_tokens, options.window_floor)  # fmt: skip
    except ModelLoadError:
        raise
    except RuntimeError as e:  # torch.cuda.OutOfMemoryError and CTranslate2's allocator errors
        if "out of memory" not in str(e).lower():
            raise
        raise ModelLoadError(
            f"Out of memory loading {options.model} on {options.device}: choose a smaller model "
            "(kb-base, kb-tiny) or the ctranslate2 backend with int8."
        ) from e
    except MemoryError as e:
        raise ModelLoadError(
            f"Out of memory loading {options.model}: choose a smaller model (kb-base, kb-tiny) "
            "or the ctranslate2 backend with int8."
        ) from e
    except ImportError as e:
        raise ModelLoadError(
            f"The {options.backend} backend needs a package that is not installed ({e.name}); "
            "pip install -r requirements.txt"
        ) from e


def _cuda_available() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        return False


def _has_ctranslate2() -> bool:
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return False
    return True
