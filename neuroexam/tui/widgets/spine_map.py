"""The spine and body map: every trunci level and scratch region, left and right.

Drawn as the dog's back seen from above, cranial (T1) on the left, caudal (L7) on the right.
Meaning never rests on colour alone: grades are digits, abnormal results carry ``ABN``/``⚠``.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

from rich.text import Text
from textual.widgets import Static

from neuroexam.core import levels
from neuroexam.core.localize import NONE, CtrStatus, SideCtr, analyse_ctr
from neuroexam.core.models import SCRATCH_REGIONS, Exam, Grade, LesionWindow, Side, TestId
from neuroexam.core.protocol import CtrThresholds
from neuroexam.core.session import Step

CELL = 3
LABEL = 5
GRADE_STYLE = {
    Grade.ABSENT: "bold red",
    Grade.REDUCED: "yellow",
    Grade.PRESENT: "green",
    Grade.EXAGGERATED: "bold magenta",
    Grade.NOT_TESTED: "dim",
}
SCRATCH_TEXT = {
    Grade.ABSENT: "absent",
    Grade.REDUCED: "reduced",
    Grade.PRESENT: "present",
    Grade.EXAGGERATED: "EXAG ⚠",
    Grade.NOT_TESTED: "not tst",
}
LEGEND = "0 absent 1 reduced 2 present 3 exaggerated - not tested · not yet [ ] now"


def cutoff_label(side: SideCtr) -> str:
    """``L5 ok`` / ``L4 bord`` / ``L2 ABN`` / ``none ABN``: the cut-off, never colour alone."""
    if side.cutoff is None:
        return ""
    if side.cutoff == NONE:
        return "none ABN"
    mark = {
        CtrStatus.NORMAL: "ok",
        CtrStatus.BORDERLINE: "bord",
        CtrStatus.ABNORMAL: "ABN",
    }.get(side.status, "")
    return f"{side.cutoff} {mark}"


class MapOptions(TypedDict, total=False):
    """The keyword arguments of :func:`render_map` (and :meth:`SpineMap.show`)."""

    cursor: Step | None
    window: LesionWindow | None
    previous: dict[str, str | None] | None
    testing: set[Side] | None
    compact: bool


def render_map(
    exam: Exam,
    limits: CtrThresholds,
    cursor: Step | None = None,
    window: LesionWindow | None = None,
    previous: dict[str, str | None] | None = None,
    testing: set[Side] | None = None,
    compact: bool = False,
) -> Text:
    """The map as rich Text (used by the widget and by plain-text exports of a screen).

    ``compact`` draws 2-column level cells (about 56 columns wide, for two maps side by side).
    """
    ctr = analyse_ctr(exam, limits)
    out = Text()
    width, scratch_width = (2, 9) if compact else (CELL, 10)
    thoracic = " thoracic T1-T13 ".center(13 * width, "─")
    lumbar = " lumbar L1-L7 ".center(7 * width, "─")
    out.append("CTR".ljust(LABEL), style="bold")
    head = "cut-off (was)" if previous else "cut-off"
    out.append(thoracic + lumbar + head + "\n", style="dim")
    out.append("lvl".ljust(LABEL), style="dim")
    out.append("".join(name[1:].rjust(2).ljust(width) for name in levels.LEVELS) + "\n")
    for side in Side:
        out.append(side.value.ljust(LABEL), style="bold")
        for level in levels.LEVELS:
            grade = exam.grade(TestId.CUTANEOUS_TRUNCI, level, side)
            mark = "·" if grade is None else grade.marker
            here = cursor is not None and cursor.key == (TestId.CUTANEOUS_TRUNCI, level, side)
            cell = f" {mark}" if compact else f"[{mark}]" if here else f" {mark} "
            style = "reverse bold" if here else GRADE_STYLE.get(grade, "dim") if grade else "dim"
            out.append(cell, style=style)
        label = cutoff_label(ctr.side(side))
        if testing and side in testing and ctr.side(side).cutoff == NONE:
            label = "testing"
        if previous and previous.get(side.value):
            label = f"{label or '-'} ({previous[side.value]})"
        # Every cell ends with a space, so the label needs none before it (fits 78 columns).
        gap = " " if compact else ""  # compact cells do not end with a space
        out.append(gap + label + "\n", style="bold red" if "ABN" in label else "")
    if window is not None:
        start, end = levels.index(window.cranial), levels.index(window.caudal)
        likely = {levels.index(x) for x in window.most_likely}
        out.append("lesn".ljust(LABEL), style="bold")
        for i in range(len(levels.LEVELS)):
            if start <= i <= end:
                out.append(("▓" if i in likely else "░") * width, style="bold red")
            else:
                out.append(" " * width)
        out.append(f" {window.cranial}-{window.caudal}\n", style="bold red")
    out.append("\n")
    out.append("Scratch".ljust(LABEL + 3), style="bold")
    out.append("".join(r.ljust(scratch_width) for r in SCRATCH_REGIONS) + "\n")
    for side in Side:
        out.append(side.value.ljust(LABEL + 3), style="bold")
        for region in SCRATCH_REGIONS:
            grade = exam.grade(TestId.SCRATCH, region, side)
            text = "·" if grade is None else SCRATCH_TEXT[grade]
            here = cursor is not None and cursor.key == (TestId.SCRATCH, region, side)
            if here:
                text = f"[{text}]"
            style = "reverse bold" if here else GRADE_STYLE.get(grade, "dim") if grade else "dim"
            out.append(text.ljust(scratch_width)[:scratch_width], style=style)
        out.append("\n")
    out.append(LEGEND, style="dim")
    return out


class SpineMap(Static):
    """Renders :func:`render_map`; call :meth:`show` after every change."""

    DEFAULT_CSS = """
    SpineMap { height: auto; padding: 0; border: round $primary-darken-1; }
    """

    def show(self, exam: Exam, limits: CtrThresholds, **options: Unpack[MapOptions]) -> None:
        self.update(render_map(exam, limits, **options))
