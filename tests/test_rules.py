"""The scoring and repetition rules exactly as the README states them, pinned number by number.

README ("A round"): 10 points for right first time, 2 less for each extra try, 3 less for each
hint, 1 when the answer was shown, at most 3 for a card that ended close, a streak bonus of up to
5; right first time moves a card up a Leitner box and it comes back after 1, 2, 4, 8, 16 rounds;
a miss or a shown answer goes back to the first box.
"""

from __future__ import annotations

import pytest

from game.session import CardResult, Outcome, Progress, Turn, _points, _reschedule

ROUNDS_SO_FAR = 7


@pytest.mark.parametrize(
    ("box", "outcome", "tries", "hints", "new_box", "back_after"),
    [
        (1, Outcome.CORRECT, 1, 0, 2, 2),
        (2, Outcome.CORRECT, 1, 0, 3, 4),
        (3, Outcome.CORRECT, 1, 0, 4, 8),
        (4, Outcome.CORRECT, 1, 0, 5, 16),
        (5, Outcome.CORRECT, 1, 0, 5, 16),  # the top box is 5: it stays there
        (3, Outcome.CORRECT, 2, 0, 3, 4),  # right, but not first time: the box is kept
        (3, Outcome.CORRECT, 1, 1, 3, 4),  # right with a hint: kept
        (3, Outcome.CORRECT, 1, 3, 1, 1),  # the answer was shown: back to the first box
        (3, Outcome.CLOSE, 3, 0, 3, 4),  # close: kept
        (4, Outcome.MISSED, 3, 0, 1, 1),  # a miss: the first box, next round
        (4, Outcome.SKIPPED, 1, 0, 1, 1),
    ],
)  # fmt: skip
def test_leitner_boxes_and_intervals(box, outcome, tries, hints, new_box, back_after):
    progress = Progress(rounds=ROUNDS_SO_FAR, boxes={"hund": (box, 0)})
    result = CardResult("hund", outcome, 0, tries, hints)
    assert _reschedule(progress, result) == (new_box, ROUNDS_SO_FAR + back_after)


def test_a_new_card_starts_in_the_first_box():
    result = CardResult("ny", Outcome.CORRECT, 10, 1, 0)
    assert _reschedule(Progress(rounds=ROUNDS_SO_FAR), result) == (2, ROUNDS_SO_FAR + 2)


@pytest.mark.parametrize(
    ("outcome", "tries", "hints", "streak", "points"),
    [
        (Outcome.CORRECT, 1, 0, 1, 10),
        (Outcome.CORRECT, 2, 0, 1, 8),
        (Outcome.CORRECT, 3, 0, 1, 6),
        (Outcome.CORRECT, 1, 1, 1, 7),
        (Outcome.CORRECT, 1, 2, 1, 4),
        (Outcome.CORRECT, 1, 3, 1, 1),  # shown
        (Outcome.CORRECT, 3, 2, 1, 2),  # never below 2 before the answer is shown
        (Outcome.CORRECT, 1, 0, 2, 11),  # the streak bonus: one per card of the streak...
        (Outcome.CORRECT, 1, 0, 6, 15),
        (Outcome.CORRECT, 1, 0, 7, 15),  # ...up to 5
        (Outcome.CORRECT, 1, 0, 40, 15),
        (Outcome.CLOSE, 1, 0, 5, 3),  # close: at most 3, no streak bonus
        (Outcome.CLOSE, 1, 3, 5, 1),  # and never more than a right answer would have earned
        (Outcome.MISSED, 3, 0, 5, 0),
        (Outcome.SKIPPED, 1, 0, 5, 0),
    ],
)  # fmt: skip
def test_points(outcome, tries, hints, streak, points):
    assert _points(outcome, Turn(tries=tries, hints=hints), streak) == points
