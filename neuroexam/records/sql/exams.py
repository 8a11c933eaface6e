"""Exam writes and reads whose logic is the same in SQLite and PostgreSQL.

:class:`SqlExams` holds the method bodies; each backend's exams class mixes it in after its
own connection class and gives the dialect: :meth:`SqlExams._sql` (the statement in the
backend's parameter style), the clock of ``updated_at``, how a missing exam date sorts, how
rows are written many at once, and what is genuinely its own (the guard, the trail row with
its time, the finding write, clearing a finding).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from neuroexam.core.vocab import AuditEvent, ExamStatus, Mode
from neuroexam.records.audit import INTAKE_FIELDS, NOTE_PREFIX, AuditRow, finding_field
from neuroexam.records.backend import IdClash, RecordLocked, StoreError
from neuroexam.records.sql.dialect import Connection, marks
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

if TYPE_CHECKING:
    from neuroexam.core.models import Exam, Finding

C = TypeVar("C", bound=Connection)

#: One trail row to write: event, field, old value, new value, reason.
TrailValues = tuple[AuditEvent, str, str, str, str]

#: The exam columns an intake correction writes: the intake fields the trail names.
_INTAKE_COLUMNS = INTAKE_FIELDS
#: Intake values a new exam holds unless told otherwise (no ``created`` row for them).
_INTAKE_DEFAULTS = {"mode": Mode.CLINICAL.value, "parts": "quick", "sex": "unknown"}


def status_refusal(
    exam_id: str, status: ExamStatus, allowed: tuple[ExamStatus, ...]
) -> StoreError | None:
    """Why an exam of this ``status`` may not be written now, or None."""
    if status in allowed:
        return None
    if status is ExamStatus.VOIDED:
        return RecordLocked(f"exam {exam_id} is voided: it can no longer be changed")
    if status is ExamStatus.COMPLETE:
        return RecordLocked(f"exam {exam_id} is complete: reopen it (with a reason) to amend it")
    return RecordLocked(f"exam {exam_id} is {status.value.replace('_', ' ')}")


class SqlExams(Generic[C]):
    """The exam methods both backends share, over a connection of type ``C``."""

    #: The expression ``updated_at`` takes: now, to the second.
    _CLOCK: ClassVar[str]
    #: ``exam_date`` sorted ascending with a missing date first.
    _DATE_ASC: ClassVar[str]
    #: The error an insert over an existing exam id raises.
    _DUPLICATE: ClassVar[type[Exception]]
    #: The ``audit`` columns an imported trail row's time is written to.
    _TRAIL_AT: ClassVar[str]

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractContextManager[C]: ...

        def _query(self, sql: str, params: tuple = ()) -> list[tuple]: ...

        def _audit(
            self,
            db: C,
            exam_id: str,
            patient_id: str,
            by: str,
            event: AuditEvent,
            field: str = "",
            old: str = "",
            new: str = "",
            reason: str = "",
        ) -> AuditRow: ...

        def _guard(
            self,
            db: C,
            exam_id: str,
            holder: str | None,
            *,
            allowed: tuple[ExamStatus, ...] = (ExamStatus.IN_PROGRESS,),
        ) -> tuple[str, ExamStatus]: ...

        def _findings_where(
            self, clause: str, params: tuple, notes: bool = True
        ) -> dict[str, list[Finding]]: ...

    # ---------------------------------------------------------------- the dialect

    @staticmethod
    def _sql(sql: str) -> str:
        """``sql``, written in SQLite's parameter style, in this backend's."""
        return sql

    def _executemany(self, db: C, sql: str, rows: list[tuple]) -> None:
        """Run ``sql`` (SQLite's parameter style) once per row of ``rows``."""
        raise NotImplementedError

    def _audit_rows(
        self, db: C, exam_id: str, patient_id: str, by: str, rows: Iterable[TrailValues]
    ) -> None:
        """Write trail rows of one exam, in order."""
        raise NotImplementedError

    @staticmethod
    def _trail_at(at: datetime) -> tuple:
        """An imported trail row's time as the values of :attr:`_TRAIL_AT`."""
        raise NotImplementedError

    def _signing_time(self, db: C) -> datetime:
        """The time of a sign-off (the exam's row guarded)."""
        raise NotImplementedError

    # ---------------------------------------------------------------- helpers

    def _touch(self, db: C, exam_id: str) -> None:
        db.execute(
            self._sql(
                f"UPDATE exams SET version = version + 1, updated_at = {self._CLOCK} "
                "WHERE exam_id = ?"
            ),
            (exam_id,),
        )

    def _insert_head(self, db: C, exam: Exam, continued: str = "") -> None:
        """Insert the exam's row (never over an existing one: :class:`IdClash`)."""
        try:
            # updated_at to the second in both stores: lists order alike
            db.execute(
                self._sql(
                    f"INSERT INTO exams ({EXAM_COLUMNS}, updated_at) "
                    f"VALUES ({EXAM_PLACEHOLDERS}, {self._CLOCK})"
                ),
                exam_row(exam, continued),
            )
        except self._DUPLICATE:
            raise IdClash(f"exam id {exam.exam_id} is already in the records") from None

    def _insert_exam(self, db: C, exam: Exam) -> None:
        """Insert an exam with its findings (never over an existing one: :class:`IdClash`)."""
        self._insert_head(db, exam)
        self._executemany(
            db,
            f"INSERT INTO findings ({FINDING_COLUMNS}) "
            f"VALUES ({marks(len(FINDING_COLUMNS.split(',')))})",
            [finding_params(exam.exam_id, f, i) for i, f in enumerate(exam.findings)],
        )

    def _insert_whole(
        self, exam: Exam, by: str, event: AuditEvent, finding_event: AuditEvent, reason: str
    ) -> None:
        with self._transaction() as db:
            self._write_whole(db, exam, by, event, finding_event, reason)

    def _write_whole(
        self,
        db: C,
        exam: Exam,
        by: str,
        event: AuditEvent,
        finding_event: AuditEvent,
        reason: str,
    ) -> None:
        """Insert an exam, its findings and its trail rows in the open transaction ``db``."""
        rows: list[TrailValues] = [(event, "", "", exam.status.value, reason)]
        for f in exam.findings:
            field = finding_field(f.test.value, f.site, f.side.value)
            rows.append((finding_event, field, "", f.grade.value, ""))
            if f.note:
                rows.append((finding_event, field, "", NOTE_PREFIX + f.note, ""))
        if event is AuditEvent.CREATED and exam.status is ExamStatus.COMPLETE:
            rows.append(
                (
                    AuditEvent.COMPLETED,
                    "",
                    ExamStatus.IN_PROGRESS.value,
                    ExamStatus.COMPLETE.value,
                    "",
                )
            )
        self._insert_exam(db, exam)
        self._audit_rows(db, exam.exam_id, exam.patient.patient_id, by, rows)

    # ---------------------------------------------------------------- writes

    def create_exam(self, exam: Exam, continued: str = "", *, by: str = "") -> None:
        """Insert a new exam (never over an existing one: :class:`IdClash`), with a
        ``created`` trail row per intake value (``by``: default the examiner)."""
        by = by or exam.examiner
        created = AuditEvent.CREATED
        rows: list[TrailValues] = [(created, "", "", "", "")] + [
            (created, name, "", value, "")
            for name, value in intake_values(exam).items()
            if value != _INTAKE_DEFAULTS.get(name, "")
        ]
        with self._transaction() as db:
            self._insert_head(db, exam, continued)
            self._audit_rows(db, exam.exam_id, exam.patient.patient_id, by, rows)

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
                self._sql(
                    "UPDATE exams SET "
                    + ", ".join(f"{n} = ?" for n in _INTAKE_COLUMNS)
                    + " WHERE exam_id = ?"
                ),
                (*(row[n] for n in _INTAKE_COLUMNS), exam.exam_id),
            )
            self._touch(db, exam.exam_id)
            pid = exam.patient.patient_id
            return [
                self._audit(
                    db,
                    exam.exam_id,
                    pid,
                    by,
                    AuditEvent.INTAKE_CHANGED,
                    name,
                    before[name],
                    after[name],
                    reason,
                )
                for name in changed
            ]

    def set_continued(self, exam_id: str, continued: str) -> None:
        """Which trunci series go on past their first twitch (wizard state, no trail)."""
        with self._transaction() as db:
            db.execute(
                self._sql("UPDATE exams SET continued = ? WHERE exam_id = ?"),
                (continued, exam_id),
            )

    def complete_exam(
        self, exam_id: str, *, by: str, reason: str = "", holder: str | None = None
    ) -> None:
        with self._transaction() as db:
            pid, status = self._guard(db, exam_id, holder)
            db.execute(
                self._sql("UPDATE exams SET status = 'complete' WHERE exam_id = ?"), (exam_id,)
            )
            self._touch(db, exam_id)
            self._audit(
                db,
                exam_id,
                pid,
                by,
                AuditEvent.COMPLETED,
                "",
                status.value,
                ExamStatus.COMPLETE.value,
                reason,
            )

    def sign_exam(
        self, exam_id: str, *, signed_by: str, by: str, holder: str | None = None
    ) -> datetime:
        """Sign a complete exam off; returns the time of signing (see :meth:`_signing_time`)."""
        if not signed_by.strip():
            raise RecordLocked("a sign-off needs the name of who signs")
        with self._transaction() as db:
            pid, _ = self._guard(db, exam_id, holder, allowed=(ExamStatus.COMPLETE,))
            at = self._signing_time(db)
            db.execute(
                self._sql("UPDATE exams SET signed_by = ?, signed_at = ? WHERE exam_id = ?"),
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
                self._sql("SELECT signed_by FROM exams WHERE exam_id = ?"), (exam_id,)
            ).fetchone()
            assert signer is not None  # the guard found it
            db.execute(
                self._sql(
                    "UPDATE exams SET status = 'in_progress', signed_by = '', signed_at = NULL "
                    "WHERE exam_id = ?"
                ),
                (exam_id,),
            )
            self._touch(db, exam_id)
            self._audit(
                db, exam_id, pid, by, AuditEvent.REOPENED, "", "complete", "in_progress", reason
            )
            if signer[0]:
                self._audit(
                    db, exam_id, pid, by, AuditEvent.REOPENED, "signed_by", signer[0], "", reason
                )

    def void_exam(self, exam_id: str, *, by: str, reason: str) -> None:
        """Void an exam: it stays in the records and the trail, marked, left out of use."""
        if not reason.strip():
            raise RecordLocked("voiding an exam needs a reason")
        with self._transaction() as db:
            pid, status = self._guard(
                db, exam_id, None, allowed=(ExamStatus.IN_PROGRESS, ExamStatus.COMPLETE)
            )
            db.execute(
                self._sql("UPDATE exams SET status = 'voided' WHERE exam_id = ?"), (exam_id,)
            )
            db.execute(self._sql("DELETE FROM leases WHERE exam_id = ?"), (exam_id,))
            self._touch(db, exam_id)
            self._audit(db, exam_id, pid, by, AuditEvent.VOIDED, "", status.value, "voided", reason)

    def discard_if_untouched(self, exam_id: str) -> bool:
        """Delete an exam that holds no finding and no change since it was created (an
        intake opened and left): True when it was discarded."""
        with self._transaction() as db:
            row = db.execute(
                self._sql(
                    "SELECT EXISTS (SELECT 1 FROM findings WHERE exam_id = :id) OR EXISTS "
                    "(SELECT 1 FROM audit WHERE exam_id = :id AND event <> 'created') OR NOT "
                    "EXISTS (SELECT 1 FROM exams WHERE exam_id = :id AND status = 'in_progress')"
                ),
                {"id": exam_id},
            ).fetchone()
            if row is None or row[0]:
                return False
            for table in ("audit", "leases", "exams"):
                db.execute(self._sql(f"DELETE FROM {table} WHERE exam_id = ?"), (exam_id,))
            return True

    def import_exam(self, exam: Exam, *, by: str, source: str) -> None:
        """Write a whole exam from a file in one transaction, with ``imported`` trail rows."""
        reason = f"imported from {source}"
        self._insert_whole(exam, by, AuditEvent.IMPORTED, AuditEvent.IMPORTED, reason)

    def import_exams(self, exams: Sequence[Exam], *, by: str, source: str) -> None:
        """Write whole exams from a file in one transaction (all of them or none), each with
        its ``imported`` trail rows: an import commits (and syncs) once per batch."""
        reason = f"imported from {source}"
        with self._transaction() as db:
            for exam in exams:
                self._write_whole(db, exam, by, AuditEvent.IMPORTED, AuditEvent.IMPORTED, reason)

    def import_trail(self, exam: Exam, trail: list[AuditRow], *, by: str, source: str) -> None:
        """Write an exam rebuilt from another store's audit trail: the exam, its findings,
        every trail row as it was (its time as the store keeps it, its workstation as the
        file names it), then one ``imported`` row naming the file (written on this one)."""
        columns = (
            f"exam_id, patient_id, {self._TRAIL_AT}, by, event, field, old_value, new_value, "
            "reason, host"
        )
        with self._transaction() as db:
            self._insert_exam(db, exam)
            self._executemany(
                db,
                f"INSERT INTO audit ({columns}) VALUES ({marks(len(columns.split(',')))})",
                [
                    (
                        r.exam_id,
                        r.patient_id,
                        *self._trail_at(r.at),
                        r.by,
                        r.event.value,
                        r.field,
                        r.old_value,
                        r.new_value,
                        r.reason,
                        r.host,
                    )
                    for r in trail
                ],
            )
            self._audit(
                db,
                exam.exam_id,
                exam.patient.patient_id,
                by,
                AuditEvent.IMPORTED,
                "",
                "",
                exam.status.value,
                f"trail imported from {source}",
            )

    def save_exam_with_findings(self, exam: Exam) -> None:
        """Write a whole exam made by the app itself (a training case's earlier exam)."""
        self._insert_whole(exam, exam.examiner, AuditEvent.CREATED, AuditEvent.RECORDED, "")

    # ---------------------------------------------------------------- reads

    def has_exam(self, exam_id: str) -> bool:
        return bool(self._query(self._sql("SELECT 1 FROM exams WHERE exam_id = ?"), (exam_id,)))

    def continued(self, exam_id: str) -> str:
        rows = self._query(self._sql("SELECT continued FROM exams WHERE exam_id = ?"), (exam_id,))
        return str(rows[0][0]) if rows else ""

    def exam_version(self, exam_id: str) -> int | None:
        """How many changes the exam has seen (1 when created), or None when absent."""
        rows = self._query(self._sql("SELECT version FROM exams WHERE exam_id = ?"), (exam_id,))
        return int(rows[0][0]) if rows else None

    def _load_in(self, db: C, exam_id: str) -> Exam | None:
        row = db.execute(
            self._sql(f"SELECT {EXAM_COLUMNS} FROM exams WHERE exam_id = ?"), (exam_id,)
        ).fetchone()
        if row is None:
            return None
        findings = db.execute(
            self._sql(
                "SELECT exam_id, test, site, side, grade, note, recorded_at FROM findings "
                "WHERE exam_id = ? ORDER BY seq"
            ),
            (exam_id,),
        ).fetchall()
        return exam_from_row(row, [finding_from_row(f) for f in findings])

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
            where.append("patient_id = ?")
            params.append(patient_id)
        if mode is not None:
            where.append("mode = ?")
            params.append(mode.value)
        if not include_unfinished:
            where.append("status = 'complete'")
        clause = self._sql(f"WHERE {' AND '.join(where)}") if where else ""
        rows = self._query(
            f"SELECT {EXAM_COLUMNS} FROM exams {clause} ORDER BY {self._DATE_ASC}, exam_id",
            tuple(params),
        )
        findings = self._findings_where(clause, tuple(params)) if rows else {}
        return [exam_from_row(row, findings.get(row[0], [])) for row in rows]
