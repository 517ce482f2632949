"""A class database that goes away, fills up or is locked costs no answer: what it cannot take
waits in the outbox on local disk (surviving a restart, even kill -9) and is recorded when it is
back, in order, exactly once; the dashboard says at every moment what is recorded, waiting and
lost; nothing of it is an exception in a learner's game. The schema is versioned and migrated."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from classroom_postgres import PostgresServer
from sqlalchemy import create_engine, event, text

from classroom import (
    SCHEMA_VERSION,
    Classroom,
    ClassroomError,
    DatabaseUnavailable,
    NewClass,
    SchemaTooNew,
    Student,
    WrongTeacherKey,
)
from classroom.database import make_engine
from classroom.schema import migrate

ROOT = Path(__file__).resolve().parent.parent


def play(
    room: Classroom, student: Student, count: int, heard: str = "hund", tag: str = "c"
) -> None:
    """Answer `count` cards; record_answer must neither raise nor wait for the database."""
    for n in range(count):
        started = time.monotonic()
        assert room.record_answer(
            student, card_id=f"{tag}{n}", answer="hund", verdict="correct", heard=heard
        )
        assert time.monotonic() - started < 0.5


def together(room: Classroom, students: list[Student], count: int, tag: str) -> None:
    """Every student answers `count` cards at the same time as the others."""
    start = threading.Barrier(len(students))
    errors: list[BaseException] = []

    def one(student: Student) -> None:
        start.wait()
        try:
            play(room, student, count, tag=tag)
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(s,)) for s in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def answers_in_csv(room: Classroom, made: NewClass) -> list[tuple[str, str]]:
    """(student, card) of every answer in the class's CSV, oldest first."""
    rows = csv.DictReader(io.StringIO(room.export_class(made.code, made.teacher_key)))
    return [(r["student"], r["card"]) for r in rows]


def every_answer_once(room: Classroom, made: NewClass, tags: str, count: dict[str, int]) -> None:
    """The results and the CSV hold each answer once, each student's in the order given."""
    got = answers_in_csv(room, made)
    assert len(got) == len(set(got))  # none twice
    students = {s.name: s.answers for s in room.class_results(made.code, made.teacher_key).students}
    for name in students:
        mine = [card for who, card in got if who == name]
        assert mine == [f"{tag}{n}" for tag in tags for n in range(count[tag])]
        assert students[name] == len(mine)


def test_postgres_stopping_during_a_class_loses_nothing_and_the_dashboard_says_so(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    room = Classroom(
        own_postgres.create_database(), retry_delays=(0.2,), timeout=2,
        outbox=tmp_path / "outbox.sqlite",
    )  # fmt: skip
    made = room.create_class("7B", ["Djur"])
    students = [room.join_class(made.code, name) for name in ("Anna", "Bo", "Cy", "Di")]
    together(room, students, 3, "a")
    assert room.deliver(10) and room.class_results(made.code, made.teacher_key).status.ok

    own_postgres.stop()
    together(room, students, 5, "b")  # 20 answers while the database is away
    assert room.flush(timeout=60)
    down = room.status(made.code)
    assert (down.ok, down.waiting, down.lost) == (False, 20, 0) and down.reason
    dashboard = room.class_results(made.code, made.teacher_key)  # as the teacher saw it last
    assert dashboard.as_of is not None and len(dashboard.students) == 4
    shown = dashboard.status
    assert (shown.ok, shown.recorded, shown.waiting, shown.lost) == (False, 12, 20, 0)
    assert "not been answering" in shown.message and "20 answers waiting" in shown.message
    with pytest.raises(WrongTeacherKey):  # the key is still checked
        room.class_results(made.code, "not-the-key-at-all")
    for call in (
        lambda: room.join_class(made.code, "Eva"),
        lambda: room.create_class("7C", ["Djur"]),
    ):
        with pytest.raises(DatabaseUnavailable, match="not answering"):
            call()

    own_postgres.start()
    together(room, students, 2, "c")  # after the older answers, in order
    assert room.deliver(timeout=60)
    back = room.class_results(made.code, made.teacher_key)
    assert back.as_of is None
    assert (back.status.ok, back.status.recorded, back.status.waiting, back.status.lost) == (
        True, 40, 0, 0,
    )  # fmt: skip
    assert back.status.delayed >= 20
    assert "All answers are recorded (40 answers)" in back.status.message
    assert "waited on this server" in back.status.message
    every_answer_once(room, made, "abc", {"a": 3, "b": 5, "c": 2})
    assert not room.outbox.counts()
    room.close()


def test_a_locked_sqlite_file_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "classes.db"
    room = Classroom(f"sqlite:///{path}", retry_delays=(0.1,), timeout=0.5)
    made = room.create_class("7B", ["Djur"])
    students = [room.join_class(made.code, name) for name in ("Anna", "Bo", "Cy")]
    together(room, students, 1, "a")
    assert room.deliver(10)
    holder = sqlite3.connect(path, isolation_level=None)  # another program holding the file
    holder.execute("BEGIN EXCLUSIVE")
    together(room, students, 4, "b")
    assert room.flush(timeout=30)
    down = room.class_results(made.code, made.teacher_key)  # WAL: the dashboard still reads
    assert (down.status.ok, down.status.recorded, down.status.waiting) == (False, 3, 12)
    assert "locked" in down.status.reason and down.as_of is None
    assert room.outbox.path == tmp_path / "classes.db-outbox.sqlite"  # beside the database
    holder.execute("ROLLBACK")
    holder.close()
    assert room.deliver(timeout=30)
    assert room.status(made.code).ok and room.status(made.code).waiting == 0
    every_answer_once(room, made, "ab", {"a": 1, "b": 4})
    room.close()


CHILD = """
import json, sys
from classroom import Classroom
url, code = sys.argv[1:3]
room = Classroom(url, timeout=2, retry_delays=(60,))
students = [room.join_class(code, f"Elev {i}") for i in range(3)]
print("joined", flush=True)
sys.stdin.readline()  # the database is stopped now
for n in range(4):
    for student in students:
        assert room.record_answer(student, card_id=f"k{n}", answer="hund", verdict="correct")
assert room.flush(60)
status = room.status(code)
print(json.dumps([status.ok, status.waiting, status.lost]), flush=True)
sys.stdin.readline()  # killed meanwhile
"""


def test_answers_kept_by_a_killed_app_are_delivered_by_the_next_one(
    own_postgres: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An app process answers while the database is away and is killed (-9); the app started
    next, on the same database, delivers what the first kept, with no class action at all."""
    from ui.classroom_hub import ClassHub

    monkeypatch.setenv("HOME", str(tmp_path))  # where a server database's outbox goes
    url = own_postgres.create_database()
    with Classroom(url) as room:
        made = room.create_class("7B", ["Djur"])
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, made.code], cwd=ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "joined"
        own_postgres.stop()
        child.stdin.write("go\n")
        child.stdin.flush()
        assert json.loads(child.stdout.readline()) == [False, 12, 0]
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    kept = list((tmp_path / ".cache" / "sag-det" / "outbox").glob("*.sqlite"))
    assert len(kept) == 1
    own_postgres.start()
    hub = ClassHub(url, retry_s=0.5)  # the next app: it only starts
    try:
        deadline = time.monotonic() + 60
        engine = create_engine(url)
        while True:
            with engine.connect() as conn:
                count = conn.execute(text("SELECT count(*) FROM sagdet_answer")).scalar()
            if count == 12 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        engine.dispose()
        assert count == 12
        room = hub.room()
        assert room.deliver(10)
        every_answer_once(room, made, "k", {"k": 4})
    finally:
        hub.close()


def test_an_answer_delivered_twice_is_recorded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database commits, then the app fails before the outbox forgets the answers: they
    are delivered again, and their keys keep them once."""
    path = tmp_path / "classes.db"
    room = Classroom(f"sqlite:///{path}", retry_delays=(0.1,), timeout=0.3)
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    play(room, anna, 5, tag="a")
    assert room.flush(timeout=30) and room.status(made.code).waiting == 5
    real_remove, failed = room.outbox.remove, []

    def crash_once(seqs: list[int]) -> None:
        if not failed:
            failed.append(seqs)
            raise OSError("the app died here")
        real_remove(seqs)

    monkeypatch.setattr(room.outbox, "remove", crash_once)
    holder.execute("ROLLBACK")
    holder.close()
    assert room.deliver(timeout=30)
    assert failed and len(failed[0]) == 5  # the database had them, the outbox too
    every_answer_once(room, made, "a", {"a": 5})
    room.close()


def test_an_outbox_that_fails_too_counts_answers_lost_and_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    path = tmp_path / "classes.db"
    room = Classroom(f"sqlite:///{path}", retry_delays=(0.1,), timeout=0.3,
                     outbox=blocker / "outbox.sqlite")  # fmt: skip
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    for n in range(3):  # the learner's game goes on: False, never an exception
        room.record_answer(anna, card_id=f"c{n}", answer="hund", verdict="correct")
    assert room.flush(timeout=30)
    holder.execute("ROLLBACK")
    holder.close()
    play(room, anna, 2, tag="d")
    assert room.deliver(timeout=30)
    status = room.class_results(made.code, made.teacher_key).status
    assert (status.ok, status.recorded, status.waiting, status.lost) == (True, 2, 0, 3)
    assert "3 answers could not be kept" in status.message


def test_a_full_sqlite_database_loses_nothing(tmp_path: Path) -> None:
    room = Classroom(f"sqlite:///{tmp_path / 'classes.db'}", retry_delays=(0.1,),
                     outbox=tmp_path / "elsewhere" / "outbox.sqlite")  # fmt: skip
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    with room.engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar()

    def no_room_to_grow(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(room.engine, "connect", no_room_to_grow)
    room.engine.dispose()
    play(room, anna, 300, heard="h" * 500, tag="a")
    assert room.flush(timeout=60)
    full = room.status(made.code)
    assert not full.ok and full.lost == 0 and full.waiting > 0
    assert full.recorded + full.waiting == 300 and "full" in full.reason
    event.remove(room.engine, "connect", no_room_to_grow)
    room.engine.dispose()
    assert room.deliver(timeout=60)
    every_answer_once(room, made, "a", {"a": 300})
    room.close()


def test_answers_beyond_the_queue_wait_on_disk_and_nothing_raises(tmp_path: Path) -> None:
    path = tmp_path / "classes.db"
    room = Classroom(f"sqlite:///{path}", retry_delays=(0.1,), timeout=0.5, writer_capacity=2)
    made = room.create_class("7B", ["Djur"])
    anna = room.join_class(made.code, "Anna")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # the writer stalls on its first batch
    play(room, anna, 10, tag="a")
    assert room.flush(timeout=30)
    holder.execute("ROLLBACK")
    holder.close()
    assert room.deliver(timeout=30)
    assert room.status(made.code).lost == 0
    got = answers_in_csv(room, made)
    assert sorted(got) == sorted(("Anna", f"a{n}") for n in range(10))
    room.close()


def test_the_writer_outlives_an_unexpected_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Classroom(f"sqlite:///{tmp_path / 'c.db'}", retry_delays=(0.1,)) as room:
        made = room.create_class("7B", ["Djur"])
        anna = room.join_class(made.code, "Anna")
        writer = room._writer

        def broken(rows: list) -> None:  # the insert itself
            raise RuntimeError("a bug, not a database error")

        monkeypatch.setattr(writer, "_insert", broken)
        play(room, anna, 2, tag="a")
        assert room.flush(timeout=10)
        status = room.status(made.code)
        assert (status.waiting, status.lost) == (2, 0) and "a bug" in status.reason
        monkeypatch.undo()
        play(room, anna, 1, tag="b")
        assert room.deliver(timeout=10) and room.status(made.code).recorded == 3
        every_answer_once(room, made, "ab", {"a": 2, "b": 1})


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


def test_two_replicas_starting_together_create_the_schema_once(postgres: PostgresServer) -> None:
    url = postgres.create_database()
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
