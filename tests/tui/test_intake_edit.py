"""Editing a running exam's intake (``i`` in the wizard): species included; a species change that
leaves recorded findings without a step says which and asks (issue 8.2)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot

from neuroexam.core.intake import Intake, IntakeEdit
from neuroexam.core.models import Exam, Finding, Grade, Patient, Side, Species, TestId
from neuroexam.core.protocol import Protocols, shipped
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.intake import IntakeScreen
from neuroexam.tui.widgets.modals import ConfirmModal
from neuroexam.tui.widgets.sign_list import SignList
from tests.tui.intake_pilot import (
    fixed_clock,  # noqa: F401 - fixture
    focus,
    label_text,
    settle,
    type_into,
    value,
    wait_for,
)

pytestmark = pytest.mark.usefixtures("fixed_clock")

STARTED = datetime(2027, 5, 3, 9, 40, tzinfo=UTC)
BELLY = Finding(test=TestId.SCRATCH, site="belly", side=Side.LEFT, grade=Grade.PRESENT)
L7 = Finding(test=TestId.CUTANEOUS_TRUNCI, site="L7", side=Side.LEFT, grade=Grade.ABSENT)


def cat_without_belly(protocols: Protocols) -> Protocols:
    """The shipped protocols, but the cat's scratch reflex has no belly region."""
    cat = protocols.exam(Species.CAT)
    tests = [
        t.model_copy(update={"sites": [s for s in t.sites if s.id != "belly"]})
        if t.id is TestId.SCRATCH
        else t
        for t in cat.tests
    ]
    exams = {**protocols.exams, Species.CAT: cat.model_copy(update={"tests": tests})}
    return protocols.model_copy(update={"exams": exams})


def running_exam(store: Store) -> Exam:
    exam = Exam(
        exam_id="EX-1",
        exam_date=STARTED,
        examiner="A. Tech",
        patient=Patient(patient_id="P1", name="Tom", species=Species.DOG, breed="Beagle"),
        signs=["forelimb_lameness:right", "neck_pain"],
        findings=[L7, BELLY],
    )
    store.save_exam_with_findings(exam)
    return exam


def saved(store: Store) -> Exam:
    exam = store.load_exam("EX-1")
    assert exam is not None
    return exam


async def open_edit(app: NeuroExamApp, pilot: Pilot, exam: Exam) -> list[object]:
    """Push the intake on ``exam``; the list receives what it is dismissed with."""
    results: list[object] = []
    await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
    await app.push_screen(IntakeScreen(exam), results.append)
    await wait_for(pilot, lambda: app.focused is not None)
    return results


async def test_species_change_lists_the_orphaned_findings_and_asks(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    exam = running_exam(store)
    app = NeuroExamApp(store=store, protocols=cat_without_belly(shipped()))
    async with app.run_test(size=(80, 24)) as pilot:
        results = await open_edit(app, pilot, exam)
        screen = app.screen
        await focus(pilot, "species")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        question = app.screen.question.splitlines()
        assert question == [
            "Change the species to cat? The cat exam has no step for 1",
            "recorded finding(s):",
            "• scratch belly left: present",
            "They would no longer be part of this exam.",
        ]
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert value(pilot, "species") == "dog"
        assert saved(store).patient.species is Species.DOG

        await pilot.press("right")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: saved(store).patient.species is Species.CAT)
        await pilot.press("escape")
        await wait_for(pilot, lambda: bool(results))

    [edit] = results
    assert isinstance(edit, IntakeEdit)
    assert edit.changed == ["species"]
    assert edit.orphaned == (BELLY,)
    assert edit.before.patient.species is Species.DOG
    assert edit.after.patient.species is Species.CAT
    assert exam.findings == [L7, BELLY]  # the caller decides what becomes of them


async def test_species_change_with_every_step_in_the_other_exam_is_saved_at_once(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "t.db")
    exam = running_exam(store)
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await open_edit(app, pilot, exam)
        await focus(pilot, "species")
        await pilot.press("right")
        await wait_for(pilot, lambda: saved(store).patient.species is Species.CAT)
        assert not isinstance(app.screen, ConfirmModal)
        assert "choose" not in label_text(pilot, "breed-status")
        await pilot.press("escape")
        await wait_for(pilot, lambda: bool(results))
    [edit] = results
    assert isinstance(edit, IntakeEdit) and edit.orphaned == ()


async def test_exam_date_sides_and_parts_are_edited_and_returned(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    exam = running_exam(store)
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await open_edit(app, pilot, exam)
        assert value(pilot, "exam-date") == "2027-05-03 09:40"
        assert value(pilot, "species") == "dog"  # editable, not locked

        await type_into(pilot, "exam-date", "2027-05-04 08:00")  # tomorrow: refused
        await settle(pilot)
        assert label_text(pilot, "exam-date-error") == (
            "exam date: YYYY-MM-DD HH:MM, not in the future"
        )
        assert saved(store).exam_date == STARTED
        await type_into(pilot, "exam-date", "2027-05-02 18:30")
        await wait_for(
            pilot,
            lambda: saved(store).exam_date == datetime(2027, 5, 2, 18, 30, tzinfo=UTC),
        )
        assert label_text(pilot, "exam-date-error") == ""

        signs = app.screen.query_one("#signs-neuro_history", SignList)
        await focus(pilot, "signs-neuro_history")
        signs.highlighted = [i.id for i in signs.items].index("forelimb_lameness")
        await pilot.press("b")
        await focus(pilot, "parts")
        await pilot.press("down")
        await wait_for(
            pilot,
            lambda: (
                saved(store).signs
                == ["neck_pain", "forelimb_lameness:left", "forelimb_lameness:right"]
            ),
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: bool(results))
    [edit] = results
    assert isinstance(edit, IntakeEdit)
    assert edit.changed == ["signs", "exam_date", "parts"]
    assert edit.after.parts.value == "spinal"
    assert edit.before == Intake.of(running_exam(Store(tmp_path / "other.db")))
