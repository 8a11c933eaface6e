"""History and a patient's exams listed from listing lines: the same exams, in the same order,
as the lists built from whole exams."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from neuroexam.core.models import Exam, ExamStatus, Patient
from neuroexam.core.protocol import Protocols
from neuroexam.records.store import Store
from neuroexam.services.records import RecordsService


def _seed(store: Store) -> None:
    """Exams an hour apart with offsets from -10 h to +13 h (text order is not instant order),
    two undated, a voided and an unfinished one."""
    start = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    for n in range(40):
        zone = timezone(timedelta(hours=(n * 7) % 24 - 10))
        when = (start + timedelta(hours=n)).astimezone(zone) if n not in (5, 17) else None
        status = {3: ExamStatus.VOIDED, 9: ExamStatus.IN_PROGRESS}.get(n, ExamStatus.COMPLETE)
        patient = Patient(patient_id=f"P{n % 3}", name="Rex", species="dog", breed="Beagle")
        exam = Exam(exam_id=f"E{n:02}", exam_date=when, patient=patient, status=status)
        store.save_exam_with_findings(exam)


def test_history_listings_are_the_newest_complete_exams_in_order(
    tmp_path: Path, protocols: Protocols
) -> None:
    store = Store(tmp_path / "a.db")
    _seed(store)
    records = RecordsService(store, lambda: protocols)
    for limit in (1, 5, 20, 37, 100):
        expected = [e.exam_id for e in records.history_exams(limit)[0]]
        assert [line.exam_id for line in records.history_listings(limit)] == expected


def test_patient_listings_match_the_patients_exams_newest_first(
    tmp_path: Path, protocols: Protocols
) -> None:
    from neuroexam.tui.screens.patient_exams import newest_first

    store = Store(tmp_path / "a.db")
    _seed(store)
    records = RecordsService(store, lambda: protocols)
    listed = records.patient_listings("P2")
    exams = newest_first(records.patient_exams("P2"))
    assert [line.exam_id for line in listed] == [e.exam_id for e in exams]
    assert [line.exam_date for line in listed] == [e.exam_date for e in exams]
    assert {line.status for line in listed} >= {ExamStatus.COMPLETE}
