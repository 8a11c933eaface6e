"""A patient id already in the records: the intake prefills and shows the patient on record, and
a different species or name for that id is a clear warning before the exam starts (issue 8.4)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from neuroexam.core.models import Exam, Patient, Sex, Species
from neuroexam.core.vocab import ExamStatus
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.intake import IntakeScreen
from neuroexam.tui.widgets.modals import ConfirmModal
from tests.tui.intake_pilot import (
    fixed_clock,  # noqa: F401 - fixture
    focus,
    label_text,
    open_intake,
    send_burst,
    settle,
    value,
    wait_for,
)

pytestmark = pytest.mark.usefixtures("fixed_clock")

OSCAR = Patient(
    patient_id="P-23",
    name="Oscar",
    species=Species.DOG,
    breed="Dachshund",
    age_years=5,
    sex=Sex.MN,
    weight_kg=8.1,
)
KNOWN_LINE = "Known patient: Oscar, dog, Dachshund, last exam 2026-11-02"


def seeded(tmp_path: Path) -> Store:
    """P-23 Oscar: an older exam as a cat (voided: a mistake) and the latest one as a dog."""
    store = Store(tmp_path / "t.db")
    store.create_exam(
        Exam(
            exam_id="E-OLD",
            exam_date=datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
            patient=OSCAR.model_copy(update={"species": Species.CAT, "breed": "Persian"}),
            status=ExamStatus.VOIDED,
        )
    )
    store.create_exam(
        Exam(
            exam_id="E-LAST",
            exam_date=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
            patient=OSCAR,
            status=ExamStatus.COMPLETE,
        )
    )
    return store


async def test_a_known_id_prefills_the_signalment_with_the_age_moved_on(tmp_path: Path) -> None:
    app = NeuroExamApp(store=seeded(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_intake(pilot)
        assert "optional" in label_text(pilot, "patient-id-note")
        await pilot.press(*"P-23", "enter")
        await wait_for(pilot, lambda: value(pilot, "name") == "Oscar")
        await settle(pilot)
        assert label_text(pilot, "patient-id-note") == KNOWN_LINE
        assert (value(pilot, "species"), value(pilot, "breed")) == ("dog", "Dachshund")
        assert (value(pilot, "sex"), value(pilot, "age")) == ("MN", "5.5")  # 182 days later
        assert value(pilot, "weight") == ""  # weigh today; the last weight is the hint
        assert screen.query_one("#weight").placeholder == "last 8.1 kg on 2026-11-02"
        assert app.focused is not None and app.focused.id == "name"
        await pilot.press(*"Oskar")  # the prefilled text is selected: typing replaces it
        await settle(pilot)
        assert value(pilot, "name") == "Oskar"
        assert label_text(pilot, "patient-id-note").splitlines() == [
            KNOWN_LINE,
            "⚠ on record as Oscar, not Oskar",
        ]

        await focus(pilot, "patient-id")
        await pilot.press(*"P-99", "tab")  # an unknown id: the prefill goes, typed text stays
        await settle(pilot)
        assert value(pilot, "patient-id") == "P-99"
        assert (value(pilot, "name"), value(pilot, "breed"), value(pilot, "species")) == (
            "Oskar",
            "",
            None,
        )
        assert label_text(pilot, "patient-id-note") == ""


async def test_in_a_burst_what_was_typed_wins_over_the_prefill(tmp_path: Path) -> None:
    app = NeuroExamApp(store=seeded(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_intake(pilot)
        send_burst(app, [*"P-23", "tab", *"Rex", "tab", "c", "tab", *"Beagle"])
        await settle(pilot)
        assert (value(pilot, "name"), value(pilot, "species")) == ("Rex", "cat")
        assert value(pilot, "breed") == "Beagle"
        assert value(pilot, "age") == "5.5"  # not typed: prefilled
        assert label_text(pilot, "patient-id-note").splitlines() == [
            KNOWN_LINE,
            "⚠ on record as a dog, not a cat: never compared",
            "⚠ on record as Oscar, not Rex",
        ]


async def test_a_different_species_is_confirmed_before_the_exam_starts(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_intake(pilot)
        await pilot.press(*"P-23", "enter", "enter", "c")  # keep Oscar, choose Cat
        await settle(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        question = app.screen.question
        assert max(len(line) for line in question.splitlines()) <= 64  # fits the dialog
        assert question.splitlines()[0] == f"⚠ {KNOWN_LINE}."
        assert "patient P-23 is on record as a dog, not a cat: exams of different species " in (
            " ".join(question.split())
        )
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert [e.exam_id for e in store.patient_exams("P-23")] == ["E-LAST", "E-OLD"]

        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        [new] = [e for e in store.patient_exams("P-23") if e.exam_id not in ("E-LAST", "E-OLD")]
        assert (new.patient.species, new.patient.name) == (Species.CAT, "Oscar")


async def test_a_different_name_alone_also_asks(tmp_path: Path) -> None:
    app = NeuroExamApp(store=seeded(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_intake(pilot)
        await pilot.press(*"P-23", "enter", *"Max", "f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "patient P-23 is on record as Oscar, not Max." in app.screen.question.splitlines()
        assert "species" not in app.screen.question


async def test_the_same_patient_starts_without_a_question(tmp_path: Path) -> None:
    app = NeuroExamApp(store=seeded(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_intake(pilot)
        await pilot.press(*"p-23", "enter")  # ids match exactly; this one is unknown
        await settle(pilot)
        assert value(pilot, "name") == ""
        await focus(pilot, "patient-id")
        await pilot.press(*"P-23", "enter", "f5")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        exam = app.screen.session.exam  # type: ignore[attr-defined]
        expected = OSCAR.model_copy(update={"age_years": 5.5, "weight_kg": None})
        assert exam.patient == expected


async def test_launching_with_a_known_id_prefills_at_once(tmp_path: Path) -> None:
    app = NeuroExamApp(store=seeded(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        await app.push_screen(IntakeScreen(patient_id="P-23"))
        await wait_for(pilot, lambda: value(pilot, "name") == "Oscar")
        await settle(pilot)
        assert label_text(pilot, "patient-id-note") == KNOWN_LINE
        assert value(pilot, "patient-id") == "P-23"


async def test_the_answer_typed_in_the_same_burst_answers_the_question(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_intake(pilot)
        send_burst(app, [*"P-23", "enter", "enter", "c", "f5", "y", "a"])
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        await settle(pilot)
        exam = app.screen.session.exam  # type: ignore[attr-defined]
        assert exam.patient.species is Species.CAT
        assert [f.grade.value for f in exam.findings] == ["absent"]
