"""On/off radio buttons and the current row of a list differ in characters, not by colour
alone: read from what is drawn under ``NO_COLOR`` (a monochrome or web terminal, colour-blind
eyes), while the keys that move and choose work as before.

- radio buttons (the training level row, the export dialog's layout): ``(•)`` on, ``( )`` off;
  in the export dialog the button the arrows moved to (what enter would press) reads ``▸``;
- lists (home's unfinished exams and re-checks due, the training cases, the commit rows): the
  highlighted row reads ``▸`` while its list has the focus, ``▹`` while it has not.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input

from neuroexam.core.models import ExamStatus
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.training import case_label
from neuroexam.tui.widgets.choice import Choice
from neuroexam.tui.widgets.export_modal import RecordsExportModal, records_export_path
from tests.tui.helpers import assert_grey_only
from tests.tui.intake_pilot import wait_for
from tests.tui.test_choice_marker import drawn_lines, shown_before
from tests.tui.test_training import beagle, grade_case
from tests.tui.test_training import make_app as training_app


@pytest.fixture(autouse=True)
def no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


def row_with(app: App, text: str) -> str:
    rows = [row for row in drawn_lines(app) if text in row]
    assert len(rows) == 1, f"{text!r} is drawn on {len(rows)} rows"
    return rows[0]


def marks(app: App, *labels: str) -> list[str]:
    """The two cells drawn before each label: ``▸ ``, ``▹ `` or blank."""
    return [shown_before(app, label, 2) for label in labels]


# ---------------------------------------------------------------- training: level row, cases


async def test_training_level_row_and_case_list_read_without_colour(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "neuroexam.db"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TrainingScreen")
        await pilot.pause()
        screen = app.screen
        level = row_with(app, "Level")
        assert "(•) any" in level and "( ) beginner" in level and "( ) advanced" in level
        assert "●" not in level  # Textual's own button: the same dot on and off
        assert_grey_only(app)

        cases = list(screen.shown)  # type: ignore[attr-defined]
        first, second = case_label(cases[0]), case_label(cases[1])
        # The student's name has the focus: the list's current case rests (▹), enter goes
        # to the name.
        assert marks(app, first, second) == ["▹ ", "  "]
        await pilot.press(*"Bo", "enter")  # the name, then the list
        await pilot.pause()
        assert marks(app, first, second) == ["▸ ", "  "]
        await pilot.press("down")
        await pilot.pause()
        assert marks(app, first, second) == ["  ", "▸ "]
        await pilot.press("up")
        await pilot.pause()
        assert marks(app, first, second) == ["▸ ", "  "]

        # ←/→ on the level row choose at once; the dot moves with the choice.
        screen.query_one("#level").focus()
        await pilot.press("right")
        await pilot.pause()
        assert screen.level == "beginner"  # type: ignore[attr-defined]
        level = row_with(app, "Level")
        assert "( ) any" in level and "(•) beginner" in level
        assert "(•) intermediate" not in level and level.count("(•)") == 1
        shown = screen.shown  # type: ignore[attr-defined]
        assert {case.level for case in shown} == {"beginner"}
        assert marks(app, case_label(shown[0])) == ["▹ "]  # the list has not the focus
        await pilot.press("left")
        await pilot.pause()
        assert screen.level is None  # type: ignore[attr-defined]
        level = row_with(app, "Level")
        assert "(•) any" in level and "( ) beginner" in level

        # Enter still starts the marked case.
        screen.query_one("#cases").focus()
        await pilot.press("down")
        await pilot.pause()
        assert marks(app, first, second) == ["  ", "▸ "]
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpModal")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TrainingExamScreen")
        assert app.screen.case.id == cases[1].id  # type: ignore[attr-defined]


# ---------------------------------------------------------------- export dialog: layout


FINDINGS = "Findings: one row per finding"
SUMMARY = "Summary: one row per exam"


async def test_export_layout_reads_on_off_and_cursor_without_colour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.unit.export_fixtures import golden_exams

    folder = tmp_path / "exports"
    folder.mkdir()
    monkeypatch.setenv("NEUROEXAM_EXPORT_DIR", str(folder))
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    for exam in golden_exams():
        app.store.save_exam_with_findings(exam)
    async with app.run_test(size=(100, 30)) as pilot:
        app.show_history()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordsExportModal))
        await pilot.pause()
        # The file name has the focus: no cursor in the layouts, the dot on the findings.
        assert [shown_before(app, label, 6) for label in (FINDINGS, SUMMARY)] == [
            "  (•) ",
            "  ( ) ",
        ]
        await pilot.press("tab")
        await pilot.pause()
        assert [shown_before(app, label, 6) for label in (FINDINGS, SUMMARY)] == [
            "▸ (•) ",
            "  ( ) ",
        ]
        await pilot.press("down")  # the cursor moves; the layout does not change yet
        await pilot.pause()
        assert [shown_before(app, label, 6) for label in (FINDINGS, SUMMARY)] == [
            "  (•) ",
            "▸ ( ) ",
        ]
        assert_grey_only(app)
        await pilot.press("enter")  # takes the summary layout
        await pilot.pause()
        assert [shown_before(app, label, 6) for label in (FINDINGS, SUMMARY)] == [
            "  ( ) ",
            "▸ (•) ",
        ]
        field = app.screen.query_one("#export-path", Input)
        out = records_export_path("summary")
        assert field.value == str(out)
        await pilot.press("shift+tab")  # back to the name: the cursor mark goes
        await pilot.pause()
        assert app.focused is field
        assert [shown_before(app, label, 6) for label in (FINDINGS, SUMMARY)] == [
            "  ( ) ",
            "  (•) ",
        ]
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert f"Exported 5 exams (summary) to {out}" in [n.message for n in app._notifications]


# ---------------------------------------------------------------- home: resume, re-checks due


def two_of_each(tmp_path: Path) -> Store:
    """Two unfinished exams (Bella, Mia) and two trunci re-checks due (Bella IVDD, Oscar PMM)."""
    from tests.tui.records_seed import BELLA, MIA, OSCAR, OSCAR_FIRST, save_exam

    store = Store(tmp_path / "t.db")
    signs = ("paraplegia", "deep_pain_absent")
    save_exam(store, "E-O1", OSCAR_FIRST, OSCAR, "L1", signs=signs)
    save_exam(store, "E-O2", OSCAR_FIRST + timedelta(hours=6), OSCAR, "T12", signs=signs)
    save_exam(store, "E-B1", OSCAR_FIRST + timedelta(hours=2), BELLA, "L1", signs=signs)
    save_exam(store, "E-M1", OSCAR_FIRST, MIA, None, status=ExamStatus.IN_PROGRESS)
    later = OSCAR_FIRST + timedelta(hours=1)
    save_exam(store, "E-B2", later, BELLA, None, status=ExamStatus.IN_PROGRESS)
    return store


async def test_home_lists_mark_the_current_row_without_colour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from tests.tui.test_re_exam import fixed_now

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        fixed_now(monkeypatch, 11)
        app = NeuroExamApp(store=two_of_each(tmp_path))
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            bella, mia = "2026-03-01 10:00  P-3 Bella", "2026-03-01 09:00  P-9 Mia"
            ivdd, pmm = "OVERDUE since 2026-03-01 15:00", "OVERDUE since 2026-03-01 19:00"
            assert marks(app, bella, mia, ivdd, pmm) == ["  "] * 4  # nothing chosen yet
            await pilot.press("r")
            await pilot.pause()
            assert marks(app, bella, mia) == ["▸ ", "  "]
            await pilot.press("down")
            await pilot.pause()
            assert marks(app, bella, mia) == ["  ", "▸ "]
            assert_grey_only(app)
            await pilot.press("c")  # the re-checks: their first row; the resume list rests
            await pilot.pause()
            assert marks(app, bella, mia, ivdd, pmm) == ["  ", "▹ ", "▸ ", "  "]
            await pilot.press("down")
            await pilot.pause()
            assert marks(app, ivdd, pmm) == ["  ", "▸ "]
            await pilot.press("enter")  # Oscar's trunci-only re-check
            await wait_for(pilot, lambda: type(app.screen).__name__ == "IntakeScreen")
            await pilot.pause()
            assert app.screen.query_one("#patient-id", Input).value == "P-7"
            assert app.screen.query_one("#parts", Choice).value == "trunci"
    finally:
        monkeypatch.undo()
        time.tzset()


# ---------------------------------------------------------------- commit screen


async def test_commit_rows_mark_the_current_row_without_colour(tmp_path: Path) -> None:
    case = beagle()
    app = training_app(tmp_path, case)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("escape")  # the case presentation
        await pilot.pause()
        await grade_case(pilot, app, case)
        assert type(app.screen).__name__ == "CommitScreen"
        await pilot.pause()
        localisation, ivdd = "Localisation  ‹", "Thoracolumbar myelopathy consistent with IVDD"
        assert marks(app, localisation) == ["▸ "]
        assert shown_before(app, ivdd, 13) == "  [  none  ] "
        await pilot.press("down")
        await pilot.pause()
        assert marks(app, localisation) == ["  "]
        assert shown_before(app, ivdd, 13) == "▸ [  none  ] "
        assert_grey_only(app)
        await pilot.press("2")  # the digit sets the marked row
        await pilot.pause()
        assert shown_before(app, ivdd, 13) == "▸ [moderate] "
        await pilot.press("up", "0")
        await pilot.pause()
        assert "▸ Localisation  ‹ T3-L3 (thoracolumbar cord) ›" in row_with(app, localisation)
        assert shown_before(app, ivdd, 13) == "  [moderate] "
