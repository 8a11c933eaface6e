"""services.patients.PatientLookup: a patient id's latest usable exam on record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from neuroexam.core.models import Exam, Patient, Species
from neuroexam.core.vocab import ExamStatus
from neuroexam.records.store import Store
from neuroexam.services.patients import PatientLookup

DAY = datetime(2026, 11, 1, 9, tzinfo=UTC)


def exam(exam_id: str, days: int, patient_id: str = "P-23", **changes: object) -> Exam:
    made = Exam(
        exam_id=exam_id,
        exam_date=DAY + timedelta(days=days),
        patient=Patient(patient_id=patient_id, name="Oscar", species=Species.DOG),
    )
    return made.model_copy(update=changes)


def test_latest_is_the_newest_exam_of_that_id(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    for made in (exam("E1", 0), exam("E3", 2), exam("E2", 1), exam("X1", 5, "P-24")):
        store.create_exam(made)
    lookup = PatientLookup(store)
    latest = lookup.latest(" P-23 ")
    assert latest is not None and latest.exam_id == "E3"
    assert lookup.latest("P-23", excluding="E3").exam_id == "E2"  # type: ignore[union-attr]
    assert lookup.latest("P-99") is None
    assert lookup.latest("  ") is None
    assert lookup.latest("p-23") is None  # ids match exactly


def test_a_voided_exam_is_passed_over(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    store.create_exam(exam("E1", 0))
    store.create_exam(exam("E2", 1, status=ExamStatus.VOIDED))
    assert PatientLookup(store).latest("P-23").exam_id == "E1"  # type: ignore[union-attr]
    store.create_exam(exam("E0", -1, status=ExamStatus.VOIDED))
    store.void_exam("E1", by="test", reason="wrong patient")
    assert PatientLookup(store).latest("P-23") is None


class CountingStore:
    """Records each page asked for."""

    def __init__(self, exams: list[Exam]) -> None:
        self.exams = exams
        self.pages: list[int | None] = []

    def patient_exams(
        self, patient_id: str, *, limit: int | None = None, offset: int = 0
    ) -> list[Exam]:
        self.pages.append(limit)
        mine = [e for e in self.exams if e.patient.patient_id == patient_id]
        return mine[offset : None if limit is None else offset + limit]


def test_the_usual_look_up_reads_one_exam() -> None:
    store = CountingStore([exam("E2", 1), exam("E1", 0)])
    assert PatientLookup(store).latest("P-23").exam_id == "E2"  # type: ignore[union-attr]
    assert store.pages == [1]
    assert PatientLookup(store).latest("P-23", excluding="E2").exam_id == "E1"  # type: ignore[union-attr]
    assert store.pages == [1, 1, 20]
