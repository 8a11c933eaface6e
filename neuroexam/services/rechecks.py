"""The trunci re-checks due (home and summary): the recent clinical exams, each evaluated with
its patient's other recent exams, handed to :func:`neuroexam.core.recheck.rechecks_due`.

Safe to call from a worker thread: it reads one snapshot on its own connection.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from neuroexam.core.recheck import LOOK_BACK, RecheckDue, patient_recheck, rechecks_due
from neuroexam.core.vocab import ExamStatus, Mode
from neuroexam.records.backend import ExamFilter

if TYPE_CHECKING:
    from neuroexam.core.models import Assessment, Exam
    from neuroexam.core.protocol import Protocols
    from neuroexam.records.backend import RecordStore

#: The settings' default, used when the settings file cannot be read.
DEFAULT_INTERVAL_HOURS = 4.0


def recheck_interval_hours() -> tuple[float, str]:
    """The settings' ``recheck_interval_hours`` and, when the settings are unusable, why the
    default is used instead (else an empty text)."""
    from neuroexam.settings import SettingsError, load_settings

    try:
        return load_settings().recheck_interval_hours, ""
    except SettingsError as exc:
        return DEFAULT_INTERVAL_HOURS, str(exc)


def assessed_recent(
    store: RecordStore, protocols: Protocols, now: datetime, patient_id: str | None = None
) -> list[tuple[Exam, Assessment]]:
    """The clinical exams of the last :data:`LOOK_BACK` (or of one patient), each with its
    assessment against the patient's other exams of that time."""
    from neuroexam.core.rules import evaluate

    where = ExamFilter(mode=Mode.CLINICAL, since=now - LOOK_BACK, patient_id=patient_id)
    with store.snapshot() as snap:
        exams = list(snap.iter_exams(where, notes=False))
    by_patient: dict[str, list[Exam]] = {}
    for exam in exams:
        by_patient.setdefault(exam.patient.patient_id, []).append(exam)
    out = []
    for exam in exams:
        pid = exam.patient.patient_id
        history = [e for e in by_patient.get(pid, []) if e.exam_id != exam.exam_id] if pid else []
        out.append((exam, evaluate(exam, history, protocols)))
    return out


def due(
    store: RecordStore,
    protocols: Protocols,
    interval_hours: float,
    now: datetime,
    patient_id: str | None = None,
) -> list[RecheckDue]:
    """Every watched patient's next trunci re-check (or one patient's), soonest first."""
    return rechecks_due(assessed_recent(store, protocols, now, patient_id), interval_hours, now)


def due_after(
    store: RecordStore,
    protocols: Protocols,
    interval_hours: float,
    now: datetime,
    exam: Exam,
    assessment: Assessment,
) -> RecheckDue | None:
    """The patient's next re-check once ``exam`` (the one on the summary, finished or not)
    is complete, or None (no patient id, no watched flag, the watch over)."""
    from datetime import timedelta

    pid = exam.patient.patient_id
    if not pid:
        return None
    pairs = [
        (e, a) for e, a in assessed_recent(store, protocols, now, pid) if e.exam_id != exam.exam_id
    ]
    done = exam.model_copy(update={"status": ExamStatus.COMPLETE})
    found = patient_recheck([*pairs, (done, assessment)], timedelta(hours=interval_hours))
    return found if found is not None and now <= found.until else None
