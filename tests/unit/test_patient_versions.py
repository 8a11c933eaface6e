"""The patients' versions (migration 6) on each backend: raised by the records with every change
to a patient's exams, so that a page of fresh stored assessments is known fresh by primary-key
look-ups, without reading the patients' histories; a change still makes exactly the exams it
concerns stale (records/assessments.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from neuroexam.core.models import Exam, Patient
from neuroexam.core.protocol import Protocols
from neuroexam.records import assessments as stored_module
from neuroexam.records.assessments import assessments_for, refresh_assessments
from neuroexam.records.backend import RecordStore
from tests.unit.test_stored_assessments import START, curated, dog, expected


def version_of(store: RecordStore, patient_id: str) -> int:
    return store.patient_versions([patient_id]).get(patient_id, 0)


def test_the_patient_version_changes_with_every_change_to_the_patients_exams(
    record_store: RecordStore,
) -> None:
    store = record_store
    store.create_exam(Exam(exam_id="E1", patient=Patient(species="dog", patient_id="P1")))
    first = version_of(store, "P1")
    assert first > 0 and store.assessment_keys(["E1", "NONE"]) == {"E1": ("P1", 1, first)}
    store.set_continued("E1", "cutaneous_trunci/left")  # no version, no date: unchanged
    assert version_of(store, "P1") == first
    store.create_exam(Exam(exam_id="E2", patient=Patient(species="dog", patient_id="P2")))
    assert version_of(store, "P1") == first  # another patient's exam
    moved = Exam(exam_id="E1", patient=Patient(species="dog", patient_id="P2"))
    before2 = version_of(store, "P2")
    store.update_intake(moved, by="A. Tech")  # moved to P2: both patients change
    assert version_of(store, "P1") > first and version_of(store, "P2") > before2
    assert version_of(store, "P1") != version_of(store, "P2")  # one number, one patient
    store.create_exam(Exam(exam_id="E3", patient=Patient(species="dog", patient_id="P3")))
    third = version_of(store, "P3")
    assert store.discard_if_untouched("E3")
    assert version_of(store, "P3") > third  # removed
    store.create_exam(Exam(exam_id="E4", patient=Patient(species="dog")))  # no patient id
    assert store.assessment_keys(["E4"]) == {"E4": ("", 1, 0)}
    assert store.patient_versions([""]) == {}


def spy_heads(monkeypatch: pytest.MonkeyPatch, store: RecordStore) -> list[list[str]]:
    """The exam ids each read of the patients' histories (``version_heads_of``) asked for."""
    asked: list[list[str]] = []
    cls: Any = type(store)
    real = cls.version_heads_of

    def spy(self: Any, exam_ids: Any) -> Any:
        ids = list(exam_ids)
        asked.append(ids)
        return real(self, ids)

    monkeypatch.setattr(cls, "version_heads_of", spy)
    return asked


def spy_computed(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    seen: set[str] = set()
    real = stored_module.assess_patient

    def spy(exams: Any, protocols: Any, wanted: Any = None) -> Any:
        out = real(exams, protocols, wanted)
        seen.update(out)
        return out

    monkeypatch.setattr(stored_module, "assess_patient", spy)
    return seen


def test_a_page_of_fresh_rows_reads_no_history_and_a_change_reads_only_its_patient(
    record_store: RecordStore, protocols: Protocols, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = record_store
    for exam in curated():
        store.save_exam_with_findings(exam)
    ids = [e.exam_id for e in curated()]
    first = assessments_for(store, ids, protocols)
    asked = spy_heads(monkeypatch, store)
    computed = spy_computed(monkeypatch)
    again = assessments_for(store, ids, protocols)
    assert asked == [] and computed == set()
    assert {k: a.model_dump() for k, a in again.items()} == {
        k: a.model_dump() for k, a in first.items()
    }
    store.reopen_exam("PMM-2", by="Dr Vogel", reason="typo in a grade")
    page = ["PMM-1", "PMM-2", "PMM-3", "OTHER-1", "LOOSE"]
    got = assessments_for(store, page, protocols)
    # only the changed patient's exams are checked by their history; the earlier one is
    # still fresh by it (and confirmed), the changed one and the later one recomputed
    assert asked == [["PMM-1", "PMM-2", "PMM-3"]] and computed == {"PMM-2", "PMM-3"}
    for exam_id in page:
        exam = store.load_exam(exam_id)
        assert exam is not None
        assert got[exam_id].model_dump() == expected(store, exam, protocols), exam_id
    asked.clear()
    computed.clear()
    assert refresh_assessments(store, page, protocols) == 0
    assessments_for(store, page, protocols)
    assert asked == [] and computed == set()  # all fresh by their patient's version again


def test_rows_without_a_patient_version_are_confirmed_by_their_history_hash(
    record_store: RecordStore, protocols: Protocols, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows stored before schema 6 (no patient version) are checked by their history hash
    once, not recomputed."""
    store = record_store
    for exam in curated():
        store.save_exam_with_findings(exam)
    ids = [e.exam_id for e in curated()]
    assessments_for(store, ids, protocols)
    rows = store.stored_assessments(ids, payload=False)
    assert all(r.patient_version is not None for r in rows.values() if r.history_hash)
    store.put_assessments(
        [r._replace(patient_version=None) for r in store.stored_assessments(ids).values()]
    )
    asked = spy_heads(monkeypatch, store)
    computed = spy_computed(monkeypatch)
    assert refresh_assessments(store, ids, protocols) == 0 and computed == set()
    assert len(asked) == 1
    asked.clear()
    assessments_for(store, ids, protocols)
    assert asked == [] and computed == set()


def test_a_dated_exam_moved_by_a_bulk_write_makes_the_later_exams_stale(
    record_store: RecordStore, protocols: Protocols, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that bypasses the app (a bulk load, a repair) still raises the version: the
    records' triggers keep it, not the app."""
    store = record_store
    for exam in curated():
        store.save_exam_with_findings(exam)
    ids = [e.exam_id for e in curated()]
    assessments_for(store, ids, protocols)
    later = (START + timedelta(days=2)).isoformat()
    sql = "UPDATE exams SET exam_date = ? WHERE exam_id = ?"
    if type(store).__name__.startswith("Postgres"):
        with store._transaction() as conn:  # type: ignore[attr-defined]
            conn.execute(sql.replace("?", "%s"), (later, "PMM-1"))
    else:
        with store._transaction() as db:  # type: ignore[attr-defined]
            db.execute(sql, (later, "PMM-1"))
    computed = spy_computed(monkeypatch)
    got = assessments_for(store, ids, protocols)
    # PMM-1 now follows PMM-2, PMM-3 and PMM-VOID; the undated exam and others unchanged
    assert computed == {"PMM-1", "PMM-2", "PMM-3", "PMM-VOID"}
    exam = store.load_exam("PMM-3")
    assert exam is not None and got["PMM-3"].model_dump() == expected(store, exam, protocols)


def test_a_new_exam_of_the_patient_keeps_the_earlier_exams_rows(
    record_store: RecordStore, protocols: Protocols, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = record_store
    for exam in curated():
        store.save_exam_with_findings(exam)
    ids = [e.exam_id for e in curated()]
    assessments_for(store, ids, protocols)
    store.save_exam_with_findings(dog("PMM-4", START + timedelta(days=5), "T11"))
    computed = spy_computed(monkeypatch)
    assessments_for(store, [*ids, "PMM-4"], protocols)
    assert computed == {"PMM-4"}  # the patient changed, but no earlier exam's history did


def test_a_version_bump_costs_the_same_however_many_patients(tmp_path: Path) -> None:
    """The SQLite triggers find the next number by the index of versions (no scan of every
    patient): the work of one write, counted in SQLite's steps, does not grow with them."""
    from neuroexam.records.store import Store

    store = Store(tmp_path / "many.db")
    db = store._db

    def steps_of_a_bump(exam_id: str) -> int:
        steps = [0]

        def count() -> int:
            steps[0] += 1
            return 0

        db.set_progress_handler(count, 1)
        db.execute("UPDATE exams SET version = version + 1 WHERE exam_id = ?", (exam_id,))
        db.set_progress_handler(None, 1)
        return steps[0]

    def add(first: int, n: int) -> None:
        db.executemany(
            "INSERT INTO exams (exam_id, patient_id, species) VALUES (?, ?, 'dog')",
            [(f"E{i}", f"P{i}") for i in range(first, first + n)],
        )

    add(0, 10)
    few = steps_of_a_bump("E1")
    add(10, 5000)
    many = steps_of_a_bump("E1")
    assert many < few + 50, (few, many)
    store.close()
