"""Opening the class database: one engine per URL, with the settings each backend needs, and
the sessions every query of classroom/ goes through.

SQLite gets WAL (the writer thread writes while dashboards read), a busy timeout instead of an
immediate "database is locked", and foreign keys switched on. Postgres gets a connect timeout and
pre-ping, so a server that restarted is reconnected to and a server that is gone fails fast
rather than hanging the writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

Sessions = sessionmaker[Session]


def make_engine(url: str, *, timeout: float = 5.0) -> Engine:
    """An engine for `url`; a SQLite file's folder is created. `timeout` in seconds."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, parsed.database, timeout)
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        connect_args["connect_timeout"] = max(2, round(timeout))  # libpq's minimum is 2 s
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def sessions_for(engine: Engine) -> Sessions:
    """Sessions on `engine` whose objects stay readable once their transaction ended: a call
    reads a row (the class a student joins) in one session and uses it after the session."""
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_engine(url: str, database: str | None, timeout: float) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": timeout, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        finally:
            cursor.close()

    return engine
