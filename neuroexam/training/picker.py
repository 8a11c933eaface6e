"""Choose a training case: by id, by level, or at random (seedable)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

from neuroexam.training.cases import LEVELS_ORDER

if TYPE_CHECKING:
    from neuroexam.training.cases import Case


class PickError(ValueError):
    """No case fits; the message lists the valid values."""


def by_level(cases: Sequence[Case], level: str | None = None) -> list[Case]:
    """Cases of ``level`` (all cases when None), beginner first, then by id."""
    if level is not None and level not in LEVELS_ORDER:
        raise PickError(f"unknown level {level!r}; valid levels: {', '.join(LEVELS_ORDER)}")
    chosen = [c for c in cases if level is None or c.level == level]
    return sorted(chosen, key=lambda c: (LEVELS_ORDER.index(c.level), c.id))


def pick(
    cases: Sequence[Case],
    *,
    case_id: str | None = None,
    level: str | None = None,
    rng: random.Random | None = None,
) -> Case:
    """The case ``case_id``; else a random case of ``level`` (any level when None).

    The random choice is ``rng.choice`` over :func:`by_level`'s stable order, so one seed
    always picks the same case from the same bank.
    """
    if case_id is not None:
        for case in cases:
            if case.id == case_id:
                return case
        valid = ", ".join(sorted(c.id for c in cases)) or "(no cases)"
        raise PickError(f"unknown case {case_id!r}; valid ids: {valid}")
    pool = by_level(cases, level)
    if not pool:
        where = f"at level {level!r}" if level else "in the case bank"
        raise PickError(f"no case {where}")
    return (rng or random.Random()).choice(pool)


__all__ = ["PickError", "by_level", "pick"]
