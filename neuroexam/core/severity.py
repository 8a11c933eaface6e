"""The Modified Frankel Score (DOMAIN.md 4.3): 0 worst (paraplegia, no deep pain) … 6 normal.

Given for pelvic limb or back presentations only, never for tetraparesis; a paraplegic animal
whose nociception was not recorded gets no score (it lies between 0 and 2) and a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from neuroexam.core.vocab import PELVIC_LIMB, Grade, Side, TestId

SCALE = "modified_frankel"
#: ``Side`` in its order, as a tuple: iterating an enum class is slow.
_SIDES = tuple(Side)
WORST, BEST = 0, 6
TETRA_SIGNS = ("tetraparesis_ambulatory", "tetraparesis_non_ambulatory", "tetraplegia")
#: Signs that make an exam a pelvic limb or back presentation.
PRESENTATION_SIGNS = (
    "paraparesis_ambulatory",
    "paraparesis_non_ambulatory",
    "paraplegia",
    "deep_pain_absent",
    "superficial_pain_absent",
    "back_pain",
    "lumbosacral_pain",
)


@dataclass(frozen=True)
class Mfs:
    """The score (None when not defined or not yet known) and why."""

    score: int | None
    reason: str = ""
    #: Paraplegic with no nociception recorded: deep pain must be tested now.
    nociception_missing: bool = False


def deep_pain_absent(
    signs: AbstractSet[str], grades: dict[tuple[TestId, str, Side], Grade]
) -> bool:
    """Deep pain counts as absent only when absent in both pelvic limbs (or the sign says so)."""
    if "deep_pain_absent" in signs:
        return True
    return all(
        grades.get((TestId.NOCICEPTION, PELVIC_LIMB, side)) is Grade.ABSENT for side in _SIDES
    )


def nociception_recorded(
    signs: AbstractSet[str], grades: dict[tuple[TestId, str, Side], Grade]
) -> bool:
    """Enough nociception is recorded to score a paraplegic animal: deep pain present in a
    pelvic limb, absent in both, or a pain-loss sign. Absent on one side with the other not
    yet tested is not enough: the score would be 0 or 2 depending on the untested limb."""
    if {"deep_pain_absent", "superficial_pain_absent"} & signs:
        return True
    found = [grades.get((TestId.NOCICEPTION, PELVIC_LIMB, side)) for side in _SIDES]
    if any(g is not None and g.tested and g is not Grade.ABSENT for g in found):
        return True
    return all(g is Grade.ABSENT for g in found)


def modified_frankel(
    signs: Iterable[str],
    grades: dict[tuple[TestId, str, Side], Grade],
    presentation: bool,
) -> Mfs:
    """The MFS of an exam; ``presentation`` says whether it is a pelvic limb or back
    presentation by flag or localisation (the signs in :data:`PRESENTATION_SIGNS` make it one
    too)."""
    ids = set(signs)
    if not ids.isdisjoint(TETRA_SIGNS):
        return Mfs(None, "not defined for tetraparesis")
    if not presentation and ids.isdisjoint(PRESENTATION_SIGNS):
        return Mfs(None, "not a pelvic limb or back presentation")
    if deep_pain_absent(ids, grades):
        return Mfs(0, "paraplegia without deep nociception")
    if "superficial_pain_absent" in ids:
        return Mfs(1, "paraplegia without superficial nociception, deep pain present")
    if "paraplegia" in ids:
        if nociception_recorded(ids, grades):
            return Mfs(2, "paraplegia with nociception present")
        return Mfs(None, "paraplegia, nociception not recorded", nociception_missing=True)
    if "paraparesis_non_ambulatory" in ids:
        return Mfs(3, "non-ambulatory paraparesis")
    if "paraparesis_ambulatory" in ids:
        return Mfs(4, "ambulatory paraparesis and ataxia")
    if {"back_pain", "lumbosacral_pain"} & ids:
        return Mfs(5, "spinal hyperaesthesia only")
    return Mfs(6, "no gait deficit or spinal pain recorded")


def mfs_text(score: int, labels: list[str]) -> str:
    """``MFS 3/6 (0 worst, 6 normal): non-ambulatory paraparesis`` for screens and reports."""
    return f"MFS {score}/{BEST} ({WORST} worst, {BEST} normal): {labels[score]}"


def mfs_change_text(previous: int | None, current: int | None) -> str:
    """``MFS 3 → 1`` for serial exams ("–" for an exam without a score)."""

    def shown(value: int | None) -> str:
        return "–" if value is None else str(value)

    return f"MFS {shown(previous)} → {shown(current)}"


__all__ = [
    "BEST",
    "SCALE",
    "WORST",
    "Mfs",
    "deep_pain_absent",
    "mfs_change_text",
    "mfs_text",
    "modified_frankel",
    "nociception_recorded",
]
