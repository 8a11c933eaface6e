"""``neuroexam assess FILE [--json]``: FORMAT.md §4 document, exit codes, bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from neuroexam.cli import main
from neuroexam.core.protocol import Protocols
from neuroexam.records.formats import FINDINGS_COLUMNS, REQUIRED_COLUMNS

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "sample_findings.csv"

EXAM_KEYS = [
    "exam_id",
    "patient_id",
    "breed",
    "ctr_cutoff",
    "localization",
    "lesion_window",
    "flags",
    "warnings",
]
FLAG_KEYS = ["id", "title", "strength", "urgency", "side", "follow_up", "reasons", "references"]


# ------------------------------------------------------------------ helpers


def row(exam_id: str = "E1", **cells: str) -> dict[str, str]:
    base = {
        "exam_id": exam_id,
        "exam_date": "2026-05-01T09:00:00+00:00",
        "patient_id": "P1",
        "species": "dog",
        "breed": "Beagle",
        "age_years": "4",
        "exam_status": "complete",
    }
    base.update(cells)
    return base


def trunci(exam_id: str, side: str, cutoff_series: dict[str, str], **cells: str) -> list[dict]:
    return [
        row(exam_id, test="cutaneous_trunci", site=site, side=side, grade=grade, **cells)
        for site, grade in cutoff_series.items()
    ]


def normal_rows(exam_id: str = "E1", **cells: str) -> list[dict[str, str]]:
    rows = []
    for side in ("left", "right"):
        rows += trunci(exam_id, side, {"L7": "absent", "L6": "present"}, **cells)
        rows += [
            row(exam_id, test="scratch", site=region, side=side, grade="present", **cells)
            for region in ("ear", "neck", "shoulder", "flank", "belly")
        ]
    return rows


def ivdd_rows(exam_id: str = "E2", **cells: str) -> list[dict[str, str]]:
    series = {"L7": "absent", "L6": "absent", "L5": "absent", "L4": "absent", "L3": "absent"}
    series["L2"] = "present"
    cells = {"breed": "Doxie", "signs": "back_pain;paraplegia", "patient_id": "P2", **cells}
    return trunci(exam_id, "left", series, **cells) + trunci(exam_id, "right", series, **cells)


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or list(FINDINGS_COLUMNS)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: r.get(c, "") for c in columns})
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["assess", *args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any]]:
    code, out, err = run(capsys, str(path), "--json")
    assert err == ""
    return code, json.loads(out)


def assert_one_line_error(err: str, *fragments: str) -> None:
    assert "Traceback" not in err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {err!r}"
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"


# ------------------------------------------------------------------ JSON document


def test_json_key_order_follows_format(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_csv(tmp_path / "f.csv", normal_rows("E1") + ivdd_rows("E2"))
    code, doc = run_json(capsys, path)
    assert code == 0
    assert list(doc) == ["exams", "errors", "skipped"]
    assert doc["errors"] == []
    assert [e["exam_id"] for e in doc["exams"]] == ["E1", "E2"]
    for exam in doc["exams"]:
        assert list(exam)[: len(EXAM_KEYS)] == EXAM_KEYS
        assert list(exam["ctr_cutoff"]) == ["left", "right"]
    ivdd = doc["exams"][1]
    assert ivdd["flags"], "the IVDD exam must raise a flag"
    for flag in ivdd["flags"]:
        assert list(flag)[: len(FLAG_KEYS)] == FLAG_KEYS
        for follow_up in flag["follow_up"]:
            assert list(follow_up) == ["test", "region"]
    assert list(ivdd["lesion_window"]) == ["cranial", "caudal", "most_likely"]


def test_json_values(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_csv(tmp_path / "f.csv", normal_rows("E1") + ivdd_rows("E2"))
    _, doc = run_json(capsys, path)
    normal, ivdd = doc["exams"]
    assert normal["breed"] == "Beagle"
    assert normal["ctr_cutoff"] == {"left": "L6", "right": "L6"}
    assert normal["localization"] is None and normal["lesion_window"] is None
    assert normal["flags"] == []
    assert ivdd["breed"] == "Dachshund"  # alias written as the canonical name
    assert ivdd["patient_id"] == "P2"
    assert ivdd["ctr_cutoff"] == {"left": "L2", "right": "L2"}
    assert ivdd["localization"] == "T3-L3"
    assert ivdd["lesion_window"] == {
        "cranial": "T11",
        "caudal": "L2",
        "most_likely": ["T12", "T13"],
    }
    flag = ivdd["flags"][0]
    assert (flag["id"], flag["strength"], flag["urgency"], flag["side"]) == (
        "ivdd",
        "strong",
        "emergency",
        "bilateral",
    )
    tests = [f["test"] for f in flag["follow_up"]]
    assert tests == ["mri", "ct", "neurology_referral"]
    assert flag["follow_up"][0]["region"] == "thoracolumbar spine T11-L2"
    assert flag["reasons"] and flag["references"]


def test_json_keeps_non_ascii(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_csv(tmp_path / "f.csv", normal_rows("E1", breed="bichon frise"))
    code, out, _ = run(capsys, str(path), "--json")
    assert code == 0
    assert '"breed": "Bichon Frisé"' in out


def test_unknown_sign_is_a_warning_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = write_csv(tmp_path / "f.csv", normal_rows("E1", signs="kicks_in_sleep;wobbly_tail"))
    code, doc = run_json(capsys, path)
    assert code == 0
    assert "unknown sign 'wobbly_tail' ignored" in doc["exams"][0]["warnings"]


def test_rows_in_any_order(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows = normal_rows("E1") + ivdd_rows("E2")
    _, forward = run_json(capsys, write_csv(tmp_path / "a.csv", rows))
    _, backward = run_json(capsys, write_csv(tmp_path / "b.csv", rows[::-1]))
    by_id = {e["exam_id"]: e for e in backward["exams"]}
    for exam in forward["exams"]:
        assert by_id[exam["exam_id"]] == exam


def test_utf8_bom_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_csv(tmp_path / "f.csv", normal_rows("E1"))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, doc = run_json(capsys, path)
    assert code == 0
    assert doc["exams"][0]["exam_id"] == "E1"


def test_header_only_file_is_no_exams(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, doc = run_json(capsys, write_csv(tmp_path / "f.csv", []))
    assert code == 0
    assert doc == {"exams": [], "errors": [], "skipped": []}


# ------------------------------------------------------------------ exit codes


def test_exit_0_when_every_row_is_usable(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, _, err = run(capsys, str(write_csv(tmp_path / "f.csv", normal_rows())), "--json")
    assert code == 0 and err == ""


@pytest.mark.parametrize(
    ("cells", "fragment"),
    [
        ({"grade": "wobbly"}, "grade"),
        ({"site": "L8"}, "L8"),
        ({"side": "middle"}, "side"),
        ({"test": "pinprick"}, "test"),  # patellar is a test since FORMAT v2
    ],
)
def test_exit_1_with_bad_row_others_still_assessed(
    tmp_path: Path, capsys: pytest.CaptureFixture, cells: dict[str, str], fragment: str
) -> None:
    bad = normal_rows("E2", patient_id="P9")
    bad[3] = {**bad[3], **cells}
    path = write_csv(tmp_path / "f.csv", normal_rows("E1") + bad)
    code, doc = run_json(capsys, path)
    assert code == 1
    assert [e["exam_id"] for e in doc["exams"]] == ["E1"]
    assert len(doc["errors"]) == 1
    error = doc["errors"][0]
    assert list(error) == ["exam_id", "row", "message"]
    assert error["exam_id"] == "E2"
    # header is line 1, E1 has 14 rows (lines 2-15), bad[3] is the 4th row of E2
    assert error["row"] == 1 + 14 + 4
    assert fragment in error["message"]


def test_exit_1_text_report_lists_the_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = normal_rows("E2")
    bad[0] = {**bad[0], "grade": "wobbly"}
    code, out, _ = run(capsys, str(write_csv(tmp_path / "f.csv", bad)))
    assert code == 1
    assert "line 2: exam E2" in out


def test_disagreeing_exam_columns_are_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    rows = normal_rows("E1")
    rows[5] = {**rows[5], "breed": "Pug"}
    code, doc = run_json(capsys, write_csv(tmp_path / "f.csv", rows))
    assert code == 1
    assert doc["exams"] == []
    assert doc["errors"][0]["row"] == 7 and "breed" in doc["errors"][0]["message"]


def test_exit_2_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    missing = tmp_path / "no_such_file.csv"
    for extra in ([], ["--json"]):
        code, out, err = run(capsys, str(missing), *extra)
        assert code == 2
        assert out == ""
        assert_one_line_error(err, str(missing))


def test_exit_2_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(capsys, str(tmp_path), "--json")
    assert code == 2 and out == ""
    assert_one_line_error(err, str(tmp_path))


@pytest.mark.parametrize("column", REQUIRED_COLUMNS)
def test_exit_2_missing_required_column(
    tmp_path: Path, capsys: pytest.CaptureFixture, column: str
) -> None:
    columns = [c for c in FINDINGS_COLUMNS if c != column]
    path = write_csv(tmp_path / "f.csv", normal_rows(), columns)
    code, out, err = run(capsys, str(path), "--json")
    assert code == 2 and out == ""
    assert_one_line_error(err, str(path), f"'{column}'")


def test_optional_columns_may_be_missing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_csv(tmp_path / "f.csv", normal_rows(), list(REQUIRED_COLUMNS))
    code, doc = run_json(capsys, path)
    assert code == 0
    assert doc["exams"][0]["flags"] == []


def test_exit_2_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_csv(tmp_path / "f.csv", normal_rows("E1", patient_id="Müller"))
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    code, out, err = run(capsys, str(path), "--json")
    assert code == 2 and out == ""
    assert_one_line_error(err, str(path), "UTF-8")


def test_exit_2_binary_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(bytes(range(256)) * 4)
    code, out, err = run(capsys, str(path), "--json")
    assert code == 2 and out == ""
    assert_one_line_error(err, str(path))


@pytest.mark.parametrize("content", [b"", b"\n\n", b"   \n"])
def test_exit_2_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture, content: bytes) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    code, out, err = run(capsys, str(path), "--json")
    assert code == 2 and out == ""
    assert_one_line_error(err, str(path))
    assert "empty" in err or "missing required column" in err


def test_exit_2_broken_quoting(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "f.csv"
    path.write_text(",".join(REQUIRED_COLUMNS) + '\nE1,dog,"scratch,ear,left,present\n')
    code, out, err = run(capsys, str(path), "--json")
    assert code == 2 and out == ""
    assert_one_line_error(err, str(path))


def test_row_with_extra_fields_gives_one_line_message(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """A row with more cells than the header: exit 2 with ONE line (FORMAT.md §4), or the
    row reported as an error — never a multi-line message."""
    path = tmp_path / "f.csv"
    path.write_text(
        ",".join(REQUIRED_COLUMNS)
        + "\nE1,dog,scratch,ear,left,present\nE1,dog,scratch,ear,right,present,extra\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, str(path), "--json")
    assert code in (1, 2)
    if code == 2:
        assert out == ""
        assert_one_line_error(err, str(path))
    else:
        assert json.loads(out)["errors"]


def test_trailing_comma_on_every_row_does_not_shift_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Spreadsheets often write a trailing comma on every data row. The cells must not be
    silently moved one column to the left (exam_id read as 'dog', test as 'ear'…)."""
    path = tmp_path / "f.csv"
    path.write_text(
        ",".join(REQUIRED_COLUMNS)
        + "\nE1,dog,scratch,ear,left,present,\nE1,dog,scratch,ear,right,present,\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, str(path), "--json")
    if code == 2:
        assert_one_line_error(err, str(path))
        return
    doc = json.loads(out)
    ids = {e["exam_id"] for e in doc["exams"]} | {e["exam_id"] for e in doc["errors"]}
    assert ids == {"E1"}, f"exam ids read as {ids}"


# ------------------------------------------------------------------ text report


def test_text_report_normal_exam(
    tmp_path: Path, capsys: pytest.CaptureFixture, protocols: Protocols
) -> None:
    code, out, err = run(capsys, str(write_csv(tmp_path / "f.csv", normal_rows("E1"))))
    assert code == 0 and err == ""
    assert "within normal limits" in out
    assert protocols.rules.disclaimer in out
    assert out.rstrip().endswith(protocols.rules.disclaimer)
    assert "Exam E1" in out
    assert "left L6, right L6" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_text_report_flagged_exam(
    tmp_path: Path, capsys: pytest.CaptureFixture, protocols: Protocols
) -> None:
    code, out, _ = run(capsys, str(write_csv(tmp_path / "f.csv", ivdd_rows("E2"))))
    assert code == 0
    assert "Thoracolumbar myelopathy consistent with IVDD" in out
    assert "EMERGENCY" in out
    assert "T11-L2" in out
    assert "within normal limits" not in out
    assert protocols.rules.disclaimer in out


# ------------------------------------------------------------------ shipped example


def test_sample_findings_json(capsys: pytest.CaptureFixture) -> None:
    code, doc = run_json(capsys, SAMPLE)
    assert code == 0
    assert doc["errors"] == []
    exams = {e["exam_id"]: e for e in doc["exams"]}
    assert list(exams) == ["E-1001", "E-1002", "E-1003", "E-1004"]
    assert exams["E-1001"]["flags"] == []
    assert exams["E-1002"]["breed"] == "Dachshund"
    assert [f["id"] for f in exams["E-1002"]["flags"]] == ["ivdd"]
    assert exams["E-1003"]["localization"] == "C1-C5"
    assert [f["id"] for f in exams["E-1003"]["flags"]] == ["syringomyelia"]
    assert "progressive_myelomalacia" in [f["id"] for f in exams["E-1004"]["flags"]]
    assert exams["E-1004"]["serial"]["previous_exam_id"] == "E-1002"


def test_sample_findings_text(capsys: pytest.CaptureFixture, protocols: Protocols) -> None:
    code, out, err = run(capsys, str(SAMPLE))
    assert code == 0 and err == ""
    assert out.count("Exam E-") == 4
    assert protocols.rules.disclaimer in out


def test_jobs_choose_the_processes_without_changing_a_byte(
    capsys: pytest.CaptureFixture[str],
) -> None:
    outputs = []
    for jobs in ("1", "2"):
        assert main(["assess", str(SAMPLE), "--json", "--jobs", jobs]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and '"exams": [' in outputs[0]


@pytest.mark.parametrize(
    ("jobs", "message"), [("0", "expected 1 to 64, got 0"), ("many", "expected a whole number")]
)
def test_a_bad_jobs_value_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], jobs: str, message: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["assess", str(SAMPLE), "--jobs", jobs])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
