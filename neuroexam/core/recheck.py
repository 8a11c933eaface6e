"""When the next serial cutaneous trunci re-check of a patient is due (DOMAIN.md 1.1, 3.2).

Progressive myelomalacia can start up to 5 days after presentation, so a dog with a
thoracolumbar myelopathy (``ivdd``) or a climbing cut-off (``progressive_myelomalacia``) has
its trunci reflex re-tested every few hours (the settings' ``recheck_interval_hours``) for at
least 5 days. Pure: the caller hands in each exam with its assessment.

- Which exams count: a dog's, clinical, not voided, dated. A patient is watched while the most
  recent of them that is complete carries an ``ivdd`` or ``progressive_myelomalacia`` flag (a later
  complete exam without one ends the watch: the dog recovered or was re-assessed).
- The watch starts at the first exam of the run of consecutive flagged exams (a gap of more
  than :data:`EPISODE_GAP` breaks the run, as it breaks a PMM episode) and lasts
  :data:`WATCH_DAYS` days.
- The next re-check is due ``interval`` after the patient's latest exam (an exam in progress
  counts: it is the re-check being done); none once that falls after the watch ends, and
  nothing is listed once the watch has ended.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from neuroexam.core.models import Assessment, Exam, Flag, FlagId
from neuroexam.core.vocab import ExamStatus, Mode, Species, Urgency

#: Serial trunci tests go on for at least this long after presentation (DOMAIN.md 1.1).
WATCH_DAYS = 5.0
#: Two exams further apart than this are not one episode (DOMAIN.md 1.1: a convention).
EPISODE_GAP = timedelta(days=30)
#: The flags that call for serial trunci re-checks, the one named first first.
WATCHED_FLAGS = (FlagId.PROGRESSIVE_MYELOMALACIA, FlagId.IVDD)
#: Exams older than this before ``now`` cannot start a watch that is still running.
LOOK_BACK = timedelta(days=WATCH_DAYS) + EPISODE_GAP


@dataclass(frozen=True)
class RecheckDue:
    """One patient's next trunci re-check."""

    patient_id: str
    patient_name: str
    #: The exam the interval runs from (the patient's latest) and the flagged exam.
    last_exam_id: str
    last_exam_at: datetime
    flag: Flag
    due_at: datetime
    #: Serial re-checks go on at least until then (the watch's start + 5 days).
    until: datetime

    def overdue(self, now: datetime) -> bool:
        return now > self.due_at

    def when_text(self, now: datetime) -> str:
        """``due 14:30 (in 1 h 20 min)`` / ``OVERDUE since 14:30 (2 h 5 min)``."""
        at = self.due_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if self.overdue(now):
            return f"OVERDUE since {at} ({span_text(now - self.due_at)})"
        return f"due {at} (in {span_text(self.due_at - now)})"

    def until_text(self) -> str:
        return f"re-check until {self.until.astimezone():%Y-%m-%d %H:%M}"

    def line(self, now: datetime, interval_hours: float) -> str:
        """``Next trunci re-check due … (in …) · every 4 h, re-check until … (PMM risk)``."""
        return (
            f"Next trunci re-check {self.when_text(now)} · every {interval_hours:g} h, "
            f"{self.until_text()}"
        )


def span_text(span: timedelta) -> str:
    """``2 d 3 h`` / ``1 h 20 min`` / ``5 min``."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def watched_flag(assessment: Assessment) -> Flag | None:
    """The flag that calls for serial re-checks: progressive myelomalacia before IVDD."""
    for flag_id in WATCHED_FLAGS:
        flag = next((f for f in assessment.flags if f.id is flag_id), None)
        if flag is not None:
            return flag
    return None


def counts(exam: Exam) -> bool:
    """A dog's clinical exam, not voided, dated, with a patient id: an exam the re-check
    schedule reads (a cat's trunci reflex localises nothing, DOMAIN.md 1.1)."""
    return (
        exam.mode is Mode.CLINICAL
        and exam.patient.species is Species.DOG
        and exam.status is not ExamStatus.VOIDED
        and exam.exam_date is not None
        and bool(exam.patient.patient_id)
    )


def patient_recheck(
    assessed: Iterable[tuple[Exam, Assessment]], interval: timedelta
) -> RecheckDue | None:
    """The next re-check of one patient from its exams and their assessments, or None."""
    exams = sorted(
        ((e, a) for e, a in assessed if counts(e)),
        key=lambda pair: pair[0].exam_date,  # type: ignore[arg-type,return-value]
    )
    complete = [(e, a) for e, a in exams if e.status is ExamStatus.COMPLETE]
    if not complete or watched_flag(complete[-1][1]) is None:
        return None
    last_exam, last = complete[-1]
    flag = watched_flag(last)
    assert flag is not None and last_exam.exam_date is not None
    start = last_exam.exam_date
    for exam, assessment in reversed(complete[:-1]):
        assert exam.exam_date is not None
        if watched_flag(assessment) is None or start - exam.exam_date > EPISODE_GAP:
            break
        start = exam.exam_date
    latest = exams[-1][0]
    assert latest.exam_date is not None
    until = start + timedelta(days=WATCH_DAYS)
    due = latest.exam_date + interval
    if due > until:  # the watch's last re-check is done
        return None
    return RecheckDue(
        patient_id=last_exam.patient.patient_id,
        patient_name=latest.patient.name,
        last_exam_id=latest.exam_id,
        last_exam_at=latest.exam_date,
        flag=flag,
        due_at=due,
        until=until,
    )


def rechecks_due(
    assessed: Iterable[tuple[Exam, Assessment]], interval_hours: float, now: datetime
) -> list[RecheckDue]:
    """Every watched patient's next re-check, soonest due first (so overdue first); a watch
    that ended before ``now`` is left out (an overdue re-check stays listed until it is done
    or the watch ends)."""
    by_patient: dict[str, list[tuple[Exam, Assessment]]] = {}
    for exam, assessment in assessed:
        by_patient.setdefault(exam.patient.patient_id, []).append((exam, assessment))
    interval = timedelta(hours=interval_hours)
    found = [
        due
        for pid, pairs in by_patient.items()
        if pid and (due := patient_recheck(pairs, interval)) is not None and now <= due.until
    ]
    urgency_rank = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}
    return sorted(
        found, key=lambda d: (d.due_at, urgency_rank.get(d.flag.urgency, 3), d.patient_id)
    )
