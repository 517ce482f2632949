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

import logging
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, Integer, String, Text, delete, event, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry

from classroom.database import Sessions, make_engine, sessions_for
from classroom.schema import NewAnswer

log = logging.getLogger(__name__)


class _OutboxBase(DeclarativeBase):
    """The outbox file's own tables (it is not the class database)."""


class WaitingRow(_OutboxBase):
    __tablename__ = "waiting_answer"
    # A number is never used twice, so the order holds for good.
    __table_args__ = ({"sqlite_autoincrement": True},)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_key: Mapped[str] = mapped_column(String(32), unique=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    class_id: Mapped[int] = mapped_column(Integer, index=True)
    row: Mapped[str] = mapped_column(Text)
    """The answer as JSON (`NewAnswer.to_json`)."""
    queued_at: Mapped[str] = mapped_column(String(40))


@dataclass(frozen=True)
class Waiting:
    """One answer in the outbox."""

    seq: int
    code: str
    answer: NewAnswer


class Outbox:
    """The outbox file at `path`; thread-safe (each call is one SQLite transaction)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._engine: Engine | None = None
        self._sessions: Sessions | None = None
        self._opening = threading.Lock()

    def put(self, items: list[tuple[str, NewAnswer]]) -> None:
        """Keep answers (class code, answer) on disk, in order; raises (OSError,
        SQLAlchemyError) when the disk refuses them, and then none of them is kept."""
        now = datetime.now(UTC).isoformat()
        values = [
            {
                "answer_key": answer.answer_key,
                "code": code,
                "class_id": answer.class_id,
                "row": answer.to_json(),
                "queued_at": now,
            }
            for code, answer in items
        ]
        with self._open().begin() as session:
            session.execute(sqlite_insert(WaitingRow).on_conflict_do_nothing(), values)

    def oldest(self, limit: int = 200) -> list[Waiting]:
        """Up to `limit` waiting answers, the first put first."""
        if not self.exists():
            return []
        w = WaitingRow
        with self._session() as session:
            rows = session.execute(select(w.seq, w.code, w.row).order_by(w.seq).limit(limit))
            return [Waiting(seq, code, NewAnswer.from_json(text)) for seq, code, text in rows]

    def remove(self, seqs: list[int]) -> None:
        """Drop answers the database has committed."""
        if seqs:
            with self._open().begin() as session:
                session.execute(delete(WaitingRow).where(WaitingRow.seq.in_(seqs)))

    def forget_class(self, class_id: int) -> None:
        """Drop every waiting answer of a class that was deleted."""
        if self.exists():
            with self._open().begin() as session:
                session.execute(delete(WaitingRow).where(WaitingRow.class_id == class_id))

    def counts(self) -> Counter[str]:
        """Waiting answers by class code (nothing when there is no file)."""
        if not self.exists():
            return Counter()
        w = WaitingRow
        with self._session() as session:
            rows = session.execute(select(w.code, func.count()).group_by(w.code))
            return Counter({code: n for code, n in rows})

    def exists(self) -> bool:
        return self._sessions is not None or self.path.is_file()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def _session(self) -> Session:
        """A session for reading (it begins no write transaction of its own)."""
        return self._open()()

    def _open(self) -> Sessions:
        with self._opening:
            return self._sessions or self._create()

    def _create(self) -> Sessions:
        engine = make_engine(f"sqlite:///{self.path}", timeout=10.0)

        @event.listens_for(engine, "connect")
        def _durable(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA synchronous=FULL")  # a put is on disk
            finally:
                cursor.close()

        try:
            _OutboxBase.metadata.create_all(engine)
        except Exception:
            engine.dispose()
            raise
        self._engine, self._sessions = engine, sessions_for(engine)
        log.info("class answers that wait for the database are kept in %s", self.path)
        return self._sessions
