"""Correcting the record from the screens: amend, clear, overshoot, species, reopen, void,
one editor per exam — each change kept in the trail."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import DataTable

from neuroexam.core.models import ExamStatus, Grade, Side, TestId
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.widgets.modals import ChoiceModal, ConfirmModal, TextModal
from tests.tui.helpers import make_app, make_exam, screen_text
from tests.tui.intake_pilot import focus, settle, wait_for
from tests.tui.records_seed import OSCAR, save_exam

L7 = (TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT)


def trail(app: NeuroExamApp, exam_id: str = "E1") -> list[tuple[str, str, str, str, str]]:
    return [
        (r.event.value, r.field, r.old_value, r.new_value, r.reason)
        for r in app.store.audit(exam_id)
    ]


def grade(app: NeuroExamApp, site: str, exam_id: str = "E1") -> Grade | None:
    exam = app.store.load_exam(exam_id)
    assert exam is not None
    return exam.grade(TestId.CUTANEOUS_TRUNCI, site, Side.LEFT)


async def test_amending_a_finding_keeps_both_values_and_the_summary_marks_it(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("a", "b", "p")  # L7 absent, back, L7 present
        assert grade(app, "L7") is Grade.PRESENT
        assert trail(app)[-2:] == [
            ("recorded", "cutaneous_trunci/L7/left", "", "absent", ""),
            ("amended", "cutaneous_trunci/L7/left", "absent", "present", ""),
        ]
        await pilot.press("s")
        await pilot.pause()
        text = screen_text(app)
        assert "AMENDED cutaneous_trunci L7 left: absent → present" in text
        await pilot.press("t")
        await pilot.pause()
        assert type(app.screen).__name__ == "TrailScreen"
        table = app.screen.query_one("#trail-table", DataTable)
        assert table.row_count == len(app.store.audit("E1"))
        cells = [str(c) for c in table.get_row_at(table.row_count - 1)]
        assert cells[2:5] == ["AMENDED", "cutaneous_trunci L7 left", "absent → present"]


async def test_clearing_the_current_finding_leaves_it_unrecorded(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a", "b")
        assert "x" in app.screen.active_bindings
        await pilot.press("x")
        await pilot.pause()
        assert grade(app, "L7") is None
        assert "Recorded:" not in screen_text(app)
        assert trail(app)[-1][:4] == ("cleared", "cutaneous_trunci/L7/left", "absent", "")


async def test_an_answer_that_ends_the_series_earlier_offers_to_clear_the_rest(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a", "a", "a", "b", "b")  # L7-L5 absent, back to L6
        assert "L6" in screen_text(app)
        await pilot.press("p")  # the left series now ends at L6: L5 lies beyond it
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        question = str(app.screen.query_one("#question").render())
        assert "now ends at L6" in question and "L5" in question
        await pilot.press("y")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        assert [grade(app, s) for s in ("L7", "L6", "L5")] == [Grade.ABSENT, Grade.PRESENT, None]
        assert trail(app)[-1] == (
            "cleared",
            "cutaneous_trunci/L5/left",
            "absent",
            "",
            "series now ends at L6",
        )


async def test_keeping_the_findings_beyond_the_end_is_a_choice(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a", "a", "a", "b", "b", "p")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await pilot.pause()
        assert grade(app, "L5") is Grade.ABSENT


async def test_species_corrected_from_the_wizard(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam(breed=""))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.press("i")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "IntakeScreen")
        await focus(pilot, "species")
        await pilot.press("c")
        await settle(pilot)
        if isinstance(app.screen, ConfirmModal):  # findings the cat exam has no step for
            await pilot.press("y")
            await settle(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        await pilot.pause()
        assert "cat" in app.screen.sub_title
        service = app.editing["E1"]
        assert service.session.protocol.species.value == "cat"
    stored = app.store.load_exam("E1")
    assert stored is not None and stored.patient.species.value == "cat"
    assert ("intake_changed", "species", "dog", "cat", "") in trail(app)


def seed_complete(tmp_path: Path) -> Store:
    store = Store(tmp_path / "neuroexam.db")
    when = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    save_exam(store, "E1", when, OSCAR, "L1")  # complete, both sides cut off at L1
    return store


async def test_reopen_amend_and_complete_again_with_a_reason(tmp_path: Path) -> None:
    store = seed_complete(tmp_path)
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_summary("E1", read_only=True)
        await pilot.pause()
        assert "f" not in app.screen.active_bindings  # a complete exam is not finished again
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, TextModal))
        await pilot.press("enter")  # no reason: refused
        await pilot.pause()
        assert app.store.load_exam("E1").status is ExamStatus.COMPLETE  # type: ignore[union-attr]
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, TextModal))
        await pilot.press(*"L1 re-tested", "enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        await pilot.press("j")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await pilot.press("enter")  # the trunci, left side: L7
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        assert "L7 (wings of the ilium) · LEFT side" in screen_text(app)
        await pilot.press("p")  # L7 left: absent -> present (the series would end there)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")  # keep L6..L1 as recorded
        await pilot.press("s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SummaryScreen")
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, (ConfirmModal, TextModal)))
        if isinstance(app.screen, ConfirmModal):
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, TextModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
    rows = trail(app)
    assert ("reopened", "", "complete", "in_progress", "L1 re-tested") in rows
    assert ("amended", "cutaneous_trunci/L7/left", "absent", "present", "L1 re-tested") in rows
    assert [r[0] for r in rows].count("completed") == 2
    assert app.store.load_exam("E1").status is ExamStatus.COMPLETE  # type: ignore[union-attr]


async def test_void_needs_a_reason_and_keeps_the_record(tmp_path: Path) -> None:
    store = seed_complete(tmp_path)
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_summary("E1", read_only=True)
        await pilot.pause()
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, TextModal))
        await pilot.press(*"wrong patient", "enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        app.show_summary("E1", read_only=True)
        await pilot.pause()
        assert "VOIDED" in screen_text(app)
        assert "v" not in app.screen.active_bindings
    voided = app.store.load_exam("E1")
    assert voided is not None and voided.status is ExamStatus.VOIDED and voided.findings
    assert trail(app)[-1] == ("voided", "", "complete", "voided", "wrong patient")


async def test_an_exam_left_untouched_is_discarded(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("h")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        assert "no finding and was discarded" in "\n".join(n.message for n in app._notifications)
    assert app.store.load_exam("E1") is None


async def test_one_editor_per_exam_across_two_apps(tmp_path: Path) -> None:
    path = tmp_path / "neuroexam.db"
    first = NeuroExamApp(store=Store(path), start_exam=make_exam())
    second = NeuroExamApp(store=Store(path))
    async with first.run_test(size=(80, 24)) as one:
        await one.pause()
        await one.press("a")  # L7 left absent, by the first window
        async with second.run_test(size=(80, 24)) as two:
            await two.pause()
            second.resume_exam("E1")
            await wait_for(two, lambda: bool(second.screen.query("#title")))
            prompt = str(second.screen.query_one("#title").render())  # type: ignore[attr-defined]
            assert "is open on" in prompt and " since " in prompt
            await two.press("down", "enter")  # take over
            await wait_for(two, lambda: type(second.screen).__name__ == "ExamScreen")
            await two.press("p")  # L6 left present, by the second window
            await two.pause()
            await one.press("a")  # the first window's next write is refused...
            await wait_for(one, lambda: isinstance(first.screen, ConfirmModal))
            question = str(first.screen.query_one("#question").render())
            assert "taken over" in question
            await one.press("y")  # ...and kept as a new exam, nothing lost
            await wait_for(one, lambda: type(first.screen).__name__ == "HomeScreen")
    store = Store(path)
    kept = store.load_exam("E1")
    assert kept is not None
    assert kept.grade(*L7) is Grade.ABSENT
    assert kept.grade(TestId.CUTANEOUS_TRUNCI, "L6", Side.LEFT) is Grade.PRESENT
    copies = [e for e in store.load_exams() if e.exam_id != "E1"]
    assert len(copies) == 1 and "taken over" in copies[0].exam_note
    assert copies[0].grade(TestId.CUTANEOUS_TRUNCI, "L6", Side.LEFT) is Grade.ABSENT
