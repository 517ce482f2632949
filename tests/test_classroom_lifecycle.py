"""A class's life in the service: the decks it keeps, a new PIN, its end, its deletion with all
its students' data, and deletion by retention (classroom.lifecycle)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from classroom import ClassExpired, ClassNotFound, Classroom, InvalidClass, WrongTeacherKey
from tests.conftest import Clock


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "classes.db"


@pytest.fixture
def room(path: Path, clock: Clock) -> Iterator[Classroom]:
    with Classroom(f"sqlite:///{path}", clock=clock, retry_delays=(0.05,)) as opened:
        yield opened


def rows_of(path: Path, class_id: int) -> dict[str, int]:
    """What the database file holds of one class, table by table."""
    count = "SELECT count(*) FROM {} WHERE {} = ?"
    with sqlite3.connect(path) as db:
        return {
            table: db.execute(count.format(table, key), (class_id,)).fetchone()[0]
            for table, key in (("sagdet_class", "id"), ("sagdet_student", "class_id"),
                               ("sagdet_answer", "class_id"), ("sagdet_class_deck", "class_id"))
        }  # fmt: skip


def test_a_class_keeps_an_uploaded_deck_for_its_students(room: Classroom) -> None:
    made = room.create_class(
        "7B", ["Djur", "Mina ord (uploaded)"], kept={"Mina ord (uploaded)": b"PK zip"}
    )
    anna = room.join_class(made.code, "Anna")
    assert anna.kept == ("Mina ord (uploaded)",)
    kept = room.kept_deck(anna, "Mina ord (uploaded)")
    assert kept.archive == b"PK zip" and len(kept.digest) == 64
    with pytest.raises(InvalidClass):
        room.kept_deck(anna, "Djur")  # everyone has it: the class keeps no copy
    other = room.create_class("7C", ["Djur"])
    bo = room.join_class(other.code, "Bo")
    with pytest.raises(InvalidClass):  # another class's deck is not to be had
        room.kept_deck(bo, "Mina ord (uploaded)")
    with pytest.raises(InvalidClass, match="not one of the class's decks"):
        room.create_class("7D", ["Djur"], kept={"Mat": b"PK"})


def test_ending_a_class_stops_joins_and_later_answers_and_keeps_the_results(
    room: Classroom,
) -> None:
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    room.record_answer(anna, card_id="hund", answer="en hund", verdict="correct")
    assert room.deliver(10)
    with pytest.raises(WrongTeacherKey):
        room.end_class(made.code, "not-the-key-at-all")
    ended = room.end_class(made.code, made.teacher_key)
    assert room.end_class(made.code, made.teacher_key) == ended  # ending twice keeps the first
    for name in ("Bo", "Anna"):
        with pytest.raises(ClassExpired):
            room.join_class(made.code, name, rejoin_token=anna.token)
    room.record_answer(anna, card_id="katt", answer="en katt", verdict="correct")  # too late
    assert room.deliver(10)
    results = room.class_results(made.code, made.teacher_key)
    assert [(s.name, s.answers) for s in results.students] == [("Anna", 1)]
    assert results.status.refused == 1 and results.expires_at == ended
    assert results.delete_at == ended + timedelta(days=90)


def test_deleting_a_class_deletes_everything_of_its_students(room: Classroom, path: Path) -> None:
    made = room.create_class("7B", ["Djur", "Eget"], kept={"Eget": b"PK zip"})
    kept = room.create_class("7C", ["Djur"])
    students = [room.join_class(made.code, n) for n in ("Anna", "Bo")]
    other = room.join_class(kept.code, "Cy")
    for student in (*students, other):
        room.record_answer(student, card_id="hund", answer="en hund", verdict="correct")
    assert room.deliver(10)
    class_id = students[0].class_id
    assert rows_of(path, class_id) == {
        "sagdet_class": 1, "sagdet_student": 2, "sagdet_answer": 2, "sagdet_class_deck": 1,
    }  # fmt: skip
    with pytest.raises(WrongTeacherKey):
        room.delete_class(made.code, kept.teacher_key)
    assert room.delete_class(made.code, made.teacher_key) == 2
    assert set(rows_of(path, class_id).values()) == {0}
    with pytest.raises(ClassNotFound):
        room.class_results(made.code, made.teacher_key)
    assert room.class_results(kept.code, kept.teacher_key).students[0].answers == 1
    room.record_answer(students[0], card_id="katt", answer="en katt", verdict="correct")
    assert room.deliver(10)  # an answer of a deleted class goes nowhere, and nothing breaks
    assert set(rows_of(path, class_id).values()) == {0}


def test_deleting_a_class_forgets_its_answers_waiting_in_the_outbox(
    room: Classroom, path: Path
) -> None:
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # the database is away: the answers wait on disk
    for n in range(3):
        room.record_answer(anna, card_id=f"c{n}", answer="hund", verdict="correct")
    assert room.flush(30) and room.outbox.counts()[made.code] == 3
    holder.execute("ROLLBACK")
    holder.close()
    assert room.delete_class(made.code, made.teacher_key) == 1
    assert not room.outbox.counts()
    assert room.deliver(10) and set(rows_of(path, anna.class_id).values()) == {0}


def test_classes_are_deleted_90_days_after_they_end(path: Path, clock: Clock) -> None:
    with Classroom(f"sqlite:///{path}", clock=clock, retry_delays=(0.05,)) as room:
        old = room.create_class("HT26", ["Djur"])
        anna = room.join_class(old.code, "Anna")
        room.record_answer(anna, card_id="hund", answer="en hund", verdict="correct")
        assert room.deliver(10)
        ended = room.end_class(old.code, old.teacher_key)
        clock.now = ended + timedelta(days=89)
        fresh = room.create_class("VT27", ["Djur"])  # a new class: old ones are checked
        assert room.class_results(old.code, old.teacher_key).name == "HT26"
    clock.now = ended + timedelta(days=91)
    with Classroom(f"sqlite:///{path}", clock=clock) as room:  # on start too
        with pytest.raises(ClassNotFound):
            room.class_results(old.code, old.teacher_key)
        assert set(rows_of(path, anna.class_id).values()) == {0}
        assert room.class_results(fresh.code, fresh.teacher_key).name == "VT27"
    # a class nobody ends ends by itself 30 days after it was made, and goes 90 days later
    clock.now += timedelta(days=30 + 91)
    with Classroom(f"sqlite:///{path}", clock=clock) as room, pytest.raises(ClassNotFound):
        room.class_results(fresh.code, fresh.teacher_key)


def test_the_dashboard_has_each_student_and_each_word(room: Classroom) -> None:
    made = room.create_class("7B", ["Djur"])
    anna, bo = room.join_class(made.code, "Anna"), room.join_class(made.code, "Bo")
    for who, card, verdict in [(anna, "hund", "wrong"), (anna, "hund", "correct"),
                               (anna, "katt", "correct"), (bo, "katt", "wrong")]:  # fmt: skip
        room.record_answer(who, card_id=card, answer=f"en {card}", verdict=verdict)
    assert room.deliver(10)
    grid = room.class_results(made.code, made.teacher_key).by_student_word
    assert [(g.name, g.answer, g.correct, g.answers) for g in grid] == [
        ("Anna", "en hund", 1, 2), ("Anna", "en katt", 1, 1), ("Bo", "en katt", 0, 1),
    ]  # fmt: skip


def test_a_new_pin_works_at_once_and_the_old_one_stops(room: Classroom) -> None:
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    pin = room.reset_pin(made.code, made.teacher_key, "Anna")
    assert pin.isdigit() and len(pin) == 4
    if pin != anna.pin:
        from classroom import WrongPin

        with pytest.raises(WrongPin):
            room.join_class(made.code, "Anna", pin=anna.pin)
    assert room.join_class(made.code, "Anna", pin=pin).rejoined
