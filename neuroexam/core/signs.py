"""Sided signs (FORMAT.md §1, version 2): ``id``, ``id:left`` or ``id:right``.

A bare id means "side not recorded". Signs are a set: order never matters, and the same id may
appear bare and with a side, or on both sides. Readers of version 1 see the id before the colon.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from neuroexam.core.vocab import Side


@dataclass(frozen=True)
class SignToken:
    """One recorded sign: its id and the side it was seen on (None: not recorded)."""

    id: str
    side: Side | None = None
    #: The side text when it was neither ``left`` nor ``right`` (kept for the warning).
    bad_side: str = ""

    @property
    def text(self) -> str:
        """The FORMAT.md spelling: ``id`` or ``id:side``."""
        return f"{self.id}:{self.side.value}" if self.side else self.id


def parse_sign(text: str) -> SignToken:
    """``"phantom_scratching:left"`` → SignToken("phantom_scratching", Side.LEFT).

    Case and spaces are ignored; a side other than left/right is kept in ``bad_side`` and the
    sign is read without a side.
    """
    sign, _, side = text.strip().lower().partition(":")
    sign, side = sign.strip(), side.strip()
    if not side:
        return SignToken(sign)
    try:
        return SignToken(sign, Side(side))
    except ValueError:
        return SignToken(sign, None, side)


def parse_signs(texts: Iterable[str]) -> list[SignToken]:
    """Every sign of an exam, duplicates dropped, in the order given."""
    return list(dict.fromkeys(parse_sign(t) for t in texts if t.strip()))


def sign_ids(texts: Iterable[str]) -> set[str]:
    """The sign ids, sides dropped."""
    return {token.id for token in parse_signs(texts)}


def sides_of(texts: Iterable[str], sign: str) -> set[Side | None]:
    """The sides ``sign`` was recorded with (None for a bare id); empty when not recorded."""
    return {t.side for t in parse_signs(texts) if t.id == sign}


def split_text(text: str) -> list[str]:
    """``"a;b:left"`` (``;`` or ``,`` separated) → ``["a", "b:left"]`` in FORMAT spelling."""
    tokens = parse_signs(text.replace(",", ";").split(";"))
    return [t.text for t in tokens]


__all__ = ["SignToken", "parse_sign", "parse_signs", "sides_of", "sign_ids", "split_text"]
