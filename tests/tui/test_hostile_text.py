"""Hostile text in the records is shown literally on every screen (issue 9, item 2).

Names, breeds, examiners, ids and notes holding Rich/Textual markup (``[bold red]x[/]``,
``[@click=app.quit]x``, ``[link=file:///etc/passwd]x``) or terminal controls (``ESC ] 0 ;
… BEL``, bidi overrides) are drawn as the characters they are: the markup as text, each control
character escaped (``\\x1b``). The records come straight from the store (an older version, an
import, another program), not through the intake's checks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot

from neuroexam.core.models import ExamStatus, Finding, Patient
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.compare import CompareScreen
from neuroexam.tui.screens.exam import ExamScreen
from neuroexam.tui.screens.history import HistoryScreen
from neuroexam.tui.screens.patient_exams import PatientExamsScreen
from neuroexam.tui.screens.patients import PatientsScreen
from neuroexam.tui.screens.summary import SummaryScreen
from neuroexam.tui.widgets.export_modal import ExportModal
from neuroexam.tui.widgets.modals import ChoiceModal, ConfirmModal, TextModal
from tests.tui.records_seed import save_exam

TITLE_SEQUENCE = "\x1b]0;pwned\x07"  # sets the terminal window's title
NAME = "[bold red]x[/]" + TITLE_SEQUENCE
NAME_SHOWN = "[bold red]x[/]\\x1b]0;pwned\\x07"
BREED = "[@click=app.quit]q"
EXAMINER = "[link=file:///etc/passwd]y"
PATIENT_ID = "P-\u202e7"
PATIENT_ID_SHOWN = "P-\\u202e7"
NOTE = "\x1b[2J[bold]n[/]"
NOTE_SHOWN = "\\x1b[2J[bold]n[/]"
FIRST = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
#: What a terminal acts on: C0 controls but newline, DEL, C1 and the bidi controls.
RAW = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n"} | set(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)

HOSTILE = Patient(patient_id=PATIENT_ID, name=NAME, species="dog", breed=BREED, age_years=5)


def seed_hostile(store: Store) -> None:
    save_exam(store, "E-1[/]", FIRST, HOSTILE, "L1", examiner=EXAMINER)
    save_exam(store, "E-2", FIRST + timedelta(hours=6), HOSTILE, "T12", examiner=EXAMINER)
    save_exam(
        store,
        "E-3",
        FIRST + timedelta(days=1),
        HOSTILE,
        None,
        status=ExamStatus.IN_PROGRESS,
        examiner=EXAMINER,
    )
    finding = Finding(test="cutaneous_trunci", site="L7", side="left", grade="absent", note=NOTE)
    store.save_finding("E-3", finding, 0)


def make(tmp_path: Path) -> NeuroExamApp:
    store = Store(tmp_path / "hostile.db")
    seed_hostile(store)
    return NeuroExamApp(store=store)


def drawn(app: App) -> str:
    """The active screen exactly as it is sent to the terminal, as text."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(seg.text for strip in line for seg in strip) for line in update.strips)


def assert_literal(text: str, *shown: str) -> None:
    raw = sorted({hex(ord(c)) for c in text if c in RAW})
    assert not raw, f"control characters reach the terminal: {raw}"
    for fragment in shown:
        assert fragment in text, f"{fragment!r} is not shown literally"


async def until(pilot: Pilot, condition: Callable[[], bool], tries: int = 200) -> None:
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached")


SIZE = (180, 50)


async def test_home_resume_list(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert_literal(drawn(app), f"{PATIENT_ID_SHOWN} {NAME_SHOWN} (dog, {BREED})")
        await pilot.press("r", "enter")  # resume it: the wizard, its header, the note
        await until(pilot, lambda: isinstance(app.screen, ExamScreen))
        await pilot.press("b")  # back to the recorded step, whose note shows
        await pilot.pause()
        assert_literal(drawn(app), f"{PATIENT_ID_SHOWN} {NAME_SHOWN} · dog · {BREED}", NOTE_SHOWN)


async def test_history(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await until(pilot, lambda: app.screen.row_count == 2)  # type: ignore[attr-defined]
        await pilot.pause()
        assert_literal(drawn(app), f"{PATIENT_ID_SHOWN} {NAME_SHOWN}", BREED)


async def test_patients_and_a_patients_exams(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PatientsScreen))
        await pilot.press(*"[bold", "enter")  # search by name: the search echoes as typed
        await until(pilot, lambda: app.screen.row_count == 1)  # type: ignore[attr-defined]
        await pilot.pause()
        assert_literal(drawn(app), PATIENT_ID_SHOWN, NAME_SHOWN, BREED, "matching '[bold'")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PatientExamsScreen))
        await until(pilot, lambda: app.screen.row_count == 3)  # type: ignore[attr-defined]
        await pilot.pause()
        assert_literal(
            drawn(app),
            f"patient {PATIENT_ID_SHOWN} (read only)",
            f"{PATIENT_ID_SHOWN} {NAME_SHOWN} · dog · {BREED} — 3 exams",
            EXAMINER,
        )


async def test_summary(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.show_summary("E-1[/]", read_only=True)
        await until(pilot, lambda: isinstance(app.screen, SummaryScreen))
        await pilot.pause()
        assert_literal(
            drawn(app),
            f"{PATIENT_ID_SHOWN} {NAME_SHOWN} · dog · {BREED}",
            f"Exam E-1[/] · 2026-03-01 09:00 · examiner {EXAMINER}",
        )


async def test_compare(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.compare_exams("E-1[/]", "E-2")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen))
        await pilot.pause()
        assert_literal(
            drawn(app),
            f"{PATIENT_ID_SHOWN} {NAME_SHOWN} · dog · {BREED}",
            "Exam E-1[/] (2026-03-01 09:00) → exam E-2",
            EXAMINER,
        )


async def test_modals(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ConfirmModal(f"Delete {NAME}? {BREED}"))
        await pilot.pause()
        assert_literal(drawn(app), f"Delete {NAME_SHOWN}? {BREED}")
        await pilot.press("n")

        app.push_screen(ChoiceModal(f"Pick {EXAMINER}", [("a", NAME), ("b", BREED)]))
        await pilot.pause()
        assert_literal(drawn(app), f"Pick {EXAMINER}", NAME_SHOWN, BREED)
        await pilot.press("escape")

        answers: list[str | None] = []
        app.push_screen(TextModal(f"Note for {NAME}", "kept"), answers.append)
        await pilot.pause()
        assert_literal(drawn(app), f"Note for {NAME_SHOWN}")
        modal = app.screen
        modal.query_one("#text").value = "a" + TITLE_SEQUENCE  # type: ignore[attr-defined]  # pasted
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is modal and answers == []  # refused, the dialog stays
        await pilot.press("escape")

        app.push_screen(ExportModal(Path(BREED, "missing", "x.csv")))  # relative: short
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert_literal(drawn(app), f"The folder {BREED}/missing does not exist")


async def test_notifications(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.resume_exam(f"gone {NAME}")
        await pilot.pause()
        shown = list(app._notifications)[-1]
        assert shown.markup is False
        assert_literal(shown.message, f"Exam gone {NAME_SHOWN} is no longer in the records.")
