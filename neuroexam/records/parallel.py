"""A function mapped over items by worker processes, results in the items' order.

Used where a batch job is CPU-bound pure Python (assessing a file, the first summary export):
one interpreter per CPU. Workers are *spawned* (a fresh interpreter each, safe from a program
that runs threads: the TUI, a progress bar). At most ``2 × workers`` items are in flight, so
memory stays bounded however many items there are. When the processes cannot start or one dies,
the rest runs in this process: the result is the same, only slower.
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Worker processes at most, whatever the number of CPUs.
MAX_WORKERS = 8


#: The collector's thresholds in a batch job. A batch job makes millions of short-lived
#: containers (rows, findings, models) and keeps few: collecting the youngest generation
#: every 700 of them (the default) cost a quarter of ``assess``'s time; every 50,000 costs
#: almost nothing and keeps at most that many young objects waiting. Cycles are still freed.
BATCH_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def batch_gc() -> Iterator[None]:
    """The garbage collector set for a batch job (:data:`BATCH_THRESHOLDS`) while the block
    runs, as it was afterwards (the TUI runs exports in its own process)."""
    before = gc.get_threshold()
    gc.set_threshold(*BATCH_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _worker_start(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """How a worker process starts: the collector set for a batch job, then ``initializer``."""
    gc.set_threshold(*BATCH_THRESHOLDS)
    if initializer is not None:
        initializer(*initargs)


def default_workers() -> int:
    """One worker per CPU this process may use, at most :data:`MAX_WORKERS`."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def ordered_map(
    function: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[R]:
    """``function(item)`` for each item, in order, by ``workers`` processes (here when
    ``workers`` is 1). ``function`` and ``initializer`` must be module-level (picklable);
    ``initializer(*initargs)`` runs once in each worker, and here before any item runs here."""
    here = False

    def local(item: T) -> R:
        nonlocal here
        if not here and initializer is not None:
            initializer(*initargs)
        here = True
        return function(item)

    if workers <= 1:
        yield from map(local, items)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
        initargs=(initializer, initargs),
    )
    pending: deque[tuple[T, Future[R] | None]] = deque()

    def result(item: T, future: Future[R] | None) -> R:
        nonlocal pool
        if future is not None and pool is not None:
            try:
                return future.result()
            except (BrokenProcessPool, OSError):
                pool.shutdown(wait=False, cancel_futures=True)
                pool = None
        return local(item)

    try:
        for item in items:
            future = None
            if pool is not None:
                try:
                    future = pool.submit(function, item)
                except (BrokenProcessPool, RuntimeError, OSError):
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = None
            pending.append((item, future))
            while len(pending) > 2 * workers:
                yield result(*pending.popleft())
        while pending:
            yield result(*pending.popleft())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
