"""Streaming ``assess`` and ``import`` (records/stream.py): same bytes and order as the
whole-file reading, any row order, rows not kept in memory, progress only on a terminal."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest

from neuroexam import cli
from neuroexam.core.protocol import shipped
from neuroexam.core.report import render_report
from neuroexam.core.rules import evaluate_all, skipped
from neuroexam.core.text import safe_json, safe_text
from neuroexam.records.assess import assess_file, write_assess
from neuroexam.records.csvio import ExamBuilder, read_exams, read_table
from neuroexam.records.formats import FINDINGS_COLUMNS
from neuroexam.records.progress import terminal_progress
from neuroexam.records.store import Store
from neuroexam.records.stream import exams, index_file

PROTOCOLS = shipped()
CTR = [f"L{n}" for n in range(7, 0, -1)] + [f"T{n}" for n in range(13, 8, -1)]


def exam_rows(
    exam_id: str,
    patient: str,
    date: str,
    cut: str | None,
    *,
    status: str = "complete",
    species: str = "dog",
    signs: str = "",
) -> list[list[str]]:
    """One exam: the trunci series L7 to T9 both sides (silent cranial... caudal to ``cut``)
    and the scratch reflex at the ear, as FORMAT.md rows."""
    rows = []
    head = [exam_id, date, "A. Tech", "clinical", patient, f"Dog {patient}", species,
            "Dachshund", "6", "MN", "8.5", signs]  # fmt: skip
    for side in ("left", "right"):
        for level in CTR:
            present = cut is None or CTR.index(level) >= CTR.index(cut)
            grade = "present" if present else "absent"
            rows.append([*head, "cutaneous_trunci", level, side, grade, "", "", status, "", "", ""])
        rows.append([*head, "scratch", "ear", side, "present", "", "", status, "", "", ""])
    return rows


def clinic_rows() -> list[list[str]]:
    """Patients followed over time (a PMM-like episode, a gap, improvement), exams without a
    patient id or a date, a voided exam, and bad rows (each kind the whole-file reader
    reports)."""
    rows: list[list[str]] = []
    episode = [("2024-03-01T08:00:00+01:00", "L1"), ("2024-03-01T12:00:00+01:00", "T13"),
               ("2024-03-02T08:00:00+01:00", "T11"), ("2024-05-01T08:00:00+02:00", "L2"),
               ("2024-05-03T08:00:00+02:00", None)]  # fmt: skip
    for n, (date, cut) in enumerate(episode):
        rows += exam_rows(f"P1-{n}", "P1", date, cut, signs="back_pain;paraplegia")
    for n in range(6):
        rows += exam_rows(f"P2-{n}", "P2", f"2024-0{n + 1}-10T09:00:00+02:00", "L6")
    rows += exam_rows("P2-same-instant", "P2", "2024-03-10T09:00:00+02:00", "L3")
    rows += exam_rows("P2-void", "P2", "2024-04-01T09:00:00+02:00", "T10", status="voided")
    rows += exam_rows("P2-undated", "P2", "", "L6")
    rows += exam_rows("P3-cat", "P3", "2024-01-01T09:00:00+01:00", "L6")
    rows += exam_rows("P3-dog", "P3", "2024-02-01T09:00:00+01:00", "L6", species="cat")
    rows += exam_rows("anon-1", "", "2024-01-01T09:00:00+01:00", "L2")
    rows += exam_rows("anon-2", "", "2024-01-02T09:00:00+01:00", "L2")
    bad = exam_rows("bad-grade", "P4", "2024-01-01T09:00:00+01:00", "L6")
    bad[3][15] = "wobbly"
    bad[5][17] = "not a time"
    rows += bad
    clash = exam_rows("bad-clash", "P4", "2024-01-02T09:00:00+01:00", "L6")
    clash[4][5] = "Other name"
    rows += clash
    empty = exam_rows("", "P4", "2024-01-03T09:00:00+01:00", "L6")[:2]
    rows += empty
    rows += exam_rows("bad-date", "P4", "yesterday", "L6")
    # The same patient id with spaces around it: the same patient once validated.
    rows += exam_rows("P1-spaced", " P1 ", "2024-05-04T08:00:00+02:00", "L1")
    return rows


def write(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([list(FINDINGS_COLUMNS), *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return path


def whole_file(path: Path, as_json: bool) -> str:
    """What ``assess`` printed when it read the whole file first (the reference)."""
    result = read_exams(path)
    found = evaluate_all(result.exams, PROTOCOLS)
    errors = [e.as_dict() for e in result.errors]
    left_out = skipped(result.exams)
    if as_json:
        document = {"exams": [a.model_dump(mode="json") for a in found], "errors": errors,
                    "skipped": left_out}  # fmt: skip
        return safe_json(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
    text = render_report(found, errors, PROTOCOLS.rules.disclaimer, left_out, result.exams)
    return safe_text(text, multiline=True) + "\n"


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
@pytest.mark.parametrize("as_json", [True, False])
def test_streamed_output_is_the_whole_file_output_in_any_row_order(
    tmp_path: Path, seed: int | None, as_json: bool
) -> None:
    rows = clinic_rows()
    if seed is not None:
        random.Random(seed).shuffle(rows)
    path = write(tmp_path / "clinic.csv", rows)
    out = io.StringIO()
    status = write_assess(path, out, as_json, PROTOCOLS)
    assert out.getvalue() == whole_file(path, as_json)
    assert status == 1  # the bad exams
    document = whole_file(path, True)
    assert '"previous_exam_id": "P1-1"' in document  # serial comparison did happen
    assert '"exam_id": "bad-grade"' in document and '"exam_id": "bad-clash"' in document


def test_empty_sections_and_a_clean_file(tmp_path: Path) -> None:
    path = write(tmp_path / "one.csv", exam_rows("E1", "P1", "2024-01-01T09:00:00+01:00", None))
    for as_json in (True, False):
        out = io.StringIO()
        assert write_assess(path, out, as_json, PROTOCOLS) == 0
        assert out.getvalue() == whole_file(path, as_json)
    header_only = write(tmp_path / "none.csv", [])
    out = io.StringIO()
    assert write_assess(header_only, out, True, PROTOCOLS) == 0
    assert json.loads(out.getvalue()) == {"exams": [], "errors": [], "skipped": []}


def test_assess_file_returns_the_whole_file_report(tmp_path: Path) -> None:
    rows = clinic_rows()
    random.Random(7).shuffle(rows)
    path = write(tmp_path / "clinic.csv", rows)
    report = assess_file(path, PROTOCOLS)
    assert safe_json(json.dumps(report.to_json_dict(), indent=2, ensure_ascii=False)) + "\n" == (
        whole_file(path, True)
    )


def test_the_index_keeps_byte_runs_not_rows(tmp_path: Path) -> None:
    rows = clinic_rows()
    sorted_path = write(tmp_path / "sorted.csv", rows)
    with index_file(sorted_path) as index:
        assert index.rows == len(rows)
        # Rows of an exam listed together: one run (start, end) per exam.
        assert all(len(entry.runs) == 2 for entry in index.exams)
        assert [line for line in index.empty_id_lines] == [
            n + 2 for n, row in enumerate(rows) if not row[0]
        ]
        first = index.exams[0]
        assert [r["_line"] for r in index.rows_of(first)] == list(range(2, 2 + 26))
        groups = [[e.exam_id for e in group] for group in index.patients()]
    assert ["P1-0", "P1-1", "P1-2", "P1-3", "P1-4", "P1-spaced"] in groups
    assert ["anon-1"] in groups and ["anon-2"] in groups  # no patient id: never grouped
    random.Random(3).shuffle(rows)
    with index_file(write(tmp_path / "shuffled.csv", rows)) as index:
        read_back = {e.exam_id: index.rows_of(e) for e in index.exams}
    whole = {}
    for row in read_table(tmp_path / "shuffled.csv"):
        whole.setdefault(row["exam_id"], []).append(row)
    whole.pop("")
    assert read_back == whole  # the very dicts iter_rows gave, in file order


def test_exam_builder_matches_full_validation_and_its_messages(tmp_path: Path) -> None:
    rows = clinic_rows()
    path = write(tmp_path / "clinic.csv", rows)
    result = read_exams(path)
    builder = ExamBuilder()
    with index_file(path) as index:
        again = [builder.build(e.exam_id, index.rows_of(e)) for e in index.exams]
    assert [exam for exam, _ in again if exam is not None] == result.exams
    messages = [err.message for _, errs in again for err in errs]
    assert any("grade" in m for m in messages)  # Finding's own message for the bad grade
    assert any(m.startswith("recorded_at: ") for m in messages)
    # A cached combination still checks what is not cached (recorded_at).
    assert (
        builder.finding(
            {
                "test": "scratch",
                "site": "ear",
                "side": "left",
                "grade": "present",
                "note": "",
                "recorded_at": "2024-01-01T09:00:00+01:00",
            }
        ).recorded_at
        is not None
    )


def test_import_streams_each_exam_in_file_order_with_progress(
    _isolated_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = clinic_rows()
    random.Random(5).shuffle(rows)
    path = write(tmp_path / "clinic.csv", rows)
    seen: list[tuple[str, int | None]] = []
    updates: list[int] = []

    class Recorder:
        def phase(self, description: str, total: int | None) -> None:
            seen.append((description, total))

        def update(self, completed: int) -> None:
            updates.append(completed)

    from neuroexam.records.importer import import_file

    store = Store()
    try:
        report = import_file(store, path, by="tester", progress=Recorder())
        stored = {e.exam_id for e in store.load_exams()}
    finally:
        store.close()
    result = read_exams(path)
    assert [exam_id for exam_id, _ in report.imported] == [e.exam_id for e in result.exams]
    assert report.errors == result.errors
    assert stored == {e.exam_id for e in result.exams}
    assert [d for d, _ in seen] == ["reading", "importing"]
    with index_file(path) as index:
        assert updates[-1] == len(index.exams)
        assert [o.order for o in exams(index)] == list(range(len(index.exams)))


def test_progress_only_on_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with terminal_progress(io.StringIO()) as progress:
        assert progress is None

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with terminal_progress(screen) as progress:
        assert progress is not None
        progress.phase("reading", 10)
        progress.update(5)
        print("the command's output")  # stdout is never drawn into the bar's console
    assert capsys.readouterr().out == "the command's output\n"
    assert "the command's output" not in screen.getvalue()
    path = write(tmp_path / "one.csv", exam_rows("E1", "P1", "2024-01-01T09:00:00+01:00", None))
    assert cli.main(["assess", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # stderr is not a terminal here: not a byte of progress
    assert json.loads(out)["exams"][0]["exam_id"] == "E1"
