"""Many callers, one model call: clips that arrive together are decoded as one batch.

Each player's request runs on its own thread (Gradio runs every event handler per session, with
its own state). `Batcher.submit` blocks its caller until its own result is ready; a worker thread
gathers what arrives within `max_wait` seconds, up to `max_batch_size` items, runs one call and
hands each caller back the output at its own index. This is the in-process shape of Ray Serve's
`@serve.batch`: batching below the per-player layer, so no player's state is ever handed to
another's call (Gradio's own `batch=True` fills every state input of a batch from its first event).

A batch that fails is retried one item at a time, so one bad clip fails only its own caller.

`enqueue` is the same without blocking: it returns a `Future` at once (an async caller awaits it
with `asyncio.wrap_future`, holding no thread while it waits), and `backlog()` says how many
items are ahead and about how long they take, for a "your answer is queued" message.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(frozen=True)
class BatchOptions:
    """How concurrent recognitions are gathered into one model call."""

    max_batch_size: int = 1
    """At most this many clips per model call; 1 decodes each clip on its own, in arrival order."""
    max_wait: float = 0.01
    """Seconds the first clip of a batch waits for others to join it. Only paid under load: a
    clip that arrives while the model is busy waits for the model anyway."""

    def __post_init__(self) -> None:
        if self.max_batch_size < 1:
            raise ValueError(f"max_batch_size must be 1 or more, not {self.max_batch_size}")
        if not 0 <= self.max_wait <= 1:
            raise ValueError(f"max_wait is in seconds, 0 to 1, not {self.max_wait}")


class Batcher(Generic[In, Out]):
    """Runs `run(items) -> outputs` (one output per item, in order) for callers on many threads."""

    def __init__(self, run: Callable[[list[In]], Sequence[Out]], options: BatchOptions) -> None:
        self._run = run
        self.options = options
        self._queue: queue.SimpleQueue[tuple[In, Future[Out]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self.sizes: Counter[int] = Counter()
        """How many batches of each size ran (for logs and the load benchmark)."""
        self._call_lock = threading.Lock()  # one model call at a time, from either path
        self._count_lock = threading.Lock()
        self._pending = 0  # items submitted and not yet done (waiting or in a call)
        self._call_seconds = 0.0  # a running mean of one call's time, for `backlog`

    def submit(self, item: In) -> Out:
        """`item`'s output, once its batch has run; raises what the call raised for it."""
        if self.options.max_batch_size == 1:
            self._count(+1)
            try:
                with self._call_lock:  # no thread hop when there is nothing to gather
                    self.sizes[1] += 1
                    started = time.monotonic()
                    output = self._run([item])[0]
                    self._timed(time.monotonic() - started)
                    return output
            finally:
                self._count(-1)
        return self.enqueue(item).result()

    def enqueue(self, item: In) -> Future[Out]:
        """`item`'s output as a `Future`, returned at once; the worker thread runs it in turn."""
        future: Future[Out] = Future()
        self._count(+1)
        future.add_done_callback(lambda _: self._count(-1))
        self._queue.put((item, future))
        self._ensure_worker()
        return future

    def backlog(self) -> tuple[int, float]:
        """Items submitted and not yet done, and about how many seconds they take to run
        (by the mean time of recent calls; 0 before the first call)."""
        with self._count_lock:
            pending = self._pending
        calls = -(-pending // self.options.max_batch_size)  # ceiling: the calls still to run
        return pending, calls * self._call_seconds

    def _count(self, change: int) -> None:
        with self._count_lock:
            self._pending += change

    def _timed(self, seconds: float) -> None:
        # A running mean that follows the model's speed under the current load.
        mean = self._call_seconds
        self._call_seconds = seconds if mean == 0 else 0.8 * mean + 0.2 * seconds

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._serve, name="asr-batcher", daemon=True)
                self._worker.start()

    def _serve(self) -> None:
        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + self.options.max_wait
            while len(batch) < self.options.max_batch_size:
                left = deadline - time.monotonic()
                try:
                    batch.append(
                        self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
                    )
                except queue.Empty:
                    break
            self._run_batch(batch)

    def _run_batch(self, batch: list[tuple[In, Future[Out]]]) -> None:
        items = [item for item, _ in batch]
        try:
            with self._call_lock:
                started = time.monotonic()
                outputs = self._run(items)
                self._timed(time.monotonic() - started)
            if len(outputs) != len(items):
                raise RuntimeError(f"{len(outputs)} outputs for a batch of {len(items)}")
        except Exception as e:
            if len(batch) == 1:
                batch[0][1].set_exception(e)
                return
            log.warning("a batch of %d failed (%s): running its items one by one", len(batch), e)
            for pair in batch:
                self._run_batch([pair])
            return
        self.sizes[len(batch)] += 1
        for (_, future), output in zip(batch, outputs, strict=True):
            future.set_result(output)
