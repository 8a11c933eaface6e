"""The embedded SQLite backend of :class:`~neuroexam.records.backend.RecordStore`."""

from __future__ import annotations

from neuroexam.records.sqlite.assessments import SqliteAssessments
from neuroexam.records.sqlite.trail import SqliteTrail
from neuroexam.training.attempts import SqliteAttempts


class SqliteStore(SqliteTrail, SqliteAttempts, SqliteAssessments):
    """The records in one SQLite file (WAL, ``synchronous=FULL``, numbered migrations)."""


__all__ = ["SqliteStore"]
