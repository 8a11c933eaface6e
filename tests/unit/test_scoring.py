"""Training scores: the documented weights, partial credit, deductions and explanations."""

from __future__ import annotations

import pytest

from neuroexam.core.models import Exam, Finding
from neuroexam.core.vocab import FlagId, Grade, Side, Strength, TestId
from neuroexam.training.cases import LOCALIZATIONS, Case, correct_exam
from neuroexam.training.scoring import (
    LOCALIZATION_WORDS,
    WEIGHT_FLAGS,
    WEIGHT_GRADING,
    WEIGHT_LOCALIZATION,
    WEIGHTS_WITH_MFS,
    grade_credit,
    mfs_credit,
    score,
)

IVDD_NOTE = "IVDD: both cut-offs at L1 in a Dachshund with back pain."
TEACHING = "A bilateral cut-off at L1 puts the lesion at T10-L1."


def make_case(**changes) -> Case:
    """A Dachshund with a bilateral L1 cut-off and an exaggerated left ear scratch."""
    data = {
        "id": "test_doxie",
        "title": "Test Doxie",
        "level": "intermediate",
        "species": "dog",
        "breed": "Dachshund",
        "age_years": 5,
        "sex": "MN",
        "weight_kg": 8,
        "history": "He cries when picked up.",
        "signs": ["back_pain"],
        "ctr": {"left": {"cutoff": "L1"}, "right": {"cutoff": "L1"}},
        "scratch": {
            "ear": {"left": {"observed": "A long kick that goes on.", "grade": "exaggerated"}}
        },
        "expected": {
            "localization": "T3-L3",
            "flags": [
                {"id": "ivdd", "strength": "strong"},
                {"id": "syringomyelia", "strength": "weak"},
            ],
        },
        "teaching": TEACHING,
        "flag_notes": {"ivdd": IVDD_NOTE},
        "references": ["Test 2020"],
    }
    data.update(changes)
    return Case.model_validate(data)


def expected_flags(case: Case) -> dict[FlagId, Strength]:
    return {f.id: f.strength for f in case.expected.flags}


def with_grade(exam: Exam, test: TestId, site: str, side: Side, grade: Grade) -> Exam:
    findings = [
        Finding(test=test, site=site, side=side, grade=grade) if f.key == (test, site, side) else f
        for f in exam.findings
    ]
    return exam.model_copy(update={"findings": findings})


def test_weights_add_up_to_100() -> None:
    assert WEIGHT_GRADING + WEIGHT_LOCALIZATION + WEIGHT_FLAGS == 100


def test_all_correct_scores_100_with_no_misses() -> None:
    case = make_case()
    exam, _ = correct_exam(case)
    result = score(case, exam, "T3-L3", expected_flags(case))
    assert result.total == 100
    assert (result.grading, result.localization, result.flags) == (1, 1, 1)
    assert result.misses == []
    assert result.graded_sites == result.correct_sites == len(exam.findings)


@pytest.mark.parametrize(
    ("given", "correct", "credit"),
    [
        (Grade.ABSENT, Grade.ABSENT, 1.0),
        (Grade.ABSENT, Grade.REDUCED, 0.5),
        (Grade.REDUCED, Grade.PRESENT, 0.5),
        (Grade.EXAGGERATED, Grade.PRESENT, 0.5),
        (Grade.ABSENT, Grade.PRESENT, 0.0),
        (Grade.ABSENT, Grade.EXAGGERATED, 0.0),
        (Grade.NOT_TESTED, Grade.PRESENT, 0.0),
        (Grade.NOT_TESTED, Grade.NOT_TESTED, 1.0),
    ],
)
def test_grade_credit(given: Grade, correct: Grade, credit: float) -> None:
    assert grade_credit(given, correct) == credit


def test_wrong_grade_costs_its_share_and_is_explained() -> None:
    case = make_case()
    exam, _ = correct_exam(case)
    n = len(exam.findings)
    # The left ear is exaggerated; grading it present is one step off: half credit.
    exam = with_grade(exam, TestId.SCRATCH, "ear", Side.LEFT, Grade.PRESENT)
    # L2 left gives no twitch; grading it present is two steps off: no credit.
    exam = with_grade(exam, TestId.CUTANEOUS_TRUNCI, "L2", Side.LEFT, Grade.PRESENT)
    result = score(case, exam, "T3-L3", expected_flags(case))
    assert result.grading == pytest.approx((n - 1.5) / n)
    assert result.total == round(100 - WEIGHT_GRADING * 1.5 / n, 1)
    assert result.correct_sites == n - 2
    ear, l2 = sorted((m for m in result.misses if m.kind == "grade"), key=lambda m: m.points)
    assert "you graded present; correct: exaggerated (half credit" in ear.title
    assert ear.observed == "A long kick that goes on."
    assert ear.points == round(WEIGHT_GRADING / n / 2, 2)
    assert ear.explanation  # the protocol's teaching note for the ear
    assert "L2, left: you graded present; correct: absent" in l2.title
    assert l2.observed == "No twitch of the trunk skin."
    assert "Gutierrez-Quintana 2012" in l2.explanation  # L2's teaching note in dog.toml


def test_only_graded_sites_count() -> None:
    case = make_case()
    exam, _ = correct_exam(case)
    exam = exam.model_copy(update={"findings": exam.findings[:3]})
    result = score(case, exam, "T3-L3", expected_flags(case))
    assert result.graded_sites == 3 and result.grading == 1


def test_nothing_graded_gives_no_grading_credit() -> None:
    case = make_case()
    exam, _ = correct_exam(case)
    exam = exam.model_copy(update={"findings": []})
    result = score(case, exam, "T3-L3", expected_flags(case))
    assert result.grading == 0
    assert result.total == WEIGHT_LOCALIZATION + WEIGHT_FLAGS


def test_wrong_localization_costs_20_and_explains_with_the_case_teaching() -> None:
    case = make_case()
    exam, _ = correct_exam(case)
    result = score(case, exam, "C1-C5", expected_flags(case))
    assert result.total == 100 - WEIGHT_LOCALIZATION
    [miss] = result.misses
    assert miss.kind == "localization"
    assert "you chose C1-C5" in miss.title and "correct: T3-L3" in miss.title
    assert miss.explanation == TEACHING
    assert miss.points == WEIGHT_LOCALIZATION


def test_missed_flag_costs_3_points_of_its_share() -> None:
    case = make_case()
    exam, _ = correct_exam(case)
    result = score(case, exam, "T3-L3", {FlagId.SYRINGOMYELIA: Strength.WEAK})
    # 2 expected flags: 6 points possible, 3 earned.
    assert result.flags == pytest.approx(0.5)
    assert result.total == 100 - WEIGHT_FLAGS / 2
    [miss] = result.misses
    assert miss.kind == "flag_missed"
    assert miss.explanation == IVDD_NOTE  # the case's note on that flag
    assert miss.points == WEIGHT_FLAGS / 2


def test_wrong_strength_costs_1_point_and_falls_back_to_the_teaching() -> None:
    case = make_case()
    exam, _ = correct_exam(case)
    flags = {FlagId.IVDD: Strength.STRONG, FlagId.SYRINGOMYELIA: Strength.MODERATE}
    result = score(case, exam, "T3-L3", flags)
    assert result.flags == pytest.approx(5 / 6)
    assert result.total == round(100 - WEIGHT_FLAGS / 6, 1)
    [miss] = result.misses
    assert miss.kind == "flag_strength"
    assert "you rated it moderate; correct strength: weak" in miss.title
    assert miss.explanation == TEACHING  # no flag note for syringomyelia


def test_extra_flag_costs_1_point() -> None:
    case = make_case()
    exam, _ = correct_exam(case)
    flags = {**expected_flags(case), FlagId.DERMATOLOGIC: Strength.WEAK}
    result = score(case, exam, "T3-L3", flags)
    assert result.flags == pytest.approx(5 / 6)
    [miss] = result.misses
    assert miss.kind == "flag_extra"
    assert "dermatologic (weak) raised" in miss.title


def test_no_flag_expected_no_flag_given_is_full_marks_and_extras_floor_at_0() -> None:
    case = make_case(expected={"localization": "none", "flags": []})
    exam, _ = correct_exam(case)
    assert score(case, exam, "none", {}).flags == 1
    one = score(case, exam, "none", {FlagId.IVDD: Strength.WEAK})
    assert one.flags == pytest.approx(2 / 3)
    assert one.misses[0].explanation == IVDD_NOTE
    many = {f: Strength.WEAK for f in list(FlagId)[:4]}
    assert score(case, exam, "none", many).flags == 0


def test_details_are_json_ready() -> None:
    import json

    case = make_case()
    exam, _ = correct_exam(case)
    result = score(case, exam, "none", {})
    details = json.loads(json.dumps(result.details()))
    assert details["expected_flags"] == {"ivdd": "strong", "syringomyelia": "weak"}
    assert {m["kind"] for m in details["misses"]} == {"localization", "flag_missed"}


def test_every_shipped_case_scores_100_when_answered_as_expected() -> None:
    from neuroexam.training.cases import shipped_cases

    for case in shipped_cases():
        exam, _ = correct_exam(case)
        mfs = case.expected.mfs
        result = score(
            case, exam, case.expected.localization, expected_flags(case), committed_mfs=mfs
        )
        assert result.total == 100, case.id


# ------------------------------------------------------------------ version 2: limbs and MFS


def spinal_case(**changes) -> Case:
    """A paraplegic Labrador with LMN pelvic limbs: L4-S3, ivdd moderate, MFS 2."""
    weak = {"observed": "The stifle barely moves.", "grade": "reduced"}
    feels = {"observed": "He turns and whines.", "grade": "present"}
    data = {
        "id": "test_lab",
        "title": "Test Lab",
        "level": "intermediate",
        "species": "dog",
        "breed": "Labrador Retriever",
        "age_years": 6,
        "sex": "MN",
        "weight_kg": 30,
        "history": "His back legs gave way.",
        "signs": ["paraplegia"],
        "ctr": {"left": {"cutoff": "L6"}, "right": {"cutoff": "L6"}},
        "limbs": [
            {"test": "patellar", "site": "pelvic_limb", "left": weak, "right": weak},
            {"test": "nociception", "site": "pelvic_limb", "left": feels, "right": feels},
        ],
        "expected": {
            "localization": "L4-S3",
            "flags": [{"id": "ivdd", "strength": "moderate"}],
            "mfs": 2,
        },
        "teaching": "LMN pelvic limbs: L4-S3.",
        "references": ["Test 2020"],
    }
    data.update(changes)
    return Case.model_validate(data)


def test_grade_credit_on_the_0_to_4_scale() -> None:
    assert grade_credit(Grade.CLONUS, Grade.EXAGGERATED) == 0.5
    assert grade_credit(Grade.CLONUS, Grade.PRESENT) == 0.0
    assert grade_credit(Grade.CLONUS, Grade.CLONUS) == 1.0
    assert grade_credit(Grade.ABSENT, Grade.PRESENT) == 0.0  # nociception: no half credit


def test_mfs_credit() -> None:
    assert mfs_credit(2, 2) == 1.0
    assert mfs_credit(1, 2) == mfs_credit(3, 2) == 0.5
    assert mfs_credit(0, 2) == 0.0
    assert mfs_credit("none", "none") == 1.0
    assert mfs_credit(None, 2) == mfs_credit(6, "none") == 0.0


def test_spinal_case_walks_the_spinal_part() -> None:
    case = spinal_case()
    assert case.part == "spinal"
    exam, _ = correct_exam(case)
    tests = {f.test for f in exam.findings}
    assert {TestId.PATELLAR, TestId.WITHDRAWAL, TestId.NOCICEPTION, TestId.POSTURAL} <= tests
    assert make_case().part == "quick"


def test_mfs_case_weights_and_full_marks() -> None:
    case = spinal_case()
    exam, _ = correct_exam(case)
    result = score(case, exam, "L4-S3", expected_flags(case), committed_mfs=2)
    assert result.total == 100.0 and result.mfs == 1.0 and not result.misses
    assert sum(WEIGHTS_WITH_MFS) == 100.0


def test_wrong_mfs_costs_its_weight_with_an_explanation() -> None:
    case = spinal_case()
    exam, _ = correct_exam(case)
    weight = WEIGHTS_WITH_MFS[3]
    one_off = score(case, exam, "L4-S3", expected_flags(case), committed_mfs=3)
    assert one_off.total == 100.0 - weight / 2
    wrong = score(case, exam, "L4-S3", expected_flags(case), committed_mfs=6)
    assert wrong.total == 100.0 - weight
    miss = next(m for m in wrong.misses if m.kind == "mfs")
    assert "0 worst, 6 normal" in miss.title and miss.points == weight
    assert score(case, exam, "L4-S3", expected_flags(case)).mfs == 0.0  # nothing committed


def test_new_localisations_are_marked_right_or_wrong() -> None:
    case = spinal_case()
    exam, _ = correct_exam(case)
    wrong = score(case, exam, "T3-L3", expected_flags(case), committed_mfs=2)
    assert wrong.localization == 0.0
    assert wrong.total == 100.0 - WEIGHTS_WITH_MFS[1]
    assert "L4-S3 (lumbosacral" in next(m for m in wrong.misses if m.kind == "localization").title
    assert set(LOCALIZATION_WORDS) == set(LOCALIZATIONS)


def test_cases_without_mfs_keep_the_version_1_weights() -> None:
    case = make_case()
    exam, _ = correct_exam(case)
    result = score(case, exam, "T3-L3", expected_flags(case), committed_mfs=4)
    assert result.mfs is None and result.total == 100.0
    assert WEIGHT_GRADING + WEIGHT_LOCALIZATION + WEIGHT_FLAGS == 100.0


def test_mfs_none_case() -> None:
    case = spinal_case(expected={"localization": "L4-S3", "flags": [], "mfs": "none"})
    exam, _ = correct_exam(case)
    assert score(case, exam, "L4-S3", {}, committed_mfs="none").mfs == 1.0
    assert score(case, exam, "L4-S3", {}, committed_mfs=2).mfs == 0.0


def test_limb_entries_are_validated() -> None:
    bad = {"observed": "x", "grade": "clonus"}
    with pytest.raises(ValueError, match="not used for nociception"):
        entry = {"test": "nociception", "site": "pelvic_limb", "left": bad, "right": bad}
        spinal_case(limbs=[entry])
    ok = {"observed": "x", "grade": "present"}
    with pytest.raises(ValueError, match="expected pelvic_limb"):
        spinal_case(limbs=[{"test": "patellar", "site": "thoracic_limb", "left": ok, "right": ok}])
    with pytest.raises(ValueError, match="mfs"):
        spinal_case(expected={"localization": "L4-S3", "mfs": 7})
