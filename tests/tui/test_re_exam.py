"""Serial work at the table (issue 15): re-exam a patient from history, patients and a
patient's exams (full or trunci-only), the exam date from the summary, re-checks due."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import DataTable, Input

from neuroexam.core.intake import ExamParts
from neuroexam.core.models import Grade, TestId
from neuroexam.core.vocab import AuditEvent
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.widgets.choice import Choice
from tests.tui.helpers import saves_settled, screen_text
from tests.tui.intake_pilot import wait_for
from tests.tui.records_seed import seed


def make(tmp_path: Path) -> NeuroExamApp:
    store = Store(tmp_path / "t.db")
    seed(store)
    return NeuroExamApp(store=store)


def screen_name(app: NeuroExamApp) -> str:
    return type(app.screen).__name__


async def choose_and_start(pilot, app: NeuroExamApp, choice: str) -> None:  # type: ignore[no-untyped-def]
    """In the re-exam question pick ``full`` or ``trunci``, then start from the intake."""
    await wait_for(pilot, lambda: screen_name(app) == "ChoiceModal")
    await pilot.press(*(["down"] if choice == "trunci" else []), "enter")
    await wait_for(pilot, lambda: screen_name(app) == "IntakeScreen")
    await pilot.pause()


async def test_trunci_only_re_exam_from_history_steps_through_the_trunci_alone(
    tmp_path: Path,
) -> None:
    app = make(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("h")
        await wait_for(pilot, lambda: screen_name(app) == "HistoryScreen")
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: app.screen.row_count > 0)  # type: ignore[attr-defined]
        assert app.screen.selected_exam_id() == "E-O2"  # type: ignore[attr-defined]
        await pilot.press("r")
        await choose_and_start(pilot, app, "trunci")
        intake = app.screen
        assert intake.query_one("#patient-id", Input).value == "P-7"
        assert intake.query_one("#name", Input).value == "Oscar"  # prefilled
        assert intake.query_one("#parts", Choice).value == ExamParts.TRUNCI.value
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen_name(app) == "ExamScreen")
        assert "Scratch" not in str(app.screen.query_one("#map").render())  # trunci only
        for _ in range(8):  # L7 … L1 absent, then T13 present; then the right side
            await pilot.press("a")
        await pilot.press("p", "p")  # T13 left present; right L7 present: no scratch steps
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        await saves_settled(pilot)  # the writer thread commits off the key path
        new = app.store.load_exams(patient_id="P-7")[-1]
        assert new.parts == "trunci" and new.exam_id not in ("E-O1", "E-O2")
        assert {f.test for f in new.findings} == {TestId.CUTANEOUS_TRUNCI}
        # the signs of the exam re-examined start ticked (the dog is still non-ambulatory)
        assert set(new.signs) == {"back_pain", "paraparesis_non_ambulatory"}
        assert "within normal limits" not in screen_text(app).lower()


async def test_full_re_exam_from_patients_keeps_the_full_exam(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_name(app) == "PatientsScreen")
        await pilot.press("r")  # typed in the search box: a letter of the search
        assert app.screen.query_one("#patients-search", Input).value == "r"
        await pilot.press("backspace", "down")  # into the list: P-7 Oscar first
        await pilot.press("r")
        await choose_and_start(pilot, app, "full")
        assert app.screen.query_one("#patient-id", Input).value == "P-7"
        assert app.screen.query_one("#parts", Choice).value == ExamParts.QUICK.value
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen_name(app) == "ExamScreen")
        session = app.screen.service.session  # type: ignore[attr-defined]
        assert {s.test for s in session.active_steps()} >= {TestId.SCRATCH}


async def test_re_exam_from_a_patients_exams_and_escape_cancels(tmp_path: Path) -> None:
    app = make(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p", "down", "enter")
        await wait_for(pilot, lambda: screen_name(app) == "PatientExamsScreen")
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: app.screen.row_count > 0)  # type: ignore[attr-defined]
        await pilot.press("r")
        await wait_for(pilot, lambda: screen_name(app) == "ChoiceModal")
        await pilot.press("escape")  # changed my mind: nothing opens
        await wait_for(pilot, lambda: screen_name(app) == "PatientExamsScreen")
        await pilot.press("r")
        await choose_and_start(pilot, app, "trunci")
        assert app.screen.query_one("#parts", Choice).value == "trunci"
        assert [type(s).__name__ for s in app.screen_stack][-2] == "HomeScreen"


async def test_exam_date_changed_from_the_summary_writes_a_trail_row(tmp_path: Path) -> None:
    from tests.tui.helpers import make_exam

    store = Store(tmp_path / "neuroexam.db")
    app = NeuroExamApp(store=store, start_exam=make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")  # a first finding
        await pilot.press("s")  # the summary of the exam being recorded
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_name(app) == "TextModal")
        field = app.screen.query_one(Input)
        field.value = "2026-11-19 22:15"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        await pilot.pause()
        exam = store.load_exam("E1")
        assert exam is not None and exam.exam_date is not None
        assert exam.exam_date.astimezone().strftime("%Y-%m-%d %H:%M") == "2026-11-19 22:15"
        rows = [r for r in store.audit("E1") if r.event is AuditEvent.INTAKE_CHANGED]
        assert [r.field for r in rows] == ["exam_date"]
        assert "2026-11-19 22:15" in screen_text(app)
        assert exam.findings[0].grade is Grade.ABSENT  # the finding is untouched


async def test_a_bad_exam_date_on_the_summary_changes_nothing(tmp_path: Path) -> None:
    from tests.tui.helpers import FIXED_DATE, make_exam

    store = Store(tmp_path / "neuroexam.db")
    app = NeuroExamApp(store=store, start_exam=make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a", "s")
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_name(app) == "TextModal")
        app.screen.query_one(Input).value = "2999-01-01 10:00"  # in the future
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        exam = store.load_exam("E1")
        assert exam is not None and exam.exam_date == FIXED_DATE
        assert not [r for r in store.audit("E1") if r.event is AuditEvent.INTAKE_CHANGED]


async def test_history_lists_no_training_patient_in_patients(tmp_path: Path) -> None:
    from neuroexam.core.models import Mode, Patient
    from tests.tui.records_seed import OSCAR_FIRST, save_exam

    store = Store(tmp_path / "t.db")
    seed(store)
    trainee = Patient(
        patient_id="TRAIN-back_pain_dachshund_l4-159F84",
        name="Case",
        species="dog",
        breed="Dachshund",
    )
    save_exam(store, "E-T1", OSCAR_FIRST + timedelta(days=1), trainee, "L4", mode=Mode.TRAINING)
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_name(app) == "PatientsScreen")
        table = app.screen.query_one("#patients-table", DataTable)
        ids = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert ids == ["P-7", "P-9", "P-3"]
        assert "TRAIN-" not in screen_text(app)


# ---------------------------------------------------------------- re-checks due (home, summary)


def watched_store(tmp_path: Path) -> Store:
    """Oscar (P-7): paraplegic without deep pain, cut-off L1 at T0 and T12 6 h later (PMM);
    Bella (P-3): a normal exam; both complete."""
    from tests.tui.records_seed import BELLA, OSCAR, OSCAR_FIRST, save_exam

    store = Store(tmp_path / "t.db")
    signs = ("paraplegia", "deep_pain_absent")
    save_exam(store, "E-O1", OSCAR_FIRST, OSCAR, "L1", signs=signs)
    save_exam(store, "E-O2", OSCAR_FIRST + timedelta(hours=6), OSCAR, "T12", signs=signs)
    save_exam(store, "E-B1", OSCAR_FIRST, BELLA, "L6")
    return store


def recheck_lines(app: NeuroExamApp) -> list[str]:
    from textual.widgets import OptionList

    listing = app.screen.query_one("#rechecks", OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


def fixed_now(monkeypatch, hours: float):  # type: ignore[no-untyped-def]
    """Home's and the summary's clock stopped ``hours`` after Oscar's first exam."""
    from neuroexam.tui.screens import home, intake
    from tests.tui.records_seed import OSCAR_FIRST

    now = OSCAR_FIRST + timedelta(hours=hours)
    monkeypatch.setattr(home, "local_now", lambda: now)
    monkeypatch.setattr(intake, "local_now", lambda: now)
    return now


async def test_home_lists_the_trunci_recheck_due_and_enter_starts_it(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    fixed_now(monkeypatch, 11)  # the last exam was 5 h ago: 1 h overdue at 4 h
    app = NeuroExamApp(store=watched_store(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "Trunci re-checks due (1, 1 OVERDUE, every 4 h): c, enter starts one" in text
        line = "OVERDUE since 2026-03-01 19:00 (1 h 0 min) · P-7 Oscar · !!! PMM risk"
        assert recheck_lines(app) == [line]
        assert "Bella" not in text  # a normal dog is not watched
        await pilot.press("c", "enter")
        await wait_for(pilot, lambda: screen_name(app) == "IntakeScreen")
        assert app.screen.query_one("#patient-id", Input).value == "P-7"
        assert app.screen.query_one("#parts", Choice).value == "trunci"
    time.tzset()


async def test_home_says_when_the_recheck_is_due_and_nothing_after_the_watch(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("NEUROEXAM_RECHECK_INTERVAL_HOURS", "6")
    import time

    time.tzset()
    fixed_now(monkeypatch, 7)
    app = NeuroExamApp(store=watched_store(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "every 6 h" in text
        due = "due 2026-03-01 21:00 (in 5 h 0 min) · P-7 Oscar · !!! PMM risk"
        assert recheck_lines(app) == [due]
    fixed_now(monkeypatch, 24 * 6)  # the 5-day watch is over
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "re-check" not in screen_text(app).lower()
    time.tzset()


async def test_summary_shows_the_next_recheck_and_the_notes(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    fixed_now(monkeypatch, 7)
    store = watched_store(tmp_path)
    exam = store.load_exam("E-O2")
    assert exam is not None
    store.close()
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_summary("E-O2", read_only=True)
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        await pilot.pause()
        text = screen_text(app)
        assert (
            "Next trunci re-check due 2026-03-01 19:00 (in 3 h 0 min) · every 4 h, re-check "
            "until 2026-03-06 09:00" in text
        )
    time.tzset()


# ---------------------------------------------------------------- notes


async def test_m_right_after_an_answer_annotates_the_step_it_names(tmp_path: Path) -> None:
    from neuroexam.core.models import Side
    from tests.tui.helpers import make_exam

    store = Store(tmp_path / "neuroexam.db")
    app = NeuroExamApp(store=store, start_exam=make_exam())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a", "m")  # L7 left absent, then a note: the cursor is on L6 left
        await wait_for(pilot, lambda: screen_name(app) == "TextModal")
        assert "Note for L6, left" in screen_text(app)
        await pilot.press(*"tense", "enter")  # "e" and "n" are grade keys in the wizard
        await wait_for(pilot, lambda: screen_name(app) == "ExamScreen")
        exam = store.load_exam("E1")
        assert exam is not None
        by_step = {(f.site, f.side): f for f in exam.findings}
        assert by_step[("L6", Side.LEFT)].note == "tense"
        assert by_step[("L7", Side.LEFT)].note == "" and len(exam.findings) == 2
        await pilot.press("p", "m")  # L6 left present: the left series ends; right L7 named
        await wait_for(pilot, lambda: screen_name(app) == "TextModal")
        assert "Note for L7 (wings of the ilium), right" in screen_text(app)
        await pilot.press(*"ok", "enter")
        await wait_for(pilot, lambda: screen_name(app) == "ExamScreen")
        exam = store.load_exam("E1")
        assert exam is not None
        notes = {(f.site, f.side): f.note for f in exam.findings if f.note}
        assert notes == {("L6", Side.LEFT): "tense", ("L7", Side.RIGHT): "ok"}


async def test_notes_show_on_the_summary_and_in_the_history_detail(tmp_path: Path) -> None:
    from neuroexam.core.models import ExamStatus
    from tests.tui.helpers import make_exam

    store = Store(tmp_path / "neuroexam.db")
    exam = make_exam()
    exam.exam_note = "Owner: fell off the sofa [b]yesterday[/b]"
    app = NeuroExamApp(store=store, start_exam=exam)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("m")
        await wait_for(pilot, lambda: screen_name(app) == "TextModal")
        await pilot.press(*"skin wound", "enter")
        await wait_for(pilot, lambda: screen_name(app) == "ExamScreen")
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        text = screen_text(app)
        assert "Exam note: Owner: fell off the sofa [b]yesterday[/b]" in text  # not markup
        assert "Note, trunci L7 left: skin wound" in text
        assert app.screen.service.complete("T. Tech")  # type: ignore[attr-defined]
    assert store.load_exam("E1").status is ExamStatus.COMPLETE  # type: ignore[union-attr]
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("h")
        await wait_for(pilot, lambda: screen_name(app) == "HistoryScreen")
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: "skin wound" in screen_text(app))
        text = screen_text(app)
        assert "Exam note: Owner: fell off the sofa" in text
        assert "Note, trunci L7 left: skin wound" in text


async def test_progress_shows_case_titles_not_ids(tmp_path: Path) -> None:
    from neuroexam.training.attempts import Attempt
    from neuroexam.training.cases import shipped_cases
    from tests.tui.records_seed import OSCAR_FIRST

    case = max(shipped_cases(), key=lambda c: len(c.title))
    store = Store(tmp_path / "t.db")
    attempt = Attempt("A1", None, "Ana", case.id, case.level, OSCAR_FIRST, OSCAR_FIRST,
                      100, 1, 100, 100)  # fmt: skip
    store.save_attempt(attempt)
    app = NeuroExamApp(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_progress("Ana")
        await wait_for(pilot, lambda: screen_name(app) == "ProgressScreen")
        await pilot.pause()
        table = app.screen.query_one("#attempts", DataTable)
        cell = str(table.get_row_at(0)[1])
        assert case.id not in cell and cell.rstrip("…") == case.title[: len(cell.rstrip("…"))]
        assert sum(c.width + 2 for c in table.columns.values()) <= 80 - 2


async def test_export_dialog_proposes_the_settings_export_folder(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Not the home folder: the settings' export folder, made on first use."""
    folder = tmp_path / "clinic exports"
    monkeypatch.delenv("NEUROEXAM_EXPORT_DIR", raising=False)
    monkeypatch.setenv("NEUROEXAM_EXPORT_FOLDER", str(folder))
    app = make(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.show_summary("E-O1", read_only=True)
        await wait_for(pilot, lambda: screen_name(app) == "SummaryScreen")
        await pilot.press("x")
        await wait_for(pilot, lambda: screen_name(app) == "ExportModal")
        assert app.screen.query_one("#export-path", Input).value == str(
            folder / "neuroexam-E-O1.csv"
        )
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: (folder / "neuroexam-E-O1.csv").exists())
