"""Named observations the rules combine: each is a registered, pure predicate over an exam.

``rules.toml`` refers to observations by name (never code). A name is a sign id from
``signs.toml``, a composite from ``rules.toml``, or one of the predicates registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from neuroexam.core import levels
from neuroexam.core.breeds import BreedMatch
from neuroexam.core.localize import NONE, CtrAnalysis, CtrStatus, TlPattern, analyse_ctr
from neuroexam.core.models import Exam, FlagSide, Grade, Side, Species, TestId
from neuroexam.core.protocol import Protocols

CERVICAL_REGIONS = ("ear", "neck", "shoulder")


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
    _cache: dict[str, Evidence] = field(default_factory=dict)

    @cached_property
    def ctr(self) -> CtrAnalysis:
        return analyse_ctr(self.exam, self.protocols.rules.thresholds.ctr)

    @cached_property
    def previous_ctr(self) -> CtrAnalysis | None:
        if self.previous is None:
            return None
        return analyse_ctr(self.previous, self.protocols.rules.thresholds.ctr)

    @cached_property
    def grades(self) -> dict[tuple[TestId, str, Side], Grade]:
        """Grade by (test, site, side): one pass over the findings instead of one per lookup."""
        return {f.key: f.grade for f in self.exam.findings}

    @property
    def is_dog(self) -> bool:
        return self.exam.patient.species is Species.DOG

    def observe(self, name: str) -> Evidence:
        """Evaluate a named observation (memoised per exam)."""
        if name not in self._cache:
            self._cache[name] = self._evaluate(name)
        return self._cache[name]

    def _evaluate(self, name: str) -> Evidence:
        if name in _REGISTRY:
            return _REGISTRY[name](self)
        composite = self.protocols.rules.composites.get(name)
        if composite is not None:
            return _composite(self, composite)
        sign = self.protocols.signs_by_id.get(name)
        if sign is not None:
            if name in self.exam.signs:
                return Evidence(True, (f"history: {sign.label} ({sign.id})",))
            return NO
        raise KeyError(f"unknown observation {name!r}")


def _composite(ctx: Context, composite) -> Evidence:  # type: ignore[no-untyped-def]
    alls = [ctx.observe(n) for n in composite.all]
    if not all(e.holds for e in alls):
        return NO
    if any(ctx.observe(n).holds for n in composite.none):
        return NO
    anys = [e for e in (ctx.observe(n) for n in composite.any) if e.holds]
    if composite.any and len(anys) < composite.at_least:
        return NO
    found = [*alls, *anys]
    reasons = tuple(dict.fromkeys(r for e in found for r in e.reasons))
    if not reasons:
        reasons = (composite.label,)
    side = next((e.side for e in found if e.side is not None), None)
    return Evidence(True, reasons, side)


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


@observation("species_dog")
def _species_dog(ctx: Context) -> Evidence:
    return Evidence(True) if ctx.is_dog else NO


@observation("species_cat")
def _species_cat(ctx: Context) -> Evidence:
    return NO if ctx.is_dog else Evidence(True, ("species: cat",))


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
    elif left.cutoff == right.cutoff:
        reason = f"cutaneous trunci absent caudal to {left.cutoff} on both sides"
    else:
        reason = f"cutaneous trunci cut-offs: {_describe_cutoff(left)}; {_describe_cutoff(right)}"
    reasons = [reason]
    side = ctx.ctr.tl_side
    if side in (FlagSide.LEFT, FlagSide.RIGHT) and pattern is TlPattern.BILATERAL:
        reasons.append(
            f"the {side.value} cut-off is more cranial: the lesion may lie toward the "
            f"{side.value} (weak, expert opinion)"
        )
    return Evidence(True, tuple(reasons), side)


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
    if ctx.ctr.tl_pattern is not None:
        return NO
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
        for f in ctx.exam.findings_for(TestId.CUTANEOUS_TRUNCI)
        if f.grade is Grade.EXAGGERATED
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
    before = ctx.previous_ctr
    if before is None or ctx.previous is None:
        return NO
    reasons, sides = [], []
    for side in Side:
        then, now = before.side(side), ctx.ctr.side(side)
        if then.position is None or now.position is None:
            continue
        moved = then.position - now.position
        if moved >= at_least:
            sides.append(side)
            unit = "vertebrae" if moved > 1 else "vertebra"
            if now.cutoff == NONE:  # no twitch yet: the cut-off lies at least this far forward
                how_far = f"at least {moved} {unit}"
                where = f"{then.cutoff} → no twitch up to {now.most_cranial_tested}"
            else:
                how_far, where = f"{moved} {unit}", f"{then.cutoff} → {now.cutoff}"
            reasons.append(
                f"{side.value} cut-off moved {how_far} cranially since exam "
                f"{ctx.previous.exam_id} ({where})"
            )
    if not sides:
        return NO
    side = FlagSide.BILATERAL if len(sides) == 2 else FlagSide(sides[0].value)
    return Evidence(True, tuple(reasons), side)


# ------------------------------------------------------------------ scratch


def _scratch(ctx: Context, region: str, side: Side) -> Grade | None:
    return ctx.grades.get((TestId.SCRATCH, region, side))


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
    return _exaggerated(ctx, tuple(s.id for s in _scratch_sites(ctx)))


def _scratch_sites(ctx: Context):  # type: ignore[no-untyped-def]
    return ctx.protocols.exam(ctx.exam.patient.species).test(TestId.SCRATCH).sites


def _exaggerated(ctx: Context, regions: tuple[str, ...]) -> Evidence:
    found = [
        (region, side)
        for region in regions
        for side in Side
        if _scratch(ctx, region, side) is Grade.EXAGGERATED
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
    for region in (s.id for s in _scratch_sites(ctx)):
        for side in Side:
            here, there = _scratch(ctx, region, side), _scratch(ctx, region, side.other)
            if here is Grade.ABSENT and there is not None and there.responds:
                found.append((region, side))
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
    names = {g.id: g.label for g in ctx.protocols.breeds.groups}
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
