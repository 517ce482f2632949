"""`python -m bench load`'s checker and player loop, offline: no model, no server.

The check function is table-driven; the player loop runs against fake servers, one that keeps the
players' states apart and one that shares a single state among all of them (as a batched Gradio
handler does): the leak check must pass the first and catch the second.
"""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import replace

import pytest

import game
from bench import players
from bench.players import Kind, check_reply, play_burst
from game.session import CardResult, Outcome, Round, Turn
from tests.conftest import API_SCREEN

DECK = "Djur"
CARDS = [f"card{i}" for i in range(20)]
JUDGED = "<div class='feedback verdict-wrong'>✗ Not quite. Try again (2 tries left).</div>"
MINE = Round(
    deck=DECK,
    queue=("katt", "hund", "bi"),
    position=1,
    turn=Turn(tries=1, heard=("hund?",)),
    results=(CardResult("katt", Outcome.CORRECT, 10, 1, 0, ("katt",)),),
)


def reply(round_: Round) -> dict:
    return game.to_dict(game.GameState(round=round_))


def one_more_try(r: Round, heard: str = "hunden") -> Round:
    return replace(r, turn=replace(r.turn, tries=r.turn.tries + 1, heard=(*r.turn.heard, heard)))


def finished_card(r: Round, card: str | None = None) -> Round:
    card = card or r.current
    turn = one_more_try(r).turn
    result = CardResult(card, Outcome.MISSED, 0, turn.tries, 0, turn.heard)
    return replace(r, position=r.position + 1, turn=Turn(), results=(*r.results, result))


@pytest.mark.parametrize(
    ("came_back", "feedback", "kind"),
    [
        (one_more_try(MINE), JUDGED, Kind.OK),
        (finished_card(MINE), JUDGED, Kind.OK),
        (replace(MINE, queue=("bi", "hund", "katt")), JUDGED, Kind.LEAK),
        (replace(MINE, deck="Mat"), JUDGED, Kind.LEAK),
        (replace(one_more_try(MINE), turn=Turn(tries=2, heard=("ko", "x"))), JUDGED, Kind.LEAK),
        (replace(MINE, results=(CardResult("katt", Outcome.SKIPPED, 0, 0, 0),)), "", Kind.LEAK),
        (finished_card(MINE, card="bi"), JUDGED, Kind.CROSSED),
        (finished_card(finished_card(MINE)), JUDGED, Kind.CROSSED),
        (MINE, JUDGED, Kind.LOST),
        (MINE, "<div class='feedback'>There is no card to answer: start a round.</div>", Kind.LOST),
        (replace(MINE, turn=Turn()), JUDGED, Kind.LOST),
        (replace(MINE, position=0, turn=Turn(), results=()), JUDGED, Kind.LOST),
        (MINE, "<div class='feedback verdict-no_speech'>… I didn't hear a word.", Kind.NO_SPEECH),
        (MINE, "<div class='feedback'>Nothing was recorded. Press record.</div>", Kind.NO_SPEECH),
        (MINE, "<div class='feedback'>⌨️ No speech model: type your answers.</div>", Kind.NO_SPEECH),
    ],
    ids=[
        "own-try", "own-card-done", "other-queue", "other-deck", "other-turn", "other-history",
        "result-for-other-card", "two-cards-at-once", "unchanged",
        "unchanged-no-card", "turn-went-back", "round-went-back", "no-speech", "nothing-recorded",
        "no-model",
    ],
)  # fmt: skip
def test_check_reply(came_back, feedback, kind):
    assert check_reply(MINE, reply(came_back), feedback).kind is kind


def test_two_tries_for_one_answer_are_crossed():
    fresh = replace(MINE, turn=Turn())
    assert check_reply(fresh, reply(one_more_try(one_more_try(fresh))), JUDGED).kind is Kind.CROSSED


def test_a_reply_without_a_round_is_lost():
    assert check_reply(MINE, {}, JUDGED).kind is Kind.LOST


def test_the_advanced_round_comes_back_for_the_next_check():
    check = check_reply(MINE, reply(finished_card(MINE)), JUDGED)
    assert check.round is not None and check.round.position == 2
    assert check_reply(check.round, reply(one_more_try(check.round)), JUDGED).kind is Kind.OK


class FakeServer:
    """The app's /new_round and /answer_audio over game states; `shared` keeps one for everyone."""

    def __init__(self, shared: bool) -> None:
        self.shared = shared
        self.lock = threading.Lock()
        self.states: dict[int, game.GameState] = {}
        self.rng = random.Random(0)
        self.sessions = itertools.count()

    def client(self, url: str) -> FakeClient:
        return FakeClient(self, 0 if self.shared else next(self.sessions))

    def call(self, session: int, api_name: str, args: tuple) -> tuple:
        with self.lock:
            if api_name == "/new_round":
                queue = tuple(self.rng.sample(CARDS, 10))
                state = game.GameState(round=Round(deck=args[0], queue=queue))
            else:
                round_ = self.states[session].round
                step = finished_card if round_.turn.tries == 2 else one_more_try
                state = replace(self.states[session], round=step(round_))
            self.states[session] = state
            return (game.to_dict(state), None, "", JUDGED, "", None, None)


class FakeClient:
    def __init__(self, server: FakeServer, session: int) -> None:
        self.server, self.session = server, session

    def predict(self, *args, api_name: str):
        return self.server.call(self.session, api_name, args)


@pytest.fixture
def wav(tmp_path):
    path = tmp_path / "answer.wav"
    path.write_bytes(b"RIFF")  # the fakes never read it; handle_file wants it to exist
    return path


@pytest.mark.parametrize("players", [1, 6])
def test_states_kept_apart_pass(wav, players):
    server = FakeServer(shared=False)
    burst = play_burst("fake", players, 4, DECK, [wav], client_factory=server.client)
    assert burst.answers == 4 * players and len(burst.latencies) == 4 * players
    assert burst.kinds[Kind.OK] == 4 * players, burst.problems
    assert not burst.failed and not burst.errors and burst.wall_s > 0


def test_one_state_shared_by_all_players_is_caught(wav):
    server = FakeServer(shared=True)
    burst = play_burst("fake", 6, 3, DECK, [wav], client_factory=server.client)
    assert burst.answers == 18
    assert burst.kinds[Kind.LEAK] > 0, burst.kinds
    assert burst.failed and burst.problems


def test_a_failing_client_is_an_error_not_a_hang(wav):
    def broken(url):
        raise ConnectionError("refused")

    burst = play_burst("fake", 3, 2, DECK, [wav], client_factory=broken)
    assert burst.answers == 0 and len(burst.errors) == 3 and burst.failed
    assert "ConnectionError: refused" in burst.errors[0]


def test_the_load_client_reads_the_state_and_the_feedback_where_the_app_sends_them():
    assert API_SCREEN[players.STATE] == "browser"
    assert API_SCREEN[players.FEEDBACK] == "feedback"
