"""Stored exams for the report tests and the benchmark: the Dachshund whose trunci cut-off climbs
L1 → T11 in six hours (a progressive-myelomalacia alert), exams from the case suite, a voided
exam and a long-followed patient.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from neuroexam.core import levels
from neuroexam.core.models import Exam, ExamStatus, Finding, Patient, Side, TestId
from neuroexam.records.store import Store

CASES = Path(__file__).resolve().parents[1] / "data" / "cases"
FIRST = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
#: An accented name (Vera has ö, ë and ł; ř is printed as r).
DACHSHUND = Patient(
    patient_id="P-42",
    name="Zoë Łöwenherz",
    species="dog",
    breed="Dachshund",
    age_years=5,
    sex="FS",
    weight_kg=7.4,
)


def trunci(cutoff: str, sides: tuple[Side, ...] = (Side.LEFT, Side.RIGHT)) -> list[Finding]:
    """The series from L7 cranially: absent up to ``cutoff``, present there."""
    series = levels.caudal_to_cranial()
    out = []
    for side in sides:
        for level in series[: series.index(cutoff) + 1]:
            grade = "present" if level == cutoff else "absent"
            out.append(Finding(test=TestId.CUTANEOUS_TRUNCI, site=level, side=side, grade=grade))
    return out


def scratch(grades: dict[str, str], side: Side) -> list[Finding]:
    return [
        Finding(test=TestId.SCRATCH, site=region, side=side, grade=grade)
        for region, grade in grades.items()
    ]


def pmm_exams(patient: Patient = DACHSHUND) -> list[Exam]:
    """Cut-off L1 both sides at 09:00, T11 both sides at 15:00 (three vertebrae: PMM), the
    dog paraplegic with deep pain at the second exam (MFS 3 then 2)."""
    normal = {"ear": "present", "neck": "present", "shoulder": "present", "flank": "present"}
    first = Exam(
        exam_id="E-PMM-1",
        exam_date=FIRST,
        examiner="Dr Anna Vogel",
        patient=patient,
        signs=["back_pain", "paraparesis_non_ambulatory"],
        findings=[
            *trunci("L1"),
            *scratch(normal, Side.LEFT),
            *scratch(normal, Side.RIGHT),
        ],
        status=ExamStatus.COMPLETE,
    )
    second_findings = trunci("T11")
    second_findings[0] = second_findings[0].model_copy(update={"note": "no twitch, repeated"})
    # deep pain present in both pelvic limbs: Modified Frankel Score 2 (3 at the first exam)
    second_findings += [
        Finding(test=TestId.NOCICEPTION, site="pelvic_limb", side=side, grade="present")
        for side in Side
    ]
    second = Exam(
        exam_id="E-PMM-2",
        exam_date=FIRST + timedelta(hours=6),
        examiner="Dr Ito",
        patient=patient,
        signs=["back_pain", "paraplegia"],
        findings=[
            *second_findings,
            *scratch({**normal, "neck": "exaggerated", "shoulder": "exaggerated"}, Side.LEFT),
            *scratch(normal, Side.RIGHT),
        ],
        status=ExamStatus.COMPLETE,
        exam_note="Carprofen given at 09:30; cage rest since admission.",
    )
    return [first, second]


def save(store: Store, exams: list[Exam]) -> None:
    for exam in exams:
        store.save_exam_with_findings(exam)


def case_exams(name: str, prefix: str = "") -> list[Exam]:
    """The exams of ``tests/data/cases/<name>.json`` as models (complete, as the suite), their
    ids and patient ids prefixed with ``prefix``."""
    case = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
    out = []
    for raw in case["exams"]:
        findings = []
        for test, key in ((TestId.CUTANEOUS_TRUNCI, "ctr"), (TestId.SCRATCH, "scratch")):
            for side, sites in (raw.get(key) or {}).items():
                for site, grade in sites.items():
                    findings.append(Finding(test=test, site=site, side=side, grade=grade))
        out.append(
            Exam(
                exam_id=prefix + raw["exam_id"],
                exam_date=raw.get("exam_date"),
                examiner=raw.get("examiner", "Dr Praxis"),
                patient=Patient(
                    patient_id=prefix + (raw.get("patient_id") or ""),
                    name=raw.get("patient_name", ""),
                    species=raw["species"],
                    breed=raw.get("breed") or "",
                    age_years=raw.get("age_years"),
                    sex=raw.get("sex") or "unknown",
                    weight_kg=raw.get("weight_kg"),
                ),
                signs=raw.get("signs", []),
                findings=findings,
                status=ExamStatus.COMPLETE,
            )
        )
    return out


def long_course(count: int, patient: Patient = DACHSHUND) -> list[Exam]:
    """``count`` exams of one patient, four hours apart, the cut-off wandering L3 … T12."""
    path = ["L3", "L2", "L1", "T13", "L1", "L2", "T13", "T12", "L1", "L2"]
    normal = {"ear": "present", "neck": "present", "shoulder": "present", "flank": "present"}
    out = []
    for i in range(count):
        out.append(
            Exam(
                exam_id=f"E-LONG-{i + 1:03d}",
                exam_date=FIRST + timedelta(hours=4 * i),
                examiner="Dr Ito" if i % 2 else "Dr Anna Vogel",
                patient=patient,
                signs=["back_pain", "paraparesis_non_ambulatory"],
                findings=[
                    *trunci(path[i % len(path)]),
                    *scratch(normal, Side.LEFT),
                    *scratch(normal, Side.RIGHT),
                ],
                status=ExamStatus.COMPLETE,
            )
        )
    return out
