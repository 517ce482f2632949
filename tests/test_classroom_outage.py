"""A class database that goes away, fills up or is locked costs records, with a status saying so,
and never an exception in a learner's game; the schema is versioned and migrated on start."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from classroom_postgres import PostgresServer, PostgresUnavailable, start_server
from sqlalchemy import event, text

from classroom import (
    SCHEMA_VERSION,
    Classroom,
    ClassroomError,
    DatabaseUnavailable,
    SchemaTooNew,
    Student,
)
from classroom.database import make_engine
from classroom.schema import migrate


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own, since the test stops it."""
    try:
        server = start_server()
    except (PostgresUnavailable, OSError) as exc:
        pytest.skip(f"no PostgreSQL server could be started here: {exc}")
    yield server
    server.remove()


def play(room: Classroom, student: Student, count: int, heard: str = "hund") -> None:
    """Answer `count` cards; record_answer must neither raise nor wait for the database."""
    for n in range(count):
        assert room.record_answer(
            student, card_id=f"c{n}", answer="hund", verdict="correct", heard=heard
        )


def test_postgres_stopping_during_a_class_costs_records_with_a_status(
    own_postgres: PostgresServer,
) -> None:
    room = Classroom(own_postgres.create_database(), retry_delays=(), timeout=2)
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    play(room, anna, 3)
    assert room.flush() and room.status(made.code).ok

    own_postgres.stop()
    play(room, anna, 4)
    assert room.flush(timeout=60)
    down = room.status(made.code)
    assert (down.ok, down.recorded, down.lost) == (False, 3, 4)
    assert "not been answering" in down.message and "keep playing" in down.message
    assert down.reason  # the database's own words, for the log
    for call in (
        lambda: room.class_results(made.code, made.teacher_key),
        lambda: room.join_class(made.code, "Bo"),
        lambda: room.create_class("7C", ["Djur"]),
    ):
        with pytest.raises(DatabaseUnavailable, match="not answering"):
            call()

    own_postgres.start()
    play(room, anna, 2)
    assert room.flush(timeout=60)
    back = room.status(made.code)
    assert (back.ok, back.recorded, back.lost) == (True, 5, 4)
    assert "4 answers could not be recorded" in back.message
    (only,) = room.class_results(made.code, made.teacher_key).students
    assert only.answers == 5
    room.close()


def test_a_locked_sqlite_file_costs_records_with_a_status(tmp_path: Path) -> None:
    path = tmp_path / "classes.db"
    room = Classroom(f"sqlite:///{path}", retry_delays=(), timeout=1.0)
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    play(room, anna, 1)
    room.flush()
    holder = sqlite3.connect(path, isolation_level=None)  # another program holding the file
    holder.execute("BEGIN EXCLUSIVE")
    started = time.monotonic()
    play(room, anna, 3)
    assert time.monotonic() - started < 0.5  # each write would wait 1 s for the lock
    assert room.flush(timeout=30)
    down = room.status(made.code)
    assert (down.ok, down.recorded, down.lost) == (False, 1, 3)
    assert "locked" in down.reason
    holder.execute("ROLLBACK")
    holder.close()
    play(room, anna, 1)
    room.flush()
    assert room.status(made.code).ok and room.status(made.code).recorded == 2
    room.close()


def test_a_full_sqlite_database_costs_records_with_a_status(tmp_path: Path) -> None:
    room = Classroom(f"sqlite:///{tmp_path / 'classes.db'}", retry_delays=())
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    with room.engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar()

    def no_room_to_grow(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(room.engine, "connect", no_room_to_grow)
    room.engine.dispose()
    play(room, anna, 300, heard="h" * 500)
    assert room.flush(timeout=60)
    full = room.status(made.code)
    assert not full.ok and full.lost > 0 and full.recorded + full.lost == 300
    assert "full" in full.reason
    event.remove(room.engine, "connect", no_room_to_grow)
    room.engine.dispose()
    play(room, anna, 1)
    room.flush()
    assert room.status(made.code).ok
    room.close()


def test_answers_beyond_the_queue_are_counted_lost_and_nothing_raises(tmp_path: Path) -> None:
    path = tmp_path / "classes.db"
    room = Classroom(f"sqlite:///{path}", retry_delays=(), timeout=0.5, writer_capacity=2)
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # the writer stalls on its first batch
    queued = [
        room.record_answer(anna, card_id="c", answer="hund", verdict="correct") for _ in range(10)
    ]
    assert queued.count(False) >= 1
    room.flush(timeout=30)
    holder.execute("ROLLBACK")
    holder.close()
    assert room.status(made.code).lost == 10
    room.close()


def test_the_writer_outlives_an_unexpected_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Classroom(f"sqlite:///{tmp_path / 'c.db'}", retry_delays=()) as room:
        made = room.create_class("7B", ["Djur"])
        anna = room.join_class(made.code, "Anna")
        writer = room._writer

        def broken(rows: list) -> None:
            raise RuntimeError("a bug, not a database error")

        monkeypatch.setattr(writer, "_insert", broken)
        play(room, anna, 2)
        assert room.flush(timeout=10)
        assert room.status(made.code).lost == 2 and "a bug" in room.status().reason
        monkeypatch.undo()
        play(room, anna, 1)
        assert room.flush(timeout=10) and room.status(made.code).recorded == 1


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


@pytest.mark.parametrize(
    "fields",
    [{"card_id": Unprintable()}, {"heard": Unprintable()}, {"verdict": Unprintable()}],
)
def test_record_answer_never_raises_on_odd_input(tmp_path: Path, fields: dict) -> None:
    with Classroom(f"sqlite:///{tmp_path / 'c.db'}", retry_delays=()) as room:
        made = room.create_class("7B", ["Djur"])
        anna = room.join_class(made.code, "Anna")
        base = {"card_id": "hund", "answer": "hund", "verdict": "correct"}
        assert room.record_answer(anna, **{**base, **fields}) is False
        assert room.record_answer(None, **base) is False  # type: ignore[arg-type]
        assert room.record_answer(anna, **base, heard="x" * 10_000) is True
        room.flush()
        (only,) = room.class_results(made.code, made.teacher_key).students
        assert only.answers == 1


def test_a_database_that_cannot_be_reached_at_start_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(DatabaseUnavailable, match="cannot start"):
        Classroom(f"sqlite:///{blocker / 'classes.db'}")  # its folder would be a file
    with pytest.raises(DatabaseUnavailable, match="cannot start"):
        Classroom("postgresql+psycopg://postgres@127.0.0.1:9/none", timeout=2)


def test_the_schema_is_stamped_reopened_and_refused_when_newer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'classes.db'}"
    with Classroom(url) as room:
        made = room.create_class("7B", ["Djur"])
    with Classroom(url) as room:  # reopening keeps the class
        assert room.class_results(made.code, made.teacher_key).name == "7B"
        with room.engine.begin() as conn:
            version = conn.execute(text("SELECT version FROM sagdet_schema_version")).scalar()
            assert version == SCHEMA_VERSION
            conn.execute(text("UPDATE sagdet_schema_version SET version = :v"), {"v": 99})
    with pytest.raises(SchemaTooNew, match="newer version") as raised:
        Classroom(url)
    assert isinstance(raised.value, ClassroomError)


def test_pending_migration_steps_run_once_in_order(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'classes.db'}")
    assert migrate(engine) == 0
    ran: list[int] = []

    def add_column(conn) -> None:
        ran.append(SCHEMA_VERSION + 1)
        conn.execute(text("ALTER TABLE sagdet_class ADD COLUMN note VARCHAR(50)"))

    def add_index(conn) -> None:
        ran.append(SCHEMA_VERSION + 2)
        conn.execute(text("CREATE INDEX ix_note ON sagdet_class (note)"))

    steps = {SCHEMA_VERSION + 1: add_column, SCHEMA_VERSION + 2: add_index}
    head = SCHEMA_VERSION + 2
    assert migrate(engine, steps, head=head) == SCHEMA_VERSION
    assert migrate(engine, steps, head=head) == head
    assert ran == [SCHEMA_VERSION + 1, SCHEMA_VERSION + 2]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM sagdet_class")).all() == []
    engine.dispose()


def test_two_replicas_starting_together_create_the_schema_once(
    own_postgres: PostgresServer,
) -> None:
    url = own_postgres.create_database()
    opened: list[Classroom] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def open_room() -> None:
        start.wait()
        try:
            opened.append(Classroom(url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_room) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(opened) == 3
    made = opened[0].create_class("7B", ["Djur"])
    assert opened[2].class_results(made.code, made.teacher_key).name == "7B"
    for room in opened:
        room.close()
