"""Hands-free answering's handlers (`ui.handsfree`) called as coroutines, without a server.

Pieces are what a browser streams: espeak-ng's Swedish between quiet, cut every 0.5 s. The
recogniser is a fake that hears one word (or whatever the test queues).
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

import asr
import game
from tests.test_ui_handlers import Heard, two_cards
from ui import Context, handsfree
from ui import play as handlers
from ui.context import Stored
from ui.pieces import StreamPieces
from ui.screen import Screen

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

RATE = 44_100


class Queued:
    """A recogniser whose answers wait until the test releases them, with a long backlog."""

    def __init__(self) -> None:
        self.futures: list[Future] = []

    def submit(self, audio, sample_rate=None) -> Future:
        self.futures.append(Future())
        return self.futures[-1]

    def backlog(self) -> tuple[int, float]:
        return len(self.futures) + 5, 6.0

    def release(self, text: str) -> None:
        for future in self.futures:
            future.set_result(asr.Transcript(text, 0.1, 0.1, False))


class Idle:
    """A recogniser with its own queue that hears one word at once; `ahead` answers are before
    each new one. Notes the piece (`piece`, set by the test) on which each recognition began."""

    def __init__(self, text: str, ahead: int = 0) -> None:
        self.text, self.ahead, self.piece = text, ahead, -1
        self.begun: list[int] = []

    def submit(self, audio, sample_rate=None) -> Future:
        self.begun.append(self.piece)
        done: Future = Future()
        done.set_result(asr.Transcript(self.text, 0.1, 0.1, False))
        return done

    def backlog(self) -> tuple[int, float]:
        return self.ahead, 0.5 * self.ahead


def context(tmp_path: Path, recogniser: object) -> Context:
    return two_cards(tmp_path, recogniser, round_size=2)


def said(*parts: str | float) -> np.ndarray:
    """Words (str) and pauses (seconds) in a row, at the browser's rate, as 16-bit samples."""
    pieces = [np.zeros(int(0.5 * RATE), np.float32)]
    for part in parts:
        if isinstance(part, str):
            wav = subprocess.run(["espeak-ng", "-v", "sv", "--stdout", part], check=True,
                                 capture_output=True).stdout  # fmt: skip
            samples, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
            pieces.append(soxr.resample(samples, rate, RATE).astype(np.float32))
        else:
            pieces.append(np.zeros(int(part * RATE), np.float32))
    return (np.concatenate(pieces) * 32767).astype(np.int16)


def cut(samples: np.ndarray, piece: float = 0.5) -> list[tuple[int, np.ndarray]]:
    step = int(RATE * piece)
    return [(RATE, samples[i : i + step]) for i in range(0, len(samples), step)]


class Tab:
    """One browser tab streaming: its `Hearing`, its state, and every screen it was shown."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.stored: Stored = handlers.begin(ctx, {}, "Djur", {}).stored
        self.pending: str | None = None
        self.hearing: handsfree.Hearing | None = None
        self.shown: list[str] = []
        self.timer: list[object] = []
        self.signals: list[int] = []  # the values `ready` took

    def take(self, screen: Screen | None) -> None:
        if screen is not None:  # None: the screen stays as it is
            self.stored, self.pending = screen.stored, screen.pending
            self.shown.append(screen.feedback)

    async def piece(self, chunk, quiet: float = 0.0) -> None:
        """Stream a piece; when `ready` changes, show what there is, as the browser does."""
        self.hearing, ready = await handsfree.hear(self.ctx, chunk, self.hearing, quiet)
        if isinstance(ready, int):
            self.signals.append(ready)
            await self._show(handsfree.show)

    async def tick(self) -> None:
        await self._show(handsfree.tick)

    async def _show(self, handler) -> None:
        shown = await handler(self.ctx, self.hearing, self.stored, "Djur", {}, self.pending, True)
        self.take(shown.screen)
        self.timer.append(shown.listen_timer)

    @property
    def results(self) -> list[game.CardResult]:
        state = game.from_dict(self.stored)
        return list(state.round.results) if state.round else []

    @property
    def answers(self) -> int:
        """Answers the game took: tries on the cards finished and on the card now."""
        return sum(result.tries for result in self.results) + self.tries

    @property
    def tries(self) -> int:
        state = game.from_dict(self.stored)
        turn = state.round.turn if state.round else None
        return turn.tries if turn else 0


def run(coroutine) -> None:
    asyncio.run(coroutine)


def test_the_answer_is_judged_when_the_learner_stops_talking(tmp_path):
    ctx = context(tmp_path, Heard("hund"))
    tab = Tab(ctx)

    async def play():
        for chunk in cut(said("hund", 1.2)):
            await tab.piece(chunk)

    run(play())
    assert len(tab.shown) == 1 and "I heard" in tab.shown[0]  # one answer, no stop needed
    assert tab.answers == 1


def test_a_piece_that_ends_two_answers_judges_both_in_order(tmp_path):
    recogniser = Heard("katt")
    ctx = context(tmp_path, recogniser)
    tab = Tab(ctx)
    first = game.current_card(game.from_dict(tab.stored), ctx.library.first())

    async def play():  # the browser was held up and sends everything as one piece
        await tab.piece((RATE, said("hund", 1.0, "katt", 1.2)))

    run(play())
    assert recogniser.calls == 2 and len(tab.shown) == 1  # the screen after the last verdict
    assert tab.answers == 2  # both reached the game, the first card's before the second
    assert tab.results[0].card_id == first.id if tab.results else tab.tries == 2


def test_an_answer_whose_pieces_stop_coming_is_ended_by_time(tmp_path, monkeypatch):
    ctx = context(tmp_path, Heard("hund"))
    tab = Tab(ctx)

    async def play():
        for chunk in cut(said("hund"))[:-1]:  # the word, then the browser sends nothing
            await tab.piece(chunk)
        assert tab.shown == [] and tab.hearing.endpointer.in_speech
        assert any(getattr(t, "active", None) for t in tab.timer)  # the timer was switched on
        await tab.tick()
        assert tab.shown == []  # not yet: pieces may still come
        tab.hearing.last_piece -= handsfree.STALL + 1.0  # ... but none came
        await tab.tick()

    run(play())
    assert len(tab.shown) == 1 and "I heard" in tab.shown[0]
    assert getattr(tab.timer[-1], "active", None) is False  # nothing open: the timer goes off


def test_talk_without_a_pause_is_no_answer_and_the_learner_is_told(tmp_path):
    recogniser = Heard("hund")
    ctx = context(tmp_path, recogniser)
    tab = Tab(ctx)
    talk = " ".join(["jag pratar och pratar om allt möjligt hela tiden"] * 6)

    async def play():
        for chunk in cut(said(talk)):
            await tab.piece(chunk)

    run(play())
    told = [shown for shown in tab.shown if "That was long" in shown]
    assert len(told) >= 2  # cut at 8 s, and told again for each 8 s more without a pause
    assert recogniser.calls == 0 and tab.answers == 0  # no try used


def test_a_missing_or_broken_piece_costs_only_itself(tmp_path):
    ctx = context(tmp_path, Heard("hund"))
    tab = Tab(ctx)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEjunk")

    async def play():
        await tab.piece(str(tmp_path / "gone" / "audio.wav"))
        await tab.piece(str(broken))
        for chunk in cut(said("hund", 1.2)):
            await tab.piece(chunk)

    run(play())
    assert len(tab.shown) == 1 and "I heard" in tab.shown[0]


def test_a_busy_model_is_told_as_queued_and_the_verdict_comes_later(tmp_path, monkeypatch):
    recogniser = Queued()
    ctx = context(tmp_path, recogniser)
    tab = Tab(ctx)

    async def play():
        for chunk in cut(said("hund", 1.2)):
            await tab.piece(chunk)
        assert len(recogniser.futures) == 1 and len(tab.shown) == 1
        assert "before yours" in tab.shown[0] and "about 6 s" in tab.shown[0]
        await tab.piece(cut(said(0.5))[0])
        assert len(tab.shown) == 1  # told once, not on every piece
        recogniser.release("hund")
        await asyncio.sleep(0.01)  # the model's thread hands the transcript to the event loop
        await tab.tick()

    run(play())
    assert len(tab.shown) == 2 and "I heard" in tab.shown[1]


def test_an_event_that_brings_a_stale_state_gets_the_state_after_the_verdict(tmp_path):
    ctx = context(tmp_path, Heard("hund"))
    tab = Tab(ctx)
    before = tab.stored

    async def play():
        for chunk in cut(said("hund", 1.2)):
            await tab.piece(chunk)
        tab.stored = before  # an event that set off before the verdict came back
        for chunk in cut(said("katt", 1.2)):
            await tab.piece(chunk)

    run(play())
    assert len(tab.shown) == 2
    assert tab.answers == 2  # the first verdict was not written over


def test_what_the_microphone_hears_while_listen_plays_is_dropped(tmp_path):
    if not game.voice.espeak():
        pytest.skip("espeak-ng is not installed")
    ctx = context(tmp_path, Heard("hund"))
    tab = Tab(ctx)

    async def play():
        quiet = time.time() + 60
        for chunk in cut(said("hund", 1.2)):  # the speakers, heard by the microphone
            await tab.piece(chunk, quiet=quiet)
        assert tab.shown == []
        for chunk in cut(said("hund", 1.2)):
            await tab.piece(chunk)

    run(play())
    assert len(tab.shown) == 1  # after "Listen" it listens again


def _piece(folder: Path, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "audio.wav"
    path.write_bytes(data)
    return path


def test_old_pieces_and_their_folders_are_swept_and_no_one_elses(tmp_path):
    pieces = StreamPieces(keep=60, every=3600)
    heard = _piece(tmp_path / "aaa", b"one")
    shared = _piece(tmp_path / "bbb", b"two")  # two learners' identical pieces: one file
    other = _piece(tmp_path / "ccc", b"not a heard piece")  # a deck upload, say
    for path in (heard, shared):
        pieces.heard(str(path))
    old = time.time() - 120
    os.utime(heard, (old, old))
    os.utime(shared, (old, old))
    pieces._heard = {path: seen - 120 for path, seen in pieces._heard.items()}
    _piece(tmp_path / "bbb", b"two")  # the other learner's upload writes it again: new time

    assert pieces.sweep() == 1
    assert not heard.exists() and not heard.parent.exists()  # its empty folder too
    assert shared.exists() and other.exists()
    assert pieces.sweep() == 0


def test_a_piece_is_not_deleted_as_soon_as_it_is_heard(tmp_path):
    ctx = context(tmp_path, Heard("hund"))
    tab = Tab(ctx)
    piece = tmp_path / "up" / "audio.wav"
    piece.parent.mkdir()
    soundfile.write(piece, np.zeros(22_050, np.int16), RATE, subtype="PCM_16")

    run(tab.piece(str(piece)))
    assert piece.exists() and len(ctx.pieces) == 1  # another session may hold the same file


def test_a_stream_of_loud_noise_costs_no_try(tmp_path):
    from asr.backends import Decoded

    class Backend:  # the model would write a word, but the no-speech gate comes first
        name, device, precision, window_seconds = "fake", "cpu", "fp32", 30.0

        def decode(self, batch):
            return [Decoded("hund", 2, False) for _ in batch]

    transcriber = asr.Transcriber(asr.TranscriberOptions(model="fake"), Backend())
    ctx = context(tmp_path, transcriber)
    tab = Tab(ctx)
    noise = np.random.default_rng(0).normal(0, 8000, RATE * 10).clip(-32767, 32767)

    async def play():
        for chunk in cut(noise.astype(np.int16)):
            await tab.piece(chunk)

    run(play())
    assert tab.answers == 0
    assert all("I heard" not in shown for shown in tab.shown)


def test_a_piece_that_fails_to_be_heard_does_not_end_the_stream(tmp_path, monkeypatch):
    ctx = context(tmp_path, Heard("hund"))
    tab = Tab(ctx)
    broken = {"first": True}
    feed = handsfree.Hearing.feed

    def flaky(self, piece):
        if broken.pop("first", False):
            raise RuntimeError("the VAD fell over")
        return feed(self, piece)

    monkeypatch.setattr(handsfree.Hearing, "feed", flaky)

    async def play():
        for chunk in cut(said("hund", 1.2)):
            await tab.piece(chunk)  # the first raises inside; the handler must not

    run(play())
    assert len(tab.shown) == 1 and "I heard" in tab.shown[0]


def test_minutes_of_talk_without_a_pause_are_told_every_few_seconds_and_held_in_no_memory(
    tmp_path,
):
    recogniser = Heard("hund")
    ctx = context(tmp_path, recogniser)
    tab = Tab(ctx)
    talk = said(" ".join(["jag pratar och pratar om allt möjligt hela tiden utan paus"] * 36))
    assert len(talk) / RATE > 120  # two minutes and more of talk

    async def play():
        for chunk in cut(talk):
            await tab.piece(chunk)
            speech = tab.hearing.endpointer._speech
            assert speech is None or len(speech.frames) * 512 <= 8.5 * 16_000  # bounded

    run(play())
    told = [shown for shown in tab.shown if "That was long" in shown]
    assert len(told) >= len(talk) / RATE / 8 - 2  # about every 8 s
    assert recogniser.calls == 0 and tab.answers == 0


def shown_on(tab: Tab, recogniser: Idle, chunks) -> list[int]:
    """Stream `chunks`, noting each piece's index for the recogniser; the pieces after which a
    verdict was shown."""
    verdicts = []

    async def play():
        for i, chunk in enumerate(chunks):
            recogniser.piece, before = i, len(tab.shown)
            await tab.piece(chunk)
            if len(tab.shown) > before:
                verdicts.append(i)

    run(play())
    return verdicts


def test_an_idle_model_begins_at_the_first_pause_and_the_verdict_comes_with_the_end(tmp_path):
    recogniser = Idle("hund")
    tab = Tab(context(tmp_path, recogniser))

    verdicts = shown_on(tab, recogniser, cut(said("hund", 1.5)))

    assert len(recogniser.begun) == 1  # one recognition: begun early, taken as the answer's
    assert len(verdicts) == 1 and recogniser.begun[0] < verdicts[0]
    assert tab.answers == 1 and "I heard" in tab.shown[0]
    assert tab.hearing.early.used == 1


def test_a_busy_model_begins_only_when_the_answer_has_ended(tmp_path):
    recogniser = Idle("hund", ahead=1)
    tab = Tab(context(tmp_path, recogniser))

    verdicts = shown_on(tab, recogniser, cut(said("hund", 1.5)))

    assert recogniser.begun == verdicts[:1] and tab.answers == 1
    assert tab.hearing.early.started == 0


def test_speech_after_a_short_pause_drops_the_early_start(tmp_path):
    recogniser = Idle("en hund")
    tab = Tab(context(tmp_path, recogniser))

    # a pause after "en" that begins an early start, short of the hang-over (espeak's own
    # silence around each word included)
    verdicts = shown_on(tab, recogniser, cut(said(0.3, "en", 0.2, "hund", 1.5)))

    assert len(verdicts) == 1 and tab.answers == 1  # one answer, judged once
    assert len(recogniser.begun) == 2 and recogniser.begun[-1] < verdicts[0]
    assert (tab.hearing.early.started, tab.hearing.early.used) == (2, 1)  # the first dropped


def test_no_early_start_when_each_recognition_is_a_wrapped_call(tmp_path, monkeypatch):
    # On ZeroGPU each recognition is a GPU task of its own, outside the model's queue: the queue
    # always reads idle there, and an early start would spend a second task on most answers.
    recogniser = Idle("hund")
    monkeypatch.setattr(handlers, "recognise", lambda model, audio: model.transcribe(audio))
    recogniser.transcribe = lambda audio, sample_rate=None: asr.Transcript("hund", 0.1, 0.1,
                                                                           False)  # fmt: skip
    tab = Tab(context(tmp_path, recogniser))

    verdicts = shown_on(tab, recogniser, cut(said("hund", 1.5)))

    assert len(verdicts) == 1 and tab.answers == 1
    assert tab.hearing.early.started == 0 and recogniser.begun == []


def test_a_wrapped_recognition_runs_in_the_events_context(monkeypatch):
    import contextvars

    visitor = contextvars.ContextVar("visitor", default="nobody")
    monkeypatch.setattr(handlers, "recognise", lambda model, audio: visitor.get())
    visitor.set("the learner")  # what Gradio sets for the event a wrapped call reads
    assert handsfree._submit(object(), "answer.wav").result(timeout=5) == "the learner"
