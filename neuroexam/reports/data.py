"""What a report shows, gathered once: the exam, ``evaluate`` of it with its patient's history,
the serial course, the amendments from the audit trail and the practice's settings.

Every output (PDF, SOAP text, referral letter) renders a :class:`ReportData`, so they agree
with each other and with the summary screen; nothing is read back from stored strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from neuroexam.core import levels
from neuroexam.core.models import Assessment, Exam, FlagId
from neuroexam.core.rules import evaluate, evaluate_all
from neuroexam.core.vocab import AuditEvent, ExamStatus
from neuroexam.reports import ReportError
from neuroexam.reports.words import (
    clean,
    severity_score,
    severity_short,
    status_text,
    when_text,
)

if TYPE_CHECKING:
    from neuroexam.core.protocol import Protocols
    from neuroexam.settings import Settings


class ExamSource(Protocol):
    """What a report reads from the records (the store)."""

    def load_exam(self, exam_id: str) -> Exam | None: ...

    def load_exams(self, *, patient_id: str | None = None) -> list[Exam]: ...


@dataclass(frozen=True)
class Clinic:
    name: str = ""
    address: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CoursePoint:
    """One exam of the serial course, as ``evaluate`` assessed it."""

    exam_id: str
    when: datetime
    examiner: str
    status: str
    #: Per side: a level, ``"none"`` or None (not tested).
    cutoff: dict[str, str | None]
    ctr_status: dict[str, str]
    severity: int | None
    severity_label: str
    #: The progressive-myelomalacia alert's urgency (``emergency``/``urgent``), or None.
    pmm: str | None
    #: (urgency, flag id) of each flag, most urgent first.
    flags: tuple[tuple[str, str], ...]
    movement: dict[str, int | None] | None
    current: bool

    def position(self, side: str) -> int | None:
        """Level index (T1 = 0 … L7 = 19), -1 for ``none``, None when not tested."""
        cut = self.cutoff.get(side)
        if cut is None:
            return None
        return -1 if cut == "none" else levels.index(cut)


@dataclass(frozen=True)
class Amendment:
    """One change to the record after it was completed (from the audit trail)."""

    at: datetime | None
    by: str
    event: str
    field: str
    old: str
    new: str
    reason: str

    def what(self) -> str:
        """``cutaneous trunci L1 left: absent → present``."""
        name = self.field.replace("_", " ").replace("/", " ")
        old, new = _value(self.old), _value(self.new)
        if self.event == AuditEvent.AMENDED.value or self.event == "intake_changed":
            return f"{name}: {old or '(empty)'} → {new or '(empty)'}"
        if self.event == AuditEvent.CLEARED.value:
            return f"{name} cleared" + (f" (was {old})" if old else "")
        if self.event == AuditEvent.RECORDED.value:
            return f"{name} recorded: {new}"
        return self.event.replace("_", " ") + (f" {name}" if name else "")

    def text(self) -> str:
        """``2026-03-01 10:02 UTC, Dr Ito: L1 left: absent → present (reason: …)``."""
        who = f", {self.by}" if self.by else ""
        reason = f" (reason: {self.reason})" if self.reason else ""
        return f"{when_text(self.at)}{who}: {self.what()}{reason}"


def _value(text: str) -> str:
    text = clean(text)
    if text.startswith("note:"):
        return f"note '{text[5:]}'"
    return text.replace("_", " ")


@dataclass(frozen=True)
class ReportData:
    exam: Exam
    assessment: Assessment
    #: Dated, not voided exams of the patient up to this one, oldest first, this one included;
    #: empty when there is no earlier exam.
    course: tuple[CoursePoint, ...]
    amendments: tuple[Amendment, ...]
    voided: Amendment | None
    clinic: Clinic
    page_size: str
    disclaimer: str
    sign_labels: dict[str, str]
    normal_cutoffs: tuple[str, ...]
    borderline_cutoffs: tuple[str, ...]
    recheck_hours: float
    generated_at: datetime
    examiner_fallback: str = ""
    #: Whether the records keep an audit trail (then "no amendments" can be said).
    has_trail: bool = False

    @property
    def examiner(self) -> str:
        return clean(self.exam.examiner) or clean(self.examiner_fallback) or "not recorded"

    @property
    def is_voided(self) -> bool:
        return self.exam.status is ExamStatus.VOIDED

    @property
    def earlier(self) -> tuple[CoursePoint, ...]:
        return tuple(p for p in self.course if not p.current)

    def previous_cutoffs(self) -> dict[str, str | None] | None:
        """The cut-offs of the exam this one was compared with, by side."""
        serial = self.assessment.serial
        if serial is None:
            return None
        point = next((p for p in self.course if p.exam_id == serial.previous_exam_id), None)
        return dict(point.cutoff) if point else None

    @property
    def needs_recheck(self) -> bool:
        """An IVDD or progressive-myelomalacia flag: the trunci re-check reminder applies."""
        ids = {f.id for f in self.assessment.flags}
        return not self.is_voided and bool(ids & {FlagId.IVDD, FlagId.PROGRESSIVE_MYELOMALACIA})


def gather(
    store: ExamSource,
    exam_id: str,
    protocols: Protocols,
    settings: Settings | None = None,
    now: datetime | None = None,
    with_course: bool = True,
) -> ReportData:
    """Load the exam and its patient's exams, evaluate them, read the trail; ReportError when
    the exam is not in the records. ``with_course=False`` skips assessing the earlier exams
    (the SOAP text does not chart them)."""
    exam = store.load_exam(exam_id)
    if exam is None:
        raise ReportError(f"no exam {exam_id!r} in the records")
    pid = exam.patient.patient_id
    history = store.load_exams(patient_id=pid) if pid else []
    if not any(e.exam_id == exam.exam_id for e in history):
        history = [*history, exam]
    assessment = evaluate(exam, history, protocols)
    rows = _audit_rows(store, exam_id)
    voided = next((a for a in reversed(rows) if a.event == AuditEvent.VOIDED.value), None)
    limits = protocols.rules.thresholds.ctr
    clinic = Clinic()
    if settings is not None:
        c = settings.clinic
        clinic = Clinic(clean(c.name), clean(c.address.replace(";", ",")), clean(c.phone))
    return ReportData(
        exam=exam,
        assessment=assessment,
        course=_course(exam, assessment, history, protocols) if with_course else (),
        amendments=tuple(_since_completion(rows)),
        voided=voided,
        clinic=clinic,
        page_size=settings.page_size if settings is not None else "A4",
        disclaimer=protocols.rules.disclaimer,
        sign_labels={s.id: s.label for s in protocols.signs.signs},
        normal_cutoffs=tuple(limits.normal_cutoffs),
        borderline_cutoffs=tuple(limits.borderline_cutoffs),
        recheck_hours=settings.recheck_interval_hours if settings is not None else 4.0,
        generated_at=now or datetime.now(UTC).astimezone(),
        examiner_fallback=settings.examiner if settings is not None else "",
        has_trail=callable(getattr(store, "audit", None)),
    )


def _course(
    exam: Exam, assessment: Assessment, history: Sequence[Exam], protocols: Protocols
) -> tuple[CoursePoint, ...]:
    if exam.exam_date is None:
        return ()
    when = exam.exam_date
    earlier = [
        e
        for e in history
        if e.exam_id != exam.exam_id
        and e.exam_date is not None
        and e.exam_date <= when
        and e.status is not ExamStatus.VOIDED
    ]
    if not earlier:
        return ()
    earlier.sort(key=lambda e: (e.exam_date, e.exam_id))
    # the serial links of the whole history found once (not once per exam: 50 exams, 50x)
    assessed = {a.exam_id: a for a in evaluate_all(history, protocols)}
    points = [
        _point(e, assessed.get(e.exam_id) or evaluate(e, history, protocols), current=False)
        for e in earlier
    ]
    points.append(_point(exam, assessment, current=True))
    return tuple(points)


def _point(exam: Exam, a: Assessment, current: bool) -> CoursePoint:
    pmm = next((f for f in a.flags if f.id is FlagId.PROGRESSIVE_MYELOMALACIA), None)
    return CoursePoint(
        exam_id=exam.exam_id,
        when=exam.exam_date,  # type: ignore[arg-type]  # only dated exams are charted
        examiner=clean(exam.examiner),
        status=status_text(exam),
        cutoff={"left": a.ctr_cutoff.left, "right": a.ctr_cutoff.right},
        ctr_status=dict(a.ctr_status),
        severity=severity_score(a),
        severity_label=severity_short(a),
        pmm=pmm.urgency.value if pmm else None,
        flags=tuple((f.urgency.value, f.id.value) for f in a.flags),
        movement=dict(a.serial.movement) if a.serial else None,
        current=current,
    )


def _audit_rows(store: object, exam_id: str) -> list[Amendment]:
    """The exam's trail as :class:`Amendment` values, oldest first (empty before the store
    keeps a trail)."""
    audit = getattr(store, "audit", None)
    if not callable(audit):
        return []
    out = []
    for row in audit(exam_id):
        event = getattr(row, "event", "")
        out.append(
            Amendment(
                at=getattr(row, "at", None),
                by=clean(getattr(row, "by", "") or ""),
                event=getattr(event, "value", str(event)),
                field=clean(getattr(row, "field", "") or ""),
                old=str(getattr(row, "old_value", "") or ""),
                new=str(getattr(row, "new_value", "") or ""),
                reason=clean(getattr(row, "reason", "") or ""),
            )
        )
    return out


def _since_completion(rows: list[Amendment]) -> list[Amendment]:
    """The changes after the exam was first completed (the sign-off and the voiding are shown
    with the status, not here)."""
    first = next((i for i, r in enumerate(rows) if r.event == AuditEvent.COMPLETED.value), None)
    if first is None:
        return []
    shown_elsewhere = {AuditEvent.SIGNED.value, AuditEvent.VOIDED.value}
    return [r for r in rows[first + 1 :] if r.event not in shown_elsewhere]
