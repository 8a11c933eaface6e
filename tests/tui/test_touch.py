"""Touch use (a browser tab on a tablet): every key a touch keyboard lacks (F1, F5, Esc, Ctrl)
has a tap target, and grading works by tapping the grade; driven with ``pilot.click``."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from neuroexam.core.models import Grade, TestId
from neuroexam.core.vocab import ExamStatus
from neuroexam.tui.app import NeuroExamApp
from tests.tui.helpers import make_app, make_exam, saves_settled
from tests.tui.intake_pilot import wait_for

WIDTH = 80


async def click_text(pilot: Pilot, widget: Widget, needle: str) -> None:
    """Click the first cell of ``needle`` where the widget shows it."""
    for y in range(widget.size.height):
        text = widget.render_line(y).text
        if needle in text:
            await pilot.click(widget, offset=(text.index(needle), y))
            await pilot.pause()
            return
    raise AssertionError(f"{needle!r} is not on the widget")


def footer_keys(app: App) -> dict[str, FooterKey]:
    """The footer's keys by their key, each checked to lie inside the 80 columns."""
    keys = {}
    for key in app.screen.query(FooterKey):
        region = key.region
        assert region.width > 0 and region.right <= WIDTH, (
            f"{type(app.screen).__name__}: footer key {key.description!r} is cut off"
        )
        keys[key.key] = key
    return keys


async def tap_key(pilot: Pilot, key: str) -> None:
    await pilot.click(footer_keys(pilot.app)[key])
    await pilot.pause()


async def test_grades_are_tapped_on_the_step(tmp_path: Path) -> None:
    """Each grade on the key line is a tap target for the same action as its key; a grade the
    test does not offer is not listed, so not tappable."""
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await pilot.pause()
        service = app.editing["E1"]
        first = service.session.cursor
        assert first is not None
        step_text = app.screen.query_one("#step-text", Static)
        await click_text(pilot, step_text, "a absent")
        assert service.session.grade(first) is Grade.ABSENT
        second = service.session.cursor
        assert second is not None and second != first
        await click_text(pilot, step_text, "p present")
        assert service.session.grade(second) is Grade.PRESENT
        await saves_settled(pilot)  # the writer thread commits off the key path
        stored = app.store.load_exam("E1")
        assert stored is not None and stored.grade(*first.key) is Grade.ABSENT


async def test_clonus_is_tapped_on_a_patellar_step(tmp_path: Path) -> None:
    exam = make_exam()
    exam.parts = "spinal"
    app = make_app(tmp_path, exam)
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await pilot.pause()
        service = app.editing["E1"]
        step = next(s for s in service.session.active_steps() if s.test is TestId.PATELLAR)
        service.session.jump(step)
        app.screen.refresh_view()  # type: ignore[attr-defined]
        await pilot.pause()
        await click_text(pilot, app.screen.query_one("#step-text", Static), "4 clonus")
        assert service.session.grade(step) is Grade.CLONUS


async def test_help_and_fast_paths_are_tapped(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await pilot.pause()
        await click_text(pilot, app.screen.query_one("#step-text", Static), "F1 help")
        assert type(app.screen).__name__ == "HelpModal"
        await pilot.click("#close")
        await pilot.pause()
        assert type(app.screen).__name__ == "ExamScreen"
        await click_text(pilot, app.screen.query_one("#step-text", Static), "N rest of side")
        assert type(app.screen).__name__ == "TextModal"
        await click_text(pilot, app.screen.query_one(".hint", Static), "escape cancel")
        assert type(app.screen).__name__ == "ExamScreen"


async def test_footer_keys_fit_and_are_tapped(tmp_path: Path) -> None:
    """Home → intake (F5, Esc, F1 in the footer) → wizard → summary → back home → quit asks:
    every step by tapping footer keys and hint words only, no key pressed."""
    app = make_app(tmp_path)
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await pilot.pause()
        assert {"n", "q"} <= set(footer_keys(app))
        await tap_key(pilot, "n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "IntakeScreen")
        assert {"f5", "escape", "f1"} <= set(footer_keys(app))
        await tap_key(pilot, "f1")
        assert type(app.screen).__name__ == "HelpModal"
        await pilot.click("#close")
        await pilot.pause()
        await tap_key(pilot, "escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        await tap_key(pilot, "q")
        assert type(app.screen).__name__ == "ConfirmModal"
        await click_text(pilot, app.screen.query_one(".hint", Static), "n no")
        assert type(app.screen).__name__ == "HomeScreen"


async def test_every_footer_fits_80_columns_on_the_exam_screens(tmp_path: Path) -> None:
    """The wizard with the most keys shown (continue a series), its summary, help in the
    footer; a complete exam's summary from history; the trail."""
    app = make_app(tmp_path, make_exam(breed="Dachshund"))
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"aap")  # the left series ended: c continue is offered
        await pilot.pause()
        keys = footer_keys(app)
        assert {"c", "f1", "b", "h", "s"} <= set(keys)
        await tap_key(pilot, "s")
        assert type(app.screen).__name__ == "SummaryScreen"
        assert {"escape", "b", "f", "d", "c", "l"} <= set(footer_keys(app))
        await tap_key(pilot, "t")
        assert type(app.screen).__name__ == "TrailScreen"
        assert "escape" in footer_keys(app)
        await tap_key(pilot, "escape")
        assert type(app.screen).__name__ == "SummaryScreen"
        await tap_key(pilot, "escape")
        assert type(app.screen).__name__ == "ExamScreen"


async def test_a_complete_exams_summary_and_history_fit(tmp_path: Path) -> None:
    from tests.tui.test_snapshots import _seed

    _seed(tmp_path / "neuroexam.db", make_exam(), "aap" + "ap" + "p" * 10, ExamStatus.COMPLETE)
    app: NeuroExamApp = make_app(tmp_path)
    async with app.run_test(size=(WIDTH, 24)) as pilot:
        await pilot.pause()
        await tap_key(pilot, "h")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryScreen")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "h" in footer_keys(app)  # escape does the same (one footer key per action)
        await tap_key(pilot, "o")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SummaryScreen")
        assert {"escape", "o", "v", "h"} <= set(footer_keys(app))
        await tap_key(pilot, "escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HistoryScreen")
        await tap_key(pilot, "h")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
