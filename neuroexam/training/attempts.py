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


#: The ``training_attempts`` columns, in the order of :func:`attempt_values`.
ATTEMPT_COLUMNS = (
    "attempt_id, exam_id, student, case_id, level, started_at, finished_at, grading, "
    "localization, flags, total, details"
)


def attempt_values(attempt: Attempt, details: object) -> tuple:
    """The values of :data:`ATTEMPT_COLUMNS` to store, ``details`` as the backend keeps them."""
    return (
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
        details,
    )


def attempt_from_row(row: tuple, details: dict) -> Attempt:
    """A stored row of :data:`ATTEMPT_COLUMNS` → an attempt (``details`` already read)."""
    return Attempt(
        attempt_id=row[0],
        exam_id=row[1],
        student=row[2],
        case_id=row[3],
        level=row[4],
        started_at=datetime.fromisoformat(row[5]) if row[5] else None,
        finished_at=datetime.fromisoformat(row[6]) if row[6] else None,
        grading=row[7],
        localization=row[8],
        flags=row[9],
        total=row[10],
        details=details,
    )


class SqliteAttempts(SqliteConnection):
    """Training attempts in migration 2's table."""

    def save_attempt(self, attempt: Attempt) -> None:
        """Insert or replace one scored training attempt."""
        with self._transaction() as db:
            db.execute(
                f"INSERT OR REPLACE INTO training_attempts ({ATTEMPT_COLUMNS}) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                attempt_values(
                    attempt, json.dumps(attempt.details, ensure_ascii=False, sort_keys=True)
                ),
            )

    def attempts(self, student: str | None = None) -> list[Attempt]:
        """Training attempts newest first (all students when ``student`` is None)."""
        clause, params = ("WHERE student = ?", (student,)) if student is not None else ("", ())
        rows = self._query(
            f"SELECT {ATTEMPT_COLUMNS} FROM training_attempts {clause} "
            "ORDER BY finished_at DESC, attempt_id DESC",
            params,
        )
        return [attempt_from_row(r, json.loads(r[11] or "{}")) for r in rows]

    def students(self) -> list[str]:
        """Every student with an attempt, most recently active first."""
        rows = self._query(
            "SELECT student FROM training_attempts GROUP BY student "
            "ORDER BY max(finished_at) DESC, student"
        )
        return [r[0] for r in rows]
