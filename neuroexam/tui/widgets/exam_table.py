"""Cells of the tables that list exams (history, a patient's exams, compare)."""

from __future__ import annotations

from neuroexam.core.models import Assessment, Exam


def when_text(exam: Exam) -> str:
    """``2024-05-01 14:30``, or ``no date``."""
    return exam.exam_date.strftime("%Y-%m-%d %H:%M") if exam.exam_date else "no date"


def cutoffs_cell(assessment: Assessment) -> str:
    """``L1/L1``; ``-`` for a side not tested, ``none`` for no response."""
    cut = assessment.ctr_cutoff
    return f"{cut.left or '-'}/{cut.right or '-'}"


def flags_cell(assessment: Assessment) -> str:
    """``ivdd(strong), syringomyelia(moderate)`` or ``normal``."""
    if not assessment.flags:
        return "normal"
    return ", ".join(f"{f.id.value}({f.strength.value})" for f in assessment.flags)


def assessed_row(exam: Exam, assessment: Assessment, *details: str) -> tuple[str, tuple[str, ...]]:
    """``(exam_id, (date, *details, cut-offs, flags))``: one row of an exam table."""
    return exam.exam_id, (
        when_text(exam),
        *details,
        cutoffs_cell(assessment),
        flags_cell(assessment),
    )
