"""Exams and findings in SQLite: every write is one transaction with its audit rows.

The logic both stores share is :class:`~neuroexam.records.sql.exams.SqlExams`; here are the
dialect and what SQLite does its own way (the guard's lease read, the trail's time taken on
this workstation, the finding written in statements of its own). Every trail row names the
workstation that wrote it (:func:`~neuroexam.records.audit.workstation`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from neuroexam.core.vocab import AuditEvent, ExamStatus
from neuroexam.records.audit import NOTE_PREFIX, AuditRow, finding_field, now_text, workstation
from neuroexam.records.backend import FindingKey, LeaseLost, StoreError
from neuroexam.records.sql.exams import SqlExams, TrailValues, status_refusal
from neuroexam.records.sqlite.rows import FINDING_COLUMNS, finding_params, iso
from neuroexam.records.sqlite.streaming import SqliteStreaming

if TYPE_CHECKING:
    from neuroexam.core.models import Exam, Finding


_INSERT_AUDIT = (
    "INSERT INTO audit (exam_id, patient_id, at, by, event, field, old_value, new_value, "
    "reason, host) VALUES (?,?,?,?,?,?,?,?,?,?)"
)


class SqliteExams(SqliteStreaming, SqlExams[sqlite3.Connection]):
    """Writes and reads of exams and their findings."""

    _CLOCK = "datetime('now')"
    _DUPLICATE = sqlite3.IntegrityError
    _TRAIL_AT = "at"

    # ---------------------------------------------------------------- the dialect

    def _executemany(self, db: sqlite3.Connection, sql: str, rows: list[tuple]) -> None:
        db.executemany(sql, rows)

    def _audit_rows(
        self,
        db: sqlite3.Connection,
        exam_id: str,
        patient_id: str,
        by: str,
        rows: Iterable[TrailValues],
    ) -> None:
        """Many trail rows in one statement (an import writes one per finding), all at the
        instant they are written, on this workstation."""
        at, host = now_text(), workstation()
        db.executemany(
            _INSERT_AUDIT,
            [
                (exam_id, patient_id, at, by, event.value, field, old, new, reason, host)
                for event, field, old, new, reason in rows
            ],
        )

    @staticmethod
    def _trail_at(at: datetime) -> tuple:
        return (at.isoformat(timespec="milliseconds"),)

    def _signing_time(self, db: sqlite3.Connection) -> datetime:
        """This workstation's clock."""
        return datetime.now(UTC).astimezone()

    # ---------------------------------------------------------------- trail and guards

    def _audit(
        self,
        db: sqlite3.Connection,
        exam_id: str,
        patient_id: str,
        by: str,
        event: AuditEvent,
        field: str = "",
        old: str = "",
        new: str = "",
        reason: str = "",
    ) -> AuditRow:
        at, host = now_text(), workstation()
        db.execute(
            _INSERT_AUDIT,
            (exam_id, patient_id, at, by, event.value, field, old, new, reason, host),
        )
        return AuditRow(
            exam_id,
            patient_id,
            datetime.fromisoformat(at),
            by,
            event,
            field,
            old,
            new,
            reason,
            host,
        )

    def _guard(
        self,
        db: sqlite3.Connection,
        exam_id: str,
        holder: str | None,
        *,
        allowed: tuple[ExamStatus, ...] = (ExamStatus.IN_PROGRESS,),
    ) -> tuple[str, ExamStatus]:
        """The exam's patient id and status, or why it may not be written now."""
        row = db.execute(
            "SELECT patient_id, status FROM exams WHERE exam_id = ?", (exam_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"exam {exam_id} is not in the records")
        status = ExamStatus(row[1])
        refusal = status_refusal(exam_id, status, allowed)
        if refusal is not None:
            raise refusal
        if holder is not None:
            lease = self._lease_in(db, exam_id)
            if lease is not None and lease.held_by_other(holder, datetime.now(UTC)):
                raise LeaseLost(lease)
        return row[0], status

    # ---------------------------------------------------------------- writes

    def record_finding(
        self,
        exam_id: str,
        finding: Finding,
        seq: int = 0,
        *,
        by: str = "",
        reason: str = "",
        holder: str | None = None,
    ) -> list[AuditRow]:
        """Insert or change one finding, committed before returning, with its trail rows
        (``recorded`` the first time, ``amended`` when the grade or note changes)."""
        with self._transaction() as db:
            pid, _ = self._guard(db, exam_id, holder)
            key = (exam_id, finding.test.value, finding.site, finding.side.value)
            old = db.execute(
                "SELECT grade, note FROM findings WHERE exam_id = ? AND test = ? AND site = ? "
                "AND side = ?",
                key,
            ).fetchone()
            field = finding_field(*key[1:])
            rows: list[AuditRow] = []
            grade, note = finding.grade.value, finding.note
            if old is None:
                db.execute(
                    f"INSERT INTO findings ({FINDING_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                    finding_params(exam_id, finding, seq),
                )
                rows.append(
                    self._audit(db, exam_id, pid, by, AuditEvent.RECORDED, field, "", grade, reason)
                )
                if note:
                    rows.append(
                        self._audit(
                            db,
                            exam_id,
                            pid,
                            by,
                            AuditEvent.RECORDED,
                            field,
                            "",
                            NOTE_PREFIX + note,
                            reason,
                        )
                    )
            else:
                if old[0] != grade:
                    rows.append(
                        self._audit(
                            db, exam_id, pid, by, AuditEvent.AMENDED, field, old[0], grade, reason
                        )
                    )
                if old[1] != note:
                    event = AuditEvent.AMENDED if old[1] else AuditEvent.RECORDED
                    rows.append(
                        self._audit(
                            db,
                            exam_id,
                            pid,
                            by,
                            event,
                            field,
                            NOTE_PREFIX + old[1] if old[1] else "",
                            NOTE_PREFIX + note,
                            reason,
                        )
                    )
                if rows:
                    db.execute(
                        "UPDATE findings SET grade = ?, note = ?, recorded_at = ?, seq = ? "
                        "WHERE exam_id = ? AND test = ? AND site = ? AND side = ?",
                        (grade, note, iso(finding.recorded_at), seq, *key),
                    )
            if rows:
                self._touch(db, exam_id)
            return rows

    # Kept for callers of the first release (same meaning as record_finding).
    save_finding = record_finding

    def clear_finding(
        self,
        exam_id: str,
        key: FindingKey,
        *,
        by: str,
        reason: str = "",
        holder: str | None = None,
    ) -> list[AuditRow]:
        """Remove a finding (it becomes unrecorded) with a ``cleared`` trail row."""
        test, site, side = key
        params = (exam_id, test.value, site, side.value)
        with self._transaction() as db:
            pid, _ = self._guard(db, exam_id, holder)
            old = db.execute(
                "SELECT grade FROM findings WHERE exam_id = ? AND test = ? AND site = ? "
                "AND side = ?",
                params,
            ).fetchone()
            if old is None:
                return []
            db.execute(
                "DELETE FROM findings WHERE exam_id = ? AND test = ? AND site = ? AND side = ?",
                params,
            )
            self._touch(db, exam_id)
            return [
                self._audit(
                    db,
                    exam_id,
                    pid,
                    by,
                    AuditEvent.CLEARED,
                    finding_field(*params[1:]),
                    old[0],
                    "",
                    reason,
                )
            ]

    # ---------------------------------------------------------------- reads

    def load_exam(self, exam_id: str) -> Exam | None:
        try:
            return self._load_in(self._db, exam_id)
        except sqlite3.Error as exc:
            from neuroexam.records.sqlite.connection import explain

            raise explain(exc, self.path) from None
