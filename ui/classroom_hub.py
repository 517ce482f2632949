"""The class database for the whole app, opened on the first class action.

Outside class mode nothing is opened: the solo game needs no database. Recording an answer only
queues it (`classroom`'s background writer), so it never holds up a learner's verdict. One
exception: answers an earlier run kept in the outbox (the database was away when it stopped)
are delivered as soon as the database answers, without waiting for a class action.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import game

if TYPE_CHECKING:  # imported when first needed (see `room`)
    from classroom import Classroom, Student

log = logging.getLogger(__name__)


class ClassHub:
    """The class database for the whole app, opened when first needed."""

    def __init__(self, url: str | None = None, *, retry_s: float = 10.0) -> None:
        self.url = url
        self._room: Classroom | None = None
        self._lock = threading.Lock()
        self._unpacked: dict[tuple[int, str], game.Deck] = {}  # decks classes keep, on disk here
        self._closed = threading.Event()
        threading.Thread(target=self._deliver_waiting, args=(retry_s,), daemon=True,
                         name="classroom-outbox").start()  # fmt: skip

    def _deliver_waiting(self, retry_s: float) -> None:
        """Answers an earlier run kept for the database: open it (retrying) to deliver them."""
        from classroom import ClassroomError, default_database_url, outbox_path, url_from_setting

        try:
            url = url_from_setting(self.url) if self.url else default_database_url()
            if not outbox_path(url).is_file():
                return
        except (ClassroomError, ValueError, OSError):
            return
        log.info("class answers of an earlier run wait in the outbox: delivering them")
        while not self._closed.is_set():
            try:
                self.room()
                return
            except ClassroomError:
                self._closed.wait(retry_s)

    def room(self) -> Classroom:
        """The `classroom.Classroom`; raises `classroom.ClassroomError` when it cannot open."""
        with self._lock:
            if self._room is None:
                from classroom import Classroom

                self._room = Classroom(self.url)
            return self._room

    def record(self, student: Student | None, card: game.Card, feedback: game.Feedback,
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

    def hint(self, student: Student | None, card: game.Card) -> None:
        """The app gave a class student a hint on `card`: the class counts it."""
        if student is not None and self._room is not None:
            self._room.record_hint(student, card.id)

    def skip(self, student: Student | None) -> None:
        """A class student skipped the card on screen: the class's streak for them ends."""
        if student is not None and self._room is not None:
            self._room.record_skip(student)

    def unpacked(self, class_id: int, name: str) -> game.Deck | None:
        """A deck class `class_id` keeps, as this server unpacked it last (maybe let go since)."""
        with self._lock:
            return self._unpacked.get((class_id, name))

    def keep_unpacked(self, class_id: int, name: str, deck: game.Deck) -> None:
        with self._lock:
            self._unpacked[(class_id, name)] = deck

    @staticmethod
    def log_deck_failure(name: str, error: Exception) -> None:
        log.error("the class deck %r could not be unpacked: %s", name, error)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if self._room is not None:
                self._room.close()
