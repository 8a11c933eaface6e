"""``neuroexam assess``: read a findings CSV and evaluate every exam in it (FORMAT.md §4).

The file is read exam by exam (:mod:`neuroexam.records.stream`): memory stays bounded by the
largest patient, and :func:`write_assess` writes the same bytes, in the same order, as the
whole document rendered at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic_core import PydanticSerializationError

from neuroexam.core.models import Assessment, Exam
from neuroexam.core.protocol import Protocols, shipped
from neuroexam.core.report import assessment_lines, note_lines
from neuroexam.core.rules import skipped as skipped_entries
from neuroexam.core.text import safe_json, safe_text
from neuroexam.records.csvio import RowError
from neuroexam.records.parallel import batch_gc
from neuroexam.records.stream import (
    Progress,
    assessments,
    index_file,
    rendered_exams,
    write_sorted,
)


@dataclass
class AssessReport:
    assessments: list[Assessment] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Exams not assessed on purpose (voided), FORMAT.md §4 ``skipped``.
    skipped: list[dict[str, str]] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """0 when every row was usable, 1 when some exam was reported as an error."""
        return 1 if self.errors else 0

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "exams": [a.model_dump(mode="json") for a in self.assessments],
            "errors": [e.as_dict() for e in self.errors],
            "skipped": list(self.skipped),
        }


def _skip(exam: Exam) -> dict[str, str]:
    return skipped_entries([exam])[0]


def assess_file(
    path: Path, protocols: Protocols | None = None, progress: Progress | None = None
) -> AssessReport:
    """Assess every exam in a findings CSV; raises ``CsvInputError`` for file problems.

    The whole report is returned in memory (a library call, tests); the command line writes it
    as it goes with :func:`write_assess`."""
    protocols = protocols or shipped()
    found: dict[int, Assessment] = {}
    bad: dict[int, list[RowError]] = {}
    skipped: dict[int, dict[str, str]] = {}
    with index_file(Path(path), progress) as index:
        errors = index.leading_errors
        for outcome in assessments(index, protocols, progress):
            if outcome.errors:
                bad[outcome.order] = outcome.errors
            elif outcome.assessment is not None:
                found[outcome.order] = outcome.assessment
            elif outcome.exam is not None and outcome.voided:
                skipped[outcome.order] = _skip(outcome.exam)
    return AssessReport(
        [found[k] for k in sorted(found)],
        errors + [e for k in sorted(bad) for e in bad[k]],
        [skipped[k] for k in sorted(skipped)],
    )


class JsonRenderer:
    """FORMAT.md §4's document as ``json.dumps(document, indent=2, ensure_ascii=False)``
    writes it (then :func:`safe_json`), one item at a time."""

    separator = ",\n"

    @staticmethod
    def _item(value: Any) -> str:
        text = json.dumps(value, indent=2, ensure_ascii=False)
        return safe_json("    " + text.replace("\n", "\n    "))  # two levels deep

    def exam(self, assessment: Assessment, exam: Exam | None = None) -> str:
        # Pydantic's own JSON with indent 2 is what json.dumps writes of model_dump (same key
        # order, escapes, float spelling; tests/unit/test_assess_json.py) at a fifth of the
        # cost; a text it cannot encode (a lone surrogate) takes the json.dumps path.
        try:
            text = assessment.model_dump_json(indent=2)
        except PydanticSerializationError:
            return self._item(assessment.model_dump(mode="json"))  # notes stay in the CSV
        return safe_json("    " + text.replace("\n", "\n    "))

    def error(self, error: RowError) -> str:
        return self._item(error.as_dict())

    def skipped(self, entry: dict[str, str]) -> str:
        return self._item(entry)

    def write(
        self, out: IO[str], exams: Iterator[str], errors: Iterator[str], skipped: Iterator[str]
    ) -> None:
        out.write("{\n")
        sections = (("exams", exams), ("errors", errors), ("skipped", skipped))
        for n, (name, items) in enumerate(sections):
            out.write(f'  "{name}": [')
            first = True
            for item in items:
                out.write("\n" if first else ",\n")
                out.write(item)
                first = False
            out.write("]" if first else "\n  ]")
            out.write(",\n" if n < len(sections) - 1 else "\n")
        out.write("}\n")


class TextRenderer:
    """The readable report (:func:`neuroexam.core.report.render_report`, then
    :func:`safe_text`), one item at a time."""

    separator = ""

    def __init__(self, disclaimer: str) -> None:
        self.disclaimer = disclaimer

    @staticmethod
    def _lines(lines: list[str]) -> str:
        return safe_text("".join(f"{line}\n" for line in lines), multiline=True)

    def exam(self, assessment: Assessment, exam: Exam | None = None) -> str:
        notes = note_lines(exam) if exam is not None else []
        return self._lines([*assessment_lines(assessment, notes), ""])

    def error(self, error: RowError) -> str:
        e = error.as_dict()
        return self._lines([f"  line {e['row']}: exam {e['exam_id'] or '?'}: {e['message']}"])

    def skipped(self, entry: dict[str, str]) -> str:
        return self._lines([f"  exam {entry['exam_id']}: {entry['reason']}"])

    def write(
        self, out: IO[str], exams: Iterator[str], errors: Iterator[str], skipped: Iterator[str]
    ) -> None:
        for item in exams:
            out.write(item)
        for title, items in (
            ("Not assessed on purpose:", skipped),
            ("Errors (these exams were not assessed):", errors),
        ):
            first = True
            for item in items:
                if first:
                    out.write(f"{title}\n")
                    first = False
                out.write(item)
            if not first:
                out.write("\n")
        out.write(safe_text(self.disclaimer, multiline=True) + "\n")


def write_assess(
    path: Path,
    out: IO[str],
    as_json: bool,
    protocols: Protocols | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> int:
    """Assess ``path`` and write the JSON document or the readable report to ``out``, exam by
    exam; returns the exit status (1 when some exam was an error). Raises ``CsvInputError``
    (before anything is written) when the file cannot be used. ``workers``: processes that
    assess (default: one per CPU for a large file; see
    :func:`~neuroexam.records.stream.rendered_exams`)."""
    protocols = protocols or shipped()
    renderer: JsonRenderer | TextRenderer = (
        JsonRenderer() if as_json else TextRenderer(protocols.rules.disclaimer)
    )
    with batch_gc(), index_file(Path(path), progress) as index:
        rendered = rendered_exams(index, protocols, renderer, _skip, progress, workers)
        failed = write_sorted(index, rendered, renderer, out)
    return 1 if failed else 0
