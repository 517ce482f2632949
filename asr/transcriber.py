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
from dataclasses import dataclass

import numpy as np

from asr import audio as audio_mod
from asr import models
from asr.backends import Backend, CTranslate2Backend, TransformersBackend
from asr.errors import AudioTooLong, ModelLoadError
from asr.text import collapse_repeats, is_hallucination

log = logging.getLogger(__name__)

BACKENDS = ("auto", "transformers", "ctranslate2")
PRECISIONS = ("auto", "fp32", "fp16", "int8")
MAX_NEW_TOKENS = 24  # a word or a short phrase; a loop stops here


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
    """Why there is no text: "silence", "too short", "noise", "hallucination", "empty"."""
    model: str = ""
    backend: str = ""
    device: str = ""


@dataclass(frozen=True)
class TranscriberOptions:
    model: str = models.DEFAULT_MODEL
    backend: str = "auto"  # "transformers", "ctranslate2", or "auto" (chosen per device)
    device: str = "auto"  # "cpu", "cuda", or "auto"
    precision: str = "auto"  # "fp32", "fp16", "int8", or "auto" (fp16 on GPU, int8 on CPU)
    max_new_tokens: int = MAX_NEW_TOKENS
    max_seconds: float = audio_mod.MAX_SECONDS  # longer recordings are refused


def resolve_options(options: TranscriberOptions) -> TranscriberOptions:
    """Fill in "auto": the device there is, then the backend and precision measured best on it.

    On a CPU: CTranslate2 int8. In `python -m asr bench` (README) it is 1.2-2.5x faster than a
    plain fp32 pipeline at every size and needs a third to a quarter of its memory; torch's
    dynamic int8 is faster still on CPUs with AVX-512 VNNI, but torch deprecates that
    quantisation, so it stays a choice (`backend="transformers", precision="int8"`), not the
    default. On a GPU: transformers fp16.
    """
    if options.backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {options.backend!r}")
    if options.precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}")
    device = options.device
    if device == "auto":
        device = "cuda" if _cuda_available() else "cpu"
    backend = options.backend
    if backend == "auto":
        backend = "transformers" if device == "cuda" or not _has_ctranslate2() else "ctranslate2"
    precision = options.precision
    if precision == "auto":
        precision = "fp16" if device == "cuda" else ("int8" if backend == "ctranslate2" else "fp32")
    if precision == "fp16" and device == "cpu":
        raise ValueError("fp16 needs a GPU; on a CPU use fp32 or int8")
    model = models.canonical_name(options.model)
    return TranscriberOptions(
        model, backend, device, precision, options.max_new_tokens, options.max_seconds
    )


class Transcriber:
    """A loaded model. Thread-safe: calls are serialised on the model."""

    def __init__(self, options: TranscriberOptions, backend: Backend) -> None:
        self.options = options
        self.backend = backend
        self._lock = threading.Lock()

    @property
    def window_seconds(self) -> float:
        return self.backend.window_seconds

    def transcribe(self, audio: object, sample_rate: int | None = None) -> Transcript:
        """Transcribe one recording: `(rate, samples)`, samples with `sample_rate`, or a path."""
        return self.transcribe_batch([audio], sample_rate)[0]

    def transcribe_batch(
        self, batch: list[object], sample_rate: int | None = None
    ) -> list[Transcript]:
        """Transcribe several recordings in one model call (clips without speech skip the model).

        Raises `AudioError` (or `AudioTooLong`) for a recording that cannot be used; callers
        wanting per-item errors call `transcribe` per item.
        """
        start = time.perf_counter()
        limit = min(self.options.max_seconds, self.window_seconds)
        clips = [audio_mod.prepare(item, sample_rate, self.options.max_seconds) for item in batch]
        for clip in clips:
            if clip.speech and len(clip.samples) > limit * audio_mod.SAMPLE_RATE:
                why = f"the model hears {self.window_seconds:.0f} s at most"
                raise AudioTooLong(len(clip.samples) / audio_mod.SAMPLE_RATE, limit, why)
        speech = [i for i, clip in enumerate(clips) if clip.speech]
        decoded = {}
        model_seconds = 0.0
        if speech:
            with self._lock:
                model_start = time.perf_counter()
                outputs = self.backend.decode([clips[i].samples for i in speech])
                model_seconds = time.perf_counter() - model_start
            decoded = dict(zip(speech, outputs, strict=True))
        heard: list[tuple[str, float, str]] = []  # text, model seconds, no-speech reason
        for i, clip in enumerate(clips):
            if i not in decoded:
                heard.append(("", 0.0, clip.reason))
                continue
            text = collapse_repeats(decoded[i].text, cut=decoded[i].hit_limit)
            reason = "hallucination" if is_hallucination(text) else ("empty" if not text else "")
            heard.append(("" if reason else text, model_seconds, reason))
        elapsed = time.perf_counter() - start  # the whole call, clean-up of the text included
        return [self._result(text, elapsed, seconds, reason) for text, seconds, reason in heard]

    def _result(self, text: str, seconds: float, model_seconds: float, reason: str) -> Transcript:
        return Transcript(
            text=text,
            seconds=seconds,
            model_seconds=model_seconds,
            no_speech=bool(reason),
            reason=reason,
            model=self.options.model,
            backend=self.backend.name,
            device=self.backend.device,
        )

    def warm_up(self) -> None:
        """One decode of a quiet second, so the first learner does not wait for lazy setup."""
        noise = np.random.default_rng(0).normal(0, 1e-3, audio_mod.SAMPLE_RATE).astype(np.float32)
        with self._lock:
            self.backend.decode([noise])


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
    cls = CTranslate2Backend if options.backend == "ctranslate2" else TransformersBackend
    try:
        return cls(options.model, options.device, options.precision, options.max_new_tokens)
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
