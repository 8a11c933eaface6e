"""``assess --json`` writes each assessment with pydantic's JSON encoder: the same bytes as
``json.dumps(model_dump(mode="json"), indent=2, ensure_ascii=False)`` (FORMAT.md §4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neuroexam.core.models import Assessment, SerialChange
from neuroexam.records.assess import JsonRenderer, assess_file
from tests.unit.test_cases import CASE_FILES, case_to_csv, load_case


def _reference(assessment: Assessment) -> str:
    return JsonRenderer._item(assessment.model_dump(mode="json"))


def _case_assessments(tmp_path: Path) -> list[Assessment]:
    found: list[Assessment] = []
    for n, path in enumerate(CASE_FILES):
        case = load_case(path)
        if case.get("csv") is not None or case.get("exit_status") == 2:
            continue
        csv_path = tmp_path / f"case{n}.csv"
        csv_path.write_text(case_to_csv(case), encoding="utf-8")
        found += assess_file(csv_path).assessments
    return found


def test_every_case_is_written_as_json_dumps_writes_it(tmp_path: Path) -> None:
    assessments = _case_assessments(tmp_path)
    assert len(assessments) > 100
    renderer = JsonRenderer()
    for assessment in assessments:
        assert renderer.exam(assessment) == _reference(assessment)


TEXTS = [
    "".join(chr(i) for i in range(0x3000)),  # every control, Latin-1, C1, CJK punctuation
    'quote " backslash \\ slash / é \u00a0 \u2028 \u2029 \ufeff \U0001f600',
    "\x1b[31mred\x1b[0m \x07 \x9b",
]


@pytest.mark.parametrize("text", TEXTS)
def test_any_text_is_escaped_as_json_dumps_escapes_it(tmp_path: Path, text: str) -> None:
    base = Assessment(exam_id="E1", patient_id="P1", breed="Beagle", summary="s")
    for field in ("summary", "breed", "exam_id", "patient_id"):
        changed = base.model_copy(update={field: text, "warnings": [text, text[::-1]]})
        assert JsonRenderer().exam(changed) == _reference(changed)


@pytest.mark.parametrize("hours", [0.0, 0.1, 3.0, 72.5, 1234567.8, 8.7e7, 1e15 + 0.5, 1e16])
def test_hours_are_spelled_as_json_dumps_spells_them(hours: float) -> None:
    serial = SerialChange(previous_exam_id="E0", hours=hours, movement={"left": 1, "right": None})
    assessment = Assessment(exam_id="E1", patient_id="P1", breed="", summary="", serial=serial)
    assert JsonRenderer().exam(assessment) == _reference(assessment)


def test_a_text_pydantic_cannot_encode_takes_the_json_dumps_path() -> None:
    assessment = Assessment(exam_id="E1", patient_id="P1", breed="", summary="lone \udc80")
    assert JsonRenderer().exam(assessment) == _reference(assessment)
    json.loads(JsonRenderer().exam(assessment))  # still a JSON value
