"""The intake screen driven by Textual's pilot at 80×24."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from neuroexam.core.models import Exam, Patient, Sex, Species
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.intake import IntakeScreen
from neuroexam.tui.widgets.sign_list import SignList
from tests.tui.intake_pilot import focus, label_text, open_intake, type_into, wait_for


@pytest.fixture
def notes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every notification's message, in order."""
    seen: list[str] = []
    original = NeuroExamApp.notify

    def record(self: NeuroExamApp, message: str, *args: object, **kwargs: object) -> None:
        seen.append(message)
        original(self, message, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(NeuroExamApp, "notify", record)
    return seen


async def test_invalid_fields_refuse_start_then_valid_intake_opens_the_wizard(
    tmp_path: Path, notes: list[str]
) -> None:
    store = Store(tmp_path / "t.db")
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_intake(pilot)
        assert "optional" in label_text(pilot, "patient-id-note")

        await type_into(pilot, "age", "45")
        await type_into(pilot, "weight", "-1")
        await wait_for(pilot, lambda: label_text(pilot, "weight-error") != "")
        assert label_text(pilot, "age-error") == "age: a number from 0 to 30"
        assert label_text(pilot, "weight-error") == "weight: a number above 0 kg, at most 200"

        await pilot.press("f5")
        await pilot.pause()
        assert app.screen is screen
        assert notes and all(f in notes[-1] for f in ("species", "age", "weight"))

        await type_into(pilot, "patient-id", "P42")
        assert label_text(pilot, "patient-id-note") == ""
        await type_into(pilot, "name", "Bella")
        await focus(pilot, "species")
        await pilot.press("right")  # nothing chosen yet: the first arrow chooses Dog
        await type_into(pilot, "breed", "ckcs")
        await wait_for(pilot, lambda: "Cavalier" in label_text(pilot, "breed-status"))
        assert label_text(pilot, "breed-status").startswith(
            "→ Cavalier King Charles Spaniel (alias)"
        )
        await type_into(pilot, "age", "6,5")
        await type_into(pilot, "weight", "8.4")
        await wait_for(pilot, lambda: label_text(pilot, "weight-error") == "")
        assert label_text(pilot, "age-error") == ""
        await type_into(pilot, "examiner", "Dr Vet")

        signs = screen.query_one("#signs-neuro_history", SignList)
        await focus(pilot, "signs-neuro_history")
        signs.highlighted = 0
        await pilot.press("space", "down", "space")
        twitching = screen.query_one("#signs-twitching", SignList)
        await focus(pilot, "signs-twitching")
        twitching.highlighted = 2
        await pilot.press("space")
        await wait_for(pilot, lambda: "pain_on_touch" in twitching.selected)
        assert "Pain when touched" in str(app.screen.query_one("#context-help").render())

        await pilot.press("f5")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["HomeScreen", "ExamScreen"]

        [listing] = store.listings()
        exam = store.load_exam(listing.exam_id)
        assert exam is not None
        assert exam.patient.breed == "Cavalier King Charles Spaniel"
        assert exam.patient.species is Species.DOG
        assert (exam.patient.patient_id, exam.patient.name) == ("P42", "Bella")
        assert (exam.patient.age_years, exam.patient.weight_kg) == (6.5, 8.4)
        assert exam.patient.sex is Sex.UNKNOWN
        assert exam.examiner == "Dr Vet"
        assert exam.signs == ["phantom_scratching", "neck_pain", "pain_on_touch"]
        assert exam.exam_date is not None and exam.exam_date.tzinfo is not None


async def test_escape_asks_before_discarding_typed_data(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_intake(pilot)
        await pilot.press("escape")  # nothing typed: straight back
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")

        await open_intake(pilot)
        await type_into(pilot, "name", "Tom")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmModal")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, IntakeScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmModal")
        await pilot.press("y")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")


async def test_editing_saves_each_valid_change(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    exam = Exam(
        exam_id="EX-1",
        exam_date=datetime.now().astimezone(),
        patient=Patient(patient_id="P1", species=Species.CAT, breed="Persian", age_years=3),
        signs=["pruritus"],
    )
    store.create_exam(exam, "cutaneous_trunci:left")
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        await app.push_screen(IntakeScreen(exam))
        screen = app.screen
        assert screen.query_one("#signs-skin_ears", SignList).selected == ["pruritus"]
        assert screen.check_action("key", ("f5",)) is False  # no Start while editing

        def saved_age() -> float | None:
            saved = store.load_exam("EX-1")
            return saved.patient.age_years if saved else None

        await type_into(pilot, "age", "7")
        await wait_for(pilot, lambda: saved_age() == 7)
        await type_into(pilot, "age", "45")  # "4" is saved, then "45" is invalid: 4 is kept
        await wait_for(pilot, lambda: label_text(pilot, "age-error") != "")
        assert exam.patient.age_years == saved_age() == 4
        assert store.continued("EX-1") == "cutaneous_trunci:left"

        await pilot.press("escape")  # an invalid field: asks first
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmModal")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, IntakeScreen))
        await type_into(pilot, "age", "4.5")
        await type_into(pilot, "breed", "persian")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")

        saved = store.load_exam("EX-1")
        assert saved is not None
        assert saved.patient.age_years == 4.5
        assert saved.patient.breed == "Persian"
        assert saved.signs == ["pruritus"]
