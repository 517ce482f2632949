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
        """Queue one judged answer for the class; never raises, never waits.

        Only what the server judged goes to the class: the card, the verdict, what was heard.
        Tries, points and streak are counted by `classroom` itself (classroom.scoring), never
        read from `state`, which a browser can forge; the round id only labels the answer.
        """
        judgement = feedback.judgement
        round_ = state.round
        if student is None or self._room is None or judgement is None:
            return
        if judgement.verdict is game.Verdict.NO_SPEECH:  # nothing was said: no try, no answer
            return
        deck = round_.deck if round_ is not None else ""
        progress = state.progress.get(deck)
        self._room.record_answer(
            student, card_id=card.id, answer=card.display, verdict=judgement.verdict,
            heard=heard, deck=deck, round_id=f"{deck}#{progress.rounds if progress else 0}",
            typed=typed, close_counts=judgement.reason is not game.Reason.SEVERAL,
        )  # fmt: skip

    def hint(self, student, card: game.Card) -> None:
        """The app gave a class student a hint on `card`: the class counts it."""
        if student is not None and self._room is not None:
            self._room.record_hint(student, card.id)

    def skip(self, student) -> None:
        """A class student skipped the card on screen: the class's streak for them ends."""
        if student is not None and self._room is not None:
            self._room.record_skip(student)

    def close(self) -> None:
        if self._room is not None:
            self._room.close()
