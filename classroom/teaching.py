"""The teacher's side of a `Classroom`: the results, the CSV, a new PIN, ending and deleting a
class, retention, and the checks every teacher call starts with (the code, the key, the limits).

`TeacherSide` is the base of `classroom.service.Classroom`, which opens the database and the
writer that it uses; it is one class to callers (`room.class_results(...)`), kept in a module of
its own because a teacher's calls and a student's share little but the database.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from classroom import identity, lifecycle, results
from classroom.database import Sessions
from classroom.errors import ClassNotFound, DatabaseUnavailable, InvalidName, WrongTeacherKey
from classroom.limits import Gate
from classroom.outbox import Outbox
from classroom.results import ClassResults
from classroom.schema import ClassRow, StudentRow
from classroom.writer import AnswerWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Seen:
    """A class's results as a teacher last saw them, for while the database is away."""

    key: str  # the teacher key's hash, to check a key without the database
    results: ClassResults
    at: datetime
    written: int  # answers this process had written for the class then


class TeacherSide:
    """A teacher's calls; every one needs the class's code and key, checked and limited."""

    sessions: Sessions
    gate: Gate
    outbox: Outbox
    keep: timedelta | None
    _clock: Callable[[], datetime]
    _writer: AnswerWriter

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}  # by code: the last results a teacher was shown
        self._seen_lock = threading.Lock()

    def class_results(self, code: str, teacher_key: str, *, client: str = "") -> ClassResults:
        """The class's dashboard figures; WrongTeacherKey (and nothing else) for a wrong key.

        While the database does not answer, a teacher who saw the results before gets them as
        they were then (`as_of`), with what is recorded, waiting and lost now; otherwise
        DatabaseUnavailable.
        """
        code = identity.normalize_code(code)
        try:
            with self.sessions() as session:
                found = self._teacher_class(session, code, teacher_key, client)
                students = results.student_results(session, found.id)
                words = results.word_results(session, found.id)
                grid = results.student_words(session, found.id)
                kept = lifecycle.kept_names(session, found.id)
        except (SQLAlchemyError, OSError) as exc:
            log.error("class database failed to show the results: %s", exc)
            return self._as_last_seen(code, teacher_key, client)
        recorded = sum(s.answers for s in students)
        shown = ClassResults(
            code=found.code,
            name=found.name,
            decks=tuple(json.loads(found.decks)),
            created_at=found.created_at,
            expires_at=found.expires_at,
            students=students,
            words=words,
            missed_most=results.missed_most(words),
            leaderboard=results.leaderboard(students),
            status=self._writer.status(found.code, recorded=recorded),
            by_student_word=grid,
            kept_decks=kept,
            delete_at=self._deleted_at(found.expires_at),
        )
        seen = _Seen(found.key_hash, shown, self._clock(), self._writer.status(found.code).recorded)
        with self._seen_lock:
            self._seen[found.code] = seen
        return shown

    def _as_last_seen(self, code: str, teacher_key: str, client: str) -> ClassResults:
        with self._seen_lock:
            seen = self._seen.get(code)
        if seen is None:
            raise DatabaseUnavailable("show the results")
        self._check_key(code, seen.key, teacher_key, client)
        since = self._writer.status(code).recorded - seen.written  # what this process wrote since
        recorded = sum(s.answers for s in seen.results.students) + since
        status = self._writer.status(code, recorded=recorded)
        return replace(seen.results, status=status, as_of=seen.at)

    def export_class(self, code: str, teacher_key: str, *, client: str = "") -> str:
        """CSV text, one row per recorded answer (columns: results.CSV_COLUMNS). Write it with
        encoding "utf-8-sig" so that Excel reads å, ä, ö right."""
        with self._database("export the results"), self.sessions() as session:
            found = self._teacher_class(session, code, teacher_key, client)
            return results.answers_csv(session, found.id)

    def reset_pin(self, code: str, teacher_key: str, name: str, *, client: str = "") -> str:
        """A new PIN for a student who forgot theirs (the teacher reads it out); every wrong
        PIN counted against the student is forgotten."""
        clean = identity.clean_name(name)
        pin = identity.new_pin()
        with self._database("reset the PIN"), self.sessions.begin() as session:
            found = self._teacher_class(session, code, teacher_key, client)
            student = _student_named(session, found.id, clean)
            if student is None:
                raise InvalidName(key="no_such_student", name=clean)
            student.pin_hash = identity.pin_hash(pin)
            student.failed_pins, student.locked_until = 0, None
        self.gate.new_pin(student.id)
        return pin

    def end_class(self, code: str, teacher_key: str, *, client: str = "") -> datetime:
        """End the class now: nobody joins any more and later answers are not recorded; the
        results stay until the class is deleted. Returns when it ended."""
        now = self._clock()
        with self._database("end the class"), self.sessions.begin() as session:
            found = self._teacher_class(session, code, teacher_key, client)
            ended = lifecycle.end(session, found.id, now)
        log.info("class %s ended", found.code)
        return ended

    def delete_class(self, code: str, teacher_key: str, *, client: str = "") -> int:
        """Delete the class and everything of its students (names, answers, PIN and token
        hashes, its own decks, answers waiting in the outbox); returns how many students."""
        with self._database("delete the class"), self.sessions.begin() as session:
            found = self._teacher_class(session, code, teacher_key, client)
            students = lifecycle.remove(session, [found.id])
        self._forget(found.id, found.code)
        log.info("class %s deleted with %d students", found.code, students)
        return students

    def _purge(self) -> None:
        """Delete the classes that ended more than `keep` ago (the service's retention)."""
        if self.keep is None:
            return
        try:
            with self.sessions.begin() as session:
                gone = lifecycle.purge(session, self._clock(), self.keep)
        except (SQLAlchemyError, OSError) as exc:  # tried again with the next class made
            log.warning("old classes could not be deleted now: %s", exc)
            return
        for class_id, code in gone:
            self._forget(class_id, code)
        if gone:
            log.info("%d classes ended over %s ago were deleted", len(gone), self.keep)

    def _forget(self, class_id: int, code: str) -> None:
        """What this process holds of a deleted class: its last results, waiting answers."""
        with self._seen_lock:
            self._seen.pop(code, None)
        try:
            self.outbox.forget_class(class_id)
        except Exception as exc:  # the writer drops them on delivery: their class is gone
            log.warning("answers of a deleted class stay in the outbox for now: %s", exc)

    def _deleted_at(self, ends: datetime | None) -> datetime | None:
        return None if ends is None or self.keep is None else ends + self.keep

    def _class_by_code(self, session: Session, code: str, client: str) -> ClassRow:
        """The class of `code`; ClassNotFound, counted against `client` (codes are not to be
        searched for)."""
        now = self._clock()
        self.gate.before_code(client, now)
        try:
            return _class_by_code(session, code)
        except ClassNotFound:
            self.gate.wrong_code(client, now)
            raise

    def _teacher_class(
        self, session: Session, code: str, teacher_key: str, client: str
    ) -> ClassRow:
        found = self._class_by_code(session, identity.normalize_code(code), client)
        self._check_key(found.code, found.key_hash, teacher_key, client)
        return found

    def _check_key(self, code: str, key_hash: str, teacher_key: object, client: str) -> None:
        """WrongTeacherKey (counted against `client`) unless `teacher_key` opens the class."""
        now = self._clock()
        self.gate.before_key(client, code, now)
        if not isinstance(teacher_key, str) or not identity.check_salted(teacher_key, key_hash):
            self.gate.wrong_key(client, code, now)
            raise WrongTeacherKey()

    @contextmanager
    def _database(self, doing: str) -> Iterator[None]:
        """Database failures become DatabaseUnavailable with a sentence; the cause is logged."""
        try:
            yield
        except (SQLAlchemyError, OSError) as exc:
            log.error("class database failed to %s: %s", doing, exc)
            raise DatabaseUnavailable(doing) from None


def _class_by_code(session: Session, code: str) -> ClassRow:
    found = session.scalars(select(ClassRow).where(ClassRow.code == code)).first()
    if found is None:
        raise ClassNotFound(code)
    return found


def _student_named(session: Session, class_id: int, name: str) -> StudentRow | None:
    return session.scalars(
        select(StudentRow).where(
            StudentRow.class_id == class_id, StudentRow.name_key == identity.name_key(name)
        )
    ).first()
