"""Answers the class database could not take, kept on local disk until it can.

Why a file of its own: a judged answer is a fact about a learner's work that happened; when the
database is down, locked or full, the answer must outlive the wait, a restart of the app and a
kill -9. The outbox is a small SQLite file (stdlib, no server), written with `synchronous=FULL`
so that a committed put is on disk, in WAL mode so that a dashboard counting what waits does
not block the writer. Each row is one answer as the database will take it, with the answer's key:

- `put` keeps answers in the order they come (a sequence number), once each (the key is unique);
- `oldest` hands them back in that order, and `remove` drops them once the database committed;
- a crash between the database's commit and `remove` delivers an answer twice, and the database
  keeps one (the key is unique there too): every answer is recorded exactly once.

The file is made on the first put: an app whose database never fails never writes one. Several
app processes on one machine may share a file (the same database URL): each delivers what it
finds, and the keys keep the database right.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from classroom.database import make_engine

log = logging.getLogger(__name__)

Row = dict[str, Any]
_META = MetaData()
_WAITING = Table(
    "waiting_answer",
    _META,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("answer_key", String(32), nullable=False, unique=True),
    Column("code", String(16), nullable=False, index=True),
    Column("class_id", Integer, nullable=False, index=True),
    Column("row", Text, nullable=False),  # the answer row as JSON
    Column("queued_at", String(40), nullable=False),
    sqlite_autoincrement=True,  # a number is never used twice, so the order holds for good
)


@dataclass(frozen=True)
class Waiting:
    """One answer in the outbox."""

    seq: int
    code: str
    row: Row


class Outbox:
    """The outbox file at `path`; thread-safe (each call is one SQLite transaction)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._engine: Engine | None = None
        self._opening = threading.Lock()

    def put(self, items: list[tuple[str, Row]]) -> None:
        """Keep answers (class code, row) on disk, in order; raises (OSError, SQLAlchemyError)
        when the disk refuses them, and then none of them is kept."""
        now = datetime.now(UTC).isoformat()
        values = [
            {
                "answer_key": row["answer_key"],
                "code": code,
                "class_id": row["class_id"],
                "row": json.dumps(_jsonable(row), ensure_ascii=False),
                "queued_at": now,
            }
            for code, row in items
        ]
        with self._open().begin() as conn:
            conn.execute(sqlite_insert(_WAITING).on_conflict_do_nothing(), values)

    def oldest(self, limit: int = 200) -> list[Waiting]:
        """Up to `limit` waiting answers, the first put first."""
        if not self.exists():
            return []
        t = _WAITING
        with self._open().connect() as conn:
            rows = conn.execute(select(t.c.seq, t.c.code, t.c.row).order_by(t.c.seq).limit(limit))
            return [Waiting(seq, code, _from_json(text)) for seq, code, text in rows]

    def remove(self, seqs: list[int]) -> None:
        """Drop answers the database has committed."""
        if seqs:
            with self._open().begin() as conn:
                conn.execute(delete(_WAITING).where(_WAITING.c.seq.in_(seqs)))

    def forget_class(self, class_id: int) -> int:
        """Drop every waiting answer of a class that was deleted; returns how many."""
        if not self.exists():
            return 0
        with self._open().begin() as conn:
            return conn.execute(delete(_WAITING).where(_WAITING.c.class_id == class_id)).rowcount

    def counts(self) -> Counter[str]:
        """Waiting answers by class code (nothing when there is no file)."""
        if not self.exists():
            return Counter()
        t = _WAITING
        with self._open().connect() as conn:
            rows = conn.execute(select(t.c.code, func.count()).group_by(t.c.code))
            return Counter({code: int(n) for code, n in rows})

    def exists(self) -> bool:
        return self._engine is not None or self.path.is_file()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def _open(self) -> Engine:
        with self._opening:
            return self._engine or self._create()

    def _create(self) -> Engine:
        engine = make_engine(f"sqlite:///{self.path}", timeout=10.0)

        @event.listens_for(engine, "connect")
        def _durable(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA synchronous=FULL")  # a put is on disk

        try:
            _META.create_all(engine)
        except Exception:
            engine.dispose()
            raise
        self._engine = engine
        log.info("class answers that wait for the database are kept in %s", self.path)
        return engine


def _jsonable(row: Row) -> Row:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def _from_json(text: str) -> Row:
    row: Row = json.loads(text)
    row["answered_at"] = datetime.fromisoformat(row["answered_at"])
    return row
