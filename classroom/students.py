"""Joining a class under a name, and rejoining as the same student without taking anyone over.

A name belongs to the first student who takes it in a class. Coming back as that student needs
proof: the rejoin token their browser kept, or their PIN (another device, a cleared browser).
Without proof the joiner is told the name is taken, and the other student's points are never
touched. Wrong PINs are limited per address, per student and address, and (for addresses that
tried wrong) per student, so 10,000 PINs cannot be tried one by one, and nobody locks a student
out by typing wrong PINs for them (classroom.limits); the teacher can give a new PIN
(Classroom.reset_pin), which also clears what was counted against the student.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from classroom import identity
from classroom.database import Sessions
from classroom.errors import NameTaken, WrongPin
from classroom.limits import Gate
from classroom.schema import StudentRow


@dataclass(frozen=True)
class Joined:
    student_id: int
    name: str
    token: str
    pin: str | None
    rejoined: bool


def join_or_rejoin(
    sessions: Sessions,
    class_id: int,
    code: str,
    name: str,
    token: str | None,
    pin: str | None,
    now: datetime,
    gate: Gate,
    client: str,
) -> Joined:
    """Join class `class_id` (`code`) as `name` (already cleaned), or rejoin with `token` or
    `pin`; `client` is the address the limits count against."""
    key = identity.name_key(name)
    with sessions() as session:
        found = session.scalars(
            select(StudentRow).where(StudentRow.class_id == class_id, StudentRow.name_key == key)
        ).first()
    if found is None:
        gate.before_student(client, code, now)
        joined = _new_student(sessions, class_id, name, key, now)
        gate.new_student(client, code, now)
        return joined
    if token and identity.check_token(token, found.token_hash):
        return Joined(found.id, found.name, token, None, rejoined=True)
    if pin:
        return _rejoin_with_pin(sessions, found, pin, now, gate, client)
    raise NameTaken(found.name)


def _new_student(sessions: Sessions, class_id: int, name: str, key: str, now: datetime) -> Joined:
    token, pin = identity.new_token(), identity.new_pin()
    student = StudentRow(
        class_id=class_id,
        name=name,
        name_key=key,
        token_hash=identity.token_hash(token),
        pin_hash=identity.pin_hash(pin),
        failed_pins=0,
        joined_at=now,
    )
    try:
        with sessions.begin() as session:
            session.add(student)
    except IntegrityError:  # someone took the name a moment ago
        raise NameTaken(name) from None
    return Joined(student.id, name, token, pin, rejoined=False)


def _rejoin_with_pin(
    sessions: Sessions, found: StudentRow, pin: str, now: datetime, gate: Gate, client: str
) -> Joined:
    gate.before_pin(client, found.id, now)
    digits = "".join(ch for ch in str(pin) if ch.isdigit())[:12]
    if not identity.check_pin(digits, found.pin_hash):
        gate.wrong_pin(client, found.id, now)
        raise WrongPin(found.name)
    gate.right_pin(client, found.id)
    token = identity.new_token()  # a new device: it gets its own token, the old one stops
    with sessions.begin() as session:
        session.execute(
            update(StudentRow)
            .where(StudentRow.id == found.id)
            .values(token_hash=identity.token_hash(token), failed_pins=0, locked_until=None)
        )
    return Joined(found.id, found.name, token, None, rejoined=True)
