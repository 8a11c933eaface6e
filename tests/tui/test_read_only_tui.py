"""The app on read-only records: it says so, history and patients browse, writing is refused.

Read-only media are simulated by opening the store with ``read_only=True`` (tests run as root,
which ignores file permissions).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable

from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.history import HistoryScreen
from neuroexam.tui.screens.home import HomeScreen
from neuroexam.tui.screens.patients import PatientsScreen
from neuroexam.tui.screens.summary import SummaryScreen
from tests.tui.records_seed import seed


def read_only_app(tmp_path: Path) -> tuple[NeuroExamApp, Path]:
    path = tmp_path / "t.db"
    writable = Store(path)
    seed(writable)
    writable.close()
    return NeuroExamApp(store=Store(path, read_only=True)), path


async def until(pilot: Pilot, condition: Callable[[], bool], tries: int = 100) -> None:
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


def messages(app: NeuroExamApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_opening_says_read_only_and_history_and_patients_browse(tmp_path: Path) -> None:
    app, path = read_only_app(tmp_path)
    before = path.read_bytes()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert any(
            m.startswith(f"{path}: the records are read-only") and "browsed" in m
            for m in messages(app)
        )
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await app.workers.wait_for_complete()
        table = app.screen.query_one("#history-table", DataTable)
        await until(pilot, lambda: table.row_count > 0)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PatientsScreen))
        await app.workers.wait_for_complete()
        table = app.screen.query_one("#patients-table", DataTable)
        await until(pilot, lambda: table.row_count == 3)
    app.store.close()
    assert path.read_bytes() == before


async def test_new_exam_and_resume_say_why_they_cannot(tmp_path: Path) -> None:
    app, _path = read_only_app(tmp_path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("n")
        await until(
            pilot, lambda: any(m.startswith("Cannot start an exam: ") for m in messages(app))
        )
        assert isinstance(app.screen, HomeScreen)  # no intake opened
        app.resume_exam("E-M1")  # the unfinished exam: shown, not opened for editing
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        await until(
            pilot, lambda: any(m.startswith("Cannot resume an exam: ") for m in messages(app))
        )
        assert app.editing == {}
    app.store.close()


async def test_void_and_reopen_on_the_summary_say_why_they_cannot(tmp_path: Path) -> None:
    app, _path = read_only_app(tmp_path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        app.show_summary("E-B1", read_only=True)  # a complete exam
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        await pilot.press("v")
        await until(
            pilot, lambda: any(m.startswith("Cannot void this exam: ") for m in messages(app))
        )
        await pilot.press("o")
        await until(
            pilot, lambda: any(m.startswith("Cannot amend this exam: ") for m in messages(app))
        )
        assert isinstance(app.screen, SummaryScreen)  # no reason asked for
    app.store.close()
