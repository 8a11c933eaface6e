"""A small store of patients for the records screens (patients, exams, compare).

``python -m tests.tui.records_seed DB`` writes it to ``DB`` (for trying the screens by hand).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from neuroexam.core import levels
from neuroexam.core.models import Exam, ExamStatus, Finding, Mode, Patient, Side, TestId
from neuroexam.records.store import Store

#: The Dachshund's first exam; the second is 6 hours later.
OSCAR_FIRST = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def save_exam(
    store: Store,
    exam_id: str,
    when: datetime | None,
    patient: Patient,
    cutoff: str | None,
    signs: tuple[str, ...] = (),
    status: ExamStatus = ExamStatus.COMPLETE,
    examiner: str = "Dr Vogel",
    mode: Mode = Mode.CLINICAL,
) -> None:
    """Trunci series from L7 cranially on both sides: absent up to ``cutoff``, present there."""
    exam = Exam(
        exam_id=exam_id,
        exam_date=when,
        examiner=examiner,
        mode=mode,
        patient=patient,
        signs=list(signs),
        status=status,
    )
    if cutoff is not None:
        series = levels.caudal_to_cranial()
        for side in Side:
            for level in series[: series.index(cutoff) + 1]:
                grade = "present" if level == cutoff else "absent"
                exam.findings.append(
                    Finding(test=TestId.CUTANEOUS_TRUNCI, site=level, side=side, grade=grade)
                )
    store.save_exam_with_findings(exam)


OSCAR = Patient(patient_id="P-7", name="Oscar", species="dog", breed="Dachshund", age_years=5)
BELLA = Patient(patient_id="P-3", name="Bella", species="dog", breed="Beagle", age_years=4)
MIA = Patient(patient_id="P-9", name="Mia", species="cat", breed="", age_years=8)


def seed(store: Store) -> None:
    """Three patients; Oscar's cut-off climbs L1 → T12 in 6 hours (both sides)."""
    save_exam(store, "E-B1", datetime(2026, 2, 20, 10, 0, tzinfo=UTC), BELLA, "L5")
    save_exam(
        store,
        "E-M1",
        datetime(2026, 2, 25, 14, 30, tzinfo=UTC),
        MIA,
        None,
        status=ExamStatus.IN_PROGRESS,
        examiner="Dr Ito",
    )
    save_exam(store, "E-O1", OSCAR_FIRST, OSCAR, "L1", signs=("back_pain",))
    save_exam(
        store,
        "E-O2",
        OSCAR_FIRST + timedelta(hours=6),
        OSCAR,
        "T12",
        signs=("back_pain", "paraparesis_non_ambulatory"),
        examiner="Dr Ito",
    )


if __name__ == "__main__":
    target = Store(Path(sys.argv[1]))
    seed(target)
    target.close()
