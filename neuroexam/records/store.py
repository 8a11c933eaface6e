"""Opening the records: the backend the settings choose (SQLite unless told otherwise).

``Store`` is the embedded SQLite backend; everything else should be typed against
:class:`~neuroexam.records.backend.RecordStore`.
"""

from __future__ import annotations

from pathlib import Path

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


def open_store(path: Path | None = None, read_only: bool | None = None) -> RecordStore:
    """The records at ``path`` (default: the data folder's SQLite file); ``read_only`` True
    opens them for reading only, None when the file or its folder cannot be written."""
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
    "exam_row",
    "open_store",
]
