"""Localisation from the spinal exam (DOMAIN.md 4.2): limb reflexes, postural reactions and
gait signs, then combined with the trunci reflex, each step with its plain-language basis.

UMN = normal or exaggerated reflexes with deficits; LMN = reduced or absent reflexes. The
caveats the reference asks for are carried into the basis: the unreliable thoracic withdrawal
("C1-C5 or C6-T2" without a confirming sign on that side), pseudo-hyperreflexia, spinal shock,
multifocal conflicts and cats (whose trunci reflex takes no part).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from neuroexam.core.vocab import PELVIC_LIMB, PERINEUM, THORACIC_LIMB, Grade, Side, TestId

T3_L3 = "T3-L3"
L4_S3 = "L4-S3"
C1_C5 = "C1-C5"
C6_T2 = "C6-T2"
CERVICAL_EITHER = "C1-C5 or C6-T2"
MULTIFOCAL = "multifocal"
CERVICAL = (C1_C5, C6_T2, CERVICAL_EITHER)

PELVIC_DEFICIT_SIGNS = (
    "paraparesis_ambulatory",
    "paraparesis_non_ambulatory",
    "paraplegia",
    "deep_pain_absent",
    "superficial_pain_absent",
)
TETRA_SIGNS = ("tetraparesis_ambulatory", "tetraparesis_non_ambulatory", "tetraplegia")

#: Spinal reflexes per limb pair: (test, site, segments).
PELVIC_REFLEXES = (
    (TestId.PATELLAR, PELVIC_LIMB, "patellar (L4-L6)"),
    (TestId.WITHDRAWAL, PELVIC_LIMB, "pelvic limb withdrawal (L6-S1)"),
    (TestId.PERINEAL, PERINEUM, "perineal (S1-S3)"),
)
THORACIC_REFLEXES = ((TestId.WITHDRAWAL, THORACIC_LIMB, "thoracic limb withdrawal (C6-T2)"),)

Grades = dict[tuple[TestId, str, Side], Grade]
#: ``Side`` in its order, as a tuple: iterating an enum class is slow.
_SIDES = tuple(Side)


class Motor(StrEnum):
    """What one limb pair's findings say."""

    NOT_TESTED = "not_tested"  # no reflex graded and no deficit
    DEFICIT_ONLY = "deficit_only"  # deficits, but no reflex graded: UMN or LMN unknown
    NORMAL = "normal"
    UMN = "umn"
    LMN = "lmn"


@dataclass(frozen=True)
class Pair:
    """One limb pair (thoracic or pelvic), both sides."""

    limbs: str
    motor: Motor
    #: Sides with a reduced or absent reflex (LMN).
    lowered: tuple[Side, ...] = ()
    reasons: tuple[str, ...] = ()


def _word(grade: Grade) -> str:
    return "delayed" if grade is Grade.REDUCED else grade.value


def _pair(
    grades: Grades,
    reflexes: tuple[tuple[TestId, str, str], ...],
    site: str,
    deficit_signs: list[str],
    limbs: str,
) -> Pair:
    lowered: dict[Side, list[str]] = {}
    brisk: list[str] = []
    tested = False
    for test, where, name in reflexes:
        for side in _SIDES:
            grade = grades.get((test, where, side))
            if grade is None or not grade.tested:
                continue
            tested = True
            if grade.lowered:
                lowered.setdefault(side, []).append(f"{name} {grade.value} {side.value}")
            elif grade in (Grade.EXAGGERATED, Grade.CLONUS):
                brisk.append(f"{name} {grade.value} {side.value}")
    deficits = [
        f"postural reaction {_word(g)} {side.value}"
        for side in _SIDES
        if (g := grades.get((TestId.POSTURAL, site, side))) is not None and g.lowered
    ]
    deficits += [
        f"deep pain absent {side.value}" for side in _SIDES if _no_pain(grades, site, side)
    ]
    deficits += [f"history: {sign}" for sign in deficit_signs]
    if lowered:
        found = [text for side in _SIDES for text in lowered.get(side, [])]
        return Pair(
            limbs,
            Motor.LMN,
            tuple(s for s in _SIDES if s in lowered),
            (f"{limbs} limbs LMN: {', '.join(found)}",),
        )
    if tested and (deficits or brisk):
        shown = brisk + deficits
        return Pair(
            limbs,
            Motor.UMN,
            (),
            (f"{limbs} limbs UMN: reflexes normal or increased with {', '.join(shown)}",),
        )
    if tested:
        return Pair(limbs, Motor.NORMAL, (), (f"{limbs} limb reflexes and reactions normal",))
    if deficits:
        return Pair(
            limbs,
            Motor.DEFICIT_ONLY,
            (),
            (f"{limbs} limb deficits ({', '.join(deficits)}) without graded reflexes",),
        )
    return Pair(limbs, Motor.NOT_TESTED)


def _no_pain(grades: Grades, site: str, side: Side) -> bool:
    return grades.get((TestId.NOCICEPTION, site, side)) is Grade.ABSENT


@dataclass(frozen=True)
class Limbs:
    thoracic: Pair
    pelvic: Pair
    #: Pseudo-hyperreflexia sides: brisk patellar with a lowered pelvic withdrawal.
    pseudo_hyperreflexia: tuple[Side, ...] = ()

    @property
    def examined(self) -> bool:
        """Some limb reflex was graded."""
        graded = (Motor.NORMAL, Motor.UMN, Motor.LMN)
        return self.thoracic.motor in graded or self.pelvic.motor in graded


def analyse_limbs(grades: Grades, signs: Iterable[str]) -> Limbs:
    """The thoracic and pelvic limb pairs from the graded findings and the sign ids."""
    ids = set(signs)
    tetra = [s for s in TETRA_SIGNS if s in ids]
    pelvic_signs = [s for s in PELVIC_DEFICIT_SIGNS if s in ids] + tetra
    thoracic = _pair(grades, THORACIC_REFLEXES, THORACIC_LIMB, tetra, "thoracic")
    pelvic = _pair(grades, PELVIC_REFLEXES, PELVIC_LIMB, pelvic_signs, "pelvic")
    pseudo = tuple(
        side
        for side in _SIDES
        if grades.get((TestId.PATELLAR, PELVIC_LIMB, side)) in (Grade.EXAGGERATED, Grade.CLONUS)
        and (w := grades.get((TestId.WITHDRAWAL, PELVIC_LIMB, side))) is not None
        and w.lowered
    )
    return Limbs(thoracic, pelvic, pseudo)


def pelvic_reflexes_normal(grades: Grades) -> bool:
    """Pelvic limb reflexes graded and none reduced or absent."""
    found = [
        g
        for test, site, _ in PELVIC_REFLEXES
        for side in _SIDES
        if (g := grades.get((test, site, side))) is not None and g.tested
    ]
    return bool(found) and not any(g.lowered for g in found)


@dataclass(frozen=True)
class CtrFacts:
    """What the trunci reflex contributes (all False/None in a cat: it takes no part)."""

    #: An abnormal thoracolumbar cut-off pattern, with its description.
    tl_cutoff: str | None = None
    #: The side whose trunci reflex is lost at every level while the other is normal.
    efferent_side: Side | None = None
    #: The cut-off climbed since the previous exam.
    migrating: bool = False


@dataclass
class Localisation:
    region: str | None = None
    basis: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The limbs show a cord lesion (as opposed to a plexus or none).
    cord: bool = False


def localise(
    limbs: Limbs,
    ctr: CtrFacts,
    horner_sides: set[Side | None],
    paraplegic: bool,
    is_cat: bool,
    spinal_shock_warning: str,
) -> Localisation:
    """The region the limbs (and, in a dog, the trunci reflex) point to; None when the limbs
    say nothing (then the caller falls back on the trunci and scratch patterns)."""
    t, p = limbs.thoracic, limbs.pelvic
    out = Localisation()
    if is_cat and (t.motor is not Motor.NOT_TESTED or p.motor is not Motor.NOT_TESTED):
        out.basis.append("in a cat the trunci reflex takes no part in localisation; the limbs do")
    region: str | None = None
    if t.motor is Motor.LMN:
        region = _thoracic_lmn(t, p, ctr, horner_sides, out)
    elif t.motor is Motor.UMN:
        region = C1_C5 if p.motor is not Motor.LMN else MULTIFOCAL
        out.basis += [*t.reasons, *p.reasons]
        if region == MULTIFOCAL:
            out.basis.append("thoracic limbs UMN with pelvic limbs LMN: more than one lesion")
        out.cord = True
    elif p.motor is Motor.LMN:
        region = L4_S3
        out.basis += list(p.reasons)
        if t.motor is Motor.NORMAL:
            out.basis.append("thoracic limbs normal")
        for side in limbs.pseudo_hyperreflexia:
            out.basis.append(
                f"pseudo-hyperreflexia on the {side.value}: a brisk patellar reflex with a weak "
                "withdrawal means an L6-S1 segment, root or sciatic nerve lesion (L4-S3 or "
                "peripheral), not an upper motor neuron sign"
            )
        out.cord = True
    elif p.motor is Motor.UMN and t.motor is Motor.DEFICIT_ONLY:
        region = CERVICAL_EITHER
        out.basis += [
            *p.reasons,
            *t.reasons,
            "thoracic limbs affected but their reflexes not graded: C1-C5 or C6-T2",
        ]
        out.cord = True
    elif p.motor is Motor.UMN:
        region = T3_L3
        out.basis += list(p.reasons)
        out.basis.append(
            "thoracic limbs normal" if t.motor is Motor.NORMAL else "thoracic limbs not tested"
        )
        out.cord = True
    if region is None:
        return out
    out.region = region
    if not ctr.tl_cutoff:
        return out
    # The trunci cut-off beside the limbs (dogs only: ctr is empty in a cat).
    if region == T3_L3:
        out.basis.append(ctr.tl_cutoff)
    elif region == L4_S3:
        if ctr.migrating:
            out.region = T3_L3
            out.basis += [
                ctr.tl_cutoff,
                "reduced pelvic reflexes with a cut-off that climbs between exams: ascending-"
                "descending myelomalacia (a progressive myelomalacia marker), the compressive "
                "lesion stays T3-L3",
            ]
        elif paraplegic:
            out.region = T3_L3
            out.basis += [
                ctr.tl_cutoff,
                "T3-L3 with possible spinal shock, or L4-S3 with a diffuse lesion: pelvic "
                "reflexes can stay depressed for 12 h to about 6 days after an acute T3-L3 lesion",
            ]
            out.warnings.append(spinal_shock_warning)
        else:
            out.region = MULTIFOCAL
            out.basis += [
                ctr.tl_cutoff,
                "LMN pelvic limbs (L4-S3) and a thoracolumbar cut-off (T3-L3) without paraplegia "
                "to suggest spinal shock: more than one lesion",
            ]
    else:
        out.region = MULTIFOCAL
        out.basis += [ctr.tl_cutoff, f"limbs point to {region}, the trunci cut-off to T3-L3"]
    return out


def _thoracic_lmn(
    t: Pair, p: Pair, ctr: CtrFacts, horner_sides: set[Side | None], out: Localisation
) -> str:
    out.basis += list(t.reasons)
    if p.motor is Motor.LMN:
        out.basis += [*p.reasons, "LMN signs in thoracic and pelvic limbs: more than one lesion"]
        out.cord = True
        return MULTIFOCAL
    out.basis += list(p.reasons) or ["pelvic limbs not tested"]
    out.cord = p.motor is Motor.UMN
    confirm = []
    for side in t.lowered:
        if ctr.efferent_side is side:
            confirm.append(
                f"trunci reflex lost at every level on the {side.value} (efferent, C8-T1): "
                "confirms C6-T2"
            )
        if side in horner_sides:
            confirm.append(
                f"Horner's syndrome on the {side.value}: supports C6-T2 (weaker: it matched the "
                "MRI side in 54%, Murthy 2023)"
            )
    caveat = (
        "the thoracic limb withdrawal is an unreliable localiser for cervical lesions (Forterre "
        "2008: it over-called C6-T2 in 11 of 35 dogs)"
    )
    if confirm:
        out.basis += confirm
        return C6_T2
    if None in horner_sides:
        out.basis.append("Horner's syndrome recorded without a side: it cannot confirm C6-T2")
    out.basis.append(f"{caveat}; no trunci loss or Horner's syndrome on that side confirms it")
    return CERVICAL_EITHER


__all__ = [
    "C1_C5",
    "C6_T2",
    "CERVICAL",
    "CERVICAL_EITHER",
    "L4_S3",
    "MULTIFOCAL",
    "T3_L3",
    "CtrFacts",
    "Limbs",
    "Localisation",
    "Motor",
    "Pair",
    "analyse_limbs",
    "localise",
    "pelvic_reflexes_normal",
]
