"""Vertebral level arithmetic across T13 → L1 (neuroexam.core.levels)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuroexam.core import levels

ALL = [f"T{n}" for n in range(1, 14)] + [f"L{n}" for n in range(1, 8)]

level_names = st.sampled_from(ALL)


# ------------------------------------------------------------------ the level table


def test_levels_run_t1_to_l7_cranial_first() -> None:
    assert list(levels.LEVELS) == ALL
    assert len(levels.LEVELS) == 20
    assert levels.caudal_to_cranial() == list(reversed(ALL))
    assert levels.caudal_to_cranial()[0] == "L7"
    assert levels.caudal_to_cranial()[-1] == "T1"


# ------------------------------------------------------------------ normalize / is_level


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L2", "L2"),
        ("l2", "L2"),
        (" l 2 ", "L2"),
        ("t13", "T13"),
        ("T 1", "T1"),
        ("L07", "L7"),
        ("t01", "T1"),
        ("\tL5\n", "L5"),
    ],
)
def test_normalize_accepts_spellings(text: str, expected: str) -> None:
    assert levels.normalize(text) == expected
    assert levels.is_level(text)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "L8", "L0", "T0", "T14", "C7", "S1", "L", "2", "L2.5", "L-1", "LL2", "L2L", "T100"],
)
def test_normalize_rejects_non_levels(text: str) -> None:
    assert levels.normalize(text) is None
    assert not levels.is_level(text)


def test_normalize_none_is_none() -> None:
    assert levels.normalize(None) is None  # type: ignore[arg-type]


# ------------------------------------------------------------------ index


def test_index_ends_and_junction() -> None:
    assert levels.index("T1") == 0
    assert levels.index("T13") == 12
    assert levels.index("L1") == 13
    assert levels.index("L7") == 19
    assert levels.index(" l 3 ") == levels.index("L3") == 15


@pytest.mark.parametrize("bad", ["L8", "T0", "T14", "C6", "", "lumbar 2", "S1"])
def test_index_bad_input_raises_helpful_value_error(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        levels.index(bad)
    message = str(info.value)
    assert repr(bad) in message  # names what was given
    assert "T1" in message and "T13" in message and "L1" in message and "L7" in message


def test_shift_raises_on_bad_level_and_at_clamps_positions() -> None:
    with pytest.raises(ValueError, match="L9"):
        levels.shift("L9", 1)
    assert levels.at(-5) == "T1"
    assert levels.at(99) == "L7"


def test_distance_and_span_raise_on_bad_level() -> None:
    with pytest.raises(ValueError, match="X3"):
        levels.distance("X3", "L1")
    with pytest.raises(ValueError, match="L8"):
        levels.span("T13", "L8")
    with pytest.raises(ValueError, match="T20"):
        levels.is_cranial_to("T20", "L1")


# ------------------------------------------------------------------ shift


@pytest.mark.parametrize(
    ("level", "n", "expected"),
    [
        ("T13", 1, "L1"),  # across the thoracolumbar junction, caudally
        ("L1", -1, "T13"),  # and cranially
        ("L2", -4, "T11"),
        ("L2", -3, "T12"),
        ("L2", -2, "T13"),
        ("L3", -4, "T12"),
        ("T12", 3, "L2"),
        ("L5", 0, "L5"),
        ("l5", 0, "L5"),  # normalised on the way
        ("T3", -4, "T1"),  # clamped cranially
        ("T1", -1, "T1"),
        ("L6", 5, "L7"),  # clamped caudally
        ("L7", 1, "L7"),
        ("T1", 19, "L7"),
        ("L7", -19, "T1"),
        ("L7", -100, "T1"),
    ],
)
def test_shift(level: str, n: int, expected: str) -> None:
    assert levels.shift(level, n) == expected


# ------------------------------------------------------------------ distance / span / order


@pytest.mark.parametrize(
    ("cranial", "caudal", "expected"),
    [
        ("T13", "L1", 1),
        ("L1", "T13", -1),
        ("T11", "L2", 4),
        ("T1", "L7", 19),
        ("L4", "L4", 0),
        ("T12", "L3", 4),
    ],
)
def test_distance(cranial: str, caudal: str, expected: int) -> None:
    assert levels.distance(cranial, caudal) == expected


def test_span_across_junction() -> None:
    assert levels.span("T11", "L2") == ["T11", "T12", "T13", "L1", "L2"]
    assert levels.span("L4", "L4") == ["L4"]
    assert levels.span("T1", "L7") == ALL
    assert levels.span("l1", "t13") == []  # caudal before cranial: empty, not reversed


def test_is_cranial_to() -> None:
    assert levels.is_cranial_to("T13", "L1")
    assert not levels.is_cranial_to("L1", "T13")
    assert not levels.is_cranial_to("L4", "L4")


# ------------------------------------------------------------------ properties


@settings(max_examples=200, deadline=None)
@given(level=level_names, n=st.integers(min_value=-25, max_value=25))
def test_shift_round_trips_without_clamping(level: str, n: int) -> None:
    target = levels.index(level) + n
    moved = levels.shift(level, n)
    if 0 <= target <= 19:
        assert levels.shift(moved, -n) == level
        assert levels.distance(level, moved) == n
    else:
        assert moved == ("T1" if target < 0 else "L7")


@settings(max_examples=200, deadline=None)
@given(a=level_names, b=level_names, c=level_names)
def test_distance_consistency(a: str, b: str, c: str) -> None:
    assert levels.distance(a, b) == -levels.distance(b, a)
    assert levels.distance(a, a) == 0
    assert levels.distance(a, b) + levels.distance(b, c) == levels.distance(a, c)
    assert levels.shift(a, levels.distance(a, b)) == b
    assert levels.is_cranial_to(a, b) == (levels.distance(a, b) > 0)
    if levels.distance(a, b) >= 0:
        span = levels.span(a, b)
        assert len(span) == levels.distance(a, b) + 1
        assert span[0] == a and span[-1] == b
        assert all(levels.distance(x, y) == 1 for x, y in itertools.pairwise(span))
    else:
        assert levels.span(a, b) == []


@settings(max_examples=100, deadline=None)
@given(level=level_names, lower=st.booleans(), pad=st.sampled_from(["", " ", "  ", "\t"]))
def test_normalize_is_idempotent(level: str, lower: bool, pad: str) -> None:
    typed = pad + (level.lower() if lower else level) + pad
    assert levels.normalize(typed) == level
    assert levels.normalize(levels.normalize(typed) or "") == level
    assert levels.at(levels.index(typed)) == level
