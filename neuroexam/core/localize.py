"""Where the findings place a lesion: trunci cut-off per side, window, serial movement."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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
    tested = [
        f
        for f in exam.findings_for(TestId.CUTANEOUS_TRUNCI, side)
        if f.grade is not Grade.NOT_TESTED
    ]
    if not tested:
        return SideCtr(side, None, CtrStatus.NOT_TESTED, ())
    responding = [f.site for f in tested if f.grade.responds]
    sites = tuple(f.site for f in tested)
    if not responding:
        return SideCtr(side, NONE, CtrStatus.ABSENT, sites)
    cutoff = max(responding, key=levels.index)
    if cutoff in limits.normal_cutoffs:
        status = CtrStatus.NORMAL
    elif cutoff in limits.borderline_cutoffs:
        status = CtrStatus.BORDERLINE
    else:
        status = _status_by_position(cutoff, limits)
    return SideCtr(side, cutoff, status, sites)


def _status_by_position(cutoff: str, limits: CtrThresholds) -> CtrStatus:
    """Levels not listed: caudal to every normal level is normal, else abnormal."""
    normal_caudal = max(levels.index(x) for x in limits.normal_cutoffs)
    if levels.index(cutoff) > normal_caudal:
        return CtrStatus.NORMAL
    return CtrStatus.ABNORMAL


@dataclass(frozen=True)
class CtrAnalysis:
    left: SideCtr
    right: SideCtr

    def side(self, side: Side) -> SideCtr:
        return self.left if side is Side.LEFT else self.right

    @property
    def sides(self) -> tuple[SideCtr, SideCtr]:
        return (self.left, self.right)

    @property
    def any_tested(self) -> bool:
        return any(s.cutoff is not None for s in self.sides)

    @property
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
        return None

    @property
    def tl_side(self) -> FlagSide | None:
        """Bilateral when the cut-offs match, else the side with the more cranial cut-off."""
        if self.tl_pattern is None:
            return None
        left, right = _cranial_rank(self.left), _cranial_rank(self.right)
        if left is None or right is None or left == right:
            return FlagSide.BILATERAL if left == right else None
        return FlagSide.LEFT if left < right else FlagSide.RIGHT

    @property
    def cranial_cutoff(self) -> str | None:
        """The more cranial of the two cut-off levels (``"none"`` ignored)."""
        cutoffs = [s.cutoff for s in self.sides if s.cutoff not in (None, NONE)]
        return min(cutoffs, key=levels.index) if cutoffs else None

    @property
    def efferent_side(self) -> Side | None:
        """The side with no response at any level while the other side is normal (§3)."""
        for s in self.sides:
            other = self.right if s is self.left else self.left
            if s.status is CtrStatus.ABSENT and other.status is CtrStatus.NORMAL:
                return s.side
        return None


def _cranial_rank(side: SideCtr) -> int | None:
    """Order for lateralising: ``"none"`` is more cranial than any level (§2)."""
    if side.cutoff is None:
        return None
    return -1 if side.cutoff == NONE else levels.index(side.cutoff)


def analyse_ctr(exam: Exam, limits: CtrThresholds) -> CtrAnalysis:
    return CtrAnalysis(side_ctr(exam, Side.LEFT, limits), side_ctr(exam, Side.RIGHT, limits))


def lesion_window(cutoff: str, limits: CtrThresholds) -> LesionWindow:
    """Suspected lesion window for an abnormal cut-off X: X−4 … X, most likely X−3 … X−2."""
    far, near = limits.most_likely_offsets
    likely = [levels.shift(cutoff, -far), levels.shift(cutoff, -near)]
    return LesionWindow(
        cranial=levels.shift(cutoff, -limits.window_cranial_offset),
        caudal=levels.shift(cutoff, -limits.window_caudal_offset),
        most_likely=list(dict.fromkeys(likely)),
    )


def movement(previous: CtrAnalysis, current: CtrAnalysis) -> dict[str, int | None]:
    """Vertebrae moved per side since ``previous``; positive = cranially."""
    moved: dict[str, int | None] = {}
    for side in Side:
        before, now = previous.side(side).position, current.side(side).position
        moved[side.value] = None if before is None or now is None else before - now
    return moved
