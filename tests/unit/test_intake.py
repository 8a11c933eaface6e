"""Intake parsers, build_patient, exam ids and the ``neuroexam exam`` command."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from neuroexam import cli
from neuroexam.core.breeds import MatchKind
from neuroexam.core.ids import new_exam_id
from neuroexam.core.intake import (
    AGE_MESSAGE,
    NO_PATIENT_ID,
    SEX_MESSAGE,
    SPECIES_MESSAGE,
    WEIGHT_MESSAGE,
    IntakeError,
    UnknownSigns,
    breed_status,
    build_patient,
    parse_age,
    parse_sex,
    parse_signs,
    parse_species,
    parse_weight,
)
from neuroexam.core.models import Exam, Sex, Species
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import breed_index

# ---------------------------------------------------------------- parsers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.5", 4.5),
        (" 4,5 ", 4.5),
        ("0", 0.0),
        ("30", 30.0),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_parse_age_accepts(text: str | None, expected: float | None) -> None:
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["45", "-1", "30.01", "abc", "4 years", "nan", "inf", "1e400"])
def test_parse_age_rejects_with_user_message(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(AGE_MESSAGE)):
        parse_age(text)


@pytest.mark.parametrize(("text", "expected"), [("12.5", 12.5), ("0,4", 0.4), ("200", 200.0)])
def test_parse_weight_accepts(text: str, expected: float) -> None:
    assert parse_weight(text) == expected
    assert parse_weight("") is None


@pytest.mark.parametrize("text", ["-1", "0", "200.5", "heavy", "-inf"])
def test_parse_weight_rejects(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_weight(text)
    assert str(caught.value) == WEIGHT_MESSAGE == "weight: a number above 0 kg, at most 200"


def test_parse_species_and_sex() -> None:
    assert parse_species(" Cat ") is Species.CAT
    with pytest.raises(ValueError, match=SPECIES_MESSAGE):
        parse_species("horse")
    with pytest.raises(ValueError, match=SPECIES_MESSAGE):
        parse_species("")
    assert parse_sex("fs") is Sex.FS
    assert parse_sex("Unknown") is Sex.UNKNOWN
    assert parse_sex("") is Sex.UNKNOWN
    with pytest.raises(ValueError, match=re.escape(SEX_MESSAGE)):
        parse_sex("neutered")


def test_parse_signs_keeps_order_and_drops_duplicates(protocols: Protocols) -> None:
    known = protocols.sign_ids()
    assert parse_signs("neck_pain; back_pain;neck_pain;", known) == ["neck_pain", "back_pain"]
    assert parse_signs("pruritus,ear_discharge", known) == ["pruritus", "ear_discharge"]
    assert parse_signs(["Pruritus"], known) == ["pruritus"]
    assert parse_signs("", known) == []
    assert parse_signs("neck_pain") == ["neck_pain"]  # default: the shipped checklist


def test_parse_signs_names_every_unknown_id(protocols: Protocols) -> None:
    with pytest.raises(UnknownSigns) as caught:
        parse_signs("neck_pain;wobbly;itchy", protocols.sign_ids())
    assert caught.value.unknown == ["wobbly", "itchy"]
    message = str(caught.value)
    assert "'wobbly'" in message and "'itchy'" in message
    assert "valid ids: back_pain," in message


# ---------------------------------------------------------------- build_patient


def test_build_patient_stores_the_canonical_breed(protocols: Protocols) -> None:
    intake = build_patient(
        species="dog",
        patient_id=" P1 ",
        name="Rex",
        breed="ckcs",
        age="4,5",
        sex="mn",
        weight="8.2",
        breeds=breed_index(protocols),
    )
    patient = intake.patient
    assert patient.patient_id == "P1"
    assert patient.breed == "Cavalier King Charles Spaniel"
    assert (patient.age_years, patient.sex, patient.weight_kg) == (4.5, Sex.MN, 8.2)
    assert intake.breed.kind is MatchKind.ALIAS
    assert intake.warnings == []


def test_build_patient_keeps_an_unknown_breed_with_a_warning(protocols: Protocols) -> None:
    intake = build_patient(species="cat", breed="Space Cat", breeds=breed_index(protocols))
    assert intake.patient.breed == "Space Cat"
    assert intake.patient.age_years is None and intake.patient.weight_kg is None
    assert any("unknown breed" in w for w in intake.warnings)
    assert NO_PATIENT_ID in intake.warnings


def test_build_patient_mixed_breed_is_no_warning(protocols: Protocols) -> None:
    intake = build_patient(species="dog", patient_id="P2", breed="Mixed", breeds=None)
    assert intake.patient.breed == "Mixed"
    assert intake.warnings == []


def test_build_patient_reports_every_invalid_field() -> None:
    with pytest.raises(IntakeError) as caught:
        build_patient(species="cow", age="45", weight="-1", sex="x")
    assert caught.value.fields == ["species", "age", "sex", "weight"]
    assert AGE_MESSAGE in str(caught.value)


def test_breed_status_lines(protocols: Protocols) -> None:
    index = breed_index(protocols)
    dog = Species.DOG
    assert breed_status(index.lookup("ckcs", dog)) == "→ Cavalier King Charles Spaniel (alias)"
    assert breed_status(index.lookup("Dachshund", dog)) == "→ Dachshund"
    assert breed_status(index.lookup("Dachshnd", dog)) == "→ Dachshund (close spelling)"
    assert breed_status(index.lookup("Zzyzx", dog)) == (
        "unknown breed: kept as typed, no breed weighting"
    )
    assert breed_status(index.lookup("Poodle", dog)).startswith("could be ")
    assert breed_status(index.lookup("", dog)) == ""


# ---------------------------------------------------------------- ids


def test_new_exam_id_has_date_and_random_hex() -> None:
    moment = datetime(2026, 11, 21, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    first, second = new_exam_id(moment), new_exam_id(moment)
    assert re.fullmatch(r"EX-20261121-[0-9A-F]{16}", first)
    assert first != second
    assert re.fullmatch(r"EX-\d{8}-[0-9A-F]{16}", new_exam_id())


# ---------------------------------------------------------------- CLI


EXAM_ARGS = ["exam", "--patient-id", "P7", "--name", "Bella", "--species", "dog"]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Exam | None]:
    """Record the exam NeuroExamApp would open instead of running the TUI."""
    from neuroexam.tui.app import NeuroExamApp

    seen: list[Exam | None] = []

    def fake_run(self: NeuroExamApp, *args: object, **kwargs: object) -> None:
        seen.append(self._start_exam)

    monkeypatch.setattr(NeuroExamApp, "run", fake_run)
    return seen


def test_cli_exam_bad_age_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], started: list[Exam | None]
) -> None:
    code = cli.main([*EXAM_ARGS, "--breed", "ckcs", "--age", "abc"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == "neuroexam exam: --age: expected a number from 0 to 30 (got 'abc')\n"
    assert started == []


def test_cli_exam_bad_weight_and_sex(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main([*EXAM_ARGS, "--breed", "x", "--age", "3", "--weight", "0", "--sex", "Q"])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err == [
        "neuroexam exam: --sex: expected one of M, MN, F, FS, unknown (got 'Q')",
        "neuroexam exam: --weight: expected a number above 0 kg, at most 200 (got '0')",
    ]


def test_cli_exam_unknown_sign_lists_valid_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main([*EXAM_ARGS, "--breed", "ckcs", "--age", "3", "--signs", "neck_pain;wobble"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--signs: unknown sign id 'wobble'" in err
    assert "neck_pain" in err and "Traceback" not in err


def test_cli_exam_opens_the_wizard_with_the_exam(
    capsys: pytest.CaptureFixture[str], started: list[Exam | None]
) -> None:
    code = cli.main(
        [
            *EXAM_ARGS,
            "--breed",
            "ckcs",
            "--age",
            "6",
            "--sex",
            "FS",
            "--weight",
            "9.5",
            "--examiner",
            "Dr Vet",
            "--signs",
            "phantom_scratching;neck_pain",
        ]
    )
    assert code == cli.EXIT_NOT_COMPLETED  # the stand-in run completes nothing
    assert capsys.readouterr().err == ""
    [exam] = started
    assert exam is not None
    assert exam.exam_id.startswith("EX-")
    assert exam.exam_date is not None and exam.exam_date.tzinfo is not None
    assert exam.examiner == "Dr Vet"
    assert exam.patient.breed == "Cavalier King Charles Spaniel"
    assert (exam.patient.sex, exam.patient.weight_kg) == (Sex.FS, 9.5)
    assert exam.signs == ["phantom_scratching", "neck_pain"]


def test_cli_exam_unknown_breed_is_a_warning(
    capsys: pytest.CaptureFixture[str], started: list[Exam | None]
) -> None:
    code = cli.main([*EXAM_ARGS, "--breed", "Glimmerhound", "--age", "2"])
    assert code == cli.EXIT_NOT_COMPLETED  # the stand-in run completes nothing
    err = capsys.readouterr().err
    assert err.startswith("neuroexam exam: warning: breed 'Glimmerhound': unknown breed")
    [exam] = started
    assert exam is not None and exam.patient.breed == "Glimmerhound"


def test_cli_without_command_runs_the_home_screen(started: list[Exam | None]) -> None:
    assert cli.main([]) == 0
    assert started == [None]


def test_cli_store_error_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], started: list
) -> None:
    from neuroexam.records import store

    def broken(self: store.Store, *args: object, **kwargs: object) -> None:
        raise store.StoreError("/nowhere/neuroexam.db: the records file is read-only")

    monkeypatch.setattr(store.Store, "__init__", broken)
    assert cli.main([]) == 2
    assert capsys.readouterr().err == (
        "neuroexam: /nowhere/neuroexam.db: the records file is read-only\n"
    )
    assert started == []
