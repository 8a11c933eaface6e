"""core.intake: exam date, sided signs, the Intake result, orphaned findings, known patients."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neuroexam.core.intake import (
    EXAM_DATE_MESSAGE,
    SIDED_SIGNS,
    ExamParts,
    IdentityMismatch,
    Intake,
    IntakeEdit,
    KnownPatient,
    SignSide,
    UnknownSigns,
    age_moved_on,
    encode_signs,
    finding_text,
    format_exam_date,
    identity_mismatches,
    orphaned_findings,
    parse_exam_date,
    parse_signs,
    sign_sides,
    sign_texts,
)
from neuroexam.core.models import Exam, Finding, Grade, Patient, Sex, Side, Species, TestId
from neuroexam.core.protocol import Protocols
from neuroexam.core.session import all_steps

NOW = datetime(2027, 5, 3, 10, 15, tzinfo=UTC)
OSCAR = Patient(
    patient_id="P-23", name="Oscar", species=Species.DOG, breed="Dachshund", age_years=5
)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC (dates are read and shown in local time)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


# ---------------------------------------------------------------- exam date


@pytest.mark.usefixtures("utc")
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-05-01 07:05", datetime(2027, 5, 1, 7, 5, tzinfo=UTC)),
        (" 2027-05-01T07:05 ", datetime(2027, 5, 1, 7, 5, tzinfo=UTC)),
        ("2027-05-01 07:05:30", datetime(2027, 5, 1, 7, 5, 30, tzinfo=UTC)),
        ("2027-05-03 10:19", datetime(2027, 5, 3, 10, 19, tzinfo=UTC)),  # clock drift allowed
        ("", None),
        (None, None),
    ],
)
def test_parse_exam_date_accepts(text: str | None, expected: datetime | None) -> None:
    assert parse_exam_date(text, NOW) == expected


@pytest.mark.usefixtures("utc")
@pytest.mark.parametrize(
    "text", ["2027-05-03 10:21", "2030-01-01 00:00", "1989-12-31 23:59", "03/05/2027", "today"]
)
def test_parse_exam_date_refuses_future_ancient_and_other_formats(text: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_exam_date(text, NOW)
    assert str(error.value) == EXAM_DATE_MESSAGE


@pytest.mark.usefixtures("utc")
def test_format_exam_date_reads_back() -> None:
    moment = datetime(2027, 5, 1, 7, 5, tzinfo=UTC)
    assert format_exam_date(moment) == "2027-05-01 07:05"
    assert parse_exam_date(format_exam_date(moment), NOW) == moment
    east = moment.astimezone(timezone(timedelta(hours=2)))  # the same moment, shown locally
    assert format_exam_date(east) == "2027-05-01 07:05"


# ---------------------------------------------------------------- signs


def test_parse_signs_takes_a_side_and_names_a_bad_one() -> None:
    known = {"phantom_scratching", "neck_pain"}
    assert parse_signs("Phantom_Scratching : LEFT; neck_pain", known) == [
        "phantom_scratching:left",
        "neck_pain",
    ]
    with pytest.raises(UnknownSigns) as error:
        parse_signs("neck_pain:up;wobble:left", known)
    assert error.value.unknown == ["neck_pain:up", "wobble:left"]


def test_sign_texts_and_sides() -> None:
    assert sign_texts("horner_syndrome", SignSide.BOTH) == [
        "horner_syndrome:left",
        "horner_syndrome:right",
    ]
    assert sign_texts("horner_syndrome", SignSide.UNKNOWN) == ["horner_syndrome"]
    assert sign_sides(["a", "a:left", "b:right", "b:left", "c", "d:up", "e:RIGHT"]) == {
        "a": SignSide.LEFT,
        "b": SignSide.BOTH,
        "c": SignSide.UNKNOWN,
        "d": SignSide.UNKNOWN,
        "e": SignSide.RIGHT,
    }
    order = ["c", "b", "a"]
    assert encode_signs({"a": SignSide.UNKNOWN, "b": SignSide.BOTH}, order) == [
        "b:left",
        "b:right",
        "a",
    ]


@given(st.dictionaries(st.sampled_from(sorted(SIDED_SIGNS)), st.sampled_from(list(SignSide))))
def test_sides_read_back_as_written(ticked: dict[str, SignSide]) -> None:
    texts = encode_signs(ticked, sorted(SIDED_SIGNS))
    assert sign_sides(texts) == ticked
    assert len(texts) == len(set(texts))


# ---------------------------------------------------------------- the intake result


def test_intake_makes_and_edits_an_exam() -> None:
    intake = Intake(OSCAR, "A. Tech", ("neck_pain",), None, ExamParts.SPINAL)
    exam = intake.new_exam("EX-1", NOW)
    assert (exam.exam_date, exam.examiner, exam.signs) == (NOW, "A. Tech", ["neck_pain"])
    assert Intake.of(exam, ExamParts.SPINAL) == Intake(
        OSCAR, "A. Tech", ("neck_pain",), NOW, ExamParts.SPINAL
    )
    earlier = datetime(2027, 5, 1, tzinfo=UTC)
    cat = OSCAR.model_copy(update={"species": Species.CAT, "sex": Sex.F})
    edited = Intake(cat, "A. Tech", ("neck_pain",), earlier, ExamParts.QUICK)
    edited.apply_to(exam)
    assert (exam.patient, exam.exam_date) == (cat, earlier)
    assert IntakeEdit(intake, edited).changed == ["species", "sex", "exam_date", "parts"]
    assert Intake(OSCAR, signs=("a", "b")).changes(Intake(OSCAR, signs=("b", "a"))) == []


def test_orphaned_findings_are_those_without_a_step(protocols: Protocols) -> None:
    belly = Finding(test=TestId.SCRATCH, site="belly", side=Side.LEFT, grade=Grade.PRESENT)
    l7 = Finding(test=TestId.CUTANEOUS_TRUNCI, site="L7", side=Side.RIGHT, grade=Grade.ABSENT)
    steps = [s.key for s in all_steps(protocols.exam(Species.CAT))]
    assert orphaned_findings([belly, l7], steps) == []
    assert orphaned_findings([belly, l7], [k for k in steps if k[1] != "belly"]) == [belly]
    assert finding_text(belly) == "scratch belly left: present"
    assert finding_text(l7) == "cutaneous trunci L7 right: absent"


# ---------------------------------------------------------------- known patients


@pytest.mark.parametrize(
    ("age", "then", "expected"),
    [
        (5.0, datetime(2026, 5, 3, 10, 15, tzinfo=UTC), 6.0),
        (5.0, datetime(2026, 11, 2, 9, 0, tzinfo=UTC), 5.5),
        (5.0, NOW + timedelta(days=3), 5.0),  # a record dated later: left alone
        (29.9, datetime(2020, 1, 1, tzinfo=UTC), 30.0),
        (None, datetime(2020, 1, 1, tzinfo=UTC), None),
        (4.0, None, 4.0),
    ],
)
def test_age_moved_on(age: float | None, then: datetime | None, expected: float | None) -> None:
    assert age_moved_on(age, then, NOW) == expected


@pytest.mark.usefixtures("utc")
def test_known_patient_line_and_prefill() -> None:
    exam = Exam(exam_id="E1", exam_date=datetime(2026, 11, 2, 9, tzinfo=UTC), patient=OSCAR)
    known = KnownPatient.of(exam)
    assert known.line() == "Known patient: Oscar, dog, Dachshund, last exam 2026-11-02"
    assert known.prefill(NOW) == OSCAR.model_copy(update={"age_years": 5.5})
    bare = KnownPatient(Patient(species=Species.CAT), "E2", None)
    assert bare.line() == "Known patient: no name, cat, breed not given, last exam no date"


def test_identity_mismatches() -> None:
    known = KnownPatient(OSCAR, "E1", NOW)
    assert identity_mismatches(known, Species.DOG, " oscar ") == []
    assert identity_mismatches(known, None, "") == []
    species, name = identity_mismatches(known, Species.CAT, "Rex")
    assert species == IdentityMismatch("species", "dog", "cat") and species.species
    assert name == IdentityMismatch("name", "Oscar", "Rex") and not name.species
    assert species.short() == "⚠ on record as a dog, not a cat: never compared"
    assert name.short() == "⚠ on record as Oscar, not Rex"
    assert species.message("P-23") == (
        "patient P-23 is on record as a dog, not a cat: exams of different species are never "
        "compared; check the patient id"
    )
    assert name.message("P-23") == "patient P-23 is on record as Oscar, not Rex"
    nameless = KnownPatient(OSCAR.model_copy(update={"name": ""}), "E1", NOW)
    assert identity_mismatches(nameless, Species.DOG, "Rex") == []
