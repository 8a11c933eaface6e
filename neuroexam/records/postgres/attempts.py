"""Scored training attempts in PostgreSQL (migration 2's table)."""

from __future__ import annotations

import json
from datetime import datetime

from psycopg.types.json import Jsonb

from neuroexam.records.postgres.connection import PostgresConnection
from neuroexam.records.sqlite.rows import iso
from neuroexam.training.attempts import Attempt


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
                "INSERT INTO training_attempts (attempt_id, exam_id, student, case_id, level, "
                "started_at, finished_at, grading, localization, flags, total, details) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
                "ON CONFLICT (attempt_id) DO UPDATE SET exam_id = EXCLUDED.exam_id, "
                "student = EXCLUDED.student, case_id = EXCLUDED.case_id, "
                "level = EXCLUDED.level, started_at = EXCLUDED.started_at, "
                "finished_at = EXCLUDED.finished_at, grading = EXCLUDED.grading, "
                "localization = EXCLUDED.localization, flags = EXCLUDED.flags, "
                "total = EXCLUDED.total, details = EXCLUDED.details",
                (
                    attempt.attempt_id,
                    attempt.exam_id,
                    attempt.student,
                    attempt.case_id,
                    attempt.level,
                    iso(attempt.started_at),
                    iso(attempt.finished_at),
                    attempt.grading,
                    attempt.localization,
                    attempt.flags,
                    attempt.total,
                    Jsonb(attempt.details),
                ),
            )

    def attempts(self, student: str | None = None) -> list[Attempt]:
        """Training attempts newest first (all students when ``student`` is None)."""
        clause, params = ("WHERE student = %s", (student,)) if student is not None else ("", ())
        rows = self._query(
            "SELECT attempt_id, exam_id, student, case_id, level, started_at, finished_at, "
            f"grading, localization, flags, total, details FROM training_attempts {clause} "
            "ORDER BY finished_at DESC NULLS LAST, attempt_id DESC",
            params,
        )
        return [
            Attempt(
                attempt_id=r[0],
                exam_id=r[1],
                student=r[2],
                case_id=r[3],
                level=r[4],
                started_at=datetime.fromisoformat(r[5]) if r[5] else None,
                finished_at=datetime.fromisoformat(r[6]) if r[6] else None,
                grading=r[7],
                localization=r[8],
                flags=r[9],
                total=r[10],
                details=_sorted(r[11] or {}),
            )
            for r in rows
        ]

    def students(self) -> list[str]:
        """Every student with an attempt, most recently active first."""
        rows = self._query(
            "SELECT student FROM training_attempts GROUP BY student "
            "ORDER BY max(finished_at) DESC NULLS LAST, student"
        )
        return [r[0] for r in rows]
