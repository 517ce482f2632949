"""Class mode against real databases: a SQLite file and a PostgreSQL server, the same tests.

Each test gets an empty database (`db_url`, tests/conftest.py). The Postgres runs are skipped,
with the reason, where no server can be started (tests/classroom_postgres.py).
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from classroom import (
    SCHEMA_VERSION,
    ClassExpired,
    ClassNotFound,
    Classroom,
    InvalidName,
    NameTaken,
    NewClass,
    Student,
    TooManyTries,
    WrongPin,
    WrongTeacherKey,
)
from tests.conftest import Clock


@pytest.fixture
def room(db_url: str, clock: Clock) -> Iterator[Classroom]:
    with Classroom(db_url, clock=clock, retry_delays=()) as opened:
        yield opened


def answer(room: Classroom, student: Student, card: str, verdict: str) -> None:
    assert room.record_answer(
        student,
        card_id=card,
        answer=f"en {card}",
        verdict=verdict,
        heard=card if verdict == "correct" else f"{card}ar",
        deck="Djur",
        round_id="r1",
    )


def test_two_students_answering_at_once_on_two_replicas_are_all_recorded(
    room: Classroom, db_url: str, clock: Clock
) -> None:
    made = room.create_class("7B", ["Djur"])
    with Classroom(db_url, clock=clock, retry_delays=()) as replica:
        anna = room.join_class(made.code, "Anna")
        bo = replica.join_class(made.code, "Bo")
        start = threading.Barrier(2)

        def play(server: Classroom, student: Student) -> None:
            start.wait()
            for n in range(40):
                answer(server, student, f"ord{n}", "correct")

        threads = [
            threading.Thread(target=play, args=(room, anna)),
            threading.Thread(target=play, args=(replica, bo)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert replica.flush() and room.flush()
        assert replica.status().recorded == 40 and replica.status().lost == 0
    assert room.status(made.code).recorded == 40
    got = {s.name: (s.answers, s.points, s.best_streak) for s in _results(room, made).students}
    points = 40 * 10 + (0 + 1 + 2 + 3 + 4) + 35 * 5  # the streak bonus: one more a card, up to 5
    assert got == {"Anna": (40, points, 40), "Bo": (40, points, 40)}


def test_a_rejoin_with_the_token_keeps_points_and_streak(room: Classroom) -> None:
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    assert anna.pin is not None and len(anna.pin) == 4 and not anna.rejoined
    answer(room, anna, "hund", "correct")
    answer(room, anna, "katt", "correct")
    back = room.join_class(made.code.lower(), " anna ", rejoin_token=anna.token)
    assert back.rejoined and back.student_id == anna.student_id and back.name == "Anna"
    assert (back.progress.points, back.progress.answers, back.progress.streak) == (21, 2, 2)
    assert back.pin is None and back.token == anna.token
    answer(room, back, "häst", "wrong")
    room.flush()
    (only,) = _results(room, made).students
    assert (only.answers, only.points, only.best_streak) == (3, 21, 2)


def test_a_rejoin_with_the_pin_on_another_device_keeps_points(room: Classroom) -> None:
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    answer(room, anna, "hund", "correct")
    assert anna.pin is not None
    back = room.join_class(made.code, "Anna", pin=anna.pin)
    assert back.rejoined and back.progress.points == 10 and back.token != anna.token
    with pytest.raises(NameTaken):  # the old device's token stopped with the new one
        room.join_class(made.code, "Anna", rejoin_token=anna.token)
    assert room.join_class(made.code, "Anna", rejoin_token=back.token).rejoined


@pytest.mark.parametrize(
    "name, proof",
    [
        ("Anna", {}),
        ("ANNA", {}),
        ("\uff21nna", {}),  # a full-width A reads as the same name
        ("Anna", {"rejoin_token": "a-guessed-token"}),
        ("Anna", {"rejoin_token": ""}),
    ],
)
def test_someone_else_choosing_a_taken_name_is_told_and_takes_nothing(
    room: Classroom, name: str, proof: dict[str, str]
) -> None:
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    answer(room, anna, "hund", "correct")
    with pytest.raises(NameTaken, match=r"already called “Anna”.*PIN"):
        room.join_class(made.code, name, **proof)
    room.flush()
    (only,) = _results(room, made).students
    assert (only.name, only.points) == ("Anna", 10)
    assert room.join_class(made.code, "Anna", rejoin_token=anna.token).rejoined


def test_wrong_pins_are_refused_then_limited_until_the_teacher_gives_a_new_pin(
    room: Classroom, clock: Clock
) -> None:
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    wrong = "0000" if anna.pin != "0000" else "1111"
    for _ in range(5):
        with pytest.raises(WrongPin, match="not the PIN"):
            room.join_class(made.code, "Anna", pin=wrong, client="10.0.0.9")
    with pytest.raises(TooManyTries, match=r"Too many wrong PINs.*ask your teacher"):
        room.join_class(made.code, "Anna", pin=anna.pin, client="10.0.0.9")
    # Anna, on a device of her own, is not locked out by whoever typed those
    assert room.join_class(made.code, "Anna", pin=anna.pin, client="10.0.0.7").rejoined
    pin = room.reset_pin(made.code, made.teacher_key, "anna")  # clears what was counted
    assert room.join_class(made.code, "Anna", pin=pin, client="10.0.0.9").rejoined
    clock.now += timedelta(minutes=16)
    assert room.join_class(made.code, "Anna", pin=pin).rejoined


def test_two_students_choosing_the_same_new_name_at_once_get_one_seat(room: Classroom) -> None:
    made = room.create_class("7B", ["Djur"])
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def join() -> None:
        start.wait()
        try:
            room.join_class(made.code, "Sam")
            outcomes.append("joined")
        except NameTaken:
            outcomes.append("taken")

    threads = [threading.Thread(target=join) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["joined", "taken", "taken", "taken"]


def test_the_csv_lists_every_answer(room: Classroom) -> None:
    made = room.create_class("Klass 7B (HT26)", ["Djur", "Mat"])
    åsa = room.join_class(made.code, "Åsa")
    bo = room.join_class(made.code, "Bo")
    sent = []
    for n, (who, verdict) in enumerate([(åsa, "correct"), (bo, "close"), (åsa, "wrong")] * 5):
        heard = "-hundar" if n == 1 else f"hörde {n}"  # a cell a spreadsheet would run
        room.record_answer(who, card_id=f"c{n}", answer="äpple", verdict=verdict, heard=heard)
        sent.append((who.name, f"c{n}", verdict))
    room.flush()
    rows = list(csv.DictReader(io.StringIO(room.export_class(made.code, made.teacher_key))))
    assert [(r["student"], r["card"], r["verdict"]) for r in rows] == sent
    assert rows[1]["heard"] == "'-hundar" and rows[0]["heard"] == "hörde 0"
    assert all(r["time"].endswith("+00:00") and r["tries"] == "1" for r in rows)


@pytest.mark.parametrize("key", ["wrong-key-123", "", " ", "other-class", None, 42])
def test_a_wrong_teacher_key_sees_nothing(room: Classroom, key: object) -> None:
    made = room.create_class("7B", ["Djur"])
    other = room.create_class("7C", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    answer(room, anna, "hund", "correct")
    room.flush()
    key = other.teacher_key if key == "other-class" else key
    for call in (room.class_results, room.export_class):
        with pytest.raises(WrongTeacherKey) as raised:
            call(made.code, key)  # type: ignore[arg-type]
        assert "Anna" not in str(raised.value) and "hund" not in str(raised.value)
    with pytest.raises(WrongTeacherKey):
        room.reset_pin(made.code, key, "Anna")  # type: ignore[arg-type]


def test_a_student_of_one_class_never_sees_another_class(room: Classroom) -> None:
    a = room.create_class("7A", ["Djur"])
    b = room.create_class("7B", ["Mat"])
    anna_a = room.join_class(a.code, "Anna")
    answer(room, anna_a, "hund", "correct")
    room.flush()
    # The same name in class B is another person: A's token opens nothing there.
    anna_b = room.join_class(b.code, "Anna", rejoin_token=anna_a.token)
    assert not anna_b.rejoined and anna_b.student_id != anna_a.student_id
    assert anna_b.progress.points == 0 and anna_b.decks == ("Mat",)
    with pytest.raises(NameTaken):
        room.join_class(a.code, "Anna", rejoin_token=anna_b.token)
    answer(room, anna_b, "ost", "wrong")
    room.flush()
    in_b = _results(room, b)
    assert [w.card_id for w in in_b.words] == ["ost"] and in_b.students[0].points == 0
    assert "hund" not in room.export_class(b.code, b.teacher_key)
    assert [w.card_id for w in _results(room, a).words] == ["hund"]


@pytest.mark.parametrize("code", ["", "ZZZZZZ", "<script>alert(1)</script>", "x" * 10_000])
def test_a_wrong_code_is_a_clear_error(room: Classroom, code: str) -> None:
    room.create_class("7B", ["Djur"])
    with pytest.raises(ClassNotFound, match="Check the code with your teacher") as raised:
        room.join_class(code, "Anna")
    assert "<" not in str(raised.value) and len(str(raised.value)) < 120


def test_an_expired_code_is_a_clear_error_and_the_results_stay(db_url: str, clock: Clock) -> None:
    with Classroom(db_url, clock=clock, expiry_days=30, retry_delays=()) as room:
        made = room.create_class("7B", ["Djur"])
        anna = room.join_class(made.code, "Anna")
        clock.now += timedelta(days=31)
        for name in ("Bo", "Anna"):
            with pytest.raises(ClassExpired, match="has ended"):
                room.join_class(made.code, name, rejoin_token=anna.token)
        assert [s.name for s in _results(room, made).students] == ["Anna"]


@pytest.mark.parametrize(
    "name, problem",
    [
        ("", "type a name"),
        ("   \n\t ", "type a name"),
        ("a" * 41, "at most 40"),
        ("Anna" * 2_500, "at most 40"),
        ("<b>Anna</b>", "not / < >"),
        ("Anna<script>", "not < >"),
        ("&lt;Anna&gt;", "not & ;"),
        ('Anna"', 'not "'),
        ("Anna\x00", "U+0000"),
        ("\u202eannA", "U+202E"),  # right-to-left override
        ("Ann\u200ba", "U+200B"),  # zero-width space
        ("...", "at least one letter"),
    ],
)
def test_bad_names_are_refused_and_nothing_is_stored(
    room: Classroom, name: str, problem: str
) -> None:
    made = room.create_class("7B", ["Djur"])
    with pytest.raises(InvalidName, match=re.escape(problem)):
        room.join_class(made.code, name)
    assert _results(room, made).students == ()


def test_results_per_student_per_word_and_the_leaderboard(room: Classroom) -> None:
    made = room.create_class("7B", ["Djur"])
    anna, bo, cy = (room.join_class(made.code, n) for n in ("Anna", "Bo", "Cy"))
    plays = [
        (anna, "r1", "hund", "correct"),
        (anna, "r1", "katt", "correct"),
        (anna, "r2", "häst", "wrong"),
        (bo, "r1", "häst", "close"),
        (bo, "r1", "hund", "correct"),  # häst was left unfinished: skipped, no streak
        (cy, "r1", "häst", "wrong"),
    ]
    for who, round_id, card, verdict in plays:
        room.record_answer(who, card_id=card, answer=card, verdict=verdict, round_id=round_id)
    room.flush()
    got = _results(room, made)
    students = {
        s.name: (s.rounds, s.answers, s.correct, s.points, s.best_streak) for s in got.students
    }
    assert students == {"Anna": (2, 3, 2, 21, 2), "Bo": (1, 2, 1, 10, 1), "Cy": (1, 1, 0, 0, 0)}
    assert got.students[0].accuracy == pytest.approx(2 / 3)
    assert [(w.card_id, w.answers, w.misses) for w in got.words] == [
        ("häst", 3, 3), ("hund", 2, 0), ("katt", 1, 0),
    ]  # fmt: skip
    assert [w.card_id for w in got.missed_most] == ["häst"]
    assert [(r.rank, r.name, r.points) for r in got.leaderboard] == [
        (1, "Anna", 21), (2, "Bo", 10), (3, "Cy", 0),
    ]  # fmt: skip
    assert (
        got.status.ok
        and got.status.recorded == 6
        and "All answers are recorded" in got.status.message
    )


def _results(room: Classroom, made: NewClass):
    return room.class_results(made.code, made.teacher_key)


def test_a_schema_1_database_is_migrated_and_keeps_its_answers(db_url: str, clock: Clock) -> None:
    """A database of the version before: no answer keys, no hints. Opening it migrates it once;
    its answers stay, and new ones are recorded beside them."""
    from sqlalchemy import text

    with Classroom(db_url, clock=clock, retry_delays=()) as room:
        made = room.create_class("7B", ["Djur"])
        anna = room.join_class(made.code, "Anna")
        answer(room, anna, "hund", "correct")
        room.flush()
        with room.engine.begin() as conn:  # back to schema 1, as the previous version made it
            conn.execute(text("DROP INDEX ix_sagdet_answer_key"))
            conn.execute(text("ALTER TABLE sagdet_answer DROP COLUMN answer_key"))
            conn.execute(text("ALTER TABLE sagdet_answer DROP COLUMN hints"))
            conn.execute(text("DROP TABLE sagdet_class_deck"))
            conn.execute(text("UPDATE sagdet_schema_version SET version = 1"))
    with Classroom(db_url, clock=clock, retry_delays=()) as room:
        with room.engine.connect() as conn:
            version = conn.execute(text("SELECT version FROM sagdet_schema_version")).scalar()
            assert version == SCHEMA_VERSION
            assert conn.execute(text("SELECT hints, answer_key FROM sagdet_answer")).all() == [
                (0, None)
            ]
        back = room.join_class(made.code, "Anna", rejoin_token=anna.token)
        answer(room, back, "katt", "correct")
        room.flush()
        (only,) = _results(room, made).students
        assert (only.answers, only.points, only.best_streak) == (2, 21, 2)
