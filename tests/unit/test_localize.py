"""Trunci cut-off per side, status, thoracolumbar pattern, efferent side, window, movement.

Behaviour from docs/CLINICAL_RULES.md §1–§4.
"""

from __future__ import annotations

import pytest

from neuroexam.core import levels
from neuroexam.core.localize import (
    NONE,
    CtrStatus,
    TlPattern,
    analyse_ctr,
    lesion_window,
    movement,
    side_ctr,
)
from neuroexam.core.models import Exam, Finding, FlagSide, Patient, Side
from neuroexam.core.protocol import CtrThresholds, Protocols
from neuroexam.core.rules import evaluate

A, R, P, X, N = "absent", "reduced", "present", "exaggerated", "not_tested"


def exam(
    left: dict[str, str] | None = None,
    right: dict[str, str] | None = None,
    species: str = "dog",
    signs: tuple[str, ...] = (),
    exam_id: str = "E1",
) -> Exam:
    findings = [
        Finding(test="cutaneous_trunci", site=site, side=side, grade=grade)
        for side, series in (("left", left or {}), ("right", right or {}))
        for site, grade in series.items()
    ]
    return Exam(
        exam_id=exam_id,
        patient=Patient(species=species),
        signs=list(signs),
        findings=findings,
    )


def series(cutoff: str, grade: str = P, from_level: str = "L7") -> dict[str, str]:
    """A clinician's series: absent from ``from_level`` cranially until ``cutoff`` responds."""
    out: dict[str, str] = {}
    for level in levels.span(cutoff, from_level)[::-1]:
        out[level] = grade if level == cutoff else A
    return out


def absent_to(most_cranial: str) -> dict[str, str]:
    """No response at any level from L7 up to ``most_cranial``."""
    return {level: A for level in levels.span(most_cranial, "L7")}


@pytest.fixture(scope="module")
def limits(protocols: Protocols) -> CtrThresholds:
    return protocols.rules.thresholds.ctr


# ------------------------------------------------------------------ cut-off per side


def test_cutoff_is_most_caudal_responding_level(limits: CtrThresholds) -> None:
    s = side_ctr(exam(left=series("L5")), Side.LEFT, limits)
    assert s.cutoff == "L5"
    assert s.status is CtrStatus.NORMAL
    assert set(s.tested) == {"L7", "L6", "L5"}


def test_exaggerated_counts_as_response(limits: CtrThresholds) -> None:
    s = side_ctr(exam(left=series("L6", grade=X)), Side.LEFT, limits)
    assert s.cutoff == "L6"


def test_reduced_counts_as_no_response(limits: CtrThresholds) -> None:
    e = exam(left={"L7": R, "L6": R, "L5": A, "L4": R, "L3": P})
    s = side_ctr(e, Side.LEFT, limits)
    assert s.cutoff == "L3"
    assert s.status is CtrStatus.ABNORMAL


def test_all_reduced_is_none(limits: CtrThresholds) -> None:
    s = side_ctr(exam(left={"L7": R, "L6": R}), Side.LEFT, limits)
    assert s.cutoff == NONE == "none"
    assert s.status is CtrStatus.ABSENT


def test_not_tested_is_ignored(limits: CtrThresholds) -> None:
    e = exam(left={"L7": N, "L6": A, "L5": N, "L4": P})
    s = side_ctr(e, Side.LEFT, limits)
    assert s.cutoff == "L4"
    assert set(s.tested) == {"L6", "L4"}
    assert s.most_cranial_tested == "L4"


def test_only_not_tested_is_none_cutoff(limits: CtrThresholds) -> None:
    s = side_ctr(exam(left={"L7": N, "L6": N}), Side.LEFT, limits)
    assert s.cutoff is None
    assert s.status is CtrStatus.NOT_TESTED
    assert s.position is None


def test_nothing_recorded_is_not_tested(limits: CtrThresholds) -> None:
    a = analyse_ctr(exam(left=series("L6")), limits)
    assert a.right.cutoff is None
    assert a.right.status is CtrStatus.NOT_TESTED
    assert a.any_tested


def test_no_ctr_at_all(limits: CtrThresholds) -> None:
    a = analyse_ctr(exam(), limits)
    assert a.left.cutoff is None and a.right.cutoff is None
    assert not a.any_tested
    assert a.tl_pattern is None
    assert a.efferent_side is None


def test_patchy_response_only_most_caudal_counts(limits: CtrThresholds) -> None:
    # responds at L2 and (after a gap) at T10: the cut-off is L2, not T10
    e = exam(left={"L7": A, "L6": A, "L5": A, "L4": A, "L3": A, "L2": P, "L1": A, "T13": A,
                   "T12": A, "T11": A, "T10": P})  # fmt: skip
    assert side_ctr(e, Side.LEFT, limits).cutoff == "L2"
    # a response caudal to a silent stretch still wins
    e = exam(left={"L7": A, "L6": P, "L5": A, "L4": A, "L3": P})
    assert side_ctr(e, Side.LEFT, limits).cutoff == "L6"


def test_cutoff_does_not_depend_on_finding_order(limits: CtrThresholds) -> None:
    grades = {"L7": A, "L6": A, "L5": R, "L4": A, "L3": P, "L2": P}
    forward = exam(left=grades)
    backward = exam(left=dict(reversed(list(grades.items()))))
    for e in (forward, backward):
        s = side_ctr(e, Side.LEFT, limits)
        assert (s.cutoff, s.status, set(s.tested)) == ("L3", CtrStatus.ABNORMAL, set(grades))


def test_level_spelling_is_normalised_in_findings(limits: CtrThresholds) -> None:
    e = exam(left={"l7": A, " l 6 ": P})
    assert side_ctr(e, Side.LEFT, limits).cutoff == "L6"


# ------------------------------------------------------------------ status


@pytest.mark.parametrize(
    ("cutoff", "status"),
    [
        ("L7", CtrStatus.NORMAL),
        ("L6", CtrStatus.NORMAL),
        ("L5", CtrStatus.NORMAL),
        ("L4", CtrStatus.BORDERLINE),
        ("L3", CtrStatus.ABNORMAL),
        ("L1", CtrStatus.ABNORMAL),
        ("T13", CtrStatus.ABNORMAL),
        ("T1", CtrStatus.ABNORMAL),
    ],
)
def test_status_by_cutoff(limits: CtrThresholds, cutoff: str, status: CtrStatus) -> None:
    s = side_ctr(exam(right=series(cutoff)), Side.RIGHT, limits)
    assert s.cutoff == cutoff
    assert s.status is status


def test_status_absent_and_not_tested(limits: CtrThresholds) -> None:
    a = analyse_ctr(exam(left=absent_to("L3")), limits)
    assert a.left.status is CtrStatus.ABSENT
    assert a.right.status is CtrStatus.NOT_TESTED


# ------------------------------------------------------------------ thoracolumbar pattern


@pytest.mark.parametrize(
    ("left", "right", "pattern"),
    [
        (series("L6"), series("L5"), None),
        (series("L4"), series("L4"), TlPattern.BILATERAL),
        (series("L2"), series("L3"), TlPattern.BILATERAL),
        (series("L4"), series("T12"), TlPattern.BILATERAL),
        (series("L2"), absent_to("L3"), TlPattern.BILATERAL),  # one side "none"
        (absent_to("T13"), series("L4"), TlPattern.BILATERAL),
        (series("L2"), series("L6"), TlPattern.LATERALISED),
        (series("L7"), series("L4"), TlPattern.LATERALISED),
        (absent_to("L4"), absent_to("L3"), TlPattern.NO_RESPONSE),
        (series("L2"), {}, TlPattern.OTHER_SIDE_UNTESTED),  # v2: flag capped at weak
        (absent_to("L3"), series("L6"), None),  # efferent, not thoracolumbar
        (absent_to("L3"), {}, TlPattern.OTHER_SIDE_UNTESTED),
        (series("L4"), {}, None),  # borderline with the other side untested: nothing
        (series("L6"), {}, None),
    ],
)
def test_tl_pattern(
    limits: CtrThresholds, left: dict, right: dict, pattern: TlPattern | None
) -> None:
    assert analyse_ctr(exam(left, right), limits).tl_pattern is pattern


def test_tl_pattern_is_symmetric(limits: CtrThresholds) -> None:
    for left, right in [(series("L2"), series("L6")), (series("L3"), absent_to("L3"))]:
        assert (
            analyse_ctr(exam(left, right), limits).tl_pattern
            is analyse_ctr(exam(right, left), limits).tl_pattern
        )


@pytest.mark.parametrize(
    ("left", "right", "side"),
    [
        (series("L2"), series("L2"), FlagSide.BILATERAL),
        (series("L1"), series("L3"), FlagSide.LEFT),  # 2 levels apart: lateralised
        (series("L2"), series("L3"), FlagSide.BILATERAL),  # 1 level: observer variation
        (series("L3"), series("T13"), FlagSide.RIGHT),
        (series("L3"), series("L1"), FlagSide.RIGHT),
        (series("L2"), series("L6"), FlagSide.LEFT),  # lateralised: the abnormal side
        (series("L6"), series("L4"), FlagSide.RIGHT),
        (series("L5"), series("L4"), FlagSide.BILATERAL),  # one level apart
        (series("L3"), absent_to("L3"), FlagSide.BILATERAL),  # "none" at L2: one level
        (series("L3"), absent_to("L2"), FlagSide.RIGHT),  # "none" at L1: two levels
        (absent_to("T12"), series("L2"), FlagSide.LEFT),
        (series("L2"), {}, FlagSide.LEFT),  # the tested side
        ({}, absent_to("T10"), FlagSide.RIGHT),
        (series("L6"), series("L5"), None),  # no pattern, no side
    ],
)
def test_tl_side(limits: CtrThresholds, left: dict, right: dict, side: FlagSide | None) -> None:
    assert analyse_ctr(exam(left, right), limits).tl_side(2) == side


def test_tl_side_threshold_is_a_parameter(limits: CtrThresholds) -> None:
    a = analyse_ctr(exam(series("L2"), series("L3")), limits)
    assert a.tl_side(1) is FlagSide.LEFT and a.tl_side(2) is FlagSide.BILATERAL


def test_tl_side_none_sits_one_level_cranial_to_its_last_tested_level(
    limits: CtrThresholds, protocols: Protocols
) -> None:
    """CLINICAL_RULES §2 (v2): "none" sits one level cranial to its most cranial tested level;
    lateralised only at 2 levels or more.

    Left silent from L7 up to L3 ("none" at L2), right cut-off L2: bilateral. Left silent up
    to L1 ("none" at T13) against L2: two levels, left.
    """
    e = exam(absent_to("L3"), series("L2"))
    a = analyse_ctr(e, limits)
    assert a.left.cutoff == NONE and a.right.cutoff == "L2"
    assert a.tl_side(2) is FlagSide.BILATERAL
    e = exam(absent_to("L1"), series("L2"))
    assert analyse_ctr(e, limits).tl_side(2) is FlagSide.LEFT
    ivdd = next(f for f in evaluate(e, protocols=protocols).flags if f.id.value == "ivdd")
    assert ivdd.side is FlagSide.LEFT


def test_tl_side_both_none_is_bilateral(limits: CtrThresholds, protocols: Protocols) -> None:
    """CLINICAL_RULES §2: 'bilateral when both sides have the same cut-off' — both "none".

    Testing one side further cranially than the other does not make the loss one-sided.
    """
    e = exam(absent_to("L6"), absent_to("L5"))
    a = analyse_ctr(e, limits)
    assert a.tl_pattern is TlPattern.NO_RESPONSE
    assert a.tl_side(2) is FlagSide.BILATERAL
    ivdd = next(f for f in evaluate(e, protocols=protocols).flags if f.id.value == "ivdd")
    assert ivdd.side is FlagSide.BILATERAL


def test_cranial_cutoff_ignores_none(limits: CtrThresholds) -> None:
    assert analyse_ctr(exam(series("L3"), series("T13")), limits).cranial_cutoff == "T13"
    assert analyse_ctr(exam(series("L3"), absent_to("T10")), limits).cranial_cutoff == "L3"
    assert analyse_ctr(exam(absent_to("L3"), absent_to("L3")), limits).cranial_cutoff is None


# ------------------------------------------------------------------ efferent side


@pytest.mark.parametrize(
    ("left", "right", "side"),
    [
        (absent_to("T10"), series("L6"), Side.LEFT),
        (series("L5"), absent_to("L4"), Side.RIGHT),
        (series("L7"), {"L7": R, "L6": R}, Side.RIGHT),
        (absent_to("T10"), series("L4"), None),  # other side borderline: thoracolumbar
        (absent_to("T10"), absent_to("T10"), None),
        (absent_to("T10"), {}, None),
        (series("L6"), series("L6"), None),
    ],
)
def test_efferent_side(limits: CtrThresholds, left: dict, right: dict, side: Side | None) -> None:
    assert analyse_ctr(exam(left, right), limits).efferent_side == side


# ------------------------------------------------------------------ lesion window


def test_lesion_window_arithmetic_l2(limits: CtrThresholds) -> None:
    w = lesion_window("L2", limits)
    assert (w.cranial, w.caudal, w.most_likely) == ("T11", "L2", ["T12", "T13"])


@pytest.mark.parametrize(
    ("cutoff", "cranial", "likely"),
    [
        ("L3", "T12", ["T13", "L1"]),
        ("L1", "T10", ["T11", "T12"]),
        ("T13", "T9", ["T10", "T11"]),
        ("T5", "T1", ["T2", "T3"]),
        ("T4", "T1", ["T1", "T2"]),  # cranial end clamped
        ("T3", "T1", ["T1"]),  # both most-likely levels clamp to T1: listed once
        ("T1", "T1", ["T1"]),
    ],
)
def test_lesion_window_clamps_at_t1(
    limits: CtrThresholds, cutoff: str, cranial: str, likely: list[str]
) -> None:
    w = lesion_window(cutoff, limits)
    assert w.cranial == cranial
    assert w.caudal == cutoff
    assert w.most_likely == likely
    assert all(levels.distance(w.cranial, x) >= 0 for x in w.most_likely)
    assert all(levels.distance(x, w.caudal) >= 0 for x in w.most_likely)


def test_window_in_assessment_is_the_intersection(protocols: Protocols) -> None:
    """DOMAIN 1.1 (v2): L3 gives T12-L3 (likely T13-L1), L2 gives T11-L2 (likely T12-T13):
    the exam's window is T12-L2, most likely T13 (the likely ranges' intersection)."""
    a = evaluate(exam(series("L3"), series("L2")), protocols=protocols)
    assert a.localization == "T3-L3"
    assert a.lesion_window is not None
    assert a.lesion_window.model_dump() == {
        "cranial": "T12",
        "caudal": "L2",
        "most_likely": ["T13"],
    }


def test_window_intersection_without_common_likely_level_takes_the_centre(
    protocols: Protocols,
) -> None:
    """L1 (T10-L1, likely T11-T12) and L3 (T12-L3, likely T13-L1): intersection T12-L1, no
    common likely level, so its central level T13."""
    a = evaluate(exam(series("L1"), series("L3")), protocols=protocols)
    assert a.lesion_window is not None
    want = {"cranial": "T12", "caudal": "L1", "most_likely": ["T13"]}
    assert a.lesion_window.model_dump() == want


def test_windows_that_do_not_overlap_warn_and_show_the_cranial_side(protocols: Protocols) -> None:
    """T10 (T6-T10) and L3 (T12-L3) are 5 levels apart: no overlap."""
    a = evaluate(exam(series("T10"), series("L3")), protocols=protocols)
    assert a.lesion_window is not None
    assert (a.lesion_window.cranial, a.lesion_window.caudal) == ("T6", "T10")
    assert any("do not overlap" in w for w in a.warnings)
    a = evaluate(exam(series("T11"), series("L3")), protocols=protocols)  # 5 apart
    assert any("do not overlap" in w for w in a.warnings)


def test_windows_four_apart_share_one_level(protocols: Protocols) -> None:
    """T12 (T8-T12) and L3 (T12-L3) are 4 apart: they share T12, which is the window."""
    a = evaluate(exam(series("T12"), series("L3")), protocols=protocols)
    assert a.lesion_window is not None
    want = {"cranial": "T12", "caudal": "T12", "most_likely": ["T12"]}
    assert a.lesion_window.model_dump() == want
    assert not any("do not overlap" in w for w in a.warnings)


def test_borderline_l4_gives_no_window(protocols: Protocols) -> None:
    a = evaluate(exam(series("L4"), series("L4")), protocols=protocols)
    assert a.localization == "T3-L3"
    assert a.lesion_window is None


def test_lateralised_abnormal_side_gives_window(protocols: Protocols) -> None:
    a = evaluate(exam(series("L6"), series("L1")), protocols=protocols)
    assert a.lesion_window is not None
    assert (a.lesion_window.cranial, a.lesion_window.caudal) == ("T10", "L1")


def test_no_response_both_sides_no_window_no_localization(protocols: Protocols) -> None:
    a = evaluate(exam(absent_to("T12"), absent_to("T12")), protocols=protocols)
    assert a.ctr_cutoff.left == a.ctr_cutoff.right == "none"
    assert a.localization is None
    assert a.lesion_window is None
    assert any("extend testing cranially" in w for w in a.warnings)


def test_cat_gets_no_window(protocols: Protocols) -> None:
    a = evaluate(exam(series("L2"), series("L2"), species="cat"), protocols=protocols)
    assert a.ctr_cutoff.left == "L2"
    assert a.localization is None
    assert a.lesion_window is None


# ------------------------------------------------------------------ positions and movement


def test_position_of_none_is_one_cranial_to_most_cranial_tested(limits: CtrThresholds) -> None:
    s = side_ctr(exam(left=absent_to("L3")), Side.LEFT, limits)
    assert s.position == levels.index("L2")
    s = side_ctr(exam(left=absent_to("T1")), Side.LEFT, limits)
    assert s.position == -1  # cranial to T1: still "further than" any level


def test_movement_cranial_positive_caudal_negative(limits: CtrThresholds) -> None:
    before = analyse_ctr(exam(series("L3"), series("L2")), limits)
    after = analyse_ctr(exam(series("L1"), series("L3")), limits)
    assert movement(before, after) == {"left": 2, "right": -1}
    assert movement(after, before) == {"left": -2, "right": 1}
    assert movement(before, before) == {"left": 0, "right": 0}


def test_movement_with_none_and_untested(limits: CtrThresholds) -> None:
    before = analyse_ctr(exam(series("L2"), series("L4")), limits)
    after = analyse_ctr(exam(absent_to("T12"), {}), limits)
    # "none" up to T12 sits at T11: L2 → T11 is 4 vertebrae cranially; right not compared
    assert movement(before, after) == {"left": 4, "right": None}


def test_serial_exams_report_movement(protocols: Protocols) -> None:
    from datetime import UTC, datetime

    first = exam(series("L3"), series("L3"), exam_id="A")
    first.patient.patient_id = "P1"
    first.exam_date = datetime(2026, 1, 1, 8, tzinfo=UTC)
    second = exam(series("T13"), series("L2"), exam_id="B")
    second.patient.patient_id = "P1"
    second.exam_date = datetime(2026, 1, 1, 14, tzinfo=UTC)
    a = evaluate(second, [first, second], protocols=protocols)
    assert a.serial is not None
    assert a.serial.previous_exam_id == "A"
    assert a.serial.hours == 6.0
    assert a.serial.movement == {"left": 3, "right": 1}
    pm = next(f for f in a.flags if f.id.value == "progressive_myelomalacia")
    assert pm.urgency.value == "emergency"
    assert pm.strength.value == "moderate"  # moved >= 2, no paraplegia / deep pain loss
    assert pm.side is FlagSide.BILATERAL  # both sides moved cranially


def test_window_offsets_come_from_the_thresholds(limits: CtrThresholds) -> None:
    """The window is X-cranial_offset ... X-caudal_offset (rules.toml), not fixed numbers."""
    shifted = limits.model_copy(update={"window_caudal_offset": 1, "window_cranial_offset": 3})
    w = lesion_window("L2", shifted)
    assert (w.cranial, w.caudal) == ("T12", "L1")


def test_breed_index_is_built_once_per_protocol_set(protocols: Protocols) -> None:
    from neuroexam.core.rules import breed_index

    first = breed_index(protocols)
    assert breed_index(protocols) is first
    other = protocols.model_copy()
    second = breed_index(other)
    assert second is not first and breed_index(other) is second
    assert breed_index(protocols) is first
