"""The stored exams of a training attempt: the student's exam and, for serial cases, the
simulated earlier exam of the same patient.

Every attempt gets its own patient id (``TRAIN-<case id>-<exam suffix>``), so one attempt is
never compared serially with another attempt of the same case, neither in the wizard nor by
``assess`` on an export that includes training exams.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from neuroexam.core.ids import new_exam_id
from neuroexam.core.vocab import ExamStatus, Mode

if TYPE_CHECKING:
    from neuroexam.core.models import Exam
    from neuroexam.training.cases import Case

PATIENT_PREFIX = "TRAIN-"


def training_exams(
    case: Case, student: str, now: datetime | None = None, exam_id: str | None = None
) -> tuple[Exam, Exam | None]:
    """A new, empty training exam of ``case`` for ``student`` and the earlier exam, if any."""
    from neuroexam.core.models import Exam
    from neuroexam.training.cases import correct_exam

    now = now or datetime.now().astimezone()
    exam_id = exam_id or new_exam_id(now)
    patient = case.patient()
    patient.patient_id = f"{PATIENT_PREFIX}{case.id}-{exam_id.rsplit('-', 1)[-1]}"
    exam = Exam(
        exam_id=exam_id,
        exam_date=now,
        examiner=student,
        mode=Mode.TRAINING,
        patient=patient,
        signs=case.signs,
    )
    previous = None
    if case.previous is not None:
        _, history = correct_exam(case, f"{exam_id}-P")
        previous = history[0].model_copy(
            update={
                "exam_date": now - timedelta(hours=case.previous.hours_before),
                "examiner": "(case history)",
                "patient": patient.model_copy(),
                "status": ExamStatus.COMPLETE,
            }
        )
    return exam, previous


def case_id_of(exam: Exam) -> str | None:
    """The case a stored training exam simulates (from its patient id), else None."""
    pid = exam.patient.patient_id
    if exam.mode is not Mode.TRAINING or not pid.startswith(PATIENT_PREFIX):
        return None
    return pid[len(PATIENT_PREFIX) :].rsplit("-", 1)[0] or None


__all__ = ["PATIENT_PREFIX", "case_id_of", "training_exams"]
