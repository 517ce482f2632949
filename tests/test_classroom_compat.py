"""A class database made by an earlier release opens as it is and works: its tables are built from
the SQL that schema version 3 was first created with (tests/data/classroom_v3_*.sql), its rows
written in plain SQL, and every class action then runs on it, with the schema left unchanged. An
outbox file of that release is delivered too."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, inspect, text

from classroom import SCHEMA_VERSION, ClassNotFound, Classroom, identity
from tests.conftest import Clock

DATA = Path(__file__).parent / "data"
CODE = "K7QX3M"
KEY = "the-teachers-key"
TOKEN = "a-token-annas-browser-kept"
PIN = "4821"
MADE = datetime(2026, 12, 1, 9, 0)  # naive UTC, as the release stored times


def run_sql(conn: Connection, name: str) -> None:
    """The statements of a tests/data file, one by one (comment lines skipped)."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    script = "\n".join(line for line in lines if not line.startswith("--"))
    for statement in script.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def released(url: str) -> dict[str, int]:
    """A schema-3 database as the release made it: class K7QX3M with Anna, who answered once.
    Returns the ids of the class and of Anna."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            run_sql(conn, f"classroom_v3_{engine.dialect.name}.sql")
            at = {"at": MADE}
            conn.execute(
                text(
                    "INSERT INTO sagdet_schema_version (id, version, migrated_at) "
                    "VALUES (1, 3, :at)"
                ),
                at,
            )
            conn.execute(
                text(
                    "INSERT INTO sagdet_class (code, name, decks, key_hash, created_at, "
                    "expires_at) VALUES (:code, '7B', '[\"Djur\"]', :key, :at, NULL)"
                ),
                {"code": CODE, "key": identity.salted_hash(KEY), **at},
            )
            class_id = conn.execute(text("SELECT id FROM sagdet_class")).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO sagdet_student (class_id, name, name_key, token_hash, pin_hash, "
                    "failed_pins, locked_until, joined_at) "
                    "VALUES (:c, 'Anna', :name_key, :token, :pin, 0, NULL, :at)"
                ),
                {
                    "c": class_id,
                    "name_key": identity.name_key("Anna"),
                    "token": identity.token_hash(TOKEN),
                    "pin": identity.pin_hash(PIN),
                    **at,
                },
            )
            anna = conn.execute(text("SELECT id FROM sagdet_student")).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO sagdet_answer (answer_key, class_id, student_id, deck, round_id, "
                    "card_id, answer, verdict, heard, tries, hints, points, streak, typed, "
                    "answered_at) VALUES ('0123456789abcdef0123456789abcdef', :c, :s, 'Djur', "
                    "'r1', 'hund', 'en hund', 'correct', 'hund', 1, 0, 10, 1, :typed, :at)"
                ),
                {"c": class_id, "s": anna, "typed": False, "at": MADE + timedelta(minutes=1)},
            )
    finally:
        engine.dispose()
    return {"class": class_id, "anna": anna}


def schema_of(url: str) -> dict[str, Any]:
    """Every table's columns, keys and indexes, as the database itself reports them."""
    engine = create_engine(url)
    try:
        seen = inspect(engine)
        return {
            table: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in seen.get_columns(table)],
                seen.get_pk_constraint(table)["constrained_columns"],
                sorted(str(fk) for fk in seen.get_foreign_keys(table)),
                sorted(str(u["column_names"]) for u in seen.get_unique_constraints(table)),
                sorted(
                    (str(i["name"]), str(i["column_names"]), i["unique"])
                    for i in seen.get_indexes(table)
                ),
            )
            for table in sorted(seen.get_table_names())
        }
    finally:
        engine.dispose()


def test_a_database_the_release_made_opens_unchanged_and_every_class_action_works(
    db_url: str,
) -> None:
    released(db_url)
    before = schema_of(db_url)
    with Classroom(
        db_url, clock=Clock(MADE.replace(tzinfo=UTC) + timedelta(days=1)), retry_delays=()
    ) as room:
        shown = room.class_results(CODE, KEY)
        assert (shown.name, shown.decks) == ("7B", ("Djur",))
        assert shown.created_at == MADE.replace(tzinfo=UTC)
        (anna_then,) = shown.students
        assert (anna_then.name, anna_then.answers, anna_then.points) == ("Anna", 1, 10)

        anna = room.join_class(CODE, "Anna", rejoin_token=TOKEN)
        assert anna.rejoined and (anna.progress.points, anna.progress.answers) == (10, 1)
        assert room.join_class(CODE, "Anna", pin=PIN).rejoined  # the release's PIN hash
        assert room.record_answer(anna, card_id="katt", answer="en katt", verdict="correct")
        bo = room.join_class(CODE, "Bo")  # a new row beside the release's ones
        assert room.record_answer(bo, card_id="hund", answer="en hund", verdict="wrong")
        assert room.flush(10)
        new_pin = room.reset_pin(CODE, KEY, "Bo")
        assert room.join_class(CODE, "Bo", pin=new_pin).rejoined

        now = room.class_results(CODE, KEY)
        assert [(s.name, s.answers, s.points) for s in now.students] == [
            ("Anna", 2, 10 + 11),  # the second right card in a row earns one more
            ("Bo", 1, 0),
        ]
        assert now.status.ok and now.status.recorded == 3
        rows = list(csv.DictReader(io.StringIO(room.export_class(CODE, KEY))))
        assert [(r["student"], r["card"]) for r in rows] == [
            ("Anna", "hund"),
            ("Anna", "katt"),
            ("Bo", "hund"),
        ]

        kept = room.create_class("7C", ["Egna ord"], KEY, kept={"Egna ord": b"zip"})
        assert room.class_results(kept.code, KEY).kept_decks == ("Egna ord",)
        assert room.end_class(CODE, KEY) == room.class_results(CODE, KEY).expires_at
        assert room.delete_class(CODE, KEY) == 2
        with pytest.raises(ClassNotFound):
            room.class_results(CODE, KEY)
    assert schema_of(db_url) == before
    with Classroom(db_url) as room, room.engine.connect() as conn:
        version = conn.execute(text("SELECT version FROM sagdet_schema_version")).scalar()
    assert version == SCHEMA_VERSION == 3


def test_an_outbox_the_release_left_is_delivered(db_url: str, tmp_path: Path) -> None:
    """Answers an app of the release kept on disk while the database was away: the next app
    records them, once each, as they were judged."""
    ids = released(db_url)
    outbox = tmp_path / "outbox.sqlite"
    answered = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
    waiting = [
        {  # an answer row as the release wrote it into the outbox, key by key
            "answer_key": f"{n:032x}",
            "class_id": ids["class"],
            "student_id": ids["anna"],
            "deck": "Djur",
            "round_id": "r1",
            "card_id": card,
            "answer": f"en {card}",
            "verdict": "correct",
            "heard": card,
            "tries": 1,
            "hints": 0,
            "points": 10 + 2 * n,
            "streak": 2 + n,
            "typed": False,
            "answered_at": (answered + timedelta(seconds=n)).isoformat(),
        }
        for n, card in enumerate(["katt", "häst"])
    ]
    engine = create_engine(f"sqlite:///{outbox}")
    with engine.begin() as conn:
        run_sql(conn, "classroom_v3_outbox.sql")
        for row in waiting:
            conn.execute(
                text(
                    'INSERT INTO waiting_answer (answer_key, code, class_id, "row", queued_at) '
                    "VALUES (:key, :code, :c, :row, :at)"
                ),
                {
                    "key": row["answer_key"],
                    "code": CODE,
                    "c": ids["class"],
                    "row": json.dumps(row, ensure_ascii=False),
                    "at": answered.isoformat(),
                },
            )
    engine.dispose()
    with Classroom(db_url, outbox=outbox, retry_delays=(0.05,)) as room:
        assert room.deliver(10)
        assert room.status(CODE).delayed == 2 and not room.outbox.counts()
        (anna,) = room.class_results(CODE, KEY).students
        assert (anna.answers, anna.points, anna.best_streak) == (3, 10 + 10 + 12, 3)
        rows = list(csv.DictReader(io.StringIO(room.export_class(CODE, KEY))))
        assert [r["card"] for r in rows] == ["hund", "katt", "häst"]
        assert rows[2]["time"] == (answered + timedelta(seconds=1)).isoformat()
