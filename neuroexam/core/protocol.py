"""Load and validate the clinical knowledge files in ``protocols/``.

Every file is parsed with :mod:`tomllib` and validated by pydantic. A problem is raised as
:class:`ProtocolError` whose message reads ``path: field.path: what was expected`` (or
``path: line N: …`` for a syntax error), ready to print to a user.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from neuroexam.core import levels
from neuroexam.core.models import (
    SCRATCH_REGIONS,
    SPINAL_SITES,
    FlagId,
    FollowUpTest,
    Side,
    Species,
    Strength,
    TestId,
    Urgency,
)

_M = TypeVar("_M", bound=BaseModel)

RiskGroupId = Literal["cm_sm", "chondrodystrophic", "hansen_type_2"]


class ProtocolError(Exception):
    """A protocol file could not be read or does not match its schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---------------------------------------------------------------- exam protocols


class SiteSpec(_Strict):
    """One site of a test; texts here override the test's general texts."""

    id: str
    label: str
    technique: str = ""
    normal: str = ""
    abnormal: str = ""
    teaching: str = ""


class TestSpec(_Strict):
    id: TestId
    title: str
    technique: str
    normal: str
    abnormal: str
    teaching: str
    references: list[str] = Field(default_factory=list)
    sides: list[Side] = Field(default_factory=lambda: [Side.LEFT, Side.RIGHT])
    #: ``side_then_site``: all sites of one side, then the other (trunci series);
    #: ``site_then_side``: each site on both sides before the next site.
    order: Literal["side_then_site", "site_then_side"]
    #: The first responding level ends that side's series (trunci cut-off search).
    stop_at_first_response: bool = False
    sites: list[SiteSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _sites_fit_test(self) -> TestSpec:
        ids = [s.id for s in self.sites]
        if len(set(ids)) != len(ids):
            raise ValueError("site ids must be unique")
        for site in ids:
            if self.id is TestId.CUTANEOUS_TRUNCI and levels.normalize(site) != site:
                raise ValueError(f"site {site!r}: expected a level written T1–T13 or L1–L7")
            if self.id is TestId.SCRATCH and site not in SCRATCH_REGIONS:
                raise ValueError(f"site {site!r}: expected one of {', '.join(SCRATCH_REGIONS)}")
            if self.id in SPINAL_SITES and site not in SPINAL_SITES[self.id]:
                expected = " or ".join(SPINAL_SITES[self.id])
                raise ValueError(f"site {site!r}: expected {expected} for {self.id.value}")
        return self

    def site(self, site_id: str) -> SiteSpec:
        for site in self.sites:
            if site.id == site_id:
                return site
        raise KeyError(site_id)


class ExamProtocol(_Strict):
    species: Species
    title: str
    intro: str
    caveats: list[str] = Field(default_factory=list)
    tests: list[TestSpec] = Field(min_length=1)
    #: Which parts of the exam these tests are (``quick``; ``spinal`` appended by
    #: :meth:`Protocols.exam` for the spinal exam).
    parts: list[str] = Field(default_factory=lambda: ["quick"])

    def test(self, test_id: TestId) -> TestSpec:
        for test in self.tests:
            if test.id is test_id:
                return test
        raise KeyError(test_id)


# ---------------------------------------------------------------- breeds


class ExamPart(_Strict):
    """An optional part of the exam offered at intake (``protocols/exam/spinal.toml``)."""

    id: Literal["spinal"]
    #: What the intake offers, e.g. "spinal: + limb reflexes, postural reactions, nociception".
    label: str
    intro: str
    tests: list[TestSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _spinal_tests_only(self) -> ExamPart:
        for i, test in enumerate(self.tests):
            if test.id not in SPINAL_SITES:
                raise ValueError(
                    f"tests.{i}.id: {test.id.value!r} belongs to the quick exam "
                    f"(expected one of {', '.join(t.value for t in SPINAL_SITES)})"
                )
        return self


#: The quick exam's label at intake (the spinal part's label is in spinal.toml).
QUICK_LABEL = "quick: scratch + trunci"


class RecheckPart(_Strict):
    """A re-check that repeats only some of the quick exam's tests, in the quick exam's
    order (``protocols/exam/trunci.toml``: the serial cutaneous trunci test)."""

    id: Literal["trunci"]
    #: What the intake offers, e.g. "trunci: cutaneous trunci re-check only".
    label: str
    intro: str
    #: The quick exam's tests this re-check steps through.
    tests: list[TestId] = Field(min_length=1)

    @model_validator(mode="after")
    def _quick_tests_only(self) -> RecheckPart:
        for i, test in enumerate(self.tests):
            if test in SPINAL_SITES:
                raise ValueError(
                    f"tests.{i}: {test.value!r} belongs to the spinal part (a re-check repeats "
                    "tests of the quick exam)"
                )
        if len(set(self.tests)) != len(self.tests):
            raise ValueError("tests: each test may appear once")
        return self


class RiskGroup(_Strict):
    id: RiskGroupId
    label: str
    description: str
    references: list[str] = Field(min_length=1)


class Breed(_Strict):
    name: str
    species: Species
    aliases: list[str] = Field(default_factory=list)
    groups: list[RiskGroupId] = Field(default_factory=list)
    note: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _grouped_breeds_cite(self) -> Breed:
        if self.groups and not self.source:
            raise ValueError("a breed in a risk group needs a 'source' for the grouping")
        return self


class BreedFile(_Strict):
    groups: list[RiskGroup]
    breeds: list[Breed] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_unique(self) -> BreedFile:
        seen: dict[tuple[Species, str], str] = {}
        for i, breed in enumerate(self.breeds):
            for field, text in [("name", breed.name), *(("aliases", a) for a in breed.aliases)]:
                key = (breed.species, text.casefold())
                if key in seen and seen[key] != breed.name:
                    raise ValueError(
                        f"breeds.{i}.{field}: {text!r} names both {seen[key]!r} and "
                        f"{breed.name!r} ({breed.species.value}); names and aliases must be unique"
                    )
                seen[key] = breed.name
        return self


# ---------------------------------------------------------------- signs


class SignGroup(_Strict):
    id: str
    label: str


class Sign(_Strict):
    id: str
    label: str
    group: str
    help: str
    #: A normal behaviour (sleep kicking, marking…): never raises a flag by itself.
    normal_behaviour: bool = False
    #: The side matters (FORMAT.md §1 sided signs): the intake asks for it.
    sided: bool = False


class SignFile(_Strict):
    groups: list[SignGroup] = Field(min_length=1)
    signs: list[Sign] = Field(min_length=1)

    @model_validator(mode="after")
    def _groups_exist(self) -> SignFile:
        group_ids = {g.id for g in self.groups}
        seen: set[str] = set()
        for i, sign in enumerate(self.signs):
            if sign.id in seen:
                raise ValueError(f"signs.{i}.id: {sign.id!r} appears twice; ids must be unique")
            seen.add(sign.id)
            if sign.group not in group_ids:
                raise ValueError(
                    f"signs.{i}.group: unknown group {sign.group!r} "
                    f"(expected one of {', '.join(sorted(group_ids))})"
                )
        return self


# ---------------------------------------------------------------- rules


class CtrThresholds(_Strict):
    normal_cutoffs: list[str]
    borderline_cutoffs: list[str]
    window_cranial_offset: int = Field(ge=0, le=10)
    window_caudal_offset: int = Field(ge=0, le=10)
    most_likely_offsets: tuple[int, int]
    migration_urgent: int = Field(ge=1)
    migration_emergency: int = Field(ge=1)

    @model_validator(mode="after")
    def _levels(self) -> CtrThresholds:
        for level in [*self.normal_cutoffs, *self.borderline_cutoffs]:
            if levels.normalize(level) != level:
                raise ValueError(f"{level!r} is not a level written T1–T13 or L1–L7")
        if self.migration_emergency < self.migration_urgent:
            raise ValueError("migration_emergency must be at least migration_urgent")
        return self


class SerialThresholds(_Strict):
    """Serial comparison and the PMM episode (DOMAIN.md 1.1)."""

    #: A gap of more than this many days between exams ends a PMM episode.
    episode_gap_days: float = Field(default=30, gt=0)
    #: Cut-offs that differ by fewer levels are read as bilateral (observer variation).
    lateralise_min_difference: int = Field(default=2, ge=1)


class Thresholds(_Strict):
    ctr: CtrThresholds
    chondrodystrophic_typical_age: tuple[float, float]
    serial: SerialThresholds = Field(default_factory=SerialThresholds)


class Composite(_Strict):
    """A named observation true when any (or all) of other observations are."""

    label: str
    any: list[str] = Field(default_factory=list)
    all: list[str] = Field(default_factory=list)
    #: True only when none of these hold.
    none: list[str] = Field(default_factory=list)
    #: True when at least this many of ``any`` hold (default 1).
    at_least: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _not_empty(self) -> Composite:
        if not (self.any or self.all or self.none):
            raise ValueError("a composite needs 'any', 'all' or 'none'")
        return self


class StrengthSpec(_Strict):
    base: Strength = Strength.WEAK
    #: Each true factor raises the score by one.
    factors: list[str] = Field(default_factory=list)
    moderate_at: int = 1
    strong_at: int = 2
    #: 'strong' needs all of these; otherwise it stops at moderate.
    strong_requires: list[str] = Field(default_factory=list)
    #: Observation → the most this flag may reach while it holds.
    cap: dict[str, Strength] = Field(default_factory=dict)


class UrgencySpec(_Strict):
    base: Urgency = Urgency.ROUTINE
    emergency_any: list[str] = Field(default_factory=list)
    urgent_any: list[str] = Field(default_factory=list)


class FollowUpSpec(_Strict):
    test: FollowUpTest
    #: May hold ``{window}`` (suspected-lesion window), ``{side}`` and ``{imaging}`` (the
    #: imaging region that follows the localisation, ``imaging_regions``).
    region: str = ""
    #: Only when this observation holds (empty: always).
    when: str = ""
    #: Not while this observation holds (empty: never left out).
    unless: str = ""


class TitleSpec(_Strict):
    """A title used instead of the flag's own while ``when`` holds (first match wins)."""

    when: str
    title: str


class FlagSpec(_Strict):
    id: FlagId
    title: str
    #: Raised when every observation in ``all`` and at least one of ``any`` hold.
    trigger_any: list[str] = Field(default_factory=list)
    trigger_all: list[str] = Field(default_factory=list)
    #: Not raised while any of these hold.
    unless_any: list[str] = Field(default_factory=list)
    strength: StrengthSpec = Field(default_factory=StrengthSpec)
    urgency: UrgencySpec = Field(default_factory=UrgencySpec)
    #: Observations whose side the flag takes (the first that holds and has a side).
    side_from: list[str] = Field(default_factory=list)
    #: Observations whose evidence is added to the reasons when they hold (context).
    context: list[str] = Field(default_factory=list)
    #: Risk groups whose breed membership the flag reports as breed context.
    breed_groups: list[RiskGroupId] = Field(default_factory=list)
    follow_up: list[FollowUpSpec] = Field(min_length=1)
    advice: str
    references: list[str] = Field(min_length=1)
    #: Other titles by observation (e.g. a peripheral nerve finding, a cervical myelopathy).
    titles: list[TitleSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_trigger(self) -> FlagSpec:
        if not self.trigger_any and not self.trigger_all:
            raise ValueError("a flag needs 'trigger_any' or 'trigger_all'")
        return self


class ImagingRegions(_Strict):
    """The IVDD flag's imaging region by localisation (DOMAIN.md 4.2); ``{window}`` allowed."""

    thoracolumbar: str
    lumbosacral: str
    cervical: str
    multifocal: str


class Severity(_Strict):
    """The Modified Frankel Score's scale (DOMAIN.md 4.3): one label per score 0…6."""

    name: str
    direction: str
    labels: list[str] = Field(min_length=7, max_length=7)
    references: list[str] = Field(min_length=1)


class Messages(_Strict):
    """Warning and summary texts (``str.format`` templates; fields named in each comment)."""

    untested_side: str
    windows_apart: str
    spinal_shock: str
    species_conflict: str
    name_differs: str
    nociception_missing: str
    no_pattern_in_tests_done: str
    not_all_normal: str
    cat_ctr_not_interpretable: str
    outside_normal: str
    mfs_zero_with_cutoff: str
    limbs_untested_side: str


class RuleFile(_Strict):
    thresholds: Thresholds
    composites: dict[str, Composite] = Field(default_factory=dict)
    flags: list[FlagSpec]
    normal_summary: str
    disclaimer: str
    cat_ctr_caveat: str
    imaging_regions: ImagingRegions
    severity: Severity
    messages: Messages

    @model_validator(mode="after")
    def _every_flag_once(self) -> RuleFile:
        ids = [f.id for f in self.flags]
        missing = set(FlagId) - set(ids)
        if missing:
            raise ValueError(f"missing flags: {', '.join(sorted(m.value for m in missing))}")
        if len(set(ids)) != len(ids):
            raise ValueError("each flag id may appear once")
        return self

    def flag(self, flag_id: FlagId) -> FlagSpec:
        return next(f for f in self.flags if f.id is flag_id)


# ---------------------------------------------------------------- loading


class Protocols(BaseModel):
    """Everything in ``protocols/``, validated and cross-checked."""

    model_config = ConfigDict(frozen=True)

    root: Path
    exams: dict[Species, ExamProtocol]
    breeds: BreedFile
    signs: SignFile
    rules: RuleFile
    #: The optional spinal part (``exam/spinal.toml``), None in a folder without it.
    spinal: ExamPart | None = None
    #: The optional trunci-only re-check (``exam/trunci.toml``), None in a folder without it.
    trunci: RecheckPart | None = None

    def exam(self, species: Species, part: str = "quick") -> ExamProtocol:
        """The exam protocol of ``species``: ``quick`` (scratch + trunci), ``spinal`` (the
        quick exam followed by the spinal part's tests) or ``trunci`` (the quick exam's tests
        the re-check names, e.g. the cutaneous trunci alone). KeyError for another part."""
        if part == "quick":
            return self.exams[species]
        key = (species, part)
        if key in self.combined_exams:
            return self.combined_exams[key]
        quick = self.exams[species]
        if part == "spinal" and self.spinal is not None:
            tests = [*quick.tests, *self.spinal.tests]
            parts = ["quick", part]
        elif part == "trunci" and self.trunci is not None:
            tests = [t for t in quick.tests if t.id in self.trunci.tests]
            parts = [part]
            if not tests:
                raise KeyError(part)
        else:
            raise KeyError(part)
        self.combined_exams[key] = quick.model_copy(update={"tests": tests, "parts": parts})
        return self.combined_exams[key]

    def parts(self) -> list[tuple[str, str]]:
        """The exam parts the intake offers: ``(id, label)``, quick first."""
        offered = [("quick", QUICK_LABEL)]
        if self.spinal is not None:
            offered.append(("spinal", self.spinal.label))
        if self.trunci is not None:
            offered.append(("trunci", self.trunci.label))
        return offered

    @cached_property
    def combined_exams(self) -> dict[tuple[Species, str], ExamProtocol]:
        return {}

    def sign_ids(self) -> set[str]:
        return set(self.signs_by_id)

    @cached_property
    def signs_by_id(self) -> dict[str, Sign]:
        return {s.id: s for s in self.signs.signs}


def default_root() -> Path:
    """The shipped protocols: inside the installed package, else the source checkout's."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "protocols", here.parent / "protocols"):
        if (candidate / "rules.toml").is_file():
            return candidate
    raise ProtocolError(f"{here}: the protocols folder is missing from this installation")


#: Bounds of a protocol file that is read at all (the shipped ones are far below both): the
#: TOML parser's work grows with the square of a dotted key's length.
MAX_PROTOCOL_BYTES = 1_048_576
MAX_PROTOCOL_LINE = 10_000


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML document of ``path``; any problem is a :class:`ProtocolError` naming it."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PROTOCOL_BYTES + 1)
        if len(data) > MAX_PROTOCOL_BYTES:
            raise ProtocolError(f"{path}: larger than the limit of {MAX_PROTOCOL_BYTES} bytes")
        text = data.decode("utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if len(line) > MAX_PROTOCOL_LINE:
                raise ProtocolError(
                    f"{path}: line {number} is longer than the limit of {MAX_PROTOCOL_LINE} "
                    "characters"
                )
        return tomllib.loads(text)
    except FileNotFoundError:
        raise ProtocolError(f"{path}: file not found") from None
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        at = exc.object.count(b"\n", 0, exc.start) + 1
        byte = exc.object[exc.start]
        raise ProtocolError(f"{path}: line {at} is not UTF-8 text (byte 0x{byte:02X})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path}: TOML syntax error: {exc}") from None
    except RecursionError:
        raise ProtocolError(f"{path}: TOML syntax error: nested too deeply") from None


def format_validation_error(path: Path, error: ValidationError) -> str:
    """``path: field.path: message`` for each problem, one per line."""
    lines = []
    for problem in error.errors():
        message = problem["msg"].removeprefix("Value error, ")
        where = ".".join(str(part) for part in problem["loc"])
        lines.append(f"{path}: {where}: {message}" if where else f"{path}: {message}")
    return "\n".join(lines)


def _validate(model: type[_M], path: Path, data: dict[str, Any]) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(format_validation_error(path, exc)) from None


def _check_rule_names(rules: RuleFile, known: Iterable[str], path: Path) -> None:
    """Every observation a rule names must exist (registered, composite or sign)."""
    names = set(known) | set(rules.composites)
    problems = []
    for name, composite in rules.composites.items():
        for ref in [*composite.any, *composite.all, *composite.none]:
            if ref not in names:
                problems.append(f"{path}: composites.{name}: unknown observation {ref!r}")
    for i, flag in enumerate(rules.flags):
        refs = [
            *flag.trigger_any,
            *flag.trigger_all,
            *flag.unless_any,
            *flag.strength.factors,
            *flag.strength.strong_requires,
            *flag.strength.cap,
            *flag.urgency.emergency_any,
            *flag.urgency.urgent_any,
            *flag.side_from,
            *flag.context,
            *(f.when for f in flag.follow_up if f.when),
            *(f.unless for f in flag.follow_up if f.unless),
            *(t.when for t in flag.titles),
        ]
        for ref in refs:
            if ref not in names:
                problems.append(f"{path}: flags.{i} ({flag.id.value}): unknown observation {ref!r}")
    if problems:
        raise ProtocolError("\n".join(problems))


def load_protocols(root: Path | None = None) -> Protocols:
    """Read and validate every protocol file under ``root`` (default: the shipped ones)."""
    from neuroexam.core.observations import registered_names  # late: avoids a cycle

    root = Path(root) if root is not None else default_root()
    if not root.is_dir():
        raise ProtocolError(f"{root}: not a folder of protocol files")
    exams: dict[Species, ExamProtocol] = {}
    for species in Species:
        path = root / "exam" / f"{species.value}.toml"
        exam = _validate(ExamProtocol, path, _read_toml(path))
        if exam.species is not species:
            raise ProtocolError(f"{path}: species: expected {species.value!r}")
        exams[species] = exam
    breeds_path = root / "breeds.toml"
    breeds = _validate(BreedFile, breeds_path, _read_toml(breeds_path))
    signs_path = root / "signs.toml"
    signs = _validate(SignFile, signs_path, _read_toml(signs_path))
    rules_path = root / "rules.toml"
    rules = _validate(RuleFile, rules_path, _read_toml(rules_path))
    _check_rule_names(rules, registered_names() | {s.id for s in signs.signs}, rules_path)
    spinal_path = root / "exam" / "spinal.toml"
    spinal = (
        _validate(ExamPart, spinal_path, _read_toml(spinal_path)) if spinal_path.is_file() else None
    )
    trunci_path = root / "exam" / "trunci.toml"
    trunci = (
        _validate(RecheckPart, trunci_path, _read_toml(trunci_path))
        if trunci_path.is_file()
        else None
    )
    return Protocols(
        root=root,
        exams=exams,
        breeds=breeds,
        signs=signs,
        rules=rules,
        spinal=spinal,
        trunci=trunci,
    )


@cache
def shipped() -> Protocols:
    """The shipped protocols, loaded once per process."""
    return load_protocols()
