"""Where the findings place a lesion: trunci cut-off per side, window, serial movement."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from neuroexam.core import levels
from neuroexam.core.models import Exam, FlagSide, Grade, LesionWindow, Side, TestId
from neuroexam.core.protocol import CtrThresholds

NONE = "none"


class CtrStatus(StrEnum):
    NORMAL = "normal"
    BORDERLINE = "borderline"
    ABNORMAL = "abnormal"
    ABSENT = "absent"
    NOT_TESTED = "not_tested"


class TlPattern(StrEnum):
    """Thoracolumbar cut-off pattern (docs/CLINICAL_RULES.md §2)."""

    BILATERAL = "bilateral"
    LATERALISED = "lateralised"
    NO_RESPONSE = "no_response"
    #: Version 2: one side abnormal (or no response), the other side not tested.
    OTHER_SIDE_UNTESTED = "other_side_untested"


@dataclass(frozen=True)
class SideCtr:
    """One side's trunci series."""

    side: Side
    #: A level, ``"none"`` or None (not tested).
    cutoff: str | None
    status: CtrStatus
    tested: tuple[str, ...]

    @property
    def most_cranial_tested(self) -> str | None:
        return min(self.tested, key=levels.index) if self.tested else None

    @property
    def position(self) -> int | None:
        """Index of the cut-off; ``"none"`` sits one level cranial to the most cranial tested."""
        if self.cutoff is None:
            return None
        if self.cutoff == NONE:
            return levels.index(self.most_cranial_tested or "T1") - 1
        return levels.index(self.cutoff)

    @property
    def at_or_cranial_to_borderline(self) -> bool:
        return self.status in (CtrStatus.BORDERLINE, CtrStatus.ABNORMAL)


def side_ctr(exam: Exam, side: Side, limits: CtrThresholds) -> SideCtr:
    """The cut-off and status of one side (docs/CLINICAL_RULES.md §1)."""
    return analyse_ctr(exam, limits).side(side)


def _side_ctr(
    side: Side, sites: list[str], responding: list[str], limits: CtrThresholds
) -> SideCtr:
    """The cut-off and status of one side (docs/CLINICAL_RULES.md §1) from its tested sites, in
    the exam's order, and those that respond: the cut-off is the most caudal of these (the
    first of equals, as ``max`` gives)."""
    if not sites:
        return SideCtr(side, None, CtrStatus.NOT_TESTED, ())
    cutoff = max(responding, key=levels.index, default=None)
    if cutoff is None:
        return SideCtr(side, NONE, CtrStatus.ABSENT, tuple(sites))
    if cutoff in limits.normal_cutoffs:
        status = CtrStatus.NORMAL
    elif cutoff in limits.borderline_cutoffs:
        status = CtrStatus.BORDERLINE
    else:
        status = _status_by_position(cutoff, limits)
    return SideCtr(side, cutoff, status, tuple(sites))


#: Bound once: in Python 3.11 looking a member up on its enum class is slow.
_TRUNCI, _NOT_TESTED = TestId.CUTANEOUS_TRUNCI, Grade.NOT_TESTED
#: The grades with a visible response (:attr:`Grade.responds`).
_RESPONDING = frozenset(g for g in Grade if g.responds)


def _status_by_position(cutoff: str, limits: CtrThresholds) -> CtrStatus:
    """Levels not listed: caudal to every normal level is normal, else abnormal."""
    normal_caudal = max(levels.index(x) for x in limits.normal_cutoffs)
    if levels.index(cutoff) > normal_caudal:
        return CtrStatus.NORMAL
    return CtrStatus.ABNORMAL


#: Bound once: in Python 3.11 looking a member up on its enum class is slow.
_NORMAL, _ABNORMAL, _ABSENT = CtrStatus.NORMAL, CtrStatus.ABNORMAL, CtrStatus.ABSENT


@dataclass(frozen=True)
class CtrAnalysis:
    left: SideCtr
    right: SideCtr

    def side(self, side: Side) -> SideCtr:
        return self.left if side is Side.LEFT else self.right

    @cached_property
    def sides(self) -> tuple[SideCtr, SideCtr]:
        return (self.left, self.right)

    @property
    def any_tested(self) -> bool:
        return self.left.cutoff is not None or self.right.cutoff is not None

    @cached_property
    def tl_pattern(self) -> TlPattern | None:
        a, b = self.left, self.right
        flagged = [s for s in self.sides if s.at_or_cranial_to_borderline]
        if a.status is CtrStatus.ABSENT and b.status is CtrStatus.ABSENT:
            return TlPattern.NO_RESPONSE
        if len(flagged) == 2:
            return TlPattern.BILATERAL
        if len(flagged) == 1:
            other = b if flagged[0] is a else a
            if other.status is CtrStatus.ABSENT:
                return TlPattern.BILATERAL
            if other.status is CtrStatus.NORMAL:
                return TlPattern.LATERALISED
        for s in self.sides:
            other = b if s is a else a
            if s.status in (CtrStatus.ABNORMAL, CtrStatus.ABSENT) and (
                other.status is CtrStatus.NOT_TESTED
            ):
                return TlPattern.OTHER_SIDE_UNTESTED
        return None

    @property
    def abnormal(self) -> bool:
        """An abnormal cut-off: L3 or cranial on a side, or no response on either side."""
        left, right = self.left.status, self.right.status
        if left is _ABSENT and right is _ABSENT:
            return True
        return left is _ABNORMAL or right is _ABNORMAL

    def tl_side(self, min_difference: int = 2) -> FlagSide | None:
        """Bilateral unless the cut-offs differ by ``min_difference`` levels or more, then the
        side with the more cranial cut-off (``"none"`` sits one level cranial to its most
        cranial tested level); the tested side when the other was not tested."""
        if self.tl_pattern is None:
            return None
        left, right = self.left.position, self.right.position
        if left is None or right is None:
            return FlagSide.LEFT if right is None else FlagSide.RIGHT
        if abs(left - right) < min_difference:
            return FlagSide.BILATERAL
        return FlagSide.LEFT if left < right else FlagSide.RIGHT

    @property
    def cranial_cutoff(self) -> str | None:
        """The more cranial of the two cut-off levels (``"none"`` ignored)."""
        cutoffs = [s.cutoff for s in self.sides if s.cutoff not in (None, NONE)]
        return min(cutoffs, key=levels.index) if cutoffs else None

    @property
    def efferent_side(self) -> Side | None:
        """The side with no response at any level while the other side is normal (§3)."""
        left, right = self.left, self.right
        if left.status is _ABSENT and right.status is _NORMAL:
            return left.side
        if right.status is _ABSENT and left.status is _NORMAL:
            return right.side
        return None


def analyse_ctr(exam: Exam, limits: CtrThresholds) -> CtrAnalysis:
    """Both sides' trunci series in one pass over the findings: per side, the tested sites in
    the exam's order and those that respond."""
    left: tuple[list[str], list[str]] = ([], [])
    right: tuple[list[str], list[str]] = ([], [])
    for f in exam.findings:
        if f.test is _TRUNCI and (grade := f.grade) is not _NOT_TESTED:
            sites, responding = left if f.side is Side.LEFT else right
            site = f.site
            sites.append(site)
            if grade in _RESPONDING:
                responding.append(site)
    return CtrAnalysis(_side_ctr(Side.LEFT, *left, limits), _side_ctr(Side.RIGHT, *right, limits))


def lesion_window(cutoff: str, limits: CtrThresholds) -> LesionWindow:
    """Suspected lesion window for an abnormal cut-off X: X−4 … X, most likely X−3 … X−2."""
    far, near = limits.most_likely_offsets
    likely = [levels.shift(cutoff, -far), levels.shift(cutoff, -near)]
    return LesionWindow(
        cranial=levels.shift(cutoff, -limits.window_cranial_offset),
        caudal=levels.shift(cutoff, -limits.window_caudal_offset),
        most_likely=list(dict.fromkeys(likely)),
    )


@dataclass(frozen=True)
class ExamWindow:
    """The exam's window and whether the two sides' windows failed to overlap."""

    window: LesionWindow | None
    apart: bool = False


def exam_window(ctr: CtrAnalysis, limits: CtrThresholds) -> ExamWindow:
    """DOMAIN.md 1.1: each abnormal side gives its own window X−4…X; with two, their
    intersection (most likely: the intersection of the X−3…X−2 ranges, else the central
    level(s) of the intersection); without overlap, the more cranial side's window."""
    abnormal = [
        s.cutoff
        for s in ctr.sides
        if s.status is CtrStatus.ABNORMAL and s.cutoff is not None and s.cutoff != NONE
    ]
    if not abnormal:
        return ExamWindow(None)
    windows = [lesion_window(cutoff, limits) for cutoff in abnormal]
    if len(windows) == 1 or abnormal[0] == abnormal[1]:
        return ExamWindow(windows[0])
    cranial = max((w.cranial for w in windows), key=levels.index)
    caudal = min((w.caudal for w in windows), key=levels.index)
    if levels.index(cranial) > levels.index(caudal):
        return ExamWindow(lesion_window(min(abnormal, key=levels.index), limits), apart=True)
    first, second = (set(levels.span(w.most_likely[0], w.most_likely[-1])) for w in windows)
    common = [lv for lv in levels.span(cranial, caudal) if lv in first and lv in second]
    if not common:
        span = levels.span(cranial, caudal)
        middle = (len(span) - 1) / 2
        common = [level for i, level in enumerate(span) if abs(i - middle) < 1]
    return ExamWindow(
        LesionWindow(cranial=cranial, caudal=caudal, most_likely=[common[0], common[-1]])
        if len(common) > 1
        else LesionWindow(cranial=cranial, caudal=caudal, most_likely=common)
    )


def movement(previous: CtrAnalysis, current: CtrAnalysis) -> dict[str, int | None]:
    """Vertebrae moved per side since ``previous``; positive = cranially."""
    moved: dict[str, int | None] = {}
    for side in (Side.LEFT, Side.RIGHT):
        before, now = previous.side(side).position, current.side(side).position
        moved[side.value] = None if before is None or now is None else before - now
    return moved
