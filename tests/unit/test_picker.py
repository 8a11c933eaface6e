"""Picking a training case: by id, by level, at random with a seed; errors list valid values."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from neuroexam import cli
from neuroexam.core.vocab import ExamStatus, Mode
from neuroexam.training.cases import Case
from neuroexam.training.exams import case_id_of, training_exams
from neuroexam.training.picker import PickError, by_level, pick


def make_case(case_id: str, level: str, previous: dict | None = None) -> Case:
    return Case.model_validate(
        {
            "id": case_id,
            "title": f"Case {case_id}",
            "level": level,
            "species": "dog",
            "breed": "Beagle",
            "age_years": 4,
            "sex": "F",
            "weight_kg": 12,
            "history": "Fine.",
            "ctr": {"left": {"cutoff": "L1"}, "right": {"cutoff": "L6"}},
            "previous": previous,
            "expected": {"localization": "none"},
            "teaching": "Teaching.",
            "references": ["Ref"],
        }
    )


CASES = [
    make_case("c_adv", "advanced"),
    make_case("b_int", "intermediate"),
    make_case("a_beg", "beginner"),
    make_case("d_beg", "beginner"),
]


def test_by_id() -> None:
    assert pick(CASES, case_id="b_int").id == "b_int"


def test_unknown_id_lists_valid_ids() -> None:
    with pytest.raises(PickError, match="unknown case 'zzz'; valid ids: a_beg, b_int, c_adv"):
        pick(CASES, case_id="zzz")


def test_unknown_level_lists_valid_levels() -> None:
    with pytest.raises(PickError, match="valid levels: beginner, intermediate, advanced"):
        pick(CASES, level="expert")


def test_by_level_is_sorted_and_filtered() -> None:
    assert [c.id for c in by_level(CASES)] == ["a_beg", "d_beg", "b_int", "c_adv"]
    assert [c.id for c in by_level(CASES, "beginner")] == ["a_beg", "d_beg"]


def test_level_with_no_case() -> None:
    with pytest.raises(PickError, match="no case at level 'advanced'"):
        pick(CASES[1:], level="advanced")


def test_random_is_seedable_and_respects_level() -> None:
    first = [pick(CASES, rng=random.Random(7)).id for _ in range(5)]
    again = [pick(CASES, rng=random.Random(7)).id for _ in range(5)]
    assert first == again
    rng = random.Random(3)
    seen = {pick(CASES, level="beginner", rng=rng).id for _ in range(40)}
    assert seen == {"a_beg", "d_beg"}


def test_random_order_of_the_bank_does_not_matter() -> None:
    assert pick(CASES, rng=random.Random(1)).id == pick(CASES[::-1], rng=random.Random(1)).id


def test_training_exams_unique_patient_and_previous_exam() -> None:
    now = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    serial = make_case(
        "serial",
        "advanced",
        previous={"hours_before": 12, "ctr": {"left": {"cutoff": "L3"}, "right": {"cutoff": "L5"}}},
    )
    exam, previous = training_exams(serial, "Ana", now, exam_id="EX-20260501-ABC123")
    assert exam.mode is Mode.TRAINING and exam.examiner == "Ana" and not exam.findings
    assert exam.patient.patient_id == "TRAIN-serial-ABC123"
    assert case_id_of(exam) == "serial"
    assert previous is not None
    assert previous.patient.patient_id == exam.patient.patient_id
    assert previous.mode is Mode.TRAINING and previous.status is ExamStatus.COMPLETE
    assert (now - previous.exam_date).total_seconds() == 12 * 3600
    assert previous.findings  # the simulated earlier trunci series
    _, none = training_exams(CASES[0], "Ana", now)
    assert none is None


def test_cli_bad_case_and_level_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "--case", "no_such_case"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("neuroexam train: --case: unknown case 'no_such_case'; valid ids: ")
    assert "normal_beagle" in err and "\n" not in err
    assert cli.main(["train", "--level", "expert"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "neuroexam train: --level: unknown level 'expert'; "
        "valid levels: beginner, intermediate, advanced"
    )
