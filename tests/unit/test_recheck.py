"""The trunci re-check schedule (core/recheck) and the trunci-only part of the protocol."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from neuroexam.core import levels
from neuroexam.core.models import Exam, ExamStatus, Finding, Mode, Patient, Side, TestId
from neuroexam.core.protocol import ProtocolError, Protocols, load_protocols
from neuroexam.core.recheck import WATCH_DAYS, patient_recheck, rechecks_due, span_text
from neuroexam.core.rules import evaluate
from neuroexam.core.vocab import FlagId, Species

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DOG = Patient(patient_id="P-7", name="Oscar", species="dog", breed="Dachshund", age_years=5)


def exam(
    exam_id: str,
    hours: float,
    cutoff: str | None = "L1",
    *,
    patient: Patient = DOG,
    status: ExamStatus = ExamStatus.COMPLETE,
    mode: Mode = Mode.CLINICAL,
    signs: tuple[str, ...] = ("paraplegia", "deep_pain_absent"),
) -> Exam:
    """A trunci series absent from L7 up to ``cutoff`` (present there), both sides."""
    e = Exam(
        exam_id=exam_id,
        exam_date=T0 + timedelta(hours=hours),
        examiner="Dr V",
        mode=mode,
        patient=patient,
        signs=list(signs),
        status=status,
    )
    if cutoff is not None:
        series = levels.caudal_to_cranial()
        for side in Side:
            for level in series[: series.index(cutoff) + 1]:
                grade = "present" if level == cutoff else "absent"
                e.findings.append(
                    Finding(test=TestId.CUTANEOUS_TRUNCI, site=level, side=side, grade=grade)
                )
    return e


def assessed(exams: list[Exam], protocols: Protocols) -> list[tuple[Exam, object]]:
    return [(e, evaluate(e, [x for x in exams if x is not e], protocols)) for e in exams]


def test_a_paraplegic_ivdd_dog_is_due_an_interval_after_its_last_exam(protocols) -> None:  # type: ignore[no-untyped-def]
    exams = [exam("E1", 0), exam("E2", 4)]
    (due,) = rechecks_due(assessed(exams, protocols), 4, T0 + timedelta(hours=5))  # type: ignore[arg-type]
    assert due.patient_id == "P-7" and due.last_exam_id == "E2"
    assert due.due_at == T0 + timedelta(hours=8)
    assert due.until == T0 + timedelta(days=WATCH_DAYS)  # from the first flagged exam
    assert due.flag.id is FlagId.IVDD
    assert not due.overdue(T0 + timedelta(hours=5))
    assert due.overdue(T0 + timedelta(hours=9))
    assert due.when_text(T0 + timedelta(hours=9)).startswith("OVERDUE since ")
    assert due.when_text(T0 + timedelta(hours=9)).endswith("(1 h 0 min)")


def test_a_climbing_cutoff_is_watched_under_its_pmm_flag(protocols) -> None:  # type: ignore[no-untyped-def]
    exams = [exam("E1", 0, "L1"), exam("E2", 6, "T12")]
    (due,) = rechecks_due(assessed(exams, protocols), 4, T0 + timedelta(hours=7))  # type: ignore[arg-type]
    assert due.flag.id is FlagId.PROGRESSIVE_MYELOMALACIA


def test_no_recheck_for_a_normal_dog_a_cat_without_flags_or_training(protocols) -> None:  # type: ignore[no-untyped-def]
    normal = exam("E1", 0, "L6", signs=())
    trainee = exam(
        "E2", 0, patient=DOG.model_copy(update={"patient_id": "TRAIN-x"}), mode=Mode.TRAINING
    )
    no_id = exam("E3", 0, patient=DOG.model_copy(update={"patient_id": ""}))
    voided = exam(
        "E4", 0, patient=DOG.model_copy(update={"patient_id": "P-9"}), status=ExamStatus.VOIDED
    )
    now = T0 + timedelta(hours=1)
    assert rechecks_due(assessed([normal, trainee, no_id, voided], protocols), 4, now) == []  # type: ignore[arg-type]


def test_a_later_normal_exam_ends_the_watch(protocols) -> None:  # type: ignore[no-untyped-def]
    exams = [exam("E1", 0), exam("E2", 24, "L6", signs=())]
    assert rechecks_due(assessed(exams, protocols), 4, T0 + timedelta(hours=25)) == []  # type: ignore[arg-type]


def test_an_exam_in_progress_is_the_recheck_being_done(protocols) -> None:  # type: ignore[no-untyped-def]
    exams = [exam("E1", 0), exam("E2", 5, None, status=ExamStatus.IN_PROGRESS)]
    (due,) = rechecks_due(assessed(exams, protocols), 4, T0 + timedelta(hours=6))  # type: ignore[arg-type]
    assert due.last_exam_id == "E2" and due.due_at == T0 + timedelta(hours=9)


def test_the_watch_lasts_five_days_from_the_first_flagged_exam(protocols) -> None:  # type: ignore[no-untyped-def]
    hours = [0, 24, 48, 72, 96, 110]
    exams = [exam(f"E{i}", h) for i, h in enumerate(hours)]
    pairs = assessed(exams, protocols)
    day4 = T0 + timedelta(hours=111)
    (due,) = rechecks_due(pairs, 4, day4)  # type: ignore[arg-type]
    assert due.due_at == T0 + timedelta(hours=114) and due.until == T0 + timedelta(hours=120)
    # the last re-check of the watch is done: the next one would fall after it ends
    late = [*exams, exam("E9", 118)]
    assert rechecks_due(assessed(late, protocols), 4, T0 + timedelta(hours=119)) == []  # type: ignore[arg-type]
    # a watch that ended without its re-checks is no longer listed
    assert rechecks_due(pairs, 4, T0 + timedelta(days=6)) == []  # type: ignore[arg-type]


def test_a_gap_of_more_than_thirty_days_starts_a_new_watch(protocols) -> None:  # type: ignore[no-untyped-def]
    exams = [exam("E1", 0), exam("E2", 24 * 40)]
    due = patient_recheck(assessed(exams, protocols), timedelta(hours=6))  # type: ignore[arg-type]
    assert due is not None and due.until == T0 + timedelta(days=40 + WATCH_DAYS)


def test_overdue_first_then_soonest(protocols) -> None:  # type: ignore[no-untyped-def]
    other = DOG.model_copy(update={"patient_id": "P-8", "name": "Max"})
    exams = [exam("E1", 0), exam("E2", 2, patient=other)]
    found = rechecks_due(assessed(exams, protocols), 4, T0 + timedelta(hours=5))  # type: ignore[arg-type]
    assert [d.patient_id for d in found] == ["P-7", "P-8"]


def test_span_text() -> None:
    assert span_text(timedelta(minutes=5)) == "5 min"
    assert span_text(timedelta(hours=1, minutes=20)) == "1 h 20 min"
    assert span_text(timedelta(days=2, hours=3)) == "2 d 3 h"
    assert span_text(timedelta(minutes=-3)) == "0 min"


# ---------------------------------------------------------------- the trunci-only part


def test_trunci_part_steps_through_the_trunci_alone(protocols) -> None:  # type: ignore[no-untyped-def]
    from neuroexam.core.session import all_steps

    for species in Species:
        trunci = protocols.exam(species, "trunci")
        assert [t.id for t in trunci.tests] == [TestId.CUTANEOUS_TRUNCI]
        assert trunci.parts == ["trunci"]
        assert {s.test for s in all_steps(trunci)} == {TestId.CUTANEOUS_TRUNCI}
    assert ("trunci", "trunci: cutaneous trunci re-check only") in protocols.parts()


def test_trunci_part_file_is_validated(tmp_path, protocols) -> None:  # type: ignore[no-untyped-def]
    import shutil

    root = tmp_path / "protocols"
    shutil.copytree(protocols.root, root)
    (root / "exam" / "trunci.toml").write_text(
        'id = "trunci"\nlabel = "x"\nintro = "y"\ntests = ["patellar"]\n', encoding="utf-8"
    )
    with pytest.raises(ProtocolError, match=r"trunci\.toml: tests\.0: 'patellar' belongs"):
        load_protocols(root)
    (root / "exam" / "trunci.toml").unlink()
    folder = load_protocols(root)
    assert folder.trunci is None
    with pytest.raises(KeyError):
        folder.exam(Species.DOG, "trunci")
