"""Intake validation shared by the intake screen and ``neuroexam exam``: text in, models out.

Each parser raises :class:`ValueError` whose message is ready to show a user, starting with the
field's name (``"age: a number from 0 to 30"``). :func:`build_patient` collects every problem
at once in an :class:`IntakeError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from neuroexam.core.breeds import BreedIndex, BreedMatch, MatchKind
from neuroexam.core.models import Patient, Sex, Species

AGE_MIN, AGE_MAX = 0.0, 30.0
WEIGHT_MAX = 200.0

AGE_MESSAGE = "age: a number from 0 to 30"
WEIGHT_MESSAGE = "weight: a number above 0 kg, at most 200"
SPECIES_MESSAGE = "species: dog or cat"
SEX_MESSAGE = "sex: one of M, MN, F, FS, unknown"
NO_PATIENT_ID = "no patient id: this exam cannot be compared with the patient's earlier exams"
#: How many candidates an ambiguous breed status names before "…".
CANDIDATES_SHOWN = 3


def _number(text: str | float | None, message: str) -> float | None:
    """A decimal (``4.5`` or ``4,5``); None for empty text; ValueError(message) otherwise."""
    if text is None:
        return None
    if isinstance(text, int | float):
        value = float(text)
    else:
        cleaned = text.strip().replace(",", ".")
        if not cleaned:
            return None
        try:
            value = float(cleaned)
        except ValueError:
            raise ValueError(message) from None
    if not math.isfinite(value):
        raise ValueError(message)
    return value


def parse_age(text: str | float | None) -> float | None:
    """Age in years, decimal, 0–30; empty means not known."""
    value = _number(text, AGE_MESSAGE)
    if value is not None and not AGE_MIN <= value <= AGE_MAX:
        raise ValueError(AGE_MESSAGE)
    return value


def parse_weight(text: str | float | None) -> float | None:
    """Weight in kg, above 0 and at most 200; empty means not weighed."""
    value = _number(text, WEIGHT_MESSAGE)
    if value is not None and not 0 < value <= WEIGHT_MAX:
        raise ValueError(WEIGHT_MESSAGE)
    return value


def parse_species(text: str | Species | None) -> Species:
    """``dog`` or ``cat`` (any case); required."""
    try:
        return Species((text or "").strip().lower())
    except ValueError:
        raise ValueError(SPECIES_MESSAGE) from None


def parse_sex(text: str | Sex | None) -> Sex:
    """``M``, ``MN``, ``F``, ``FS`` or ``unknown`` (any case); empty means unknown."""
    cleaned = (text or "").strip()
    if not cleaned or cleaned.lower() == Sex.UNKNOWN.value:
        return Sex.UNKNOWN
    try:
        return Sex(cleaned.upper())
    except ValueError:
        raise ValueError(SEX_MESSAGE) from None


class UnknownSigns(ValueError):
    """Sign ids that are not in the checklist; the message names them and the valid ids."""

    def __init__(self, unknown: list[str], valid: Iterable[str]) -> None:
        self.unknown = unknown
        self.valid = sorted(valid)
        ids = ", ".join(repr(u) for u in unknown)
        noun = "id" if len(unknown) == 1 else "ids"
        super().__init__(f"signs: unknown sign {noun} {ids}; valid ids: {', '.join(self.valid)}")


def parse_signs(text: str | Iterable[str] | None, known: Iterable[str] | None = None) -> list[str]:
    """``"a;b"`` (or ``,``-separated, or a list) → ids in order, duplicates dropped.

    ``known`` defaults to the shipped checklist. Raises :class:`UnknownSigns` naming every
    unknown id.
    """
    if known is None:
        from neuroexam.core.protocol import shipped

        known = shipped().sign_ids()
    valid = set(known)
    parts = (text or "").replace(",", ";").split(";") if isinstance(text, str | None) else text
    ids: list[str] = []
    for part in parts:
        sign = part.strip().lower()
        if sign and sign not in ids:
            ids.append(sign)
    unknown = [s for s in ids if s not in valid]
    if unknown:
        raise UnknownSigns(unknown, valid)
    return ids


def breed_status(match: BreedMatch) -> str:
    """One line saying what a typed breed resolved to ("" when nothing was typed)."""
    if not match.typed:
        return ""
    if match.kind is MatchKind.NAME:
        return f"→ {match.name}"
    if match.kind in (MatchKind.ALIAS, MatchKind.CLOSE):
        return f"→ {match.name} ({match.kind.value})"
    if match.kind is MatchKind.NO_BREED:
        return "mixed or unknown breed: no breed weighting"
    if match.kind is MatchKind.AMBIGUOUS:
        shown = ", ".join(match.candidates[:CANDIDATES_SHOWN])
        more = ", …" if len(match.candidates) > CANDIDATES_SHOWN else ""
        return f"could be {shown}{more}: type the full name"
    return "unknown breed: kept as typed, no breed weighting"


def breed_warning(match: BreedMatch) -> str | None:
    """A warning for a breed that gets no breed weighting although one was meant; else None."""
    if match.kind is MatchKind.UNKNOWN:
        return f"breed {match.typed!r}: unknown breed, kept as typed, no breed weighting"
    if match.kind is MatchKind.AMBIGUOUS:
        names = ", ".join(match.candidates)
        return f"breed {match.typed!r} could be {names}: kept as typed, no breed weighting"
    return None


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: its name (``age``, ``weight``…) and the user-facing message."""

    field: str
    message: str


class IntakeError(ValueError):
    """Every invalid field of an intake, each with its message."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))

    @property
    def fields(self) -> list[str]:
        return [p.field for p in self.problems]


@dataclass(frozen=True)
class PatientIntake:
    """A validated patient, what its breed matched and the warnings to show."""

    patient: Patient
    breed: BreedMatch
    warnings: list[str] = field(default_factory=list)


def build_patient(
    *,
    species: str | Species | None,
    patient_id: str = "",
    name: str = "",
    breed: str = "",
    age: str | float | None = None,
    sex: str | Sex | None = None,
    weight: str | float | None = None,
    breeds: BreedIndex | None = None,
) -> PatientIntake:
    """Validate the signalment; the breed is stored by its canonical name when it matched.

    Raises :class:`IntakeError` listing every invalid field. An unknown or ambiguous breed and
    a missing patient id are warnings, never errors.
    """
    problems: list[FieldProblem] = []
    values: dict[str, object] = {}
    for name_, parser, raw in (
        ("species", parse_species, species),
        ("age", parse_age, age),
        ("sex", parse_sex, sex),
        ("weight", parse_weight, weight),
    ):
        try:
            values[name_] = parser(raw)  # type: ignore[operator]
        except ValueError as exc:
            problems.append(FieldProblem(name_, str(exc)))
    if problems:
        raise IntakeError(problems)
    if breeds is None:
        from neuroexam.core.protocol import shipped
        from neuroexam.core.rules import breed_index

        breeds = breed_index(shipped())
    species_ = values["species"]
    assert isinstance(species_, Species)
    match = breeds.lookup(breed, species_)
    try:
        patient = Patient(
            patient_id=patient_id,
            name=name,
            species=species_,
            breed=match.name,
            age_years=values["age"],
            sex=values["sex"],
            weight_kg=values["weight"],
        )
    except ValidationError as exc:  # not reached after the parsers; kept as a safety net
        raise IntakeError(
            [FieldProblem(str(e["loc"][0]), f"{e['loc'][0]}: {e['msg']}") for e in exc.errors()]
        ) from None
    warnings = [w for w in (breed_warning(match),) if w]
    if not patient.patient_id:
        warnings.append(NO_PATIENT_ID)
    return PatientIntake(patient, match, warnings)
