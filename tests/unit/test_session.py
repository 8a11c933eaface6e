"""The exam wizard's state machine, headless."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from neuroexam.core.models import Exam, Patient
from neuroexam.core.protocol import shipped
from neuroexam.core.session import GRADE_KEYS, ExamSession, Step, all_steps
from neuroexam.core.vocab import Grade, Side, Species, TestId

PROTOCOL = shipped().exam(Species.DOG)


def new_session() -> ExamSession:
    return ExamSession(Exam(exam_id="E", patient=Patient(species="dog")), PROTOCOL)


def test_steps_follow_the_protocol_order() -> None:
    steps = all_steps(PROTOCOL)
    assert steps[0] == Step(TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT)
    assert steps[19] == Step(TestId.CUTANEOUS_TRUNCI, "T1", Side.LEFT)
    assert steps[20] == Step(TestId.CUTANEOUS_TRUNCI, "L7", Side.RIGHT)
    assert steps[40:42] == [
        Step(TestId.SCRATCH, "ear", Side.LEFT),
        Step(TestId.SCRATCH, "ear", Side.RIGHT),
    ]
    assert len(steps) == 50


def test_first_response_ends_the_side_and_continue_reopens_it() -> None:
    s = new_session()
    s.answer(Grade.ABSENT)
    s.answer(Grade.PRESENT)  # L6 left responds
    assert s.cursor == Step(TestId.CUTANEOUS_TRUNCI, "L7", Side.RIGHT)
    assert s.skipped(Step(TestId.CUTANEOUS_TRUNCI, "L5", Side.LEFT))
    assert s.progress() == (2, 32)
    s.continue_series()
    assert s.cursor == Step(TestId.CUTANEOUS_TRUNCI, "L5", Side.LEFT)
    assert not s.skipped(Step(TestId.CUTANEOUS_TRUNCI, "L5", Side.LEFT))


def test_changing_the_response_back_to_absent_reopens_the_series() -> None:
    s = new_session()
    s.answer(Grade.PRESENT)  # L7 left
    s.back()
    assert s.cursor == Step(TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT)
    s.answer(Grade.ABSENT)
    assert s.cursor == Step(TestId.CUTANEOUS_TRUNCI, "L6", Side.LEFT)


def test_back_stays_on_the_first_step_and_notes_keep_the_grade() -> None:
    s = new_session()
    assert s.at_first_step
    s.back()
    assert s.at_first_step
    s.note("tense")
    assert s.grade(s.cursor) is Grade.NOT_TESTED
    s.answer(Grade.REDUCED)
    assert s.exam.findings[0].note == "tense" and s.exam.findings[0].grade is Grade.REDUCED


def test_whole_exam_ends_with_no_cursor() -> None:
    s = new_session()
    for key in "p" + "p" + "p" * 10:
        s.answer(GRADE_KEYS[key])
    assert s.done and s.cursor is None
    assert s.progress() == (12, 12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "r", "p", "e", "n", "back", "continue"]), max_size=80))
def test_any_key_sequence_keeps_the_record_consistent(keys: list[str]) -> None:
    s = new_session()
    answered: dict[tuple, Grade] = {}
    for key in keys:
        if key == "back":
            s.back()
        elif key == "continue":
            s.continue_series()
        elif s.cursor is not None:
            step = s.cursor
            s.answer(GRADE_KEYS[key])
            answered[step.key] = GRADE_KEYS[key]
    # Every answer is in the record exactly once, with its last grade, and never hidden.
    assert {f.key: f.grade for f in s.exam.findings} == answered
    for f in s.exam.findings:
        assert not s.skipped(Step(*f.key))
    done, total = s.progress()
    assert 0 <= done <= total <= 50
    assert (s.cursor is None) == (s.first_unanswered() is None) or s.cursor is not None
