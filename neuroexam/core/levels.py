"""Thoracolumbar vertebral levels T1…T13, L1…L7 and arithmetic across T13 → L1."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

THORACIC = tuple(f"T{n}" for n in range(1, 14))
LUMBAR = tuple(f"L{n}" for n in range(1, 8))
#: Cranial to caudal: T1 is index 0, L7 is index 19.
LEVELS: tuple[str, ...] = THORACIC + LUMBAR
_INDEX = {name: i for i, name in enumerate(LEVELS)}
_PATTERN = re.compile(r"^\s*([TtLl])\s*(\d{1,2})\s*$")


def is_level(text: str) -> bool:
    """True when ``text`` names a level T1–T13 or L1–L7 (case-insensitive, spaces allowed)."""
    return normalize(text) is not None


@lru_cache(maxsize=1024)
def normalize(text: str) -> str | None:
    """Canonical spelling (``"l 2"`` → ``"L2"``), or None when it is not a level (memoised:
    a file or an exam asks for the same few spellings again and again)."""
    match = _PATTERN.match(text or "")
    if not match:
        return None
    name = f"{match.group(1).upper()}{int(match.group(2))}"
    return name if name in _INDEX else None


class _Positions(dict[str, int]):
    """Position by canonical level name; another spelling is normalised on the way (and not
    kept), anything else raises ValueError."""

    def __missing__(self, level: str) -> int:
        name = normalize(level)
        if name is None:
            raise ValueError(f"not a thoracolumbar level: {level!r} (expected T1–T13 or L1–L7)")
        return self[name]


#: ``index(level)``: position from T1 (0) to L7 (19); raises ValueError for anything else. A
#: dict lookup rather than a function: a canonical name (nearly every call, often as a sort
#: key) is found without running any Python code.
index: Callable[[str], int] = _Positions(_INDEX).__getitem__


def at(position: int) -> str:
    """The level at ``position``, clamped to T1…L7."""
    return LEVELS[max(0, min(len(LEVELS) - 1, position))]


def shift(level: str, vertebrae: int) -> str:
    """Move ``vertebrae`` levels caudally (positive) or cranially (negative), clamped to T1…L7."""
    return at(index(level) + vertebrae)


def distance(cranial: str, caudal: str) -> int:
    """How many vertebrae ``caudal`` lies caudal to ``cranial`` (negative if it is cranial)."""
    return index(caudal) - index(cranial)


def is_cranial_to(a: str, b: str) -> bool:
    """True when level ``a`` lies cranial to level ``b``."""
    return index(a) < index(b)


def span(cranial: str, caudal: str) -> list[str]:
    """All levels from ``cranial`` to ``caudal`` inclusive, cranial first."""
    return list(LEVELS[index(cranial) : index(caudal) + 1])


def caudal_to_cranial() -> list[str]:
    """The order a clinician tests the trunci reflex: L7 first, T1 last."""
    return list(reversed(LEVELS))
