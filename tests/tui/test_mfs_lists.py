"""The Modified Frankel Score beside the lists and the comparison: a column in history and a
patient's exams (with the scale's direction in the title), and "MFS 3 → 1" on compare."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Label, Static

from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.compare import CompareScreen
from neuroexam.tui.screens.history import COLUMNS, HistoryScreen
from tests.tui.intake_pilot import wait_for
from tests.tui.test_history_screen import save


def seed(store: Store) -> None:
    """One Dachshund: non-ambulatory paraparesis (MFS 3), a day later paraplegic without
    superficial pain (MFS 1)."""
    save(
        store,
        "E1",
        0,
        "Dachshund",
        "L1",
        ["paraparesis_non_ambulatory", "back_pain"],
        patient_id="P5",
    )
    save(
        store,
        "E2",
        1,
        "Dachshund",
        "L1",
        ["paraplegia", "superficial_pain_absent"],
        patient_id="P5",
    )


async def test_history_has_an_mfs_column_with_its_direction(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    seed(app.store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_history()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one("#history-table", DataTable)
        assert "MFS" in COLUMNS
        column = COLUMNS.index("MFS")
        cells = [str(table.get_row_at(i)[column]) for i in range(table.row_count)]
        assert cells == ["1/6", "3/6"]
        title = str(app.screen.query_one("#history-title", Label).render())
        assert "MFS: Modified Frankel Score, 0 worst, 6 normal" in title


async def test_compare_shows_the_mfs_change_and_its_direction(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    seed(app.store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.push_screen(CompareScreen("E1", "E2"))
        await pilot.pause()
        line = app.screen.query_one("#mfs-change", Static)
        assert str(line.render()) == "MFS 3 → 1 (0 worst, 6 normal) — worse"
        assert line.has_class("worse")


async def test_the_later_summary_says_mfs_3_to_1(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    seed(app.store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_summary("E2", read_only=True)
        await wait_for(pilot, lambda: bool(app.screen.query("#mfs-change")))
        line = app.screen.query_one("#mfs-change", Static)
        assert str(line.render()) == "MFS 3 → 1 (0 worst, 6 normal)"
