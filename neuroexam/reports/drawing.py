"""The vector drawings of the reports: the body map (the dog seen from above, the vertebrae
T1–L7 with each side's trunci grades, cut-offs and the lesion window; the scratch regions on the
outline) and the serial-course chart (each side's cut-off and the severity score per exam).

Every mark is text or a shape, never colour alone: grades are digits, the lesion window is
hatched (cross-hatched where most likely), the sides differ by line style and marker shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color, white
from reportlab.pdfgen.canvas import Canvas

from neuroexam.core import levels
from neuroexam.core.models import SCRATCH_REGIONS, Assessment, Exam, Grade, Side, TestId
from neuroexam.reports.data import CoursePoint
from neuroexam.reports.pdfkit import (
    BOLD,
    EMERGENCY,
    FAINT,
    GREY,
    INK,
    LIGHT,
    REGULAR,
    URGENT,
    put,
    width,
)

HATCH = Color(0.45, 0.05, 0.05)
SCRATCH_WORD = {
    Grade.ABSENT: "absent",
    Grade.REDUCED: "reduced",
    Grade.EXAGGERATED: "EXAG",
    Grade.NOT_TESTED: "",
    Grade.PRESENT: "",
}
#: Nominal height of the body map; the drawing scales its vertical spacing to the box.
MAP_HEIGHT = 350.0


def hatch(
    c: Canvas,
    x: float,
    y: float,
    w: float,
    h: float,
    step: float = 3.2,
    cross: bool = False,
    colour: Color = HATCH,
) -> None:
    """Diagonal lines inside the rectangle (x, y bottom-left); both diagonals when ``cross``."""
    c.saveState()
    clip = c.beginPath()
    clip.rect(x, y, w, h)
    c.clipPath(clip, stroke=0, fill=0)
    c.setStrokeColor(colour)
    c.setLineWidth(0.55)
    span = w + h
    k = 0.0
    while k <= span:
        c.line(x + k, y, x + k - h, y + h)
        if cross:
            c.line(x + k - h, y, x + k, y + h)
        k += step
    c.restoreState()


def dots(c: Canvas, x: float, y: float, w: float, h: float, step: float = 3.0) -> None:
    """A dotted fill (the normal range on the course chart): rows of round-capped dashes,
    one line each, so the file stays small."""
    c.saveState()
    c.setStrokeColor(Color(0.5, 0.5, 0.5))
    c.setLineWidth(0.7)
    c.setLineCap(1)
    row = 0
    yy = y + step / 2
    while yy < y + h:
        c.setDash([0.01, step], step / 2 if row % 2 else 0)
        c.line(x + 1, yy, x + w - 1, yy)
        yy += step
        row += 1
    c.restoreState()


# ---------------------------------------------------------------- body map


@dataclass(frozen=True)
class _Label:
    want: float  # y the label points at (top-down, nominal units)
    lines: tuple[str, ...]
    bold: bool
    target: tuple[float, float]  # (u, v) the leader line ends at


def _spread(labels: list[_Label], line: float, low: float, high: float) -> list[float]:
    """Label tops close to what each wants, not overlapping (``line`` per text line), within
    [low, high]."""
    order = sorted(range(len(labels)), key=lambda i: labels[i].want)
    placed = [0.0] * len(labels)
    free = low
    for i in order:  # top-down, each below the previous one
        placed[i] = max(labels[i].want, free)
        free = placed[i] + line * len(labels[i].lines)
    limit = high
    for i in order[::-1]:  # then pull back from the bottom edge
        placed[i] = min(placed[i], limit - line * (len(labels[i].lines) - 1))
        limit = placed[i] - line
    return placed


def body_map(
    c: Canvas,
    x: float,
    top: float,
    w: float,
    h: float,
    exam: Exam,
    assessment: Assessment,
    previous: dict[str, str | None] | None = None,
) -> None:
    """The dog from above, head up (its left on the page's left), in the box (x, top, w, h)."""
    k = h / MAP_HEIGHT
    cx = w / 2

    def X(u: float) -> float:
        return x + u

    def Y(v: float) -> float:
        return top - v * k

    # Outline --------------------------------------------------------------------------
    c.setStrokeColor(GREY)
    c.setFillColor(Color(0.975, 0.975, 0.975))
    c.setLineWidth(0.9)
    for sign in (-1, 1):  # ears, limbs and the tail behind the body
        c.ellipse(X(cx + sign * 34), Y(26), X(cx + sign * 18), Y(56), stroke=1, fill=1)
        c.ellipse(X(cx + sign * 62), Y(90), X(cx + sign * 44), Y(128), stroke=1, fill=1)
        c.ellipse(X(cx + sign * 58), Y(282), X(cx + sign * 40), Y(324), stroke=1, fill=1)
    c.setLineWidth(2.2)
    c.line(X(cx), Y(318), X(cx + 6), Y(346))
    c.setLineWidth(0.9)
    body = c.beginPath()
    body.moveTo(X(cx - 15), Y(54))  # neck, left
    body.curveTo(X(cx - 17), Y(66), X(cx - 22), Y(74), X(cx - 44), Y(84))  # to the shoulder
    body.curveTo(X(cx - 52), Y(130), X(cx - 50), Y(200), X(cx - 42), Y(250))  # chest, flank
    body.curveTo(X(cx - 38), Y(270), X(cx - 48), Y(290), X(cx - 44), Y(306))  # hip
    body.curveTo(X(cx - 40), Y(322), X(cx - 20), Y(326), X(cx), Y(326))  # rump
    body.curveTo(X(cx + 20), Y(326), X(cx + 40), Y(322), X(cx + 44), Y(306))
    body.curveTo(X(cx + 48), Y(290), X(cx + 38), Y(270), X(cx + 42), Y(250))
    body.curveTo(X(cx + 50), Y(200), X(cx + 52), Y(130), X(cx + 44), Y(84))
    body.curveTo(X(cx + 22), Y(74), X(cx + 17), Y(66), X(cx + 15), Y(54))
    body.close()
    c.drawPath(body, stroke=1, fill=1)
    c.ellipse(X(cx - 20), Y(14), X(cx + 20), Y(60), stroke=1, fill=1)  # head
    c.ellipse(X(cx - 8), Y(0), X(cx + 8), Y(22), stroke=1, fill=1)  # muzzle
    c.setFillColor(GREY)
    c.circle(X(cx), Y(2), 2.2 * min(1.0, k), stroke=0, fill=1)  # nose

    # Spine ----------------------------------------------------------------------------
    first, step = 92.0, 11.0  # T1's top, one vertebra per step (nominal units)
    vert_w, mark_w, mark_off = 22.0, 12.0, 27.0

    def level_top(i: int) -> float:
        return first + i * step

    window = assessment.lesion_window
    if window is not None:
        a, b = levels.index(window.cranial), levels.index(window.caudal)
        y0, y1 = Y(level_top(b) + step - 1), Y(level_top(a) - 1)
        hatch(c, X(cx - 36), y0, 72, y1 - y0)
        likely = [levels.index(v) for v in window.most_likely]
        la, lb = min(likely), max(likely)
        y0, y1 = Y(level_top(lb) + step - 1), Y(level_top(la) - 1)
        hatch(c, X(cx - 36), y0, 72, y1 - y0, cross=True)
        c.setStrokeColor(HATCH)
        c.setLineWidth(0.8)
        wy0, wy1 = Y(level_top(b) + step - 1), Y(level_top(a) - 1)
        c.rect(X(cx - 36), wy0, 72, wy1 - wy0, stroke=1, fill=0)

    c.setLineWidth(0.6)
    for i, name in enumerate(levels.LEVELS):
        t = level_top(i)
        c.setStrokeColor(GREY)
        c.setFillColor(FAINT if name.startswith("T") else Color(0.88, 0.88, 0.88))
        c.rect(X(cx - vert_w / 2), Y(t + step - 2), vert_w, (step - 2) * k, stroke=1, fill=1)
        put(c, X(cx), Y(t + step - 3.2), name, REGULAR, min(6.0, 5.4 + k), "centre", INK)
        for side in Side:
            s = -1 if side is Side.LEFT else 1
            grade = exam.grade(TestId.CUTANEOUS_TRUNCI, name, side)
            mx = X(cx + s * mark_off - mark_w / 2)
            if grade is None:
                c.setFillColor(LIGHT)
                c.circle(X(cx + s * mark_off), Y(t + step / 2 - 1), 0.8, stroke=0, fill=1)
                continue
            c.setFillColor(white)
            c.setStrokeColor(GREY if grade.responds else INK)
            c.setLineWidth(0.5 if grade.responds else 0.9)
            c.rect(mx, Y(t + step - 1.5), mark_w, (step - 1) * k, stroke=1, fill=1)
            font = REGULAR if grade is Grade.PRESENT else BOLD
            put(c, X(cx + s * mark_off), Y(t + step - 3.4), grade.marker, font, 6.8, "centre")

    # Labels in the outer columns: scratch regions and cut-offs ----------------------------
    targets = {
        "ear": (26.0, 40.0),
        "neck": (17.0, 66.0),
        "shoulder": (46.0, 104.0),
        "flank": (46.0, 205.0),
        "belly": (33.0, 262.0),
    }
    for side in Side:
        s = -1 if side is Side.LEFT else 1
        labels: list[_Label] = []
        for region in SCRATCH_REGIONS:
            grade = exam.grade(TestId.SCRATCH, region, side)
            du, dv = targets[region]
            if grade is None:
                text, bold = f"{region} ·", False
            else:
                word = SCRATCH_WORD.get(grade, grade.value)
                text = f"{region} {grade.marker}" + (f" {word}" if word else "")
                bold = grade.tested and grade is not Grade.PRESENT
            labels.append(_Label(dv, (text,), bold, (cx + s * du, dv)))
        cut = assessment.ctr_cutoff.get(side)
        if cut is not None:
            status = assessment.ctr_status.get(side.value, "")
            mark = {"normal": "ok", "borderline": "bord", "abnormal": "ABN", "absent": "ABN"}
            lines = [f"cut-off {cut}", mark.get(status, "")]
            was = (previous or {}).get(side.value)
            if was and was != cut:
                lines[1] = f"{lines[1]}, was {was}".strip(", ")
            lines = [x for x in lines if x]
            if cut == "none":
                tested = [
                    levels.index(f.site)
                    for f in exam.findings_for(TestId.CUTANEOUS_TRUNCI, side)
                    if f.grade.tested
                ]
                i = min(tested) if tested else 0
                dv = level_top(i) - 1
            else:
                dv = level_top(levels.index(cut)) + step - 1
            target = (cx + s * (mark_off + 7), dv)
            labels.append(_Label(dv, tuple(lines), status != "normal", target))
            # the cut-off bar: everything caudal of it did not respond on this side
            c.setStrokeColor(INK)
            c.setLineWidth(2.0)
            c.line(X(cx + s * (mark_off - 8)), Y(dv), X(cx + s * (mark_off + 8)), Y(dv))
        line = 8.4 / k
        placed = _spread(labels, line, 4.0, MAP_HEIGHT - 8)
        edge = cx - 64 if s < 0 else cx + 64
        for label, at in zip(labels, placed, strict=True):
            tu, tv = label.target
            c.setStrokeColor(LIGHT if not label.bold else GREY)
            c.setLineWidth(0.5)
            c.line(X(edge - s * 2), Y(at) + 2.5, X(tu), Y(tv))
            c.setFillColor(INK)
            c.circle(X(tu), Y(tv), 1.1, stroke=0, fill=1)
            font = BOLD if label.bold else REGULAR
            align = "right" if s < 0 else "left"
            for n, text in enumerate(label.lines):
                put(c, X(edge - s * 4), Y(at + n * line), text, font, 7.0, align)

    put(c, X(2), Y(0) - 8, "LEFT", BOLD, 7.5, "left", GREY)
    put(c, X(w - 2), Y(0) - 8, "RIGHT", BOLD, 7.5, "right", GREY)
    put(c, X(cx), Y(MAP_HEIGHT) - 2, "seen from above, head up", REGULAR, 6.5, "centre", GREY)


# ---------------------------------------------------------------- course chart


def course_chart(
    c: Canvas,
    x: float,
    top: float,
    w: float,
    h: float,
    points: Sequence[CoursePoint],
    normal: Sequence[str],
    borderline: Sequence[str],
) -> None:
    """Cut-off level per side over the exams (cranial up: up is worse), then the severity score
    (0 worst up), exams evenly spaced in date order."""
    has_severity = any(p.severity is not None for p in points)
    sev_h = 62.0 if has_severity else 0.0
    left, right, head, foot = 40.0, 10.0, 26.0, 40.0
    pw = w - left - right
    ch = h - head - foot - (sev_h + 10 if has_severity else 0)
    px, ptop = x + left, top - head
    rows = len(levels.LEVELS) + 1  # "none" above T1
    rh = ch / rows
    n = len(points)
    col = pw / max(n, 1)

    def row_y(i: int) -> float:  # i = -1 (none) … 19 (L7): centre of its row
        return ptop - (i + 1 + 0.5) * rh

    def col_x(k: int) -> float:
        return px + (k + 0.5) * col

    # Normal and borderline ranges, grid, level names
    for names, step in ((normal, 2.6), (borderline, 4.0)):
        idx = [levels.index(v) for v in names]
        if idx:
            lo, hi = min(idx), max(idx)
            y0 = ptop - (hi + 2) * rh
            dots(c, px, y0, pw, (hi - lo + 1) * rh, step)
    c.setLineWidth(0.3)
    for i in range(-1, len(levels.LEVELS)):
        y = row_y(i)
        c.setStrokeColor(LIGHT)
        c.line(px, y, px + pw, y)
        name = "none" if i < 0 else levels.LEVELS[i]
        put(c, px - 4, y - 2.2, name, REGULAR, 6.2, "right", GREY)
    if normal:
        lo = min(levels.index(v) for v in normal)
        label_w = width("normal cut-off", REGULAR, 6) + 4
        c.setFillColor(white)
        c.rect(px + pw - 3 - label_w, row_y(lo) + 1, label_w, 8, stroke=0, fill=1)
        put(c, px + pw - 5, row_y(lo) + 2.5, "normal cut-off", REGULAR, 6, "right", GREY)
    c.setStrokeColor(GREY)
    c.setLineWidth(0.6)
    c.rect(px, ptop - ch, pw, ch, stroke=1, fill=0)

    # PMM alerts: a hatched column with its urgency mark
    free = px - 100.0  # where the next alert label may start
    for k, p in enumerate(points):
        if p.pmm:
            band = min(col * 0.8, 16)
            hatch(c, col_x(k) - band / 2, ptop - ch, band, ch, 5.0, colour=LIGHT)
            mark = "!!!" if p.pmm == "emergency" else "!!"
            colour = EMERGENCY if p.pmm == "emergency" else URGENT
            for text in (f"PMM {mark}", mark):  # the short mark where alerts crowd
                half = width(text, BOLD, 6.5) / 2
                if col_x(k) - half >= free:
                    put(c, col_x(k), ptop + 3, text, BOLD, 6.5, "centre", colour)
                    free = col_x(k) + half + 2
                    break

    # The two sides: left solid with filled circles, right dashed with open squares
    for side, dash in (("right", (3, 2)), ("left", ())):
        c.setStrokeColor(INK)
        c.setLineWidth(1.1)
        c.setDash(*dash) if dash else c.setDash()
        prev: tuple[float, float] | None = None
        for k, p in enumerate(points):
            pos = p.position(side)
            if pos is None:
                prev = None
                continue
            here = (col_x(k), row_y(pos))
            if prev is not None:
                c.line(prev[0], prev[1], here[0], here[1])
            prev = here
        c.setDash()
        for k, p in enumerate(points):
            pos = p.position(side)
            if pos is None:
                continue
            cx_, cy_ = col_x(k), row_y(pos)
            if side == "right":
                c.setFillColor(white)
                c.setLineWidth(0.9)
                c.rect(cx_ - 3.4, cy_ - 3.4, 6.8, 6.8, stroke=1, fill=1)
            else:
                c.setFillColor(INK)
                c.circle(cx_, cy_, 2.1, stroke=0, fill=1)

    # The levels beside the markers while there is room for them
    if n <= 16:
        for k, p in enumerate(points):
            left_cut, right_cut = p.cutoff.get("left"), p.cutoff.get("right")
            notes = (
                [("", left_cut, p.position("left"))]
                if left_cut == right_cut
                else [("L ", left_cut, p.position("left")), ("R ", right_cut, p.position("right"))]
            )
            for prefix, cut, pos in notes:
                if cut is None or pos is None:
                    continue
                font = BOLD if p.current else REGULAR
                put(c, col_x(k) + 6, row_y(pos) + 2.5, f"{prefix}{cut}", font, 6.5)

    # Exam labels under the chart
    label_every = max(1, round(n / max(1.0, pw / 34)))
    for k, p in enumerate(points):
        last = p.current or k == n - 1
        if not last and (k % label_every or (n - 1 - k) < label_every * 0.7):
            continue  # every few exams, and not crowding the last one
        font = BOLD if p.current else REGULAR
        text = p.when.strftime("%m-%d %H:%M") if n > 1 else p.when.strftime("%Y-%m-%d %H:%M")
        c.saveState()
        c.translate(col_x(k), ptop - ch - 5)
        c.rotate(35)
        put(c, 0, -7, text, font, 6, "right", INK if p.current else GREY)
        c.restoreState()
        c.setStrokeColor(GREY)
        c.setLineWidth(0.4)
        c.line(col_x(k), ptop - ch, col_x(k), ptop - ch - 3)
    start, end = points[0].when, points[-1].when
    span = f"{start.strftime('%Y-%m-%d')} to {end.strftime('%Y-%m-%d')}" if n > 1 else ""
    put(c, px, top - h + 2, f"exams in date order {span}", REGULAR, 6.2, "left", GREY)

    # Legend
    ly = top - 8
    c.setFillColor(INK)
    c.circle(x + left + 3, ly + 2.2, 2.1, stroke=0, fill=1)
    c.setLineWidth(1.1)
    c.setStrokeColor(INK)
    c.line(x + left + 8, ly + 2.2, x + left + 20, ly + 2.2)
    put(c, x + left + 23, ly, "left side", REGULAR, 7)
    lx = x + left + 70
    c.setFillColor(white)
    c.rect(lx, ly - 1.2, 6.8, 6.8, stroke=1, fill=1)
    c.setDash(3, 2)
    c.line(lx + 9, ly + 2.2, lx + 21, ly + 2.2)
    c.setDash()
    put(c, lx + 24, ly, "right side", REGULAR, 7)
    tail = "up = more cranial = worse; hatched column: PMM alert (progressive myelomalacia)"
    put(c, lx + 70, ly, tail, REGULAR, 6.5, "left", GREY)

    if has_severity:
        severity_chart(c, px, top - h + sev_h + 4, pw, sev_h - 14, points)


def severity_chart(
    c: Canvas, px: float, top: float, pw: float, h: float, points: Sequence[CoursePoint]
) -> None:
    """The severity score per exam (MFS 0 worst … 6 normal), 0 at the top like the cut-off."""
    n = len(points)
    col = pw / max(n, 1)
    c.setStrokeColor(GREY)
    c.setLineWidth(0.6)
    c.rect(px, top - h, pw, h, stroke=1, fill=0)

    def y_of(score: int) -> float:
        return top - (score + 0.5) * h / 7

    c.setLineWidth(0.3)
    for score in range(7):
        c.setStrokeColor(LIGHT)
        c.line(px, y_of(score), px + pw, y_of(score))
        put(c, px - 4, y_of(score) - 2, str(score), REGULAR, 6, "right", GREY)
    put(c, px - 28, top - h / 2 - 2, "MFS", BOLD, 6.5, "left", GREY)
    label = "severity score (MFS: 0 worst at top, 6 normal)"
    put(c, px + pw - 2, top + 2, label, REGULAR, 6.2, "right", GREY)
    prev = None
    c.setStrokeColor(INK)
    c.setLineWidth(1.0)
    for k, p in enumerate(points):
        if p.severity is None:
            prev = None
            continue
        here = (px + (k + 0.5) * col, y_of(p.severity))
        if prev is not None:
            c.line(prev[0], prev[1], here[0], here[1])
        prev = here
        c.setFillColor(INK)
        c.rect(here[0] - 2.2, here[1] - 2.2, 4.4, 4.4, stroke=0, fill=1)
        if n <= 24:
            put(c, here[0] + 3.5, here[1] + 2, str(p.severity), BOLD, 6, "left")


def text_width(text: str, size: float = 7.0, bold: bool = False) -> float:
    return width(text, BOLD if bold else REGULAR, size)
