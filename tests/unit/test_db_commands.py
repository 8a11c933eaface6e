"""``neuroexam db backup`` (online, verified, 0600) and ``neuroexam db check``."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from neuroexam import cli
from neuroexam.core.models import Exam, ExamStatus, Finding, Patient
from neuroexam.records.sqlite import maintenance
from neuroexam.records.store import Store, StoreError

WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _exam(exam_id: str, status: ExamStatus = ExamStatus.COMPLETE) -> Exam:
    return Exam(
        exam_id=exam_id,
        exam_date=WHEN,
        patient=Patient(patient_id="P1", name="Rex", species="dog", breed="Beagle"),
        findings=[
            Finding(
                test="cutaneous_trunci", site=site, side="left", grade="present", recorded_at=WHEN
            )
            for site in ("L1", "L2")
        ],
        status=status,
    )


@pytest.fixture
def running(_isolated_home: Path) -> Iterator[Store]:
    """The app's store, still open (its writes sit in the WAL): 2 complete exams, 1 open."""
    store = Store()
    store.save_exam_with_findings(_exam("E1"))
    store.save_exam_with_findings(_exam("E2"))
    store.save_exam_with_findings(_exam("E3", ExamStatus.IN_PROGRESS))
    try:
        yield store
    finally:
        store.close()


def _statuses(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path)) as db:
        return dict(db.execute("SELECT exam_id, status FROM exams").fetchall())


def test_backup_while_a_writer_holds_a_transaction(
    running: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wal = Path(f"{running.path}-wal")
    assert wal.stat().st_size > 0  # the committed exams are still in the WAL
    writer = sqlite3.connect(running.path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE exams SET status = 'voided' WHERE exam_id = 'E1'")  # not committed
    dest = tmp_path / "copy.db"
    try:
        assert cli.main(["db", "backup", str(dest)]) == 0
    finally:
        writer.execute("COMMIT")  # the writer was never held up
        writer.close()
    assert capsys.readouterr().out == f"backed up 3 exams to {dest}\n"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert _statuses(dest) == {"E1": "complete", "E2": "complete", "E3": "in_progress"}
    with closing(sqlite3.connect(dest)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # standalone
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == ["copy.db"]


def test_backup_into_a_folder_gets_a_dated_name(running: Store, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    now = datetime(2026, 4, 5, 6, 7, 8)
    result = maintenance.backup(folder, now=now)
    assert result.path == folder / "neuroexam-backup-2026-04-05-060708.db"
    assert result.exams == 3
    assert [p.name for p in folder.iterdir()] == [result.path.name]


def test_backup_is_private_whatever_the_umask(running: Store, tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        result = maintenance.backup(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert re.fullmatch(r"neuroexam-backup-\d{4}-\d\d-\d\d-\d{6}\.db", result.path.name)


def test_a_copy_failing_its_integrity_check_is_refused_and_removed(
    running: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(maintenance, "integrity", lambda db: "Page 3 is never used")
    folder = tmp_path / "backups"
    folder.mkdir()
    assert cli.main(["db", "backup", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"neuroexam db backup: {folder}{os.sep}neuroexam-backup-")
    assert "integrity check (Page 3 is never used); no backup kept" in err
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: tmp / "missing" / "copy.db", "no such folder"),
        (lambda tmp: (tmp / "taken.db").write_text("x") and tmp / "taken.db", "already exists"),
    ],
)
def test_backup_errors_are_one_line_exit_2(
    running: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: object,
    expected: str,
) -> None:
    dest = make(tmp_path)  # type: ignore[operator]
    assert cli.main(["db", "backup", str(dest)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("neuroexam db backup: ")
    assert expected in err and "Traceback" not in err


def test_backup_without_records_is_one_line_exit_2(
    _isolated_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["db", "backup", str(tmp_path / "copy.db")]) == 2
    err = capsys.readouterr().err
    assert err == f"neuroexam db backup: {_isolated_home / 'neuroexam.db'}: no records file there\n"
    assert not _isolated_home.exists()  # nothing created


def test_backup_of_a_damaged_file_is_refused(_isolated_home: Path, tmp_path: Path) -> None:
    _isolated_home.mkdir(mode=0o700)
    (_isolated_home / "neuroexam.db").write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError, match="damaged"):
        maintenance.backup(tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["neuroexam-home"]


def test_db_check_prints_backend_file_schema_and_counts(
    running: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    running.void_exam("E2", by="Dr A", reason="wrong patient")
    assert cli.main(["db", "check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    schema = len(maintenance.MIGRATIONS)
    audit = running._query("SELECT count(*) FROM audit")[0][0]
    assert lines == [
        "backend: sqlite",
        f"file: {running.path}",
        f"schema version: {schema} (current)",
        "exams: 3 (complete 1, in_progress 1, voided 1)",
        "findings: 6",
        f"audit rows: {audit}",
        "training attempts: 0",
    ]
    assert audit > 0


def test_db_check_without_records_is_one_line_exit_2(
    _isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["db", "check"]) == 2
    assert capsys.readouterr().err.startswith("neuroexam db check: ")
