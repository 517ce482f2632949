"""`python -m bench class`: a class of N hands-free learners, every microphone open at once.

Each learner is a browser tab streaming through Gradio's own protocol (`bench.streaming`): a
piece of 0.5 s of 48 kHz 16-bit WAV every half second, held back and sent together while the
server still handles the one before, as Gradio's recorder does. Each says a deck word (espeak-ng)
every `period` seconds, between stretches of quiet room noise; the tabs start a little apart.

For every learner and answer: the wait from the true end of the word to the verdict; that the
verdict is on the learner's own round (`bench.players.check_reply`: not another learner's state,
not judged on another card, none lost); and the learner's first verdict, which must come within
`late_after` seconds of its first word (a microphone that waits for another to close is caught
here). Meanwhile one press-to-record answer is sent, and its wait is reported too.

`run_class` drives an app that is already up (the tests launch one in-process); `main` starts
`app.py` with a tiny or random-weight model as `bench load` does, and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import struct
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

import game
from bench.players import NOT_JUDGED, Kind, check_reply
from bench.streaming import App, Session, StreamClosed

RATE = 48_000  # the browser's microphone rate
PIECE = 0.5  # seconds per streamed piece (the app's stream_every)
REPLY_TIMEOUT = 120.0  # seconds a tab waits for the reply to one piece


@dataclass(frozen=True)
class ClassOptions:
    learners: tuple[int, ...] = (1, 10, 30, 60)  # class sizes, one run each
    answers: int = 3  # words each learner says
    period: float = 8.0  # seconds from one word to the next
    late_after: float = 10.0  # a first verdict later than this after the first word is late
    tail: float = 6.0  # seconds of quiet streamed after the last word, for its verdict
    drain: float = 60.0  # seconds more the microphone stays open for verdicts still queued
    same_bytes: bool = False  # every learner streams the very same bytes (two muted microphones)


@dataclass
class Learner:
    """What one tab saw."""

    waits: list[float] = field(default_factory=list)  # end of a word → its verdict, seconds
    kinds: Counter[Kind] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    first_verdict: float | None = None  # seconds after the end of the first word
    queued_notes: int = 0  # "checking your answer" notes seen
    error: str = ""


@dataclass
class ClassRun:
    """One class size: every learner, and the press-to-record answer sent meanwhile."""

    size: int
    answers: int
    learners: list[Learner]
    wall_s: float
    late_after: float
    press_s: float | None = None  # the press-to-record answer's wait, seconds
    press_error: str = ""  # why the press-to-record answer got no reply (step and error)
    peak_mb: float = float("nan")

    @property
    def waits(self) -> list[float]:
        return [w for learner in self.learners for w in learner.waits]

    @property
    def verdicts(self) -> int:
        return len(self.waits)

    @property
    def lost(self) -> int:
        return self.size * self.answers - self.verdicts

    @property
    def crossed(self) -> int:
        return sum(one.kinds[Kind.LEAK] + one.kinds[Kind.CROSSED] for one in self.learners)

    @property
    def late(self) -> int:
        firsts = [one.first_verdict for one in self.learners]
        return sum(first is None or first > self.late_after for first in firsts)

    @property
    def errors(self) -> list[str]:
        return [one.error for one in self.learners if one.error]

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.crossed or self.late or self.errors) or self.press_s is None


def stream_signal(words: list[np.ndarray], lead: float, options: ClassOptions, seed: int):
    """A learner's whole microphone signal (int16 at RATE) and where each word ends (s)."""
    rng = np.random.default_rng(seed)
    parts, ends, at = [np.zeros(int(lead * RATE), np.float32)], [], lead
    for word in words:
        gap = max(options.period - len(word) / RATE, 1.5)
        parts += [word, np.zeros(int(gap * RATE), np.float32)]
        loud = np.flatnonzero(np.abs(word) > 0.01)
        ends.append(at + (loud[-1] + 1) / RATE)
        at += (len(word) + int(gap * RATE)) / RATE
    parts.append(np.zeros(int(options.tail * RATE), np.float32))
    signal = np.concatenate(parts) + rng.normal(0, 3e-4, sum(map(len, parts)))
    return np.round(np.clip(signal, -1, 1) * 32767).astype("<i2"), ends


def wav_header(samples: int) -> bytes:
    """The browser's 44-byte header, sized for its first piece (later pieces go under it)."""
    size = samples * 2
    header = b"RIFF" + struct.pack("<I", size + 36) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16) + b"data"
    return header + struct.pack("<I", size)


class Tab:
    """One learner's tab: a session, its round, and its stream."""

    def __init__(self, http: httpx.AsyncClient, app: App, deck: str, drain: float) -> None:
        self.session = Session(http, app)
        self.drain = drain
        self.app, self.deck = app, deck
        self.live = app.component("live")
        self.stream = app.event(trigger=(self.live, "stream"))
        self.feedback = app.component("feedback")
        self.browser = app.event(api_name="new_round").outputs[1]  # the state the browser keeps
        self.ready = self.stream.outputs[1]  # a gr.State whose change shows the verdicts
        self.show = app.event(trigger=(self.ready, "change"))
        self.mine: game.session.Round | None = None
        self.shows: list[asyncio.Task] = []

    async def begin(self) -> None:
        new_round = self.app.event(api_name="new_round")
        deck_menu = new_round.inputs[1]
        out = await self.session.call(new_round, {deck_menu: self.deck})
        self.mine = game.from_dict(out[new_round.place(self.browser)]).round
        auto = next(c for c in self.show.inputs if self.app.components[c]["type"] == "checkbox")
        self.values = {deck_menu: self.deck, auto: True}  # the next picture automatically

    async def speak(self, signal: np.ndarray, ends: list[float], learner: Learner) -> None:
        """Stream `signal` in real time; note each verdict against the word it answers."""
        step = int(PIECE * RATE)
        header = wav_header(step)
        pieces = [signal[i : i + step] for i in range(0, len(signal), step)]
        quiet = signal[-step:]  # after the signal, the room goes on as it ended
        last = len(pieces) + int(self.drain / PIECE)
        started, sent, event_id = time.monotonic(), 0, None
        try:
            while sent < last and len(learner.waits) < len(ends) and not learner.error:
                ready = min(last, int((time.monotonic() - started) / PIECE))
                if ready <= sent:
                    await asyncio.sleep(started + (sent + 1) * PIECE - time.monotonic())
                    continue
                said = [pieces[i] if i < len(pieces) else quiet for i in range(sent, ready)]
                body = header + b"".join(p.tobytes() for p in said)
                sent = ready
                values = {self.live: await self.session.upload(body)}
                if event_id is None:
                    event_id = await self.session.open(self.stream, values)
                else:
                    await self.session.send(self.stream, event_id, values)
                reply = await self.session.reply(event_id, REPLY_TIMEOUT)
                if reply.get("msg") == "process_completed":
                    raise StreamClosed(f"the server ended the stream: {reply.get('output')}")
                if self.ready in (reply.get("output") or {}).get("changed_state_ids") or []:
                    # As the browser does: the state's change event runs beside the stream.
                    self.shows.append(asyncio.create_task(self._show(ends, started, learner)))
            await asyncio.gather(*self.shows)
        except (StreamClosed, TimeoutError, httpx.HTTPError, RuntimeError) as e:
            learner.error = f"{type(e).__name__}: {e}"
        finally:
            if event_id is not None:
                await self.session.close(event_id)
            await self.session.stop()

    async def _show(self, ends: list[float], started: float, learner: Learner) -> None:
        try:
            data = await self.session.call(self.show, self.values, timeout=REPLY_TIMEOUT)
        except (TimeoutError, httpx.HTTPError, RuntimeError) as e:
            learner.error = f"{type(e).__name__}: {e}"
            return
        self._take(data, ends, started, learner)

    def _take(self, data: list, ends: list[float], started: float, learner: Learner) -> None:
        feedback = data[self.show.place(self.feedback)] if data else None
        if not isinstance(feedback, str):
            return
        if "feedback note" in feedback and not any(m in feedback.lower() for m in NOT_JUDGED):
            learner.queued_notes += 1  # "I heard you: checking…"; the verdict comes later
            return
        state = data[self.show.place(self.browser)]
        # One screen may show the last of several verdicts: pieces held back by a busy server
        # can end two answers at once, and both are judged, in order.
        added = _answers_added(self.mine, state)
        for _ in range(added - 1):
            self._waited(ends, started, learner)
            learner.kinds[Kind.OK] += 1
        word = self._waited(ends, started, learner)
        check = check_reply(self._before_last(state, added), state, feedback)
        learner.kinds[check.kind] += 1
        if check.detail:
            learner.problems.append(f"answer {word + 1}: {check.kind}: {check.detail}")
        if check.round is not None and check.kind in (Kind.OK, Kind.NO_SPEECH):
            self.mine = check.round

    def _waited(self, ends: list[float], started: float, learner: Learner) -> int:
        """Note a verdict's wait, against the word it answers; that word's index."""
        word = len(learner.waits)
        wait = time.monotonic() - started - ends[min(word, len(ends) - 1)]
        learner.waits.append(wait)
        if learner.first_verdict is None:
            learner.first_verdict = wait
        return word

    def _before_last(self, state: object, added: int) -> game.session.Round:
        """The learner's round as it stood before the screen's last verdict: its own round,
        moved on by the `added` - 1 verdicts shown with it (checked by `check_reply` as one)."""
        got = game.from_dict(state).round
        if added <= 1 or got is None or got.results[: len(self.mine.results)] != self.mine.results:
            return self.mine
        return _rewind(got)


def _answers(round_: game.session.Round | None) -> int:
    """Answers a round took: tries on its finished cards and on the card now."""
    if round_ is None:
        return 0
    return sum(result.tries for result in round_.results) + round_.turn.tries


def _answers_added(mine: game.session.Round, state: object) -> int:
    """Answers a screen's state holds beyond `mine`; 1 where it is not the learner's round."""
    got = game.from_dict(state).round
    if got is None or got.queue != mine.queue:
        return 1  # another learner's round, or none: `check_reply` says which
    return max(1, _answers(got) - _answers(mine))


def _rewind(got: game.session.Round) -> game.session.Round:
    """`got` one answer back: the state a one-answer check starts from."""
    from dataclasses import replace

    if got.turn.tries > 0:
        turn = replace(got.turn, tries=got.turn.tries - 1, heard=got.turn.heard[:-1])
        return replace(got, turn=turn)
    last = got.results[-1]
    turn = game.session.Turn(tries=last.tries - 1, hints=last.hints, heard=last.heard[:-1])
    return replace(got, position=got.position - 1, results=got.results[:-1], turn=turn)


class PressFailed(RuntimeError):
    """The press-to-record answer got no reply; the message says at which step and why."""


async def press_answer(http: httpx.AsyncClient, app: App, deck: str, wav: bytes) -> float:
    """One press-to-record answer (its own tab), and how long it took."""
    session = Session(http, app)
    step = "new round"
    try:
        new_round = app.event(api_name="new_round")
        await session.call(new_round, {new_round.inputs[1]: deck})
        answer = app.event(api_name="answer_audio")
        started = time.monotonic()
        step = "upload"
        recording = await session.upload(wav)
        values = {answer.inputs[0]: recording, answer.inputs[2]: deck, answer.inputs[5]: True}
        step = "answer"
        await session.call(answer, values, timeout=REPLY_TIMEOUT)
        return time.monotonic() - started
    except (TimeoutError, httpx.HTTPError, RuntimeError) as e:
        raise PressFailed(f"{step}: {type(e).__name__}: {e}") from e
    finally:
        await session.stop()


async def run_class(url: str, size: int, deck: str, words: list[np.ndarray], press: bytes,
                    options: ClassOptions = ClassOptions()) -> ClassRun:  # fmt: skip
    """`size` learners streaming at once against the app at `url`."""
    limits = httpx.Limits(max_connections=4 * size + 8, max_keepalive_connections=2 * size + 8)
    async with httpx.AsyncClient(timeout=60, limits=limits, trust_env=False) as http:
        app = await App.read(http, url)
        tabs = [Tab(http, app, deck, options.drain) for _ in range(size)]
        await asyncio.gather(*(tab.begin() for tab in tabs))
        learners = [Learner() for _ in range(size)]
        started = time.monotonic()
        streams = []
        for i, (tab, learner) in enumerate(zip(tabs, learners, strict=True)):
            said = [words[(i + k) % len(words)] for k in range(options.answers)]
            lead = 0.5 + (i % 8) * 0.25  # the class does not start on one beat
            if options.same_bytes:
                said, lead = [words[k % len(words)] for k in range(options.answers)], 0.5
            signal, ends = stream_signal(said, lead, options, seed=0 if options.same_bytes else i)
            streams.append(tab.speak(signal, ends, learner))

        async def pressed() -> tuple[float | None, str]:
            await asyncio.sleep(options.period)  # while every microphone is open
            try:
                return await press_answer(http, app, deck, press), ""
            except PressFailed as e:
                return None, str(e)

        *_, (press_s, press_error) = await asyncio.gather(*streams, pressed())
        return ClassRun(size, options.answers, learners, time.monotonic() - started,
                        options.late_after, press_s, press_error=press_error)  # fmt: skip


def spoken_words(deck: game.Deck, folder: Path) -> list[np.ndarray]:
    """espeak-ng's Swedish for the deck's first words, float32 at RATE."""
    import soundfile
    import soxr

    from bench.load import recordings

    words = []
    for path in recordings(deck, folder):
        samples, rate = soundfile.read(path, dtype="float32")
        words.append(soxr.resample(samples, rate, RATE).astype(np.float32))
    return words


def table(runs: list[ClassRun]) -> str:
    from bench.load import _percentile

    lines = [
        "| learners | answers | verdicts | p50 s | p95 s | max s | answers/s | told queued "
        "| late | lost | crossed | errors | press-to-record s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        waits = run.waits
        press = f"{run.press_s:.2f}" if run.press_s is not None else "failed"
        told = sum(one.queued_notes for one in run.learners)
        lines.append(
            f"| {run.size} | {run.size * run.answers} | {run.verdicts} "
            f"| {_percentile(waits, 50):.2f} | {_percentile(waits, 95):.2f} "
            f"| {max(waits, default=float('nan')):.2f} | {run.verdicts / run.wall_s:.2f} "
            f"| {told} | {run.late} | {run.lost} | {run.crossed} | {len(run.errors)} | {press} "
            f"| {run.peak_mb:.0f} |"
        )
    lines += [f"\npress-to-record failed at {run.size} learners: {run.press_error}"
              for run in runs if run.press_error]  # fmt: skip
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = ClassOptions()
    add = parser.add_argument
    add("--learners", default=",".join(map(str, d.learners)), help="class sizes (1,10,30,60)")
    add("--answers", type=int, default=d.answers, help="words per learner (default 3)")
    add("--period", type=float, default=d.period, help="seconds between a learner's words (8)")
    add("--late-after", type=float, default=d.late_after, metavar="S",
        help="a first verdict later than this after the first word fails the run (10)")  # fmt: skip
    add("--drain", type=float, default=d.drain, metavar="S",
        help="seconds a microphone stays open after its last word for queued verdicts")  # fmt: skip
    add("--model", metavar="DIR", help="a real checkpoint instead of random weights")
    add("--model-size", choices=["tiny", "base", "small"], default="tiny")
    add("--window", type=int, choices=[30, 5], default=30, help="encoder window, seconds")
    add("--backend", choices=["ctranslate2", "transformers", "auto"], default="auto")
    add("--cache", type=Path, metavar="DIR", help="where random-weight models are kept")
    add("--log", type=Path, metavar="FILE", help="also write the app's log to FILE")


def say(text: str) -> None:
    print(f"[bench class] {text}", file=sys.stderr, flush=True)


def main(args: argparse.Namespace) -> int:
    """Run each class size against one app; print the table; 1 if any run failed."""
    from bench.load import LoadOptions, first_deck, machine, model_for
    from bench.server import AppServer, ServerError

    try:
        sizes = tuple(int(n) for n in args.learners.split(","))
        if min(sizes) < 1 or args.answers < 1 or args.period < 3:
            raise ValueError
    except ValueError:
        print("error: --learners like 1,10,30; --answers >= 1; --period >= 3 s", file=sys.stderr)
        return 2
    options = ClassOptions(sizes, args.answers, args.period, args.late_after, drain=args.drain)
    load = LoadOptions(model=args.model, model_size=args.model_size, window=args.window,
                       backend=args.backend, cache=args.cache)  # fmt: skip
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    runs: list[ClassRun] = []
    path_line = ""
    try:
        deck = first_deck(load)
        model, description = model_for(load)
        with tempfile.TemporaryDirectory(prefix="bench-class-") as scratch:
            words = spoken_words(deck, Path(scratch))
            press = (Path(scratch) / "0.wav").read_bytes()
            app_args = ["--model", model, "--backend", args.backend]
            with AppServer(app_args, args.log) as server:
                say(f"starting app.py {' '.join(app_args)} on {server.url}")
                server.wait_ready(600, model=True)
                chosen = [line for line in server.tail if "on this CPU" in line]
                path_line = chosen[-1].split(": ", 1)[-1].strip(" |") if chosen else ""
                for size in sizes:
                    server.reset_peak()
                    say(f"{size} learners, {options.answers} words each, every microphone open")
                    run = asyncio.run(run_class(server.url, size, deck.name, words, press, options))
                    run.peak_mb = server.peak_mb()
                    runs.append(run)
                    _report(run)
    except (ServerError, RuntimeError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(table(runs), end="")
    print(f"\n{machine(description)} {options.answers} words per learner, one every "
          f"{options.period:.0f} s; pieces of {PIECE} s at {RATE} Hz.")  # fmt: skip
    if path_line:
        print(f"The app's path: {path_line}")
    return 1 if any(run.failed for run in runs) else 0


def _report(run: ClassRun) -> None:
    waits = run.waits
    median = statistics.median(waits) if waits else float("nan")
    say(
        f"{run.size} learners: {run.verdicts} verdicts of {run.size * run.answers}, median "
        f"{median:.2f} s, late {run.late}, crossed {run.crossed}, errors {len(run.errors)}"
    )
    for learner in run.learners:
        for line in ([learner.error] if learner.error else []) + learner.problems[:2]:
            say(f"  {line}")
