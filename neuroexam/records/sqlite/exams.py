"""Exams and findings in SQLite: every write is one transaction with its audit rows."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from neuroexam.core.vocab import AuditEvent, ExamStatus, Mode
from neuroexam.records.audit import NOTE_PREFIX, AuditRow, finding_field, now_text
from neuroexam.records.backend import (
    FindingKey,
    IdClash,
    LeaseLost,
    RecordLocked,
    StoreError,
)
from neuroexam.records.sqlite.rows import (
    EXAM_COLUMNS,
    EXAM_PLACEHOLDERS,
    FINDING_COLUMNS,
    exam_from_row,
    exam_row,
    finding_from_row,
    finding_params,
    intake_values,
    iso,
)
from neuroexam.records.sqlite.streaming import SqliteStreaming

if TYPE_CHECKING:
    from neuroexam.core.models import Exam, Finding

_INTAKE_COLUMNS = {
    "exam_date": "exam_date",
    "examiner": "examiner",
    "mode": "mode",
    "patient_id": "patient_id",
    "patient_name": "patient_name",
    "species": "species",
    "breed": "breed",
    "age_years": "age_years",
    "sex": "sex",
    "weight_kg": "weight_kg",
    "signs": "signs",
    "exam_note": "exam_note",
    "parts": "parts",
}


class SqliteExams(SqliteStreaming):
    """Writes and reads of exams and their findings."""

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
        at = now_text()
        db.execute(
            "INSERT INTO audit (exam_id, patient_id, at, by, event, field, old_value, new_value, "
            "reason) VALUES (?,?,?,?,?,?,?,?,?)",
            (exam_id, patient_id, at, by, event.value, field, old, new, reason),
        )
        return AuditRow(
            exam_id, patient_id, datetime.fromisoformat(at), by, event, field, old, new, reason
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
        if status not in allowed:
            if status is ExamStatus.VOIDED:
                raise RecordLocked(f"exam {exam_id} is voided: it can no longer be changed")
            if status is ExamStatus.COMPLETE:
                raise RecordLocked(
                    f"exam {exam_id} is complete: reopen it (with a reason) to amend it"
                )
            raise RecordLocked(f"exam {exam_id} is {status.value.replace('_', ' ')}")
        if holder is not None:
            lease = self._lease_in(db, exam_id)
            if lease is not None and lease.held_by_other(holder, datetime.now(UTC)):
                raise LeaseLost(lease)
        return row[0], status

    @staticmethod
    def _touch(db: sqlite3.Connection, exam_id: str) -> None:
        db.execute(
            "UPDATE exams SET version = version + 1, updated_at = datetime('now') "
            "WHERE exam_id = ?",
            (exam_id,),
        )

    # ---------------------------------------------------------------- writes

    def create_exam(self, exam: Exam, continued: str = "", *, by: str = "") -> None:
        """Insert a new exam (never over an existing one: :class:`IdClash`), with a
        ``created`` trail row per intake value (``by``: default the examiner)."""
        by = by or exam.examiner
        with self._transaction() as db:
            try:
                db.execute(
                    f"INSERT INTO exams ({EXAM_COLUMNS}, updated_at) "
                    f"VALUES ({EXAM_PLACEHOLDERS}, datetime('now'))",
                    exam_row(exam, continued),
                )
            except sqlite3.IntegrityError:
                raise IdClash(f"exam id {exam.exam_id} is already in the records") from None
            pid = exam.patient.patient_id
            self._audit(db, exam.exam_id, pid, by, AuditEvent.CREATED)
            for name, value in intake_values(exam).items():
                default = {"mode": Mode.CLINICAL.value, "parts": "quick", "sex": "unknown"}.get(
                    name, ""
                )
                if value != default:
                    self._audit(db, exam.exam_id, pid, by, AuditEvent.CREATED, name, "", value)

    def update_intake(
        self, exam: Exam, *, by: str, reason: str = "", holder: str | None = None
    ) -> list[AuditRow]:
        """Write the exam's intake; one ``intake_changed`` row per field that changed."""
        with self._transaction() as db:
            self._guard(db, exam.exam_id, holder)
            stored = self._load_in(db, exam.exam_id)
            assert stored is not None  # the guard found it
            before, after = intake_values(stored), intake_values(exam)
            changed = [name for name in after if before[name] != after[name]]
            if not changed:
                return []
            names = [c.strip() for c in EXAM_COLUMNS.split(",")]
            row = dict(zip(names, exam_row(exam), strict=True))
            db.execute(
                "UPDATE exams SET "
                + ", ".join(f"{_INTAKE_COLUMNS[n]} = ?" for n in _INTAKE_COLUMNS)
                + " WHERE exam_id = ?",
                (*(row[_INTAKE_COLUMNS[n]] for n in _INTAKE_COLUMNS), exam.exam_id),
            )
            self._touch(db, exam.exam_id)
            pid = exam.patient.patient_id
            return [
                self._audit(
                    db, exam.exam_id, pid, by, AuditEvent.INTAKE_CHANGED, name,
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
                rows.append(self._audit(db, exam_id, pid, by, AuditEvent.RECORDED, field, "",
                                        grade, reason))
                if note:
                    rows.append(self._audit(db, exam_id, pid, by, AuditEvent.RECORDED, field,
                                            "", NOTE_PREFIX + note, reason))
            else:
                if old[0] != grade:
                    rows.append(self._audit(db, exam_id, pid, by, AuditEvent.AMENDED, field,
                                            old[0], grade, reason))
                if old[1] != note:
                    event = AuditEvent.AMENDED if old[1] else AuditEvent.RECORDED
                    rows.append(self._audit(db, exam_id, pid, by, event, field,
                                            NOTE_PREFIX + old[1] if old[1] else "",
                                            NOTE_PREFIX + note, reason))
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
                self._audit(db, exam_id, pid, by, AuditEvent.CLEARED, finding_field(*params[1:]),
                            old[0], "", reason)
            ]

    def set_continued(self, exam_id: str, continued: str) -> None:
        """Which trunci series go on past their first twitch (wizard state, no trail)."""
        with self._transaction() as db:
            db.execute("UPDATE exams SET continued = ? WHERE exam_id = ?", (continued, exam_id))

    def complete_exam(
        self, exam_id: str, *, by: str, reason: str = "", holder: str | None = None
    ) -> None:
        with self._transaction() as db:
            pid, status = self._guard(db, exam_id, holder)
            db.execute("UPDATE exams SET status = 'complete' WHERE exam_id = ?", (exam_id,))
            self._touch(db, exam_id)
            self._audit(db, exam_id, pid, by, AuditEvent.COMPLETED, "", status.value,
                        ExamStatus.COMPLETE.value, reason)

    def sign_exam(
        self, exam_id: str, *, signed_by: str, by: str, holder: str | None = None
    ) -> datetime:
        """Sign a complete exam off; returns the time of signing."""
        if not signed_by.strip():
            raise RecordLocked("a sign-off needs the name of who signs")
        at = datetime.now(UTC).astimezone()
        with self._transaction() as db:
            pid, _ = self._guard(db, exam_id, holder, allowed=(ExamStatus.COMPLETE,))
            db.execute(
                "UPDATE exams SET signed_by = ?, signed_at = ? WHERE exam_id = ?",
                (signed_by, iso(at), exam_id),
            )
            self._touch(db, exam_id)
            self._audit(db, exam_id, pid, by, AuditEvent.SIGNED, "signed_by", "", signed_by)
        return at

    def reopen_exam(self, exam_id: str, *, by: str, reason: str) -> None:
        """A complete exam back to in progress for amendment; the sign-off lapses."""
        if not reason.strip():
            raise RecordLocked("reopening a complete exam needs a reason")
        with self._transaction() as db:
            pid, _ = self._guard(db, exam_id, None, allowed=(ExamStatus.COMPLETE,))
            signer = db.execute(
                "SELECT signed_by FROM exams WHERE exam_id = ?", (exam_id,)
            ).fetchone()[0]
            db.execute(
                "UPDATE exams SET status = 'in_progress', signed_by = '', signed_at = NULL "
                "WHERE exam_id = ?",
                (exam_id,),
            )
            self._touch(db, exam_id)
            self._audit(db, exam_id, pid, by, AuditEvent.REOPENED, "", "complete",
                        "in_progress", reason)
            if signer:
                self._audit(db, exam_id, pid, by, AuditEvent.REOPENED, "signed_by", signer, "",
                            reason)

    def void_exam(self, exam_id: str, *, by: str, reason: str) -> None:
        """Void an exam: it stays in the records and the trail, marked, left out of use."""
        if not reason.strip():
            raise RecordLocked("voiding an exam needs a reason")
        with self._transaction() as db:
            pid, status = self._guard(
                db, exam_id, None, allowed=(ExamStatus.IN_PROGRESS, ExamStatus.COMPLETE)
            )
            db.execute("UPDATE exams SET status = 'voided' WHERE exam_id = ?", (exam_id,))
            db.execute("DELETE FROM leases WHERE exam_id = ?", (exam_id,))
            self._touch(db, exam_id)
            self._audit(db, exam_id, pid, by, AuditEvent.VOIDED, "", status.value, "voided",
                        reason)

    def discard_if_untouched(self, exam_id: str) -> bool:
        """Delete an exam that holds no finding and no change since it was created (an
        intake opened and left): True when it was discarded."""
        with self._transaction() as db:
            busy = db.execute(
                "SELECT EXISTS (SELECT 1 FROM findings WHERE exam_id = :id) OR EXISTS "
                "(SELECT 1 FROM audit WHERE exam_id = :id AND event != 'created') OR NOT EXISTS "
                "(SELECT 1 FROM exams WHERE exam_id = :id AND status = 'in_progress')",
                {"id": exam_id},
            ).fetchone()[0]
            if busy:
                return False
            for table in ("audit", "leases", "exams"):
                db.execute(f"DELETE FROM {table} WHERE exam_id = ?", (exam_id,))
            return True

    @staticmethod
    def _insert_exam(db: sqlite3.Connection, exam: Exam) -> None:
        """Insert an exam with its findings (never over an existing one: :class:`IdClash`)."""
        try:
            db.execute(
                f"INSERT INTO exams ({EXAM_COLUMNS}, updated_at) "
                f"VALUES ({EXAM_PLACEHOLDERS}, datetime('now'))",
                exam_row(exam),
            )
        except sqlite3.IntegrityError:
            raise IdClash(f"exam id {exam.exam_id} is already in the records") from None
        db.executemany(
            f"INSERT INTO findings ({FINDING_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
            [finding_params(exam.exam_id, f, i) for i, f in enumerate(exam.findings)],
        )

    def _insert_whole(
        self, exam: Exam, by: str, event: AuditEvent, finding_event: AuditEvent, reason: str
    ) -> None:
        with self._transaction() as db:
            self._insert_exam(db, exam)
            pid = exam.patient.patient_id
            self._audit(db, exam.exam_id, pid, by, event, "", "", exam.status.value, reason)
            for f in exam.findings:
                field = finding_field(f.test.value, f.site, f.side.value)
                self._audit(db, exam.exam_id, pid, by, finding_event, field, "", f.grade.value)
                if f.note:
                    self._audit(db, exam.exam_id, pid, by, finding_event, field, "",
                                NOTE_PREFIX + f.note)
            if event is AuditEvent.CREATED and exam.status is ExamStatus.COMPLETE:
                self._audit(db, exam.exam_id, pid, by, AuditEvent.COMPLETED, "",
                            ExamStatus.IN_PROGRESS.value, ExamStatus.COMPLETE.value)

    def import_exam(self, exam: Exam, *, by: str, source: str) -> None:
        """Write a whole exam from a file in one transaction, with ``imported`` trail rows."""
        self._insert_whole(exam, by, AuditEvent.IMPORTED, AuditEvent.IMPORTED,
                           f"imported from {source}")

    def import_trail(
        self, exam: Exam, trail: list[AuditRow], *, by: str, source: str
    ) -> None:
        """Write an exam rebuilt from another store's audit trail: the exam, its findings,
        every trail row as it was, then one ``imported`` row naming the file."""
        with self._transaction() as db:
            self._insert_exam(db, exam)
            db.executemany(
                "INSERT INTO audit (exam_id, patient_id, at, by, event, field, old_value, "
                "new_value, reason) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (r.exam_id, r.patient_id, r.at.isoformat(timespec="milliseconds"), r.by,
                     r.event.value, r.field, r.old_value, r.new_value, r.reason)
                    for r in trail
                ],
            )
            self._audit(db, exam.exam_id, exam.patient.patient_id, by, AuditEvent.IMPORTED,
                        "", "", exam.status.value, f"trail imported from {source}")

    def save_exam_with_findings(self, exam: Exam) -> None:
        """Write a whole exam made by the app itself (a training case's earlier exam)."""
        self._insert_whole(exam, exam.examiner, AuditEvent.CREATED, AuditEvent.RECORDED, "")

    # ---------------------------------------------------------------- reads

    def has_exam(self, exam_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM exams WHERE exam_id = ?", (exam_id,)))

    def continued(self, exam_id: str) -> str:
        rows = self._query("SELECT continued FROM exams WHERE exam_id = ?", (exam_id,))
        return rows[0][0] if rows else ""

    def exam_version(self, exam_id: str) -> int | None:
        """How many changes the exam has seen (1 when created), or None when absent."""
        rows = self._query("SELECT version FROM exams WHERE exam_id = ?", (exam_id,))
        return int(rows[0][0]) if rows else None

    def _load_in(self, db: sqlite3.Connection, exam_id: str) -> Exam | None:
        row = db.execute(
            f"SELECT {EXAM_COLUMNS} FROM exams WHERE exam_id = ?", (exam_id,)
        ).fetchone()
        if row is None:
            return None
        findings = db.execute(
            "SELECT exam_id, test, site, side, grade, note, recorded_at FROM findings "
            "WHERE exam_id = ? ORDER BY seq",
            (exam_id,),
        ).fetchall()
        return exam_from_row(row, [finding_from_row(f) for f in findings])

    def load_exam(self, exam_id: str) -> Exam | None:
        try:
            return self._load_in(self._db, exam_id)
        except sqlite3.Error as exc:
            from neuroexam.records.sqlite.connection import explain

            raise explain(exc, self.path) from None

    def load_exams(
        self,
        *,
        patient_id: str | None = None,
        mode: Mode | None = None,
        include_unfinished: bool = True,
    ) -> list[Exam]:
        """Exams (with findings) in date order, optionally filtered."""
        where, params = [], []
        if patient_id is not None:
            where.append("patient_id = ?")
            params.append(patient_id)
        if mode is not None:
            where.append("mode = ?")
            params.append(mode.value)
        if not include_unfinished:
            where.append("status = 'complete'")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._query(
            f"SELECT {EXAM_COLUMNS} FROM exams {clause} ORDER BY exam_date, exam_id",
            tuple(params),
        )
        findings = self._findings_where(clause, tuple(params)) if rows else {}
        return [exam_from_row(row, findings.get(row[0], [])) for row in rows]
