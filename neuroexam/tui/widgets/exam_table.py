"""Cells of the tables that list exams (history, a patient's exams, compare)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from neuroexam.core.models import Assessment, Exam
from neuroexam.core.report import flag_name, flag_summary

if TYPE_CHECKING:
    from neuroexam.records.backend import ExamListing


def when_text(exam: Exam | ExamListing) -> str:
    """``2024-05-01 14:30``, or ``no date``."""
    return exam.exam_date.strftime("%Y-%m-%d %H:%M") if exam.exam_date else "no date"


def cutoffs_cell(assessment: Assessment) -> str:
    """``L1/L1``; ``-`` for a side not tested, ``none`` for no response."""
    cut = assessment.ctr_cutoff
    return f"{cut.left or '-'}/{cut.right or '-'}"


#: The MFS column's header and the legend the lists print with it (the scale's direction).
MFS_HEADER = "MFS"
MFS_LEGEND = "MFS: Modified Frankel Score, 0 worst, 6 normal"


def mfs_cell(assessment: Assessment) -> str:
    """``3/6`` (0 worst, 6 normal), or ``-`` when the exam has no score."""
    severity = assessment.severity
    return "-" if severity is None else f"{severity.score}/{severity.best}"


def flags_cell(assessment: Assessment) -> str:
    """``!!! PMM risk, !!! IVDD`` (urgency mark and short title, most urgent first) or
    ``normal``; the detail line under the list gives the full titles."""
    if not assessment.flags:
        return "normal"
    return ", ".join(flag_name(f) for f in assessment.flags)


def flags_detail(assessment: Assessment) -> str:
    """Every flag in full: ``!!! EMERGENCY <title> (strength); …`` or ``no flags``."""
    return "; ".join(flag_summary(f) for f in assessment.flags) or "no flags"


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


#: From this many columns a list uses its wide column widths.
WIDE_AT = 110


def column_widths(screen_width: int, narrow: tuple[int, ...], wide: tuple[int, ...]) -> list[int]:
    """Widths of a table filling a screen ``screen_width`` wide (one column of padding on
    either side, a one-column scrollbar): ``narrow`` or, from :data:`WIDE_AT` on, ``wide``
    for every column but the last, which takes the rest."""
    fixed = list(wide if screen_width >= WIDE_AT else narrow)
    total = screen_width - 3
    return [*fixed, rest_width(total, fixed)]


def rest_width(total: int, fixed: list[int], minimum: int = 10) -> int:
    """The width left for the last column of a table ``total`` columns wide whose other
    columns are ``fixed`` wide (each cell has one column of padding on either side)."""
    return max(minimum, total - sum(fixed) - 2 * (len(fixed) + 1))


def assessed_row(exam: Exam, assessment: Assessment, *details: str) -> tuple[str, tuple[str, ...]]:
    """``(exam_id, (date, *details, cut-offs, MFS, flags))``: one row of an exam table."""
    return exam.exam_id, (
        when_text(exam),
        *details,
        cutoffs_cell(assessment),
        mfs_cell(assessment),
        flags_cell(assessment),
    )


def listed_row(
    listing: ExamListing, assessment: Assessment | None, *details: str
) -> tuple[str, tuple[str, ...]]:
    """:func:`assessed_row` of an exam known by its listing line (no model loaded); an exam
    without an assessment (voided) has empty cut-off, MFS and flags cells."""
    if assessment is None:
        return listing.exam_id, (when_text(listing), *details, "", "", "")
    return listing.exam_id, (
        when_text(listing),
        *details,
        cutoffs_cell(assessment),
        mfs_cell(assessment),
        flags_cell(assessment),
    )
