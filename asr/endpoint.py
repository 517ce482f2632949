"""Where a hands-free answer ends: a voice-activity detector over a streamed microphone.

`Endpointer` is one learner's listener (a plain object for a `gr.State`): fed the chunks of
`gr.Audio(streaming=True).stream` as they come, it returns an `Utterance`, from ~0.3 s before the
speech to its end, once the learner has been quiet for the hang-over. The silero-vad model (its
wheel ships the weights: nothing is downloaded) is loaded once and shared.

What Gradio 6.31 hands a `.stream` handler (gradio/components/audio.py; the recorder in its
frontend): the browser encodes 16-bit PCM WAV at the microphone's rate (44.1 or 48 kHz, mono or
stereo), a piece every `stream_every` s (0.5), puts the first piece's 44-byte header before each
later one and uploads it as `audio.wav`. `type="filepath"` gives its path (a `str`),
`type="numpy"` gives `(rate, int16 array)` of shape `(n,)` or `(n, channels)` from pydub's own WAV
reader: neither needs ffmpeg. But pieces recorded while the server is busy are sent as one file
under the first piece's header, whose length is then too short, and pydub and libsndfile read
only that length (checked here). So: `type="filepath"` and `read_stream_chunk`, which reads all.

Silero's model object keeps one stream's state between calls, so it cannot serve two players as it
is: each `Endpointer` keeps its own state and the shared network runs statelessly (checked at load
against silero's own call), on a thread of its own with one torch thread. A 32 ms frame takes
~0.2 ms there, and 7-60 ms with two torch threads on 2 cores when the other is busy (measured).
silero's package is not imported: that would set the whole process to one torch thread.
"""

from __future__ import annotations

import importlib.util
import logging
import queue
import struct
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soxr

from asr.audio import MAX_FILE_BYTES, SAMPLE_RATE, load
from asr.errors import AudioError, ModelLoadError

log = logging.getLogger(__name__)

FRAME = 512  # samples per VAD frame: silero's only size at 16 kHz (32 ms)
_STATE_SHAPE = (2, 1, 128)  # silero's recurrent state for one stream
_BLOCK = 64  # frames (2 s) per turn on the VAD's thread
_Run = tuple[np.ndarray, np.ndarray, np.ndarray]  # probabilities, state, context


@dataclass(frozen=True)
class EndpointOptions:
    threshold: float = 0.5  # a frame is speech at this silero probability or above (its default)
    release: float = 0.35  # speech goes on until a frame falls below this (silero: threshold-0.15)
    hangover: float = 0.65  # seconds of quiet after speech that end the answer
    pre_roll: float = 0.3  # seconds kept before the first speech frame: the first syllable whole
    post_roll: float = 0.15  # seconds kept after the last speech frame: a final s the VAD let go
    min_speech: float = 0.15  # seconds of speech an answer needs; less is a click, a cough, a blip
    max_utterance: float = 8.0  # seconds; longer talk is cut here, and cut again each as long
    # again until a pause: what is cut is no answer (the learner is told to say one word)

    def __post_init__(self) -> None:
        if not 0 < self.release <= self.threshold < 1:
            raise ValueError("EndpointOptions needs 0 < release <= threshold < 1")
        if not 0 <= self.post_roll <= self.hangover or min(self.pre_roll, self.min_speech) < 0:
            raise ValueError("EndpointOptions needs 0 <= post_roll <= hangover, rolls >= 0")
        if self.max_utterance <= self.pre_roll + self.min_speech:
            raise ValueError("EndpointOptions.max_utterance must exceed pre_roll + min_speech")


@dataclass(frozen=True)
class Utterance:
    """One finished answer, and where it lay in the stream (seconds since the stream began)."""

    samples: np.ndarray  # float32 mono at 16 kHz: pre-roll, speech, post-roll
    start: float  # where `samples` begins
    speech_start: float  # the first speech frame
    speech_end: float  # the end of the last speech frame
    decided_at: float  # the stream time at which the end was decided
    cut: bool  # True when it reached max_utterance while the learner was still talking; a cut
    # after the first, in talk that never paused, has no samples

    @property
    def audio(self) -> tuple[int, np.ndarray]:
        """`(16000, samples)`: what `Transcriber.transcribe` takes."""
        return SAMPLE_RATE, self.samples


@dataclass
class _Speech:
    """The answer being heard: its frames so far and what the VAD found in them."""

    frames: list[np.ndarray]
    start: int  # stream sample of frames[0]
    speech_start: int
    speech_end: int
    speech_frames: int = 1
    talking: bool = True  # inside speech (hysteresis between threshold and release)


class Endpointer:
    """One learner's listener. Not shared between players or threads; `reset()` between cards."""

    def __init__(self, options: EndpointOptions | None = None) -> None:
        self.options = options or EndpointOptions()
        self.reset()

    def reset(self) -> None:
        """Forget everything heard, as for a new stream: call it when a new card shows."""
        self.epoch = getattr(self, "epoch", -1) + 1  # streams heard: the clock restarts with each
        self.position = 0  # 16 kHz samples framed so far: the stream clock
        self._rate = 0
        self._resampler: soxr.ResampleStream | None = None
        self._rest = np.zeros(0, np.float32)  # resampled samples short of a whole frame
        self._state = np.zeros(_STATE_SHAPE, np.float32)
        self._context = np.zeros((1, 0), np.float32)  # the previous frame's tail (silero)
        self._before: list[np.ndarray] = []  # the last frames before speech: the pre-roll
        self._speech: _Speech | None = None
        self._muted = False  # after a cut: wait for a pause before listening again
        self._quiet = 0  # frames of quiet while muted
        self._muted_frames = 0  # frames heard while muted since the last cut

    def feed(self, samples: np.ndarray, sample_rate: int) -> list[Utterance]:
        """Hear the next chunk (int or float, mono or stereo); return the answers it finished.

        Usually empty or one; a long chunk (pieces the browser gathered) may finish several.
        """
        frames = self._frames(self._to_16k(samples, sample_rate))
        if not len(frames):
            return []
        probs, self._state, self._context = load_vad().run(frames, self._state, self._context)
        done = [self._step(frame, float(p)) for frame, p in zip(frames, probs, strict=True)]
        return [u for u in done if u is not None]

    def flush(self) -> Utterance | None:
        """The answer in progress as it stands (the learner stopped the microphone), if any."""
        speech, self._speech = self._speech, None
        return self._finish(speech, cut=False) if speech else None

    @property
    def seconds(self) -> float:
        """Seconds of the stream heard so far (at 16 kHz, whole frames)."""
        return self.position / SAMPLE_RATE

    def __getstate__(self) -> dict:
        # soxr's stream cannot be copied; a copy (gr.State deep-copies) starts a fresh one.
        return self.__dict__ | {"_resampler": None, "_rate": 0}

    def _to_16k(self, samples: np.ndarray, rate: int) -> np.ndarray:
        mono, rate = load((int(rate), np.asarray(samples)))
        if rate == SAMPLE_RATE or not len(mono):
            return mono
        if rate != self._rate or self._resampler is None:  # a stream, so chunks join smoothly
            self._resampler = soxr.ResampleStream(rate, SAMPLE_RATE, 1, "float32", "HQ")
            self._rate = rate
        return self._resampler.resample_chunk(mono)

    def _frames(self, samples: np.ndarray) -> np.ndarray:
        joined = np.concatenate([self._rest, samples])
        whole = len(joined) // FRAME * FRAME
        self._rest = joined[whole:]
        return joined[:whole].reshape(-1, FRAME)

    def _step(self, frame: np.ndarray, prob: float) -> Utterance | None:
        """Move the stream clock by one frame of probability `prob`; an answer if one ended."""
        self.position += FRAME
        if self._speech is not None:
            return self._listen(self._speech, frame, prob)
        opts = self.options
        if self._muted:
            self._quiet = self._quiet + 1 if prob < opts.release else 0
            self._muted = self._quiet * FRAME < opts.hangover * SAMPLE_RATE
            self._muted_frames += 1
            if self._muted and self._muted_frames * FRAME >= opts.max_utterance * SAMPLE_RATE:
                return self._still_talking()
        elif prob >= opts.threshold:
            frames, end = [*self._before, frame], self.position
            self._speech = _Speech(frames, end - len(frames) * FRAME, end - FRAME, end)
            self._before = []
            return None
        self._before = [*self._before, frame][-self._pre_frames :]
        return None

    def _listen(self, speech: _Speech, frame: np.ndarray, prob: float) -> Utterance | None:
        opts = self.options
        speech.frames.append(frame)
        speech.talking = prob >= (opts.release if speech.talking else opts.threshold)
        if speech.talking:
            speech.speech_frames += 1
            speech.speech_end = self.position
        if len(speech.frames) * FRAME >= opts.max_utterance * SAMPLE_RATE:
            self._speech, self._muted, self._quiet, self._muted_frames = None, True, 0, 0
            return self._finish(speech, cut=True)
        if self.position - speech.speech_end < opts.hangover * SAMPLE_RATE:
            return None
        self._speech, self._before = None, speech.frames[-self._pre_frames :]
        return self._finish(speech, cut=False)

    def _still_talking(self) -> Utterance:
        """Another `max_utterance` of talk without a pause after a cut: one more cut, without
        its samples (the learner is told again; nothing of it is an answer)."""
        self._muted_frames = 0
        now = self.position / SAMPLE_RATE
        start = now - self.options.max_utterance
        return Utterance(np.zeros(0, np.float32), start, start, now, now, cut=True)

    def early(self) -> Utterance | None:
        """The answer in progress as it would end if the pause now under way is its end: the
        learner has stopped (the VAD let go) for at least the post-roll, and not yet for the
        hang-over. Its samples are those the answer ends with if no speech follows (the same
        `speech_end`); None while the learner is talking or no answer is open."""
        speech = self._speech
        if speech is None or speech.talking:
            return None
        if self.position - speech.speech_end < self.options.post_roll * SAMPLE_RATE:
            return None
        return self._finish(speech, cut=False)

    @property
    def in_speech(self) -> bool:
        """An answer has begun and not yet ended."""
        return self._speech is not None

    @property
    def _pre_frames(self) -> int:
        return max(1, round(self.options.pre_roll * SAMPLE_RATE / FRAME))

    def _finish(self, speech: _Speech, cut: bool) -> Utterance | None:
        opts = self.options
        if speech.speech_frames * FRAME < opts.min_speech * SAMPLE_RATE:
            log.debug("ignored %d ms of speech: a blip", speech.speech_frames * FRAME // 16)
            return None
        samples = np.concatenate(speech.frames)
        if not cut:
            end = speech.speech_end - speech.start + int(opts.post_roll * SAMPLE_RATE)
            samples = samples[:end]
        utterance = Utterance(
            samples=samples,
            start=speech.start / SAMPLE_RATE,
            speech_start=speech.speech_start / SAMPLE_RATE,
            speech_end=speech.speech_end / SAMPLE_RATE,
            decided_at=self.position / SAMPLE_RATE,
            cut=cut,
        )
        log.debug("an answer of %.2f s ended at %.2f s", len(samples) / SAMPLE_RATE, self.seconds)
        return utterance


class Vad:
    """silero-vad run statelessly: the caller keeps the state. One thread runs every call."""

    def __init__(self, path: Path) -> None:
        import torch

        self._torch = torch
        with warnings.catch_warnings():  # "torch.jit.load is deprecated": silero ships TorchScript
            warnings.simplefilter("ignore", DeprecationWarning)
            self._jit = torch.jit.load(str(path), map_location="cpu").eval()
        self._model = self._jit._model  # the stateless 16 kHz network: (x, state) -> (p, state)
        self._context_size = int(self._model.context_size_samples)
        wanted = torch.get_num_threads()
        # torch.set_num_threads is per thread (OpenMP) but also sets the default of threads
        # started later: set it back from this thread once the VAD's own thread has its one.
        self._pool = ThreadPoolExecutor(1, "vad", initializer=torch.set_num_threads, initargs=(1,))
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._pool.submit(self._self_check).result()
        torch.set_num_threads(wanted)

    def run(self, frames: np.ndarray, state: np.ndarray, context: np.ndarray) -> _Run:
        """Speech probabilities of `frames` (n, 512) and the state and context after them.

        Long runs go in blocks, so one player's long chunk does not hold up everyone's; the
        blocks of players whose pieces arrive together run as one batch.
        """
        probs = []
        for block in range(0, len(frames), _BLOCK):
            job = _Job(frames[block : block + _BLOCK], state, context)
            self._jobs.put(job)
            self._pool.submit(self._serve)
            done, state, context = job.done.result()
            probs.append(done)
        return np.concatenate(probs), state, context

    def _serve(self) -> None:
        """On the VAD's thread: every job waiting, as one batch (an earlier call may have taken
        them all already)."""
        jobs = []
        while True:
            try:
                jobs.append(self._jobs.get_nowait())
            except queue.Empty:
                break
        if not jobs:
            return
        try:
            results = self._run(jobs)
        except Exception as e:  # the model failed: every caller hears it
            for job in jobs:
                job.done.set_exception(e)
            return
        for job, result in zip(jobs, results, strict=True):
            job.done.set_result(result)

    def _run(self, jobs: list[_Job]) -> list[_Run]:
        """The jobs' frames, one step of every stream at a time: the streams are the batch (the
        network keeps no state of its own, so rows never mix)."""
        torch, size = self._torch, self._context_size
        steps = max(len(job.frames) for job in jobs)
        probs = np.zeros((len(jobs), steps), np.float32)
        with torch.inference_mode():
            st = torch.from_numpy(np.concatenate([job.state for job in jobs], axis=1))
            ctx = torch.from_numpy(np.concatenate([_context(job.context, size) for job in jobs]))
            for i in range(steps):
                live = [b for b, job in enumerate(jobs) if i < len(job.frames)]
                x = torch.from_numpy(np.stack([jobs[b].frames[i] for b in live]))
                if len(live) == len(jobs):  # every stream has a frame at this step
                    window = torch.cat([ctx, x], dim=1)
                    out, st = self._model(window, st)
                    ctx = window[:, -size:]
                else:
                    rows = torch.tensor(live)
                    window = torch.cat([ctx[rows], x], dim=1)
                    out, st[:, rows] = self._model(window, st[:, rows])
                    ctx[rows] = window[:, -size:]
                probs[live, i] = out[:, 0].numpy()
        return [
            (probs[b, : len(job.frames)], st[:, b : b + 1].numpy().copy(),
             ctx[b : b + 1].numpy().copy())
            for b, job in enumerate(jobs)
        ]  # fmt: skip

    def _self_check(self) -> None:
        """The stateless call must match silero's own, alone and batched with another stream:
        else its layout changed under us."""
        rng = np.random.default_rng(0)
        tone = np.sin(np.arange(8 * FRAME) * 0.07) * np.linspace(0, 0.5, 8 * FRAME)
        frames = (tone + rng.normal(0, 0.01, tone.size)).astype(np.float32).reshape(8, FRAME)
        with self._torch.inference_mode():
            self._jit.reset_states()
            own = [float(self._jit(self._torch.from_numpy(f[None]), SAMPLE_RATE)) for f in frames]
        fresh = np.zeros(_STATE_SHAPE, np.float32), np.zeros((1, 0), np.float32)
        alone = self._run([_Job(frames, *fresh)])[0][0]
        noise = rng.normal(0, 0.05, (5, FRAME)).astype(np.float32)
        together = self._run([_Job(noise, *fresh), _Job(frames, *fresh)])[1][0]
        if not (np.allclose(own, alone, atol=1e-5) and np.allclose(own, together, atol=1e-5)):
            raise ModelLoadError("silero-vad's model changed its layout; asr.endpoint needs 6.x.")


class EarlyStart:
    """Recognition of an answer started at its first pause, before the hang-over ends it.

    The hang-over (0.65 s of quiet, heard in 0.5 s pieces) is waited out before an answer is
    known to have ended. When the recogniser is idle, `consider` starts recognising the answer
    as `Endpointer.early` has it at the first pause; when the answer does end, `take` gives that
    recognition if it is the same answer (the same end of speech in the same stream), so the
    verdict is ready about when the end is. If the learner went on speaking, the early result
    is dropped and the whole answer is recognised as usual. Not shared between listeners.
    """

    def __init__(self) -> None:
        self._key: tuple[int, float] | None = None
        self._future: Future | None = None
        self.started = 0  # early recognitions started
        self.used = 0  # of them, given as the answer's

    def consider(self, endpointer: Endpointer, start: Callable[[Utterance], Future],
                 idle: bool) -> None:  # fmt: skip
        """Start recognising the answer in progress (`start`, e.g. `Transcriber.submit` of its
        audio) if it has paused, `idle` says the recogniser has nothing else to do, and this
        very pause was not started on already."""
        if not idle:
            return
        early = endpointer.early()
        if early is None or (endpointer.epoch, early.speech_end) == self._key:
            return
        self._key, self._future = (endpointer.epoch, early.speech_end), start(early)
        self.started += 1

    def take(self, endpointer: Endpointer, utterance: Utterance) -> Future | None:
        """The early recognition of `utterance`, just ended, if one was started on exactly it;
        None otherwise (none started, or speech went on after it). Forgets it either way."""
        key, future = self._key, self._future
        self._key, self._future = None, None
        if future is None or utterance.cut or key != (endpointer.epoch, utterance.speech_end):
            return None
        self.used += 1
        return future


@dataclass
class _Job:
    """One stream's frames for the VAD's thread, and where its result goes."""

    frames: np.ndarray
    state: np.ndarray
    context: np.ndarray
    done: Future = field(default_factory=Future)


def _context(context: np.ndarray, size: int) -> np.ndarray:
    """The previous frame's tail, or silence before a new stream."""
    context = np.asarray(context, np.float32)
    return context if context.shape == (1, size) else np.zeros((1, size), np.float32)


_vad: Vad | None = None
_vad_lock = threading.Lock()


def load_vad() -> Vad:
    """The shared VAD, loaded on first use from silero-vad's wheel (never from a hub)."""
    global _vad
    with _vad_lock:
        if _vad is None:
            spec = importlib.util.find_spec("silero_vad")  # finds it without running its import
            if spec is None or not spec.submodule_search_locations:
                raise ModelLoadError("Hands-free answering needs silero-vad (pip install).")
            path = Path(spec.submodule_search_locations[0]) / "data" / "silero_vad.jit"
            try:
                _vad = Vad(path)
            except (OSError, RuntimeError, AttributeError) as e:
                raise ModelLoadError(f"Could not load the silero-vad model {path}: {e}") from e
            log.info("loaded silero-vad from %s", path)
        return _vad


def read_stream_chunk(value: object) -> tuple[np.ndarray, int]:
    """What a streaming `gr.Audio` handed the handler, as (samples, sample rate); None is empty.

    A WAV path is read to its end whatever its header says (see the module's docstring);
    anything else goes to `asr.audio.load`: `(rate, array)`, or a file of another format.
    """
    if value is None:
        return np.zeros(0, np.float32), SAMPLE_RATE
    if isinstance(value, (str, Path)) and Path(value).is_file():
        if Path(value).stat().st_size > MAX_FILE_BYTES:
            raise AudioError("A piece of the stream was far too long.")
        pcm = _wav_pcm(Path(value).read_bytes())
        if pcm is not None:
            return pcm
    return load(value)


def _wav_pcm(data: bytes) -> tuple[np.ndarray, int] | None:
    """16-bit or float32 PCM WAV samples up to the end of the file; None for anything else."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        kind, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if kind == b"fmt ":
            fmt = struct.unpack_from("<HHI6xH", data, pos + 8)  # format, channels, rate, bits
        elif kind == b"data" and fmt is not None:
            code, channels, rate, bits = fmt
            dtype = {(1, 16): "<i2", (3, 32): "<f4"}.get((code, bits))
            if dtype is None or channels < 1:
                return None
            body = data[pos + 8 :]
            body = body[: len(body) // (channels * bits // 8) * (channels * bits // 8)]
            samples = np.frombuffer(body, dtype).reshape(-1, channels)
            return load((rate, samples[:, 0] if channels == 1 else samples))
        pos += 8 + size + (size & 1)
    return None
