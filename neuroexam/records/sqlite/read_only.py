"""Opening the records read-only: a copy on read-only media, or a file or folder not writable.

A WAL database opened with ``mode=ro`` still needs its ``-shm`` file (SQLite creates it, or
uses an existing one, for the shared read locks). When that cannot be (a read-only folder or
filesystem without a usable ``-shm``), the file is opened ``immutable=1``: no locking and no
``-wal``/``-shm`` at all, which is right for media nothing writes to. Such a copy must then
hold all its pages in the database file itself (the app checkpoints the WAL when it closes;
``neuroexam db backup`` writes such a file): an immutable open never reads a ``-wal``, so one
with content beside the database is refused rather than its latest changes silently missed.

A read-only open never migrates: records of an older schema must be opened once writable.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from neuroexam.records.backend import StoreError
from neuroexam.records.sqlite.migrations import MIGRATIONS

READ_ONLY_REASON = "the records are read-only (opened for reading only)"


def detect_read_only(path: Path) -> bool:
    """True when ``path`` exists but it, or its folder, cannot be written (permissions or a
    read-only filesystem). A missing file is for a writable open, which creates it."""
    if not path.exists():
        return False
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _uri(path: Path, *, immutable: bool) -> str:
    flags = "mode=ro&immutable=1" if immutable else "mode=ro"
    return f"file:{quote(str(path.absolute()))}?{flags}"


def _connect(path: Path, *, immutable: bool) -> sqlite3.Connection:
    db = sqlite3.connect(
        _uri(path, immutable=immutable), uri=True, isolation_level=None, check_same_thread=False
    )
    try:
        db.execute("PRAGMA query_only = ON")
        if not immutable:
            db.execute("PRAGMA busy_timeout = 3000")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the file now
    except sqlite3.Error:
        db.close()
        raise
    return db


def connect_read_only(path: Path) -> sqlite3.Connection:
    """``mode=ro``, else ``immutable=1`` (raises ``sqlite3.Error`` or :class:`StoreError`).

    An immutable open never reads the ``-wal`` file: when one with content lies beside the
    database, the latest changes would be missing, so the records are refused instead.
    """
    try:
        return _connect(path, immutable=False)
    except sqlite3.OperationalError:  # no -shm and none can be made: read-only media
        wal = Path(f"{path}-wal")
        if wal.is_file() and wal.stat().st_size > 0:
            raise StoreError(
                f"{path}: read-only, and its latest changes are in {wal.name}, which cannot be "
                "read here without a -shm file; copy the folder somewhere writable, or use a "
                "copy made by 'neuroexam db backup'"
            ) from None
        return _connect(path, immutable=True)


def open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to the records at ``path`` at the current schema, or a
    :class:`StoreError` naming the file and saying why not."""
    from neuroexam.records.sqlite.connection import explain

    if not path.is_file():
        raise StoreError(f"{path}: no records file there to read")
    try:
        db = connect_read_only(path)
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as exc:
        raise explain(exc, path) from None
    if version > len(MIGRATIONS):
        db.close()
        raise StoreError(f"{path}: made by a newer NeuroExam (schema {version}); please upgrade")
    if version < len(MIGRATIONS):
        db.close()
        raise StoreError(
            f"{path}: the records are read-only and in an older format (schema {version}); "
            "open them once from a writable copy to upgrade them"
        )
    db.execute("PRAGMA foreign_keys = ON")
    return db
