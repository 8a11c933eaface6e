"""Named observations the rules combine: each is a registered, pure predicate over an exam.

``rules.toml`` refers to observations by name (never code). A name is a sign id from
``signs.toml``, a composite from ``rules.toml``, or one of the predicates registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar, overload

from neuroexam.core import levels, spinal
from neuroexam.core.breeds import BreedMatch
from neuroexam.core.localize import (
    NONE,
    CtrAnalysis,
    CtrStatus,
    ExamWindow,
    SideCtr,
    TlPattern,
    analyse_ctr,
    exam_window,
)
from neuroexam.core.models import (
    Exam,
    FlagId,
    FlagSide,
    Grade,
    LesionWindow,
    Side,
    Species,
    TestId,
)
from neuroexam.core.protocol import Composite, Protocols, Sign
from neuroexam.core.serial import SerialLink
from neuroexam.core.severity import Mfs, deep_pain_absent, modified_frankel
from neuroexam.core.signs import SignToken, parse_signs
from neuroexam.core.vocab import SPINAL_SITES, THORACIC_LIMB

CERVICAL_REGIONS = ("ear", "neck", "shoulder")
#: ``Side`` in its order, as a tuple: iterating an enum class is slow.
_SIDES = tuple(Side)
#: The grades with a visible response (:attr:`Grade.responds`).
_RESPONDING = frozenset(g for g in Grade if g.responds)
#: Enum members that per-finding and per-site loops compare with, bound once (in Python 3.11
#: looking a member up on its enum class costs more than the comparison itself).
_TRUNCI, _SCRATCH, _WITHDRAWAL = TestId.CUTANEOUS_TRUNCI, TestId.SCRATCH, TestId.WITHDRAWAL
_ABSENT, _EXAGGERATED = Grade.ABSENT, Grade.EXAGGERATED
_LEFT, _RIGHT = Side.LEFT, Side.RIGHT
#: The trunci patterns with a cut-off (all but no response at all).
_CUTOFF_PATTERNS = (TlPattern.BILATERAL, TlPattern.LATERALISED, TlPattern.OTHER_SIDE_UNTESTED)


_T = TypeVar("_T")


class _once(Generic[_T]):
    """:func:`functools.cached_property` without its lock (a context is evaluated by one
    thread): the value is computed on first access and kept in the instance's ``__dict__``,
    where later accesses find it without calling this again."""

    def __init__(self, compute: Callable[[Any], _T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _once[_T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> _T | _once[_T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Evidence:
    """Whether an observation holds, why, and on which side."""

    holds: bool
    reasons: tuple[str, ...] = ()
    side: FlagSide | None = None


NO = Evidence(False)


@dataclass
class Context:
    """Everything a predicate may look at for one exam."""

    exam: Exam
    protocols: Protocols
    breed: BreedMatch
    previous: Exam | None = None
    #: The first exam of the PMM episode this exam continues (its window stays), if any.
    episode_start: Exam | None = None
    link: SerialLink = field(default_factory=SerialLink)
    #: Observations already evaluated, by name (signs not recorded start there, as false).
    _cache: dict[str, Evidence] = field(init=False, repr=False, compare=False)
    #: Trunci analyses already made, by ``id(exam)`` (:func:`neuroexam.core.rules.evaluate_all`
    #: shares one per call: each exam is analysed once, not again as another's previous exam).
    ctrs: dict[int, CtrAnalysis] | None = field(default=None, repr=False, compare=False)
    #: The protocol set's predicates by observation name (:func:`_plan`).
    _predicates: dict[str, Predicate] = field(init=False, repr=False, compare=False)
    _resolved: _Plan = field(init=False, repr=False, compare=False)
    #: :meth:`mfs` by presentation.
    _mfs: dict[bool, Mfs] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        plan = self._resolved = _plan(self.protocols)
        self._predicates = plan.predicates
        self._mfs = {}
        self._cache = plan.unrecorded.copy()
        for sign in self.sign_ids:
            self._cache.pop(sign, None)

    def _ctr_of(self, exam: Exam) -> CtrAnalysis:
        if self.ctrs is None:
            return analyse_ctr(exam, self.protocols.rules.thresholds.ctr)
        found = self.ctrs.get(id(exam))
        if found is None:
            found = self.ctrs[id(exam)] = analyse_ctr(exam, self.protocols.rules.thresholds.ctr)
        return found

    @_once
    def signs(self) -> list[SignToken]:
        return list(_parsed_signs(tuple(self.exam.signs))[0])

    @_once
    def sign_ids(self) -> frozenset[str]:
        return _parsed_signs(tuple(self.exam.signs))[1]

    @_once
    def recorded_signs(self) -> list[Sign]:
        """The protocol's signs recorded in this exam, in ``signs.toml`` order."""
        known, order = self.protocols.signs_by_id, self._resolved.sign_order
        return sorted((known[s] for s in self.sign_ids if s in known), key=lambda s: order[s.id])

    def mfs(self, presentation: bool) -> Mfs:
        """The exam's :func:`modified_frankel` score as a pelvic limb or back presentation or
        not (each computed once)."""
        found = self._mfs.get(presentation)
        if found is None:
            found = self._mfs[presentation] = modified_frankel(
                self.sign_ids, self.grades, presentation
            )
        return found

    def sign_sides(self, sign: str) -> set[Side | None]:
        """Sides ``sign`` was recorded with (None: no side); empty when not recorded."""
        return {t.side for t in self.signs if t.id == sign}

    @_once
    def limbs(self) -> spinal.Limbs:
        spinal_exam = frozenset(
            (key, grade) for key, grade in self.grades.items() if key[0] in SPINAL_SITES
        )
        return _limbs(spinal_exam, frozenset(self.sign_ids))

    @_once
    def window(self) -> ExamWindow:
        """The exam's own window (dogs; intersection of the two sides' windows)."""
        if not self.is_dog:
            return ExamWindow(None)
        return exam_window(self.ctr, self.protocols.rules.thresholds.ctr)

    @_once
    def kept_window(self) -> LesionWindow | None:
        """The window of the PMM episode's first exam, when this exam continues an episode."""
        if self.episode_start is None or not self.is_dog:
            return None
        limits = self.protocols.rules.thresholds.ctr
        return exam_window(self._ctr_of(self.episode_start), limits).window

    @_once
    def placement(self) -> spinal.Localisation:
        """Localisation, its basis and its warnings (docs/CLINICAL_RULES.md §2, §9)."""
        return _placement(self)

    @_once
    def ctr(self) -> CtrAnalysis:
        return self._ctr_of(self.exam)

    @_once
    def previous_ctr(self) -> CtrAnalysis | None:
        if self.previous is None:
            return None
        return self._ctr_of(self.previous)

    @_once
    def moves(self) -> list[tuple[SideCtr, SideCtr, int]]:
        """Per side with a cut-off at both exams, in :class:`Side` order: the side at the
        previous exam, now, and how many vertebrae its cut-off moved cranially (empty without
        a previous exam)."""
        before = self.previous_ctr
        if before is None:
            return []
        found = []
        for then, now in zip(before.sides, self.ctr.sides, strict=True):
            was, is_ = then.position, now.position
            if was is not None and is_ is not None:
                found.append((then, now, was - is_))
        return found

    @_once
    def grades(self) -> dict[tuple[TestId, str, Side], Grade]:
        """Grade by (test, site, side) of every finding but the trunci series' (read through
        :attr:`ctr`): one pass over the findings instead of one per lookup."""
        return {
            (f.test, f.site, f.side): f.grade for f in self.exam.findings if f.test is not _TRUNCI
        }

    @_once
    def is_dog(self) -> bool:
        return self.exam.patient.species is Species.DOG

    def alone(self) -> Context:
        """A context of the same exam without its history (no previous exam, no episode),
        whose observations are those of the exam assessed on its own: this very context when
        its history changes none of them, else a new one that takes over the parts that
        depend on the exam alone. (The link is no observation's concern.)"""
        if not any(self.observe(name).holds for name in _HISTORY):
            return self
        ctx = Context(exam=self.exam, protocols=self.protocols, breed=self.breed, ctrs=self.ctrs)
        done = self.__dict__
        ctx.__dict__.update({name: done[name] for name in _EXAM_ALONE if name in done})
        return ctx

    def observe(self, name: str) -> Evidence:
        """Evaluate a named observation (memoised per exam)."""
        found = self._cache.get(name)
        if found is None:
            evaluate = self._predicates.get(name)
            if evaluate is None:
                raise KeyError(f"unknown observation {name!r}")
            found = self._cache[name] = evaluate(self)
        return found


@lru_cache(maxsize=4096)
def _parsed_signs(texts: tuple[str, ...]) -> tuple[tuple[SignToken, ...], frozenset[str]]:
    """The tokens (:func:`parse_signs`) and the ids of an exam's signs, parsed once per
    spelling: the same few combinations come back exam after exam (both immutable, shared)."""
    tokens = tuple(parse_signs(texts))
    return tokens, frozenset(t.id for t in tokens)


@lru_cache(maxsize=4096)
def _limbs(
    spinal_exam: frozenset[tuple[tuple[TestId, str, Side], Grade]], sign_ids: frozenset[str]
) -> spinal.Limbs:
    """:func:`spinal.analyse_limbs` of the spinal exam's grades (the only findings it looks
    up) and the sign ids, made once per combination: a :class:`spinal.Limbs` is immutable,
    so one serves every exam that shares them."""
    return spinal.analyse_limbs(dict(spinal_exam), sign_ids)


def _composite(composite: Composite) -> Predicate:
    """The predicate of a composite from ``rules.toml``: every ``all`` holds, no ``none`` holds
    and at least ``at_least`` of ``any`` hold (when it has an ``any``). Its reasons are those
    of the observations it rests on, else its label; its side the first of theirs."""
    alls, nones, anys = tuple(composite.all), tuple(composite.none), tuple(composite.any)
    at_least, label = composite.at_least, (composite.label,)

    def evaluate(ctx: Context) -> Evidence:
        observe = ctx.observe
        found = []
        for name in alls:
            evidence = observe(name)
            if not evidence.holds:
                return NO
            found.append(evidence)
        for name in nones:
            if observe(name).holds:
                return NO
        if anys:
            # Most of them are known already (signs not recorded, above all): read straight
            # from the context's memo, observed only when missing (evidence is never falsy).
            cache = ctx._cache
            held = [e for name in anys if (e := cache.get(name) or observe(name)).holds]
            if len(held) < at_least:
                return NO
            found += held
        reasons = tuple(dict.fromkeys(r for e in found for r in e.reasons)) or label
        side = next((e.side for e in found if e.side is not None), None)
        return Evidence(True, reasons, side)

    return evaluate


def _sign(sign: Sign) -> Predicate:
    """The predicate of a sign from ``signs.toml``: recorded, with each way it was recorded."""
    name, label = sign.id, sign.label

    def evaluate(ctx: Context) -> Evidence:
        if name not in ctx.sign_ids:
            return NO
        recorded = ", ".join(
            f"{label} ({t.text})" if t.side is None else f"{label}, {t.side.value} ({t.text})"
            for t in ctx.signs
            if t.id == name
        )
        return Evidence(True, (f"history: {recorded}",))

    return evaluate


@dataclass(frozen=True)
class _Plan:
    """A protocol set's observations, resolved once (:func:`_plan`)."""

    #: Every observation name with its predicate: a registered predicate first, then a
    #: composite, then a sign.
    predicates: dict[str, Predicate]
    #: Every name that is a sign (no predicate or composite of that name), as false: what
    #: each sign's predicate gives while it is not recorded.
    unrecorded: dict[str, Evidence]
    #: Each sign's place in ``signs.toml``.
    sign_order: dict[str, int]
    #: The scratch regions by species (:func:`_scratch_sites`), filled as they are needed.
    scratch_sites: dict[Species, tuple[str, ...]] = field(default_factory=dict)


#: Each loaded protocol set's plan, kept with the set itself so that an id is never taken for
#: another set's.
_PLANS: dict[int, tuple[Protocols, _Plan]] = {}


def _plan(protocols: Protocols) -> _Plan:
    """The :class:`_Plan` of a protocol set, made once per set."""
    hit = _PLANS.get(id(protocols))
    if hit is None or hit[0] is not protocols:
        signs, composites = protocols.signs_by_id, protocols.rules.composites
        predicates = {name: _sign(sign) for name, sign in signs.items()}
        predicates.update({name: _composite(c) for name, c in composites.items()})
        predicates.update(_REGISTRY)
        unrecorded = {
            name: NO for name in signs if name not in composites and name not in _REGISTRY
        }
        order = {sign.id: i for i, sign in enumerate(protocols.signs.signs)}
        hit = _PLANS[id(protocols)] = (protocols, _Plan(predicates, unrecorded, order))
    return hit[1]


#: :class:`Context` properties that depend on the exam alone (not on its history or link).
_EXAM_ALONE = ("signs", "sign_ids", "grades", "limbs", "ctr", "window")
#: The only observations that look at the exam's history (``previous``, ``previous_ctr``,
#: ``episode_start``, ``kept_window``); each is false without one. When none of them holds,
#: the history changes no observation: every other one (and the placement) rests on the exam
#: alone and on these.
_HISTORY = (
    "ctr_migrated_cranially",
    "ctr_migrated_far",
    "pelvic_reflexes_lost",
    "episode_window_kept",
)

Predicate = Callable[[Context], Evidence]
_REGISTRY: dict[str, Predicate] = {}


def observation(name: str) -> Callable[[Predicate], Predicate]:
    """Register a predicate under ``name`` for use in ``rules.toml``."""

    def register(fn: Predicate) -> Predicate:
        if name in _REGISTRY:
            raise ValueError(f"observation {name!r} registered twice")
        _REGISTRY[name] = fn
        return fn

    return register


def registered_names() -> set[str]:
    return set(_REGISTRY)


def _describe_cutoff(s) -> str:  # type: ignore[no-untyped-def]
    if s.cutoff == NONE:
        return f"no twitch at any tested level up to {s.most_cranial_tested} on the {s.side.value}"
    return f"{s.side.value} cut-off {s.cutoff} ({s.status.value})"


# ------------------------------------------------------------------ species


_DOG, _CAT = Evidence(True), Evidence(True, ("species: cat",))


@observation("species_dog")
def _species_dog(ctx: Context) -> Evidence:
    return _DOG if ctx.is_dog else NO


@observation("species_cat")
def _species_cat(ctx: Context) -> Evidence:
    return NO if ctx.is_dog else _CAT


# ------------------------------------------------------------------ trunci


@observation("ctr_tl_pattern")
def _ctr_tl_pattern(ctx: Context) -> Evidence:
    pattern = ctx.ctr.tl_pattern
    if pattern is None:
        return NO
    left, right = ctx.ctr.left, ctx.ctr.right
    if pattern is TlPattern.NO_RESPONSE:
        reason = (
            f"cutaneous trunci absent at every tested level on both sides "
            f"(up to {left.most_cranial_tested} left, {right.most_cranial_tested} right): "
            "the cut-off lies cranial to every level tested"
        )
    elif pattern is TlPattern.OTHER_SIDE_UNTESTED:
        tested = left if left.cutoff is not None else right
        reason = (
            f"cutaneous trunci: {_describe_cutoff(tested)}; the {tested.side.other.value} side "
            "was not tested, so no bilateral pattern can be claimed"
        )
    elif left.cutoff == right.cutoff:
        reason = f"cutaneous trunci absent caudal to {left.cutoff} on both sides"
    else:
        reason = f"cutaneous trunci cut-offs: {_describe_cutoff(left)}; {_describe_cutoff(right)}"
    reasons = [reason]
    least = ctx.protocols.rules.thresholds.serial.lateralise_min_difference
    side = ctx.ctr.tl_side(least)
    if pattern is TlPattern.BILATERAL and left.cutoff != right.cutoff:
        if side in (FlagSide.LEFT, FlagSide.RIGHT):
            reasons.append(
                f"the {side.value} cut-off is at least {least} levels more cranial: the lesion "
                f"may lie toward the {side.value} (weak, expert opinion)"
            )
        else:
            reasons.append(
                f"the cut-offs differ by less than {least} levels: within observer variation, "
                "read as bilateral"
            )
    return Evidence(True, tuple(reasons), side)


@observation("ctr_other_side_untested")
def _ctr_other_side_untested(ctx: Context) -> Evidence:
    if ctx.ctr.tl_pattern is not TlPattern.OTHER_SIDE_UNTESTED:
        return NO
    missing = ctx.ctr.left if ctx.ctr.left.cutoff is None else ctx.ctr.right
    return Evidence(
        True, (f"the {missing.side.value} trunci side was not tested: flag capped at weak",)
    )


@observation("ctr_borderline_only")
def _ctr_borderline_only(ctx: Context) -> Evidence:
    """The thoracolumbar pattern rests on a borderline (L4) cut-off with no abnormal side."""
    statuses = {s.status for s in ctx.ctr.sides} - {CtrStatus.NOT_TESTED}
    if CtrStatus.BORDERLINE not in statuses or not statuses <= {
        CtrStatus.BORDERLINE,
        CtrStatus.NORMAL,
    }:
        return NO
    return Evidence(
        True,
        (
            "a borderline cut-off (L4) without cord signs is a reason to repeat the test, "
            "not to image",
        ),
    )


@observation("ctr_tl_lateralised")
def _ctr_tl_lateralised(ctx: Context) -> Evidence:
    if ctx.ctr.tl_pattern is not TlPattern.LATERALISED:
        return NO
    normal = next(s for s in ctx.ctr.sides if s.status is CtrStatus.NORMAL)
    return Evidence(
        True,
        (
            f"the {normal.side.value} side is normal ({normal.cutoff}): one-sided cut-off only, "
            "repeat the test",
        ),
    )


@observation("ctr_cutoff_abnormal")
def _ctr_cutoff_abnormal(ctx: Context) -> Evidence:
    if ctx.ctr.tl_pattern is TlPattern.NO_RESPONSE:
        return Evidence(True, ("no trunci response on either side",))
    cutoff = ctx.ctr.cranial_cutoff
    if cutoff is None:
        return NO
    abnormal = [s for s in ctx.ctr.sides if s.status is CtrStatus.ABNORMAL]
    if not abnormal:
        return NO
    return Evidence(True, (f"cut-off at {cutoff} is cranial to the normal limit (L4 borderline)",))


@observation("ctr_efferent_pattern")
def _ctr_efferent_pattern(ctx: Context) -> Evidence:
    side = ctx.ctr.efferent_side
    if side is None:
        return NO
    s, other = ctx.ctr.side(side), ctx.ctr.side(side.other)
    return Evidence(
        True,
        (
            f"cutaneous trunci absent at every tested level on the {side.value} "
            f"({', '.join(sorted(s.tested, key=levels.index, reverse=True))}) with a normal "
            f"{side.other.value} cut-off at {other.cutoff}: efferent limb (C8-T1 / lateral "
            "thoracic nerve) on the side that does not twitch",
        ),
        FlagSide(side.value),
    )


@observation("ctr_efferent_dog")
def _ctr_efferent_dog(ctx: Context) -> Evidence:
    return ctx.observe("ctr_efferent_pattern") if ctx.is_dog else NO


@observation("no_cutoff_caveat")
def _no_cutoff_caveat(ctx: Context) -> Evidence:
    if ctx.ctr.tl_pattern is not None or ctx.placement.region not in (None, spinal.T3_L3):
        return NO  # an L4-S3 or cervical lesion leaves the trunci reflex normal anyway
    seen = "not tested" if not ctx.ctr.any_tested else "without a cut-off"
    return Evidence(
        True,
        (
            f"trunci reflex {seen}: a normal trunci reflex does not exclude a thoracolumbar "
            "lesion (no cut-off in 20% of dogs with cord injury, Gutierrez-Quintana 2012)",
        ),
    )


@observation("ctr_exaggerated_any")
def _ctr_exaggerated_any(ctx: Context) -> Evidence:
    found = sorted(
        (levels.index(f.site), f.side.value)
        for f in ctx.exam.findings
        if f.test is _TRUNCI and f.grade is _EXAGGERATED
    )
    sites = [f"{levels.at(i)} {side}" for i, side in found]
    if not sites:
        return NO
    return Evidence(True, (f"exaggerated trunci twitch at {', '.join(sites)}",))


@observation("ctr_migrated_cranially")
def _ctr_migrated(ctx: Context) -> Evidence:
    return _migration(ctx, ctx.protocols.rules.thresholds.ctr.migration_urgent)


@observation("ctr_migrated_far")
def _ctr_migrated_far(ctx: Context) -> Evidence:
    return _migration(ctx, ctx.protocols.rules.thresholds.ctr.migration_emergency)


def _migration(ctx: Context, at_least: int) -> Evidence:
    reasons, sides = [], []
    for then, now, moved in ctx.moves:
        if moved >= at_least:
            side = now.side
            sides.append(side)
            unit = "vertebrae" if moved > 1 else "vertebra"
            if now.cutoff == NONE:  # no twitch yet: the cut-off lies at least this far forward
                how_far = f"at least {moved} {unit}"
                where = f"{then.cutoff} → no twitch up to {now.most_cranial_tested}"
            else:
                how_far, where = f"{moved} {unit}", f"{then.cutoff} → {now.cutoff}"
            reasons.append(
                f"{side.value} cut-off moved {how_far} cranially since exam "
                f"{ctx.previous.exam_id} ({where})"  # type: ignore[union-attr]
            )
    if not sides:
        return NO
    flag_side = FlagSide.BILATERAL if len(sides) == 2 else FlagSide(sides[0].value)
    return Evidence(True, tuple(reasons), flag_side)


# ------------------------------------------------------------------ scratch


@observation("scratch_cervical_exaggerated")
def _scratch_cervical(ctx: Context) -> Evidence:
    # An over-strong scratch at a discharging ear is explained by the ear first: it does not
    # count as a syringomyelia sign (docs/CLINICAL_RULES.md §5, decision).
    if "ear_discharge" in ctx.exam.signs:
        return _exaggerated(ctx, tuple(r for r in CERVICAL_REGIONS if r != "ear"))
    return _exaggerated(ctx, CERVICAL_REGIONS)


@observation("scratch_ear_exaggerated")
def _scratch_ear(ctx: Context) -> Evidence:
    return _exaggerated(ctx, ("ear",))


@observation("scratch_exaggerated_any")
def _scratch_any(ctx: Context) -> Evidence:
    return _exaggerated(ctx, _scratch_sites(ctx))


def _scratch_sites(ctx: Context) -> tuple[str, ...]:
    """The scratch regions of the species' exam protocol, in order (looked up once per
    protocol set and species)."""
    known, species = ctx._resolved.scratch_sites, ctx.exam.patient.species
    found = known.get(species)
    if found is None:
        test = ctx.protocols.exam(species).test(TestId.SCRATCH)
        found = known[species] = tuple(site.id for site in test.sites)
    return found


def _exaggerated(ctx: Context, regions: tuple[str, ...]) -> Evidence:
    grades = ctx.grades
    found = [
        (region, side)
        for region in regions
        for side in _SIDES
        if grades.get((_SCRATCH, region, side)) is _EXAGGERATED
    ]
    if not found:
        return NO
    sides = {side for _, side in found}
    flag_side = FlagSide.BILATERAL if len(sides) == 2 else FlagSide(next(iter(sides)).value)
    where = ", ".join(f"{region} {side.value}" for region, side in found)
    return Evidence(True, (f"exaggerated scratch reflex at {where}",), flag_side)


@observation("scratch_unilateral_absent")
def _scratch_unilateral_absent(ctx: Context) -> Evidence:
    found = []
    grades = ctx.grades
    for region in _scratch_sites(ctx):
        left = grades.get((_SCRATCH, region, _LEFT))
        right = grades.get((_SCRATCH, region, _RIGHT))
        if left is _ABSENT and right in _RESPONDING:
            found.append((region, _LEFT))
        if right is _ABSENT and left in _RESPONDING:
            found.append((region, _RIGHT))
    if not found:
        return NO
    sides = {side for _, side in found}
    flag_side = FlagSide.BILATERAL if len(sides) == 2 else FlagSide(next(iter(sides)).value)
    where = ", ".join(f"{region} {side.value}" for region, side in found)
    return Evidence(
        True,
        (
            f"scratch reflex absent at {where} while the other side responds "
            "(weak evidence of a peripheral nerve lesion)",
        ),
        flag_side,
    )


# ------------------------------------------------------------------ breed


def _group_evidence(ctx: Context, group: str) -> Evidence:
    if not ctx.breed.in_group(group):
        return NO
    names: dict[str, str] = {g.id: g.label for g in ctx.protocols.breeds.groups}
    return Evidence(True, (f"breed: {ctx.breed.name} ({names[group]})",))


@observation("cm_sm_breed")
def _cm_sm_breed(ctx: Context) -> Evidence:
    return _group_evidence(ctx, "cm_sm")


@observation("chondrodystrophic_breed")
def _chondro_breed(ctx: Context) -> Evidence:
    return _group_evidence(ctx, "chondrodystrophic")


@observation("hansen_type_2_breed")
def _hansen2_breed(ctx: Context) -> Evidence:
    return _group_evidence(ctx, "hansen_type_2")


@observation("french_bulldog")
def _french_bulldog(ctx: Context) -> Evidence:
    if ctx.breed.name != "French Bulldog":
        return NO
    return Evidence(
        True,
        (
            "French Bulldog: progressive myelomalacia in about a third of "
            "paraplegic dogs without deep pain (Castel 2019)",
        ),
    )


@observation("chondrodystrophic_typical_age")
def _chondro_age(ctx: Context) -> Evidence:
    if not ctx.breed.in_group("chondrodystrophic"):
        return NO
    low, high = ctx.protocols.rules.thresholds.chondrodystrophic_typical_age
    age = ctx.exam.patient.age_years
    if age is None:
        return Evidence(True, (f"chondrodystrophic breed ({ctx.breed.name}); age not recorded",))
    if low <= age <= high:
        return Evidence(
            True,
            (
                f"chondrodystrophic breed ({ctx.breed.name}) at a typical age for disc "
                f"extrusion ({age:g} y; peak {low:g}-{high:g} y)",
            ),
        )
    return NO


# ------------------------------------------------------------------ sided signs


def _side_words(sides: set[Side | None]) -> str:
    return " and ".join(s.value for s in _SIDES if s in sides)


def _ipsilateral(ctx: Context, sign: str, side: FlagSide | None) -> Evidence:
    """``sign`` on the flag's side, or without a side (the reason says the side is unknown)."""
    sides = ctx.sign_sides(sign)
    if not sides:
        return NO
    label = ctx.protocols.signs_by_id[sign].label
    if side in (FlagSide.LEFT, FlagSide.RIGHT) and Side(side.value) in sides:
        return Evidence(True, (f"{label} on the same side ({side.value})",))
    if side is FlagSide.BILATERAL and (sides - {None}):
        return Evidence(True, (f"{label} on the {_side_words(sides)}",))
    if None in sides:
        return Evidence(True, (f"{label} (side not recorded)",))
    return NO


def _contralateral(ctx: Context, signs: tuple[str, ...], side: FlagSide | None) -> Evidence:
    """Signs recorded only on the side opposite the flag's: they do not strengthen it."""
    if side not in (FlagSide.LEFT, FlagSide.RIGHT):
        return NO
    here = Side(side.value)
    found = [
        ctx.protocols.signs_by_id[sign].label
        for sign in signs
        if (sides := ctx.sign_sides(sign)) and sides == {here.other}
    ]
    if not found:
        return NO
    return Evidence(
        True,
        (
            f"{' and '.join(found)} recorded on the {here.other.value}, the other side: "
            f"{'does' if len(found) == 1 else 'do'} not strengthen a {here.value}-sided finding",
        ),
    )


@observation("nerve_side")
def _nerve_side(ctx: Context) -> Evidence:
    spec = ctx.protocols.rules.flag(FlagId.NERVE_DAMAGE)
    for name in spec.side_from:
        if name == "nerve_side":
            continue
        evidence = ctx.observe(name)
        if evidence.holds and evidence.side:
            return Evidence(True, (), evidence.side)
    return NO


@observation("forelimb_lameness_ipsilateral")
def _forelimb_lameness_ipsilateral(ctx: Context) -> Evidence:
    return _ipsilateral(ctx, "forelimb_lameness", ctx.observe("nerve_side").side)


@observation("horner_ipsilateral")
def _horner_ipsilateral(ctx: Context) -> Evidence:
    return _ipsilateral(ctx, "horner_syndrome", ctx.observe("nerve_side").side)


@observation("nerve_signs_other_side")
def _nerve_signs_other_side(ctx: Context) -> Evidence:
    side = ctx.observe("nerve_side").side
    return _contralateral(ctx, ("forelimb_lameness", "horner_syndrome"), side)


@observation("efferent_forelimb_signs")
def _efferent_forelimb_signs(ctx: Context) -> Evidence:
    """Forelimb lameness or Horner's on the side of a one-sided trunci loss (or unsided)."""
    side = ctx.ctr.efferent_side
    if side is None:
        return NO
    flag_side = FlagSide(side.value)
    found = [_ipsilateral(ctx, s, flag_side) for s in ("forelimb_lameness", "horner_syndrome")]
    reasons = tuple(r for e in found if e.holds for r in e.reasons)
    return Evidence(True, reasons) if reasons else NO


@observation("horner_bilateral")
def _horner_bilateral(ctx: Context) -> Evidence:
    if {Side.LEFT, Side.RIGHT} <= ctx.sign_sides("horner_syndrome"):
        return Evidence(True, ("Horner's syndrome on both sides",))
    return NO


@observation("phantom_scratching_side")
def _phantom_side(ctx: Context) -> Evidence:
    sides = ctx.sign_sides("phantom_scratching") - {None}
    if not sides:
        return NO
    known = [s for s in sides if s is not None]
    side = FlagSide.BILATERAL if len(known) == 2 else FlagSide(known[0].value)
    return Evidence(True, (f"phantom scratching toward the {_side_words(sides)}",), side)


@observation("sm_side")
def _sm_side(ctx: Context) -> Evidence:
    """The side of the exaggerated cervical scratch and of the phantom scratching, together."""
    found = [ctx.observe(n) for n in ("scratch_cervical_exaggerated", "phantom_scratching_side")]
    sides: set[str] = set()
    for e in found:
        if e.holds and e.side is FlagSide.BILATERAL:
            sides |= {"left", "right"}
        elif e.holds and e.side is not None:
            sides.add(e.side.value)
    if not sides:
        return NO
    side = FlagSide.BILATERAL if len(sides) == 2 else FlagSide(sides.pop())
    return Evidence(True, (), side)


# ------------------------------------------------------------------ spinal exam


@observation("deep_pain_lost")
def _deep_pain_lost(ctx: Context) -> Evidence:
    if not deep_pain_absent(ctx.sign_ids, ctx.grades):
        return NO
    if "deep_pain_absent" in ctx.sign_ids:
        return ctx.observe("deep_pain_absent")
    return Evidence(True, ("deep pain absent in both pelvic limbs",))


@observation("limb_cord_pattern")
def _limb_cord_pattern(ctx: Context) -> Evidence:
    placed = ctx.placement
    if not placed.cord or placed.region is None:
        return NO
    return Evidence(True, (f"limb findings place a cord lesion at {placed.region}",))


def _region_is(ctx: Context, *regions: str) -> Evidence:
    region = ctx.placement.region
    return Evidence(True, (f"localisation {region}",)) if region in regions else NO


@observation("loc_t3_l3")
def _loc_t3_l3(ctx: Context) -> Evidence:
    return _region_is(ctx, spinal.T3_L3)


@observation("loc_l4_s3")
def _loc_l4_s3(ctx: Context) -> Evidence:
    return _region_is(ctx, spinal.L4_S3)


@observation("loc_cervical_cord")
def _loc_cervical_cord(ctx: Context) -> Evidence:
    if not ctx.placement.cord:
        return NO
    return _region_is(ctx, *spinal.CERVICAL)


@observation("loc_multifocal")
def _loc_multifocal(ctx: Context) -> Evidence:
    return _region_is(ctx, spinal.MULTIFOCAL)


@observation("thoracic_lmn_one_side")
def _thoracic_lmn_one_side(ctx: Context) -> Evidence:
    """A reduced or absent thoracic limb withdrawal on one side, the other side responding."""
    found = []
    grades = ctx.grades
    for side, other in ((_LEFT, _RIGHT), (_RIGHT, _LEFT)):
        here = grades.get((_WITHDRAWAL, THORACIC_LIMB, side))
        there = grades.get((_WITHDRAWAL, THORACIC_LIMB, other))
        if here is not None and here.lowered and there is not None and there.responds:
            found.append((side, here))
    if len(found) != 1:
        return NO
    side, grade = found[0]
    return Evidence(
        True,
        (f"thoracic limb withdrawal {grade.value} on the {side.value}, normal on the other side",),
        FlagSide(side.value),
    )


@observation("thoracic_lmn")
def _thoracic_lmn(ctx: Context) -> Evidence:
    if ctx.limbs.thoracic.motor is not spinal.Motor.LMN:
        return NO
    return Evidence(True, ctx.limbs.thoracic.reasons)


@observation("pelvic_reflexes_lost")
def _pelvic_reflexes_lost(ctx: Context) -> Evidence:
    """Pelvic reflexes normal at the previous exam, reduced or absent now (a PMM marker)."""
    if ctx.previous is None or ctx.limbs.pelvic.motor is not spinal.Motor.LMN:
        return NO
    before = {f.key: f.grade for f in ctx.previous.findings}
    if not spinal.pelvic_reflexes_normal(before):
        return NO
    return Evidence(
        True,
        (
            f"pelvic limb reflexes were normal at exam {ctx.previous.exam_id} and are now "
            "reduced or absent: ascending-descending myelomalacia turns UMN into LMN signs",
        ),
    )


@observation("episode_window_kept")
def _episode_window_kept(ctx: Context) -> Evidence:
    window, start = ctx.kept_window, ctx.episode_start
    if window is None or start is None:
        return NO
    when = start.exam_date.date().isoformat() if start.exam_date else "undated"
    return Evidence(
        True,
        (
            f"imaging window kept from exam {start.exam_id} ({when}), the first abnormal "
            f"cut-off of this episode: {window.cranial}-{window.caudal}; the climbing cut-off "
            "shows spreading myelomalacia, not a moving compression",
        ),
    )


# ------------------------------------------------------------------ localisation


def _placement(ctx: Context) -> spinal.Localisation:
    rules = ctx.protocols.rules
    tl = ctx.ctr.tl_pattern
    dog = ctx.is_dog
    tl_basis = None
    if dog and tl in _CUTOFF_PATTERNS:
        tl_basis = (
            f"thoracolumbar trunci cut-off ({_cutoffs(ctx)}): the lesion lies 0-4 vertebrae "
            "cranial to it"
        )
    facts = spinal.CtrFacts(
        tl_cutoff=tl_basis if ctx.ctr.abnormal else None,
        efferent_side=ctx.ctr.efferent_side if dog else None,
        migrating=dog and ctx.observe("ctr_migrated_cranially").holds,
    )
    placed = spinal.localise(
        ctx.limbs,
        facts,
        ctx.sign_sides("horner_syndrome"),
        "paraplegia" in ctx.sign_ids,
        not dog,
        rules.messages.spinal_shock,
    )
    # (region, basis, short reason for an "also fits" warning)
    candidates: list[tuple[str, str, str]] = []
    if tl_basis is not None:
        candidates.append((spinal.T3_L3, tl_basis, "a thoracolumbar trunci cut-off"))
    if ctx.observe("ctr_efferent_dog").holds:
        candidates.append(
            (
                spinal.C6_T2,
                "one-sided trunci loss at every level with a normal other side: efferent limb "
                "(C8-T1 roots, lateral thoracic nerve, brachial plexus)",
                "one-sided trunci loss (brachial plexus / C8-T1)",
            )
        )
    if ctx.observe("sm_indicator").holds:
        candidates.append(
            (
                spinal.C1_C5,
                "signs of syringomyelia: the syrinx of phantom scratchers reaches the dorsal horn "
                "of the C3-C6 segments",
                "signs of syringomyelia (cervical dorsal horn)",
            )
        )
    if placed.region is None and candidates:
        placed.region = candidates[0][0]
        placed.basis.append(candidates[0][1])
        candidates = candidates[1:]
    for region, basis, why in candidates:
        if region != placed.region and basis not in placed.basis:
            placed.warnings.append(
                f"findings also fit {region} ({why}): more than one lesion is possible"
            )
    return placed


def _cutoffs(ctx: Context) -> str:
    parts = []
    for s in ctx.ctr.sides:
        shown = {None: "not tested", NONE: "none"}.get(s.cutoff, s.cutoff)
        parts.append(f"{s.side.value} {shown}")
    return ", ".join(parts)
