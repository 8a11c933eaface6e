"""Training mode driven by keys: grade what is observed, commit, read the score and progress."""

from __future__ import annotations

import random
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from neuroexam.core.vocab import ExamStatus, FlagId, Grade, Mode, Side, TestId
from neuroexam.records.store import Store
from neuroexam.training.cases import Case, shipped_cases
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.commit import LOCALIZATIONS, STRENGTHS
from neuroexam.tui.screens.training import TrainingStart
from tests.tui.helpers import screen_text

KEYS = {
    Grade.ABSENT: "a",
    Grade.REDUCED: "r",
    Grade.PRESENT: "p",
    Grade.EXAGGERATED: "e",
    Grade.NOT_TESTED: "n",
}


def beagle() -> Case:
    return next(c for c in shipped_cases() if c.id == "normal_beagle")


def serial_case() -> Case:
    """A paraplegic Dachshund whose cut-off climbed from L1 to T11 in 12 hours."""
    return Case.model_validate(
        {
            "id": "test_climbing",
            "title": "Test climbing cut-off",
            "level": "advanced",
            "species": "dog",
            "breed": "Dachshund",
            "age_years": 5,
            "sex": "F",
            "weight_kg": 8,
            "history": "She went off her back legs yesterday.",
            "signs": ["paraplegia", "deep_pain_absent", "back_pain"],
            "ctr": {"left": {"cutoff": "T11"}, "right": {"cutoff": "T11"}},
            "previous": {
                "hours_before": 12,
                "signs": ["paraplegia", "deep_pain_absent", "back_pain"],
                "ctr": {"left": {"cutoff": "L1"}, "right": {"cutoff": "L1"}},
            },
            "expected": {
                "localization": "T3-L3",
                "flags": [
                    {"id": "ivdd", "strength": "strong"},
                    {"id": "progressive_myelomalacia", "strength": "strong"},
                ],
            },
            "teaching": "The cut-off climbed three vertebrae: progressive myelomalacia.",
            "flag_notes": {"progressive_myelomalacia": "Moved 3 vertebrae cranially in 12 h."},
            "references": ["Castel 2017"],
        }
    )


def make_app(tmp_path: Path, case: Case | None = None, student: str = "Ana") -> NeuroExamApp:
    start = TrainingStart(case=case, student=student, rng=random.Random(1))
    return NeuroExamApp(store=Store(tmp_path / "neuroexam.db"), training=start)


async def grade_case(
    pilot: Pilot, app: NeuroExamApp, case: Case, wrong: dict | None = None
) -> None:
    """Press the grade key of every step; ``wrong`` maps (test, site, side) to another grade."""
    wrong = wrong or {}
    for _ in range(60):
        screen = app.screen
        if type(screen).__name__ != "TrainingExamScreen":
            return
        step = screen.session.cursor
        assert step is not None
        observed = case.response(step.test, step.site, step.side)
        assert f"You observe: {observed.observed}" in screen_text(app)
        await pilot.press(KEYS[wrong.get(step.key, observed.grade)])
        await pilot.pause()
    raise AssertionError("the wizard did not end")


async def commit(
    pilot: Pilot, app: NeuroExamApp, localization: str, flags: dict[FlagId, str]
) -> None:
    """Choose on the commit screen with keys only, commit, confirm."""
    assert type(app.screen).__name__ == "CommitScreen"
    screen = app.screen
    await pilot.press(str(LOCALIZATIONS.index(localization)))
    for row in screen.rows[1:]:
        await pilot.press("down")
        strength = flags.get(FlagId(row))
        if strength is not None:
            await pilot.press(str(STRENGTHS.index(strength)))
    await pilot.press("c")
    await pilot.pause()
    assert type(app.screen).__name__ == "ConfirmModal"
    await pilot.press("y")
    await pilot.pause()
    await pilot.pause()


async def test_correct_case_scores_100_and_is_stored(tmp_path: Path) -> None:
    case = beagle()
    app = make_app(tmp_path, case)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "The owner says" in str(app.screen.query_one("#help-text").source)
        await pilot.press("escape")
        await pilot.pause()
        # The summary is not revealed before the commit.
        assert app.screen.check_action("summary", ()) is False
        assert "Teaching:" in screen_text(app) and "How:" in screen_text(app)
        await grade_case(pilot, app, case)
        await commit(pilot, app, case.expected.localization, {})
        assert type(app.screen).__name__ == "ScoreScreen"
        text = screen_text(app)
        assert "Score 100/100" in text
        assert "No misses" in text
        assert "within normal limits" in text  # the engine's own summary
        assert case.teaching in text
        assert "does not diagnose" in text
    [attempt] = app.store.attempts("Ana")
    assert attempt.case_id == "normal_beagle" and attempt.level == "beginner"
    assert (attempt.grading, attempt.localization, attempt.flags, attempt.total) == (
        100,
        100,
        100,
        100,
    )
    assert attempt.details["misses"] == []
    exam = app.store.load_exam(attempt.exam_id)
    assert exam.mode is Mode.TRAINING and exam.status is ExamStatus.COMPLETE
    assert exam.examiner == "Ana"
    assert app.store.load_exams(mode=Mode.CLINICAL) == []


async def test_mistakes_are_explained_on_screen(tmp_path: Path) -> None:
    case = beagle()
    app = make_app(tmp_path, case)
    l7_left = (TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await grade_case(pilot, app, case, wrong={l7_left: Grade.PRESENT})
        await commit(pilot, app, "T3-L3", {FlagId.IVDD: "weak"})
        text = screen_text(app)
        assert "What you missed (3)" in text
        assert "L7 (wings of the ilium), left: you graded present; correct: absent" in text
        assert "You observed: No twitch of the trunk skin." in text
        assert "Localisation: you chose T3-L3 (thoracolumbar cord); correct: none" in text
        assert "Flag ivdd (weak) raised, but the findings do not call for it" in text
        assert f"Why: {case.teaching}" in text
        assert "Score 100/100" not in text
    [attempt] = app.store.attempts("Ana")
    assert attempt.localization == 0 and attempt.total < 100
    assert {m["kind"] for m in attempt.details["misses"]} == {
        "grade",
        "localization",
        "flag_extra",
    }


async def test_serial_case_with_flags_and_progress_lists_both_attempts(tmp_path: Path) -> None:
    case = serial_case()
    app = make_app(tmp_path, case)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        was = [r for r in str(app.screen.query_one("#map").render()).splitlines() if r[:3] == "was"]
        assert was[0].rstrip().endswith(" L1")  # the simulated earlier exam's cut-off on the map
        await grade_case(pilot, app, case)
        wizard = app.screen_stack[-2]
        assert not wizard.query_one("#alert").display  # no live flag alert gives it away
        expected = {f.id: f.strength.value for f in case.expected.flags}
        await commit(pilot, app, "T3-L3", expected)
        text = screen_text(app)
        assert "Score 100/100" in text
        assert "progressive myelomalacia" in text.lower()

        # Another attempt from the score screen: the name is remembered, a wrong strength.
        await pilot.press("t")
        await pilot.pause()
        assert type(app.screen).__name__ == "TrainingScreen"
        assert app.screen.query_one("#student", Input).value == "Ana"
        await pilot.pause()
        app.start_training(case, "Ana")
        await pilot.pause()
        await pilot.press("escape")
        await grade_case(pilot, app, case)
        wrong = {**expected, FlagId.IVDD: "moderate"}
        await commit(pilot, app, "T3-L3", wrong)
        text = screen_text(app)
        assert "Flag ivdd: you rated it moderate; correct strength: strong" in text

        await pilot.press("p")
        await pilot.pause()
        assert type(app.screen).__name__ == "ProgressScreen"
        text = screen_text(app)
        assert "Progress of Ana: 2 attempts" in text
        assert "advanced 98 (2)" in text  # (100 + 95) / 2, to whole points
        table = app.screen.query_one("#attempts")
        assert table.row_count == 2
    attempts = app.store.attempts("Ana")
    assert [a.total for a in attempts] == [95, 100]  # newest first
    training = app.store.load_exams(mode=Mode.TRAINING)
    assert len(training) == 4  # two attempts, each with its simulated earlier exam
    assert len({e.patient.patient_id for e in training}) == 2
    assert app.store.load_exams(mode=Mode.CLINICAL) == []


async def test_home_t_opens_training_name_required_random_pick(tmp_path: Path) -> None:
    app = NeuroExamApp(store=Store(tmp_path / "neuroexam.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "TrainingScreen"
        cases = screen.query_one("#cases", OptionList)
        assert cases.option_count == len(shipped_cases())
        await pilot.press("enter")  # no name yet
        await pilot.pause()
        assert type(app.screen).__name__ == "TrainingScreen"
        await pilot.press(*"Bo", "enter")
        await pilot.pause()
        assert cases.has_focus
        # Level filter: only beginner cases listed.
        screen.query_one("#level").focus()
        await pilot.press("right")
        await pilot.pause()
        assert screen.level == "beginner"
        assert all(c.level == "beginner" for c in screen.shown)
        assert cases.option_count == len(screen.shown)
        cases.focus()
        app.training_rng = random.Random(5)
        expected = random.Random(5).choice(screen.shown)
        await pilot.press("r")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpModal"  # the case presentation first
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "TrainingExamScreen"
        assert app.screen.case.id == expected.id
        assert app.screen.student == "Bo"


async def test_unfinished_training_exam_resumes_in_training_mode(tmp_path: Path) -> None:
    case = beagle()
    app = make_app(tmp_path, case)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape", "a")
        await pilot.pause()
        exam_id = app.screen.exam_id
        app.go_home()
        await pilot.pause()
        app.resume_exam(exam_id)
        await pilot.pause()
        assert type(app.screen).__name__ == "TrainingExamScreen"
        assert app.screen.case.id == "normal_beagle"
        assert "You observe:" in screen_text(app)


async def test_step_counter_after_a_jump_in_training(tmp_path: Path) -> None:
    """The trap: `j` in training read `13/12`; the counter counts the jumped-to step."""
    import re

    from tests.tui.intake_pilot import wait_for

    app = make_app(tmp_path, beagle())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape")  # past the case's introduction
        await pilot.pause()
        await pilot.press("j")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ChoiceModal")
        await pilot.press("end", "enter")  # the last step of the exam
        await wait_for(pilot, lambda: type(app.screen).__name__ == "TrainingExamScreen")
        found = re.search(r"step (\d+)/(\d+)", screen_text(app))
        assert found is not None
        step, total = int(found[1]), int(found[2])
        assert 1 < step <= total
