"""``RecordsService``: what the screens read from the records, and the record-level changes
(void, reopen) made outside the wizard. Screens never hold the store itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from neuroexam.core.vocab import ExamStatus, Mode

if TYPE_CHECKING:
    from pathlib import Path

    from neuroexam.core.models import Assessment, Exam
    from neuroexam.core.protocol import Protocols
    from neuroexam.core.recheck import RecheckDue
    from neuroexam.records.audit import AuditRow
    from neuroexam.records.backend import (
        ExamFilter,
        ExamListing,
        PatientListing,
        RecordStore,
    )
    from neuroexam.records.export import ExportResult, Layout, Progress
    from neuroexam.training.attempts import Attempt


class RecordsService:
    """Read models for lists, summaries and trails; void and reopen with a reason."""

    def __init__(
        self, store: RecordStore, protocols: Callable[[], Protocols], user: str = ""
    ) -> None:
        self._store = store
        self._protocols = protocols
        self.user = user

    @property
    def location(self) -> str:
        return self._store.location

    # ---------------------------------------------------------------- lists

    def unfinished(self) -> list[ExamListing]:
        """Clinical exams still in progress (training attempts have their own screen)."""
        return self._store.listings(status=ExamStatus.IN_PROGRESS, mode=Mode.CLINICAL)

    def patients(self, search: str = "", limit: int = 200) -> list[PatientListing]:
        return self._store.patients(search, limit=limit)

    def count(self, where: ExamFilter) -> int:
        return self._store.count_exams(where)

    def history_exams(self, limit: int) -> tuple[list[Exam], dict[str, list[Exam]]]:
        """The newest ``limit`` complete exams (newest first) and every exam of their patients
        by patient id, read from one snapshot (safe to call from a worker thread)."""
        with self._store.snapshot() as snap:
            complete = snap.exam_dates(ExamStatus.COMPLETE)
            # timestamp() orders naive and aware dates alike (naive ones as local time);
            # undated exams first, so they are the oldest
            stamp = {
                r[0]: datetime.fromisoformat(r[1]).timestamp() if r[1] else None for r in complete
            }
            complete.sort(key=lambda r: (stamp[r[0]] is not None, stamp[r[0]] or 0.0))
            newest = complete[::-1][:limit]
            by_patient = snap.exams_of_patients((r[2] for r in newest), notes=False)
            loaded = {e.exam_id: e for exams in by_patient.values() for e in exams}
            listed = [loaded.get(r[0]) or snap.load_exam(r[0]) for r in newest]
        return [e for e in listed if e is not None], by_patient

    def history_listings(self, limit: int) -> list[ExamListing]:
        """The newest ``limit`` complete exams (newest first) as listing lines: no findings,
        no models; what the history screen shows beside their stored assessments (safe to call
        from a worker thread)."""
        rows = self._store.newest_exam_rows(ExamStatus.COMPLETE, limit)
        stamp = {r[0]: _stamp(r[1]) for r in rows}
        # undated exams count as the oldest; of one instant, the greater id first
        rows.sort(key=lambda r: (stamp[r[0]] is not None, stamp[r[0]] or 0.0, r[0]))
        return [_listing(row) for row in rows[::-1][:limit]]

    def patient_listings(self, patient_id: str) -> list[ExamListing]:
        """Every exam of the patient (any mode or status) as listing lines, newest first
        (undated ones last): no findings, no models."""
        from neuroexam.records.backend import ExamFilter

        if not patient_id:
            return []
        where = ExamFilter(patient_id=patient_id, include_voided=True)
        listed = [_listing(row) for row in self._store.exam_rows(where)]
        listed.sort(
            key=lambda e: (e.exam_date is not None, e.exam_date and e.exam_date.timestamp())
        )
        return listed[::-1]

    # ---------------------------------------------------------------- one exam

    def exam(self, exam_id: str) -> Exam | None:
        return self._store.load_exam(exam_id)

    def latest_exam_of(self, patient_id: str) -> Exam | None:
        """The patient's most recent exam (any status), or None for a new patient id."""
        if not patient_id:
            return None
        exams = self._store.patient_exams(patient_id, limit=1)
        return exams[0] if exams else None

    def patient_exams(self, patient_id: str) -> list[Exam]:
        """Every exam of the patient (any mode or status), in date order."""
        return self._store.load_exams(patient_id=patient_id) if patient_id else []

    def history_of(self, exam: Exam) -> list[Exam]:
        """The patient's other exams, as the summary and history compare them."""
        pid = exam.patient.patient_id
        return [e for e in self.patient_exams(pid) if e.exam_id != exam.exam_id]

    def assess(self, exam: Exam) -> Assessment:
        """``evaluate`` of a stored exam with its patient's other exams."""
        from neuroexam.core.rules import evaluate

        return evaluate(exam, self.history_of(exam), self._protocols())

    def assessments(self, exam_ids: Sequence[str]) -> dict[str, Assessment]:
        """The stored assessments of a page of exams (``{exam_id: Assessment}``, unknown ids
        absent): the missing or stale ones are computed with their patients' whole history
        (each patient once) and stored. Equal to :meth:`assess` of each exam; safe to call from
        a worker thread."""
        from neuroexam.records.assessments import assessments_for

        return assessments_for(self._store, exam_ids, self._protocols())

    def stored_assessment(self, exam: Exam) -> Assessment:
        """One exam's assessment from the stored ones (computed and stored when missing or
        stale; equal to :meth:`assess`) without reading the patient's other exams whole."""
        return self.assessments([exam.exam_id]).get(exam.exam_id) or self.assess(exam)

    def refresh_assessments(self, exam_ids: Sequence[str]) -> int:
        """Store the assessments of these exams now (after a completion, amendment or
        import) unless they are fresh; returns how many were computed."""
        from neuroexam.records.assessments import refresh_assessments

        return refresh_assessments(self._store, exam_ids, self._protocols())

    def audit(self, exam_id: str) -> list[AuditRow]:
        return self._store.audit(exam_id)

    def amended_fields(self, exam_id: str) -> set[str]:
        """Finding fields (``test/site/side``) changed after they were first recorded."""
        from neuroexam.records.audit import amended_fields

        return amended_fields(self._store.audit(exam_id))

    # ---------------------------------------------------------------- record changes

    def void(self, exam_id: str, reason: str) -> None:
        self._store.void_exam(exam_id, by=self.user, reason=reason)

    def reopen(self, exam_id: str, reason: str) -> None:
        self._store.reopen_exam(exam_id, by=self.user, reason=reason)

    # ---------------------------------------------------------------- export

    def export(
        self,
        out: Path,
        where: ExamFilter,
        layout: Layout,
        protocols: Protocols,
        progress: Progress | None = None,
    ) -> ExportResult:
        """Write the chosen exams as a FORMAT.md CSV (safe to call from a worker thread)."""
        from neuroexam.records.export import export_csv

        return export_csv(self._store, out, where, layout, protocols, progress)

    # ---------------------------------------------------------------- training

    def attempts(self, student: str | None = None) -> list[Attempt]:
        return self._store.attempts(student)

    def students(self) -> list[str]:
        return self._store.students()

    # ---------------------------------------------------------------- serial re-checks

    def rechecks_due(
        self, interval_hours: float, now: datetime, patient_id: str | None = None
    ) -> list[RecheckDue]:
        """The trunci re-checks due (every watched patient, or one); worker-thread safe."""
        from neuroexam.services.rechecks import due

        return due(self._store, self._protocols(), interval_hours, now, patient_id)

    def recheck_after(
        self, exam: Exam, assessment: Assessment, interval_hours: float, now: datetime
    ) -> RecheckDue | None:
        """The patient's next trunci re-check once ``exam`` is complete (the summary)."""
        from neuroexam.services.rechecks import due_after

        return due_after(self._store, self._protocols(), interval_hours, now, exam, assessment)


def _stamp(value: object) -> float | None:
    """An exam date (text as stored, or a datetime) as a timestamp; naive ones as local time,
    as the lists have always ordered them."""
    if not value:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.timestamp()


def _listing(row: tuple) -> ExamListing:
    """A listing line from an ``exam_rows`` tuple (``EXAM_COLUMNS`` order)."""
    from neuroexam.records.backend import ExamListing

    when = row[1]
    if when and not isinstance(when, datetime):
        when = datetime.fromisoformat(str(when))
    if isinstance(when, datetime) and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # as the exam model reads a date without an offset
    return ExamListing(
        exam_id=row[0],
        exam_date=when or None,
        patient_id=row[4] or "",
        patient_name=row[5] or "",
        species=row[6] or "",
        breed=row[7] or "",
        status=ExamStatus(row[12]),
        findings=-1,  # not counted here
        mode=Mode(row[3]),
        examiner=row[2] or "",
    )
