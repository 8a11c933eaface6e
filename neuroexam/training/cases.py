"""The training case bank (``protocols/cases/*.toml``): schema, loading, simulated responses.

A case describes a simulated patient: signalment, history in the owner's words, the signs, and
what the student observes at every test site together with the correct grade. CTR responses
are given per side as a cut-off (every level caudal to it gives no twitch, the cut-off level and
every level cranial to it twitch) unless a level is listed explicitly; scratch responses are
given per region and side, defaulting to a normal response. A case with ``limbs`` entries is a
**spinal** case (DOMAIN.md 4): the student also walks the spinal part (limb reflexes, postural
reactions, nociception); limb sites not listed respond normally.
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
from neuroexam.core.signs import parse_sign
from neuroexam.core.vocab import (
    SCRATCH_REGIONS,
    SPINAL_SITES,
    FlagId,
    Grade,
    Mode,
    Sex,
    Side,
    Species,
    Strength,
    TestId,
    grades_for,
)

Level = Literal["beginner", "intermediate", "advanced"]
LEVELS_ORDER: tuple[str, ...] = ("beginner", "intermediate", "advanced")
Localization = Literal["T3-L3", "C6-T2", "C1-C5", "L4-S3", "C1-C5 or C6-T2", "multifocal", "none"]
#: The localisations a student can commit to, in the order the commit screen offers them.
LOCALIZATIONS: tuple[str, ...] = (
    "T3-L3", "C6-T2", "C1-C5", "L4-S3", "C1-C5 or C6-T2", "multifocal", "none"
)  # fmt: skip


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


class LimbResponse(_Strict):
    """What the student sees at one limb site (both sides), with the correct grades."""

    test: TestId
    site: str
    left: Response
    right: Response

    @model_validator(mode="after")
    def _fits(self) -> LimbResponse:
        if self.test not in SPINAL_SITES:
            raise ValueError(f"test {self.test.value!r}: expected a spinal exam test")
        if self.site not in SPINAL_SITES[self.test]:
            expected = " or ".join(SPINAL_SITES[self.test])
            raise ValueError(f"site {self.site!r}: expected {expected} for {self.test.value}")
        for side in (self.left, self.right):
            if side.grade not in grades_for(self.test):
                raise ValueError(f"grade {side.grade.value!r} is not used for {self.test.value}")
        return self

    def response(self, side: Side) -> Response:
        return self.left if side is Side.LEFT else self.right


#: What a normal limb shows, per test (limb sites a case does not list).
NORMAL_LIMB = {
    TestId.PATELLAR: "One brisk kick of the stifle, like the other dogs you have tested.",
    TestId.WITHDRAWAL: "Hip, stifle and hock (or shoulder, elbow and carpus) flex together.",
    TestId.PERINEAL: "The anal sphincter tightens and the tail clamps down.",
    TestId.POSTURAL: "The paw is put right at once and the hop is prompt.",
    TestId.NOCICEPTION: "The animal turns its head and yelps at the squeeze.",
}


class ExpectedFlag(_Strict):
    id: FlagId
    strength: Strength


class Expected(_Strict):
    """The interpretation the student should commit to (checked against the engine)."""

    localization: Localization
    flags: list[ExpectedFlag] = Field(default_factory=list)
    #: The Modified Frankel Score the student should commit to (0-6), ``"none"`` when it is not
    #: defined for the case; left out, the case does not score the MFS.
    mfs: int | Literal["none"] | None = Field(default=None)

    @model_validator(mode="after")
    def _mfs_range(self) -> Expected:
        if isinstance(self.mfs, int) and not 0 <= self.mfs <= 6:
            raise ValueError("mfs: expected 0-6 or 'none'")
        return self


class PreviousExam(_Strict):
    """An earlier exam of the same simulated patient (serial cases)."""

    hours_before: float = Field(gt=0)
    signs: list[str] = Field(default_factory=list)
    ctr: dict[Side, CtrSide]
    #: The earlier exam's limb findings (spinal cases), e.g. reflexes that were still normal.
    limbs: list[LimbResponse] = Field(default_factory=list)


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
    #: Limb responses of the spinal part (a spinal case); sites not listed respond normally.
    limbs: list[LimbResponse] = Field(default_factory=list)
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
        for where, entries in (("limbs", self.limbs), ("previous.limbs", self._previous_limbs)):
            keys = [(e.test, e.site) for e in entries]
            if len(set(keys)) != len(keys):
                raise ValueError(f"{where}: each test and site once")
        return self

    @property
    def _previous_limbs(self) -> list[LimbResponse]:
        return self.previous.limbs if self.previous is not None else []

    @property
    def part(self) -> str:
        """``spinal`` when the case needs the limb reflexes, else ``quick``: the exam part
        (``Protocols.exam(species, part)``) the training wizard walks."""
        return "spinal" if self.limbs else "quick"

    def response(self, test: TestId, site: str, side: Side) -> Response:
        """What the simulated patient shows at a site, with the correct grade."""
        if test is TestId.CUTANEOUS_TRUNCI:
            return self.ctr[side].response(site)
        if test in SPINAL_SITES:
            return _limb_response(self.limbs, test, site, side)
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


def _limb_response(limbs: list[LimbResponse], test: TestId, site: str, side: Side) -> Response:
    for entry in limbs:
        if (entry.test, entry.site) == (test, site):
            return entry.response(side)
    return Response(observed=NORMAL_LIMB[test], grade=Grade.PRESENT)


def _limb_findings(limbs: list[LimbResponse]) -> list[Finding]:
    """Every spinal-part site on both sides, with the correct grades."""
    return [
        Finding(
            test=test, site=site, side=side, grade=_limb_response(limbs, test, site, side).grade
        )
        for test, sites in SPINAL_SITES.items()
        for site in sites
        for side in (Side.LEFT, Side.RIGHT)
    ]


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
    if case.part == "spinal":
        findings += _limb_findings(case.limbs)
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
                findings=_ctr_findings(case.previous.ctr)
                + (_limb_findings(case.previous.limbs) if case.previous.limbs else []),
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
                token = parse_sign(sign)
                if token.id not in sign_ids:
                    raise ProtocolError(f"{path}: {where}: unknown sign id {sign!r}")
                if token.bad_side:
                    raise ProtocolError(
                        f"{path}: {where}: {sign!r}: the side must be left or right"
                    )
        seen[case.id] = path
        cases.append(case)
    return cases


@cache
def shipped_cases() -> tuple[Case, ...]:
    return tuple(load_cases())


__all__ = [
    "LEVELS_ORDER",
    "LOCALIZATIONS",
    "Case",
    "LimbResponse",
    "correct_exam",
    "load_cases",
    "shipped_cases",
]
