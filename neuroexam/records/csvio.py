"""FORMAT.md findings CSV in and out. pandas is imported inside the functions that need it."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from neuroexam.core.models import Exam, ExamStatus, Finding, Mode, Patient
from neuroexam.core.protocol import Protocols, shipped
from neuroexam.records.formats import (
    EXAM_COLUMNS,
    FINDINGS_COLUMNS,
    REQUIRED_COLUMNS,
    format_number,
    neutralise,
    unneutralise,
)


class CsvInputError(Exception):
    """The whole file cannot be used (unreadable, not CSV, missing a required column)."""


@dataclass(frozen=True)
class RowError:
    exam_id: str
    row: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"exam_id": self.exam_id, "row": self.row, "message": self.message}


@dataclass
class ReadResult:
    exams: list[Exam] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _messages(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"] if not isinstance(p, int))
        message = problem["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows of a findings CSV as dicts of text, each with its file line number in ``_line``."""
    import pandas as pd

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # index_col=False: a trailing comma on every row must not shift the columns.
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig", index_col=False
            )
        if any("loss of data" in str(w.message) for w in caught):
            _check_extra_cells(path)
    except FileNotFoundError:
        raise CsvInputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise CsvInputError(f"{path}: is a folder, expected a CSV file") from None
    except UnicodeDecodeError:
        raise CsvInputError(f"{path}: not UTF-8 text") from None
    except pd.errors.EmptyDataError:
        raise CsvInputError(f"{path}: empty file, expected a header row") from None
    except (pd.errors.ParserError, ValueError) as exc:
        detail = " ".join(str(exc).split()).removeprefix("Error tokenizing data. C error: ")
        raise CsvInputError(f"{path}: not a readable CSV file ({detail})") from None
    except OSError as exc:
        raise CsvInputError(f"{path}: cannot read: {exc.strerror}") from None
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = columns
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            raise CsvInputError(f"{path}: missing required column '{column}'")
    records = frame.to_dict(orient="records")
    for line, record in enumerate(records, start=2):
        for key, value in record.items():
            record[key] = unneutralise(str(value).strip())
        record["_line"] = line  # type: ignore[assignment]
    return records  # type: ignore[return-value]


def _check_extra_cells(path: Path) -> None:
    """Cells beyond the header are allowed only when empty (a trailing comma)."""
    import csv

    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        width = len(next(reader, []))
        for row in reader:
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                raise CsvInputError(
                    f"{path}: line {reader.line_num} has {len(row)} cells but the header has "
                    f"{width}"
                )


def exams_from_rows(rows: Iterable[dict[str, Any]]) -> ReadResult:
    """Group rows by ``exam_id`` and validate them into exams; bad exams become errors."""
    groups: dict[str, list[dict[str, Any]]] = {}
    result = ReadResult()
    for row in rows:
        exam_id = row.get("exam_id", "")
        if not exam_id:
            result.errors.append(RowError("", row["_line"], "empty exam_id"))
            continue
        groups.setdefault(exam_id, []).append(row)
    for exam_id, exam_rows in groups.items():
        exam, errors = _exam_from_rows(exam_id, exam_rows)
        if errors:
            result.errors.extend(errors)
        elif exam is not None:
            result.exams.append(exam)
    return result


def _exam_from_rows(exam_id: str, rows: list[dict[str, Any]]) -> tuple[Exam | None, list[RowError]]:
    errors: list[RowError] = []
    first = rows[0]
    for row in rows[1:]:
        for column in EXAM_COLUMNS:
            if row.get(column, "") != first.get(column, ""):
                errors.append(
                    RowError(
                        exam_id,
                        row["_line"],
                        f"{column} is {row.get(column, '')!r} here but "
                        f"{first.get(column, '')!r} on line {first['_line']} of the same exam",
                    )
                )
                break
    findings: list[Finding] = []
    seen: dict[tuple, int] = {}
    for row in rows:
        try:
            finding = Finding(
                test=row["test"],
                site=row["site"],
                side=row["side"],
                grade=row["grade"],
                note=row.get("note", ""),
                recorded_at=row.get("recorded_at") or None,
            )
        except ValidationError as exc:
            errors.append(RowError(exam_id, row["_line"], _messages(exc)))
            continue
        if finding.key in seen:
            errors.append(
                RowError(
                    exam_id,
                    row["_line"],
                    f"second finding for {finding.test.value} {finding.site} "
                    f"{finding.side.value} (first on line {seen[finding.key]})",
                )
            )
            continue
        seen[finding.key] = row["_line"]
        findings.append(finding)
    if errors:
        return None, errors
    try:
        exam = Exam(
            exam_id=exam_id,
            exam_date=first.get("exam_date") or None,
            examiner=first.get("examiner", ""),
            mode=first.get("mode") or Mode.CLINICAL,
            patient=Patient(
                patient_id=first.get("patient_id", ""),
                name=first.get("patient_name", ""),
                species=first["species"],
                breed=first.get("breed", ""),
                age_years=first.get("age_years") or None,
                sex=first.get("sex") or "unknown",
                weight_kg=first.get("weight_kg") or None,
            ),
            signs=[s for s in first.get("signs", "").split(";") if s.strip()],
            findings=findings,
            status=first.get("exam_status") or ExamStatus.COMPLETE,
        )
    except ValidationError as exc:
        return None, [RowError(exam_id, first["_line"], _messages(exc))]
    return exam, []


def read_exams(path: Path) -> ReadResult:
    """Read a findings CSV (FORMAT.md §2). Raises :class:`CsvInputError` for file problems."""
    return exams_from_rows(read_table(Path(path)))


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat(timespec="seconds")


def finding_rows(exams: Iterable[Exam], protocols: Protocols | None = None) -> list[list[str]]:
    """FORMAT.md §2 rows (as text, formula cells neutralised) for ``exams``.

    The breed is written as its canonical name (FORMAT.md §1); an unknown breed as typed.
    """
    from neuroexam.core.rules import breed_index

    breeds = breed_index(protocols or shipped())
    rows = []
    for exam in exams:
        p = exam.patient
        breed = breeds.lookup(p.breed, p.species).name
        head = [
            neutralise(exam.exam_id),
            _iso(exam.exam_date),
            neutralise(exam.examiner),
            exam.mode.value,
            neutralise(p.patient_id),
            neutralise(p.name),
            p.species.value,
            neutralise(breed),
            format_number(p.age_years),
            p.sex.value,
            format_number(p.weight_kg),
            neutralise(";".join(exam.signs)),
        ]
        for f in exam.findings:
            rows.append(
                [
                    *head,
                    f.test.value,
                    f.site,
                    f.side.value,
                    f.grade.value,
                    neutralise(f.note),
                    _iso(f.recorded_at),
                    exam.status.value,
                ]
            )
    return rows


def write_findings(exams: Iterable[Exam], out: Any, protocols: Protocols | None = None) -> int:
    """Write the findings layout to a path or text stream; returns the number of rows."""
    import pandas as pd

    frame = pd.DataFrame(finding_rows(exams, protocols), columns=list(FINDINGS_COLUMNS), dtype=str)
    frame.to_csv(out, index=False, lineterminator="\r\n", encoding="utf-8")
    return len(frame)
