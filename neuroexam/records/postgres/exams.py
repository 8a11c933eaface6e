"""Exams and findings in PostgreSQL: every write is one transaction with its audit rows.

A finding (the write made at every key press) is saved in one round trip to the server: the
transaction, the exam's row lock with the guard's facts, and one statement that writes the
finding, its trail rows and the exam's version are sent together in a pipeline. The lock comes
first so the writing statement (read committed: a fresh view per statement) sees any answer
another workstation committed to the same exam while this one waited; the writing statement
checks the guard again itself, so a refused write writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors as pg_errors

from neuroexam.core.vocab import AuditEvent, ExamStatus, Mode
from neuroexam.records.audit import NOTE_PREFIX, AuditRow, finding_field
from neuroexam.records.backend import FindingKey, IdClash, LeaseLost, RecordLocked, StoreError
from neuroexam.records.postgres.rows import (
    EXAM_PLACEHOLDERS,
    FINDING_PLACEHOLDERS,
    lease_from_row,
    trail_time,
)
from neuroexam.records.postgres.streaming import PostgresStreaming
from neuroexam.records.sqlite.rows import (
    EXAM_COLUMNS,
    FINDING_COLUMNS,
    exam_from_row,
    exam_row,
    finding_from_row,
    finding_params,
    intake_values,
    iso,
)

if TYPE_CHECKING:
    from neuroexam.core.models import Exam, Finding

Conn = psycopg.Connection[Any]

_INTAKE_COLUMNS = (
    "exam_date", "examiner", "mode", "patient_id", "patient_name", "species", "breed",
    "age_years", "sex", "weight_kg", "signs", "exam_note", "parts",
)
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
    INSERT INTO audit (exam_id, patient_id, by, event, field, old_value, new_value, reason)
    SELECT exam_id, patient_id, %(by)s, event, %(field)s, old_value, new_value, %(reason)s
    FROM events ORDER BY k
    RETURNING seq, patient_id, at, event, old_value, new_value
)
SELECT seq, patient_id, at, event, old_value, new_value FROM trail ORDER BY seq
"""


class PostgresExams(PostgresStreaming):
    """Writes and reads of exams and their findings."""

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
        row = conn.execute(
            "INSERT INTO audit (exam_id, patient_id, by, event, field, old_value, new_value, "
            "reason) VALUES (%s,%s,%s,%s,%s,%s,%s,%s) RETURNING at",
            (exam_id, patient_id, by, event.value, field, old, new, reason),
        ).fetchone()
        assert row is not None
        return AuditRow(exam_id, patient_id, row[0], by, event, field, old, new, reason)

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
        status = ExamStatus(row[1])
        if status not in allowed:
            if status is ExamStatus.VOIDED:
                return RecordLocked(f"exam {exam_id} is voided: it can no longer be changed")
            if status is ExamStatus.COMPLETE:
                return RecordLocked(
                    f"exam {exam_id} is complete: reopen it (with a reason) to amend it"
                )
            return RecordLocked(f"exam {exam_id} is {status.value.replace('_', ' ')}")
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

    @staticmethod
    def _touch(conn: Conn, exam_id: str) -> None:
        conn.execute(
            "UPDATE exams SET version = version + 1, "
            "updated_at = date_trunc('second', clock_timestamp()) WHERE exam_id = %s",
            (exam_id,),
        )

    # ---------------------------------------------------------------- writes

    def _insert_head(self, conn: Conn, exam: Exam, continued: str = "") -> None:
        """Insert the exam's row (never over an existing one: :class:`IdClash`)."""
        try:
            # updated_at to the second, as SQLite's datetime('now'): lists order alike
            conn.execute(
                f"INSERT INTO exams ({EXAM_COLUMNS}, updated_at) VALUES ({EXAM_PLACEHOLDERS}, "
                "date_trunc('second', clock_timestamp()))",
                exam_row(exam, continued),
            )
        except pg_errors.UniqueViolation:
            raise IdClash(f"exam id {exam.exam_id} is already in the records") from None

    def create_exam(self, exam: Exam, continued: str = "", *, by: str = "") -> None:
        """Insert a new exam (never over an existing one: :class:`IdClash`), with a
        ``created`` trail row per intake value (``by``: default the examiner)."""
        by = by or exam.examiner
        defaults = {"mode": Mode.CLINICAL.value, "parts": "quick", "sex": "unknown"}
        rows = [("", "")] + [
            (name, value)
            for name, value in intake_values(exam).items()
            if value != defaults.get(name, "")
        ]
        with self._transaction() as conn:
            self._insert_head(conn, exam, continued)
            with conn.cursor() as cur:  # the trail rows sent together (one wait)
                cur.executemany(
                    "INSERT INTO audit (exam_id, patient_id, by, event, field, new_value) "
                    "VALUES (%s,%s,%s,%s,%s,%s)",
                    [
                        (exam.exam_id, exam.patient.patient_id, by, AuditEvent.CREATED.value,
                         name, value)
                        for name, value in rows
                    ],
                )

    def update_intake(
        self, exam: Exam, *, by: str, reason: str = "", holder: str | None = None
    ) -> list[AuditRow]:
        """Write the exam's intake; one ``intake_changed`` row per field that changed."""
        with self._transaction() as conn:
            self._guard(conn, exam.exam_id, holder)
            stored = self._load_in(conn, exam.exam_id)
            assert stored is not None  # the guard found it
            before, after = intake_values(stored), intake_values(exam)
            changed = [name for name in after if before[name] != after[name]]
            if not changed:
                return []
            names = [c.strip() for c in EXAM_COLUMNS.split(",")]
            row = dict(zip(names, exam_row(exam), strict=True))
            conn.execute(
                "UPDATE exams SET "
                + ", ".join(f"{n} = %s" for n in _INTAKE_COLUMNS)
                + " WHERE exam_id = %s",
                (*(row[n] for n in _INTAKE_COLUMNS), exam.exam_id),
            )
            self._touch(conn, exam.exam_id)
            pid = exam.patient.patient_id
            return [
                self._audit(
                    conn, exam.exam_id, pid, by, AuditEvent.INTAKE_CHANGED, name,
                    before[name], after[name], reason,
                )
                for name in changed
            ]

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
            "field": finding_field(finding.test.value, finding.site, finding.side.value),
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
        field = finding_field(finding.test.value, finding.site, finding.side.value)
        return [
            AuditRow(exam_id, pid, at, by, AuditEvent(event), field, old, new, reason)
            for _seq, pid, at, event, old, new in rows
        ]

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
                self._audit(conn, exam_id, pid, by, AuditEvent.CLEARED,
                            finding_field(*params[1:]), old[0], "", reason)
            ]

    def set_continued(self, exam_id: str, continued: str) -> None:
        """Which trunci series go on past their first twitch (wizard state, no trail)."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE exams SET continued = %s WHERE exam_id = %s", (continued, exam_id)
            )

    def complete_exam(
        self, exam_id: str, *, by: str, reason: str = "", holder: str | None = None
    ) -> None:
        with self._transaction() as conn:
            pid, status = self._guard(conn, exam_id, holder)
            conn.execute("UPDATE exams SET status = 'complete' WHERE exam_id = %s", (exam_id,))
            self._touch(conn, exam_id)
            self._audit(conn, exam_id, pid, by, AuditEvent.COMPLETED, "", status.value,
                        ExamStatus.COMPLETE.value, reason)

    def sign_exam(
        self, exam_id: str, *, signed_by: str, by: str, holder: str | None = None
    ) -> datetime:
        """Sign a complete exam off; returns the time of signing (the server's clock, kept
        with this workstation's offset)."""
        if not signed_by.strip():
            raise RecordLocked("a sign-off needs the name of who signs")
        with self._transaction() as conn:
            pid, _ = self._guard(conn, exam_id, holder, allowed=(ExamStatus.COMPLETE,))
            clock = conn.execute("SELECT clock_timestamp()").fetchone()
            assert clock is not None
            at: datetime = clock[0].astimezone()
            conn.execute(
                "UPDATE exams SET signed_by = %s, signed_at = %s WHERE exam_id = %s",
                (signed_by, iso(at), exam_id),
            )
            self._touch(conn, exam_id)
            self._audit(conn, exam_id, pid, by, AuditEvent.SIGNED, "signed_by", "", signed_by)
        return at

    def reopen_exam(self, exam_id: str, *, by: str, reason: str) -> None:
        """A complete exam back to in progress for amendment; the sign-off lapses."""
        if not reason.strip():
            raise RecordLocked("reopening a complete exam needs a reason")
        with self._transaction() as conn:
            pid, _ = self._guard(conn, exam_id, None, allowed=(ExamStatus.COMPLETE,))
            signer = conn.execute(
                "SELECT signed_by FROM exams WHERE exam_id = %s", (exam_id,)
            ).fetchone()
            assert signer is not None
            conn.execute(
                "UPDATE exams SET status = 'in_progress', signed_by = '', signed_at = NULL "
                "WHERE exam_id = %s",
                (exam_id,),
            )
            self._touch(conn, exam_id)
            self._audit(conn, exam_id, pid, by, AuditEvent.REOPENED, "", "complete",
                        "in_progress", reason)
            if signer[0]:
                self._audit(conn, exam_id, pid, by, AuditEvent.REOPENED, "signed_by",
                            signer[0], "", reason)

    def void_exam(self, exam_id: str, *, by: str, reason: str) -> None:
        """Void an exam: it stays in the records and the trail, marked, left out of use."""
        if not reason.strip():
            raise RecordLocked("voiding an exam needs a reason")
        with self._transaction() as conn:
            pid, status = self._guard(
                conn, exam_id, None, allowed=(ExamStatus.IN_PROGRESS, ExamStatus.COMPLETE)
            )
            conn.execute("UPDATE exams SET status = 'voided' WHERE exam_id = %s", (exam_id,))
            conn.execute("DELETE FROM leases WHERE exam_id = %s", (exam_id,))
            self._touch(conn, exam_id)
            self._audit(conn, exam_id, pid, by, AuditEvent.VOIDED, "", status.value, "voided",
                        reason)

    def discard_if_untouched(self, exam_id: str) -> bool:
        """Delete an exam that holds no finding and no change since it was created (an
        intake opened and left): True when it was discarded."""
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM findings WHERE exam_id = %(id)s) OR EXISTS "
                "(SELECT 1 FROM audit WHERE exam_id = %(id)s AND event <> 'created') OR NOT "
                "EXISTS (SELECT 1 FROM exams WHERE exam_id = %(id)s AND status = 'in_progress')",
                {"id": exam_id},
            ).fetchone()
            if row is None or row[0]:
                return False
            for table in ("audit", "leases", "exams"):
                conn.execute(f"DELETE FROM {table} WHERE exam_id = %s", (exam_id,))
            return True

    def _insert_exam(self, conn: Conn, exam: Exam) -> None:
        """Insert an exam with its findings (never over an existing one: :class:`IdClash`)."""
        self._insert_head(conn, exam)
        if exam.findings:
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO findings ({FINDING_COLUMNS}) VALUES ({FINDING_PLACEHOLDERS})",
                    [finding_params(exam.exam_id, f, i) for i, f in enumerate(exam.findings)],
                )

    def _insert_whole(
        self, exam: Exam, by: str, event: AuditEvent, finding_event: AuditEvent, reason: str
    ) -> None:
        with self._transaction() as conn:
            self._insert_exam(conn, exam)
            pid = exam.patient.patient_id
            rows: list[tuple] = [(event.value, "", "", exam.status.value, reason)]
            for f in exam.findings:
                field = finding_field(f.test.value, f.site, f.side.value)
                rows.append((finding_event.value, field, "", f.grade.value, ""))
                if f.note:
                    rows.append((finding_event.value, field, "", NOTE_PREFIX + f.note, ""))
            if event is AuditEvent.CREATED and exam.status is ExamStatus.COMPLETE:
                rows.append((AuditEvent.COMPLETED.value, "", ExamStatus.IN_PROGRESS.value,
                             ExamStatus.COMPLETE.value, ""))
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO audit (exam_id, patient_id, by, event, field, old_value, "
                    "new_value, reason) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
                    [(exam.exam_id, pid, by, *r) for r in rows],
                )

    def import_exam(self, exam: Exam, *, by: str, source: str) -> None:
        """Write a whole exam from a file in one transaction, with ``imported`` trail rows."""
        self._insert_whole(exam, by, AuditEvent.IMPORTED, AuditEvent.IMPORTED,
                           f"imported from {source}")

    def import_trail(
        self, exam: Exam, trail: list[AuditRow], *, by: str, source: str
    ) -> None:
        """Write an exam rebuilt from another store's audit trail: the exam, its findings,
        every trail row as it was (time and offset), then one ``imported`` row."""
        with self._transaction() as conn:
            self._insert_exam(conn, exam)
            if trail:
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO audit (exam_id, patient_id, at, at_offset, by, event, "
                        "field, old_value, new_value, reason) "
                        "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                        [
                            (r.exam_id, r.patient_id, *trail_time(r.at), r.by, r.event.value,
                             r.field, r.old_value, r.new_value, r.reason)
                            for r in trail
                        ],
                    )
            self._audit(conn, exam.exam_id, exam.patient.patient_id, by, AuditEvent.IMPORTED,
                        "", "", exam.status.value, f"trail imported from {source}")

    def save_exam_with_findings(self, exam: Exam) -> None:
        """Write a whole exam made by the app itself (a training case's earlier exam)."""
        self._insert_whole(exam, exam.examiner, AuditEvent.CREATED, AuditEvent.RECORDED, "")

    # ---------------------------------------------------------------- reads

    def has_exam(self, exam_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM exams WHERE exam_id = %s", (exam_id,)))

    def continued(self, exam_id: str) -> str:
        rows = self._query("SELECT continued FROM exams WHERE exam_id = %s", (exam_id,))
        return str(rows[0][0]) if rows else ""

    def exam_version(self, exam_id: str) -> int | None:
        """How many changes the exam has seen (1 when created), or None when absent."""
        rows = self._query("SELECT version FROM exams WHERE exam_id = %s", (exam_id,))
        return int(rows[0][0]) if rows else None

    @staticmethod
    def _load_in(conn: Conn, exam_id: str) -> Exam | None:
        row = conn.execute(
            f"SELECT {EXAM_COLUMNS} FROM exams WHERE exam_id = %s", (exam_id,)
        ).fetchone()
        if row is None:
            return None
        findings = conn.execute(
            "SELECT exam_id, test, site, side, grade, note, recorded_at FROM findings "
            "WHERE exam_id = %s ORDER BY seq",
            (exam_id,),
        ).fetchall()
        return exam_from_row(row, [finding_from_row(f) for f in findings])

    def load_exam(self, exam_id: str) -> Exam | None:
        conn = self._live()
        try:
            return self._load_in(conn, exam_id)
        except psycopg.Error as exc:
            raise self._failed(exc) from None

    def load_exams(
        self,
        *,
        patient_id: str | None = None,
        mode: Mode | None = None,
        include_unfinished: bool = True,
    ) -> list[Exam]:
        """Exams (with findings) in date order, optionally filtered."""
        where: list[str] = []
        params: list[object] = []
        if patient_id is not None:
            where.append("patient_id = %s")
            params.append(patient_id)
        if mode is not None:
            where.append("mode = %s")
            params.append(mode.value)
        if not include_unfinished:
            where.append("status = 'complete'")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._query(
            f"SELECT {EXAM_COLUMNS} FROM exams {clause} "
            "ORDER BY exam_date NULLS FIRST, exam_id",
            tuple(params),
        )
        findings = self._findings_where(clause, tuple(params)) if rows else {}
        return [exam_from_row(row, findings.get(row[0], [])) for row in rows]
