"""``neuroexam export``: both layouts byte-exact against golden files, filters, streaming.

Regenerate the golden files after a deliberate format change with
``NEUROEXAM_UPDATE_GOLDEN=1 python -m pytest tests/unit/test_export_layouts.py`` and review the
diff.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from neuroexam import cli
from neuroexam.core.models import Mode
from neuroexam.core.rules import evaluate
from neuroexam.records import export as export_module
from neuroexam.records.assess import assess_file
from neuroexam.records.backend import RecordStore
from neuroexam.records.csvio import write_findings
from neuroexam.records.export import Layout, export_csv, export_text, parse_when
from neuroexam.records.formats import FINDINGS_COLUMNS, SUMMARY_COLUMNS
from neuroexam.records.store import ExamFilter
from tests.backends import Backend
from tests.conftest import REPO
from tests.unit.export_fixtures import CET, golden_exams

GOLDEN = REPO / "tests" / "data" / "golden"


@pytest.fixture
def store(_isolated_home: Path, backend: Backend) -> Iterator[RecordStore]:
    """The default store (NEUROEXAM_HOME, or the PostgreSQL test database) holding the golden
    exams: every export test runs on each backend, against the same golden files."""
    store = backend.open()
    for exam in golden_exams():
        store.save_exam_with_findings(exam)
    yield store
    store.close()


def check_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("NEUROEXAM_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{name} differs from the golden file"


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize(
    ("layout", "golden"), [("findings", "findings.csv"), ("summary", "summary.csv")]
)
def test_export_matches_the_golden_file(
    store: RecordStore, tmp_path: Path, layout: str, golden: str
) -> None:
    out = tmp_path / golden
    assert cli.main(["export", "--layout", layout, "--out", str(out)]) == 0
    check_golden(golden, out.read_bytes())
    assert not list(tmp_path.glob(".*partial")), "the temporary file is renamed into place"


@pytest.mark.parametrize("layout", ["findings", "summary"])
def test_stdout_carries_the_same_bytes_as_the_file(
    store: RecordStore, layout: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert cli.main(["export", "--layout", layout]) == 0
    assert capsysbinary.readouterr().out == (GOLDEN / f"{layout}.csv").read_bytes()


def test_golden_files_are_utf8_crlf_and_free_of_formula_cells() -> None:
    for name, columns in (("findings.csv", FINDINGS_COLUMNS), ("summary.csv", SUMMARY_COLUMNS)):
        data = (GOLDEN / name).read_bytes()
        text = data.decode("utf-8")  # strict: fails on anything that is not UTF-8
        assert not text.startswith("\ufeff")
        assert data.count(b"\r\n") == data.count(b"\n"), "every line ends with CRLF"
        rows = rows_of(data)
        assert list(rows[0]) == list(columns)
        for row in rows:
            for cell in row.values():
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        assert any(r["patient_name"].startswith("'=HYPERLINK(") for r in rows)
        assert {r["breed"] for r in rows} >= {"Dachshund", "Bichon Frisé", "Domestic Shorthair"}
        assert {r["mode"] for r in rows} == {"clinical"}, "training exams only when asked"
        assert "EX-006" not in {r["exam_id"] for r in rows}, "unfinished exams only when asked"


def test_findings_layout_equals_the_model_writer(store: RecordStore) -> None:
    """The streaming writer and csvio.write_findings (the summary screen's) agree byte for
    byte."""
    buffer = io.StringIO(newline="")
    write_findings(store.load_exams(mode=Mode.CLINICAL, include_unfinished=False), buffer)
    assert buffer.getvalue().encode("utf-8") == (GOLDEN / "findings.csv").read_bytes()


def test_summary_cells_are_the_assessment(store: RecordStore) -> None:
    rows = {r["exam_id"]: r for r in rows_of((GOLDEN / "summary.csv").read_bytes())}
    assert list(rows) == ["EX-005", "EX-001", "EX-002", "EX-003", "EX-004"]
    rex = rows["EX-001"]
    assert (rex["ctr_cutoff_left"], rex["ctr_cutoff_right"]) == ("L1", "L1")
    assert (rex["localization"], rex["lesion_window"]) == ("T3-L3", "T10-L1")
    assert (rex["flags"], rex["urgency"]) == ("ivdd", "urgent")
    assert rex["follow_up"] == "mri;ct"
    later = rows["EX-003"]
    # L3 → T13 in 12 h with paraplegia: both flags strong emergencies (rule order breaks the tie)
    assert later["flags"] == "ivdd;progressive_myelomalacia"
    assert later["urgency"] == "emergency"
    assert later["follow_up"] == "mri;ct;neurology_referral"  # each test once, in flag order
    cat = rows["EX-004"]
    assert cat["species"] == "cat" and cat["localization"] != "T3-L3" and "ivdd" not in cat["flags"]
    assert "syringomyelia" in cat["flags"]
    stray = rows["EX-005"]
    assert stray["exam_date"] == "" and stray["flags"] == "" and stray["urgency"] == ""
    # every exam as the summary screen evaluates it (the patient's exams as history)
    for exam in store.load_exams(mode=Mode.CLINICAL, include_unfinished=False):
        history = store.load_exams(patient_id=exam.patient.patient_id)
        a = evaluate(exam, history if exam.patient.patient_id else [])
        row = rows[exam.exam_id]
        assert row["flags"] == ";".join(f.id.value for f in a.flags)
        assert row["urgency"] == (a.urgency.value if a.urgency else "")
        assert row["localization"] == (a.localization or "")


def test_summary_flags_equal_assess_on_the_findings_layout() -> None:
    report = assess_file(GOLDEN / "findings.csv")
    assert report.errors == []
    rows = rows_of((GOLDEN / "summary.csv").read_bytes())
    assert [r["exam_id"] for r in rows] == [a.exam_id for a in report.assessments]
    for row, a in zip(rows, report.assessments, strict=True):
        assert row["flags"] == ";".join(f.id.value for f in a.flags)
        assert row["urgency"] == (a.urgency.value if a.urgency else "")
        assert row["ctr_cutoff_left"] == (a.ctr_cutoff.left or "")
        assert row["ctr_cutoff_right"] == (a.ctr_cutoff.right or "")
        assert row["localization"] == (a.localization or "")
        window = a.lesion_window
        assert row["lesion_window"] == (f"{window.cranial}-{window.caudal}" if window else "")
        follow = dict.fromkeys(u.test.value for f in a.flags for u in f.follow_up)
        assert row["follow_up"] == ";".join(follow)


# ------------------------------------------------------------------ options


def exported_ids(args: list[str], capsysbinary: pytest.CaptureFixture[bytes]) -> list[str]:
    assert cli.main(["export", *args]) == 0
    return list(dict.fromkeys(r["exam_id"] for r in rows_of(capsysbinary.readouterr().out)))


def test_mode_and_unfinished_options(
    store: RecordStore, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert exported_ids(["--mode", "training"], capsysbinary) == ["TR-001"]
    every = exported_ids(["--mode", "all", "--include-unfinished"], capsysbinary)
    assert every == ["EX-005", "EX-001", "EX-002", "EX-003", "EX-004", "TR-001", "EX-006"]
    assert exported_ids(["--include-unfinished"], capsysbinary)[-1] == "EX-006"


def test_patient_option(store: RecordStore, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert exported_ids(["--patient", "P-200"], capsysbinary) == ["EX-002", "EX-003"]
    assert exported_ids(["--patient", "nobody"], capsysbinary) == []


def test_date_options_whole_days_inclusive(
    store: RecordStore, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # the exam's own calendar day as recorded (EX-003 is 2026-03-03T20:00+01:00)
    assert exported_ids(["--since", "2026-03-03", "--until", "2026-03-03"], capsysbinary) == [
        "EX-002",
        "EX-003",
    ]
    assert exported_ids(["--until", "2026-03-02"], capsysbinary) == ["EX-001"]  # undated: out
    # clock time as recorded, to the second
    assert exported_ids(["--since", "2026-03-03T08:00"], capsysbinary) == [
        "EX-002",
        "EX-003",
        "EX-004",
    ]
    # with an offset: an instant (EX-002 is 07:00 UTC)
    assert exported_ids(["--since", "2026-03-03T07:00:01+00:00"], capsysbinary) == [
        "EX-003",
        "EX-004",
    ]
    assert exported_ids(["--since", "2026-03-03T07:00:00Z"], capsysbinary)[0] == "EX-002"


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_a_bad_date_is_one_line_exit_2(
    store: RecordStore, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["export", option, "3/4/2026"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"neuroexam export: {option}: expected an ISO date")
    assert "'3/4/2026'" in captured.err


def test_parse_when() -> None:
    assert parse_when("2026-03-01") == date(2026, 3, 1)
    assert parse_when(" 2026-03-01T09:30 ") == datetime(2026, 3, 1, 9, 30)
    assert parse_when("2026-03-01T09:30+01:00") == datetime(2026, 3, 1, 9, 30, tzinfo=CET)
    with pytest.raises(ValueError, match="expected an ISO date"):
        parse_when("yesterday")


def test_summary_compares_with_exams_before_since(
    store: RecordStore, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """The summary's flags use the patient's whole record, as the summary screen does: an
    export starting after the first exam of a serial pair still shows the change."""
    assert cli.main(["export", "--layout", "summary", "--since", "2026-03-03T12:00"]) == 0
    rows = {r["exam_id"]: r for r in rows_of(capsysbinary.readouterr().out)}
    assert list(rows) == ["EX-003", "EX-004"]
    assert rows["EX-003"]["flags"] == "ivdd;progressive_myelomalacia"


def test_bom_option_and_summary_message(
    store: RecordStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.csv"
    assert cli.main(["export", "--layout", "summary", "--bom", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote 5 exams (summary layout) to {out}\n"
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfexam_id,")
    assert data[3:] == (GOLDEN / "summary.csv").read_bytes()
    findings = tmp_path / "f.csv"
    assert cli.main(["export", "--bom", "--out", str(findings)]) == 0
    report = assess_file(findings)  # the reader accepts the mark
    assert report.errors == [] and len(report.assessments) == 5


# ------------------------------------------------------------------ streaming and safety


def test_batches_do_not_change_the_bytes(
    store: RecordStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = ExamFilter(mode=Mode.CLINICAL, include_unfinished=False)
    layouts = (Layout.FINDINGS, Layout.SUMMARY)  # the trail's times are the test's own
    whole = {layout: export_text(store, where, layout) for layout in layouts}
    monkeypatch.setattr(export_module, "BATCH_ROWS", 7)
    monkeypatch.setattr(export_module, "BATCH_EXAMS", 2)
    monkeypatch.setattr(export_module, "CHUNK_EXAMS", 2)
    for layout in layouts:
        assert export_text(store, where, layout) == whole[layout]
        assert whole[layout].encode() == (GOLDEN / f"{layout.value}.csv").read_bytes()


def test_progress_reaches_the_total_and_stopping_leaves_no_file(
    store: RecordStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "BATCH_ROWS", 10)
    seen: list[tuple[int, int]] = []
    out = tmp_path / "f.csv"
    export_csv(store, out, ExamFilter(), progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (7, 7) and len(seen) > 2
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        if done > 2:
            raise Stop

    out.write_text("previous export", encoding="utf-8")
    for layout in Layout:
        with pytest.raises(Stop):
            export_csv(store, out, ExamFilter(), layout, progress=stop)
        assert out.read_text(encoding="utf-8") == "previous export"
    assert {p.name for p in tmp_path.iterdir()} - {"neuroexam-home"} == {"f.csv"}


def test_an_empty_selection_writes_the_header_only(store: RecordStore) -> None:
    for layout, columns in ((Layout.FINDINGS, FINDINGS_COLUMNS), (Layout.SUMMARY, SUMMARY_COLUMNS)):
        text = export_text(store, ExamFilter(patient_id="nobody"), layout)
        assert text == ",".join(columns) + "\r\n"


def test_a_write_meanwhile_does_not_disturb_a_running_export(
    store: RecordStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export reads one snapshot: an exam saved while it runs is not half in it."""
    monkeypatch.setattr(export_module, "BATCH_ROWS", 5)
    late = golden_exams()[0].model_copy(
        update={
            "exam_id": "EX-LATE",
            "exam_date": datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        }
    )
    wrote: list[bool] = []

    def meanwhile(done: int, total: int) -> None:
        if not wrote:
            store.save_exam_with_findings(late)
            wrote.append(True)

    out = tmp_path / "f.csv"
    where = ExamFilter(mode=Mode.CLINICAL, include_unfinished=False)
    export_csv(store, out, where, progress=meanwhile)
    assert out.read_bytes() == (GOLDEN / "findings.csv").read_bytes()
    assert "EX-LATE" in export_text(store, where)


def test_summary_evaluated_in_worker_processes_is_the_same(
    store: RecordStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "CHUNK_EXAMS", 2)  # several chunks in flight
    where = ExamFilter(mode=Mode.CLINICAL, include_unfinished=False)
    buffer = io.StringIO(newline="")
    export_csv(store, buffer, where, Layout.SUMMARY, workers=2)
    assert buffer.getvalue().encode("utf-8") == (GOLDEN / "summary.csv").read_bytes()
