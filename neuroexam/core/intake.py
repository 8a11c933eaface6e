"""Intake validation shared by the intake screen and ``neuroexam exam``: text in, models out.

Each parser raises :class:`ValueError` whose message is ready to show a user, starting with the
field's name (``"age: a number from 0 to 30"``). :func:`build_patient` collects every problem
at once in an :class:`IntakeError`. Also here: what an intake returns (:class:`Intake`,
:class:`IntakeEdit`), the exam date and parts, sided signs, the known-patient check (prefill
with the age moved on, species/name mismatches) and the findings a species change orphans.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import ValidationError

from neuroexam.core.breeds import BreedIndex, BreedMatch, MatchKind
from neuroexam.core.models import Exam, Finding, Patient, Sex, Side, Species, TestId

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
    """``"a;b:left"`` (or ``,``-separated, or a list) → signs in order, duplicates dropped.

    A sign may carry its side (``id:left`` / ``id:right``, FORMAT.md §1 v2). ``known``
    defaults to the shipped checklist. Raises :class:`UnknownSigns` naming every unknown id
    (or a side other than left/right).
    """
    if known is None:
        from neuroexam.core.protocol import shipped

        known = shipped().sign_ids()
    valid = set(known)
    parts = (text or "").replace(",", ";").split(";") if isinstance(text, str | None) else text
    signs: list[str] = []
    for part in parts:
        sign_id, colon, side = (p.strip() for p in part.strip().lower().partition(":"))
        sign = f"{sign_id}:{side}" if colon else sign_id
        if sign and sign not in signs:
            signs.append(sign)
    unknown = [s for s in signs if _sign_error(s, valid)]
    if unknown:
        raise UnknownSigns(unknown, valid)
    return signs


def _sign_error(sign: str, valid: set[str]) -> bool:
    sign_id, colon, side = sign.partition(":")
    return sign_id not in valid or (bool(colon) and side not in {s.value for s in Side})


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
            values[name_] = parser(raw)  # type: ignore[arg-type]
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


# ---------------------------------------------------------------- exam date and parts

EXAM_DATE_FORMAT = "%Y-%m-%d %H:%M"
EXAM_DATE_MESSAGE = "exam date: YYYY-MM-DD HH:MM, not in the future"
_EXAM_DATE_FORMATS = (EXAM_DATE_FORMAT, "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
#: A clock a few minutes fast must not refuse "now".
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST_EXAM_YEAR = 1990


def format_exam_date(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM`` in local time, as the intake shows and reads it."""
    return moment.astimezone().strftime(EXAM_DATE_FORMAT)


def parse_exam_date(text: str | None, now: datetime) -> datetime | None:
    """Local ``YYYY-MM-DD HH:MM`` (``T`` between works too) → an aware datetime; None for empty
    text (the exam starts now). Never in the future (beyond a few minutes of clock drift)."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    for pattern in _EXAM_DATE_FORMATS:
        try:
            naive = datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
        if naive.year < EARLIEST_EXAM_YEAR:
            break
        moment = naive.astimezone()  # a naive datetime is read as local time
        if moment > now + FUTURE_TOLERANCE:
            break
        return moment
    raise ValueError(EXAM_DATE_MESSAGE)


class ExamParts(StrEnum):
    """Which parts the exam has: the two reflexes, the spinal exam around them, or the trunci
    re-check alone."""

    QUICK = "quick"
    SPINAL = "spinal"
    #: The serial re-check: the cutaneous trunci steps alone (``protocols/exam/trunci.toml``).
    TRUNCI = "trunci"


PARTS_LABELS: dict[ExamParts, str] = {
    ExamParts.QUICK: "quick: scratch + trunci",
    ExamParts.SPINAL: "spinal: + limb reflexes, postural reactions, nociception",
    ExamParts.TRUNCI: "trunci: cutaneous trunci re-check only",
}


# ---------------------------------------------------------------- sided signs

#: Signs whose side matters (FORMAT.md §1 v2, DOMAIN.md 4): the intake asks for the side.
SIDED_SIGNS = frozenset(
    {"phantom_scratching", "forelimb_lameness", "horner_syndrome", "touch_aversion", "scoliosis"}
)


class SignSide(StrEnum):
    """The side of a ticked sign; ``unknown`` is stored as the bare id."""

    UNKNOWN = "unknown"
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


def sign_texts(sign_id: str, side: SignSide) -> list[str]:
    """One ticked sign in FORMAT.md spelling: ``id``, ``id:left``, ``id:right`` or both sides."""
    if side is SignSide.BOTH:
        return [f"{sign_id}:{Side.LEFT.value}", f"{sign_id}:{Side.RIGHT.value}"]
    if side is SignSide.UNKNOWN:
        return [sign_id]
    return [f"{sign_id}:{side.value}"]


def sign_sides(signs: Iterable[str]) -> dict[str, SignSide]:
    """Recorded signs → each id's side: left and right make ``both``; a side wins over a bare
    id; an unreadable side counts as not recorded."""
    seen: dict[str, set[str]] = {}
    for text in signs:
        sign_id, _, side = text.strip().lower().partition(":")
        if sign_id:
            seen.setdefault(sign_id, set()).add(side.strip())
    out: dict[str, SignSide] = {}
    for sign_id, sides in seen.items():
        left, right = Side.LEFT.value in sides, Side.RIGHT.value in sides
        if left and right:
            out[sign_id] = SignSide.BOTH
        elif left or right:
            out[sign_id] = SignSide.LEFT if left else SignSide.RIGHT
        else:
            out[sign_id] = SignSide.UNKNOWN
    return out


def encode_signs(ticked: Mapping[str, SignSide], order: Iterable[str]) -> list[str]:
    """Ticked signs (id → side) in checklist ``order`` as stored sign texts."""
    return [
        text
        for sign_id in order
        if sign_id in ticked
        for text in sign_texts(sign_id, ticked[sign_id])
    ]


# ---------------------------------------------------------------- what an intake returns


@dataclass(frozen=True)
class Intake:
    """A validated intake: signalment, examiner, signs and the exam's date and parts.

    ``exam_date`` None means "now, when the exam starts".
    """

    patient: Patient
    examiner: str = ""
    signs: tuple[str, ...] = ()
    exam_date: datetime | None = None
    parts: ExamParts = ExamParts.QUICK

    @classmethod
    def of(cls, exam: Exam, parts: ExamParts = ExamParts.QUICK) -> Intake:
        return cls(exam.patient, exam.examiner, tuple(exam.signs), exam.exam_date, parts)

    def new_exam(self, exam_id: str, now: datetime) -> Exam:
        """A new exam with this intake (dated now unless a date was entered)."""
        return Exam(
            exam_id=exam_id,
            exam_date=self.exam_date or now,
            examiner=self.examiner,
            patient=self.patient,
            signs=list(self.signs),
            parts=self.parts.value,
        )

    def apply_to(self, exam: Exam) -> None:
        """Write this intake into ``exam`` (its findings are left alone)."""
        exam.patient = self.patient
        exam.examiner = self.examiner
        exam.signs = list(self.signs)
        exam.parts = self.parts.value
        if self.exam_date is not None:
            exam.exam_date = self.exam_date

    def changes(self, other: Intake) -> list[str]:
        """The fields that differ from ``other`` (patient fields by their own name)."""
        changed = [
            name
            for name in Patient.model_fields
            if getattr(self.patient, name) != getattr(other.patient, name)
        ]
        if self.examiner != other.examiner:
            changed.append("examiner")
        if set(self.signs) != set(other.signs):
            changed.append("signs")
        if self.exam_date != other.exam_date:
            changed.append("exam_date")
        if self.parts is not other.parts:
            changed.append("parts")
        return changed


@dataclass(frozen=True)
class IntakeEdit:
    """An edit of a running exam's intake, as the intake screen returns it.

    ``orphaned``: recorded findings at steps the (new) species' protocol lacks; the user was
    shown them and agreed to the species change.
    """

    before: Intake
    after: Intake
    orphaned: tuple[Finding, ...] = ()

    @property
    def changed(self) -> list[str]:
        return self.after.changes(self.before)


def orphaned_findings(
    findings: Iterable[Finding], steps: Iterable[tuple[TestId, str, Side]]
) -> list[Finding]:
    """The findings whose step (test, site, side) is not among ``steps``."""
    keys = set(steps)
    return [f for f in findings if f.key not in keys]


def finding_text(finding: Finding) -> str:
    """``scratch ear left: present`` — a finding named in plain words for a question."""
    test = finding.test.value.replace("_", " ")
    return f"{test} {finding.site} {finding.side.value}: {finding.grade.value.replace('_', ' ')}"


# ---------------------------------------------------------------- known patients

DAYS_PER_YEAR = 365.25


def age_moved_on(age_years: float | None, then: datetime | None, now: datetime) -> float | None:
    """An age recorded at ``then``, moved on to ``now`` (one decimal, at most the age limit)."""
    if age_years is None or then is None or now <= then:
        return age_years
    elapsed = (now - then).total_seconds() / 86400 / DAYS_PER_YEAR
    return min(round(age_years + elapsed, 1), AGE_MAX)


@dataclass(frozen=True)
class KnownPatient:
    """A patient id's latest exam on record: what the intake shows, prefills and checks."""

    patient: Patient
    exam_id: str
    last_exam: datetime | None

    @classmethod
    def of(cls, exam: Exam) -> KnownPatient:
        return cls(exam.patient, exam.exam_id, exam.exam_date)

    def line(self) -> str:
        """``Known patient: Oscar, dog, Dachshund, last exam 2026-11-02``."""
        patient = self.patient
        when = f"{self.last_exam.astimezone():%Y-%m-%d}" if self.last_exam else "no date"
        breed = patient.breed or "breed not given"
        parts = [patient.name or "no name", patient.species.value, breed]
        return f"Known patient: {', '.join(parts)}, last exam {when}"

    def prefill(self, now: datetime) -> Patient:
        """The signalment to start from: as on record, the age moved on to ``now``."""
        age = age_moved_on(self.patient.age_years, self.last_exam, now)
        return self.patient.model_copy(update={"age_years": age})


@dataclass(frozen=True)
class IdentityMismatch:
    """An intake field that contradicts the patient on record for that id."""

    field: str
    on_record: str
    typed: str

    @property
    def species(self) -> bool:
        """A different species: never compared (DOMAIN.md §3.2), so the start must be confirmed."""
        return self.field == "species"

    def short(self) -> str:
        """The line under the patient id field."""
        if self.species:
            return f"⚠ on record as a {self.on_record}, not a {self.typed}: never compared"
        return f"⚠ on record as {self.on_record}, not {self.typed}"

    def message(self, patient_id: str) -> str:
        """One sentence for a question or for stderr."""
        if self.species:
            return (
                f"patient {patient_id} is on record as a {self.on_record}, not a {self.typed}: "
                "exams of different species are never compared; check the patient id"
            )
        return f"patient {patient_id} is on record as {self.on_record}, not {self.typed}"


def identity_mismatches(
    known: KnownPatient, species: Species | None, name: str
) -> list[IdentityMismatch]:
    """Species, then name, where the intake contradicts the record (an empty field never does;
    names compare without case and surrounding spaces)."""
    out: list[IdentityMismatch] = []
    on_record = known.patient
    if species is not None and species is not on_record.species:
        out.append(IdentityMismatch("species", on_record.species.value, species.value))
    typed = name.strip()
    if typed and on_record.name and typed.casefold() != on_record.name.strip().casefold():
        out.append(IdentityMismatch("name", on_record.name, typed))
    return out
