"""Intake keys: every key lands in the field it was typed for, at any speed; choices move with
the arrows and show a text marker; Enter and Tab always move on (issue 15, "At the table")."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Button

from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.intake import IntakeScreen
from neuroexam.tui.widgets.choice import Choice
from tests.tui.intake_pilot import (
    focus,
    open_intake,
    send_burst,
    settle,
    value,
    wait_for,
)

BURST = [*"BURST1", "tab", *"Rex", "tab", "right", "tab", *"Beagle"]


def make_app(tmp_path: Path) -> NeuroExamApp:
    return NeuroExamApp(store=Store(tmp_path / "t.db"))


def fields(pilot: Pilot) -> dict[str, str | None]:
    return {f: value(pilot, f) for f in ("patient-id", "name", "species", "breed", "age")}


async def test_a_burst_in_one_pilot_press_lands_in_each_field(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_intake(pilot)
        await pilot.press(*BURST)
        await settle(pilot)
        assert fields(pilot) == {
            "patient-id": "BURST1",
            "name": "Rex",
            "species": "dog",
            "breed": "Beagle",
            "age": "",
        }


async def test_a_burst_read_at_once_lands_in_each_field_with_its_edit_keys(tmp_path: Path) -> None:
    """All keys arrive before any is handled (a terminal read of a scanner burst): Tab moves
    focus before the next key is routed, and backspace or an arrow acts in its own field."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_intake(pilot)
        send_burst(app, BURST)
        await settle(pilot)
        assert fields(pilot)["patient-id"] == "BURST1"
        assert (value(pilot, "name"), value(pilot, "breed")) == ("Rex", "Beagle")
        assert value(pilot, "species") == "dog"

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_intake(pilot)
        keys = [*"P-12", "backspace", "3", "tab", *"Rexx", "backspace", "tab"]
        keys += ["right", "right", "left", "tab", *"Beagle", "enter", "4", "backspace", "5"]
        send_burst(app, keys)
        await settle(pilot)
        assert fields(pilot) == {
            "patient-id": "P-13",
            "name": "Rex",
            "species": "dog",
            "breed": "Beagle",
            "age": "5",
        }


async def test_keys_typed_right_after_n_on_home_reach_the_patient_id(tmp_path: Path) -> None:
    """``n`` then ``P-12`` in one burst: the intake is not even mounted when the id arrives."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        send_burst(app, ["n", *"P-12", "enter", *"Bella"])
        await wait_for(pilot, lambda: isinstance(app.screen, IntakeScreen))
        await settle(pilot)
        assert (value(pilot, "patient-id"), value(pilot, "name")) == ("P-12", "Bella")


async def test_keys_sent_while_the_intake_opens_are_kept_in_order(tmp_path: Path) -> None:
    """``n`` handled, the intake pushed but not yet showing: a scanner's id then Tab."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        send_burst(app, ["n"])
        await wait_for(pilot, lambda: isinstance(app.screen, IntakeScreen))
        assert app.focused is None  # nothing can take the keys yet
        send_burst(app, [*"P-12", "tab", *"Rex", "tab", "c", "enter", *"Beagle"])
        await settle(pilot)
        assert fields(pilot) == {
            "patient-id": "P-12",
            "name": "Rex",
            "species": "cat",
            "breed": "Beagle",
            "age": "",
        }


async def test_enter_always_moves_on_and_later_keys_never_touch_the_species(
    tmp_path: Path,
) -> None:
    """The sequence that lost the breed and age and later turned the dog into a cat."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_intake(pilot)
        await pilot.press(*"P-100", "enter", *"Bella", "enter", "space", "enter")
        await pilot.press(*"CKCS", "enter", "4", "enter")
        await settle(pilot)
        assert fields(pilot) == {
            "patient-id": "P-100",
            "name": "Bella",
            "species": "dog",
            "breed": "CKCS",
            "age": "4",
        }
        assert app.focused is not None and app.focused.id == "sex"
        await pilot.press("right", "enter", "right", "left")  # sex, then keys in the weight
        await settle(pilot)
        assert value(pilot, "species") == "dog"
        assert value(pilot, "sex") == "unknown"  # → stops at the last option
        assert app.focused.id == "weight"


async def test_arrows_choose_at_once_and_the_choice_is_marked_in_text(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_intake(pilot)
        species = screen.query_one("#species", Choice)
        assert "( ) Dog  ( ) Cat" in str(species.render())
        await focus(pilot, "species")
        await pilot.press("right")  # nothing chosen: the first arrow chooses Dog
        assert species.value == "dog"
        assert str(species.render()) == "(•) Dog  ( ) Cat"
        await pilot.press("right")
        assert species.value == "cat"
        assert str(species.render()) == "( ) Dog  (•) Cat"
        await pilot.press("left", "c")
        assert species.value == "cat"
        await pilot.press("d")
        assert species.value == "dog"
        sex = screen.query_one("#sex", Choice)
        await focus(pilot, "sex")
        await pilot.press("m")
        assert sex.value == "M"
        await pilot.press("m")  # the next option starting with m
        assert sex.value == "MN"
        await pilot.press("left")
        assert sex.value == "M"
        parts = screen.query_one("#parts", Choice)
        await focus(pilot, "parts")
        await pilot.press("down")
        assert parts.value == "spinal"
        assert str(parts.render()).splitlines()[1].startswith("(•) spinal")


async def test_tab_reaches_every_field_in_order_and_enter_on_start_starts(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_intake(pilot)
        groups = [f"signs-{g.id}" for g in app.protocols.signs.groups]
        expected = ["name", "species", "breed", "age", "sex", "weight", "examiner"]
        expected += ["exam-date", "parts", *groups, "start"]
        seen = []
        for _ in expected:
            await pilot.press("tab")
            assert app.focused is not None
            seen.append(app.focused.id)
        assert seen == expected
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused.id == groups[-1]
        await pilot.press("tab")
        assert isinstance(app.focused, Button)
        await pilot.press("enter")  # no species yet: refused, focus on the species
        await settle(pilot)
        assert app.screen is screen and app.focused is screen.query_one("#species")
        await pilot.press("d")
        await focus(pilot, "start")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")


async def test_a_click_chooses_the_option_under_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_intake(pilot)
        await pilot.click("#species", offset=(10, 0))  # "( ) Dog  ( ) Cat": on Cat
        assert screen.query_one("#species", Choice).value == "cat"
        await pilot.click("#species", offset=(8, 0))  # the gap between the options
        assert screen.query_one("#species", Choice).value == "cat"
        await pilot.click("#parts", offset=(3, 1))
        assert screen.query_one("#parts", Choice).value == "spinal"


async def test_keys_typed_after_start_go_to_the_wizard_not_the_form(tmp_path: Path) -> None:
    """F5 in a burst: the breed is complete and unchanged, the grade keys after it grade."""
    store = Store(tmp_path / "t.db")
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_intake(pilot)
        send_burst(app, [*"P-5", "tab", "tab", "d", "tab", *"Beagle", "f5", "a", "a", "p"])
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        await settle(pilot)
        [listing] = store.listings()
        exam = store.load_exam(listing.exam_id)
        assert exam is not None
        assert (exam.patient.patient_id, exam.patient.breed) == ("P-5", "Beagle")
        assert [f.grade.value for f in exam.findings] == ["absent", "absent", "present"]


async def test_a_refused_start_keeps_the_keys_typed_after_it(tmp_path: Path) -> None:
    """F5 without a species: focus goes to the species, and the ``d`` typed next chooses Dog."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_intake(pilot)
        send_burst(app, [*"P-6", "f5", "d", "tab", *"Pug"])
        await settle(pilot)
        assert app.screen is screen
        assert fields(pilot) == {
            "patient-id": "P-6",
            "name": "",
            "species": "dog",
            "breed": "Pug",
            "age": "",
        }
