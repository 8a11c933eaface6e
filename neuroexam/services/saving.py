"""Saving that never loses what was entered: failed writes wait in memory and are retried."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from neuroexam.records.backend import RecordLocked, StoreError


@dataclass
class SaveQueue:
    """Every write is attempted at once; one that fails for a passing reason (disk full,
    file locked, connection lost) waits here and is retried, in order, by :meth:`retry` (the
    app calls it on a timer). A write the records refuse for good (:class:`RecordLocked`:
    the exam was taken over, voided or completed elsewhere) is not retried: it is handed to
    ``on_refused`` so that nothing is lost silently."""

    #: Writes that failed, by what they write (a later write of the same thing replaces it).
    pending: dict[tuple, Callable[[], object]] = field(default_factory=dict)
    last_error: str | None = None
    on_refused: Callable[[tuple, RecordLocked], None] | None = None

    @property
    def unsaved(self) -> int:
        return len(self.pending)

    def submit(self, key: tuple, action: Callable[[], object]) -> bool:
        """Write now (after anything still waiting); False when it is left waiting."""
        self.pending[key] = action
        return self.retry()

    def retry(self) -> bool:
        """Try every waiting write in order; True when nothing is left unsaved."""
        for key, action in list(self.pending.items()):
            try:
                action()
            except RecordLocked as exc:
                del self.pending[key]
                if self.on_refused is not None:
                    self.on_refused(key, exc)
                continue
            except StoreError as exc:
                self.last_error = str(exc)
                return False
            del self.pending[key]
        self.last_error = None
        return True
