"""A class's life after it is made: the decks it keeps, its end, its deletion, and retention.

- A class may keep decks of its own (a teacher's upload): each is stored in the database as a zip
  of its folder, so every app replica can unpack it, and it is deleted with the class.
- A class ends when the teacher ends it or `expiry` after it was made: nobody joins any more and
  answers given after the end are not recorded (classroom.writer drops them); the results stay.
- `keep` after its end a class is deleted with everything of its students (names, PIN and token
  hashes, answers, kept decks), by `purge`, which the service runs on start and with each new
  class. A teacher can delete a class at once (`delete`).

Functions of one session each, called by the service inside its own transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from classroom.errors import InvalidClass
from classroom.schema import AnswerRow, ClassDeckRow, ClassRow, StudentRow

MAX_KEPT_BYTES = 100 * 2**20  # all of a class's own decks, zipped: as much as one upload


@dataclass(frozen=True)
class KeptDeck:
    """A deck a class keeps: its name in the class, and its folder as a zip."""

    name: str
    digest: str
    archive: bytes


def checked(decks: tuple[str, ...], kept: Mapping[str, bytes]) -> dict[str, bytes]:
    """The decks to keep, each one of the class's decks; InvalidClass names what is wrong."""
    extra = [name for name in kept if name not in decks]
    if extra:
        raise InvalidClass(key="kept_not_in_class", name=extra[0])
    size = sum(len(archive) for archive in kept.values())
    if size > MAX_KEPT_BYTES:
        most = MAX_KEPT_BYTES // 2**20
        raise InvalidClass(key="kept_too_big", size=round(size / 2**20), most=most)
    return dict(kept)


def keep_decks(session: Session, class_id: int, kept: Mapping[str, bytes]) -> None:
    session.add_all(
        ClassDeckRow(
            class_id=class_id,
            name=name,
            digest=hashlib.sha256(archive).hexdigest(),
            archive=archive,
        )
        for name, archive in kept.items()
    )


def kept_names(session: Session, class_id: int) -> tuple[str, ...]:
    names = session.scalars(
        select(ClassDeckRow.name).where(ClassDeckRow.class_id == class_id).order_by(ClassDeckRow.id)
    )
    return tuple(names)


def kept_deck(session: Session, class_id: int, name: str) -> KeptDeck | None:
    found = session.execute(
        select(ClassDeckRow.name, ClassDeckRow.digest, ClassDeckRow.archive).where(
            ClassDeckRow.class_id == class_id, ClassDeckRow.name == name
        )
    ).first()
    return None if found is None else KeptDeck(*found)


def end(session: Session, class_id: int, now: datetime) -> datetime:
    """End the class now (one that ended before keeps its end); returns when it ended."""
    c = ClassRow
    session.execute(
        update(c)
        .where(c.id == class_id, or_(c.expires_at.is_(None), c.expires_at > now))
        .values(expires_at=now)
    )
    ended = session.scalars(select(c.expires_at).where(c.id == class_id)).one()
    return ended if ended is not None else now


def remove(session: Session, class_ids: list[int]) -> int:
    """Delete classes with every student, answer and kept deck; returns the students deleted.

    Each table is cleared explicitly: the foreign keys cascade too, but a database opened
    without them switched on (another SQLite client) must not keep a student's answers.
    """
    if not class_ids:
        return 0
    students = session.scalars(
        select(func.count()).select_from(StudentRow).where(StudentRow.class_id.in_(class_ids))
    ).one()
    for table in (AnswerRow, StudentRow, ClassDeckRow):
        session.execute(delete(table).where(table.class_id.in_(class_ids)))
    session.execute(delete(ClassRow).where(ClassRow.id.in_(class_ids)))
    return students


def purge(session: Session, now: datetime, keep: timedelta) -> list[tuple[int, str]]:
    """Delete the classes that ended more than `keep` ago; returns their (id, code)."""
    old = session.execute(
        select(ClassRow.id, ClassRow.code).where(
            ClassRow.expires_at.is_not(None), ClassRow.expires_at < now - keep
        )
    ).all()
    remove(session, [class_id for class_id, _ in old])
    return [(class_id, code) for class_id, code in old]
