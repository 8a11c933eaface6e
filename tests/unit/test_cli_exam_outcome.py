"""What ``neuroexam exam`` prints on exit, and its exit status (0 only when completed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from neuroexam.cli import EXIT_NOT_COMPLETED, _exam_outcome
from neuroexam.core.models import Exam, Finding, Patient
from neuroexam.records.store import Store


def started(store: Store) -> None:
    store.create_exam(Exam(exam_id="EX-1", examiner="A", patient=Patient(species="dog")))


def test_untouched_exam_is_reported_discarded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(tmp_path / "a.db")
    started(store)
    assert store.discard_if_untouched("EX-1")
    assert _exam_outcome(store, "EX-1") == EXIT_NOT_COMPLETED
    assert capsys.readouterr().out == "exam EX-1: discarded (no finding was recorded)\n"


def test_in_progress_complete_and_voided(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(tmp_path / "a.db")
    started(store)
    finding = Finding(test="scratch", site="ear", side="left", grade="present")
    store.record_finding("EX-1", finding)
    assert _exam_outcome(store, "EX-1") == EXIT_NOT_COMPLETED
    assert "in progress (1 finding(s) saved)" in capsys.readouterr().out
    store.complete_exam("EX-1", by="A")
    store.sign_exam("EX-1", signed_by="Dr \x1b]0;x\x07Vogel", by="A")
    assert _exam_outcome(store, "EX-1") == 0
    out = capsys.readouterr().out
    assert out.startswith("exam EX-1: complete, signed by Dr ") and "\x1b" not in out
    store.void_exam("EX-1", by="A", reason="duplicate")
    assert _exam_outcome(store, "EX-1") == EXIT_NOT_COMPLETED
    assert capsys.readouterr().out == "exam EX-1: voided\n"


def test_assess_readable_report_lists_voided_exams_as_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from neuroexam.cli import main

    path = tmp_path / "two.csv"
    path.write_text(
        "exam_id,species,test,site,side,grade,exam_status\r\n"
        "E1,dog,scratch,ear,left,present,complete\r\n"
        "E2,dog,scratch,ear,left,present,voided\r\n",
        encoding="utf-8",
    )
    assert main(["assess", str(path)]) == 0
    out = capsys.readouterr().out
    assert "exam E2:" in out and "voided" in out.split("exam E2:")[1].splitlines()[0]
