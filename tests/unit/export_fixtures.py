"""A fixed set of exams for the export golden files and the export/import tests.

Fixed ids, dates and times; it covers: a formula-looking patient name and examiner, a note with
a comma and a quote, a note starting with ``-``, a breed typed as an alias and one without its
accent, a cat, a serial pair of one patient showing progressive myelomalacia, an undated exam,
times with microseconds (written to the second), a training exam and an unfinished exam (left
out of the default export).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from neuroexam.core.models import Exam, ExamStatus, Finding, Mode, Patient

CET = timezone(timedelta(hours=1))
LUMBAR_UP = ["L7", "L6", "L5", "L4", "L3", "L2", "L1", "T13", "T12", "T11"]


def ctr_series(cutoff: str | None, when: datetime, up_to: str = "T11") -> list[Finding]:
    """Both sides from L7 cranially: absent caudal to ``cutoff``, present there (then stop);
    ``None``: absent all the way up to ``up_to``."""
    out: list[Finding] = []
    for side in ("left", "right"):
        for level in LUMBAR_UP[: LUMBAR_UP.index(cutoff or up_to) + 1]:
            when += timedelta(seconds=5)
            grade = "present" if level == cutoff else "absent"
            out.append(
                Finding(
                    test="cutaneous_trunci", site=level, side=side, grade=grade, recorded_at=when
                )
            )
    return out


def scratch(grades: dict[str, str], when: datetime, note: dict[str, str] | None = None) -> list:
    """Both sides of each region with the same grade."""
    note = note or {}
    return [
        Finding(
            test="scratch",
            site=region,
            side=side,
            grade=grade,
            note=note.get(f"{region}-{side}", ""),
            recorded_at=when + timedelta(seconds=60 + i),
        )
        for i, (region, grade) in enumerate(grades.items())
        for side in ("left", "right")
    ]


def golden_exams() -> list[Exam]:
    d1 = datetime(2026, 3, 2, 9, 15, 30, 250000, tzinfo=CET)  # microseconds: cut on export
    d2 = datetime(2026, 3, 3, 8, 0, tzinfo=CET)
    d3 = datetime(2026, 3, 3, 20, 0, tzinfo=CET)  # 12 h later: the cut-off moved cranially
    d4 = datetime(2026, 3, 4, 14, 45, tzinfo=UTC)
    d5 = datetime(2026, 3, 5, 10, 0, tzinfo=CET)
    return [
        Exam(
            exam_id="EX-001",
            exam_date=d1,
            examiner='=HYPERLINK("http://evil.example","A. Tech")',
            patient=Patient(
                patient_id="P-100",
                name='=HYPERLINK("http://evil.example","Rex")',
                species="dog",
                breed="Doxie",
                age_years=5,
                sex="MN",
                weight_kg=8.1,
            ),
            signs=["back_pain", "paraparesis_non_ambulatory"],
            findings=[
                *ctr_series("L1", d1),
                *scratch(
                    {"ear": "present", "neck": "present"},
                    d1,
                    note={"neck-left": 'brisk, "normal" kick', "ear-right": "-ve, ok"},
                ),
            ],
            status=ExamStatus.COMPLETE,
            signed_by="Dr Vogel",
            signed_at=datetime(2026, 3, 2, 9, 40, 12, 500000, tzinfo=CET),
            exam_note='-owner: "found him dragging his legs", at 07:00',
        ),
        Exam(
            exam_id="EX-002",
            exam_date=d2,
            examiner="B. Vet",
            patient=Patient(
                patient_id="P-200",
                name="Zoë",
                species="dog",
                breed="Bichon Frise",
                age_years=6.5,
                sex="FS",
                weight_kg=6.25,
            ),
            signs=["back_pain"],
            findings=ctr_series("L3", d2),
            status=ExamStatus.COMPLETE,
        ),
        Exam(
            exam_id="EX-003",
            exam_date=d3,
            examiner="B. Vet",
            patient=Patient(
                patient_id="P-200",
                name="Zoë",
                species="dog",
                breed="Bichon Frise",
                age_years=6.5,
                sex="FS",
                weight_kg=6.25,
            ),
            signs=["back_pain", "paraplegia"],
            findings=ctr_series("T13", d3),
            status=ExamStatus.COMPLETE,
        ),
        Exam(
            exam_id="EX-004",
            exam_date=d4,
            examiner="C. Nurse",
            patient=Patient(
                patient_id="P-300",
                name="Mimi",
                species="cat",
                breed="DSH",
                age_years=11,
                sex="F",
                weight_kg=4.3,
            ),
            signs=["phantom_scratching", "neck_pain"],
            findings=[
                *ctr_series("L5", d4),
                *scratch({"ear": "exaggerated", "neck": "exaggerated", "flank": "present"}, d4),
            ],
            status=ExamStatus.COMPLETE,
        ),
        Exam(
            exam_id="EX-005",
            exam_date=None,
            patient=Patient(patient_id="", name="stray", species="dog", breed="mixed"),
            findings=ctr_series("L6", datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
            status=ExamStatus.COMPLETE,
        ),
        Exam(
            exam_id="TR-001",
            exam_date=d5,
            examiner="Student",
            mode=Mode.TRAINING,
            patient=Patient(patient_id="CASE-7", name="Case 7", species="dog", breed="Beagle"),
            findings=ctr_series("L6", d5),
            status=ExamStatus.COMPLETE,
        ),
        Exam(
            exam_id="EX-006",
            exam_date=d5 + timedelta(hours=1),
            patient=Patient(patient_id="P-100", name="Rex", species="dog", breed="Dachshund"),
            findings=ctr_series("L7", d5),
            status=ExamStatus.IN_PROGRESS,
        ),
    ]
