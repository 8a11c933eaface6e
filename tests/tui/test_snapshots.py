"""Snapshot tests: every screen state at 80×24 and 120×40 (update with --snapshot-update)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from neuroexam.core.session import ExamSession
from neuroexam.core.vocab import ExamStatus
from neuroexam.records.store import Store
from tests.tui.helpers import make_app, make_exam
from tests.tui.intake_pilot import (
    fixed_clock,  # noqa: F401 - a fixture for the intake cases
    focus,
    label_text,
    settle,
    wait_for,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def _seed(db: Path, exam, grades: str, status: ExamStatus = ExamStatus.IN_PROGRESS) -> None:
    """Store ``exam`` with answers given as grade keys in wizard order."""
    from neuroexam.core.protocol import shipped
    from neuroexam.core.session import GRADE_KEYS

    store = Store(db)
    store.create_exam(exam)
    session = ExamSession(exam, shipped().exam(exam.patient.species))
    for key in grades:
        step = session.cursor
        finding = session.answer(GRADE_KEYS[key], now=exam.exam_date)
        store.record_finding(exam.exam_id, finding, session.step_index(step))
    if status is ExamStatus.COMPLETE:
        store.complete_exam(exam.exam_id, by="test")
    store.close()


@pytest.mark.parametrize("size", SIZES)
def test_home_empty(snap_compare, tmp_path: Path, size) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_home_with_unfinished_exam(snap_compare, tmp_path: Path, size) -> None:
    _seed(tmp_path / "neuroexam.db", make_exam(breed="Beagle"), "aap")
    assert snap_compare(make_app(tmp_path), terminal_size=size)


@pytest.mark.usefixtures("fixed_clock")
@pytest.mark.parametrize("size", SIZES)
def test_intake_empty(snap_compare, tmp_path: Path, size) -> None:
    assert snap_compare(make_app(tmp_path), press=["n"], terminal_size=size)


@pytest.mark.usefixtures("fixed_clock")
@pytest.mark.parametrize("size", SIZES)
def test_intake_known_patient(snap_compare, tmp_path: Path, size) -> None:
    """A known id typed: the signalment prefilled, the patient on record shown, a name typed
    over the prefill flagged; a sided sign ticked."""
    _seed(tmp_path / "neuroexam.db", make_exam(breed="Dachshund", patient_id="P-23"), "aap")

    async def fill(pilot: Pilot) -> None:
        await pilot.press("n")
        await wait_for(pilot, lambda: pilot.app.focused is not None)
        await pilot.press(*"P-23", "enter")
        await wait_for(pilot, lambda: "Known patient" in label_text(pilot, "patient-id-note"))
        await pilot.press(*"Max", "enter")
        await focus(pilot, "signs-neuro_history")
        await pilot.press("l")
        await focus(pilot, "name")
        await settle(pilot)

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=fill)


@pytest.mark.usefixtures("fixed_clock")
@pytest.mark.parametrize("size", SIZES)
def test_intake_edit(snap_compare, tmp_path: Path, size) -> None:
    """``i`` in the wizard: the running exam's intake, species editable, date shown."""
    exam = make_exam(breed="Beagle", signs=["forelimb_lameness:right", "neck_pain"])
    assert snap_compare(make_app(tmp_path, exam), press=["a", "i"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_wizard_first_step(snap_compare, tmp_path: Path, size) -> None:
    app = make_app(tmp_path, make_exam(breed="Beagle"))
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_wizard_after_left_series_ended(snap_compare, tmp_path: Path, size) -> None:
    app = make_app(tmp_path, make_exam(breed="Dachshund"))
    assert snap_compare(app, press=[*"aaaaaap", "a"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_wizard_help(snap_compare, tmp_path: Path, size) -> None:
    app = make_app(tmp_path, make_exam(breed="Beagle"))
    assert snap_compare(app, press=["a", "f1"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_summary_ivdd(snap_compare, tmp_path: Path, size) -> None:
    exam = make_exam(breed="Dachshund", signs=["back_pain", "paraparesis_non_ambulatory"])
    app = make_app(tmp_path, exam)
    keys = [*"aaaaaap", *"aaaaaap", *"p" * 10]
    assert snap_compare(app, press=keys, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_summary_normal(snap_compare, tmp_path: Path, size) -> None:
    app = make_app(tmp_path, make_exam(breed="Beagle"))
    assert snap_compare(app, press=[*"aap", *"ap", *"p" * 10], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_history(snap_compare, tmp_path: Path, size) -> None:
    db = tmp_path / "neuroexam.db"
    _seed(db, make_exam("E1", breed="Beagle"), "aap" + "ap" + "p" * 10, ExamStatus.COMPLETE)
    _seed(
        db,
        make_exam("E2", breed="CKCS", signs=["phantom_scratching"], patient_id="P2"),
        "ap" + "p" + "ppep" + "p" * 6,
        ExamStatus.COMPLETE,
    )

    async def open_history(pilot: Pilot) -> None:
        await pilot.press("h")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()  # flags are computed in a worker
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=open_history)
