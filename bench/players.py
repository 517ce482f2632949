"""Concurrent spoken players, and the check that each one got only its own game back.

A player remembers its own round (the last reply it judged its own). `check_reply` compares a
reply with it: the same queue (rounds are shuffled per player, and `play_burst` makes every
player's queue unique), an unchanged history, and exactly one answer more, on the card the player
was on. The player loop takes a client factory, so tests drive it with fake servers.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import game
from game.session import Round

ANSWER_API = "/answer_audio"
NEW_ROUND_API = "/new_round"
STATE, FEEDBACK = 0, 3  # where the browser state and the feedback HTML are in a reply
# Feedback that says the recording was not judged (no speech, unusable audio, no model): an
# unchanged state is then the right answer, not a lost one. Strings from game/judge.py, app.py,
# asr/audio.py and asr/errors.py.
NOT_JUDGED = (
    "verdict-no_speech",
    "hear a word",
    "nothing was recorded",
    "type your answers",
    "no audio",
    "cannot decode",
    "answers can be at most",
)
FIRST_TRIES = 20  # new rounds a player draws at most to get a queue no other player has
BARRIER_TIMEOUT = 900.0  # seconds; a stuck player must not hang the others for ever


class Kind(StrEnum):
    """What a reply to one answer was."""

    OK = "ok"  # the player's own round, one answer on: judged against its own card
    NO_SPEECH = "no-speech"  # its own round, unchanged, and the feedback says why
    LEAK = "leak"  # another player's round (queue or history): state returned to the wrong player
    CROSSED = "crossed"  # its own round, but judged against another card or with others' answers
    LOST = "lost"  # its own round without the answer (unchanged, or gone back)


PROBLEMS = (Kind.LEAK, Kind.CROSSED, Kind.LOST)


@dataclass(frozen=True)
class Check:
    kind: Kind
    detail: str = ""
    round: Round | None = None
    """The round that came back, when there was one."""


def check_reply(mine: Round, state: object, feedback: str) -> Check:
    """Judge the browser state that came back after answering on `mine`, the player's round."""
    got = game.from_dict(state).round
    if got is None:
        return Check(Kind.LOST, "the reply holds no round (or a damaged one)")
    if got.deck != mine.deck or got.queue != mine.queue:
        return Check(Kind.LEAK, "state returned to the wrong player (another queue)", got)
    old, new = mine.results, got.results
    if new[: len(old)] != old:
        if old[: len(new)] == new:
            return Check(Kind.LOST, "the round went back: an earlier answer was lost", got)
        return Check(Kind.LEAK, "state returned to the wrong player (another history)", got)
    added = len(new) - len(old)
    if added == 0:
        return _same_card(mine, got, feedback)
    if added > 1 or got.position != mine.position + 1:
        return Check(Kind.CROSSED, f"one answer finished {added} cards", got)
    result = new[-1]
    if result.card_id != mine.current:
        detail = f"judged against another player's card ({result.card_id}, not {mine.current})"
        return Check(Kind.CROSSED, detail, got)
    if result.heard[: len(mine.turn.heard)] != mine.turn.heard:
        return Check(Kind.LEAK, "state returned to the wrong player (another turn)", got)
    if result.tries != mine.turn.tries + 1:
        return Check(Kind.CROSSED, _extra_tries(result.tries - mine.turn.tries), got)
    return Check(Kind.OK, "", got)


def _same_card(mine: Round, got: Round, feedback: str) -> Check:
    """No card finished: the turn must have grown by exactly this one answer."""
    if got.position != mine.position:
        return Check(Kind.CROSSED, "the card moved on without a result", got)
    before, after = mine.turn, got.turn
    if after.heard[: len(before.heard)] != before.heard:
        if before.heard[: len(after.heard)] == after.heard:
            return Check(Kind.LOST, "the turn went back: an earlier answer was lost", got)
        return Check(Kind.LEAK, "state returned to the wrong player (another turn)", got)
    extra = after.tries - before.tries
    if extra == 1:
        return Check(Kind.OK, "", got)
    if extra > 1:
        return Check(Kind.CROSSED, _extra_tries(extra), got)
    if any(marker in feedback.lower() for marker in NOT_JUDGED):
        return Check(Kind.NO_SPEECH, "", got)
    return Check(Kind.LOST, "the answer left the state unchanged", got)


def _extra_tries(tries: int) -> str:
    return f"{tries} tries counted for one answer: another player's answer judged on this card"


class Client(Protocol):
    """What the player loop needs of `gradio_client.Client`."""

    def predict(self, *args: Any, api_name: str) -> Any: ...


ClientFactory = Callable[[str], Client]


def gradio_client(url: str) -> Client:
    """A real client: one `gradio_client.Client` is one browser session."""
    from gradio_client import Client as GradioClient

    return GradioClient(url, verbose=False)


@dataclass
class Burst:
    """What one burst of concurrent players saw, all players together."""

    players: int
    answers: int = 0  # replies that came back (errors excluded)
    latencies: list[float] = field(default_factory=list)  # seconds per /answer_audio call
    kinds: Counter[Kind] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "player 3, answer 2: leak: …"
    wall_s: float = 0.0  # first answers sent → last reply back
    redraws: int = 0  # new rounds drawn again because another player had the same queue
    records: tuple[int, int] | None = None  # class mode: (answers recorded, expected) so far

    @property
    def answers_per_s(self) -> float:
        return self.answers / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def failed(self) -> bool:
        lost_records = self.records is not None and self.records[0] != self.records[1]
        return bool(self.errors) or any(self.kinds[k] for k in PROBLEMS) or lost_records


class _Queues:
    """The queues handed out so far, so that no two players of a burst share one."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: set[tuple[str, ...]] = set()

    def claim(self, queue: tuple[str, ...]) -> bool:
        with self.lock:
            if queue in self.seen:
                return False
            self.seen.add(queue)
            return True


def _new_round(client: Client, deck: str, queues: _Queues, burst: Burst, lock) -> Round:
    for _ in range(FIRST_TRIES):
        reply = client.predict(deck, api_name=NEW_ROUND_API)
        round_ = game.from_dict(reply[STATE]).round
        if round_ is None:
            raise RuntimeError(f"{NEW_ROUND_API} gave no round: {reply[FEEDBACK]!r}")
        if queues.claim(round_.queue):
            return round_
        with lock:
            burst.redraws += 1
    raise RuntimeError(f"no unique queue after {FIRST_TRIES} new rounds: is the deck too small?")


def play_burst(
    url: str,
    players: int,
    answers: int,
    deck: str,
    wavs: Sequence[Path],
    client_factory: ClientFactory = gradio_client,
    progress: Callable[[str], None] | None = None,
    first: Callable[[Client, int], None] | None = None,
) -> Burst:
    """`players` players in threads; every answer round starts at one instant (a barrier).

    `progress` hears a line as each answer round starts; `first(client, i)` runs for each
    player before its round (class mode: join the class).
    """
    from gradio_client import handle_file

    burst = Burst(players)
    lock = threading.Lock()
    queues = _Queues()
    started: list[float] = []
    ended: list[float] = []

    def all_ready() -> None:  # runs once per answer round, as the barrier opens
        started.append(time.perf_counter())
        if progress is not None:
            progress(f"{players} players: answer {len(started)} of {answers}")

    barrier = threading.Barrier(players, action=all_ready)

    def note(kind: str, text: str) -> None:
        with lock:
            (burst.errors if kind == "error" else burst.problems).append(text)

    def player(i: int) -> None:
        client: Client | None = None
        mine: Round | None = None
        try:
            client = client_factory(url)
            if first is not None:
                first(client, i)
            mine = _new_round(client, deck, queues, burst, lock)
        except Exception as e:
            note("error", f"player {i}, start: {type(e).__name__}: {e}")
            client = None
        for k in range(answers):
            try:
                barrier.wait(BARRIER_TIMEOUT)
            except threading.BrokenBarrierError:
                note("error", f"player {i}, answer {k + 1}: the others never came (barrier)")
                return
            if client is None or mine is None:
                continue
            wav = wavs[(i + k) % len(wavs)]
            begun = time.perf_counter()
            try:
                if mine.finished:  # a long run: play on in a fresh round
                    mine = _new_round(client, deck, queues, burst, lock)
                    begun = time.perf_counter()
                reply = client.predict(handle_file(str(wav)), deck, True, api_name=ANSWER_API)
                check = check_reply(mine, reply[STATE], str(reply[FEEDBACK] or ""))
            except Exception as e:
                note("error", f"player {i}, answer {k + 1}: {type(e).__name__}: {e}")
                continue
            now = time.perf_counter()
            with lock:
                burst.answers += 1
                burst.latencies.append(now - begun)
                burst.kinds[check.kind] += 1
                ended.append(now)
            if check.kind in PROBLEMS:
                note("problem", f"player {i}, answer {k + 1}: {check.kind}: {check.detail}")
            elif check.round is not None:
                mine = check.round

    threads = [
        threading.Thread(target=player, args=(i,), name=f"player-{i}", daemon=True)
        for i in range(players)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if started and ended:
        burst.wall_s = max(ended) - started[0]
    return burst
