"""Patients, a patient's exams and the comparison of two exams (all read only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable

from neuroexam.core.localize import NONE, CtrStatus, SideCtr
from neuroexam.core.models import ExamStatus, Side
from neuroexam.core.rules import evaluate
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.compare import CompareScreen, hours_text, movement_line
from neuroexam.tui.screens.home import HomeScreen
from neuroexam.tui.screens.patient_exams import PatientExamsScreen, serial_candidates
from neuroexam.tui.screens.patients import PatientsScreen
from neuroexam.tui.screens.summary import SummaryScreen
from tests.tui.helpers import screen_text
from tests.tui.records_seed import OSCAR, OSCAR_FIRST, save_exam, seed


def make(tmp_path: Path) -> NeuroExamApp:
    store = Store(tmp_path / "t.db")
    seed(store)
    return NeuroExamApp(store=store)


async def until(pilot: Pilot, condition: Callable[[], bool], tries: int = 100) -> None:
    """Let the app run until ``condition`` holds (a condition, not a fixed delay)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


def table_rows(app: NeuroExamApp, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def patient_ids(app: NeuroExamApp) -> list[str]:
    return [row[0] for row in table_rows(app, "#patients-table")]


async def open_oscar(pilot: Pilot) -> None:
    """Home → patients → search "oscar" → his exams, evaluated."""
    app = pilot.app
    await pilot.press("p")
    await pilot.press(*"oscar", "enter")  # enter searches now and moves into the list
    await until(pilot, lambda: patient_ids(app) == ["P-7"])  # type: ignore[arg-type]
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, PatientExamsScreen))
    await app.workers.wait_for_complete()
    await until(pilot, lambda: app.screen.row_count > 0)  # type: ignore[attr-defined]


async def test_patients_newest_first_and_search_by_name_or_id(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PatientsScreen)
        assert table_rows(app, "#patients-table") == [
            ["P-7", "Oscar", "dog, Dachshund", "2", "2026-03-01 15:00", "complete"],
            ["P-9", "Mia", "cat", "1", "2026-02-25 14:30", "in progress"],
            ["P-3", "Bella", "dog, Beagle", "1", "2026-02-20 10:00", "complete"],
        ]
        await pilot.press("down")  # from the search box into the list, "/" back to search
        assert app.focused is app.screen.query_one("#patients-table")
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#patients-search")
        await pilot.press(*"BEL")  # case-insensitive name search, as you type
        await until(pilot, lambda: patient_ids(app) == ["P-3"])
        assert "1 patient matching 'BEL'" in screen_text(app)
        for _ in "BEL":
            await pilot.press("backspace")
        await pilot.press(*"p-9")  # by id
        await until(pilot, lambda: patient_ids(app) == ["P-9"])
        await pilot.press(*"zz")
        await until(pilot, lambda: patient_ids(app) == [])
        assert "No patient matches 'p-9zz'." in screen_text(app)
        assert "o" not in app.screen.active_bindings  # nothing to open
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_patient_exams_compare_and_read_only_summary(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_oscar(pilot)
        assert table_rows(app, "#patient-exams-table") == [
            [
                "[ ]",
                "2026-03-01 15:00",
                "Dr Ito",
                "complete",
                "T12/T12",
                "3/6",
                "!!! PMM risk, !! IVDD",
            ],
            ["[ ]", "2026-03-01 09:00", "Dr Vogel", "complete", "L1/L1", "5/6", "! IVDD"],
        ]
        assert "P-7 Oscar · dog · Dachshund — 2 exams, newest first." in screen_text(app)

        await pilot.press("c")  # the highlighted (newest) exam with the one before it
        await until(pilot, lambda: isinstance(app.screen, CompareScreen))
        text = screen_text(app)
        assert "Exam E-O1 (2026-03-01 09:00) → exam E-O2 (2026-03-01 15:00): 6.0 h apart" in text
        assert "left: 2 vertebrae cranially (L1 → T12) — worse" in text
        assert "right: 2 vertebrae cranially (L1 → T12) — worse" in text
        assert "appeared:  PMM risk (moderate, !!! emergency)" in text
        assert "resolved:  none" in text
        assert "persisted: IVDD strong → strong (unchanged)" in text
        assert "T12 ABN" in str(app.screen.query_one("#map-later").render())
        assert "L1 ABN" in str(app.screen.query_one("#map-earlier").render())

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PatientExamsScreen)
        await pilot.press("down", "enter")  # the older exam's summary, read only
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        assert app.screen.exam_id == "E-O1" and app.screen.read_only  # type: ignore[attr-defined]
        assert "f" not in app.screen.active_bindings
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        assert app.screen.exam_id == "E-O1"  # type: ignore[attr-defined]
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    # Looking changed nothing.
    assert app.store.load_exam("E-O2").status is ExamStatus.COMPLETE  # type: ignore[union-attr]


async def test_marked_exams_are_compared_older_first(tmp_path: Path) -> None:
    app = make(tmp_path)
    # A third exam: the cut-off came back to L2 a day later.
    save_exam(app.store, "E-O3", OSCAR_FIRST + timedelta(hours=30), OSCAR, "L2")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_oscar(pilot)
        screen = app.screen
        assert isinstance(screen, PatientExamsScreen)
        await pilot.press("space", "down", "down", "space")  # E-O3 and E-O1
        assert [r[0] for r in table_rows(app, "#patient-exams-table")] == ["[x]", "[ ]", "[x]"]
        await pilot.press("up", "space")  # a third mark replaces the oldest one (E-O3)
        assert screen.marked == ["E-O1", "E-O2"]
        assert [r[0] for r in table_rows(app, "#patient-exams-table")] == ["[ ]", "[x]", "[x]"]
        await pilot.press("space", "up", "space")  # now E-O1 and E-O3
        assert screen.marked == ["E-O1", "E-O3"]
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen))
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        assert compare.older.exam_id == "E-O1" and compare.newer.exam_id == "E-O3"  # type: ignore[union-attr]
        text = screen_text(app)
        assert "30.0 h apart" in text
        assert "left: 1 vertebra caudally (L1 → L2) — better" in text
        # E-O3 is serially compared with E-O2, its previous exam: said, not hidden.
        assert "serial flags compare it with exam E-O2" in text
        assert "appeared:  none" in text


async def test_compare_side_by_side_when_wide_stacked_when_narrow(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        app.compare_exams("E-O2", "E-O1")  # either order: the older one is shown first
        await until(pilot, lambda: isinstance(app.screen, CompareScreen))
        await pilot.pause()
        earlier = app.screen.query_one("#side-earlier")
        later = app.screen.query_one("#side-later")
        assert later.region.x > earlier.region.x and later.region.y == earlier.region.y
        compact = str(app.screen.query_one("#map-later").render()).splitlines()
        assert "910111213" not in "\n".join(compact)  # levels 10-13 never run together
        units = next(i for i, line in enumerate(compact) if line.startswith("lvl"))
        assert compact[units].startswith("lvl   1 2 3 4 5 6 7 8 9 0 1 2 3 1 2 3 4 5 6 7")
        assert compact[units - 1].strip() == "1 1 1 1"  # the tens of T10-T13, above them
        assert compact[units - 1].index("1") == compact[units].index("0")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert later.region.x == earlier.region.x
        assert "10 11 12 13" in str(app.screen.query_one("#map-later").render())


async def test_patient_with_one_exam_has_nothing_to_compare(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("p", "down")  # into the list: P-7, P-9, P-3
        await pilot.press("down", "down", "enter")
        await until(pilot, lambda: isinstance(app.screen, PatientExamsScreen))
        await app.workers.wait_for_complete()
        await until(pilot, lambda: app.screen.row_count == 1)  # type: ignore[attr-defined]
        assert "c" not in app.screen.active_bindings
        assert table_rows(app, "#patient-exams-table")[0][1:4] == [
            "2026-02-20 10:00",
            "Dr Vogel",
            "complete",
        ]


def _side(cutoff: str | None, tested: tuple[str, ...] = ("L7",)) -> SideCtr:
    return SideCtr(Side.LEFT, cutoff, CtrStatus.ABNORMAL, tested)


def test_movement_words() -> None:
    assert movement_line(_side("L1"), _side("T12"), 2) == (
        "left: 2 vertebrae cranially (L1 → T12) — worse"
    )
    assert movement_line(_side("T12"), _side("T13"), -1) == (
        "left: 1 vertebra caudally (T12 → T13) — better"
    )
    assert movement_line(_side("L1"), _side("L1"), 0) == "left: no movement (L1 → L1)"
    assert movement_line(_side(None), _side("L1"), None) == (
        "left: not compared (not tested in the earlier exam)"
    )
    none_now = _side(NONE, ("L7", "L1", "T13"))
    assert movement_line(_side("L1"), none_now, 2) == (
        "left: at least 2 vertebrae cranially (L1 → no twitch up to T13) — worse"
    )
    assert hours_text(6.0) == "6.0 h apart"
    assert hours_text(72.0) == "72.0 h apart (3.0 days)"
    assert hours_text(None).startswith("time between them unknown")


def test_serial_candidates_give_the_same_assessment_as_the_whole_history(
    tmp_path: Path, protocols
) -> None:
    """Ties, an exam without a date and one without trunci findings, in store order."""
    store = Store(tmp_path / "t.db")
    plan = [
        ("S1", 0, "L3"),
        ("S2", 6, None),  # no trunci finding: never the previous exam
        ("S3", 12, "L1"),
        ("S4", 12, "T12"),  # same time as S3
        ("S5", 18, "T13"),
        ("S6", None, "T11"),  # no date
        ("S7", 24, "L2"),
    ]
    for exam_id, hours, cutoff in plan:
        when = OSCAR_FIRST + timedelta(hours=hours) if hours is not None else None
        save_exam(store, exam_id, when, OSCAR, cutoff)
    exams = store.load_exams(patient_id="P-7")
    history = serial_candidates(exams, protocols)
    for exam in exams:
        whole = evaluate(exam, exams, protocols).model_dump()
        assert evaluate(exam, history(exam), protocols).model_dump() == whole, exam.exam_id
    serial = {e.exam_id: evaluate(e, history(e), protocols).serial for e in exams}
    assert serial["S5"].previous_exam_id == "S3"  # type: ignore[union-attr]  # first of the tie
    assert serial["S1"] is None and serial["S6"] is None
