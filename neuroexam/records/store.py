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


def open_store(path: Path | None = None) -> RecordStore:
    """The records at ``path`` (default: the data folder's SQLite file)."""
    return SqliteStore(path)


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
