"""The history screen: complete exams only, newest first, cut-offs and flags, open read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import DataTable, Label

from neuroexam.core.models import Exam, ExamStatus, Finding, Patient, Side, TestId
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.history import COLUMNS, HistoryScreen
from neuroexam.tui.screens.home import HomeScreen
from neuroexam.tui.screens.summary import SummaryScreen

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def save(
    store: Store,
    exam_id: str,
    day: int,
    breed: str,
    cutoff: str,
    signs: list[str] | None = None,
    status: ExamStatus = ExamStatus.COMPLETE,
    patient_id: str = "",
    name: str = "Rex",
) -> None:
    """CTR from L7 cranially: absent up to ``cutoff``, present there (both sides)."""
    store.create_exam(
        Exam(
            exam_id=exam_id,
            exam_date=START + timedelta(days=day),
            patient=Patient(
                patient_id=patient_id or exam_id.replace("E", "P"),
                name=name,
                species="dog",
                breed=breed,
                age_years=5,
            ),
            signs=signs or [],
        )
    )
    levels = ["L7", "L6", "L5", "L4", "L3", "L2", "L1"]
    for side in Side:
        for level in levels[: levels.index(cutoff) + 1]:
            grade = "present" if level == cutoff else "absent"
            store.record_finding(
                exam_id, Finding(test=TestId.CUTANEOUS_TRUNCI, site=level, side=side, grade=grade)
            )
    if status is ExamStatus.COMPLETE:
        store.complete_exam(exam_id, by="test")


def rows(app: NeuroExamApp) -> list[list[str]]:
    table = app.screen.query_one("#history-table", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_history_lists_complete_exams_newest_first(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    save(app.store, "E1", 0, "Beagle", "L7")
    save(app.store, "E2", 2, "Doxie", "L1", signs=["back_pain"], name="=cmd")
    save(app.store, "E3", 5, "Beagle", "L6", status=ExamStatus.IN_PROGRESS)
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_history()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one("#history-table", DataTable)
        assert [str(c.label) for c in table.columns.values()] == list(COLUMNS)
        assert rows(app) == [
            ["2026-03-03 09:00", "P2 =cmd", "Dachshund", "L1/L1", "5/6", "! IVDD"],
            ["2026-03-01 09:00", "P1 Rex", "Beagle", "L7/L7", "-", "normal"],
        ]
        title = str(app.screen.query_one("#history-title", Label).render())
        assert title.startswith("2 complete exams, newest first.")

        await pilot.press("down", "enter")  # the second row: E1
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert app.screen.exam_id == "E1" and app.screen.read_only
        assert "f" not in app.screen.active_bindings
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)

        await pilot.press("o")  # the cursor stayed on E1
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen) and app.screen.exam_id == "E1"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    # Nothing in the store was changed by looking.
    assert app.store.load_exam("E1").status is ExamStatus.COMPLETE  # type: ignore[union-attr]
    assert app.store.load_exam("E3").status is ExamStatus.IN_PROGRESS  # type: ignore[union-attr]


async def test_history_compares_an_exam_with_the_patients_earlier_one(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    save(app.store, "E1", 0, "Beagle", "L3", patient_id="P9")
    save(app.store, "E2", 1, "Beagle", "L1", patient_id="P9")
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_history()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        newest = rows(app)[0]
        assert newest[3] == "L1/L1"
        assert newest[4] == "6/6"  # the MFS column: a back presentation without a gait sign
        assert newest[5] == "!!! PMM risk, ! IVDD"  # titles and urgency, not flag ids


async def test_empty_history_says_so_and_h_goes_home(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    save(app.store, "E1", 0, "Beagle", "L7", status=ExamStatus.IN_PROGRESS)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        title = str(app.screen.query_one("#history-title", Label).render())
        assert title == "No complete exams yet. Finish an exam to see it here."
        assert "o" not in app.screen.active_bindings
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
