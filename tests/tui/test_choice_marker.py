"""The choice dialog (re-exam full or trunci-only, take over, student, jump to) marks the
option enter would choose with ``▸`` and shows the digit that picks it: text, not colour
alone, so it reads on a monochrome terminal (``NO_COLOR``), to colour-blind eyes and over a web
terminal. Read from what is drawn, the marker follows the arrow keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from neuroexam.core.intake import ExamParts
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.widgets.choice import Choice
from neuroexam.tui.widgets.modals import ChoiceModal
from tests.tui.helpers import assert_grey_only
from tests.tui.intake_pilot import wait_for
from tests.tui.test_re_exam import make, screen_name

FULL = "Full exam again (scratch + trunci)"
TRUNCI = "Trunci-only re-check (the cutaneous trunci steps alone)"


def drawn_lines(app: App) -> list[str]:
    """The active screen as sent to the terminal, one string a row."""
    update = app.screen._compositor.render_full_update()
    return ["".join(seg.text for strip in line for seg in strip) for line in update.strips]


def shown_before(app: App, label: str, width: int = 4) -> str:
    """The ``width`` cells drawn just before ``label`` (its marker and digit)."""
    rows = [row for row in drawn_lines(app) if label in row]
    assert len(rows) == 1, f"{label!r} is drawn on {len(rows)} rows"
    start = rows[0].index(label)
    return rows[0][start - width : start]


def marked(app: App, *labels: str) -> list[str]:
    """Which of ``labels`` is drawn with the ``▸`` before it."""
    return [label for label in labels if "▸" in shown_before(app, label)]


async def open_re_exam(pilot: Pilot, app: NeuroExamApp) -> None:
    """History, the newest exam (Oscar, P-7), ``r``: the re-exam question."""
    await pilot.press("h")
    await wait_for(pilot, lambda: screen_name(app) == "HistoryScreen")
    await app.workers.wait_for_complete()
    await wait_for(pilot, lambda: app.screen.row_count > 0)  # type: ignore[attr-defined]
    await pilot.press("r")
    await wait_for(pilot, lambda: screen_name(app) == "ChoiceModal")
    await pilot.pause()


async def test_re_exam_choice_marks_the_current_option_without_colour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make(tmp_path)
    assert app.no_color  # Textual draws in shades of grey only
    async with app.run_test(size=(80, 24)) as pilot:
        await open_re_exam(pilot, app)
        assert shown_before(app, FULL) == "▸ 1 "
        assert shown_before(app, TRUNCI) == "  2 "
        assert any("enter, 1–2 or a tap choose" in row for row in drawn_lines(app))

        await pilot.press("down")
        await pilot.pause()
        assert marked(app, FULL, TRUNCI) == [TRUNCI]
        assert shown_before(app, FULL) == "  1 " and shown_before(app, TRUNCI) == "▸ 2 "

        await pilot.press("up")
        await pilot.pause()
        assert marked(app, FULL, TRUNCI) == [FULL]

        assert_grey_only(app)  # no colour reaches the terminal: the marker tells rows apart

        await pilot.press("enter")  # enter still chooses the marked option: the full exam
        await wait_for(pilot, lambda: screen_name(app) == "IntakeScreen")
        await pilot.pause()
        assert app.screen.query_one("#parts", Choice).value == ExamParts.QUICK.value


async def test_the_digit_shown_chooses_its_option_at_once(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_re_exam(pilot, app)
        assert marked(app, FULL, TRUNCI) == [FULL]
        await pilot.press("3")  # no third option: nothing happens
        await pilot.pause()
        assert screen_name(app) == "ChoiceModal"
        await pilot.press("2")  # the trunci-only re-check, without moving the marker first
        await wait_for(pilot, lambda: screen_name(app) == "IntakeScreen")
        await pilot.pause()
        assert app.screen.query_one("#patient-id", Input).value == "P-7"
        assert app.screen.query_one("#parts", Choice).value == ExamParts.TRUNCI.value


async def test_a_long_list_marks_the_current_option_and_has_no_digits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More than nine options (the wizard's jump list): no digits; the marker follows
    ↓ and end, and enter returns the marked option."""
    monkeypatch.setenv("NO_COLOR", "1")
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    words += ["golf", "hotel", "india", "juliett", "kilo", "lima"]
    options = [(word[:3], f"{word.title()} step") for word in words]
    answers: list[str | None] = []
    app: App[None] = App()
    async with app.run_test(size=(80, 40)) as pilot:
        app.push_screen(ChoiceModal("Jump to", options), answers.append)
        await pilot.pause()
        labels = [label for _key, label in options]
        assert marked(app, *labels) == ["Alpha step"]
        assert shown_before(app, "Alpha step", 2) == "▸ "
        assert shown_before(app, "Bravo step", 2) == "  "  # no digit: space before the label
        assert any("enter or a tap choose" in row for row in drawn_lines(app))
        await pilot.press("down", "down")
        await pilot.pause()
        assert marked(app, *labels) == ["Charlie step"]
        await pilot.press("1")  # no digits in a long list: the dialog stays
        await pilot.pause()
        assert answers == [] and isinstance(app.screen, ChoiceModal)
        await pilot.press("end")
        await pilot.pause()
        assert marked(app, *labels) == ["Lima step"]
        await pilot.press("enter")
        await pilot.pause()
        assert answers == ["lim"]


def test_re_exam_choice_snapshot(snap_compare, tmp_path: Path) -> None:
    """The re-exam question at 80×24 as drawn in colour: marker and digits on the rows.

    Update with ``pytest tests/tui/test_choice_marker.py --snapshot-update`` (and look)."""

    app = make(tmp_path)

    async def run_before(pilot: Pilot) -> None:
        await open_re_exam(pilot, app)
        await pilot.press("down")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
