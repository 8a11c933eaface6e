"""Opening the records: the backend the settings choose (SQLite unless told otherwise).

``Store`` is the embedded SQLite backend; everything else should be typed against
:class:`~neuroexam.records.backend.RecordStore`.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

from neuroexam.records.backend import (
    ExamFilter,
    ExamListing,
    IdClash,
    Lease,
    LeaseHeld,
    LeaseLost,
    PatientListing,
    RecordLocked,
    RecordStore,
    StoreError,
)
from neuroexam.records.sqlite import SqliteStore
from neuroexam.records.sqlite.migrations import MIGRATIONS
from neuroexam.records.sqlite.rows import exam_row
from neuroexam.training.attempts import Attempt

Store = SqliteStore


#: Environment variables naming the records' database URL (the first set wins).
DATABASE_ENV = ("NEUROEXAM_DATABASE_URL", "NEUROEXAM_DB")
POSTGRES_MISSING = (
    "PostgreSQL support is not installed: pip install 'neuroexam[postgres]' "
    "(or leave database_url / NEUROEXAM_DB unset for the embedded SQLite file)"
)


def database_url() -> str | None:
    """The database URL in force: ``NEUROEXAM_DATABASE_URL`` or ``NEUROEXAM_DB``, else
    ``database_url`` of the settings file (read only when the file exists); None: SQLite."""
    for name in DATABASE_ENV:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    from neuroexam.settings import settings_path

    if not settings_path().is_file():
        return None
    from neuroexam.settings import SettingsError, load_settings

    try:
        return load_settings().database_url
    except SettingsError as exc:
        raise StoreError(str(exc)) from None


def postgres_module(name: str) -> ModuleType:
    """``neuroexam.records.postgres.<name>``, or :class:`StoreError` saying to install the
    ``postgres`` extra when psycopg is missing."""
    try:
        return importlib.import_module(f"neuroexam.records.postgres.{name}")
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] != "psycopg":
            raise
        raise StoreError(POSTGRES_MISSING) from None


def open_store(
    path: Path | None = None, read_only: bool | None = None, *, url: str | None = None
) -> RecordStore:
    """The records the settings choose: the one place that decides the backend.

    ``url`` (else :func:`database_url` when no ``path`` is given) a ``postgresql://`` URL:
    that PostgreSQL database; otherwise the SQLite file at ``path`` (default: the data
    folder's). ``read_only`` True opens them for reading only (SQLite: None when the file or
    its folder cannot be written).
    """
    if url is None and path is None:
        url = database_url()
    if url is not None and path is None:
        scheme = url.split("://", 1)[0].lower()
        if scheme not in ("postgresql", "postgres"):
            raise StoreError(
                f"{scheme}://: not a database NeuroExam can use; expected postgresql://… "
                "(or no URL for the embedded SQLite file)"
            )
        postgres_module("connection")  # psycopg is there, or a one-line error saying so
        from neuroexam.records.postgres import PostgresStore

        return PostgresStore(url, read_only=bool(read_only))
    return SqliteStore(path, read_only=read_only)


__all__ = [
    "MIGRATIONS",
    "Attempt",
    "ExamFilter",
    "ExamListing",
    "IdClash",
    "Lease",
    "LeaseHeld",
    "LeaseLost",
    "PatientListing",
    "RecordLocked",
    "RecordStore",
    "Store",
    "StoreError",
    "database_url",
    "exam_row",
    "open_store",
    "postgres_module",
]
