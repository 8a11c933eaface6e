"""Pydantic models of the exam record and of its assessment (FORMAT.md vocabulary)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from neuroexam.core import levels
from neuroexam.core.vocab import (  # re-exported: models is the usual import point
    SCRATCH_REGIONS,
    SPINAL_SITES,
    ExamStatus,
    FlagId,
    FlagSide,
    FollowUpTest,
    Grade,
    Mode,
    Sex,
    Side,
    Species,
    Strength,
    TestId,
    Urgency,
    grades_for,
)


def site_error(test: TestId, site: str) -> str | None:
    """Why ``site`` is not valid for ``test``, or None when it is."""
    if test is TestId.CUTANEOUS_TRUNCI:
        if levels.normalize(site) is None:
            return f"bad level {site!r} for cutaneous_trunci (expected T1–T13 or L1–L7)"
        return None
    if test is TestId.SCRATCH:
        if site not in SCRATCH_REGIONS:
            return f"bad region {site!r} for scratch (expected one of {', '.join(SCRATCH_REGIONS)})"
        return None
    sites = SPINAL_SITES[test]
    if site not in sites:
        return f"bad site {site!r} for {test.value} (expected {' or '.join(sites)})"
    return None


def grade_error(test: TestId, grade: Grade) -> str | None:
    """Why ``grade`` is not offered by ``test`` (FORMAT.md §1), or None when it is."""
    offered = grades_for(test)
    if grade in offered:
        return None
    return f"grade {grade.value!r} not used for {test.value} (expected {', '.join(offered)})"


class Patient(BaseModel):
    """Signalment as entered at intake."""

    model_config = ConfigDict(str_strip_whitespace=True)

    patient_id: str = ""
    name: str = ""
    species: Species
    breed: str = ""
    age_years: float | None = Field(default=None, ge=0, le=30)
    sex: Sex = Sex.UNKNOWN
    weight_kg: float | None = Field(default=None, gt=0, le=200)


class Finding(BaseModel):
    """One graded response at one site on one side."""

    test: TestId
    site: str
    side: Side
    grade: Grade
    note: str = ""
    recorded_at: datetime | None = None

    @model_validator(mode="after")
    def _site_fits_test(self) -> Finding:
        problem = site_error(self.test, self.site) or grade_error(self.test, self.grade)
        if problem:
            raise ValueError(problem)
        if self.test is TestId.CUTANEOUS_TRUNCI:
            self.site = levels.normalize(self.site) or self.site
        return self

    @property
    def key(self) -> tuple[TestId, str, Side]:
        return (self.test, self.site, self.side)


class Exam(BaseModel):
    """One examination of one patient: signalment, history signs and findings."""

    exam_id: str
    exam_date: datetime | None = None
    examiner: str = ""
    mode: Mode = Mode.CLINICAL
    patient: Patient
    signs: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    status: ExamStatus = ExamStatus.IN_PROGRESS
    # Version 2 (FORMAT.md §2): sign-off and a free-text note for the whole exam.
    signed_by: str = ""
    signed_at: datetime | None = None
    exam_note: str = ""
    #: Which parts were offered: ``quick`` (scratch + trunci) or ``spinal`` (+ the spinal exam).
    parts: str = "quick"

    @field_validator("exam_date")
    @classmethod
    def _aware_date(cls, value: datetime | None) -> datetime | None:
        """A date without an offset is read as UTC, so all exam dates compare."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("signs")
    @classmethod
    def _unique_signs(cls, signs: list[str]) -> list[str]:
        seen: list[str] = []
        for sign in signs:
            sign = sign.strip()
            if sign and sign not in seen:
                seen.append(sign)
        return seen

    @model_validator(mode="after")
    def _one_finding_per_site(self) -> Exam:
        seen: set[tuple[TestId, str, Side]] = set()
        for finding in self.findings:
            if finding.key in seen:
                test, site, side = finding.key
                raise ValueError(f"two findings for {test.value} {site} {side.value}")
            seen.add(finding.key)
        return self

    def grade(self, test: TestId, site: str, side: Side) -> Grade | None:
        """The recorded grade at a site, or None when nothing was recorded."""
        for finding in self.findings:
            if finding.key == (test, site, side):
                return finding.grade
        return None

    def findings_for(self, test: TestId, side: Side | None = None) -> list[Finding]:
        return [f for f in self.findings if f.test is test and (side is None or f.side is side)]


class FollowUp(BaseModel):
    test: FollowUpTest
    region: str = ""


class Flag(BaseModel):
    """A suggested pattern with the evidence that raised it; never a diagnosis."""

    id: FlagId
    title: str
    strength: Strength
    urgency: Urgency
    side: FlagSide | None = None
    follow_up: list[FollowUp] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)
    # Extensions after FORMAT.md's keys (compatible additions).
    breed_context: str = ""
    advice: str = ""


class CtrCutoff(BaseModel):
    """Per side: a level, ``"none"`` (no tested level responds) or None (not tested)."""

    left: str | None = None
    right: str | None = None

    def get(self, side: Side) -> str | None:
        return self.left if side is Side.LEFT else self.right


class LesionWindow(BaseModel):
    cranial: str
    caudal: str
    most_likely: list[str]


class SerialChange(BaseModel):
    """How the trunci cut-off moved since the patient's previous exam."""

    previous_exam_id: str
    hours: float | None = None
    #: Vertebrae moved per side; positive = cranially (worse), negative = caudally.
    movement: dict[str, int | None] = Field(default_factory=dict)
    # Version 2 extension: the previous exam's Modified Frankel Score ("MFS 3 → 1").
    previous_mfs: int | None = None


class Severity(BaseModel):
    """A severity score with its scale and direction (DOMAIN.md 4.3: MFS, 0 worst, 6 normal)."""

    scale: str = "modified_frankel"
    score: int = Field(ge=0, le=6)
    worst: int = 0
    best: int = 6


class Assessment(BaseModel):
    """The result for one exam, in FORMAT.md §4 key order, then compatible extensions."""

    exam_id: str
    patient_id: str = ""
    breed: str = ""
    ctr_cutoff: CtrCutoff = Field(default_factory=CtrCutoff)
    localization: str | None = None
    lesion_window: LesionWindow | None = None
    flags: list[Flag] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    # Extensions.
    ctr_status: dict[str, str] = Field(default_factory=dict)
    serial: SerialChange | None = None
    summary: str = ""
    # Version 2 (FORMAT.md §4), added at the end.
    localization_basis: list[str] = Field(default_factory=list)
    severity: Severity | None = None

    @property
    def urgency(self) -> Urgency | None:
        """The highest urgency among the flags, or None for a normal exam."""
        return self.flags[0].urgency if self.flags else None
