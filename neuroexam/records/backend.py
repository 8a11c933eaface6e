"""The one interface the rest of the app uses for the records, whatever the backend.

:class:`RecordStore` is what services, the CLI and exports call; ``records/sqlite`` implements
it (and a server backend can implement it again). The errors and listing rows here are shared
by every backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple, Protocol

from neuroexam.core.vocab import ExamStatus, Mode, Side, TestId

if TYPE_CHECKING:
    from neuroexam.core.models import Exam, Finding
    from neuroexam.records.audit import AuditRow
    from neuroexam.training.attempts import Attempt

FindingKey = tuple[TestId, str, Side]


class StoreError(Exception):
    """The store cannot be opened or written; the message says why in plain words."""


class IdClash(StoreError):
    """A new exam's id is already in the records (nothing was written)."""


class RecordLocked(StoreError):
    """The exam is complete, voided or held by someone else: the write was refused."""


class LeaseLost(RecordLocked):
    """Another workstation or window took the exam over: this holder may no longer write."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        super().__init__(
            f"exam {lease.exam_id} was taken over on {lease.host} by {lease.user or 'someone'} "
            f"at {lease.since.astimezone():%H:%M}; your change was not written"
        )


@dataclass(frozen=True)
class Lease:
    """Who is editing an exam: renewed while its screen is open, free once it expires."""

    exam_id: str
    holder: str
    host: str
    user: str
    since: datetime
    expires: datetime

    def held_by_other(self, holder: str, now: datetime) -> bool:
        return self.holder != holder and self.expires > now


@dataclass(frozen=True)
class ExamListing:
    """A line of the resume / history lists."""

    exam_id: str
    exam_date: datetime | None
    patient_id: str
    patient_name: str
    species: str
    breed: str
    status: ExamStatus
    findings: int
    mode: Mode = Mode.CLINICAL
    examiner: str = ""


@dataclass(frozen=True)
class PatientListing:
    """A line of the patients list: the patient as recorded at their latest exam."""

    patient_id: str
    patient_name: str
    species: str
    breed: str
    exams: int
    last_exam_date: datetime | None
    last_status: ExamStatus
    last_mode: Mode


@dataclass(frozen=True)
class ExamFilter:
    """Which exams an export (or a count) takes; the defaults restrict nothing.

    ``since`` and ``until`` are inclusive. A :class:`~datetime.date` is compared with the
    exam's calendar date as recorded (the whole day); a datetime without an offset with the
    exam's clock time as recorded, to the second; a datetime with an offset as an instant.
    Exams without a date are left out when either bound is given. Voided exams are left out
    unless ``include_voided``.
    """

    patient_id: str | None = None
    mode: Mode | None = None
    include_unfinished: bool = True
    since: date | None = None
    until: date | None = None
    include_voided: bool = False
    statuses: tuple[ExamStatus, ...] = field(default=())


class StoredAssessment(NamedTuple):
    """One exam's stored assessment (``records/assessments.py`` computes and checks it): valid
    while the exam's version, the protocols' hash and its history's hash are still these."""

    exam_id: str
    exam_version: int
    protocols_hash: str
    history_hash: str
    #: The summary layout's assessment cells (``ctr_cutoff_left`` … ``mfs``) as they stand in
    #: its CSV line: encoded and comma-joined (opaque to the backends).
    cells: str
    #: JSON of the whole :class:`~neuroexam.core.models.Assessment` ("" when not read).
    payload: str
    computed_at: str
    #: The patient's version (:class:`AssessmentKey`) when ``history_hash`` was taken: while
    #: the patient is still at it, the history is unchanged without reading it (None: unknown).
    patient_version: int | None = None

    @classmethod
    def of_row(cls, r: tuple) -> StoredAssessment:
        """From a row of the columns in this order, as the backends select them."""
        version = None if r[7] is None else int(r[7])
        return cls(r[0], int(r[1]), r[2], r[3], r[4], r[5], r[6], version)


#: ``(exam_id, patient_id, exam_date text, version)``: what keys a stored assessment.
VersionHead = tuple[str, str, str | None, int]

#: ``(patient_id, exam version, patient version)`` of an exam as the records hold it now. The
#: patient version is set, in the same transaction as any change to the patient's exams (one
#: added, removed, re-dated, moved to another patient, or its version bumped), to a number no
#: patient ever had, so one number is one state of one patient's exams; 0 for a patient not
#: changed since schema 6, and for exams without a patient id.
AssessmentKey = tuple[str, int, int]


class RecordStore(Protocol):
    """Everything the app asks of the records. Each write is one committed transaction and
    writes its audit rows in that same transaction."""

    @property
    def location(self) -> str: ...

    @property
    def schema_version(self) -> int: ...

    def close(self) -> None: ...
    def another_connection(self) -> RecordStore:
        """A second, independent connection to the same records (the app's writer thread
        uses one of its own: connections and their transactions belong to one thread)."""
        ...

    # exams and findings (writes)
    def create_exam(self, exam: Exam, continued: str = "", *, by: str = "") -> None: ...
    def update_intake(
        self, exam: Exam, *, by: str, reason: str = "", holder: str | None = None
    ) -> list[AuditRow]: ...
    def record_finding(
        self,
        exam_id: str,
        finding: Finding,
        seq: int = 0,
        *,
        by: str = "",
        reason: str = "",
        holder: str | None = None,
    ) -> list[AuditRow]: ...
    def clear_finding(
        self,
        exam_id: str,
        key: FindingKey,
        *,
        by: str,
        reason: str = "",
        holder: str | None = None,
    ) -> list[AuditRow]: ...
    def set_continued(self, exam_id: str, continued: str) -> None: ...
    def complete_exam(
        self, exam_id: str, *, by: str, reason: str = "", holder: str | None = None
    ) -> None: ...
    def sign_exam(
        self, exam_id: str, *, signed_by: str, by: str, holder: str | None = None
    ) -> datetime: ...
    def reopen_exam(self, exam_id: str, *, by: str, reason: str) -> None: ...
    def void_exam(self, exam_id: str, *, by: str, reason: str) -> None: ...
    def discard_if_untouched(self, exam_id: str) -> bool: ...
    def import_exam(self, exam: Exam, *, by: str, source: str) -> None: ...
    def import_exams(self, exams: Sequence[Exam], *, by: str, source: str) -> None: ...
    def import_trail(self, exam: Exam, trail: list[AuditRow], *, by: str, source: str) -> None: ...
    def save_exam_with_findings(self, exam: Exam) -> None: ...

    # reads
    def has_exam(self, exam_id: str) -> bool: ...
    def load_exam(self, exam_id: str) -> Exam | None: ...
    def load_exams(
        self,
        *,
        patient_id: str | None = None,
        mode: Mode | None = None,
        include_unfinished: bool = True,
    ) -> list[Exam]: ...
    def continued(self, exam_id: str) -> str: ...
    def patient_exams(
        self, patient_id: str, *, limit: int | None = None, offset: int = 0
    ) -> list[Exam]: ...
    def exams_of_patients(
        self, patient_ids: Iterable[str], *, notes: bool = True
    ) -> dict[str, list[Exam]]: ...
    def exam_dates(self, status: ExamStatus | None = None) -> list[tuple[str, str | None, str]]: ...
    def listings(
        self, status: ExamStatus | None = None, limit: int = 200, *, mode: Mode | None = None
    ) -> list[ExamListing]: ...
    def newest_exam_rows(self, status: ExamStatus, limit: int) -> list[tuple]: ...
    def patients(self, search: str = "", limit: int = 200) -> list[PatientListing]: ...
    def count_exams(self, where: ExamFilter | None = None) -> int: ...
    def exam_rows(self, where: ExamFilter | None = None) -> list[tuple]: ...
    def iter_finding_rows(
        self, where: ExamFilter | None = None, batch_size: int = 20_000, *, notes: bool = True
    ) -> Iterator[list[tuple]]: ...
    def iter_exams(
        self, where: ExamFilter | None = None, batch_size: int = 20_000, *, notes: bool = True
    ) -> Iterator[Exam]: ...
    def serial_heads(self, where: ExamFilter | None = None) -> list[tuple]: ...
    def snapshot(self) -> AbstractContextManager[RecordStore]: ...

    # stored assessments (a cache: records/assessments.py decides what is fresh)
    def version_heads(self, where: ExamFilter | None = None) -> list[VersionHead]: ...
    def version_heads_of(self, exam_ids: Iterable[str]) -> list[VersionHead]: ...
    def assessment_keys(self, exam_ids: Iterable[str]) -> dict[str, AssessmentKey]: ...
    def patient_versions(self, patient_ids: Iterable[str]) -> dict[str, int]: ...
    def stored_assessments(
        self, exam_ids: Iterable[str], *, payload: bool = True
    ) -> dict[str, StoredAssessment]: ...
    def put_assessments(self, rows: Iterable[StoredAssessment]) -> bool: ...
    def confirm_assessments(self, rows: Iterable[StoredAssessment]) -> bool: ...

    # audit trail
    def audit(self, exam_id: str) -> list[AuditRow]: ...
    def iter_audit_rows(
        self, where: ExamFilter | None = None, batch_size: int = 20_000
    ) -> Iterator[list[tuple]]: ...

    # one editor per exam
    def acquire_lease(
        self,
        exam_id: str,
        holder: str,
        *,
        host: str,
        user: str,
        ttl: float,
        take_over: bool = False,
    ) -> Lease: ...
    def renew_lease(self, exam_id: str, holder: str, ttl: float) -> bool: ...
    def release_lease(self, exam_id: str, holder: str) -> None: ...
    def lease(self, exam_id: str) -> Lease | None: ...

    # training attempts
    def save_attempt(self, attempt: Attempt) -> None: ...
    def attempts(self, student: str | None = None) -> list[Attempt]: ...
    def students(self) -> list[str]: ...


class LeaseHeld(RecordLocked):
    """Opening for editing found the exam held by another live lease."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        super().__init__(
            f"exam {lease.exam_id} is open on {lease.host} since {lease.since.astimezone():%H:%M}"
            + (f" ({lease.user})" if lease.user else "")
        )
