"""Typed messages the services post; screens handle them and re-render."""

from __future__ import annotations

from textual.message import Message

from neuroexam.records.backend import Lease


class ExamChanged(Message):
    """The exam being edited changed (a finding, the intake, its status)."""

    def __init__(self, exam_id: str) -> None:
        self.exam_id = exam_id
        super().__init__()


class SaveStateChanged(Message):
    """How many changes wait to be written, and why (None once everything is saved)."""

    def __init__(self, unsaved: int, error: str | None) -> None:
        self.unsaved = unsaved
        self.error = error
        super().__init__()


class ExamTakenOver(Message):
    """Another window or workstation took the exam over; this one may no longer write."""

    def __init__(self, exam_id: str, lease: Lease | None, reason: str) -> None:
        self.exam_id = exam_id
        self.lease = lease
        self.reason = reason
        super().__init__()
