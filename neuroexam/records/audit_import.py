"""``neuroexam import`` of an audit-trail CSV (FORMAT.md §5): each exam rebuilt from its trail.

The trail holds everything an exam is: the intake values (``created`` and ``intake_changed``
rows), every finding and note (the last value of each field wins, FORMAT.md §5), the status
(``completed`` / ``reopened`` / ``voided``) and the sign-off. An exam is rebuilt from its rows,
validated like any other, and written with its rows as they were (each with the workstation the
file names, ``host``; none when the file has no such column) plus one ``imported`` row; an exam
already in the records is skipped, never merged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from neuroexam.core.text import first_control
from neuroexam.core.vocab import AuditEvent, ExamStatus
from neuroexam.records.audit import (
    AUDIT_COLUMNS,
    AUDIT_REQUIRED,
    INTAKE_FIELDS,
    AuditRow,
    parse_at,
    replay_findings,
)
from neuroexam.records.csvio import MAX_CELL_CHARS, CsvInputError, RowError
from neuroexam.records.csvio import _Lines as LimitedLines
from neuroexam.records.formats import unneutralise

if TYPE_CHECKING:
    from neuroexam.core.models import Exam


def is_audit_header(line: str) -> bool:
    """Whether a CSV header line is the audit layout's."""
    names = {c.strip() for c in next(csv.reader([line]), [])}
    return {"event", "old_value", "new_value", "at"} <= names


def read_trails(
    path: Path,
) -> tuple[dict[str, list[AuditRow]], dict[str, int], list[RowError]]:
    """Trail rows by exam id in file order, each exam's first line, and the rows that could
    not be read (their exam is an error). Raises :class:`CsvInputError` when the file cannot
    be used."""
    trails: dict[str, list[AuditRow]] = {}
    first_line: dict[str, int] = {}
    errors: list[RowError] = []
    for line, cells in _records(path):
        exam_id = cells["exam_id"]
        first_line.setdefault(exam_id, line)
        try:
            if first_control("".join(cells.values())) is not None:
                raise ValueError("a cell holds a control character")
            row = AuditRow(
                exam_id=exam_id,
                patient_id=cells["patient_id"],
                at=parse_at(cells["at"].strip()),
                by=cells["by"],
                event=AuditEvent(cells["event"].strip()),
                field=cells["field"].strip(),
                old_value=cells["old_value"],
                new_value=cells["new_value"],
                reason=cells["reason"],
                host=cells.get("host", ""),
            )
        except ValueError as exc:
            errors.append(RowError(exam_id, line, f"bad trail row: {exc}"))
            continue
        trails.setdefault(exam_id, []).append(row)
    bad = {e.exam_id for e in errors}
    return {k: v for k, v in trails.items() if k not in bad}, first_line, errors


def _records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    if csv.field_size_limit() <= MAX_CELL_CHARS:
        csv.field_size_limit(MAX_CELL_CHARS + 1)
    try:
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            lines = LimitedLines(handle, path)
            reader = csv.reader(lines, strict=True)
            header = [c.strip() for c in next(reader, [])]
            missing = [c for c in AUDIT_REQUIRED if c not in header]
            if missing:
                raise CsvInputError(f"{path}: missing required column '{missing[0]}'")
            # host is optional (a later column: older files lack it)
            at = {name: header.index(name) for name in AUDIT_COLUMNS if name in header}
            lines.next_row()
            for cells in reader:
                start = lines.row_start
                lines.next_row()
                if not "".join(cells).strip():
                    continue
                if len(cells) != len(header):
                    raise CsvInputError(
                        f"{path}: line {start} has {len(cells)} cells but the header has "
                        f"{len(header)}"
                    )
                yield start, {n: unneutralise(cells[i]) for n, i in at.items()}
    except FileNotFoundError:
        raise CsvInputError(f"{path}: file not found") from None
    except csv.Error as exc:
        raise CsvInputError(f"{path}: not a readable CSV file: {exc}") from None
    except OSError as exc:
        raise CsvInputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def exam_from_trail(exam_id: str, rows: list[AuditRow]) -> Exam:
    """The exam its trail leaves (raises ``ValueError`` saying what is missing or wrong)."""
    from neuroexam.core.models import Exam, Finding, Patient

    intake: dict[str, str] = {}
    status, signed_by, signed_at = ExamStatus.IN_PROGRESS, "", None
    for row in rows:
        if row.field in INTAKE_FIELDS and row.event in (
            AuditEvent.CREATED,
            AuditEvent.INTAKE_CHANGED,
        ):
            intake[row.field] = row.new_value
        elif row.event is AuditEvent.COMPLETED:
            status = ExamStatus.COMPLETE
        elif row.event is AuditEvent.REOPENED:
            status, signed_by, signed_at = ExamStatus.IN_PROGRESS, "", None
        elif row.event is AuditEvent.VOIDED:
            status = ExamStatus.VOIDED
        elif row.event is AuditEvent.SIGNED:
            signed_by, signed_at = row.new_value, row.at
        elif row.event is AuditEvent.IMPORTED and not row.field and row.new_value:
            status = ExamStatus(row.new_value)
    if "species" not in intake:
        raise ValueError(
            "its trail does not carry the intake (no species row); import its findings CSV"
        )
    findings = []
    for field, (grade, note) in replay_findings(rows).items():
        test, site, side = field.split("/")
        findings.append(Finding(test=test, site=site, side=side, grade=grade, note=note))
    when = intake.get("exam_date")
    return Exam(
        exam_id=exam_id,
        exam_date=datetime.fromisoformat(when) if when else None,
        examiner=intake.get("examiner", ""),
        mode=intake.get("mode") or "clinical",
        patient=Patient(
            patient_id=intake.get("patient_id", ""),
            name=intake.get("patient_name", ""),
            species=intake["species"],
            breed=intake.get("breed", ""),
            age_years=intake.get("age_years") or None,
            sex=intake.get("sex") or "unknown",
            weight_kg=intake.get("weight_kg") or None,
        ),
        signs=[s for s in intake.get("signs", "").split(";") if s],
        findings=findings,
        status=status,
        signed_by=signed_by,
        signed_at=signed_at,
        exam_note=intake.get("exam_note", ""),
        parts=intake.get("parts") or "quick",
    )


def rebuild(
    trails: dict[str, list[AuditRow]],
) -> Iterator[tuple[str, Exam | None, list[AuditRow], str]]:
    """``(exam_id, exam or None, its rows, why it could not be rebuilt)`` per exam."""
    for exam_id, rows in trails.items():
        try:
            yield exam_id, exam_from_trail(exam_id, rows), rows, ""
        except ValidationError as exc:
            why = "; ".join(e["msg"] for e in exc.errors())
            yield exam_id, None, rows, why
        except ValueError as exc:
            yield exam_id, None, rows, str(exc)
