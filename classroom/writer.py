"""The background writer: judged answers go into a queue and one thread writes them in batches.

Why: a learner's verdict must never wait for the database, and a database that is slow, down or
full must never turn into an error in a learner's game. `submit` only puts a row on a bounded
queue and returns at once. The thread writes whatever has gathered in one transaction; when a
write fails it retries after short pauses, then counts the rows as lost, logs why, and keeps
going, so the class's results say how many answers are missing instead of pretending.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.exc import DataError, IntegrityError

from classroom.schema import AnswerRow

log = logging.getLogger(__name__)

Row = dict[str, Any]


@dataclass(frozen=True)
class WriterStatus:
    """How recording answers goes, for a teacher's dashboard; counts are this process's."""

    ok: bool
    """False while the last write failed."""
    recorded: int
    lost: int
    pending: int
    message: str
    """A sentence for the teacher."""
    reason: str = ""
    """The last failure as the database put it, for the log and a curious deployer."""


class AnswerWriter:
    """One thread that writes queued answer rows; `flush` waits for it (tests, shutdown)."""

    def __init__(
        self,
        engine: Engine,
        *,
        capacity: int = 10_000,
        batch: int = 200,
        retry_delays: Sequence[float] = (0.5, 2.0),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._queue: queue.Queue[tuple[str, Row] | None] = queue.Queue(maxsize=capacity)
        self._batch = batch
        self._retry_delays = tuple(retry_delays)
        self._clock = clock
        self._done = threading.Condition()
        self._unfinished = 0
        self._recorded: Counter[str] = Counter()
        self._lost: Counter[str] = Counter()
        self._failing_since: datetime | None = None
        self._reason = ""
        self._thread = threading.Thread(target=self._run, name="classroom-writer", daemon=True)
        self._thread.start()

    def submit(self, code: str, row: Row) -> bool:
        """Queue one answer row of class `code`; False (and counted lost) when the queue is full."""
        with self._done:
            if not self._thread.is_alive():
                self._lose(code, 1, "the writer has stopped")
                return False
            try:
                self._queue.put_nowait((code, row))
            except queue.Full:
                self._lose(code, 1, "too many answers waiting to be written")
                return False
            self._unfinished += 1
        return True

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued row is written or lost; False if that took over `timeout`."""
        with self._done:
            return self._done.wait_for(lambda: self._unfinished == 0, timeout=timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, then stop the thread."""
        self.flush(timeout)
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)

    def status(self, code: str | None = None) -> WriterStatus:
        """The figures for class `code`, or for every class this process wrote for."""
        with self._done:
            recorded = self._count(self._recorded, code)
            lost = self._count(self._lost, code)
            pending = self._unfinished
            since, reason = self._failing_since, self._reason
        ok = since is None
        return WriterStatus(
            ok, recorded, lost, pending, _message(ok, recorded, lost, since), reason
        )

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            items = [item]
            while len(items) < self._batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this batch
                    break
                items.append(more)
            self._write(items)

    def _write(self, items: list[tuple[str, Row]]) -> None:
        error: Exception | None = None
        for delay in (0.0, *self._retry_delays):
            time.sleep(delay)
            try:
                self._insert([row for _, row in items])
            except (IntegrityError, DataError):
                self._write_one_by_one(items)
                return
            except Exception as exc:  # whatever it is, the thread must live on: count and log
                error = exc
                continue
            self._settle(items, ok=True)
            return
        self._settle(items, ok=False, reason=_reason(error))

    def _write_one_by_one(self, items: list[tuple[str, Row]]) -> None:
        """A batch with a bad row: keep the good rows rather than lose them all."""
        for item in items:
            try:
                self._insert([item[1]])
            except (IntegrityError, DataError) as exc:  # this row is refused, the database works
                self._settle([item], ok=False, reason=_reason(exc), outage=False)
            except Exception as exc:
                self._settle([item], ok=False, reason=_reason(exc))
            else:
                self._settle([item], ok=True)

    def _insert(self, rows: list[Row]) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(AnswerRow), rows)

    def _settle(
        self, items: list[tuple[str, Row]], *, ok: bool, reason: str = "", outage: bool = True
    ) -> None:
        """Count `items` written or lost; `outage` False: lost, but the database is working."""
        with self._done:
            for code, _ in items:
                (self._recorded if ok else self._lost)[code] += 1
            if ok:
                if self._failing_since is not None:
                    log.warning("class answers are being recorded again")
                self._failing_since = None
            else:
                if outage:
                    self._failing_since = self._failing_since or self._clock()
                self._reason = reason
                log.warning("%d class answers were not recorded: %s", len(items), reason)
            self._unfinished -= len(items)
            self._done.notify_all()

    def _lose(self, code: str, count: int, reason: str) -> None:
        """Count rows lost before they reached the queue (the caller holds the lock)."""
        self._lost[code] += count
        self._reason = reason
        log.warning("%d class answers were not recorded: %s", count, reason)

    @staticmethod
    def _count(counter: Counter[str], code: str | None) -> int:
        return counter.total() if code is None else counter[code]


def _reason(error: BaseException | None) -> str:
    if error is None:
        return "unknown"
    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}"[:300]


def _message(ok: bool, recorded: int, lost: int, since: datetime | None) -> str:
    saved = f"{recorded} answer{'' if recorded == 1 else 's'} recorded"
    if not ok and since is not None:
        return (
            f"The class database has not been answering since {since:%H:%M} UTC: {lost} "
            f"answer{'' if lost == 1 else 's'} could not be recorded ({saved}). Students can "
            "keep playing, but their answers are missing from the results until it is back."
        )
    if lost:
        return (
            f"{saved.capitalize()}; {lost} answer{'' if lost == 1 else 's'} could not be "
            "recorded (the class database was not answering or too slow) and are missing from "
            "the results."
        )
    return f"All answers are recorded ({saved})."
