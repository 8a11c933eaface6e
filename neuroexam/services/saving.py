"""Saving that never loses what was entered, off the key path.

Every change is a *write*: a function given the store it writes with. :class:`SaveQueue`
runs the writes in the order they were submitted. Threaded (the app), a writer thread with
its own connection to the records (:meth:`RecordStore.another_connection`: SQLite connections
and transactions belong to one thread) commits them while the screen moves on; a write leaves
the queue only once its commit returned, so a change is *saved* exactly when it is no longer
in :meth:`SaveQueue.pending_keys`. Unthreaded (tests, the CLI) each write runs at once on the
caller's store.

A write that fails for a passing reason (disk full, file locked, connection lost) stays
queued, in order, with :attr:`SaveQueue.last_error`, and is tried again on the next submit or
:meth:`SaveQueue.retry` (the app calls it on a timer). A write the records refuse for good
(:class:`RecordLocked`: the exam was taken over, voided or completed elsewhere) is not retried:
it is handed to ``on_refused`` (on the caller's thread: threaded, when the app calls
:meth:`SaveQueue.deliver`) so that nothing is lost silently.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from neuroexam.records.backend import RecordLocked, StoreError

if TYPE_CHECKING:
    from neuroexam.records.backend import RecordStore

#: A write: given the store to write with (the writer thread's own connection).
Action = Callable[["RecordStore"], object]


@dataclass(eq=False)
class Write:
    """One queued change, by what it writes (a later write of the same key replaces it)."""

    key: tuple
    action: Action


class SaveQueue:
    """Ordered writes, committed on a writer thread (``threaded``) or at once."""

    def __init__(
        self,
        store: RecordStore | None = None,
        *,
        threaded: bool = False,
        on_refused: Callable[[tuple, RecordLocked], None] | None = None,
        on_progress: Callable[[], None] | None = None,
    ) -> None:
        """``store``: the records the writes go to (threaded: a second connection to them is
        opened for the writer). ``on_progress`` is called from the writer thread after every
        commit or failure: it must only wake the UI (e.g. ``App.post_message``)."""
        self._source = store
        self.threaded = threaded
        self.on_refused = on_refused
        self.on_progress = on_progress
        self.last_error: str | None = None
        self._pending: dict[tuple, Write] = {}
        self._cond = threading.Condition()
        self._kick = False
        self._stopping = False
        self._attempts = 0
        self._refused: list[tuple[tuple, RecordLocked]] = []
        self._writer_store: RecordStore | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- state

    @property
    def unsaved(self) -> int:
        """Changes not yet committed (waiting, failing, or being written)."""
        with self._cond:
            return len(self._pending)

    def pending_keys(self) -> set[tuple]:
        """The keys of every change not yet committed."""
        with self._cond:
            return set(self._pending)

    @property
    def store(self) -> RecordStore:
        """The store the writes go to (threaded: the writer's own connection, opened here)."""
        if not self.threaded:
            if self._source is None:
                raise StoreError("no records to save to")
            return self._source
        with self._cond:
            if self._writer_store is None:
                if self._source is None:
                    raise StoreError("no records to save to")
                self._writer_store = self._source.another_connection()
            return self._writer_store

    # ---------------------------------------------------------------- submitting

    def submit(self, key: tuple, action: Action) -> bool:
        """Queue a write after everything still waiting. False when it is known to wait
        unsaved (unthreaded: it failed; threaded: writing is failing right now)."""
        with self._cond:
            self._pending.pop(key, None)  # the newest write of a key goes last, in order
            self._pending[key] = Write(key, action)
            if self.threaded:
                self._kick = True
                self._cond.notify_all()
                failing = self.last_error is not None
        if not self.threaded:
            return self.retry()
        self._ensure_thread()
        return not failing

    def retry(self) -> bool:
        """Try the waiting writes again; True when nothing is left unsaved (threaded: wakes
        the writer and says whether the queue is empty right now)."""
        if not self.threaded:
            self._drain(self.store)
            self.deliver()
            return self.unsaved == 0
        with self._cond:
            if not self._pending:
                return True
            self._kick = True
            self._cond.notify_all()
        self._ensure_thread()
        return False

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every waiting write is committed; False when some still wait after
        ``timeout`` seconds or once writing failed again (:attr:`last_error` says why)."""
        if not self.threaded:
            return self.retry()
        deadline = time.monotonic() + timeout
        with self._cond:
            if not self._pending:
                return True
            start = self._attempts
            self._kick = True
            self._cond.notify_all()
        self._ensure_thread()
        with self._cond:
            while self._pending:
                failed_again = self._attempts > start and self.last_error is not None
                left = deadline - time.monotonic()
                if failed_again or left <= 0:
                    break
                self._cond.wait(left)
            return not self._pending

    def write_now(self, key: tuple, action: Action, timeout: float = 5.0) -> bool:
        """Submit and wait for it (and everything before it): for writes the next step reads."""
        self.submit(key, action)
        return self.flush(timeout)

    def deliver(self) -> None:
        """Hand the writes the records refused to ``on_refused`` (call on the UI thread)."""
        with self._cond:
            refused, self._refused = self._refused, []
        for key, exc in refused:
            if self.on_refused is not None:
                self.on_refused(key, exc)

    def close(self, timeout: float = 5.0) -> bool:
        """Flush (up to ``timeout``), stop the writer and close its connection; False when
        changes were left unsaved (:attr:`unsaved` says how many)."""
        saved = self.flush(timeout)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        with self._cond:
            store, self._writer_store = self._writer_store, None
        if store is not None and (thread is None or not thread.is_alive()):
            store.close()
        return saved

    # ---------------------------------------------------------------- writing

    def _ensure_thread(self) -> None:
        with self._cond:
            if self._thread is not None or self._stopping:
                return
            self._thread = threading.Thread(target=self._run, name="neuroexam-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        """The writer thread: drain the queue whenever woken, until closed."""
        while True:
            with self._cond:
                while not self._kick and not self._stopping:
                    self._cond.wait()
                if self._stopping and not self._kick:
                    return
                self._kick = False
            try:
                store = self.store
            except StoreError as exc:
                self._failed(str(exc))
                continue
            self._drain(store)

    def _failed(self, why: str) -> None:
        with self._cond:
            self.last_error = why
            self._attempts += 1
            self._cond.notify_all()
        self._progress()

    def _drain(self, store: RecordStore) -> None:
        """Write the queue in order until it is empty or a write fails."""
        while True:
            with self._cond:
                if not self._pending:
                    self.last_error = None
                    self._attempts += 1
                    self._cond.notify_all()
                    break
                write = next(iter(self._pending.values()))
            refused: RecordLocked | None = None
            try:
                write.action(store)
            except RecordLocked as exc:
                refused = exc
            except StoreError as exc:
                self._failed(str(exc))
                return
            except Exception as exc:  # a bug must not stop saving silently: shown, kept
                self._failed(f"unexpected error while saving: {exc!r}")
                return
            with self._cond:
                if self._pending.get(write.key) is write:
                    del self._pending[write.key]
                if refused is not None:
                    self._refused.append((write.key, refused))
                self._cond.notify_all()
            self._progress()
        self._progress()

    def _progress(self) -> None:
        if self.threaded and self.on_progress is not None:
            self.on_progress()
