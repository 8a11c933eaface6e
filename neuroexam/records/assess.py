"""``neuroexam assess``: read a findings CSV and evaluate every exam in it (FORMAT.md §4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuroexam.core.models import Assessment
from neuroexam.core.protocol import Protocols, shipped
from neuroexam.core.rules import evaluate_all, skipped
from neuroexam.records.csvio import RowError, read_exams


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


def assess_file(path: Path, protocols: Protocols | None = None) -> AssessReport:
    """Assess every exam in a findings CSV; raises ``CsvInputError`` for file problems."""
    result = read_exams(Path(path))
    protocols = protocols or shipped()
    return AssessReport(
        evaluate_all(result.exams, protocols), result.errors, skipped(result.exams)
    )
