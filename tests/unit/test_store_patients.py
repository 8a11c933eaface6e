"""``patients()``: one row per patient id, newest exam first, searched by id or name (each
backend)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from neuroexam.core.models import Exam, ExamStatus, Mode, Patient
from neuroexam.records.backend import RecordStore

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def add(
    store: RecordStore,
    exam_id: str,
    hours: float | None,
    patient_id: str,
    name: str,
    status: ExamStatus = ExamStatus.COMPLETE,
    mode: Mode = Mode.CLINICAL,
) -> None:
    store.create_exam(
        Exam(
            exam_id=exam_id,
            exam_date=None if hours is None else START + timedelta(hours=hours),
            mode=mode,
            patient=Patient(patient_id=patient_id, name=name, species="dog", breed="Beagle"),
            status=status,
        )
    )


def test_one_row_per_patient_newest_exam_first(record_store: RecordStore) -> None:
    store = record_store
    add(store, "A1", 0, "A", "Ann")
    add(store, "A2", 50, "A", "Annie", status=ExamStatus.IN_PROGRESS, mode=Mode.TRAINING)
    add(store, "B1", 10, "B", "Bo")
    add(store, "C1", None, "C", "Cy")  # no date: listed last
    add(store, "X1", 99, "", "no id")  # no patient id: not a patient
    rows = store.patients()
    assert [(r.patient_id, r.exams) for r in rows] == [("A", 2), ("B", 1), ("C", 1)]
    latest = rows[0]  # as recorded at the latest exam
    assert latest.patient_name == "Annie"
    assert latest.last_exam_date == START + timedelta(hours=50)
    assert latest.last_status is ExamStatus.IN_PROGRESS and latest.last_mode is Mode.TRAINING
    assert rows[2].last_exam_date is None
    assert [r.patient_id for r in store.patients(limit=1)] == ["A"]


def test_search_is_a_case_insensitive_substring_of_id_or_any_name(
    record_store: RecordStore,
) -> None:
    store = record_store
    add(store, "A1", 0, "P-10", "Ann")
    add(store, "A2", 5, "P-10", "Annie")
    add(store, "B1", 1, "P-2", "Ödön")
    add(store, "C1", 2, "Q_1", "100% Bo")

    def ids(text: str) -> list[str]:
        return [r.patient_id for r in store.patients(text)]

    assert ids("ANN") == ["P-10"]
    assert ids("p-") == ["P-10", "P-2"]
    assert ids("  p-10   ann ") == ["P-10"]  # "<id> <name>", spaces squeezed
    assert ids("ödön") == ids("ÖDÖN") == ["P-2"]  # beyond ASCII too
    assert ids("%") == ["Q_1"] and ids("_") == ["Q_1"]  # LIKE wildcards are literal
    assert ids("nobody") == []
