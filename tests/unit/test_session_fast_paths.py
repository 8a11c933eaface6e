"""Fast paths of the wizard session: mark the rest of a side, step positions."""

from __future__ import annotations

from neuroexam.core.models import Exam, Patient
from neuroexam.core.protocol import shipped
from neuroexam.core.session import ExamSession, Step
from neuroexam.core.vocab import Grade, Side, Species, TestId

PROTOCOL = shipped().exam(Species.DOG)


def new_session() -> ExamSession:
    return ExamSession(Exam(exam_id="E", patient=Patient(species="dog")), PROTOCOL)


def test_remaining_scratch_regions_of_one_side_and_of_both() -> None:
    s = new_session()
    assert [x.site for x in s.remaining(TestId.SCRATCH, Side.LEFT)] == [
        "ear",
        "neck",
        "shoulder",
        "flank",
        "belly",
    ]
    assert len(s.remaining(TestId.SCRATCH)) == 10
    s.jump(Step(TestId.SCRATCH, "ear", Side.LEFT))
    s.answer(Grade.ABSENT)
    assert len(s.remaining(TestId.SCRATCH, Side.LEFT)) == 4
    assert len(s.remaining(TestId.SCRATCH)) == 9


def test_normal_dog_in_three_marks() -> None:
    s = new_session()
    s.answer(Grade.PRESENT)  # left L7 twitches: the left series ends
    s.answer(Grade.PRESENT)  # right L7
    assert s.cursor == Step(TestId.SCRATCH, "ear", Side.LEFT)
    written = s.mark(s.remaining(TestId.SCRATCH), Grade.PRESENT)
    assert len(written) == 10
    assert all(f.grade is Grade.PRESENT for f in written)
    assert s.done and s.cursor is None


def test_mark_side_not_testable_keeps_the_reason_on_each_finding() -> None:
    s = new_session()
    s.answer(Grade.ABSENT)  # left L7 absent; the left series goes on
    steps = s.remaining(TestId.CUTANEOUS_TRUNCI, Side.LEFT)
    assert len(steps) == 19
    written = s.mark(steps, Grade.NOT_TESTED, "bandage ")
    assert {f.note for f in written} == {"bandage"}
    assert s.remaining(TestId.CUTANEOUS_TRUNCI, Side.LEFT) == []
    assert s.cursor == Step(TestId.CUTANEOUS_TRUNCI, "L7", Side.RIGHT)
    # the earlier finding keeps its own grade and no note
    assert s.grade(Step(TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT)) is Grade.ABSENT


def test_position_is_the_cursor_among_active_steps() -> None:
    s = new_session()
    assert s.position() == 1
    s.answer(Grade.ABSENT)
    s.answer(Grade.PRESENT)  # the left series ends at L6
    assert s.position() == 3  # right L7
    s.back()
    assert s.position() == 2
    s.back()
    assert s.position() == 1
    s.jump(Step(TestId.SCRATCH, "ear", Side.LEFT))
    assert s.position() == s.progress()[1] - 9
    s.cursor = None
    assert s.position() is None


def test_stop_continuing_ends_the_series_at_its_first_response_again() -> None:
    s = new_session()
    s.answer(Grade.PRESENT)  # left L7
    s.continue_series()
    assert s.cursor == Step(TestId.CUTANEOUS_TRUNCI, "L6", Side.LEFT)
    assert s.stop_continuing(TestId.CUTANEOUS_TRUNCI, Side.LEFT)
    assert s.cursor == Step(TestId.CUTANEOUS_TRUNCI, "L7", Side.RIGHT)
    assert s.ended_series() == [(TestId.CUTANEOUS_TRUNCI, Side.LEFT)]
    assert not s.stop_continuing(TestId.CUTANEOUS_TRUNCI, Side.LEFT)
