"""Snapshots of the table-side states of issue 15 at 80×24 and 120×40: trunci re-checks due on
home, long names and breeds in the patients list, notes under the history list.

Update with ``pytest tests/tui/test_snapshots_table.py --snapshot-update`` (and look at them).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from neuroexam.core.models import Patient
from neuroexam.records.store import Store
from neuroexam.tui.screens import home
from tests.tui.helpers import make_app
from tests.tui.records_seed import BELLA, OSCAR, OSCAR_FIRST, save_exam

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
LONG = Patient(
    patient_id="P-123456",
    name="Maximilian von Barkenstein",
    species="dog",
    breed="Cavalier King Charles Spaniel",
    age_years=7,
)


@pytest.fixture
def utc_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Home's clock 11 h after Oscar's first exam, local time UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(home, "local_now", lambda: OSCAR_FIRST + timedelta(hours=11))
    yield
    monkeypatch.undo()
    time.tzset()


def _seed(tmp_path: Path) -> None:
    """Oscar paraplegic without deep pain, cut-off L1 → T12 (PMM); Bella normal; a long name
    and breed with a note on the exam."""
    store = Store(tmp_path / "neuroexam.db")
    signs = ("paraplegia", "deep_pain_absent")
    save_exam(store, "E-O1", OSCAR_FIRST, OSCAR, "L1", signs=signs)
    save_exam(store, "E-O2", OSCAR_FIRST + timedelta(hours=6), OSCAR, "T12", signs=signs)
    save_exam(store, "E-B1", OSCAR_FIRST - timedelta(days=1), BELLA, "L6")
    save_exam(store, "E-L1", OSCAR_FIRST - timedelta(days=2), LONG, "L5", signs=("neck_pain",))
    exam = store.load_exam("E-L1")
    assert exam is not None
    exam.exam_note = "Owner: scratches at the neck when excited"
    exam.exam_id = "E-L2"
    exam.exam_date = OSCAR_FIRST - timedelta(days=2, hours=-1)
    exam.findings[0].note = "pinched twice: tense"
    store.save_exam_with_findings(exam)
    store.close()


async def _settle(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.usefixtures("utc_clock")
@pytest.mark.parametrize("size", SIZES)
def test_home_rechecks_due(snap_compare, tmp_path: Path, size) -> None:  # type: ignore[no-untyped-def]
    _seed(tmp_path)
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_patients_long_names(snap_compare, tmp_path: Path, size) -> None:  # type: ignore[no-untyped-def]
    _seed(tmp_path)
    assert snap_compare(make_app(tmp_path), press=["p", "down"], terminal_size=size)


@pytest.mark.usefixtures("utc_clock")
@pytest.mark.parametrize("size", SIZES)
def test_history_notes(snap_compare, tmp_path: Path, size) -> None:  # type: ignore[no-untyped-def]
    async def open_history(pilot: Pilot) -> None:
        await pilot.press("h")
        await _settle(pilot)
        await pilot.press("down", "down", "down")  # the exam with notes
        await _settle(pilot)

    _seed(tmp_path)
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=open_history)
