"""Who a patient id belongs to: the latest exam on record, for the intake's prefill and check."""

from __future__ import annotations

from typing import Protocol

from neuroexam.core.models import Exam
from neuroexam.core.vocab import ExamStatus

#: How many of a patient's newest exams are looked at to skip the excluded and voided ones.
_LOOK_BACK = 20


class PatientExams(Protocol):
    """The part of a record store this service reads."""

    def patient_exams(
        self, patient_id: str, *, limit: int | None = None, offset: int = 0
    ) -> list[Exam]: ...


class PatientLookup:
    """The records' view of a patient id."""

    def __init__(self, store: PatientExams) -> None:
        self._store = store

    def latest(self, patient_id: str, *, excluding: str | None = None) -> Exam | None:
        """The patient's newest exam that is not voided (nor ``excluding``, the exam being
        edited), or None for an empty or unknown id."""
        patient_id = patient_id.strip()
        if not patient_id:
            return None
        newest = self._store.patient_exams(patient_id, limit=1)
        if newest and self._usable(newest[0], excluding):
            return newest[0]
        if not newest:
            return None
        more = self._store.patient_exams(patient_id, limit=_LOOK_BACK)
        return next((e for e in more if self._usable(e, excluding)), None)

    @staticmethod
    def _usable(exam: Exam, excluding: str | None) -> bool:
        return exam.exam_id != excluding and exam.status is not ExamStatus.VOIDED
