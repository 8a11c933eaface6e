"""FORMAT.md column lists and cell conventions shared by CSV readers and writers."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Exam-level columns, in FORMAT.md order, that follow ``exam_id`` in findings and summary files.
_EXAM_DETAIL_COLUMNS: tuple[str, ...] = (
    "exam_date",
    "examiner",
    "mode",
    "patient_id",
    "patient_name",
    "species",
    "breed",
    "age_years",
    "sex",
    "weight_kg",
    "signs",
)
FINDINGS_COLUMNS: tuple[str, ...] = (
    "exam_id",
    *_EXAM_DETAIL_COLUMNS,
    "test",
    "site",
    "side",
    "grade",
    "note",
    "recorded_at",
    "exam_status",
    # version 2: sign-off and the exam note, repeated on each row of the exam
    "signed_by",
    "signed_at",
    "exam_note",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("exam_id", "species", "test", "site", "side", "grade")
EXAM_COLUMNS: tuple[str, ...] = (
    *_EXAM_DETAIL_COLUMNS,
    "exam_status",
    "signed_by",
    "signed_at",
    "exam_note",
)
SUMMARY_COLUMNS: tuple[str, ...] = (
    "exam_id",
    *_EXAM_DETAIL_COLUMNS,
    "ctr_cutoff_left",
    "ctr_cutoff_right",
    "localization",
    "lesion_window",
    "flags",
    "urgency",
    "follow_up",
    # version 2
    "mfs",
    "exam_status",
    "signed_by",
    "signed_at",
)
#: Cells a spreadsheet would run as a formula start with one of these (FORMAT.md §2).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _quoted_formula(text: str) -> bool:
    """``'=…``, ``''+…``: quotes followed by a formula start."""
    stripped = text.lstrip("'")
    return stripped != text and stripped.startswith(FORMULA_STARTS)


def neutralise(text: str) -> str:
    """Prefix ``'`` to a text cell a spreadsheet would run as a formula.

    A cell that already looks neutralised (``'=x``) gets one more quote, so that reading it
    back with :func:`unneutralise` gives the original text exactly.
    """
    if text.startswith(FORMULA_STARTS) or _quoted_formula(text):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise` when reading a file this program wrote."""
    return text[1:] if _quoted_formula(text) else text


def format_number(value: float | None) -> str:
    return "" if value is None else f"{value:.10g}"


#: A cell the CSV writer quotes (QUOTE_MINIMAL with ``,``, ``"`` and a ``\r\n`` terminator).
NEEDS_QUOTES = re.compile(r'[,"\r\n]').search


def csv_cell(text: str) -> str:
    """One cell exactly as ``csv.writer`` (and so ``DataFrame.to_csv``) writes it here."""
    if NEEDS_QUOTES(text) is None:
        return text
    return '"' + text.replace('"', '""') + '"'


def csv_line(cells: Iterable[str]) -> str:
    """A whole row as :func:`csv_cell` encodes each cell, ended by CRLF."""
    return ",".join(map(csv_cell, cells)) + "\r\n"
