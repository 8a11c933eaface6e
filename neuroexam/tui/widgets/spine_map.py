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
from neuroexam.core.vocab import PELVIC_LIMB, PERINEUM, SPINAL_TESTS, THORACIC_LIMB

CELL = 3
LABEL = 5
GRADE_STYLE = {
    Grade.ABSENT: "bold red",
    Grade.REDUCED: "yellow",
    Grade.PRESENT: "green",
    Grade.EXAGGERATED: "bold magenta",
    Grade.CLONUS: "bold magenta",
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
#: The spinal part's legend, two lines beside the limb block (postural "reduced" is delayed).
SPINAL_LEGEND = ("0 absent 1 reduced/delayed 2 present", "3 exaggerated 4 clonus - not tested")
#: The limbs beside the spine: (row label, site, side); LH/RH also carry that side's perineal.
LIMB_ROWS: tuple[tuple[str, str, Side], ...] = (
    ("LF", THORACIC_LIMB, Side.LEFT),
    ("RF", THORACIC_LIMB, Side.RIGHT),
    ("LH", PELVIC_LIMB, Side.LEFT),
    ("RH", PELVIC_LIMB, Side.RIGHT),
)
#: The limb block's columns: (header, test).
LIMB_COLUMNS: tuple[tuple[str, TestId], ...] = (
    ("patel", TestId.PATELLAR),
    ("withd", TestId.WITHDRAWAL),
    ("postu", TestId.POSTURAL),
    ("pain", TestId.NOCICEPTION),
    ("perin", TestId.PERINEAL),
)
LIMB_CELL = 6
SCRATCH_SHORT = 6


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
    out.append(thoracic + lumbar + "cut-off\n", style="dim")
    numbers = [name[1:] for name in levels.LEVELS]
    if compact:  # 2-column cells: the tens on a line of their own, so 10-13 never run together
        out.append(" " * LABEL)
        out.append("".join(n[:-1].rjust(2) for n in numbers) + "\n", style="dim")
        numbers = [n[-1] for n in numbers]
    out.append("lvl".ljust(LABEL), style="dim")
    out.append("".join(n.rjust(2).ljust(width) for n in numbers) + "\n")
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
        # Every cell ends with a space, so the label needs none before it (fits 74 columns).
        gap = " " if compact else ""  # compact cells do not end with a space
        out.append(gap + label + "\n", style="bold red" if "ABN" in label else "")
    was = _was_row(previous, width, gap=" " if compact else "")
    if was is not None:
        out.append_text(was)
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
    spinal = has_spinal_part(exam)
    if spinal and not compact:
        # The limbs beside the scratch rows (digits there, to leave room): same height.
        left = _scratch_rows(exam, cursor, SCRATCH_SHORT, short=True)
        left += [Text().append(line, style="dim") for line in SPINAL_LEGEND]
        width = LABEL + 3 + SCRATCH_SHORT * len(SCRATCH_REGIONS)  # 73 in all (summary: 74)
        rows = []
        for row_left, row_right in zip(left, _limb_rows(exam, cursor), strict=True):
            row_left.pad_right(width - row_left.cell_len)
            rows.append(Text.assemble(row_left, ("│", "dim"), row_right))
        return out.append_text(Text("\n").join(rows))
    if was is None:  # the "was" row takes the place of the gap: a re-exam's map is no taller
        out.append("\n")
    # a trunci-only re-check has no scratch steps (unless an imported finding says otherwise)
    trunci_only = exam.parts == "trunci" and not any(
        f.test is TestId.SCRATCH for f in exam.findings
    )
    for row in [] if trunci_only else _scratch_rows(exam, cursor, scratch_width):
        out.append_text(row)
        out.append("\n")
    if spinal:
        for row in _limb_rows(exam, cursor):
            out.append_text(row)
            out.append("\n")
        out.append("\n".join(SPINAL_LEGEND), style="dim")
        return out
    out.append(LEGEND, style="dim")
    return out


def was_label(previous: dict[str, str | None]) -> str:
    """The previous exam's cut-offs in at most 9 columns: ``L1`` when both sides agree, else
    ``L1/T13`` (left/right; ``-`` for a side without one)."""
    left, right = (previous.get(side.value) or "-" for side in Side)
    return left if left == right else f"{left}/{right}"


def _was_row(previous: dict[str, str | None] | None, width: int, gap: str) -> Text | None:
    """The previous exam's cut-offs under the side rows: ``^`` under each level that was a
    cut-off, the levels in the label column (``None`` when there is no earlier cut-off)."""
    if not previous or not any(previous.get(side.value) for side in Side):
        return None
    marks = {previous.get(side.value) for side in Side}
    row = Text().append("was".ljust(LABEL), style="bold")
    for level in levels.LEVELS:
        row.append((" ^" if level in marks else "").ljust(width), style="bold")
    return row.append(f"{gap}{was_label(previous)}\n", style="bold")


def has_spinal_part(exam: Exam) -> bool:
    """The exam offered the spinal part, or carries one of its findings (an import)."""
    return exam.parts == "spinal" or any(f.test in SPINAL_TESTS for f in exam.findings)


def _cell(exam: Exam, cursor: Step | None, key: tuple[TestId, str, Side], text: str) -> Text:
    """One grade cell: reversed at the cursor, else coloured by grade (the text carries it)."""
    grade = exam.grade(*key)
    here = cursor is not None and cursor.key == key
    if here:
        text = f"[{text}]"
    style = "reverse bold" if here else GRADE_STYLE.get(grade, "dim") if grade else "dim"
    return Text(text, style=style)


def _scratch_rows(exam: Exam, cursor: Step | None, width: int, short: bool = False) -> list[Text]:
    """The scratch header and one row per side; ``short`` cells hold the grade's digit."""
    head = Text().append("Scratch".ljust(LABEL + 3), style="bold")
    head.append("".join(r[: width - 1].ljust(width) for r in SCRATCH_REGIONS))
    rows = [head]
    for side in Side:
        row = Text().append(side.value.ljust(LABEL + 3), style="bold")
        for region in SCRATCH_REGIONS:
            key = (TestId.SCRATCH, region, side)
            grade = exam.grade(*key)
            if grade is None:
                text = "·"
            elif short:
                text = grade.marker + (" ⚠" if grade is Grade.EXAGGERATED else "")
            else:
                text = SCRATCH_TEXT[grade]
            cell = _cell(exam, cursor, key, text)
            cell.truncate(width, pad=True)
            row.append_text(cell)
        rows.append(row)
    return rows


def _limb_rows(exam: Exam, cursor: Step | None) -> list[Text]:
    """The spinal part's block: a header and one row per limb (LF RF LH RH), a column per
    test; the perineal reflex (per side) sits on the pelvic limb row of its side."""
    head = Text().append("Limb ", style="bold")
    head.append("".join(title.ljust(LIMB_CELL) for title, _ in LIMB_COLUMNS).rstrip())
    rows = [head]
    for label, site, side in LIMB_ROWS:
        row = Text().append(label.ljust(5), style="bold")
        for _, test in LIMB_COLUMNS:
            where = PERINEUM if test is TestId.PERINEAL else site
            offered = {
                TestId.PATELLAR: site == PELVIC_LIMB,
                TestId.PERINEAL: site == PELVIC_LIMB,
            }.get(test, True)
            if not offered:
                row.append(" " * LIMB_CELL)
                continue
            key = (test, where, side)
            grade = exam.grade(*key)
            cell = _cell(exam, cursor, key, "·" if grade is None else grade.marker)
            cell.pad_left(1 if cursor is not None and cursor.key == key else 2)
            cell.truncate(LIMB_CELL, pad=True)
            row.append_text(cell)
        row.rstrip()
        rows.append(row)
    return rows


class SpineMap(Static):
    """Renders :func:`render_map`; call :meth:`show` after every change."""

    DEFAULT_CSS = """
    SpineMap { height: auto; padding: 0; border: round $primary-darken-1; }
    """

    def show(self, exam: Exam, limits: CtrThresholds, **options: Unpack[MapOptions]) -> None:
        self.update(render_map(exam, limits, **options))
