"""Modified Frankel Score (DOMAIN.md 4.3): every score, when it is defined, and its texts."""

from __future__ import annotations

import pytest

from neuroexam.core.models import Exam, Finding, Patient
from neuroexam.core.report import mfs_change, severity_text
from neuroexam.core.rules import evaluate
from neuroexam.core.severity import (
    deep_pain_absent,
    mfs_change_text,
    mfs_text,
    modified_frankel,
    nociception_recorded,
)
from neuroexam.core.vocab import PELVIC_LIMB, THORACIC_LIMB, Grade, Side, TestId

NOC = TestId.NOCICEPTION


def noc(left: str | None, right: str | None, site: str = PELVIC_LIMB) -> dict:
    out = {}
    for side, grade in ((Side.LEFT, left), (Side.RIGHT, right)):
        if grade:
            out[(NOC, site, side)] = Grade(grade)
    return out


@pytest.mark.parametrize(
    ("signs", "grades", "score"),
    [
        (["paraplegia", "deep_pain_absent"], {}, 0),
        (["paraplegia"], noc("absent", "absent"), 0),
        (["deep_pain_absent"], {}, 0),  # pain loss implies paraplegia
        (["paraplegia", "superficial_pain_absent"], {}, 1),
        (["paraplegia", "superficial_pain_absent"], noc("present", "present"), 1),
        (["paraplegia"], noc("present", "present"), 2),
        (["paraplegia"], noc("absent", "present"), 2),  # absent only when both are
        (["paraplegia"], noc("present", None), 2),
        (["paraparesis_non_ambulatory", "back_pain"], {}, 3),
        (["paraparesis_ambulatory", "back_pain"], {}, 4),
        (["back_pain"], {}, 5),
        (["lumbosacral_pain"], {}, 5),
        ([], {}, 6),
        (["paraplegia", "paraparesis_ambulatory"], noc("present", "present"), 2),  # worst wins
    ],
)
def test_scores(signs: list[str], grades: dict, score: int) -> None:
    assert modified_frankel(signs, grades, presentation=True).score == score


def test_paraplegia_without_nociception_has_no_score_and_asks_for_it() -> None:
    result = modified_frankel(["paraplegia"], {}, presentation=True)
    assert result.score is None and result.nociception_missing
    thoracic_only = noc("present", "present", THORACIC_LIMB)
    assert modified_frankel(["paraplegia"], thoracic_only, True).nociception_missing
    not_tested = noc("not_tested", "not_tested")
    assert modified_frankel(["paraplegia"], not_tested, True).nociception_missing
    # Absent on one side with the other untested: 0 or 2 depends on the other limb.
    for half in (noc("absent", None), noc(None, "absent"), noc("absent", "not_tested")):
        result = modified_frankel(["paraplegia"], half, True)
        assert result.score is None and result.nociception_missing


@pytest.mark.parametrize(
    "signs",
    [["tetraparesis_ambulatory"], ["tetraparesis_non_ambulatory", "paraplegia"], ["tetraplegia"]],
)
def test_not_defined_for_tetraparesis(signs: list[str]) -> None:
    result = modified_frankel(signs, {}, presentation=True)
    assert result.score is None and not result.nociception_missing


def test_only_for_pelvic_limb_or_back_presentations() -> None:
    assert modified_frankel([], {}, presentation=False).score is None
    assert modified_frankel(["neck_pain"], {}, presentation=False).score is None
    for sign in ("paraparesis_ambulatory", "back_pain", "superficial_pain_absent"):
        assert modified_frankel([sign], {}, presentation=False).score is not None


def test_helpers() -> None:
    assert deep_pain_absent({"deep_pain_absent"}, {})
    assert not deep_pain_absent(set(), noc("absent", None))
    assert nociception_recorded({"superficial_pain_absent"}, {})
    assert not nociception_recorded(set(), {})


def test_texts_carry_the_scale_and_direction() -> None:
    labels = [f"label {i}" for i in range(7)]
    assert mfs_text(3, labels) == "MFS 3/6 (0 worst, 6 normal): label 3"
    assert mfs_change_text(3, 1) == "MFS 3 → 1"
    assert mfs_change_text(None, 0) == "MFS – → 0"


def dog(signs: list[str], findings: list[Finding] = (), cutoff: str = "L6") -> Exam:
    ctr = [
        Finding(test="cutaneous_trunci", site=lv, side=side, grade="absent")
        for side in ("left", "right")
        for lv in ("L7", "L6", "L5", "L4", "L3", "L2", "L1")
        if lv != cutoff and int(lv[1]) > int(cutoff[1])
    ]
    ctr += [
        Finding(test="cutaneous_trunci", site=cutoff, side=side, grade="present")
        for side in ("left", "right")
    ]
    patient = Patient(species="dog", breed="Beagle")
    return Exam(exam_id="E1", patient=patient, signs=signs, findings=[*ctr, *findings])


def test_assessment_severity_and_summary() -> None:
    a = evaluate(dog(["paraparesis_non_ambulatory"]))
    assert a.severity is not None and a.severity.model_dump() == {
        "scale": "modified_frankel",
        "score": 3,
        "worst": 0,
        "best": 6,
    }
    assert "MFS 3/6 (0 worst, 6 normal)" in a.summary
    assert severity_text(a.severity) == "MFS 3/6 (0 worst, 6 normal): non-ambulatory paraparesis"
    assert evaluate(dog([])).severity is None


def test_mfs_zero_with_a_cutoff_names_the_pmm_risk() -> None:
    a = evaluate(dog(["paraplegia", "deep_pain_absent"], cutoff="L2"))
    assert a.severity is not None and a.severity.score == 0
    assert "progressive myelomalacia" in a.summary


def test_paraplegia_without_nociception_warns() -> None:
    a = evaluate(dog(["paraplegia"], cutoff="L2"))
    assert a.severity is None
    assert any("test deep pain now" in w for w in a.warnings)


def test_mfs_change_text() -> None:
    from neuroexam.core.models import SerialChange, Severity

    serial = SerialChange(previous_exam_id="E0", previous_mfs=3)
    assert mfs_change(serial, Severity(score=1)) == "MFS 3 → 1 (0 worst, 6 normal)"
    assert mfs_change(SerialChange(previous_exam_id="E0"), None) is None
