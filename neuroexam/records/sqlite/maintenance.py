"""Looking after the records file: a verified backup while the app runs, and a summary check.

:func:`backup` copies the database with SQLite's online backup API from a read-only
connection, so the app may keep recording: the copy is the last committed state, taken
page by page without holding up writers. The copy is written beside its destination as a
hidden partial file (0600), turned into a standalone rollback-journal database (no ``-wal``
needed to read it), verified with ``PRAGMA integrity_check`` and only then renamed into place;
on any failure nothing is left behind.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from neuroexam.records.backend import StoreError
from neuroexam.records.paths import default_db_path, private_file, private_file_open
from neuroexam.records.sqlite.migrations import MIGRATIONS

BACKEND = "sqlite"
#: Pages copied per step of the online backup (between steps writers may go on).
BACKUP_PAGES_PER_STEP = 1024


@dataclass(frozen=True)
class BackupResult:
    path: Path
    exams: int


@dataclass(frozen=True)
class DbSummary:
    """What ``neuroexam db check`` prints."""

    path: Path
    schema: int
    exams_by_status: dict[str, int]
    findings: int | None
    audit_rows: int | None
    training_attempts: int | None

    @property
    def exams(self) -> int:
        return sum(self.exams_by_status.values())

    def lines(self) -> list[str]:
        current = len(MIGRATIONS)
        if self.schema == current:
            schema = f"{self.schema} (current)"
        elif self.schema < current:
            schema = f"{self.schema} (older: a writable open upgrades it to {current})"
        else:
            schema = f"{self.schema} (newer than this NeuroExam, which knows {current})"
        by_status = ", ".join(f"{status} {n}" for status, n in sorted(self.exams_by_status.items()))
        return [
            f"backend: {BACKEND}",
            f"file: {self.path}",
            f"schema version: {schema}",
            f"exams: {self.exams}" + (f" ({by_status})" if by_status else ""),
            f"findings: {_shown(self.findings)}",
            f"audit rows: {_shown(self.audit_rows)}",
            f"training attempts: {_shown(self.training_attempts)}",
        ]


def _shown(count: int | None) -> str:
    return "none (no such table at this schema)" if count is None else str(count)


def _reader(path: Path) -> sqlite3.Connection:
    """A read-only connection that never creates, migrates or locks out the app."""
    from neuroexam.records.sqlite.read_only import connect_read_only

    if not path.is_file():
        raise StoreError(f"{path}: no records file there")
    return connect_read_only(path)


def _explain(exc: sqlite3.Error, path: Path) -> StoreError:
    from neuroexam.records.sqlite.connection import explain

    return explain(exc, path)


def _count(db: sqlite3.Connection, table: str) -> int | None:
    try:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise


def summary(path: Path | None = None) -> DbSummary:
    """Counts of the records at ``path`` (default: the data folder's file), read-only."""
    path = Path(path) if path is not None else default_db_path()
    try:
        with closing(_reader(path)) as db:
            schema = int(db.execute("PRAGMA user_version").fetchone()[0])
            try:
                rows = db.execute("SELECT status, count(*) FROM exams GROUP BY status").fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" not in str(exc):
                    raise
                rows = []
            return DbSummary(
                path=path,
                schema=schema,
                exams_by_status={str(status): int(n) for status, n in rows},
                findings=_count(db, "findings"),
                audit_rows=_count(db, "audit"),
                training_attempts=_count(db, "training_attempts"),
            )
    except sqlite3.Error as exc:
        raise _explain(exc, path) from None


def backup_name(now: datetime | None = None) -> str:
    """The file name a backup gets inside a destination folder."""
    when = now or datetime.now().astimezone()
    return f"neuroexam-backup-{when:%Y-%m-%d-%H%M%S}.db"


def integrity(db: sqlite3.Connection) -> str:
    """``PRAGMA integrity_check`` in one line: "ok", or its first problems."""
    rows = [str(row[0]) for row in db.execute("PRAGMA integrity_check(5)").fetchall()]
    return "; ".join(rows) or "no answer"


def backup(dest: Path, source: Path | None = None, *, now: datetime | None = None) -> BackupResult:
    """Copy the records at ``source`` (default: the data folder's file) to ``dest`` (a new
    file, or an existing folder: a dated file inside it), verified, 0600.

    Raises :class:`StoreError` (one line naming the file) on any failure, leaving no copy.
    """
    source = Path(source) if source is not None else default_db_path()
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / backup_name(now)
    if dest.exists():
        raise StoreError(f"{dest}: already exists; choose a new name or a folder")
    if not dest.parent.is_dir():
        raise StoreError(f"{dest.parent}: no such folder")
    with suppress(OSError):
        if dest.resolve() == source.resolve():
            raise StoreError(f"{dest}: that is the records file itself")
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        with closing(_reader(source)) as src:
            try:
                private_file_open(partial, "wb", exclusive=True).close()
            except OSError as exc:
                raise StoreError(f"{dest}: cannot write there: {exc.strerror or exc}") from None
            exams = _copy(src, source, partial, dest)
        os.replace(partial, dest)
        private_file(dest)
    except sqlite3.Error as exc:
        raise _explain(exc, source) from None
    except OSError as exc:
        raise StoreError(f"{dest}: cannot write there: {exc.strerror or exc}") from None
    finally:
        for leftover in (partial, Path(f"{partial}-journal")):
            with suppress(OSError):
                leftover.unlink()
    return BackupResult(path=dest, exams=exams)


def _copy(src: sqlite3.Connection, source: Path, partial: Path, dest: Path) -> int:
    """The online backup into ``partial``, made standalone and verified: the number of exams."""
    with closing(sqlite3.connect(partial, isolation_level=None)) as copy:
        try:
            src.backup(copy, pages=BACKUP_PAGES_PER_STEP)
        except sqlite3.Error as exc:
            raise _explain(exc, source) from None
        try:
            copy.execute("PRAGMA journal_mode = DELETE").fetchone()  # readable with no -wal
            verdict = integrity(copy)
            if verdict != "ok":
                raise StoreError(
                    f"{dest}: the copy failed its integrity check ({verdict}); no backup kept"
                )
            return _count(copy, "exams") or 0
        except sqlite3.Error as exc:
            raise _explain(exc, dest) from None
