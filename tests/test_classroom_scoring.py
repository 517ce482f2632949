"""The class's own count of tries, points and streaks (classroom.scoring): the game's rule, fed
only with what the server judged and gave, so an honest learner's class points are the game's."""

from __future__ import annotations

import random

import pytest

import game
from classroom import scoring
from classroom.scoring import Turn


def play(events: str) -> list[tuple[int, int, int, int, bool]]:
    """Run events from a fresh turn: "a=wrong" an answer to card a, "a?" a hint on a, "skip";
    returns (tries, hints, points, streak, card over) of each answer."""
    turn, scored = Turn(), []
    for event in events.split():
        if event == "skip":
            turn = scoring.skipped(turn)
        elif event.endswith("?"):
            turn = scoring.hinted(turn, event[:-1])
        else:
            card, verdict = event.split("=")
            turn, one = scoring.answered(turn, card, verdict)
            scored.append((one.tries, one.hints, one.points, one.streak, one.card_done))
    return scored


RIGHT_IN_A_ROW = [(1, 0, 10 + bonus, n, True) for n, bonus in enumerate([0, 1, 2, 3, 4, 5, 5], 1)]


@pytest.mark.parametrize(
    "events, expected",
    [
        ("a=correct", [(1, 0, 10, 1, True)]),
        ("a=wrong a=correct", [(1, 0, 0, 0, False), (2, 0, 8, 1, True)]),
        ("a? a=correct", [(1, 1, 7, 1, True)]),
        ("a? a? a? a=correct", [(1, 3, 1, 0, True)]),  # the answer was shown: no streak
        ("a=close a=wrong a=wrong", [(1, 0, 0, 0, False), (2, 0, 0, 0, False), (3, 0, 3, 0, True)]),
        ("a=wrong a=wrong a=wrong", [(1, 0, 0, 0, False), (2, 0, 0, 0, False), (3, 0, 0, 0, True)]),
        (" ".join(f"{c}=correct" for c in "abcdefg"), RIGHT_IN_A_ROW),
        ("a=correct b=correct skip c=correct", [(1, 0, 10, 1, True), (1, 0, 11, 2, True),
                                                (1, 0, 10, 1, True)]),
        # a card left unfinished for another was skipped, whatever the browser says
        ("a=correct b=wrong c=correct", [(1, 0, 10, 1, True), (1, 0, 0, 1, False),
                                         (1, 0, 10, 1, True)]),
        # a card answered again after it ended is a new card: a fourth try is never counted
        ("a=wrong a=wrong a=wrong a=wrong", [(1, 0, 0, 0, False), (2, 0, 0, 0, False),
                                             (3, 0, 0, 0, True), (1, 0, 0, 0, False)]),
        ("a=correct a=correct", [(1, 0, 10, 1, True), (1, 0, 11, 2, True)]),
    ],
)  # fmt: skip
def test_the_class_counts_each_answer(events: str, expected: list) -> None:
    assert play(events) == expected


def test_a_list_of_guesses_earns_no_close_card() -> None:
    turn = Turn()
    for _ in range(3):
        turn, last = scoring.answered(turn, "a", "close", close_counts=False)
    assert (last.points, last.card_done) == (0, True)


@pytest.mark.parametrize(
    "last, turn",
    [
        (("a", "correct", 1, 0, 4), Turn(streak=4)),
        (("a", "wrong", 3, 0, 0), Turn()),
        (("a", "close", 2, 1, 3), Turn("a", 2, 1, True, 3)),
    ],
)
def test_a_rejoin_goes_on_from_the_last_recorded_answer(last, turn) -> None:
    assert scoring.resumed(*last) == turn


WORDS = ("hund", "katt", "häst", "fisk", "ko", "gris")
SAID = {  # what the learner says to card `w`, by what the step is
    "right": lambda w: f"en {w}",
    "close": lambda w: f"ett {w}",
    "several": lambda w: f"katt, {w}, häst",
    "wrong": lambda w: "elefant",
}


@pytest.mark.parametrize("seed", range(40))
def test_an_honest_learner_gets_the_games_own_points_and_streak(seed: int) -> None:
    """A random round played through `game`, its events fed to the class's count as the app
    feeds them: every answer that ends a card earns the class what it earned in the game."""
    rng = random.Random(seed)
    deck = game.Deck("Djur", tuple(game.Card(w, "en") for w in WORDS))
    state = game.start_round(game.GameState(), deck, seed=seed, size=len(WORDS))
    turn = Turn()
    while (card := game.current_card(state, deck)) is not None:
        step = rng.choice(["right", "close", "several", "wrong", "wrong", "hint", "skip"])
        if step == "hint":
            state, _ = game.hint(state, deck)
            turn = scoring.hinted(turn, card.id)
            continue
        if step == "skip":
            state, _ = game.skip(state, deck)
            turn = scoring.skipped(turn)
            assert state.round is not None and state.round.streak == turn.streak == 0
            continue
        state, feedback = game.answer(state, deck, SAID[step](card.answer), typed=True)
        judgement = feedback.judgement
        assert judgement is not None and state.round is not None
        close_counts = judgement.reason is not game.Reason.SEVERAL
        turn, scored = scoring.answered(turn, card.id, judgement.verdict, close_counts=close_counts)
        assert scored.card_done == feedback.card_done
        assert scored.points == (feedback.points if feedback.card_done else 0)
        assert scored.streak == state.round.streak
        done = state.round.results[-1] if feedback.card_done else None
        assert scored.tries == (done.tries if done else state.round.turn.tries)
