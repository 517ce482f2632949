"""A student's class points and streak, counted by the server from what it judged and gave.

A learner's game state lives in their browser, and anyone can send the app a state of their
own making (a streak of 1000, a card with no tries used). So nothing a class records comes from
that state: the server keeps its own `Turn` per student and moves it on with what it saw itself,
a judged answer (`answered`), a hint it gave (`hinted`), a card skipped (`skipped`), and scores
by the game's own rule (`game.session`'s constants: 10 right first time, 2 less a try, 3 less a
hint, at least 2; 1 once the answer was shown; a card that ends close at most 3; one more for
each right card in a row after the first, up to 5).

What the server cannot see, it counts the strict way: a card left for another without an end
(the learner skipped it, or reloaded) was skipped, so the streak starts again; a streak runs
across rounds (where a round ends is the browser's to say). Steps are pure: `(turn, event) ->
(turn, scored)`, so the rule is tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from game.session import (
    CLOSE_POINTS,
    HINT_COST,
    HINT_LEVELS,
    MAX_TRIES,
    MIN_RIGHT_POINTS,
    RIGHT_POINTS,
    SHOWN_POINTS,
    STREAK_BONUS_CAP,
    TRY_COST,
)

CORRECT = "correct"
CLOSE = "close"


@dataclass(frozen=True)
class Turn:
    """The server's view of one student: the card they are on, and the streak so far."""

    card_id: str = ""
    """The card answered or hinted last and not yet over; "" between cards."""
    tries: int = 0
    hints: int = 0
    close: bool = False
    """Some try on this card was close (a list of guesses is not)."""
    streak: int = 0
    """Right cards in a row, by the server's count."""


@dataclass(frozen=True)
class Scored:
    """One judged answer as the class records it."""

    tries: int
    """This answer's try on its card, 1..MAX_TRIES."""
    hints: int
    """Hints the server gave on this card before the answer."""
    points: int
    """The card's points when this answer ended it (streak bonus included), else 0."""
    streak: int
    """The streak after this answer."""
    card_done: bool


def answered(
    turn: Turn, card_id: str, verdict: str, *, close_counts: bool = True
) -> tuple[Turn, Scored]:
    """A judged answer (not "no_speech": that is no try) to `card_id`.

    `close_counts` is False for a "close" that earns no close card (a list of guesses).
    """
    turn = _on(turn, card_id)
    tries = turn.tries + 1
    close = turn.close or (verdict == CLOSE and close_counts)
    if verdict == CORRECT:
        revealed = turn.hints >= HINT_LEVELS
        streak = 0 if revealed else turn.streak + 1
        points = _right_points(tries, turn.hints) + min(max(streak - 1, 0), STREAK_BONUS_CAP)
        return Turn(streak=streak), Scored(tries, turn.hints, points, streak, card_done=True)
    if tries >= MAX_TRIES:
        points = min(CLOSE_POINTS, _right_points(tries, turn.hints)) if close else 0
        return Turn(), Scored(tries, turn.hints, points, 0, card_done=True)
    going_on = replace(turn, tries=tries, close=close)
    return going_on, Scored(tries, turn.hints, 0, turn.streak, card_done=False)


def hinted(turn: Turn, card_id: str) -> Turn:
    """The server gave a hint on `card_id` (the third shows the answer)."""
    turn = _on(turn, card_id)
    return replace(turn, hints=min(turn.hints + 1, HINT_LEVELS))


def skipped(turn: Turn) -> Turn:
    """The learner gave up on the card on screen: it ends, and so does the streak (a card
    skipped after a close try earns its close points in the game, but no answer of the class
    carries them: a skip is not an answer)."""
    return Turn()


def resumed(card_id: str, verdict: str, tries: int, hints: int, streak: int) -> Turn:
    """The turn after a student's last recorded answer (a rejoin, or a restarted server)."""
    if verdict == CORRECT or tries >= MAX_TRIES:
        return Turn(streak=streak)
    return Turn(card_id, tries, hints, verdict == CLOSE, streak)


def _on(turn: Turn, card_id: str) -> Turn:
    """The turn on `card_id`: a card left unfinished for another one was skipped."""
    if turn.card_id == card_id:
        return turn
    return Turn(card_id=card_id, streak=0 if turn.card_id else turn.streak)


def _right_points(tries: int, hints: int) -> int:
    if hints >= HINT_LEVELS:
        return SHOWN_POINTS
    costs = TRY_COST * (max(tries, 1) - 1) + HINT_COST * hints
    return max(MIN_RIGHT_POINTS, RIGHT_POINTS - costs)
