"""New-exam intake fields: exam date and time, quick/spinal parts, sided signs, the checklist
as ``signs.toml`` has it, and the :class:`Intake` the screen is dismissed with."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot

from neuroexam.core.intake import ExamParts, Intake
from neuroexam.core.models import Exam
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.intake import IntakeScreen
from neuroexam.tui.widgets.sign_list import SignList
from tests.tui.intake_pilot import (
    NOW,
    fixed_clock,  # noqa: F401 - fixture
    focus,
    label_text,
    settle,
    type_into,
    value,
    wait_for,
)

pytestmark = pytest.mark.usefixtures("fixed_clock")


async def start_intake(app: NeuroExamApp, pilot: Pilot) -> list[object]:
    """Push a new-exam intake; the list receives what it is dismissed with."""
    results: list[object] = []
    await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
    await app.push_screen(IntakeScreen(), results.append)
    await wait_for(pilot, lambda: app.focused is not None)
    return results


def started(app: NeuroExamApp) -> Exam:
    exam = app.screen.session.exam  # type: ignore[attr-defined]
    assert isinstance(exam, Exam)
    return exam


async def tick(pilot: Pilot, group: str, sign_id: str, *keys: str) -> None:
    signs = pilot.app.screen.query_one(f"#signs-{group}", SignList)
    await focus(pilot, f"signs-{group}")
    signs.highlighted = [i.id for i in signs.items].index(sign_id)
    await pilot.press(*keys)


async def test_exam_date_defaults_to_now_and_takes_an_earlier_time(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        results = await start_intake(app, pilot)
        assert value(pilot, "exam-date") == "2027-05-03 10:15"
        await type_into(pilot, "exam-date", "yesterday")
        await settle(pilot)
        assert label_text(pilot, "exam-date-error") == (
            "exam date: YYYY-MM-DD HH:MM, not in the future"
        )
        await type_into(pilot, "exam-date", "2027-05-03 10:30")  # 15 min ahead: refused
        await focus(pilot, "species")
        await pilot.press("d", "f5")
        await settle(pilot)
        assert isinstance(app.screen, IntakeScreen)
        assert app.focused is app.screen.query_one("#exam-date")
        await type_into(pilot, "exam-date", "2027-05-01T07:05")
        await pilot.press("f5")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        assert started(app).exam_date == datetime(2027, 5, 1, 7, 5, tzinfo=UTC)
        assert started(app).exam_id.startswith("EX-20270501-")
    [intake] = results
    assert isinstance(intake, Intake)
    assert intake.exam_date == datetime(2027, 5, 1, 7, 5, tzinfo=UTC)


async def test_the_default_date_is_the_time_the_exam_starts(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        results = await start_intake(app, pilot)
        await focus(pilot, "species")
        await pilot.press("c", "f5")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        assert started(app).exam_date == NOW
    [intake] = results
    assert isinstance(intake, Intake) and intake.exam_date is None


async def test_parts_choice_is_returned_with_the_intake(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        results = await start_intake(app, pilot)
        assert value(pilot, "parts") == "quick"
        await pilot.press("tab", "tab", "d", "tab", "tab", "tab", "tab", "tab", "tab", "tab")
        assert app.focused is not None and app.focused.id == "parts"
        await pilot.press("s", "f5")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
    [intake] = results
    assert isinstance(intake, Intake) and intake.parts is ExamParts.SPINAL


async def test_sided_signs_are_stored_with_their_side(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await start_intake(app, pilot)
        await pilot.press("tab", "tab", "d")
        await tick(pilot, "neuro_history", "phantom_scratching", "l")
        await tick(pilot, "neuro_history", "horner_syndrome", "b")
        await tick(pilot, "neuro_history", "forelimb_lameness", "space")  # side unknown
        await tick(pilot, "neuro_history", "touch_aversion", "right", "right")  # left, right
        await tick(pilot, "neuro_history", "scoliosis", "r", "u")  # right, then unknown
        assert "space ticks · l left" in str(app.screen.query_one("#context-help").render())
        await tick(pilot, "neuro_history", "neck_pain", "l")  # no side for neck pain
        signs = app.screen.query_one("#signs-neuro_history", SignList)
        await settle(pilot)
        prompts = [str(signs.get_option_at_index(i).prompt) for i in range(signs.option_count)]
        assert "Phantom scratching  ✓ left" in prompts
        assert "Horner's syndrome  ✓ both" in prompts
        assert "Forelimb lameness  ✓ side?" in prompts
        assert "Neck pain" in prompts
        assert "neck_pain" not in signs.selected
        await pilot.press("f5")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        assert started(app).signs == [
            "phantom_scratching:left",
            "touch_aversion:right",
            "scoliosis",
            "forelimb_lameness",
            "horner_syndrome:left",
            "horner_syndrome:right",
        ]


async def test_every_sign_of_the_checklist_is_listed(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await start_intake(app, pilot)
        signs = app.protocols.signs
        listed = [i.id for lst in app.screen.query(SignList) for i in lst.items]
        assert listed == [s.id for g in signs.groups for s in signs.signs if s.group == g.id]
        assert sorted(listed) == sorted(app.protocols.sign_ids())


async def test_examiner_comes_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings' ``examiner`` fills a new exam's examiner field (README: Settings)."""
    config = tmp_path / "settings.toml"
    config.write_text('examiner = "Dr A. Vogel"\n', encoding="utf-8")
    monkeypatch.setenv("NEUROEXAM_CONFIG", str(config))
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await start_intake(app, pilot)
        assert value(pilot, "examiner") == "Dr A. Vogel"
