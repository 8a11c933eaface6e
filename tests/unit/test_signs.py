"""Sided signs (FORMAT.md §1 v2): parsing, and how the rules use the side."""

from __future__ import annotations

from neuroexam.core.models import Exam, Finding, Patient
from neuroexam.core.rules import evaluate
from neuroexam.core.signs import SignToken, parse_sign, parse_signs, sides_of, sign_ids, split_text
from neuroexam.core.vocab import Side


def test_parse_sign() -> None:
    assert parse_sign("phantom_scratching") == SignToken("phantom_scratching")
    assert parse_sign(" Horner_Syndrome : LEFT ") == SignToken("horner_syndrome", Side.LEFT)
    assert parse_sign("forelimb_lameness:right").text == "forelimb_lameness:right"
    bad = parse_sign("scoliosis:up")
    assert bad == SignToken("scoliosis", None, "up") and bad.text == "scoliosis"


def test_signs_are_a_set_with_sides() -> None:
    texts = ["x:left", "x", "x:right", "x:left", "y"]
    assert [t.text for t in parse_signs(texts)] == ["x:left", "x", "x:right", "y"]
    assert sign_ids(texts) == {"x", "y"}
    assert sides_of(texts, "x") == {Side.LEFT, Side.RIGHT, None}
    assert sides_of(texts, "z") == set()
    assert split_text("a; b:left ,c:right;;") == ["a", "b:left", "c:right"]


def efferent(side: str, signs: list[str]) -> Exam:
    """Trunci lost at every level on ``side``, normal cut-off L6 on the other."""
    other = "right" if side == "left" else "left"
    levels = [f"L{n}" for n in range(7, 0, -1)] + [f"T{n}" for n in range(13, 0, -1)]
    findings = [
        Finding(test="cutaneous_trunci", site=lv, side=side, grade="absent") for lv in levels
    ]
    findings += [
        Finding(test="cutaneous_trunci", site="L7", side=other, grade="absent"),
        Finding(test="cutaneous_trunci", site="L6", side=other, grade="present"),
    ]
    return Exam(exam_id="E1", patient=Patient(species="dog"), signs=signs, findings=findings)


def nerve(exam: Exam):  # type: ignore[no-untyped-def]
    return next(f for f in evaluate(exam).flags if f.id.value == "nerve_damage")


def test_ipsilateral_signs_strengthen_nerve_damage() -> None:
    flag = nerve(efferent("left", ["forelimb_lameness:left", "horner_syndrome:left"]))
    assert flag.strength.value == "strong" and flag.side.value == "left"
    assert any("on the same side (left)" in r for r in flag.reasons)


def test_signs_on_the_other_side_do_not_and_the_reasons_say_so() -> None:
    flag = nerve(efferent("right", ["forelimb_lameness:left"]))
    assert flag.strength.value == "moderate"
    assert any("recorded on the left, the other side" in r for r in flag.reasons)


def test_a_sign_without_a_side_still_counts_with_side_unknown() -> None:
    flag = nerve(efferent("right", ["forelimb_lameness"]))
    assert flag.strength.value == "strong"
    assert any("side not recorded" in r for r in flag.reasons)


def test_phantom_scratching_side_sets_the_sm_side() -> None:
    exam = Exam(
        exam_id="E1",
        patient=Patient(species="dog", breed="CKCS"),
        signs=["phantom_scratching:right"],
    )
    sm = next(f for f in evaluate(exam).flags if f.id.value == "syringomyelia")
    assert sm.side is not None and sm.side.value == "right"


def test_bad_side_is_a_warning_and_the_sign_still_counts() -> None:
    exam = Exam(exam_id="E1", patient=Patient(species="dog"), signs=["back_pain:up"])
    result = evaluate(exam)
    assert any("the side must be left or right" in w for w in result.warnings)
    assert [f.id.value for f in result.flags] == ["ivdd"]
