"""The batcher under `asr`: callers on many threads, one model call, each caller its own result."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import asr
from asr.backends import Decoded
from asr.batcher import Batcher, BatchOptions
from asr.transcriber import default_batch_size
from tests.conftest import voiced


class Recorder:
    """`run` doubles each item after a pause, and remembers the batches it was given."""

    def __init__(self, seconds: float = 0.05, bad: object = None) -> None:
        self.seconds = seconds
        self.bad = bad
        self.batches: list[list[int]] = []
        self.lock = threading.Lock()

    def __call__(self, items: list[int]) -> list[int]:
        with self.lock:
            self.batches.append(list(items))
        time.sleep(self.seconds)
        if self.bad in items:
            raise ValueError(f"cannot run {self.bad}")
        return [2 * item for item in items]


def submit_all(batcher: Batcher, items: list[int]) -> list[object]:
    barrier = threading.Barrier(len(items))

    def one(item: int) -> object:
        barrier.wait()
        try:
            return batcher.submit(item)
        except ValueError as e:
            return e

    with ThreadPoolExecutor(len(items)) as pool:
        return list(pool.map(one, items))


@pytest.mark.parametrize(("size", "callers"), [(1, 6), (4, 6), (8, 16), (16, 3)])
def test_every_caller_gets_its_own_result(size, callers):
    run = Recorder()
    batcher = Batcher(run, BatchOptions(max_batch_size=size, max_wait=0.02))
    assert submit_all(batcher, list(range(callers))) == [2 * i for i in range(callers)]
    assert all(len(batch) <= size for batch in run.batches)
    assert sorted(i for batch in run.batches for i in batch) == list(range(callers))
    assert sum(n * count for n, count in batcher.sizes.items()) == callers
    if size > 1:
        assert max(len(batch) for batch in run.batches) > 1  # the callers did share calls


def test_a_failing_item_fails_only_its_own_caller():
    run = Recorder(bad=3)
    batcher = Batcher(run, BatchOptions(max_batch_size=8, max_wait=0.05))
    results = submit_all(batcher, [1, 2, 3, 4])
    assert results[:2] == [2, 4] and results[3] == 8
    assert isinstance(results[2], ValueError) and "cannot run 3" in str(results[2])


def test_the_batcher_keeps_serving_after_a_failure():
    batcher = Batcher(Recorder(bad=1), BatchOptions(max_batch_size=4, max_wait=0.0))
    with pytest.raises(ValueError):
        batcher.submit(1)
    assert batcher.submit(5) == 10


def test_batch_size_one_runs_on_the_callers_thread():
    threads = []
    batcher = Batcher(
        lambda items: threads.append(threading.current_thread()) or items, BatchOptions()
    )
    assert batcher.submit(7) == 7 and threads == [threading.current_thread()]


@pytest.mark.parametrize(("size", "wait"), [(0, 0.01), (-1, 0.01), (4, -0.1), (4, 5.0)])
def test_bad_batch_options_are_refused(size, wait):
    with pytest.raises(ValueError, match="max_"):
        BatchOptions(size, wait)


@pytest.mark.parametrize(
    ("backend", "device", "window", "precision", "size"),
    [("ctranslate2", "cpu", 30.0, "int8", 1), ("transformers", "cpu", 30.0, "fp32", 1),
     ("transformers", "cpu", 30.0, "int8", 1), ("transformers", "cpu", 30.0, "bf16", 8),
     ("ctranslate2", "cpu", 5.0, "int8", 8), ("transformers", "cpu", 10.0, "fp32", 8),
     ("ctranslate2", "cpu", 10.0, "int8", 1), ("transformers", "cpu", 10.0, "bf16", 8),
     ("transformers", "cpu", 5.0, "bf16", 8), ("unknown", "cpu", 5.0, "", 1),
     ("transformers", "cuda", 30.0, "fp16", 8), ("ctranslate2", "cuda:1", 30.0, "", 8)],
)  # fmt: skip
def test_default_batch_size_is_where_batching_was_measured_to_pay(
    backend, device, window, precision, size
):
    assert default_batch_size(backend, device, window, precision) == size


@pytest.mark.parametrize(
    ("name", "window", "floor", "chosen", "size"),
    [("ctranslate2", 30.0, 0, 0, 1), ("ctranslate2", 5.0, 0, 0, 8), ("ctranslate2", 30.0, 0, 3, 3),
     ("transformers", 30.0, 0, 0, 1),  # fp32 at the full window: one clip a call
     ("transformers", 30.0, 10, 0, 8)],  # at its 10 s answer window a batch pays
)  # fmt: skip
def test_the_transcriber_takes_the_default_unless_told(name, window, floor, chosen, size):
    backend = Slow()
    backend.name, backend.window_seconds, backend.window_floor = name, window, floor
    options = asr.TranscriberOptions("slow", max_batch_size=chosen)
    assert asr.Transcriber(options, backend).batcher.options.max_batch_size == size


class Slow:
    name, device, precision, window_seconds = "slow", "cpu", "fp32", 30.0
    concurrent = False

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.calls: list[int] = []
        self.lock = threading.Lock()

    def decode(self, batch: list[np.ndarray]) -> list[Decoded]:
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
            self.calls.append(len(batch))
        time.sleep(0.05)
        with self.lock:
            self.inside -= 1
        return [Decoded(f"ord{len(samples)}", 1, False) for samples in batch]


@pytest.mark.parametrize(("concurrent", "size"), [(False, 1), (False, 4), (True, 1)])
def test_transcriber_serialises_a_local_model_and_not_a_remote_engine(concurrent, size):
    backend = Slow()
    backend.concurrent = concurrent
    options = asr.TranscriberOptions("slow", max_batch_size=size, batch_wait=0.02)
    transcriber = asr.Transcriber(options, backend)
    clips = [(16_000, voiced(0.5 + 0.1 * i)) for i in range(6)]
    with ThreadPoolExecutor(6) as pool:
        texts = [t.text for t in pool.map(transcriber.transcribe, clips)]
    assert texts == [transcriber.transcribe(clip).text for clip in clips]  # each its own
    assert len(set(texts)) == 6
    assert (backend.most > 1) == concurrent  # a local model never runs two calls at once
    assert (max(backend.calls) > 1) == (size > 1)
