"""Notes in ``assess``'s readable report (issue 15): the exam note and each finding's note end
the exam's lines; the JSON document is unchanged (notes stay in the findings CSV)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from neuroexam.core.protocol import shipped
from neuroexam.records.assess import write_assess
from neuroexam.records.formats import FINDINGS_COLUMNS

HEAD = ["E1", "2026-03-01T09:00:00+00:00", "A. Tech", "clinical", "P1", "Rex", "dog",
        "Beagle", "5", "M", "12", ""]  # fmt: skip


def findings_csv(path: Path, note: str, exam_note: str) -> Path:
    rows = []
    for side in ("left", "right"):
        finding_note = note if side == "left" else ""
        rows.append([*HEAD, "cutaneous_trunci", "L7", side, "present", finding_note, "",
                     "complete", "", "", exam_note])  # fmt: skip
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([list(FINDINGS_COLUMNS), *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return path


def run(path: Path, as_json: bool) -> str:
    out = io.StringIO()
    assert write_assess(path, out, as_json, shipped()) == 0
    return out.getvalue()


def test_readable_report_ends_each_exam_with_its_notes(tmp_path: Path) -> None:
    path = findings_csv(tmp_path / "f.csv", "skin wound over L7", "Owner: fell [b]twice[/b]")
    text = run(path, as_json=False)
    lines = text.splitlines()
    at = lines.index("  Notes:")
    assert lines[at + 1 : at + 3] == [
        "    Exam note: Owner: fell [b]twice[/b]",  # text as recorded
        "    Note, trunci L7 left: skin wound over L7",
    ]
    assert lines[at + 3] == ""  # the exam's block ends there


def test_json_is_the_same_with_or_without_notes(tmp_path: Path) -> None:
    with_notes = run(findings_csv(tmp_path / "a.csv", "tense", "owner's account"), True)
    without = run(findings_csv(tmp_path / "b.csv", "", ""), True)
    assert with_notes == without
    assert "note" not in json.loads(with_notes)["exams"][0]


def test_no_notes_no_notes_heading(tmp_path: Path) -> None:
    assert "Notes:" not in run(findings_csv(tmp_path / "c.csv", "", ""), as_json=False)
