"""The PostgreSQL backend of :class:`~neuroexam.records.backend.RecordStore`: one server,
several workstations (install the ``neuroexam[postgres]`` extra; psycopg 3)."""

from __future__ import annotations

from neuroexam.records.postgres.assessments import PostgresAssessments
from neuroexam.records.postgres.attempts import PostgresAttempts
from neuroexam.records.postgres.trail import PostgresTrail


class PostgresStore(PostgresTrail, PostgresAttempts, PostgresAssessments):
    """The records in one PostgreSQL database (numbered migrations, server clock)."""


__all__ = ["PostgresStore"]
