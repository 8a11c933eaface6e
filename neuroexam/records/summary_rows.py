"""FORMAT.md rows built from exams and assessments: pure (no pandas), shared by the CSV export,
the TUI and the tests.

- :func:`exam_cells`: the exam-level cells that start every findings row and every summary row.
- :func:`assessment_cells`: the FORMAT.md §3 cells of an :func:`~neuroexam.core.rules.evaluate`
  result (what :mod:`neuroexam.records.assessments` stores).
- :func:`previous_exam_ids`: which exam each exam is compared with (serial comparison), found
  from exam heads by :mod:`neuroexam.core.serial` exactly as :func:`neuroexam.core.rules.
  previous_exam` finds it (without building the exams).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from neuroexam.core.models import Assessment, Exam
from neuroexam.records.formats import format_number, neutralise
from neuroexam.records.sqlite.rows import exam_row


def stored_iso_seconds(text: str | None) -> str:
    """ISO 8601 to the second, with the offset as recorded, of a time as the store keeps it
    (``datetime.isoformat()`` text), without parsing it; empty when unknown."""
    if not text:
        return ""
    if len(text) > 19 and text[19] == ".":
        return text[:19] + text[26:]
    return text


def exam_cells(exam: Exam, breed: str) -> list[str]:
    """``exam_id`` … ``signs`` (FORMAT.md §2/§3), formula-like text neutralised.

    ``breed`` is the canonical name (or the breed as typed when it is not known).
    """
    return stored_exam_cells(exam_row(exam), breed)


def stored_exam_cells(row: tuple, breed: str) -> list[str]:
    """:func:`exam_cells` of an exam as :meth:`Store.exam_rows` gives it (no model built)."""
    exam_id, when, examiner, mode, patient_id, name, species, _, age, sex, weight, signs = row[:12]
    return [
        neutralise(exam_id),
        stored_iso_seconds(when),
        neutralise(examiner),
        mode,
        neutralise(patient_id),
        neutralise(name),
        species,
        neutralise(breed),
        format_number(age),
        sex,
        format_number(weight),
        neutralise(signs),
    ]


def assessment_cells(assessment: Assessment) -> list[str]:
    """The summary layout's assessment cells (FORMAT.md §3), ``ctr_cutoff_left`` … ``mfs``.

    ``ctr_cutoff_*``: a level, ``none`` (no tested level responds) or empty (not tested);
    ``flags``: ids most urgent first; ``follow_up``: the follow-up test ids in flag order, each
    once; ``urgency``: the highest, empty when no flag.
    """
    a = assessment
    window = a.lesion_window
    follow_up = dict.fromkeys(u.test.value for f in a.flags for u in f.follow_up)
    return [
        a.ctr_cutoff.left or "",
        a.ctr_cutoff.right or "",
        a.localization or "",
        f"{window.cranial}-{window.caudal}" if window else "",
        ";".join(f.id.value for f in a.flags),
        a.urgency.value if a.urgency else "",
        ";".join(follow_up),
        str(a.severity.score) if a.severity is not None else "",
    ]


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def previous_exam_ids(heads: Iterable[tuple]) -> dict[str, str]:
    """``{exam_id: previous exam_id}`` for exams that have a previous exam.

    ``heads`` are :meth:`Store.serial_heads` rows ``(exam_id, patient_id, exam_date text, has a
    trunci cut-off, species, status, patient_name)`` of every exam of the patients concerned;
    the rule is :func:`neuroexam.core.serial.links` (the one :func:`~neuroexam.core.rules.
    previous_exam` uses): same patient and species, never a voided exam, the latest earlier
    exam with a tested trunci reflex.
    """
    from neuroexam.core.serial import SerialHead, links

    found = links(
        SerialHead(
            exam_id=row[0],
            patient_id=row[1],
            species=row[4] if len(row) > 4 else "",
            date=_moment(row[2]) if row[2] else None,
            status=row[5] if len(row) > 5 else "complete",
            has_trunci=bool(row[3]),
            name=row[6] if len(row) > 6 else "",
        )
        for row in heads
    )
    return {exam_id: link.previous for exam_id, link in found.items() if link.previous}
