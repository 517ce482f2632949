"""The background writer: judged answers go into a queue and one thread writes them in batches.

Why: a learner's verdict must never wait for the database, and a database that is slow, down,
locked or full must never turn into an error in a learner's game, nor cost the class an answer.
`submit` only puts a row on a bounded queue and returns at once. The thread writes whatever has
gathered in one transaction; when the database fails, the batch goes to the outbox on local disk
(classroom.outbox) at once, and so does every batch after it until the outbox is empty again:
the thread delivers the outbox, oldest first, after a pause that grows while the database stays
away (`retry_delays`). Each answer carries a key that the database keeps unique, and rows are
inserted "on conflict do nothing", so a batch delivered twice (a crash between the database's
commit and the outbox's delete) is recorded once.

An answer is lost only when the outbox itself refuses it (the local disk is full or gone); it is
counted, logged and said on the dashboard. A row the database refuses for good (its class or
student was deleted meanwhile) is counted as refused.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from sqlalchemy import Insert, insert, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from classroom.database import Sessions
from classroom.outbox import Outbox, Waiting
from classroom.schema import AnswerRow, ClassRow, NewAnswer

log = logging.getLogger(__name__)

Item = tuple[str, NewAnswer]
"""An answer and its class's code (what the counts of a class are kept by)."""


class _Signal(Enum):
    """What else the thread's queue carries."""

    WAKE = "wake"  # try the outbox now
    STOP = "stop"  # write what is queued, try the outbox once more, and end


@dataclass(frozen=True)
class WriterStatus:
    """How recording a class's answers goes, for a teacher's dashboard."""

    ok: bool
    """False while the database does not take answers."""
    recorded: int
    """Answers recorded: in the database, with a class's results; else by this process."""
    waiting: int
    """Answers judged and kept, in memory or in the outbox on disk, to be recorded."""
    lost: int
    """Answers neither recorded nor kept: the outbox itself refused them (this process)."""
    refused: int = 0
    """Answers not recorded on purpose: given after their class ended, or their student or
    class is gone (this process)."""
    delayed: int = 0
    """Answers that waited in the outbox and are recorded now (this process delivered them)."""
    since: datetime | None = None
    """When the database stopped answering (None while it answers)."""
    reason: str = ""
    """The last failure as the database or the disk put it, for the log and the deployer."""

    @property
    def message(self) -> str:
        """The state in one English paragraph (the app says it in the teacher's language)."""
        parts = []
        if not self.ok:
            since = f" since {self.since:%H:%M} UTC" if self.since else ""
            parts.append(
                f"The class database has not been answering{since}: {_n(self.waiting)} "
                f"waiting on this server, to be recorded when it is back; "
                f"{_n(self.recorded)} recorded."
            )
        elif self.waiting:
            parts.append(f"{_n(self.recorded)} recorded; {self.waiting} more being written now.")
        else:
            parts.append(f"All answers are recorded ({_n(self.recorded)}).")
            if self.delayed:
                parts.append(
                    f"{_n(self.delayed)} of them waited on this server while the database was "
                    "not answering."
                )
        if self.lost:
            parts.append(
                f"{_n(self.lost)} could not be kept: the database was not answering and this "
                "server's disk refused them too. They are missing from the results."
            )
        if self.refused:
            parts.append(
                f"{_n(self.refused)} not recorded: given after the class ended, or their "
                "student or class is gone."
            )
        return " ".join(parts)


class AnswerWriter:
    """One thread that writes queued answer rows, through the outbox when it must."""

    def __init__(
        self,
        sessions: Sessions,
        outbox: Outbox,
        *,
        capacity: int = 10_000,
        batch: int = 200,
        retry_delays: Sequence[float] = (0.5, 1.0, 2.0, 5.0),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._queue: queue.Queue[Item | _Signal] = queue.Queue(maxsize=capacity)
        self._batch = batch
        self._delays = tuple(retry_delays) or (0.05,)
        self._clock = clock
        self._done = threading.Condition()
        self._queued: Counter[str] = Counter()  # in memory, not yet written or in the outbox
        self._recorded: Counter[str] = Counter()
        self._lost: Counter[str] = Counter()
        self._refused: Counter[str] = Counter()
        self._delayed: Counter[str] = Counter()
        self._in_outbox = outbox.exists()  # answers of an earlier run may wait there
        self._failures = 0  # deliveries failed in a row: the pause before the next one grows
        self._next_try = 0.0  # time.monotonic() of the next delivery
        self._failing_since: datetime | None = None
        self._reason = ""
        self._thread = threading.Thread(target=self._run, name="classroom-writer", daemon=True)
        self._thread.start()

    def submit(self, code: str, answer: NewAnswer) -> bool:
        """Queue one answer of class `code`. When the queue is full (or the thread has
        stopped) the answer goes straight to the outbox; False only if that failed too (lost)."""
        with self._done:
            if self._thread.is_alive():
                try:
                    self._queue.put_nowait((code, answer))
                except queue.Full:
                    pass
                else:
                    self._queued[code] += 1
                    return True
        return self._spill([(code, answer)])

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued row is written or kept in the outbox."""
        with self._done:
            return self._done.wait_for(lambda: not +self._queued, timeout=timeout)

    def deliver(self, timeout: float = 30.0) -> bool:
        """Try the outbox now, and wait until nothing waits at all; False if something still
        waits after `timeout` (the database is still away)."""
        with self._done:
            self._next_try = 0.0
        with contextlib.suppress(queue.Full):  # busy: it tries the outbox after this batch
            self._queue.put_nowait(_Signal.WAKE)
        with self._done:
            return self._done.wait_for(
                lambda: not +self._queued and not self._in_outbox, timeout=timeout
            )

    def close(self, timeout: float = 30.0) -> None:
        """Write (or keep) what is queued, try the outbox once more, then stop the thread."""
        self.flush(timeout)
        if self._thread.is_alive():
            self._queue.put(_Signal.STOP)
            self._thread.join(timeout)

    def status(self, code: str | None = None, *, recorded: int | None = None) -> WriterStatus:
        """The figures of class `code` (every class when None); `recorded` replaces this
        process's count with the database's own."""
        reason = ""
        try:
            on_disk = self._outbox.counts()
        except Exception as exc:  # an unreadable outbox still says what it can
            on_disk, reason = Counter(), _reason(exc)
        with self._done:
            since = self._failing_since
            figures = {
                "recorded": _count(self._recorded, code) if recorded is None else recorded,
                "waiting": _count(self._queued, code) + _count(on_disk, code),
                "lost": _count(self._lost, code),
                "refused": _count(self._refused, code),
                "delayed": _count(self._delayed, code),
            }
            reason = self._reason or reason
        return WriterStatus(since is None, since=since, reason=reason, **figures)

    def _run(self) -> None:
        while True:
            with self._done:
                outbox = self._in_outbox
                wait = max(0.0, self._next_try - time.monotonic()) if outbox else None
            try:
                item = self._queue.get(timeout=wait)
            except queue.Empty:
                item = _Signal.WAKE
            if item is _Signal.STOP:
                self._deliver()
                return
            items = [] if item is _Signal.WAKE else [item]
            stop = False
            while len(items) < self._batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _Signal.STOP:
                    stop = True
                    break
                if more is not _Signal.WAKE:
                    items.append(more)
            if items:
                try:
                    self._write(items)
                except Exception:  # a bug: the rows are kept, the thread lives on
                    log.exception("the class writer failed on %d answers", len(items))
                    self._spill(items)
                    self._settled(items)
            with self._done:
                due = self._in_outbox and time.monotonic() >= self._next_try
            if due or stop:
                self._deliver()
            if stop:
                return

    def _write(self, items: list[Item]) -> None:
        """New answers: straight to the database, unless older ones wait in the outbox."""
        with self._done:
            outbox = self._in_outbox
        if not outbox:
            try:
                self._record(items)
            except (IntegrityError, DataError):
                rest = self._one_by_one(items)
            except Exception as exc:  # whatever it is, the answers are kept and the thread lives
                self._failing(exc)
                rest = items
            else:
                rest = []
        else:
            rest = items
        if rest:
            self._spill(rest)
        self._settled(items)

    def _deliver(self) -> None:
        """Write the outbox to the database, oldest first, until it is empty or fails."""
        while True:
            try:
                waiting = self._outbox.oldest(self._batch)
            except Exception as exc:
                log.error("the class outbox cannot be read: %s", _reason(exc))
                self._later()
                return
            if not waiting:
                with self._done:
                    self._in_outbox = False
                    self._failures = 0
                    self._done.notify_all()
                return
            items = [(w.code, w.answer) for w in waiting]
            try:
                self._record(items, delayed=True)
            except (IntegrityError, DataError):
                rest = self._one_by_one(items, delayed=True)
            except Exception as exc:
                self._failing(exc)
                self._later()
                return
            else:
                rest = []
            done = waiting[: len(waiting) - len(rest)]
            if not self._removed(done) or rest:
                self._later()
                return

    def _removed(self, waiting: list[Waiting]) -> bool:
        if not waiting:
            return True
        try:
            self._outbox.remove([w.seq for w in waiting])
        except Exception as exc:  # delivered again later: the answer keys keep them once
            log.error("delivered class answers stay in the outbox: %s", _reason(exc))
            return False
        log.info("%d class answers from the outbox are recorded", len(waiting))
        return True

    def _one_by_one(self, items: list[Item], *, delayed: bool = False) -> list[Item]:
        """A batch with a row the database refuses: keep the good rows rather than none.
        Returns the rows not tried because the database failed meanwhile."""
        for i, item in enumerate(items):
            try:
                self._record([item], delayed=delayed)
            except (IntegrityError, DataError) as exc:  # this row is refused, the database works
                self._refuse([item], _reason(exc))
            except Exception as exc:
                self._failing(exc)
                return items[i:]
        return []

    def _record(self, items: list[Item], *, delayed: bool = False) -> None:
        """Insert `items`, but not the answers given after their class ended, nor those of a
        class that was deleted meanwhile: those are counted refused."""
        ids = {answer.class_id for _, answer in items}
        with self._sessions() as session:
            c = ClassRow
            found = session.execute(select(c.id, c.expires_at).where(c.id.in_(ids)))
            ends = {class_id: end for class_id, end in found}
        kept: list[Item] = []
        gone: list[Item] = []
        for item in items:
            class_id, at = item[1].class_id, item[1].answered_at
            open_then = class_id in ends and ((end := ends[class_id]) is None or at < end)
            (kept if open_then else gone).append(item)
        if kept:
            self._insert([answer for _, answer in kept])
            self._healthy(kept, delayed=delayed)
        if gone:
            self._refuse(gone, "the class had ended or was deleted")

    def _refuse(self, items: list[Item], reason: str) -> None:
        with self._done:
            for code, _ in items:
                self._refused[code] += 1
            self._reason = reason
        log.warning("%d class answers were not recorded: %s", len(items), reason)

    def _insert(self, answers: list[NewAnswer]) -> None:
        with self._sessions.begin() as session:
            session.execute(_insert_new(session), [answer.values() for answer in answers])

    def _spill(self, items: list[Item]) -> bool:
        """Keep `items` in the outbox; count them lost when even that fails."""
        try:
            self._outbox.put(items)
        except Exception as exc:
            with self._done:
                for code, _ in items:
                    self._lost[code] += 1
                self._reason = _reason(exc)
            log.error("%d class answers are lost: the outbox refused them: %s", len(items), exc)
            return False
        with self._done:
            if not self._in_outbox:
                self._next_try = time.monotonic() + self._pause()
            self._in_outbox = True
        log.warning("%d class answers wait in the outbox for the database", len(items))
        return True

    def _settled(self, items: list[Item]) -> None:
        """`items` left memory (written, kept or counted)."""
        with self._done:
            for code, _ in items:
                self._queued[code] -= 1
            self._done.notify_all()

    def _healthy(self, items: list[Item], *, delayed: bool = False) -> None:
        with self._done:
            for code, _ in items:
                self._recorded[code] += 1
                if delayed:
                    self._delayed[code] += 1
            if self._failing_since is not None:
                log.warning("class answers are being recorded again")
            self._failing_since = None
            self._reason = ""
            self._done.notify_all()

    def _failing(self, error: BaseException) -> None:
        with self._done:
            if self._failing_since is None:
                log.warning("the class database is not taking answers: %s", _reason(error))
            self._failing_since = self._failing_since or self._clock()
            self._reason = _reason(error)

    def _later(self) -> None:
        """Schedule the next delivery after a pause that grows with failures in a row."""
        with self._done:
            self._failures += 1
            self._next_try = time.monotonic() + self._pause()

    def _pause(self) -> float:
        return self._delays[min(self._failures, len(self._delays) - 1)]


def _insert_new(session: Session) -> Insert:
    """INSERT of answer rows that skips a row whose answer key is recorded already."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgres_insert(AnswerRow).on_conflict_do_nothing(index_elements=["answer_key"])
    if dialect == "sqlite":
        return sqlite_insert(AnswerRow).on_conflict_do_nothing(index_elements=["answer_key"])
    return insert(AnswerRow)  # elsewhere the key's unique index refuses a second copy


def _count(counter: Counter[str], code: str | None) -> int:
    return counter.total() if code is None else counter[code]


def _n(count: int) -> str:
    return f"{count} answer{'' if count == 1 else 's'}"


def _reason(error: BaseException | None) -> str:
    if error is None:
        return "unknown"
    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}"[:300]
