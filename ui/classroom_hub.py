"""The class database for the whole app, opened on the first class action.

Outside class mode nothing is opened: the solo game needs no database. Recording an answer only
queues it (`classroom`'s background writer), so it never holds up a learner's verdict.
"""

from __future__ import annotations

import threading

import game


class ClassHub:
    """The class database for the whole app, opened when first needed."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self._room = None
        self._lock = threading.Lock()

    def room(self):
        """The `classroom.Classroom`; raises `classroom.ClassroomError` when it cannot open."""
        with self._lock:
            if self._room is None:
                from classroom import Classroom

                self._room = Classroom(self.url)
            return self._room

    def record(self, student, card: game.Card, feedback: game.Feedback,
               state: game.GameState, heard: str, typed: bool) -> None:  # fmt: skip
        """Queue one judged answer for the class; never raises, never waits."""
        judgement = feedback.judgement
        round_ = state.round
        if student is None or self._room is None or judgement is None or round_ is None:
            return
        if judgement.verdict is game.Verdict.NO_SPEECH:  # nothing was said: no try, no answer
            return
        progress = state.progress.get(round_.deck)
        tries = round_.results[-1].tries if feedback.card_done else round_.turn.tries
        self._room.record_answer(
            student, card_id=card.id, answer=card.display, verdict=judgement.verdict,
            heard=heard, tries=tries, points=feedback.points, streak=round_.streak,
            deck=round_.deck, round_id=f"{round_.deck}#{progress.rounds if progress else 0}",
            typed=typed,
        )  # fmt: skip

    def close(self) -> None:
        if self._room is not None:
            self._room.close()
