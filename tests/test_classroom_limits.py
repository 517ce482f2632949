"""Class mode's limits: a school behind one address gets through, guessing and flooding do not,
and nobody is locked out by someone else's wrong tries (classroom.limits)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from classroom import (
    ClassNotFound,
    Classroom,
    Limits,
    Rule,
    TooManyTries,
    WrongPin,
    WrongTeacherKey,
)
from classroom.limits import Counter
from tests.conftest import Clock

SCHOOL = "198.51.100.7"  # a whole school behind one NAT address


@pytest.fixture
def clock() -> Clock:
    return Clock(tick=timedelta(0))  # the limits' windows are counted to the second


@pytest.fixture
def room(tmp_path: Path, clock: Clock) -> Iterator[Classroom]:
    with Classroom(f"sqlite:///{tmp_path / 'c.db'}", clock=clock, retry_delays=()) as opened:
        yield opened


def test_a_school_behind_one_address_gets_through(room: Classroom) -> None:
    """Three teachers make their classes and three classes of thirty join at once."""
    for klass in ("7A", "7B", "7C"):
        made = room.create_class(klass, ["Djur"], client=SCHOOL)
        for n in range(30):
            room.join_class(made.code, f"Elev {n}", client=SCHOOL)
        for n in range(3):  # mistyped codes
            with pytest.raises(ClassNotFound):
                room.join_class(f"{made.code[:-1]}?", f"Elev {n}", client=SCHOOL)
        assert len(room.class_results(made.code, made.teacher_key, client=SCHOOL).students) == 30


def test_classes_made_by_the_hundred_stop(room: Classroom, clock: Clock) -> None:
    limit = room.gate.limits.classes_per_client.limit
    for n in range(limit):
        room.create_class(f"Klass {n}", ["Djur"], client="203.0.113.5")
    with pytest.raises(TooManyTries, match=r"Too many classes.*Wait 60 min"):
        room.create_class("one more", ["Djur"], client="203.0.113.5")
    room.create_class("elsewhere", ["Djur"], client="203.0.113.6")  # another address
    clock.now += timedelta(hours=1)
    room.create_class("an hour later", ["Djur"], client="203.0.113.5")


def test_join_codes_cannot_be_searched(room: Classroom, clock: Clock) -> None:
    made = room.create_class("7B", ["Djur"])
    for n in range(room.gate.limits.codes_per_client.limit):
        with pytest.raises(ClassNotFound):
            room.join_class(f"ZZZZ{n:02d}", "Anna", client="203.0.113.5")
    with pytest.raises(TooManyTries, match=r"class codes.*check the code with your teacher"):
        room.join_class(made.code, "Anna", client="203.0.113.5")  # even the right one, for now
    with pytest.raises(TooManyTries):  # the dashboard is no way round it
        room.class_results("ZZZZZZ", "any-key-at-all", client="203.0.113.5")
    assert room.join_class(made.code, "Bo", client="203.0.113.6").name == "Bo"
    clock.now += timedelta(minutes=10)
    assert room.join_class(made.code, "Anna", client="203.0.113.5").name == "Anna"


def test_made_up_names_flooding_a_class_stop(tmp_path: Path, clock: Clock) -> None:
    limits = Limits(students_per_class=Rule(5, timedelta(minutes=10)))
    with Classroom(f"sqlite:///{tmp_path / 'c.db'}", clock=clock, limits=limits) as room:
        made = room.create_class("7B", ["Djur"])
        first = [room.join_class(made.code, f"Namn {n}", client=f"10.1.0.{n}") for n in range(5)]
        with pytest.raises(TooManyTries, match="Too many students"):
            room.join_class(made.code, "Namn 6", client="10.1.0.6")
        # who is in already comes back: a rejoin is never limited
        assert room.join_class(made.code, "Namn 0", rejoin_token=first[0].token).rejoined


def test_teacher_keys_cannot_be_guessed_and_the_teacher_still_gets_in(
    room: Classroom, clock: Clock
) -> None:
    made = room.create_class("7B", ["Djur"])
    for n in range(room.gate.limits.keys_per_client.limit):
        with pytest.raises(WrongTeacherKey):
            room.class_results(made.code, f"guess-{n:04d}", client="203.0.113.5")
    for call in (room.class_results, room.export_class):
        with pytest.raises(TooManyTries, match="wrong teacher keys"):
            call(made.code, made.teacher_key, client="203.0.113.5")
    assert room.class_results(made.code, made.teacher_key, client=SCHOOL).code == made.code
    clock.now += timedelta(minutes=10)
    assert room.class_results(made.code, made.teacher_key, client="203.0.113.5").code


def test_many_addresses_guessing_one_class_close_it_to_themselves_only(room: Classroom) -> None:
    made = room.create_class("7B", ["Djur"])
    per_class = room.gate.limits.keys_per_class.limit
    guessers = [f"203.0.113.{n}" for n in range(per_class)]
    for guesser in guessers:  # one wrong key each: the class has had its fill
        with pytest.raises(WrongTeacherKey):
            room.class_results(made.code, "a-guess-1234", client=guesser)
    with pytest.raises(TooManyTries):  # a second guess from any of them is refused
        room.class_results(made.code, made.teacher_key, client=guessers[0])
    assert room.class_results(made.code, made.teacher_key, client=SCHOOL).code == made.code


def test_nobody_locks_a_student_out_of_their_pin(room: Classroom, clock: Clock) -> None:
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna", client=SCHOOL)
    assert anna.pin is not None
    wrong = "0000" if anna.pin != "0000" else "1111"
    pranksters = [f"203.0.113.{n}" for n in range(8)]
    for prankster in pranksters:  # 40 wrong PINs for Anna from 8 addresses
        for _ in range(5):
            with pytest.raises((WrongPin, TooManyTries)):
                room.join_class(made.code, "Anna", pin=wrong, client=prankster)
    for prankster in pranksters:
        with pytest.raises(TooManyTries, match="Too many wrong PINs"):
            room.join_class(made.code, "Anna", pin=anna.pin, client=prankster)
    # Anna, on another device of the school, and by her browser's token
    back = room.join_class(made.code, "Anna", pin=anna.pin, client="10.0.0.23")
    assert back.rejoined
    assert room.join_class(made.code, "Anna", rejoin_token=back.token, client=pranksters[0])


def test_pins_cannot_be_searched_from_one_address(room: Classroom) -> None:
    made = room.create_class("7B", ["Djur"])
    names = [f"Elev {n}" for n in range(6)]
    for name in names:
        room.join_class(made.code, name)
    tries = 0
    with pytest.raises(TooManyTries):
        for name in names:
            for pin in range(5):
                tries += 1
                with pytest.raises(WrongPin):
                    room.join_class(made.code, name, pin=f"{9990 + pin}", client="203.0.113.5")
    assert tries == room.gate.limits.pins_per_client.limit + 1


def test_the_counter_keeps_a_sliding_window() -> None:
    counter, rule = Counter(max_keys=3), Rule(2, timedelta(minutes=1))
    start = datetime(2026, 12, 1, tzinfo=UTC)
    counter.add(("a",), start)
    counter.add(("a",), start + timedelta(seconds=30))
    assert counter.wait(rule, ("a",), start + timedelta(seconds=40)) == timedelta(seconds=20)
    assert counter.wait(rule, ("a",), start + timedelta(seconds=60)) is None
    for key in "bcd":  # at most three keys kept: the oldest goes
        counter.add((key,), start)
    assert counter.count(rule, ("a",), start + timedelta(seconds=61)) == 0
