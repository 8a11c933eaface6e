"""How exams and findings sit in SQLite rows, both ways (no query here)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from neuroexam.core.vocab import ExamStatus, Grade, Mode, Sex, Side, Species, TestId

if TYPE_CHECKING:  # pydantic models load on first use, not at start-up
    from neuroexam.core.models import Exam, Finding

EXAM_COLUMNS = (
    "exam_id, exam_date, examiner, mode, patient_id, patient_name, species, breed, "
    "age_years, sex, weight_kg, signs, status, continued, signed_by, signed_at, exam_note, parts"
)
FINDING_COLUMNS = "exam_id, test, site, side, grade, note, recorded_at, seq"
#: The same columns of ``exams e`` (queries that join findings).
E_COLUMNS = ", ".join(f"e.{c.strip()}" for c in EXAM_COLUMNS.split(","))
EXAM_PLACEHOLDERS = ", ".join("?" * len(EXAM_COLUMNS.split(",")))


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def exam_row(exam: Exam, continued: str = "") -> tuple:
    """The exam as the store keeps it: the values of ``EXAM_COLUMNS`` in that order."""
    p = exam.patient
    return (
        exam.exam_id,
        iso(exam.exam_date),
        exam.examiner,
        exam.mode.value,
        p.patient_id,
        p.name,
        p.species.value,
        p.breed,
        p.age_years,
        p.sex.value,
        p.weight_kg,
        ";".join(exam.signs),
        exam.status.value,
        continued,
        exam.signed_by,
        iso(exam.signed_at),
        exam.exam_note,
        exam.parts,
    )


def finding_params(exam_id: str, finding: Finding, seq: int) -> tuple:
    """The values of ``FINDING_COLUMNS`` for one finding, in that order."""
    return (
        exam_id,
        finding.test.value,
        finding.site,
        finding.side.value,
        finding.grade.value,
        finding.note,
        iso(finding.recorded_at),
        seq,
    )


def finding_from_row(row: tuple) -> Finding:
    """A finding from ``(exam_id, test, site, side, grade, note, recorded_at)``."""
    from neuroexam.core.models import Finding

    _exam_id, test, site, side, grade, note, recorded_at = row
    return Finding.model_construct(
        test=TestId(test),
        site=site,
        side=Side(side),
        grade=Grade(grade),
        note=note,
        recorded_at=datetime.fromisoformat(recorded_at) if recorded_at else None,
    )


def exam_from_row(row: tuple, findings: list[Finding]) -> Exam:
    """An exam from the values of ``EXAM_COLUMNS`` and its findings (no validation: the
    store holds only what was validated on the way in)."""
    from neuroexam.core.models import Exam, Patient

    (
        exam_id,
        exam_date,
        examiner,
        mode,
        patient_id,
        patient_name,
        species,
        breed,
        age,
        sex,
        weight,
        signs,
        status,
        _continued,
        signed_by,
        signed_at,
        exam_note,
        parts,
    ) = row
    return Exam.model_construct(
        exam_id=exam_id,
        exam_date=datetime.fromisoformat(exam_date) if exam_date else None,
        examiner=examiner,
        mode=Mode(mode),
        patient=Patient.model_construct(
            patient_id=patient_id,
            name=patient_name,
            species=Species(species),
            breed=breed,
            age_years=age,
            sex=Sex(sex),
            weight_kg=weight,
        ),
        signs=[s for s in signs.split(";") if s],
        findings=findings,
        status=ExamStatus(status),
        signed_by=signed_by,
        signed_at=datetime.fromisoformat(signed_at) if signed_at else None,
        exam_note=exam_note,
        parts=parts,
    )


def intake_values(exam: Exam) -> dict[str, str]:
    """The intake fields as the trail writes them (FORMAT.md §5 ``field`` names)."""
    p = exam.patient
    return {
        "exam_date": iso(exam.exam_date) or "",
        "examiner": exam.examiner,
        "mode": exam.mode.value,
        "patient_id": p.patient_id,
        "patient_name": p.name,
        "species": p.species.value,
        "breed": p.breed,
        "age_years": "" if p.age_years is None else f"{p.age_years:g}",
        "sex": p.sex.value,
        "weight_kg": "" if p.weight_kg is None else f"{p.weight_kg:g}",
        "signs": ";".join(exam.signs),
        "exam_note": exam.exam_note,
        "parts": exam.parts,
    }
