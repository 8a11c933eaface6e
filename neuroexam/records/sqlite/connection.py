"""The SQLite connection: opening, pragmas, migrations, transactions and error wording."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from neuroexam.records.backend import StoreError
from neuroexam.records.paths import default_db_path, secure_db_files
from neuroexam.records.sqlite.migrations import MIGRATIONS, statements
from neuroexam.records.sqlite.read_only import (
    READ_ONLY_REASON,
    detect_read_only,
    open_read_only,
)


def explain(exc: sqlite3.Error, path: Path) -> StoreError:
    """A :class:`StoreError` saying in plain words why SQLite failed."""
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        why = "the records file is read-only"
    elif "full" in text:
        why = "the disk is full"
    elif "locked" in text or "busy" in text:
        why = "the records file is locked by another program"
    elif "unable to open" in text:
        why = "the records file cannot be opened (check the folder exists and is writable)"
    elif "malformed" in text or "not a database" in text:
        why = "the records file is damaged or is not a NeuroExam database"
    else:
        why = str(exc)
    return StoreError(f"{path}: {why}")


class SqliteConnection:
    """One connection to the records file, migrated to the current schema on open.

    WAL journal with ``synchronous=FULL``: a write is on disk when its method returns.
    """

    path: Path
    read_only: bool
    _db: sqlite3.Connection

    def __init__(self, path: Path | None = None, read_only: bool | None = None) -> None:
        """Open the records at ``path``; ``read_only`` None means: read-only when the file
        (or its folder) cannot be written, e.g. a copy on read-only media."""
        self.path = Path(path) if path is not None else default_db_path()
        self.read_only = detect_read_only(self.path) if read_only is None else read_only
        if self.read_only:
            self._db = open_read_only(self.path)
            return
        try:
            secure_db_files(self.path)  # folder 0700, database (and so -wal/-shm) 0600
        except OSError as exc:
            raise StoreError(
                f"{self.path.parent}: cannot create the data folder: {exc.strerror}"
            ) from None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA busy_timeout = 3000")
            # A read-only medium may refuse WAL; writes then fail with a clear error.
            self._db.execute("PRAGMA journal_mode = WAL").fetchone()
            self._db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None

    def refuse_if_read_only(self, action: str) -> None:
        """Raise :class:`StoreError` naming the file when the records were opened read-only."""
        if self.read_only:
            raise StoreError(f"{self.path}: {READ_ONLY_REASON}; cannot {action}")

    @property
    def location(self) -> str:
        return str(self.path)

    def close(self) -> None:
        self._db.close()

    def another_connection(self) -> Self:
        """A second connection to the same file (for the app's writer thread)."""
        return type(self)(self.path, read_only=self.read_only)

    # ---------------------------------------------------------------- schema

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: made by a newer NeuroExam (schema {version}); please upgrade"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._transaction() as db:
                for statement in statements(script):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): committed on success, else rolled back."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise explain(exc, self.path) from None

    def _query(self, sql: str, params: tuple | dict = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None

    @contextmanager
    def snapshot(self) -> Iterator[Self]:
        """A second, read-only connection holding one read transaction: long reads (export)
        see one consistent state of the records and never hold up the exam being recorded."""
        reader = type(self).__new__(type(self))
        reader.path = self.path
        reader.read_only = True
        if self.read_only:  # already one consistent, unchanging view
            reader._db = open_read_only(self.path)
            try:
                yield reader
            finally:
                reader._db.close()
            return
        try:
            reader._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            reader._db.execute("PRAGMA busy_timeout = 3000")
            reader._db.execute("PRAGMA query_only = ON")
            reader._db.execute("BEGIN")
            reader._db.execute("SELECT count(*) FROM exams").fetchone()  # the snapshot starts
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None
        try:
            yield reader
        finally:
            reader._db.close()
