"""At the table (issue 15): fast paths, the alert banner, counters and home's quit key."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList

from neuroexam.core.models import ExamStatus, Grade, Side, TestId
from neuroexam.core.vocab import AuditEvent, Mode
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.widgets.modals import ConfirmModal, TextModal
from tests.tui.helpers import make_app, make_exam, saves_settled, screen_text
from tests.tui.intake_pilot import type_into, wait_for
from tests.tui.records_seed import OSCAR, OSCAR_FIRST, save_exam


def recorded_rows(app: NeuroExamApp, exam_id: str = "E1", notes: bool = False) -> list[str]:
    """The field of each ``recorded`` grade (or, with ``notes``, note) trail row, in order."""
    return [
        r.field
        for r in app.store.audit(exam_id)
        if r.event is AuditEvent.RECORDED and r.is_note is notes
    ]


async def test_normal_dog_takes_three_grade_keys(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("p", "p")  # left L7, right L7: each side ends at its first twitch
        assert "Scratch reflex" in screen_text(app)
        await pilot.press("asterisk")  # every remaining scratch region present
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SummaryScreen")
        assert "within normal limits" in screen_text(app)
    exam = app.store.load_exam("E1")
    assert exam is not None
    scratch = [f for f in exam.findings if f.test is TestId.SCRATCH]
    assert len(scratch) == 10 and {f.grade for f in scratch} == {Grade.PRESENT}
    assert len(recorded_rows(app)) == 12  # one trail row per finding


async def test_shift_p_marks_only_the_current_scratch_side(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "P" not in app.screen.active_bindings  # not on a trunci step
        assert "c" not in app.screen.active_bindings  # no series has ended
        await pilot.press("p", "p", "a")  # scratch ear left absent; cursor on ear right
        assert "ear" in screen_text(app).lower() and "RIGHT side" in screen_text(app)
        await pilot.press("P")  # the rest of the right side present
        await pilot.pause()
        assert type(app.screen).__name__ == "ExamScreen"
        await saves_settled(pilot)  # the writer thread commits off the key path
        exam = app.store.load_exam("E1")
        assert exam is not None
        scratch = (TestId.SCRATCH, Side.RIGHT)
        right = {f.site: f.grade for f in exam.findings if f.key[::2] == scratch}
        assert right == dict.fromkeys(["ear", "neck", "shoulder", "flank", "belly"], Grade.PRESENT)
        left = [f for f in exam.findings if f.key[::2] == (TestId.SCRATCH, Side.LEFT)]
        assert [(f.site, f.grade) for f in left] == [("ear", Grade.ABSENT)]
        assert "neck · LEFT side" in screen_text(app)


async def test_side_not_testable_asks_the_reason_and_keeps_it_on_each_finding(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")  # left L7 absent; the left series goes on
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, TextModal))
        await pilot.press("escape")  # cancel: nothing written
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        assert len(recorded_rows(app)) == 1
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, TextModal))
        await pilot.press(*"bandage", "enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        assert "L7 (wings of the ilium) · RIGHT side" in screen_text(app)
    exam = app.store.load_exam("E1")
    assert exam is not None
    left = [f for f in exam.findings if f.key[::2] == (TestId.CUTANEOUS_TRUNCI, Side.LEFT)]
    assert len(left) == 20
    assert left[0].grade is Grade.ABSENT and left[0].note == ""
    assert {(f.grade, f.note) for f in left[1:]} == {(Grade.NOT_TESTED, "bandage")}
    assert len(recorded_rows(app)) == 20  # one trail row per finding
    assert len(recorded_rows(app, notes=True)) == 19  # and one per reason note


async def test_step_counter_follows_the_cursor_after_back(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a", "p")  # left L7 absent, L6 twitches: 22 active steps
        assert "step 3/32" in screen_text(app)
        await pilot.press("b")
        assert "step 2/32" in screen_text(app)
        await pilot.press("b")
        assert "step 1/32" in screen_text(app)


async def test_q_on_home_asks_before_quitting(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")  # no: still running, back on home
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        assert app.is_running
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
    assert app.return_code == 0


async def test_training_exams_stay_out_of_unfinished_exams_on_home(tmp_path: Path) -> None:
    store = Store(tmp_path / "neuroexam.db")
    clinical = make_exam("C1")
    clinical.findings = []
    training = make_exam("T1", patient_id="TRAIN-case")
    training.mode = Mode.TRAINING
    for exam in (clinical, training):
        store.save_exam_with_findings(exam)
    store.close()
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        resume = app.screen.query_one("#resume", OptionList)
        ids = [resume.get_option_at_index(i).id for i in range(resume.option_count)]
        assert ids == ["C1"]


async def test_step_counter_after_jump_shows_the_jumped_to_step(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "step 1/50" in screen_text(app)
        await pilot.press("j")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceModal")
        await pilot.press("down", "down", "enter")  # the first scratch region
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        text = screen_text(app)
        assert "Scratch reflex" in text and "step 41/50" in text


async def test_finishing_with_unrecorded_steps_lists_them_and_asks(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("p", "p", "a")  # trunci done, scratch ear left absent: 9 left
        await pilot.press("s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SummaryScreen")
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        question = app.screen.question
        assert "9 step(s) are not recorded" in question
        assert "Behind the ear right" in question and "3 more" in question
        await pilot.press("n")  # no: nothing is finished
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SummaryScreen")
    exam = app.store.load_exam("E1")
    assert exam is not None and exam.status is ExamStatus.IN_PROGRESS


async def test_trunci_not_testable_is_not_within_normal_limits(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _side in ("left", "right"):
            await pilot.press("N")
            await wait_for(pilot, lambda: isinstance(app.screen, TextModal))
            await pilot.press(*"bandage", "enter")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        assert "Scratch reflex" in screen_text(app)
        await pilot.press("asterisk")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SummaryScreen")
        text = screen_text(app)
        assert "within normal limits" not in text.lower()
        assert "not tested: trunci reflex" in text


async def test_re_exam_from_the_summary_opens_the_intake_with_the_patient(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "neuroexam.db")
    save_exam(store, "E-O1", OSCAR_FIRST, OSCAR, "L1")
    store.close()
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_summary("E-O1")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SummaryScreen")
        await pilot.press("r")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceModal")
        await pilot.press("enter")  # the first choice: the full exam again
        await wait_for(pilot, lambda: type(app.screen).__name__ == "IntakeScreen")
        assert app.screen.query_one("#patient-id", Input).value == "P-7"
        await pilot.pause()
        assert app.screen.query_one("#name", Input).value == "Oscar"  # the known patient
        assert [type(s).__name__ for s in app.screen_stack][-2] == "HomeScreen"


async def test_wizard_header_shows_the_breed_after_an_intake_edit(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam(breed="Beagle"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")
        assert "Beagle" in app.screen.sub_title
        await pilot.press("i")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "IntakeScreen")
        await type_into(pilot, "breed", "Poodle")
        await wait_for(pilot, lambda: app.store.load_exam("E1").patient.breed == "Poodle")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        await pilot.pause()
        assert "Poodle" in app.screen.sub_title and "Beagle" not in app.screen.sub_title


async def test_c_continues_a_series_and_c_again_stops_it(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("p")  # left L7 twitches: the left series ends
        await pilot.press("c")
        assert "L6 · LEFT side" in screen_text(app)
        assert "press c to stop" in screen_text(app)
        await pilot.press("c")  # changed my mind: the left side ends at L7 again
        text = screen_text(app)
        assert "L7 (wings of the ilium) · RIGHT side" in text
        assert "left series ended at L7" in text
        await saves_settled(pilot)  # the writer thread commits off the key path
        assert app.store.continued("E1") == ""
        await pilot.press("p", "a")  # right L7; scratch ear left: c means nothing here
        assert "c" not in app.screen.active_bindings
        assert "Press c" not in screen_text(app)


async def test_h_goes_home_and_the_exam_resumes_at_its_next_step(tmp_path: Path) -> None:
    """`h` leaves the wizard for home; the exam is listed there and resumes where it was."""
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("p", "a")  # left L7 present; right L7 absent: next is right L6
        assert "L6" in screen_text(app) and "RIGHT side" in screen_text(app)
        await pilot.press("h")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        assert [line.exam_id for line in app.records.unfinished()] == ["E1"]
        await pilot.press("r", "enter")  # the unfinished exams list, its first line
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        text = screen_text(app)
        assert "Cutaneous trunci: L6" in text and "RIGHT side" in text
    exam = app.store.load_exam("E1")
    assert exam is not None and len(exam.findings) == 2
