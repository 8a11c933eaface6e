"""Hostile and careless CSV files for ``assess`` and ``import`` (issue 9, items 1, 7, 9, 10).

Each file is refused with one line naming the file, the line and the limit (exit 2), or read
exactly as written; never a traceback, never work out of proportion to the file's size.
"""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from pathlib import Path

import pytest

from neuroexam.cli import main
from neuroexam.records.csvio import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_LINE_CHARS,
    CsvInputError,
    iter_rows,
    read_exams,
)
from neuroexam.records.formats import FINDINGS_COLUMNS
from neuroexam.records.store import Store
from tests.conftest import REPO

GOLDEN = REPO / "tests" / "data" / "golden" / "findings.csv"
HEADER = ",".join(FINDINGS_COLUMNS)
COMMANDS = ("assess", "import")


def golden_rows() -> list[list[str]]:
    with GOLDEN.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.rstrip("\n").split("\n")
    assert len(lines) == 1, err
    return lines[0]


def normal_row(exam_id: str = "E1", **cells: str) -> list[str]:
    base = dict.fromkeys(FINDINGS_COLUMNS, "")
    base.update(exam_id=exam_id, species="dog", test="scratch", site="ear", side="left")
    base.update(grade="present", exam_status="complete")
    base.update(cells)
    return [base[c] for c in FINDINGS_COLUMNS]


# ------------------------------------------------------------------ item 1: limits


@pytest.mark.parametrize("command", COMMANDS)
def test_a_row_of_a_million_cells_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """The issue's file: 2 MB, one row of about 1,000,000 ``x,`` cells (it hung for > 60 s)."""
    path = tmp_path / "wide.csv"
    path.write_text(HEADER + "\n" + "x," * 1_000_000 + "\n", encoding="utf-8")
    code, out, err = run(capsys, command, str(path))
    assert (code, out) == (2, "")
    line = one_line(err)
    assert str(path) in line and "line 2" in line and str(MAX_LINE_CHARS) in line


@pytest.mark.parametrize("command", COMMANDS)
def test_more_cells_than_the_limit_name_the_line_and_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    path = tmp_path / "cells.csv"
    path.write_text(HEADER + "\n" + "E1,dog" + ",x" * 298 + "\n", encoding="utf-8")
    code, _, err = run(capsys, command, str(path))
    assert code == 2
    assert one_line(err) == (
        f"neuroexam {command}: {path}: line 2 has 300 cells, more than the limit of "
        f"{MAX_COLUMNS} cells per row"
    )


def test_a_header_of_too_many_columns_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "header.csv"
    extra = ",".join(f"c{i}" for i in range(MAX_COLUMNS))
    path.write_text(f"{HEADER},{extra}\n" + ",".join(normal_row()) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "assess", str(path))
    assert code == 2
    line = one_line(err)
    assert f"{path}: line 1 (the header) has {MAX_COLUMNS + len(FINDINGS_COLUMNS)}" in line
    assert f"limit of {MAX_COLUMNS}" in line


@pytest.mark.parametrize("command", COMMANDS)
def test_a_cell_longer_than_the_limit_names_its_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    path = write_rows(
        tmp_path / "cell.csv",
        [list(FINDINGS_COLUMNS), normal_row(), normal_row(note="n" * (MAX_CELL_CHARS + 1))],
    )
    code, _, err = run(capsys, command, str(path))
    assert code == 2
    assert one_line(err) == (
        f"neuroexam {command}: {path}: line 3: a cell (note) is longer than the limit of "
        f"{MAX_CELL_CHARS} characters per cell"
    )


def test_a_cell_at_the_limit_is_read(tmp_path: Path) -> None:
    note = "n" * MAX_CELL_CHARS
    path = write_rows(tmp_path / "ok.csv", [list(FINDINGS_COLUMNS), normal_row(note=note)])
    result = read_exams(path)
    assert result.errors == []
    assert result.exams[0].findings[0].note == note


def test_a_quote_left_open_names_the_row_it_opens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "open.csv"
    rows = [",".join(normal_row()), ",".join(normal_row(note='"never closed'))]
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n" + "more\n" * 10, encoding="utf-8")
    code, _, err = run(capsys, "assess", str(path))
    assert code == 2
    assert one_line(err).endswith(
        f"{path}: the row starting on line 3 opens a quote that is never closed"
    )


@pytest.mark.parametrize(
    ("filler", "expected"),
    [
        ("x" * 60 + "\n", r"line 2: a cell is longer than the limit of .* \(a quote left open\?\)"),
        ('",x,"\n' * 8, r"the row starting on line 2 is longer than the limit of"),
    ],
    ids=["one-cell", "many-cells"],
)
def test_an_open_quote_cannot_swallow_a_large_file(
    tmp_path: Path, filler: str, expected: str
) -> None:
    """A quote opened early makes one row of what follows: refused at a cell or row limit."""
    path = tmp_path / "swallow.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + '\nE1,"\n')
        for _ in range(30_000):
            handle.write(filler)
    with pytest.raises(CsvInputError, match=expected):
        list(iter_rows(path))


def test_reading_a_hostile_line_keeps_memory_bounded(tmp_path: Path) -> None:
    """A 20 MB file of one line is refused having held about one line limit of it."""
    path = tmp_path / "huge.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n")
        for _ in range(20):
            handle.write("x," * 500_000)
    tracemalloc.start()
    try:
        with pytest.raises(CsvInputError, match="line 2 is longer than the limit"):
            list(iter_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MAX_LINE_CHARS  # the file is 20 MB


# ------------------------------------------------------------------ item 7: exact text


def test_import_keeps_every_text_cell_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """RFC 4180: surrounding spaces and tabs are part of a cell; only export's leading ``'``
    before a formula-like cell is removed."""
    notes = {
        "ear": "\t=1+1",  # as typed by another program, not neutralised
        "neck": "'\t=1+1",  # as export writes the note "\t=1+1"
        "shoulder": "  both sides, see photo  ",
        "flank": "line one\nline two",
        "belly": " ",
    }
    rows = [list(FINDINGS_COLUMNS)]
    for site, note in notes.items():
        rows.append(normal_row("E-7", site=site, note=note, examiner=" Dr Vogel "))
    path = write_rows(tmp_path / "exact.csv", rows)
    code, _, _ = run(capsys, "import", str(path))
    assert code == 0
    store = Store()
    try:
        exam = store.load_exam("E-7")
    finally:
        store.close()
    assert exam is not None
    assert exam.examiner == " Dr Vogel "
    got = {f.site: f.note for f in exam.findings}
    assert got == {
        "ear": "\t=1+1",
        "neck": "\t=1+1",
        "shoulder": "  both sides, see photo  ",
        "flank": "line one\nline two",
        "belly": " ",
    }


def test_codes_and_numbers_are_still_read_without_surrounding_spaces(tmp_path: Path) -> None:
    row = normal_row(species=" dog ", grade=" present", side="left ", age_years=" 4.5 ")
    result = read_exams(write_rows(tmp_path / "codes.csv", [list(FINDINGS_COLUMNS), row]))
    assert result.errors == []
    assert result.exams[0].patient.age_years == 4.5


# ------------------------------------------------------------------ item 9: signs are a set


def test_reordered_signs_are_the_same_exam(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [list(FINDINGS_COLUMNS)]
    orders = ["back_pain;paraparesis_non_ambulatory", "paraparesis_non_ambulatory;back_pain"]
    for i, site in enumerate(("ear", "neck", "shoulder", "flank", "belly", "ear", "neck", "flank")):
        side = "left" if i < 5 else "right"
        rows.append(normal_row("E-9", site=site, side=side, signs=orders[i % 2]))
    path = write_rows(tmp_path / "signs.csv", rows)
    code, out, err = run(capsys, "assess", str(path), "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["errors"] == [] and [e["exam_id"] for e in doc["exams"]] == ["E-9"]
    exam = read_exams(path).exams[0]
    assert set(exam.signs) == {"back_pain", "paraparesis_non_ambulatory"}


def test_sided_signs_in_another_order_are_the_same_signs(tmp_path: Path) -> None:
    a = "phantom_scratching:left;forelimb_lameness:right;horner_syndrome:right"
    b = "horner_syndrome:right;phantom_scratching:left;forelimb_lameness:right"
    rows = [list(FINDINGS_COLUMNS), normal_row(signs=a), normal_row(site="neck", signs=b)]
    result = read_exams(write_rows(tmp_path / "sided.csv", rows))
    assert result.errors == []
    assert set(result.exams[0].signs) == set(a.split(";"))


def test_a_real_conflict_is_reported_once_naming_the_first_differing_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [list(FINDINGS_COLUMNS)]
    sites = ("ear", "neck", "shoulder", "flank", "belly")
    rows += [normal_row("E-5", site=s, breed="Beagle", signs="back_pain") for s in sites]
    rows += [
        normal_row("E-5", site=s, side="right", breed="Beagle", signs="neck_pain") for s in sites
    ]
    rows += [normal_row("E-6", site=s, breed="Pug") for s in sites]
    path = write_rows(tmp_path / "conflict.csv", rows)
    code, out, _ = run(capsys, "assess", str(path), "--json")
    assert code == 1
    doc = json.loads(out)
    assert [e["exam_id"] for e in doc["exams"]] == ["E-6"]
    assert doc["errors"] == [
        {
            "exam_id": "E-5",
            "row": 7,
            "message": "signs is 'neck_pain' here but 'back_pain' on line 2 of the same exam",
        }
    ]


# ------------------------------------------------------------------ item 10: other separators


def _as_locale_file(path: Path, delimiter: str) -> Path:
    """The golden file as a spreadsheet in a decimal-comma locale saves it."""
    rows = golden_rows()
    header = rows[0]
    for row in rows[1:]:
        for column in ("age_years", "weight_kg"):
            i = header.index(column)
            row[i] = row[i].replace(".", ",")
    assert any("," in r[header.index("weight_kg")] for r in rows[1:]), "no decimal in fixture"
    return write_rows(path, rows, delimiter)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_files_with_decimal_commas_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], delimiter: str
) -> None:
    code, expected, _ = run(capsys, "assess", str(GOLDEN), "--json")
    assert code == 0
    path = _as_locale_file(tmp_path / "locale.csv", delimiter)
    code, out, err = run(capsys, "assess", str(path), "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == json.loads(expected)


def test_a_semicolon_file_imports_like_the_comma_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _as_locale_file(tmp_path / "locale.csv", ";")
    assert main(["import", str(path)]) == 0
    again = tmp_path / "again.csv"
    assert main(["export", "--out", str(again)]) == 0
    capsys.readouterr()
    assert again.read_bytes() == GOLDEN.read_bytes()


def test_an_unknown_separator_says_what_the_file_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pipes.csv"
    path.write_text("|".join(FINDINGS_COLUMNS) + "\n" + "|".join(normal_row()) + "\n")
    code, _, err = run(capsys, "assess", str(path))
    assert code == 2
    line = one_line(err)
    assert "missing required column 'exam_id'" in line
    assert "the header is one cell" in line and "separated by commas" in line


# ------------------------------------------------------------------ what the file is


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ((HEADER + "\n").encode("utf-16"), "UTF-16 text, expected UTF-8; save it as"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a spreadsheet workbook (xlsx/ods), not CSV"),
        ((HEADER + "\nE\xe9,dog\n").encode("latin-1"), "line 2 is not UTF-8 text (byte 0xE9)"),
        ((HEADER + "\nE1,d\x00g\n").encode(), "line 2 holds a NUL byte"),
        (b"\n\n  \n", "empty file, expected a header row"),
    ],
    ids=["utf16", "xlsx", "latin1", "nul", "blank"],
)
def test_what_is_not_a_utf8_csv_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    code, out, err = run(capsys, "assess", str(path))
    assert (code, out) == (2, "")
    assert expected in one_line(err)


def test_a_column_named_twice_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(HEADER + ",grade\n" + ",".join(normal_row()) + ",absent\n")
    code, _, err = run(capsys, "assess", str(path))
    assert code == 2
    assert one_line(err).endswith("line 1: column 'grade' appears twice")


def test_rows_of_separators_only_are_blank(tmp_path: Path) -> None:
    """Spreadsheets leave rows like ``,,,,`` after the data: skipped, like blank lines."""
    blank = "," * (len(FINDINGS_COLUMNS) - 1)
    path = tmp_path / "tail.csv"
    path.write_text(f"\n{HEADER}\n{','.join(normal_row())}\n\n{blank}\n{blank}\n")
    result = read_exams(path)
    assert result.errors == [] and len(result.exams) == 1


# ------------------------------------------------------------------ control characters


@pytest.mark.parametrize("command", COMMANDS)
def test_terminal_controls_in_a_cell_make_the_exam_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    rows = [
        list(FINDINGS_COLUMNS),
        normal_row("E-1", breed="Beagle"),
        normal_row("E-2", breed="\x1b]52;c;cHduZWQ=\x07"),
        normal_row("E-2", site="neck", breed="\x1b]52;c;cHduZWQ=\x07"),
        normal_row("E-3", patient_name="Rex\x1b[2J"),
        normal_row("E-4", note="\x9b31m"),
    ]
    path = write_rows(tmp_path / "controls.csv", rows)
    code, out, err = run(capsys, command, str(path))
    assert code == 1
    assert "\x1b" not in out + err and "\x07" not in out + err and "\x9b" not in out + err
    assert "line 3: exam E-2: breed: control character \\x1b is not allowed" in out
    assert "line 4:" not in out  # once per exam
    assert "line 5: exam E-3: patient_name: control character \\x1b is not allowed" in out
    assert "line 6: exam E-4: note: control character \\x9b is not allowed" in out
