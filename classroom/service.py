"""The class-mode service: a teacher creates a class, students join it, answers are recorded.

One `Classroom` per app process, shared by every session (it is thread-safe: each call opens its
own database session, and answers go through one background writer). Teacher and student calls
raise `ClassroomError` subclasses whose messages can be shown as they are; `record_answer` never
raises, because it runs in a learner's game.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from classroom import identity, lifecycle, results, scoring
from classroom.database import make_engine, sessions_for
from classroom.errors import (
    ClassExpired,
    DatabaseUnavailable,
    InvalidClass,
)
from classroom.lifecycle import KeptDeck
from classroom.limits import Gate, Limits
from classroom.location import default_database_url, outbox_path, url_from_setting
from classroom.outbox import Outbox
from classroom.results import Progress
from classroom.schema import ClassRow, NewAnswer, migrate
from classroom.students import join_or_rejoin
from classroom.teaching import TeacherSide
from classroom.writer import AnswerWriter, WriterStatus

log = logging.getLogger(__name__)

MAX_DECKS = 20
DECK_NAME_MAX = 200
TEACHER_KEY_MIN = 8
CODE_TRIES = 8
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class NewClass:
    """A class just created. `teacher_key` is shown once: only its hash is stored."""

    code: str
    name: str
    decks: tuple[str, ...]
    teacher_key: str
    expires_at: datetime | None

    @property
    def link_query(self) -> str:
        """What a join link adds to the app's address: "?class=K7QX3M"."""
        return f"?class={self.code}"


@dataclass(frozen=True)
class Student:
    """A student in a class, as the UI keeps them for the session.

    `token` is for the browser to keep (rejoin without a PIN); `pin` is shown to the student
    once, when they first join, to rejoin from another device; it is None on a rejoin.
    """

    class_id: int
    class_code: str
    class_name: str
    decks: tuple[str, ...]
    student_id: int
    name: str
    token: str
    pin: str | None
    progress: Progress
    rejoined: bool
    resume: scoring.Turn = field(default=scoring.Turn(), repr=False)
    """Where the server's count stood at the last answer recorded before this join."""
    kept: tuple[str, ...] = ()
    """The class's decks that it keeps itself (`Classroom.kept_deck` hands them out)."""


class Classroom(TeacherSide):
    """Class mode over one database: `url` is a URL, a folder or a .db file as --db takes it,
    None the default (see classroom.location)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        expiry_days: float | None = 30,
        clock: Clock = lambda: datetime.now(UTC),
        timeout: float = 5.0,
        writer_capacity: int = 10_000,
        retry_delays: Sequence[float] = (0.5, 1.0, 2.0, 5.0),
        outbox: Path | None = None,
        limits: Limits | None = None,
        keep_days: float | None = 90,
    ) -> None:
        """Open the database and bring its schema up to date; DatabaseUnavailable if it can't
        (BadDatabaseSetting for a `url` that never could).

        Answers the database cannot take wait in `outbox` (None: classroom.location's place
        for this database), and answers an earlier run left there are delivered now.
        `retry_delays` are the pauses between tries to deliver them, the last repeated.
        `limits` are how often a client may try things (classroom.limits; None: a school's).
        A class ends `expiry_days` after it is made (or when the teacher ends it), and it is
        deleted with its students' data `keep_days` after its end (None: never).
        """
        super().__init__()
        self.url = url_from_setting(url) if url else default_database_url()
        self.expiry = None if expiry_days is None else timedelta(days=expiry_days)
        self.keep = None if keep_days is None else timedelta(days=keep_days)
        self._clock = clock
        self.gate = Gate(limits)
        try:
            self.engine = make_engine(self.url, timeout=timeout)
            migrate(self.engine)
            self.sessions = sessions_for(self.engine)
        except (SQLAlchemyError, OSError) as exc:
            log.error("class database cannot be opened: %s", exc)
            raise DatabaseUnavailable("start") from None
        self.outbox = Outbox(outbox or outbox_path(self.url))
        self._writer = AnswerWriter(
            self.sessions,
            self.outbox,
            capacity=writer_capacity,
            retry_delays=retry_delays,
            clock=clock,
        )
        self._turns: dict[int, scoring.Turn] = {}  # by student id: the server's own count
        self._turns_lock = threading.Lock()
        self._purge()

    def create_class(
        self,
        name: str,
        decks: Sequence[str],
        teacher_key: str | None = None,
        *,
        kept: Mapping[str, bytes] | None = None,
        client: str = "",
    ) -> NewClass:
        """A new class with a fresh join code; `teacher_key` None makes a random key.

        Pass the deployer's `SAGDET_TEACHER_KEY` as `teacher_key` to use it for every class.
        `kept` are decks the class keeps itself (a teacher's upload): deck name -> a zip of its
        folder, each one of `decks`. `client` (the address asking, here and below) is what the
        limits count against: TooManyTries when it made too many classes.
        """
        self.gate.before_class(client, self._clock())
        class_name = identity.clean_name(
            name,
            limit=identity.CLASS_NAME_MAX,
            what="class_name",
            marks=identity.CLASS_NAME_MARKS,
        )
        deck_names = _clean_decks(decks)
        own = lifecycle.checked(deck_names, kept or {})
        key = teacher_key if teacher_key is not None else identity.new_teacher_key()
        if len(key.strip()) < TEACHER_KEY_MIN:
            raise InvalidClass(key="class_key_short", least=TEACHER_KEY_MIN)
        now = self._clock()
        expires = None if self.expiry is None else now + self.expiry
        decks_json = json.dumps(deck_names, ensure_ascii=False)
        key_hash = identity.salted_hash(key)

        def new_row(code: str) -> ClassRow:
            return ClassRow(
                code=code,
                name=class_name,
                decks=decks_json,
                key_hash=key_hash,
                created_at=now,
                expires_at=expires,
            )

        self._purge()
        with self._database("create a class"):
            code = self._insert_class(new_row, own)
        self.gate.made_class(client, now)
        log.info("class %s created with %d decks", code, len(deck_names))
        return NewClass(code, class_name, deck_names, key, expires)

    def join_class(
        self,
        code: str,
        name: str,
        rejoin_token: str | None = None,
        pin: str | None = None,
        *,
        client: str = "",
    ) -> Student:
        """Join class `code` as `name`, or rejoin as them with their token or PIN.

        Raises ClassNotFound, ClassExpired, InvalidName, NameTaken (the name is someone else's and
        neither token nor PIN proves otherwise), WrongPin, TooManyTries, DatabaseUnavailable.
        """
        code = identity.normalize_code(code)
        clean = identity.clean_name(name)
        now = self._clock()
        with self._database("let you join"):
            with self.sessions() as session:
                found = self._open_class(session, code, now, client)
            joined = join_or_rejoin(
                self.sessions,
                found.id,
                found.code,
                clean,
                rejoin_token,
                pin,
                now,
                self.gate,
                client,
            )
        if joined.rejoined:
            self._writer.flush(timeout=2.0)  # this student's last answers, if still queued
        else:  # a new student: nothing this process counted under the id is theirs
            with self._turns_lock:
                self._turns.pop(joined.student_id, None)
        with self._database("load your points"), self.sessions() as session:
            mine = results.progress(session, joined.student_id)
            resume = results.last_turn(session, joined.student_id)
            kept = lifecycle.kept_names(session, found.id)
        decks = tuple(json.loads(found.decks))
        return Student(
            found.id,
            found.code,
            found.name,
            decks,
            joined.student_id,
            joined.name,
            joined.token,
            joined.pin,
            mine,
            joined.rejoined,
            resume,
            kept,
        )

    def record_answer(
        self,
        student: Student,
        *,
        card_id: str,
        answer: str,
        verdict: str,
        heard: str = "",
        deck: str = "",
        round_id: str = "",
        typed: bool = False,
        close_counts: bool = True,
    ) -> bool:
        """Queue one judged answer for the class; True if queued. Never raises, never waits.

        `verdict` is the judge's ("correct", "close", "wrong"; a StrEnum is fine; "no_speech"
        is no answer and is not recorded); `close_counts` False for a close that earns no close
        card (a list of guesses). Tries, points and streak are counted here, from the answers
        and hints this server saw (classroom.scoring), never taken from the learner's game.
        `round_id` is any string the UI keeps per round (rounds are counted by distinct ids).
        """
        try:
            card, said = _text(card_id, 200), _text(verdict, 20)
            if said == "no_speech":
                return False
            with self._turns_lock:
                turn = self._turn(student)
                turn, scored = scoring.answered(turn, card, said, close_counts=close_counts)
                self._turns[student.student_id] = turn
            judged = NewAnswer(
                answer_key=uuid.uuid4().hex,
                class_id=student.class_id,
                student_id=student.student_id,
                deck=_text(deck, 200),
                round_id=_text(round_id, 64),
                card_id=card,
                answer=_text(answer, 200),
                verdict=said,
                heard=_text(heard, 500),
                tries=scored.tries,
                hints=scored.hints,
                points=scored.points,
                streak=scored.streak,
                typed=bool(typed),
                answered_at=self._clock(),
            )
            return self._writer.submit(student.class_code, judged)
        except Exception:  # a learner's game must go on whatever was passed here
            log.exception("a class answer could not be queued")
            return False

    def record_hint(self, student: Student, card_id: str) -> None:
        """The app gave `student` a hint on `card_id`: it costs that card's points. Never raises."""
        with self._turns_lock:
            turn = scoring.hinted(self._turn(student), _text(card_id, 200))
            self._turns[student.student_id] = turn

    def record_skip(self, student: Student) -> None:
        """`student` skipped the card on screen: its streak ends. Never raises."""
        with self._turns_lock:
            self._turns[student.student_id] = scoring.skipped(self._turn(student))

    def kept_deck(self, student: Student, name: str) -> KeptDeck:
        """A deck `student`'s class keeps itself, to unpack and play; InvalidClass if the class
        keeps no such deck."""
        with self._database("load the class's deck"), self.sessions() as session:
            found = lifecycle.kept_deck(session, student.class_id, name)
        if found is None:
            raise InvalidClass(key="kept_none", name=name)
        return found

    def _turn(self, student: Student) -> scoring.Turn:
        """The server's turn of `student` (the caller holds the lock): from this process's own
        record, else from the student's last recorded answer when they joined."""
        turn = self._turns.get(student.student_id)
        return turn if turn is not None else student.resume

    def status(self, code: str | None = None) -> WriterStatus:
        """Whether answers are being recorded: for class `code`, or for all classes."""
        return self._writer.status(identity.normalize_code(code) if code else None)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until queued answers are written or kept in the outbox (tests, shutdown)."""
        return self._writer.flush(timeout)

    def deliver(self, timeout: float = 30.0) -> bool:
        """Try the outbox now and wait until no answer waits; False if some still do."""
        return self._writer.deliver(timeout)

    def close(self) -> None:
        """Write what is queued (or keep it in the outbox), then let the database go."""
        self._writer.close()
        self.outbox.close()
        self.engine.dispose()

    def __enter__(self) -> Classroom:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _insert_class(self, new_row: Callable[[str], ClassRow], kept: Mapping[str, bytes]) -> str:
        for _ in range(CODE_TRIES):
            made = new_row(identity.new_code())
            try:
                with self.sessions.begin() as session:
                    session.add(made)
                    session.flush()  # the class's id, for the decks it keeps
                    lifecycle.keep_decks(session, made.id, kept)
                return made.code
            except IntegrityError:  # the code is taken: draw another
                continue
        raise DatabaseUnavailable("create a class")

    def _open_class(self, session: Session, code: str, now: datetime, client: str) -> ClassRow:
        found = self._class_by_code(session, code, client)
        if found.expires_at is not None and now >= found.expires_at:
            raise ClassExpired(found.code)
        return found


def _clean_decks(decks: Sequence[str]) -> tuple[str, ...]:
    if isinstance(decks, str):
        decks = [decks]
    kept: list[str] = []
    for deck in decks:
        name = " ".join(str(deck).split())
        if not name or len(name) > DECK_NAME_MAX or not name.isprintable():
            raise InvalidClass(key="class_deck_name", most=DECK_NAME_MAX)
        if name not in kept:
            kept.append(name)
    if not 1 <= len(kept) <= MAX_DECKS:
        raise InvalidClass(key="class_decks_count", most=MAX_DECKS)
    return tuple(kept)


def _text(value: object, limit: int) -> str:
    return str(value if value is not None else "")[:limit]
