"""Saving that never loses what was entered: failed writes wait in memory and are retried."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from neuroexam.core.vocab import ExamStatus
from neuroexam.records.store import Store, StoreError

if TYPE_CHECKING:
    from neuroexam.core.models import Exam, Finding
    from neuroexam.records.store import Attempt


@dataclass
class Recorder:
    """Wraps the store: every write is attempted at once; a failure is kept and retried."""

    store: Store
    #: Writes that failed, by what they write (a later write of the same thing replaces it).
    pending: dict[tuple, Callable[[], None]] = field(default_factory=dict)
    last_error: str | None = None

    @property
    def unsaved(self) -> int:
        return len(self.pending)

    def _write(self, key: tuple, action: Callable[[], None]) -> bool:
        self.pending[key] = action
        return self.retry()

    def retry(self) -> bool:
        """Try every waiting write in order; True when nothing is left unsaved."""
        for key, action in list(self.pending.items()):
            try:
                action()
            except StoreError as exc:
                self.last_error = str(exc)
                return False
            del self.pending[key]
        self.last_error = None
        return True

    def save_exam(self, exam: Exam, continued: str = "") -> bool:
        snapshot = exam.model_copy(deep=True)
        return self._write(
            ("exam", exam.exam_id), lambda: self.store.save_exam(snapshot, continued)
        )

    def save_finding(self, exam_id: str, finding: Finding, seq: int = 0) -> bool:
        return self._write(
            ("finding", exam_id, finding.key),
            lambda: self.store.save_finding(exam_id, finding, seq),
        )

    def set_status(self, exam_id: str, status: ExamStatus) -> bool:
        return self._write(("status", exam_id), lambda: self.store.set_status(exam_id, status))

    def set_continued(self, exam_id: str, continued: str) -> bool:
        return self._write(
            ("continued", exam_id), lambda: self.store.set_continued(exam_id, continued)
        )

    def save_exam_with_findings(self, exam: Exam) -> bool:
        """A whole exam in one transaction (a training case's simulated earlier exam)."""
        snapshot = exam.model_copy(deep=True)
        return self._write(
            ("whole", exam.exam_id), lambda: self.store.save_exam_with_findings(snapshot)
        )

    def save_attempt(self, attempt: Attempt) -> bool:
        return self._write(
            ("attempt", attempt.attempt_id), lambda: self.store.save_attempt(attempt)
        )
