"""``neuroexam export``: the store as a FORMAT.md §2 findings CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from neuroexam import cli
from neuroexam.core.models import Exam, ExamStatus, Finding, Patient
from neuroexam.records.csvio import read_exams
from neuroexam.records.store import Store

#: FORMAT.md §2, in order.
HEADER = (
    "exam_id,exam_date,examiner,mode,patient_id,patient_name,species,breed,age_years,sex,"
    "weight_kg,signs,test,site,side,grade,note,recorded_at,exam_status,signed_by,signed_at,exam_note"
)
WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def finding(site: str, side: str, grade: str, note: str = "") -> Finding:
    test = (
        "scratch" if site in ("ear", "neck", "shoulder", "flank", "belly") else "cutaneous_trunci"
    )
    return Finding(test=test, site=site, side=side, grade=grade, note=note, recorded_at=WHEN)


@pytest.fixture
def store(_isolated_home: Path) -> Store:
    """The default store (NEUROEXAM_HOME) with 2 complete exams and 1 unfinished."""
    store = Store()
    store.save_exam_with_findings(
        Exam(
            exam_id="E1",
            exam_date=WHEN,
            examiner="=HYPERLINK(1)",
            patient=Patient(
                patient_id="P1",
                name="-Rex",
                species="dog",
                breed="Doxie",
                age_years=5.5,
                sex="MN",
                weight_kg=7.25,
            ),
            signs=["back_pain", "neck_pain"],
            findings=[
                finding("L2", "left", "absent"),
                finding("L1", "left", "present", note='+1 twitch, "odd", here'),
                finding("neck", "right", "present", note="@note"),
            ],
            status=ExamStatus.COMPLETE,
        )
    )
    store.save_exam_with_findings(
        Exam(
            exam_id="E2",
            exam_date=datetime(2026, 3, 2, 10, 30, tzinfo=UTC),
            patient=Patient(patient_id="P2", name="Bella", species="cat", breed="mixed"),
            findings=[finding("ear", "left", "exaggerated")],
            status=ExamStatus.COMPLETE,
        )
    )
    store.save_exam_with_findings(
        Exam(
            exam_id="E3",
            exam_date=datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
            patient=Patient(patient_id="P3", species="dog", breed="Beagle"),
            findings=[finding("L7", "right", "present")],
        )
    )
    store.close()
    return store


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_export_to_stdout_writes_complete_exams_in_format_order(
    store: Store, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert cli.main(["export"]) == 0
    raw = capsysbinary.readouterr().out
    assert raw.startswith(HEADER.encode() + b"\r\n")
    assert raw.count(b"\r\n") == 1 + 4 and b"\n" not in raw.replace(b"\r\n", b"")
    rows = rows_of(raw.decode("utf-8"))
    assert rows[0] == HEADER.split(",")
    assert rows[1] == [
        "E1",
        "2026-03-01T09:00:00+00:00",
        "'=HYPERLINK(1)",
        "clinical",
        "P1",
        "'-Rex",
        "dog",
        "Dachshund",
        "5.5",
        "MN",
        "7.25",
        "back_pain;neck_pain",
        "cutaneous_trunci",
        "L2",
        "left",
        "absent",
        "",
        "2026-03-01T09:00:00+00:00",
        "complete",
        "",
        "",
        "",
    ]
    assert rows[2][16] == '\'+1 twitch, "odd", here'
    assert rows[3][12:17] == ["scratch", "neck", "right", "present", "'@note"]
    assert [r[0] for r in rows[1:]] == ["E1", "E1", "E1", "E2"]
    assert rows[4][7] == "mixed" and rows[4][8] == "" and rows[4][10] == ""
    assert {r[18] for r in rows[1:]} == {"complete"}


def test_export_include_unfinished_and_round_trip(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    assert cli.main(["export", "--out", str(out), "--include-unfinished"]) == 0
    rows = rows_of(out.read_text(encoding="utf-8"))
    assert [(r[0], r[18]) for r in rows[1:]] == [
        ("E1", "complete"),
        ("E1", "complete"),
        ("E1", "complete"),
        ("E2", "complete"),
        ("E3", "in_progress"),
    ]
    back = read_exams(out)
    assert back.errors == []
    by_id = {e.exam_id: e for e in back.exams}
    assert by_id["E3"].status is ExamStatus.IN_PROGRESS
    assert by_id["E1"].examiner == "=HYPERLINK(1)"  # the leading ' is undone on reading
    assert by_id["E1"].findings[1].note == '+1 twitch, "odd", here'
    stored = Store()
    try:
        for exam in stored.load_exams():
            assert [f.model_dump() for f in by_id[exam.exam_id].findings] == [
                f.model_dump() for f in exam.findings
            ]
    finally:
        stored.close()


def test_export_without_flag_leaves_out_unfinished(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "done.csv"
    assert cli.main(["export", "--out", str(out)]) == 0
    assert "E3" not in {r[0] for r in rows_of(out.read_text(encoding="utf-8"))[1:]}


def test_export_to_an_unwritable_place_is_one_line_exit_2(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "missing" / "x.csv"
    assert cli.main(["export", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"neuroexam export: cannot write {out}: ")
    assert "Traceback" not in err


def test_export_with_a_broken_store_is_one_line_exit_2(
    _isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _isolated_home.mkdir(parents=True, mode=0o700)  # as the app makes it
    (_isolated_home / "neuroexam.db").write_bytes(b"this is not a database" * 100)
    assert cli.main(["export"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("neuroexam export: ")
    assert "damaged" in err
