"""Scored training attempts in PostgreSQL (migration 2's table)."""

from __future__ import annotations

import json

from psycopg.types.json import Jsonb

from neuroexam.records.postgres.connection import PostgresConnection
from neuroexam.training.attempts import (
    ATTEMPT_COLUMNS,
    Attempt,
    attempt_from_row,
    attempt_values,
)

#: Every column but the key taken from the row offered (as SQLite's ``INSERT OR REPLACE``).
_REPLACE = ", ".join(
    f"{c} = EXCLUDED.{c}" for c in (n.strip() for n in ATTEMPT_COLUMNS.split(",")[1:])
)


def _sorted(details: object) -> dict:
    """The details as the SQLite store gives them back (keys sorted at every level)."""
    loaded = json.loads(json.dumps(details, ensure_ascii=False, sort_keys=True))
    return loaded if isinstance(loaded, dict) else {}


class PostgresAttempts(PostgresConnection):
    """Save and list training attempts."""

    def save_attempt(self, attempt: Attempt) -> None:
        """Insert or replace one scored training attempt."""
        with self._transaction() as conn:
            conn.execute(
                f"INSERT INTO training_attempts ({ATTEMPT_COLUMNS}) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                f"ON CONFLICT (attempt_id) DO UPDATE SET {_REPLACE}",
                attempt_values(attempt, Jsonb(attempt.details)),
            )

    def attempts(self, student: str | None = None) -> list[Attempt]:
        """Training attempts newest first (all students when ``student`` is None)."""
        clause, params = ("WHERE student = %s", (student,)) if student is not None else ("", ())
        rows = self._query(
            f"SELECT {ATTEMPT_COLUMNS} FROM training_attempts {clause} "
            "ORDER BY finished_at DESC NULLS LAST, attempt_id DESC",
            params,
        )
        return [attempt_from_row(r, _sorted(r[11] or {})) for r in rows]

    def students(self) -> list[str]:
        """Every student with an attempt, most recently active first."""
        rows = self._query(
            "SELECT student FROM training_attempts GROUP BY student "
            "ORDER BY max(finished_at) DESC NULLS LAST, student"
        )
        return [r[0] for r in rows]
