"""Joining a class under a name, and rejoining as the same student without taking anyone over.

A name belongs to the first student who takes it in a class. Coming back as that student needs
proof: the rejoin token their browser kept, or their PIN (another device, a cleared browser).
Without proof the joiner is told the name is taken, and the other student's points are never
touched. Five wrong PINs lock PIN rejoins for that name for 15 minutes, so 10,000 PINs cannot be
tried one by one; the teacher can reset a PIN (Classroom.reset_pin).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from classroom import identity
from classroom.errors import NameTaken, WrongPin
from classroom.schema import StudentRow

PIN_TRIES = 5
PIN_LOCK = timedelta(minutes=15)
_TABLE = StudentRow.__table__


@dataclass(frozen=True)
class Joined:
    student_id: int
    name: str
    token: str
    pin: str | None
    rejoined: bool


def join_or_rejoin(
    engine: Engine,
    class_id: int,
    name: str,
    token: str | None,
    pin: str | None,
    now: datetime,
) -> Joined:
    """Join class `class_id` as `name` (already cleaned), or rejoin with `token` or `pin`."""
    key = identity.name_key(name)
    with engine.begin() as conn:
        found = conn.execute(
            select(StudentRow).where(StudentRow.class_id == class_id, StudentRow.name_key == key)
        ).first()
    if found is None:
        return _new_student(engine, class_id, name, key, now)
    if token and identity.check_token(token, found.token_hash):
        return Joined(found.id, found.name, token, None, rejoined=True)
    if pin:
        return _rejoin_with_pin(engine, found, pin, now)
    raise NameTaken(found.name)


def _new_student(engine: Engine, class_id: int, name: str, key: str, now: datetime) -> Joined:
    token, pin = identity.new_token(), identity.new_pin()
    row = dict(
        class_id=class_id,
        name=name,
        name_key=key,
        token_hash=identity.token_hash(token),
        pin_hash=identity.pin_hash(pin),
        failed_pins=0,
        joined_at=now,
    )
    try:
        with engine.begin() as conn:
            student_id = conn.execute(_TABLE.insert().values(**row)).inserted_primary_key[0]
    except IntegrityError:  # someone took the name a moment ago
        raise NameTaken(name) from None
    return Joined(int(student_id), name, token, pin, rejoined=False)


def _rejoin_with_pin(engine: Engine, found: Any, pin: str, now: datetime) -> Joined:
    if found.locked_until is not None and now < found.locked_until:
        minutes = max(1, round((found.locked_until - now).total_seconds() / 60))
        raise WrongPin(
            f"Too many wrong PINs for “{found.name}”. Wait {minutes} minutes, or ask your "
            "teacher for a new PIN."
        )
    digits = "".join(ch for ch in str(pin) if ch.isdigit())[:12]
    if not identity.check_pin(digits, found.pin_hash):
        _count_wrong_pin(engine, found, now)
        raise WrongPin(
            f"That is not the PIN for “{found.name}”. Try again, or choose another name if "
            "that is not you."
        )
    token = identity.new_token()  # a new device: it gets its own token, the old one stops
    with engine.begin() as conn:
        conn.execute(
            _TABLE.update()
            .where(_TABLE.c.id == found.id)
            .values(token_hash=identity.token_hash(token), failed_pins=0, locked_until=None)
        )
    return Joined(found.id, found.name, token, None, rejoined=True)


def _count_wrong_pin(engine: Engine, found: Any, now: datetime) -> None:
    """Count a wrong PIN in the database itself, so tries made at the same moment all count."""
    mine = _TABLE.c.id == found.id
    with engine.begin() as conn:
        conn.execute(_TABLE.update().where(mine).values(failed_pins=_TABLE.c.failed_pins + 1))
        failed = conn.execute(select(_TABLE.c.failed_pins).where(mine)).scalar_one()
        if failed >= PIN_TRIES:
            conn.execute(
                _TABLE.update().where(mine).values(failed_pins=0, locked_until=now + PIN_LOCK)
            )
