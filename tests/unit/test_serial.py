"""Serial comparison (DOMAIN.md 1.1 and 3.2): which earlier exam an exam is compared with, from
whole exams or from lightweight heads, and the PMM episode whose first window is kept."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from neuroexam.core import levels
from neuroexam.core.models import Exam, ExamStatus, Finding, Patient
from neuroexam.core.rules import evaluate, evaluate_all, previous_exam, serial_link, skipped
from neuroexam.core.serial import SerialHead, head_of, link, links

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def head(
    exam_id: str,
    hours: float | None,
    *,
    patient: str = "P1",
    species: str = "dog",
    status: str = "complete",
    trunci: bool = True,
    abnormal: bool = False,
    name: str = "",
) -> SerialHead:
    when = None if hours is None else T0 + timedelta(hours=hours)
    return SerialHead(exam_id, patient, species, when, status, trunci, name, abnormal)


# ------------------------------------------------------------------ heads


def test_previous_is_the_latest_earlier_exam_with_trunci() -> None:
    heads = [head("A", 0), head("B", 10, trunci=False), head("C", 20), head("D", 30)]
    found = links(heads)
    assert found["A"].previous is None
    assert found["B"].previous == "A"
    assert found["C"].previous == "A"  # B has no trunci finding
    assert found["D"].previous == "C"


def test_order_of_heads_never_matters() -> None:
    heads = [head(x, h) for x, h in (("A", 0), ("B", 5), ("C", 5), ("D", 9), ("E", 12))]
    expected = links(heads)
    for seed in range(5):
        shuffled = heads[:]
        random.Random(seed).shuffle(shuffled)
        assert links(shuffled) == expected


def test_same_instant_is_not_earlier_and_ties_go_by_exam_id() -> None:
    found = links([head("A", 0), head("B", 0), head("C", 1)])
    assert found["A"].previous is None and found["B"].previous is None
    assert found["C"].previous == "A"  # the first by exam_id at the latest earlier instant


def test_only_the_same_patient_id_and_never_an_empty_one() -> None:
    found = links([head("A", 0, patient="P1"), head("B", 1, patient="P2")])
    assert found["B"].previous is None
    found = links([head("A", 0, patient=""), head("B", 1, patient="")])
    assert found["A"].previous is None and found["B"].previous is None


def test_undated_exams_are_never_compared() -> None:
    found = links([head("A", None), head("B", 1), head("C", None)])
    assert found["B"].previous is None and found["C"].previous is None
    assert set(found) == {"A", "B", "C"}


def test_voided_exams_are_never_compared() -> None:
    found = links([head("A", 0), head("B", 1, status="voided"), head("C", 2)])
    assert found["C"].previous == "A"
    assert found["B"].previous is None


def test_another_species_is_a_record_error_on_the_later_exam() -> None:
    found = links([head("A", 0, species="dog"), head("B", 1, species="cat"), head("C", 2)])
    assert found["A"].species_conflict is None
    assert found["B"].species_conflict == ("A", "dog") and found["B"].previous is None
    assert found["C"].species_conflict == ("B", "cat") and found["C"].previous is None


def test_species_of_exams_without_trunci_counts_too() -> None:
    found = links([head("A", 0, species="cat", trunci=False), head("B", 1)])
    assert found["B"].species_conflict == ("A", "cat")


def test_different_name_is_warned_but_compared() -> None:
    found = links([head("A", 0, name="Rex"), head("B", 1, name=" rex "), head("C", 2, name="Max")])
    assert found["B"].name_differs is None and found["B"].previous == "A"
    assert found["C"].name_differs == ("B", " rex ") and found["C"].previous == "B"
    assert links([head("A", 0, name=""), head("B", 1, name="Max")])["B"].name_differs is None


def test_episode_start_runs_back_over_consecutive_abnormal_exams() -> None:
    heads = [
        head("A", 0, abnormal=True),
        head("B", 12, abnormal=True),
        head("C", 24, trunci=False),
        head("D", 36, abnormal=True),
    ]
    found = links(heads)
    assert found["A"].episode_start is None  # the episode starts here
    assert found["B"].episode_start == "A"
    assert found["D"].episode_start == "A"  # exams without trunci do not break it


def test_episode_is_broken_by_a_normal_cutoff() -> None:
    heads = [head("A", 0, abnormal=True), head("B", 12), head("C", 24, abnormal=True)]
    assert links(heads)["C"].episode_start is None


def test_episode_is_broken_by_a_gap_of_more_than_30_days() -> None:
    day = 24
    heads = [
        head("A", 0, abnormal=True),
        head("B", 30 * day, abnormal=True),  # exactly 30 days: same episode
        head("C", 61 * day, abnormal=True),  # 31 days after B: a new one
    ]
    found = links(heads)
    assert found["B"].episode_start == "A"
    assert found["C"].episode_start is None
    assert links(heads, gap_days=40)["C"].episode_start == "A"


def test_a_normal_exam_is_in_no_episode() -> None:
    assert links([head("A", 0, abnormal=True), head("B", 1)])["B"].episode_start is None


def test_link_of_one_head() -> None:
    history = [head("A", 0, abnormal=True), head("X", 1, patient="P2")]
    assert link(head("B", 2, abnormal=True), history).previous == "A"
    assert link(head("B", 2, abnormal=True), history).episode_start == "A"
    assert link(head("B", None), history).previous is None


# ------------------------------------------------------------------ whole exams


def exam(exam_id: str, hours: float | None, cutoff: str | None, **kw: object) -> Exam:
    findings = []
    if cutoff:
        for side in ("left", "right"):
            for lv in levels.span(cutoff, "L7")[::-1]:
                grade = "present" if lv == cutoff else "absent"
                findings.append(Finding(test="cutaneous_trunci", site=lv, side=side, grade=grade))
    else:
        findings.append(Finding(test="scratch", site="neck", side="left", grade="present"))
    return Exam(
        exam_id=exam_id,
        exam_date=None if hours is None else T0 + timedelta(hours=hours),
        patient=Patient(patient_id=str(kw.get("pid", "P1")), species=kw.get("species", "dog")),
        findings=findings,
        status=kw.get("status", ExamStatus.COMPLETE),
    )


def test_head_of_an_exam(protocols) -> None:
    limits = protocols.rules.thresholds.ctr
    h = head_of(exam("A", 0, "L2"), limits)
    assert (h.exam_id, h.patient_id, h.species, h.has_trunci, h.abnormal_cutoff) == (
        "A",
        "P1",
        "dog",
        True,
        True,
    )
    assert not head_of(exam("B", 0, "L4"), limits).abnormal_cutoff
    assert not head_of(exam("C", 0, None), limits).has_trunci


def test_rules_use_the_same_rule(protocols) -> None:
    a, b, c = exam("A", 0, "L2"), exam("B", 6, None), exam("C", 12, "L1")
    assert previous_exam(c, [a, b], protocols) is a
    assert serial_link(c, [b, a], protocols).episode_start == "A"
    assert previous_exam(a, [b, c], protocols) is None


def test_evaluate_all_leaves_voided_exams_out_and_never_compares_them(protocols) -> None:
    a = exam("A", 0, "L2", status=ExamStatus.VOIDED)
    b = exam("B", 12, "L1")
    results = evaluate_all([a, b], protocols)
    assert [r.exam_id for r in results] == ["B"]
    assert results[0].serial is None
    assert skipped([a, b]) == [{"exam_id": "A", "reason": "voided: a voided exam is not assessed"}]


def test_episode_window_is_kept_and_said_in_the_flag(protocols) -> None:
    a, b = exam("A", 0, "L1"), exam("B", 12, "T11")
    result = evaluate(b, [a], protocols)
    assert result.lesion_window is not None
    assert (result.lesion_window.cranial, result.lesion_window.caudal) == ("T10", "L1")
    pmm = next(f for f in result.flags if f.id.value == "progressive_myelomalacia")
    assert any("imaging window kept from exam A" in r for r in pmm.reasons)


@pytest.mark.parametrize("species", ["cat"])
def test_species_conflict_warning_in_the_assessment(protocols, species: str) -> None:
    a, b = exam("A", 0, "L2"), exam("B", 12, "L1", species=species)
    result = evaluate(b, [a], protocols)
    assert result.serial is None
    assert any("record error" in w and "P1" in w for w in result.warnings)


def with_serial_thresholds(protocols, **changes):  # type: ignore[no-untyped-def]
    """A copy of the protocols with other serial thresholds (rules.toml data, not code)."""
    thresholds = protocols.rules.thresholds
    serial = thresholds.serial.model_copy(update=changes)
    rules = protocols.rules.model_copy(
        update={"thresholds": thresholds.model_copy(update={"serial": serial})}
    )
    return protocols.model_copy(update={"rules": rules})


def test_the_episode_gap_is_read_from_the_rules(protocols) -> None:
    a, b = exam("A", 0, "L1"), exam("B", 72, "T12")
    kept = evaluate_all([a, b], protocols)[1]
    assert kept.lesion_window is not None and kept.lesion_window.caudal == "L1"
    short = with_serial_thresholds(protocols, episode_gap_days=1)
    own = evaluate_all([a, b], short)[1]
    assert own.lesion_window is not None and own.lesion_window.caudal == "T12"
    assert serial_link(b, [a], short).episode_start is None
    assert serial_link(b, [a], protocols).episode_start == "A"
    assert evaluate(b, [a], short).lesion_window == own.lesion_window


def test_the_lateralisation_threshold_is_read_from_the_rules(protocols) -> None:
    one_apart = Exam(
        exam_id="E1",
        patient=Patient(species="dog"),
        findings=[
            *[
                Finding(test="cutaneous_trunci", site=lv, side="left", grade="absent")
                for lv in ("L7", "L6", "L5", "L4", "L3", "L2")
            ],
            Finding(test="cutaneous_trunci", site="L1", side="left", grade="present"),
            *[
                Finding(test="cutaneous_trunci", site=lv, side="right", grade="absent")
                for lv in ("L7", "L6", "L5", "L4", "L3")
            ],
            Finding(test="cutaneous_trunci", site="L2", side="right", grade="present"),
        ],
    )
    assert evaluate_all([one_apart], protocols)[0].flags[0].side.value == "bilateral"
    strict = with_serial_thresholds(protocols, lateralise_min_difference=1)
    assert evaluate_all([one_apart], strict)[0].flags[0].side.value == "left"


def test_elapsed_text_never_reads_zero_hours() -> None:
    from neuroexam.core.report import elapsed_text

    assert elapsed_text(6.5) == "6.5 h"
    assert elapsed_text(24.0) == "24 h"
    assert elapsed_text(0.0) == "under 6 min"  # a re-check minutes after the first exam
