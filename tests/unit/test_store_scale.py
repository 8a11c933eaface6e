"""Store reads for export, import and history at scale: indexes, plans (SQLite), paging and
snapshots (each backend)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from neuroexam.core.models import Exam, ExamStatus, Finding, Mode, Patient
from neuroexam.records.backend import RecordStore
from neuroexam.records.store import MIGRATIONS, ExamFilter, Store
from tests.unit.export_fixtures import golden_exams


def exam(exam_id: str, patient: str, day: int, findings: int = 2) -> Exam:
    when = datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=day)
    sites = ["L7", "L6", "L5", "L4"]
    return Exam(
        exam_id=exam_id,
        exam_date=when,
        patient=Patient(patient_id=patient, species="dog"),
        findings=[
            Finding(
                test="cutaneous_trunci",
                site=sites[i // 2],
                side=("left", "right")[i % 2],
                grade="present",
            )
            for i in range(findings)
        ],
        status=ExamStatus.COMPLETE,
    )


def plan(store: Store, sql: str, params: tuple = ()) -> str:
    return " | ".join(r[3] for r in store._query(f"EXPLAIN QUERY PLAN {sql}", params))


def test_migration_3_adds_the_export_order_index_to_an_older_store(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:2]:
        con.executescript(script)
    con.execute("PRAGMA user_version = 2")
    con.close()
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS) >= 3
    names = {r[0] for r in store._query("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "exams_in_order" in names
    store.close()


def test_reads_use_indexes_not_scans_of_findings(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    for i in range(30):
        store.save_exam_with_findings(exam(f"E{i:02d}", f"P{i % 3}", i))
    every = plan(
        store,
        "SELECT f.exam_id FROM exams e CROSS JOIN findings f ON f.exam_id = e.exam_id "
        "ORDER BY e.exam_date, e.exam_id, f.seq, f.test, f.site, f.side",
    )
    assert "exams_in_order" in every and "SCAN f" not in every
    patient = plan(
        store,
        "SELECT f.exam_id FROM exams JOIN findings f ON f.exam_id = exams.exam_id "
        "WHERE patient_id = ? ORDER BY f.exam_id, f.seq",
        ("P1",),
    )
    assert "exams_by_patient" in patient and "SCAN f" not in patient
    store.close()


def test_load_exams_of_a_patient_reads_only_that_patient(record_store: RecordStore) -> None:
    store = record_store
    for i in range(12):
        store.save_exam_with_findings(exam(f"E{i:02d}", f"P{i % 3}", i, findings=i % 4 + 1))
    mine = store.load_exams(patient_id="P1")
    assert [e.exam_id for e in mine] == ["E01", "E04", "E07", "E10"]
    assert [len(e.findings) for e in mine] == [2, 1, 4, 3]
    assert store.load_exams(patient_id="P1") == [store.load_exam(e.exam_id) for e in mine]
    assert store.exams_of_patients(["P1", "P2", ""]) == {
        "P1": mine,
        "P2": store.load_exams(patient_id="P2"),
    }
    store.close()


def test_patient_exams_pages_newest_first(record_store: RecordStore) -> None:
    store = record_store
    for i in range(7):
        store.save_exam_with_findings(exam(f"E{i}", "P1", i))
    store.save_exam_with_findings(exam("X", "P2", 3))
    assert [e.exam_id for e in store.patient_exams("P1", limit=3)] == ["E6", "E5", "E4"]
    page = store.patient_exams("P1", limit=3, offset=3)
    assert [e.exam_id for e in page] == ["E3", "E2", "E1"]
    assert all(len(e.findings) == 2 for e in page)
    assert [e.exam_id for e in store.patient_exams("P1", offset=6)] == ["E0"]
    assert store.count_exams(ExamFilter(patient_id="P1")) == 7
    store.close()


def test_iter_exams_and_rows_follow_export_order_and_filters(record_store: RecordStore) -> None:
    store = record_store
    for e in golden_exams():
        store.save_exam_with_findings(e)
    clinical = ExamFilter(mode=Mode.CLINICAL, include_unfinished=False)
    streamed = list(store.iter_exams(clinical, batch_size=3))
    assert streamed == store.load_exams(mode=Mode.CLINICAL, include_unfinished=False)
    ids = [r[0] for r in store.exam_rows(clinical)]
    assert ids == [e.exam_id for e in streamed]
    flat = [row for batch in store.iter_finding_rows(clinical, batch_size=4) for row in batch]
    assert [r[0] for r in flat] == [e.exam_id for e in streamed for _ in e.findings]
    assert store.count_exams(ExamFilter(mode=Mode.TRAINING)) == 1
    assert store.count_exams() == len(golden_exams())
    store.close()


def test_a_snapshot_does_not_see_later_writes(record_store: RecordStore) -> None:
    store = record_store
    store.save_exam_with_findings(exam("E1", "P1", 0))
    with store.snapshot() as snap:
        assert snap.count_exams() == 1
        store.save_exam_with_findings(exam("E2", "P1", 1))  # the app keeps writing
        assert snap.count_exams() == 1
        assert [e.exam_id for e in snap.iter_exams()] == ["E1"]
    assert store.count_exams() == 2
    store.close()
