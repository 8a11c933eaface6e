"""The step counter of a re-check: each trunci series counted up to where it is expected to
stop (the previous exam's cut-off), not every level not yet ruled out."""

from __future__ import annotations

from neuroexam.core.models import Exam, Grade, Patient, Side, TestId
from neuroexam.core.protocol import shipped
from neuroexam.core.session import ExamSession

TRUNCI = TestId.CUTANEOUS_TRUNCI


def session(parts: str = "trunci", expected: str | None = "L1") -> ExamSession:
    exam = Exam(exam_id="E", patient=Patient(patient_id="P", species="dog"), parts=parts)
    s = ExamSession(exam, shipped().exam("dog", parts))
    if expected is not None:
        s.expected_end = {(TRUNCI, side): expected for side in Side}
    return s


def test_without_an_expected_end_every_level_left_counts() -> None:
    s = session(expected=None)
    assert s.progress() == (0, 40) and not s.estimated


def test_counts_to_the_expected_cut_off_on_each_side() -> None:
    s = session()
    assert s.progress() == (0, 14) and s.estimated  # L7 … L1, both sides
    assert s.position() == 1


def test_the_total_grows_while_the_series_goes_on_past_the_old_cut_off() -> None:
    s = session()
    for _ in range(7):  # L7 … L1 absent
        s.answer(Grade.ABSENT)
    assert s.cursor is not None and s.cursor.site == "T13"
    assert s.progress() == (7, 15) and s.position() == 8
    s.answer(Grade.PRESENT)  # twitch at T13: the left side ends there
    assert s.progress() == (8, 15) and s.position() == 9  # right L7 of 8 + 7


def test_a_side_that_ends_early_drops_its_levels() -> None:
    s = session()
    s.answer(Grade.ABSENT)
    s.answer(Grade.PRESENT)  # left twitches at L6: cut-off moved caudally
    assert s.progress() == (2, 9)


def test_a_jump_past_the_expected_end_still_counts_the_cursor() -> None:
    s = session()
    target = next(x for x in s.active_steps() if x.site == "T10" and x.side is Side.LEFT)
    s.jump(target)
    position = s.position()
    assert position is not None and position <= s.progress()[1]


def test_a_continued_series_counts_every_level() -> None:
    s = session()
    s.answer(Grade.PRESENT)  # left twitches at L7
    s.continue_series()
    assert s.progress()[1] == 20 + 7


def test_the_quick_exam_counts_the_scratch_steps_too() -> None:
    assert session("quick").progress() == (0, 24)
