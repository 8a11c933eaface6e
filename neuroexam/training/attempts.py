"""Scored training attempts: what one is, and how the SQLite records keep them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from neuroexam.records.sqlite.connection import SqliteConnection
from neuroexam.records.sqlite.rows import iso


@dataclass(frozen=True)
class Attempt:
    """One scored training case: parts and total in percent (0-100), details as JSON."""

    attempt_id: str
    exam_id: str | None
    student: str
    case_id: str
    level: str
    started_at: datetime | None
    finished_at: datetime | None
    grading: float | None
    localization: float | None
    flags: float | None
    total: float | None
    details: dict = field(default_factory=dict)


class SqliteAttempts(SqliteConnection):
    """Training attempts in migration 2's table."""

    def save_attempt(self, attempt: Attempt) -> None:
        """Insert or replace one scored training attempt."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO training_attempts (attempt_id, exam_id, student, "
                "case_id, level, started_at, finished_at, grading, localization, flags, total, "
                "details) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
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
                    json.dumps(attempt.details, ensure_ascii=False, sort_keys=True),
                ),
            )

    def attempts(self, student: str | None = None) -> list[Attempt]:
        """Training attempts newest first (all students when ``student`` is None)."""
        clause, params = ("WHERE student = ?", (student,)) if student is not None else ("", ())
        rows = self._query(
            "SELECT attempt_id, exam_id, student, case_id, level, started_at, finished_at, "
            f"grading, localization, flags, total, details FROM training_attempts {clause} "
            "ORDER BY finished_at DESC, attempt_id DESC",
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
                details=json.loads(r[11] or "{}"),
            )
            for r in rows
        ]

    def students(self) -> list[str]:
        """Every student with an attempt, most recently active first."""
        rows = self._query(
            "SELECT student FROM training_attempts GROUP BY student "
            "ORDER BY max(finished_at) DESC, student"
        )
        return [r[0] for r in rows]
