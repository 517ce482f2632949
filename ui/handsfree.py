"""Hands-free answering: a tab's listener over its streamed microphone, and its verdicts.

Listening is cheap and every open microphone gets it: the `.stream` event runs in a group of its
own with no concurrency limit (Gradio holds a slot of an event's group for as long as a stream is
open, so a limit there is a limit on open microphones), and its handler is a coroutine that holds
no thread while it waits. Reading a piece and the voice-activity detector run on worker threads;
a finished answer goes to `asr`'s batcher (`Transcriber.submit`), in turn with press-to-record
answers.

A piece's event returns only the tab's `Hearing` and, when there is something to show, a new
value of a `gr.State` (`ready`) whose change calls `show` (a `Shown`): the screen is drawn there,
not on every piece (Gradio builds a component for every output of every reply, even a skipped one,
which at two pieces a second per microphone was a large share of the server's time).

While the model is idle, an answer's recognition begins at its first pause (`asr.EarlyStart`)
rather than when the hang-over has ended it, and is taken as the answer's if no speech followed:
the verdict is ready about when the end of the answer is known. Speech after the pause drops the
early result, and the whole answer is recognised as usual.

Every answer heard is judged, in order: a piece that ends two answers judges both. A verdict that
will take long (the model is busy) is told as queued, with about how long, and comes later. An
answer in progress whose pieces stop coming (a browser fed exact digital silence stops sending)
is ended by time: a `gr.Timer`, on only while an answer is open or waiting, calls `tick`. Talk
that runs past `EndpointOptions.max_utterance` without a pause is no answer: the learner is told
to say one word, and no try is used.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import anyio
import gradio as gr

import asr
from classroom import Student
from ui import play
from ui.context import Context, Prefs, Stored, Update, Uploaded
from ui.screen import Reply, Screen

log = logging.getLogger(__name__)

STALL = 1.5  # seconds without a piece, beyond the hang-over, that end an answer in progress
INLINE_WAIT = 2.0  # a verdict expected within this is awaited in the piece's own event
TICK = 1.0  # seconds between `tick` calls while an answer is open or waiting
_CHAIN = 4  # verdicts remembered to bring a stale state up to date
RESIGNAL = 3.0  # seconds after which `ready` changes again if `show` has not run (a lost event)

_threads: ThreadPoolExecutor | None = None  # recognisers without a queue of their own

Recognition = Future[asr.Transcript]  # a transcript to come, from the model's queue or a thread


class Answering(NamedTuple):
    """The inputs a verdict needs: the player's state and settings as the event brought them."""

    stored: Stored
    key: str
    uploaded: Uploaded
    pending: str | None
    auto: bool
    prefs: Prefs | None
    student: Student | None
    request: gr.Request | None


@dataclass(frozen=True)
class Shown(Reply):
    """What `show` gives the tab: the screen (None: as it is) and the `tick` timer's update."""

    screen: Screen | None
    listen_timer: gr.Timer | Update


@dataclass
class Waiting:
    """An answer heard and not yet shown: its transcript to come, or a notice."""

    transcript: asyncio.Future[asr.Transcript] | None  # or its error; None for a notice
    message: str = ""  # a message's key in `ui.text` instead of a transcript (no model…)
    params: dict[str, object] = field(default_factory=dict)  # the message's values
    told: bool = False  # the learner was told it is queued


class Hearing:
    """One tab's hands-free listening, kept in its `gr.State`: the endpointer, the answers
    waiting for a verdict, and when the last piece came. Its events run one at a time."""

    def __init__(self, options: asr.EndpointOptions | None = None) -> None:
        self.endpointer = asr.Endpointer(options)
        self.early = asr.EarlyStart()  # recognition started at an answer's first pause
        self.lock = asyncio.Lock()
        self.waiting: deque[Waiting] = deque()
        self.last_piece = time.monotonic()
        self.timer_on = False
        self.signals = 0  # the last value given to the tab's `ready` state
        self.signalled = 0.0  # when `ready` changed, while `show` has not run since (else 0)
        self._verdicts: deque[tuple[Any, Any]] = deque(maxlen=_CHAIN)  # (state in, state out)

    def __deepcopy__(self, memo: dict) -> Hearing:
        return Hearing(self.endpointer.options)  # a listener is not copied: a new one starts

    def feed(self, piece: object) -> list[asr.Utterance]:
        """Read a streamed piece and hear it (on a worker thread); a piece that is missing or
        unreadable costs nothing but itself."""
        try:
            return self.endpointer.feed(*asr.read_stream_chunk(piece))
        except asr.AsrError as e:
            log.warning("a streamed piece could not be read: %s", e)
        except OSError as e:  # gone between the event and the read
            log.warning("a streamed piece could not be opened: %s", e)
        return []

    @property
    def busy(self) -> bool:
        return bool(self.waiting) or self.endpointer.in_speech

    def stalled(self) -> bool:
        """An answer is open and its pieces stopped coming: none came (or was answered) for
        the hang-over and `STALL` more."""
        quiet = time.monotonic() - self.last_piece
        return self.endpointer.in_speech and quiet > self.endpointer.options.hangover + STALL

    def fresh(self, stored: Any) -> Any:
        """The player's state after the verdicts this listener gave: an event that started
        before a verdict was given still carries the state before it."""
        for before, after in list(self._verdicts):
            if stored == before:
                stored = after
        return stored

    def gave(self, before: Any, after: Any) -> None:
        self._verdicts.append((before, after))

    def timer(self) -> gr.Timer | Update:
        """The `tick` timer's update: on while an answer is open or waiting."""
        if self.busy == self.timer_on:
            return gr.skip()
        self.timer_on = self.busy
        return gr.Timer(TICK, active=self.timer_on)

    def ready(self) -> int | Update:
        """A new value for the tab's `ready` state when `show` has something to do: a verdict
        or a notice to show, a queued answer to tell of, the timer to switch; else no change."""
        head = self.waiting[0] if self.waiting else None
        due = head is not None and (head.transcript is None or head.transcript.done()
                                    or not head.told)  # fmt: skip
        waiting_for_show = time.monotonic() - self.signalled < RESIGNAL
        if waiting_for_show or not (due or self.busy != self.timer_on):
            return gr.skip()
        self.signalled, self.signals = time.monotonic(), self.signals + 1
        return self.signals

    async def settle(self, seconds: float) -> None:
        """Wait (up to `seconds`) for the first answer's transcript, so that `show` finds it."""
        head = self.waiting[0] if self.waiting else None
        if head is not None and head.transcript is not None and seconds > 0:
            await asyncio.wait({head.transcript}, timeout=seconds)


async def hear(ctx: Context, chunk: object, hearing: Hearing | None,
               quiet: float) -> tuple[Hearing, int | Update]:  # fmt: skip
    """One piece of the streamed microphone: returns the tab's `Hearing` and its `ready`
    signal (see the module's docstring).

    While "Listen" plays the word (until `quiet`, a time), the microphone would hear the
    speakers: what it hears then is dropped.
    """
    hearing = hearing if isinstance(hearing, Hearing) else Hearing()
    hearing.last_piece = time.monotonic()  # it came, though it may wait for the lock
    try:
        async with hearing.lock:
            heard = await anyio.to_thread.run_sync(_listen, ctx, hearing, chunk, quiet)
            if heard is None:
                return hearing, hearing.ready()
            for utterance, early in heard:
                hearing.waiting.append(_recognition(ctx, utterance, early))
            await hearing.settle(_inline_wait(ctx))
            return hearing, hearing.ready()
    except Exception:  # an error here would end the stream: Gradio refuses its later pieces
        log.exception("a streamed piece could not be heard")
        return hearing, gr.skip()
    finally:
        # A busy server answers late, and the browser holds its next pieces until it has;
        # so the wait for the next piece counts from this reply, not from the last arrival.
        hearing.last_piece = time.monotonic()


def _listen(ctx: Context, hearing: Hearing, chunk: object,
            quiet: float) -> list[tuple[asr.Utterance, Recognition | None]] | None:  # fmt: skip
    """On a worker thread (a sweep of old pieces is file work): note the piece for the sweep,
    and hear it; None while "Listen" plays, when the microphone is deaf. Each answer that ended
    comes with its recognition if that began early; an answer that has just paused begins its
    recognition now if the model is idle (`asr.EarlyStart`)."""
    ctx.pieces.heard(chunk)
    if quiet and time.time() < quiet:
        hearing.endpointer.reset()
        return None
    ended = [(u, hearing.early.take(hearing.endpointer, u)) for u in hearing.feed(chunk)]
    _start_early(ctx, hearing)
    return ended


def _start_early(ctx: Context, hearing: Hearing) -> None:
    """Begin recognising the answer in progress at its first pause, if the model is idle."""
    recogniser = ctx.model.get()
    if recogniser is None or not hearing.endpointer.in_speech:
        return
    if play.recognise is not play.recognise_here:  # a wrapped call (ZeroGPU): each recognition
        return  # is a GPU task of its own, and the model's queue cannot say it is idle
    backlog = _backlog(ctx)  # None where the recogniser cannot say (a remote engine): no
    idle = backlog is not None and backlog[0] == 0
    hearing.early.consider(hearing.endpointer, lambda u: _submit(recogniser, u.audio), idle)


async def show(ctx: Context, hearing: Hearing | None, stored: Stored, key: str,
               uploaded: Uploaded, pending: str | None, auto: bool, prefs: Prefs | None = None,
               student: Student | None = None,
               request: gr.Request | None = None) -> Shown:  # fmt: skip
    """What the tab's listener has to show: the verdicts that are ready, in order, or a note
    that the answer is queued; and the timer's update."""
    if not isinstance(hearing, Hearing):
        return Shown(None, gr.skip())
    answer = Answering(stored, key, uploaded, pending, auto, prefs, student, request)
    async with hearing.lock:
        hearing.signalled = 0.0
        if hearing.stalled():  # the pieces stopped coming: the answer ends by time
            utterance = hearing.endpointer.flush()
            log.info("an answer ended by time: no piece for %.1f s", STALL)
            if utterance is not None:
                early = hearing.early.take(hearing.endpointer, utterance)
                hearing.waiting.append(_recognition(ctx, utterance, early))
                await hearing.settle(_inline_wait(ctx))
        screen = await _deliver(ctx, hearing, answer)
        return Shown(screen, hearing.timer())


async def tick(ctx: Context, hearing: Hearing | None, stored: Stored, key: str,
               uploaded: Uploaded, pending: str | None, auto: bool, prefs: Prefs | None = None,
               student: Student | None = None,
               request: gr.Request | None = None) -> Shown:  # fmt: skip
    """The timer's call: `show`, unless a piece is being heard (that piece's event will)."""
    if isinstance(hearing, Hearing) and hearing.lock.locked():
        return Shown(None, gr.skip())
    return await show(ctx, hearing, stored, key, uploaded, pending, auto, prefs, student,
                      request)  # fmt: skip


def _recognition(ctx: Context, utterance: asr.Utterance,
                 early: Recognition | None = None) -> Waiting:  # fmt: skip
    """Start recognising a finished answer (or take the recognition `early` began on it); a cut
    stretch of talk becomes a notice instead."""
    if early is not None:
        return Waiting(asyncio.wrap_future(early))
    if utterance.cut:
        seconds = f"{utterance.speech_end - utterance.start:.0f}"
        return Waiting(None, message="talk_too_long", params={"seconds": seconds})
    recogniser = ctx.model.get()
    if recogniser is None:
        return Waiting(None, message=play.missing_model(ctx.model))
    return Waiting(asyncio.wrap_future(_submit(recogniser, utterance.audio)))


def _submit(recogniser: object, audio: object) -> Recognition:
    """The transcript as a future: from the model's own queue (`asr.Transcriber.submit`), else
    (a recogniser without one; ZeroGPU's wrapped call) on a thread of ours."""
    global _threads
    submit = getattr(recogniser, "submit", None)
    if submit is not None and play.recognise is play.recognise_here:
        try:
            return submit(audio)
        except Exception as e:  # a recording that cannot be used: its own message
            failed: Recognition = Future()
            failed.set_exception(e)
            return failed
    if _threads is None:
        _threads = ThreadPoolExecutor(8, thread_name_prefix="handsfree")
    # The event's context goes along: a wrapped call (ZeroGPU) reads the visitor from it.
    context = contextvars.copy_context()
    return _threads.submit(lambda: context.run(play.recognise, recogniser, audio))


async def _deliver(ctx: Context, hearing: Hearing, answer: Answering) -> Screen | None:
    """Judge the waiting answers in order, as far as their transcripts are ready; the screen
    after the last verdict, a "queued" note, or None: nothing to change."""
    answer = answer._replace(stored=hearing.fresh(answer.stored))
    screen: Screen | None = None
    while hearing.waiting:
        head = hearing.waiting[0]
        if head.transcript is not None and not head.transcript.done():
            if screen is None:
                screen = _queued(ctx, head, answer)
            break  # the rest when its transcript is ready (a piece or a tick signals it)
        hearing.waiting.popleft()
        screen = await anyio.to_thread.run_sync(_verdict, ctx, head, answer)
        hearing.gave(answer.stored, screen.stored)
        answer = answer._replace(stored=screen.stored, pending=screen.pending)
    return screen


def _backlog(ctx: Context) -> tuple[int, float] | None:
    """The model's answers ahead and about how long they take; None where it cannot say."""
    backlog = getattr(ctx.model.get(), "backlog", None)
    return backlog() if backlog is not None else None


def _inline_wait(ctx: Context) -> float:
    """How long a piece's event waits for a verdict before telling the learner it is queued:
    as long as the model's backlog says, when that is short; else not at all."""
    backlog = _backlog(ctx)
    if backlog is None:
        return INLINE_WAIT
    _, seconds = backlog
    return seconds + 1.0 if seconds <= INLINE_WAIT else 0.0


def _queued(ctx: Context, head: Waiting, answer: Answering) -> Screen | None:
    """Tell the learner their answer is queued, and about how long (once per answer); None once
    told."""
    if head.told:
        return None
    head.told = True
    ahead, seconds = _backlog(ctx) or (0, 0.0)
    if ahead > 1 and seconds >= 1:
        params = {"ahead": ahead - 1, "seconds": f"{seconds:.0f}"}
        return _told(ctx, "checking_queued", answer, **params)
    return _told(ctx, "checking", answer)


def _verdict(ctx: Context, head: Waiting, answer: Answering) -> Screen:
    """The screen after one heard answer (on a worker thread: judging and drawing)."""
    lang = play.lang_of(answer.prefs, answer.request)
    if head.transcript is None:
        return _told(ctx, head.message, answer, **head.params)
    error = head.transcript.exception()
    result = play.failure_message(error, lang) if error else head.transcript.result()
    a = answer
    return play.judge_heard(ctx, result, a.stored, a.key, a.uploaded, a.pending, a.auto,
                            a.prefs, a.student, a.request)  # fmt: skip


def _told(ctx: Context, key: str, answer: Answering, **params: object) -> Screen:
    a = answer
    return play.told(ctx, key, a.stored, a.key, a.uploaded, a.pending, a.prefs, a.request,
                     **params)  # fmt: skip
