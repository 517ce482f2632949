"""The class database's tables, and how a database is brought to the current schema on start.

Why SQLAlchemy metadata plus a version table, not Alembic: the schema is five tables shipped
inside the app, created by the app itself on a Space or a teacher's laptop where nobody runs a
migration command. Alembic would add a second configuration (alembic.ini, an env.py, a versions
folder that must ship as package data) for the same two facts this module keeps in code: the
version a database is at, and the steps from there to `SCHEMA_VERSION`. So:

- a new database gets `metadata.create_all` and is stamped with `SCHEMA_VERSION` (the tables as
  they are now, not replayed history: the same as Alembic's "create_all, then stamp head");
- a database at an older version runs each step in `MIGRATIONS` after its version, in order,
  each in the transaction that also records the new version;
- a database newer than this code is refused, with a message, rather than written wrongly.

On Postgres, replicas starting together take an advisory lock first, so one of them migrates and
the others find the work done. Should the schema ever need real data migrations across many
versions, moving to Alembic then is cheap: stamp its head at the version reached here.

Why the ORM (as SQLAlchemy 2's ORM tutorial uses it) and not Core `Table`s: the rows are typed
once, here, as `Mapped[...]` classes, and mypy carries those types through every query, where
Core columns are `Any` and each module would need dataclasses of its own to say what a row
holds. So every query goes through a `Session` (`classroom.database.sessions_for`): `select` of
classes or columns, `session.add` for new rows, ORM-enabled `update`/`delete`, and the dialect's
`insert ... on conflict do nothing` for answers, which must be recorded exactly once. Only DDL
runs on the session's `Connection`. No row leaves the package: callers get the service's own
frozen dataclasses (`Student`, `ClassResults`, ...).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Self

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from classroom.errors import ClassroomError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
_LOCK_ID = 0x5A6DE7  # the Postgres advisory lock held while migrating ("säg det")

Step = Callable[[Connection], None]


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite (naive text) as on Postgres."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("class-mode times must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements only INTEGER keys


class Base(DeclarativeBase):
    pass


class SchemaVersion(Base):
    __tablename__ = "sagdet_schema_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    migrated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClassRow(Base):
    __tablename__ = "sagdet_class"
    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    decks: Mapped[str] = mapped_column(Text)  # a JSON list of deck names
    key_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StudentRow(Base):
    __tablename__ = "sagdet_student"
    __table_args__ = (
        UniqueConstraint("class_id", "name_key"),
        UniqueConstraint("id", "class_id"),  # the target of the answers' (student, class) key
    )
    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("sagdet_class.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64))
    pin_hash: Mapped[str] = mapped_column(String(200))
    # Unused since schema 2 (wrong PINs are limited in memory, per address: classroom.limits);
    # kept, so that an older database needs no change and an older app still reads it.
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AnswerRow(Base):
    __tablename__ = "sagdet_answer"
    __table_args__ = (
        # An answer's student belongs to the answer's class: the database itself refuses a row
        # that would put one class's student into another class.
        ForeignKeyConstraint(
            ["student_id", "class_id"],
            ["sagdet_student.id", "sagdet_student.class_id"],
            ondelete="CASCADE",
        ),
        Index("ix_sagdet_answer_class_student", "class_id", "student_id"),
        Index("ix_sagdet_answer_class_card", "class_id", "card_id"),
        # One row per judged answer, however often it is delivered (after an outage, from a
        # replica that restarted): the writer inserts "on conflict do nothing".
        Index("ix_sagdet_answer_key", "answer_key", unique=True),
    )
    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    answer_key: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """A random id given when the answer was judged (None on rows of schema 1)."""
    class_id: Mapped[int] = mapped_column(ForeignKey("sagdet_class.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(_ID)
    deck: Mapped[str] = mapped_column(String(200))
    round_id: Mapped[str] = mapped_column(String(64))
    card_id: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(20))
    heard: Mapped[str] = mapped_column(String(500))
    # tries, hints, points and streak are the server's own count (classroom.scoring), never
    # the learner's game state; rows of schema 1 hold what the learner's game reported.
    tries: Mapped[int] = mapped_column(Integer)
    hints: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    points: Mapped[int] = mapped_column(Integer)
    streak: Mapped[int] = mapped_column(Integer)
    typed: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class NewAnswer:
    """One judged answer on its way to `AnswerRow`: what the service queues, the writer inserts
    and the outbox keeps (as JSON) while the database is away. Its fields are AnswerRow's
    columns, by the same names, in the order an outbox file has always kept them."""

    answer_key: str
    class_id: int
    student_id: int
    deck: str
    round_id: str
    card_id: str
    answer: str
    verdict: str
    heard: str
    tries: int
    hints: int
    points: int
    streak: int
    typed: bool
    answered_at: datetime

    def values(self) -> dict[str, object]:
        """The row's values by column name, for an INSERT."""
        return asdict(self)

    def to_json(self) -> str:
        values = self.values()
        values["answered_at"] = self.answered_at.isoformat()
        return json.dumps(values, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Self:
        values = json.loads(text)
        values["answered_at"] = datetime.fromisoformat(values["answered_at"])
        return cls(**values)


class ClassDeckRow(Base):
    """A deck a class keeps for itself (a teacher's upload): a zip of its folder, so that every
    app replica can unpack it, and it goes when the class goes."""

    __tablename__ = "sagdet_class_deck"
    __table_args__ = (UniqueConstraint("class_id", "name"),)
    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("sagdet_class.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    """The deck as the class names it (one of the class's decks)."""
    digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of `archive`: an unpacked copy is reused while it is the same."""
    archive: Mapped[bytes] = mapped_column(LargeBinary)


class SchemaTooNew(ClassroomError):
    def __init__(self, found: int) -> None:
        super().__init__(
            f"The class database was made by a newer version of Säg det! (schema {found}, this "
            f"version knows {SCHEMA_VERSION}). Update the app, or point --db at another database."
        )


def _answer_key_and_hints(conn: Connection) -> None:
    """Schema 2: an idempotent key per answer, and the hints the server gave before it."""
    conn.execute(text("ALTER TABLE sagdet_answer ADD COLUMN answer_key VARCHAR(32)"))
    conn.execute(text("ALTER TABLE sagdet_answer ADD COLUMN hints INTEGER NOT NULL DEFAULT 0"))
    conn.execute(text("CREATE UNIQUE INDEX ix_sagdet_answer_key ON sagdet_answer (answer_key)"))


def _class_decks(conn: Connection) -> None:
    """Schema 3: decks a class keeps for itself."""
    Base.metadata.tables[ClassDeckRow.__tablename__].create(conn)


MIGRATIONS: dict[int, Step] = {2: _answer_key_and_hints, 3: _class_decks}
"""version -> the step that takes a database from version - 1 to it. A new database is created
as the current metadata says, at SCHEMA_VERSION."""


def migrate(
    engine: Engine, steps: Mapping[int, Step] = MIGRATIONS, head: int = SCHEMA_VERSION
) -> int:
    """Bring the database to `head`; returns the version it was at before (0 for a new one)."""
    with Session(engine) as session, session.begin():
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        stamp = _stamp(session)
        if stamp is None:
            Base.metadata.create_all(conn)
            session.add(SchemaVersion(id=1, version=head, migrated_at=datetime.now(UTC)))
            log.info("class database created at schema version %d", head)
            return 0
        found = stamp.version
        if found > head:
            raise SchemaTooNew(found)
        for version in range(found + 1, head + 1):
            steps[version](conn)
            stamp.version, stamp.migrated_at = version, datetime.now(UTC)
            session.flush()  # each step is recorded right after it, in the one transaction
            log.info("class database migrated to schema version %d", version)
        return found


def _stamp(session: Session) -> SchemaVersion | None:
    """The row that says the database's version; None for a database with no tables yet."""
    if not inspect(session.connection()).has_table(SchemaVersion.__tablename__):
        return None
    return session.get(SchemaVersion, 1)
