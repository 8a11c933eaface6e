"""The SQLite store: migrations, one transaction per write, clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from neuroexam.core.models import Exam, Finding, Patient
from neuroexam.core.vocab import ExamStatus, Grade, Mode
from neuroexam.records.store import MIGRATIONS, Store, StoreError
from neuroexam.services.saving import SaveQueue


def exam(exam_id: str = "E1", patient_id: str = "P1") -> Exam:
    return Exam(exam_id=exam_id, patient=Patient(species="dog", patient_id=patient_id))


def finding(site: str = "L7", grade: str = "absent") -> Finding:
    return Finding(test="cutaneous_trunci", site=site, side="left", grade=grade)


def test_new_store_is_at_the_latest_schema_version(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    assert store.schema_version == len(MIGRATIONS)
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"exams", "findings", "training_attempts"} <= tables


def test_older_database_is_migrated_in_place(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO exams (exam_id, species) VALUES ('OLD', 'dog')")
    store = Store(db)
    assert store.schema_version == len(MIGRATIONS)
    assert store.load_exam("OLD") is not None


def test_newer_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    with pytest.raises(StoreError, match="newer NeuroExam"):
        Store(db)


def test_finding_is_committed_when_save_returns(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    store.create_exam(exam())
    store.save_finding("E1", finding())
    # A second connection (another process would see the same) reads it at once.
    with sqlite3.connect(tmp_path / "a.db") as conn:
        assert conn.execute("SELECT grade FROM findings").fetchall() == [("absent",)]


def test_saving_a_finding_again_replaces_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    store.create_exam(exam())
    store.save_finding("E1", finding(grade="absent"))
    store.save_finding("E1", finding(grade="present"))
    loaded = store.load_exam("E1")
    assert [f.grade for f in loaded.findings] == [Grade.PRESENT]


def test_load_exams_filters(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    done = exam("E1")
    done.status = ExamStatus.COMPLETE
    store.create_exam(done)
    store.create_exam(exam("E2", patient_id="P2"))
    training = exam("E3")
    training.mode = Mode.TRAINING
    store.create_exam(training)
    assert [e.exam_id for e in store.load_exams(include_unfinished=False)] == ["E1"]
    assert [e.exam_id for e in store.load_exams(patient_id="P2")] == ["E2"]
    assert [e.exam_id for e in store.load_exams(mode=Mode.TRAINING)] == ["E3"]


def test_import_is_all_or_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    store.create_exam(exam("E1"))
    clash = exam("E1")
    clash.findings = [finding()]
    with pytest.raises(StoreError):
        store.save_exam_with_findings(clash)  # exam id already present
    assert store.load_exam("E1").findings == []


def test_read_only_database_gives_a_clear_error(tmp_path: Path) -> None:
    store = Store(tmp_path / "ro.db")
    store._db.execute("PRAGMA query_only = ON")  # what SQLite does on a read-only medium
    with pytest.raises(StoreError, match=r"ro\.db: the records file is read-only"):
        store.create_exam(exam())


def test_unwritable_folder_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(StoreError, match="cannot create the data folder"):
        Store(blocker / "sub" / "neuroexam.db")


def test_failed_write_is_kept_and_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "a.db")
    store.create_exam(exam())
    saver = SaveQueue(store)
    real = store.record_finding

    def full_disk(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise StoreError(f"{store.path}: the disk is full")

    monkeypatch.setattr(store, "record_finding", full_disk)
    for site in ("L7", "L6"):
        f = finding(site)
        assert saver.submit(("f", site), lambda s, f=f: s.record_finding("E1", f)) is False
    assert saver.unsaved == 2 and "disk is full" in (saver.last_error or "")
    monkeypatch.setattr(store, "record_finding", real)
    assert saver.retry() is True
    assert saver.unsaved == 0
    assert {f.site for f in store.load_exam("E1").findings} == {"L7", "L6"}
