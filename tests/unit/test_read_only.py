"""Records on read-only media: reading commands work, writing ones say why they cannot.

Tests run as root here, and root ignores file permissions, so a chmod'ed file would still be
writable. Read-only media are therefore simulated two ways: the ``read_only=True`` open is
tested directly, and auto-detection is tested by making ``os.access`` (which is what the
store asks, and which does report a read-only filesystem even for root) answer "not
writable". The ``immutable=1`` fallback (no ``-shm`` can be made) is forced by failing the
plain ``mode=ro`` open.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from neuroexam import cli
from neuroexam.core.models import Exam, ExamStatus, Finding, Patient
from neuroexam.records.sqlite import read_only
from neuroexam.records.store import Store, StoreError, open_store

WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _exam(exam_id: str) -> Exam:
    return Exam(
        exam_id=exam_id,
        exam_date=WHEN,
        patient=Patient(patient_id="P1", name="Rex", species="dog", breed="Beagle"),
        findings=[
            Finding(
                test="cutaneous_trunci", site="L2", side="left", grade="absent", recorded_at=WHEN
            )
        ],
        status=ExamStatus.COMPLETE,
    )


@pytest.fixture
def db(_isolated_home: Path) -> Path:
    store = Store()
    store.save_exam_with_findings(_exam("E1"))
    store.save_exam_with_findings(_exam("E2"))
    store.close()
    return store.path


@pytest.fixture
def not_writable(monkeypatch: pytest.MonkeyPatch) -> None:
    """``os.access`` as on a read-only filesystem: nothing may be written."""
    real = read_only.os.access

    def access(path: object, mode: int) -> bool:
        return False if mode & read_only.os.W_OK else real(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(read_only.os, "access", access)


def test_read_only_store_reads_and_refuses_writes(db: Path) -> None:
    before = db.read_bytes()
    store = open_store(db, read_only=True)
    try:
        assert store.read_only  # type: ignore[attr-defined]
        assert store.count_exams() == 2
        assert store.load_exam("E1") is not None
        with pytest.raises(StoreError) as caught:
            store.save_exam_with_findings(_exam("E3"))
        assert str(caught.value) == f"{db}: the records file is read-only"
        with pytest.raises(StoreError, match=r"read-only.*cannot import"):
            store.refuse_if_read_only("import")  # type: ignore[attr-defined]
    finally:
        store.close()
    assert db.read_bytes() == before


def test_missing_file_is_not_created_by_a_read_only_open(tmp_path: Path) -> None:
    path = tmp_path / "none" / "neuroexam.db"
    with pytest.raises(StoreError, match="no records file"):
        Store(path, read_only=True)
    assert not path.parent.exists()


def test_auto_detects_a_file_that_cannot_be_written(db: Path, not_writable: None) -> None:
    store = Store()
    try:
        assert store.read_only
        assert store.count_exams() == 2
    finally:
        store.close()


def test_writable_file_opens_for_writing(db: Path) -> None:
    store = Store()
    try:
        assert not store.read_only
    finally:
        store.close()


def test_immutable_fallback_when_no_shm_can_be_made(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = read_only._connect
    tried: list[bool] = []

    def connect(path: Path, *, immutable: bool) -> sqlite3.Connection:
        tried.append(immutable)
        if not immutable:
            raise sqlite3.OperationalError("unable to open database file")
        return real(path, immutable=immutable)

    monkeypatch.setattr(read_only, "_connect", connect)
    store = Store(db, read_only=True)
    try:
        assert store.count_exams() == 2
    finally:
        store.close()
    assert tried == [False, True]


def test_immutable_open_refuses_records_whose_changes_are_in_the_wal(
    _isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = Store()  # still open: its exams sit in the -wal
    running.save_exam_with_findings(_exam("E1"))
    copy = tmp_path / "media"
    copy.mkdir()
    for suffix in ("", "-wal"):  # what a file copy of a running app's folder catches
        shutil.copy(f"{running.path}{suffix}", copy / f"neuroexam.db{suffix}")
    running.close()
    real = read_only._connect

    def connect(path: Path, *, immutable: bool) -> sqlite3.Connection:
        if not immutable:  # as on read-only media: no -shm can be made
            raise sqlite3.OperationalError("unable to open database file")
        return real(path, immutable=immutable)

    monkeypatch.setattr(read_only, "_connect", connect)
    with pytest.raises(StoreError) as caught:
        Store(copy / "neuroexam.db", read_only=True)
    message = str(caught.value)
    assert message.startswith(f"{copy / 'neuroexam.db'}: read-only, and its latest changes")
    assert "neuroexam.db-wal" in message


def test_older_schema_read_only_asks_for_a_writable_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE t (x)")
        old.execute("PRAGMA user_version = 1")
    old.close()
    with pytest.raises(StoreError) as caught:
        Store(path, read_only=True)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "schema 1" in message
    assert "writable" in message
    with sqlite3.connect(path) as again:
        assert again.execute("PRAGMA user_version").fetchone()[0] == 1  # not migrated
    again.close()


@pytest.mark.parametrize("layout", ["findings", "summary", "audit"])
def test_export_works_from_read_only_records(
    db: Path, not_writable: None, layout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = db.read_bytes()
    assert cli.main(["export", "--layout", layout]) == 0
    out = capsys.readouterr().out
    assert "\nE1," in out and "\nE2," in out
    assert db.read_bytes() == before


def test_export_to_a_file_from_read_only_records(
    db: Path, not_writable: None, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    assert cli.main(["export", "--out", str(out)]) == 0
    assert out.read_bytes().count(b"\r\nE1,") == 1


def test_db_check_and_backup_work_from_read_only_records(
    db: Path, not_writable: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["db", "check"]) == 0
    assert "exams: 2 (complete 2)" in capsys.readouterr().out
    assert cli.main(["db", "backup", str(tmp_path / "copy.db")]) == 0
    assert capsys.readouterr().out == f"backed up 2 exams to {tmp_path / 'copy.db'}\n"


def test_train_on_read_only_records_is_one_line_exit_2(
    db: Path, not_writable: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["train", "--student", "Kim"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{db}: the records are read-only" in err


def test_report_works_from_read_only_records(
    db: Path, not_writable: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["report", "E1", "--format", "text"]) == 0
    assert "Rex" in capsys.readouterr().out


def test_import_into_read_only_records_is_one_line_exit_2(
    db: Path, not_writable: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("exam_id\n", encoding="utf-8")
    assert cli.main(["import", str(source)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"neuroexam import: {db}: the records are read-only")
    assert "cannot import" in err


def test_exam_on_read_only_records_is_one_line_exit_2(
    db: Path, not_writable: None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["exam", "--patient-id", "P9", "--name", "Max", "--species", "dog"]
    argv += ["--breed", "Beagle", "--age", "4", "--yes"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{db}: the records are read-only" in err and "cannot start an exam" in err
