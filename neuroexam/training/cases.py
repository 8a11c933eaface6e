"""The training case bank (``protocols/cases/*.toml``): schema, loading, simulated responses.

A case describes a simulated patient: signalment, history in the owner's words, the signs, and
what the student observes at every test site together with the correct grade. CTR responses
are given per side as a cut-off (every level caudal to it gives no twitch, the cut-off level and
every level cranial to it twitch) unless a level is listed explicitly; scratch responses are
given per region and side, defaulting to a normal response.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from neuroexam.core import levels
from neuroexam.core.models import Exam, Finding, Patient
from neuroexam.core.protocol import (
    ProtocolError,
    _read_toml,
    default_root,
    format_validation_error,
)
from neuroexam.core.vocab import (
    SCRATCH_REGIONS,
    FlagId,
    Grade,
    Mode,
    Sex,
    Side,
    Species,
    Strength,
    TestId,
)

Level = Literal["beginner", "intermediate", "advanced"]
LEVELS_ORDER: tuple[str, ...] = ("beginner", "intermediate", "advanced")
Localization = Literal["T3-L3", "C6-T2", "C1-C5", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Response(_Strict):
    """What the student sees at one site, and the grade it deserves."""

    observed: str
    grade: Grade


class CtrSide(_Strict):
    """One side of the trunci reflex: a cut-off level, or ``none`` (no twitch anywhere)."""

    cutoff: str
    #: Text shown caudal to the cut-off, and at/cranial to it (defaults are generic).
    below: str = "No twitch of the trunk skin."
    at_or_above: str = "The skin over the trunk twitches briskly."
    #: Levels whose response differs from the cut-off rule (e.g. an exaggerated twitch).
    levels: dict[str, Response] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _levels_valid(self) -> CtrSide:
        if self.cutoff != "none" and levels.normalize(self.cutoff) != self.cutoff:
            raise ValueError(f"cutoff {self.cutoff!r}: expected a level T1–L7 or 'none'")
        for level in self.levels:
            if levels.normalize(level) != level:
                raise ValueError(f"levels.{level}: expected a level written T1–T13 or L1–L7")
        return self

    def response(self, level: str) -> Response:
        if level in self.levels:
            return self.levels[level]
        if self.cutoff != "none" and levels.index(level) <= levels.index(self.cutoff):
            return Response(observed=self.at_or_above, grade=Grade.PRESENT)
        return Response(observed=self.below, grade=Grade.ABSENT)


class ExpectedFlag(_Strict):
    id: FlagId
    strength: Strength


class Expected(_Strict):
    """The interpretation the student should commit to (checked against the engine)."""

    localization: Localization
    flags: list[ExpectedFlag] = Field(default_factory=list)


class PreviousExam(_Strict):
    """An earlier exam of the same simulated patient (serial cases)."""

    hours_before: float = Field(gt=0)
    signs: list[str] = Field(default_factory=list)
    ctr: dict[Side, CtrSide]


class Case(_Strict):
    id: str
    title: str
    level: Level
    species: Species
    breed: str
    age_years: float = Field(ge=0, le=30)
    sex: Sex
    weight_kg: float = Field(gt=0, le=200)
    #: The owner's account, in their words.
    history: str
    signs: list[str] = Field(default_factory=list)
    ctr: dict[Side, CtrSide]
    #: region → side → response; regions or sides left out respond normally.
    scratch: dict[str, dict[Side, Response]] = Field(default_factory=dict)
    normal_scratch: str = "A brief kick of the same-side hind leg that stops when you stop."
    previous: PreviousExam | None = None
    expected: Expected
    #: Why the findings mean what they mean; shown after the student commits.
    teaching: str
    #: Short explanations per flag id, shown when the student missed or wrongly added it.
    flag_notes: dict[FlagId, str] = Field(default_factory=dict)
    references: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> Case:
        if set(self.ctr) != {Side.LEFT, Side.RIGHT}:
            raise ValueError("ctr: give both 'left' and 'right'")
        for region in self.scratch:
            if region not in SCRATCH_REGIONS:
                raise ValueError(f"scratch.{region}: expected one of {', '.join(SCRATCH_REGIONS)}")
        return self

    def response(self, test: TestId, site: str, side: Side) -> Response:
        """What the simulated patient shows at a site, with the correct grade."""
        if test is TestId.CUTANEOUS_TRUNCI:
            return self.ctr[side].response(site)
        region = self.scratch.get(site, {})
        if side in region:
            return region[side]
        return Response(observed=self.normal_scratch, grade=Grade.PRESENT)

    def patient(self) -> Patient:
        return Patient(
            patient_id=f"TRAIN-{self.id}",
            name=self.title,
            species=self.species,
            breed=self.breed,
            age_years=self.age_years,
            sex=self.sex,
            weight_kg=self.weight_kg,
        )


def _ctr_findings(ctr: dict[Side, CtrSide]) -> list[Finding]:
    """Findings a careful clinician records: L7 cranially until the first twitch, each side."""
    findings = []
    for side in (Side.LEFT, Side.RIGHT):
        for level in levels.caudal_to_cranial():
            response = ctr[side].response(level)
            findings.append(
                Finding(test=TestId.CUTANEOUS_TRUNCI, site=level, side=side, grade=response.grade)
            )
            if response.grade.responds:
                break
    return findings


def correct_exam(case: Case, exam_id: str = "CASE") -> tuple[Exam, list[Exam]]:
    """The exam with every correct grade (the series stop at the first twitch), and the
    simulated earlier exam as history for serial cases."""
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    findings = _ctr_findings(case.ctr) + [
        Finding(
            test=TestId.SCRATCH,
            site=region,
            side=side,
            grade=case.response(TestId.SCRATCH, region, side).grade,
        )
        for region in SCRATCH_REGIONS
        for side in (Side.LEFT, Side.RIGHT)
    ]
    exam = Exam(
        exam_id=exam_id,
        exam_date=now,
        mode=Mode.TRAINING,
        patient=case.patient(),
        signs=case.signs,
        findings=findings,
    )
    history: list[Exam] = []
    if case.previous is not None:
        history.append(
            Exam(
                exam_id=f"{exam_id}-PREVIOUS",
                exam_date=now - timedelta(hours=case.previous.hours_before),
                mode=Mode.TRAINING,
                patient=case.patient(),
                signs=case.previous.signs,
                findings=_ctr_findings(case.previous.ctr),
            )
        )
    return exam, history


def load_cases(root: Path | None = None, sign_ids: set[str] | None = None) -> list[Case]:
    """Every ``cases/*.toml`` under the protocols root, validated; ids must be unique and,
    when ``sign_ids`` is given, every sign (also of a previous exam) must be one of them."""
    folder = (Path(root) if root is not None else default_root()) / "cases"
    cases: list[Case] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.toml")):
        data = _read_toml(path)
        try:
            case = Case.model_validate(data)
        except ValidationError as exc:
            raise ProtocolError(format_validation_error(path, exc)) from None
        if case.id in seen:
            raise ProtocolError(f"{path}: id: {case.id!r} is already used by {seen[case.id]}")
        if sign_ids is not None:
            used = [("signs", s) for s in case.signs]
            if case.previous is not None:
                used += [("previous.signs", s) for s in case.previous.signs]
            for where, sign in used:
                if sign not in sign_ids:
                    raise ProtocolError(f"{path}: {where}: unknown sign id {sign!r}")
        seen[case.id] = path
        cases.append(case)
    return cases


@cache
def shipped_cases() -> tuple[Case, ...]:
    return tuple(load_cases())


__all__ = ["LEVELS_ORDER", "Case", "correct_exam", "load_cases", "shipped_cases"]
