"""Whole exams driven by keys: what the screens show and what the store holds."""

from __future__ import annotations

from pathlib import Path

from neuroexam.core.models import ExamStatus, Grade, Side, TestId
from tests.tui.helpers import make_app, make_exam, saves_settled, screen_text

ALL_SCRATCH_PRESENT = ["p"] * 10  # ear, neck, shoulder, flank, belly × left/right


def stored_grade(app, exam_id: str, test: TestId, site: str, side: Side) -> Grade | None:
    exam = app.store.load_exam(exam_id)
    return exam.grade(test, site, side)


async def test_normal_beagle_whole_exam(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam(breed="Beagle", signs=["kicks_in_sleep"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "ExamScreen"
        assert "L7 (wings of the ilium) · LEFT side" in screen_text(app)
        # Left: L7 absent, L6 absent, L5 present -> series ends; right: L7 absent, L6 present.
        await pilot.press("a", "a", "p")
        assert "RIGHT side" in screen_text(app)
        assert "left series ended at L5" in screen_text(app)
        await pilot.press("a", "p")
        assert "Scratch reflex" in screen_text(app)
        await pilot.press(*ALL_SCRATCH_PRESENT)
        await pilot.pause()
        assert type(app.screen).__name__ == "SummaryScreen"
        text = screen_text(app)
        assert "within normal limits" in text
        assert "does not diagnose" in text
    exam = app.store.load_exam("E1")
    assert len(exam.findings) == 15
    assert exam.grade(TestId.CUTANEOUS_TRUNCI, "L5", Side.LEFT) is Grade.PRESENT
    assert exam.grade(TestId.CUTANEOUS_TRUNCI, "L4", Side.LEFT) is None  # never tested
    assert exam.grade(TestId.CUTANEOUS_TRUNCI, "L6", Side.RIGHT) is Grade.PRESENT


async def test_dachshund_with_l1_cutoff_flags_ivdd(tmp_path: Path) -> None:
    exam = make_exam(breed="Doxie", signs=["back_pain", "paraparesis_non_ambulatory"])
    app = make_app(tmp_path, exam)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"aaaaaa", "p")  # left: L7..L2 absent, L1 present
        await pilot.press(*"000000", "2")  # right, with the digit aliases
        # The map shows the cut-off as abnormal in text, not only in colour.
        assert "L1 ABN" in screen_text(app)
        await pilot.press(*ALL_SCRATCH_PRESENT)
        await pilot.pause()
        text = screen_text(app)
        assert "Thoracolumbar myelopathy consistent with IVDD" in text
        assert "T10-L1" in text
        assert "URGENT" in text.upper()
    stored = app.store.load_exam("E1")
    assert stored.grade(TestId.CUTANEOUS_TRUNCI, "L2", Side.RIGHT) is Grade.ABSENT
    assert stored.grade(TestId.CUTANEOUS_TRUNCI, "L1", Side.RIGHT) is Grade.PRESENT
    assert stored.patient.breed in ("Doxie", "Dachshund")


async def test_cavalier_with_exaggerated_left_neck_and_phantom_scratching(tmp_path: Path) -> None:
    exam = make_exam(breed="Cavalier King Charles Spaniel", signs=["phantom_scratching"], age=3)
    app = make_app(tmp_path, exam)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a", "p", "p")  # left L7 absent, L6 present; right L7 present
        await pilot.press("p", "p")  # ear left, right
        assert "neck" in screen_text(app).lower()
        await pilot.press("e", "p")  # neck left exaggerated, right present
        assert "EXAG ⚠" in screen_text(app)
        await pilot.press(*["p"] * 6)
        await pilot.pause()
        text = screen_text(app)
        assert "syringomyelia" in text.lower()
        assert "strong" in text
        assert "exaggerated scratch reflex at neck left" in text
    assert stored_grade(app, "E1", TestId.SCRATCH, "neck", Side.LEFT) is Grade.EXAGGERATED


async def test_back_changes_an_answer_and_is_dimmed_on_first_step(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.check_action("back", ()) is None  # dimmed on the first step
        await pilot.press("a")
        assert app.screen.check_action("back", ()) is True
        await pilot.press("b")
        assert "L7 (wings of the ilium) · LEFT side" in screen_text(app)
        assert "Recorded: absent" in screen_text(app)
        await pilot.press("r")
        await saves_settled(pilot)  # the writer thread commits off the key path
        assert stored_grade(app, "E1", TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT) is Grade.REDUCED
        await pilot.press("backspace")
        assert "L7 (wings of the ilium) · LEFT side" in screen_text(app)


async def test_first_twitch_ends_the_side_and_c_continues_it(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("p")  # L7 left responds: the left series ends
        assert "RIGHT side" in screen_text(app)
        await pilot.press("c")  # keep testing the left side cranially
        assert "L6 · LEFT side" in screen_text(app)
        await pilot.press("p")
        await saves_settled(pilot)  # the writer thread commits off the key path
        assert stored_grade(app, "E1", TestId.CUTANEOUS_TRUNCI, "L6", Side.LEFT) is Grade.PRESENT
    assert app.store.continued("E1") == "cutaneous_trunci:left"


async def test_note_is_saved_on_the_current_step(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*"dog tense", "enter")
        await pilot.pause()
        await saves_settled(pilot)  # the writer thread commits off the key path
        exam = app.store.load_exam("E1")
        assert exam.findings[0].note == "dog tense"
        assert exam.findings[0].grade is Grade.NOT_TESTED  # a note alone does not grade
        assert "Note: dog tense" in screen_text(app)
        await pilot.press("a")  # grading keeps the note
        await saves_settled(pilot)  # the writer thread commits off the key path
        exam = app.store.load_exam("E1")
        assert exam.findings[0].grade is Grade.ABSENT and exam.findings[0].note == "dog tense"


async def test_jump_to_scratch_region(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("j")
        await pilot.pause()
        options = app.screen.query_one("#choices")
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        target = next(
            i for i, label in enumerate(labels) if "Shoulder" in label or "shoulder" in label
        )
        options.highlighted = target
        await pilot.press("enter")
        await pilot.pause()
        assert "shoulder" in screen_text(app).lower()
        assert "LEFT side" in screen_text(app)
        await pilot.press("e")
        await saves_settled(pilot)  # the writer thread commits off the key path
        assert stored_grade(app, "E1", TestId.SCRATCH, "shoulder", Side.LEFT) is Grade.EXAGGERATED


async def test_f1_shows_teaching_note(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpModal"
        markdown = app.screen.query_one("#help-text")
        assert "Teaching note" in markdown.source
        assert "Muguet-Chanoit" in markdown.source
        await pilot.press("escape")
        assert type(app.screen).__name__ == "ExamScreen"


async def test_not_tested_key_and_ctrl_q_keep_exam_resumable(tmp_path: Path) -> None:
    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n", "a")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0 or app.return_code is None
    exam = app.store.load_exam("E1")
    assert exam.status is ExamStatus.IN_PROGRESS
    assert [f.grade for f in exam.findings] == [Grade.NOT_TESTED, Grade.ABSENT]

    again = make_app(tmp_path)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "E1" in [o.id for o in again.screen.query_one("#resume")._options]
        await pilot.press("r", "enter")
        await pilot.pause()
        assert type(again.screen).__name__ == "ExamScreen"
        assert "L5 · LEFT side" in screen_text(again)


async def test_failed_save_is_announced_and_retried(tmp_path: Path, monkeypatch) -> None:
    from neuroexam.records.store import StoreError

    app = make_app(tmp_path, make_exam())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        writer = app.saver.store  # the writer thread's own connection
        real = writer.record_finding

        def full_disk(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise StoreError(f"{app.store.path}: the disk is full")

        monkeypatch.setattr(writer, "record_finding", full_disk)
        await pilot.press("a", "a")
        await saves_settled(pilot)
        messages = [n.message for n in app._notifications]
        assert any("NOT SAVED" in m and "disk is full" in m for m in messages)
        text = screen_text(app)
        assert "L5 · LEFT side" in text  # the exam goes on
        assert "NOT SAVED: 2 change(s) waiting" in text  # shown until saved
        assert app.saver.unsaved == 2
        monkeypatch.setattr(writer, "record_finding", real)
        # no key pressed: the retry timer writes them
        for _ in range(40):
            await pilot.pause(0.1)
            if app.saver.unsaved == 0:
                break
        assert app.saver.unsaved == 0
        await pilot.pause()
        assert "NOT SAVED" not in screen_text(app)
        await pilot.press("p")
    stored = app.store.load_exam("E1")
    assert [f.grade for f in stored.findings] == [Grade.ABSENT, Grade.ABSENT, Grade.PRESENT]


async def test_summary_after_failed_saves_shows_the_live_findings(
    tmp_path: Path, monkeypatch
) -> None:
    from neuroexam.records.store import StoreError

    app = make_app(tmp_path, make_exam(breed="Dachshund"))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()

        def full_disk(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise StoreError(f"{app.store.path}: the disk is full")

        monkeypatch.setattr(app.saver.store, "record_finding", full_disk)
        # L7..L2 absent, L1 present on both sides: 14 findings, none written
        await pilot.press(*(["a"] * 6 + ["p"]) * 2)
        await pilot.press("s")
        await pilot.pause()
        assert type(app.screen).__name__ == "SummaryScreen"
        text = screen_text(app)
        assert "left L1 (ABNORMAL)" in text and "not tested" not in text.split("Trunci")[1][:60]
        assert app.store.load_exam("E1").findings == []
        assert app.saver.unsaved == 14
