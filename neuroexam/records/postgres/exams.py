"""Exams and findings in PostgreSQL: every write is one transaction with its audit rows.

A finding (the write made at every key press) is saved in one round trip to the server: the
transaction, the exam's row lock with the guard's facts, and one statement that writes the
finding, its trail rows and the exam's version are sent together in a pipeline. The lock comes
first so the writing statement (read committed: a fresh view per statement) sees any answer
another workstation committed to the same exam while this one waited; the writing statement
checks the guard again itself, so a refused write writes nothing.

The logic both stores share is :class:`~neuroexam.records.sql.exams.SqlExams`; its statements
are turned into psycopg's parameter style once each (:func:`neuroexam.records.sql.dialect
.pyformat`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors as pg_errors

from neuroexam.core.vocab import AuditEvent, ExamStatus
from neuroexam.records.audit import AuditRow, finding_field, workstation
from neuroexam.records.backend import FindingKey, LeaseLost, StoreError
from neuroexam.records.postgres.rows import lease_from_row, trail_time
from neuroexam.records.postgres.streaming import PostgresStreaming
from neuroexam.records.sql.dialect import pyformat
from neuroexam.records.sql.exams import SqlExams, TrailValues, status_refusal
from neuroexam.records.sqlite.rows import iso

if TYPE_CHECKING:
    from neuroexam.core.models import Exam, Finding

Conn = psycopg.Connection[Any]

#: The guard's facts, the exam's row locked: patient, status, the lease and whether it is live.
_GUARD = (
    "SELECT e.patient_id, e.status, l.exam_id, l.holder, l.host, l.user_name, l.since, "
    "l.expires, l.expires > now() FROM exams e LEFT JOIN leases l ON l.exam_id = e.exam_id "
    "WHERE e.exam_id = %(exam_id)s FOR UPDATE OF e"
)
#: One finding: insert or change it, its trail rows (recorded / amended, grade then note) and
#: the exam's version, only when the guard allows; returns the trail rows written.
_RECORD = """
WITH guard AS (
    SELECT e.exam_id, e.patient_id FROM exams e
    WHERE e.exam_id = %(exam_id)s AND e.status = 'in_progress'
      AND (%(holder)s::text IS NULL OR NOT EXISTS (
          SELECT 1 FROM leases l WHERE l.exam_id = e.exam_id
          AND l.holder <> %(holder)s AND l.expires > now()))
), old AS (
    SELECT f.grade, f.note FROM findings f JOIN guard g ON f.exam_id = g.exam_id
    WHERE f.test = %(test)s AND f.site = %(site)s AND f.side = %(side)s
), events AS (
    SELECT g.exam_id, g.patient_id, v.k, v.event, v.old_value, v.new_value
    FROM guard g LEFT JOIN old o ON true
    CROSS JOIN LATERAL (VALUES
        (1, CASE WHEN o.grade IS NULL THEN 'recorded'
                 WHEN o.grade <> %(grade)s THEN 'amended' END,
            coalesce(o.grade, ''), %(grade)s::text),
        (2, CASE WHEN o.grade IS NULL THEN CASE WHEN %(note)s <> '' THEN 'recorded' END
                 WHEN o.note <> %(note)s THEN
                     CASE WHEN o.note <> '' THEN 'amended' ELSE 'recorded' END END,
            CASE WHEN o.note <> '' THEN 'note:' || o.note ELSE '' END,
            'note:' || %(note)s)
    ) AS v(k, event, old_value, new_value)
    WHERE v.event IS NOT NULL
), finding AS (
    INSERT INTO findings (exam_id, test, site, side, grade, note, recorded_at, seq)
    SELECT g.exam_id, %(test)s, %(site)s, %(side)s, %(grade)s, %(note)s, %(recorded_at)s,
           %(seq)s
    FROM guard g WHERE EXISTS (SELECT 1 FROM events)
    ON CONFLICT (exam_id, test, site, side) DO UPDATE SET grade = EXCLUDED.grade,
        note = EXCLUDED.note, recorded_at = EXCLUDED.recorded_at, seq = EXCLUDED.seq
), touch AS (
    UPDATE exams SET version = version + 1,
        updated_at = date_trunc('second', clock_timestamp())
    WHERE exam_id IN (SELECT exam_id FROM guard) AND EXISTS (SELECT 1 FROM events)
), trail AS (
    INSERT INTO audit (exam_id, patient_id, by, event, field, old_value, new_value, reason,
                       host)
    SELECT exam_id, patient_id, %(by)s, event, %(field)s, old_value, new_value, %(reason)s,
           %(host)s
    FROM events ORDER BY k
    RETURNING seq, patient_id, at, event, old_value, new_value
)
SELECT seq, patient_id, at, event, old_value, new_value FROM trail ORDER BY seq
"""


class PostgresExams(PostgresStreaming, SqlExams[Conn]):
    """Writes and reads of exams and their findings."""

    # updated_at to the second, as SQLite's datetime('now'): lists order alike
    _CLOCK = "date_trunc('second', clock_timestamp())"
    _DUPLICATE = pg_errors.UniqueViolation
    _TRAIL_AT = "at, at_offset"

    # ---------------------------------------------------------------- the dialect

    _sql = staticmethod(pyformat)

    def _executemany(self, conn: Conn, sql: str, rows: list[tuple]) -> None:
        """All rows sent together (one wait); nothing sent for none."""
        if rows:
            with conn.cursor() as cur:
                cur.executemany(pyformat(sql), rows)

    def _audit_rows(
        self, conn: Conn, exam_id: str, patient_id: str, by: str, rows: Iterable[TrailValues]
    ) -> None:
        host = workstation()
        self._executemany(
            conn,
            "INSERT INTO audit (exam_id, patient_id, by, event, field, old_value, new_value, "
            "reason, host) VALUES (?,?,?,?,?,?,?,?,?)",
            [(exam_id, patient_id, by, event.value, *values, host) for event, *values in rows],
        )

    @staticmethod
    def _trail_at(at: datetime) -> tuple:
        return trail_time(at)

    def _signing_time(self, conn: Conn) -> datetime:
        """The server's clock, kept with this workstation's offset."""
        clock = conn.execute("SELECT clock_timestamp()").fetchone()
        assert clock is not None
        at: datetime = clock[0].astimezone()
        return at

    # ---------------------------------------------------------------- trail and guards

    @staticmethod
    def _audit(
        conn: Conn,
        exam_id: str,
        patient_id: str,
        by: str,
        event: AuditEvent,
        field: str = "",
        old: str = "",
        new: str = "",
        reason: str = "",
    ) -> AuditRow:
        host = workstation()
        row = conn.execute(
            "INSERT INTO audit (exam_id, patient_id, by, event, field, old_value, new_value, "
            "reason, host) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING at",
            (exam_id, patient_id, by, event.value, field, old, new, reason, host),
        ).fetchone()
        assert row is not None
        return AuditRow(exam_id, patient_id, row[0], by, event, field, old, new, reason, host)

    @staticmethod
    def _refusal(
        exam_id: str,
        row: tuple | None,
        holder: str | None,
        allowed: tuple[ExamStatus, ...] = (ExamStatus.IN_PROGRESS,),
    ) -> StoreError | None:
        """Why the guard's facts ``row`` refuse the write, or None."""
        if row is None:
            return StoreError(f"exam {exam_id} is not in the records")
        refusal = status_refusal(exam_id, ExamStatus(row[1]), allowed)
        if refusal is not None:
            return refusal
        if holder is not None and row[2] is not None and row[3] != holder and row[8]:
            return LeaseLost(lease_from_row(row[2:8]))
        return None

    def _guard(
        self,
        conn: Conn,
        exam_id: str,
        holder: str | None,
        *,
        allowed: tuple[ExamStatus, ...] = (ExamStatus.IN_PROGRESS,),
    ) -> tuple[str, ExamStatus]:
        """Lock the exam's row: its patient id and status, or why it may not be written."""
        row = conn.execute(_GUARD, {"exam_id": exam_id}).fetchone()
        refusal = self._refusal(exam_id, row, holder, allowed)
        if refusal is not None:
            raise refusal
        assert row is not None
        return row[0], ExamStatus(row[1])

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
        (``recorded`` the first time, ``amended`` when the grade or note changes): one round
        trip to the server."""
        if self._in_snapshot or self.read_only:
            raise StoreError(f"{self.location}: the records are opened for reading only")
        field = finding_field(finding.test.value, finding.site, finding.side.value)
        host = workstation()
        params = {
            "exam_id": exam_id,
            "test": finding.test.value,
            "site": finding.site,
            "side": finding.side.value,
            "grade": finding.grade.value,
            "note": finding.note,
            "recorded_at": iso(finding.recorded_at),
            "seq": seq,
            "by": by,
            "reason": reason,
            "holder": holder,
            "host": host,
            "field": field,
        }
        conn = self._live()
        try:
            # Sent together, answered together: one Sync, one wait (psycopg's transaction()
            # would wait for its BEGIN and COMMIT on their own).
            with conn.pipeline():
                conn.execute("BEGIN")
                guard = conn.execute(_GUARD, params)
                written = conn.execute(_RECORD, params)
                conn.execute("COMMIT")
            facts, rows = guard.fetchone(), written.fetchall()
        except psycopg.Error as exc:
            raise self._failed(exc) from None  # rolled back, or the connection dropped
        refusal = self._refusal(exam_id, facts, holder)
        if refusal is not None:
            raise refusal  # the writing statement's own guard wrote nothing
        return [
            AuditRow(exam_id, pid, at, by, AuditEvent(event), field, old, new, reason, host)
            for _seq, pid, at, event, old, new in rows
        ]

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
        with self._transaction() as conn:
            pid, _ = self._guard(conn, exam_id, holder)
            old = conn.execute(
                "DELETE FROM findings WHERE exam_id = %s AND test = %s AND site = %s "
                "AND side = %s RETURNING grade",
                params,
            ).fetchone()
            if old is None:
                return []
            self._touch(conn, exam_id)
            return [
                self._audit(
                    conn,
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
        conn = self._live()
        try:
            return self._load_in(conn, exam_id)
        except psycopg.Error as exc:
            raise self._failed(exc) from None
