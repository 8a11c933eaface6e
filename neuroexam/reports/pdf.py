"""The exam report: one A4 or Letter page for the medical record (FORMAT.md §6), and a second
page charting the serial course when the patient has earlier exams.

Page 1: the practice's header; the body map beside the signalment, exam, status and findings;
the flags with strength, urgency, reasons, follow-up and references; warnings, notes, the
amendments since completion and the sign-off. Every page: the disclaimer, and VOIDED across a
voided exam.
"""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

from neuroexam import __version__
from neuroexam.core.models import Flag
from neuroexam.core.report import lesion_window_text
from neuroexam.reports.data import CoursePoint, ReportData
from neuroexam.reports.drawing import body_map, course_chart, hatch
from neuroexam.reports.pdfkit import (
    BODY,
    BOLD,
    BOLD_BODY,
    EMERGENCY,
    GREY,
    INK,
    ITALIC_SMALL,
    LIGHT,
    REGULAR,
    SMALL,
    URGENCY_COLOUR,
    Sheet,
    Style,
    footer,
    new_canvas,
    put,
    watermark,
    width,
    wrap,
)
from neuroexam.reports.words import (
    FLAG_SHORT,
    URGENCY_MARK,
    clean,
    ctr_phrase,
    date_text,
    finding_notes,
    flag_mark,
    follow_up_text,
    movement_short,
    other_findings,
    patient_name,
    scratch_phrase,
    serial_phrase,
    severity_text,
    sign_texts,
    signalment,
    status_text,
    when_text,
)

LEGEND = (
    "Grades: 0 absent · 1 reduced · 2 present (normal) · 3 exaggerated",
    "– not tested · dot: not recorded · bold: not the normal response",
)
REASON = Style(size=7.8, leading=9.3)
MAP_W, MAP_H = 250.0, 262.0
GAP = 14.0


def render_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes."""
    sheet = Sheet(data.page_size)
    header(sheet, data, "Neurological reflex exam report")
    top_section(sheet, data)
    flags_section(sheet, data)
    closing_sections(sheet, data)
    if data.course:
        sheet.new_page()
        course_section(sheet, data)
    return finish(sheet, data, "Reflex exam report")


def finish(sheet: Sheet, data: ReportData, kind: str) -> bytes:
    """Draw the sheet with footer and watermark; the PDF bytes."""
    out = io.BytesIO()
    exam = data.exam
    c = new_canvas(
        out,
        data.page_size,
        title=f"{kind}: {patient_name(exam)}, exam {clean(exam.exam_id)}",
        author=data.clinic.name or data.examiner,
        subject=f"{kind}, {date_text(exam.exam_date)}",
    )
    size = sheet.size
    tag = f"exam {clean(exam.exam_id)} · NeuroExam {__version__}"

    def decorate(canvas: Canvas, page: int, total: int) -> None:
        footer(canvas, size, data.disclaimer, tag, page, total)
        if data.is_voided:
            watermark(canvas, size)

    sheet.render(c, decorate)
    c.save()
    return out.getvalue()


# ---------------------------------------------------------------- header


def header(sheet: Sheet, data: ReportData, title: str) -> None:
    """The practice (name, address, phone) left; what the document is, right."""
    clinic = data.clinic
    left, right = sheet.left, sheet.right
    printed = f"printed {when_text(data.generated_at)}"
    name = clinic.name or "NeuroExam"
    lines = [line for line in (clinic.address, clinic.phone and f"Tel. {clinic.phone}") if line]

    def op(c: Canvas, top: float) -> None:
        put(c, left, top - 13, name, BOLD, 13)
        y = top - 24
        for line in lines:
            for part in wrap(line, REGULAR, 8, (right - left) * 0.55):
                put(c, left, y, part, REGULAR, 8, colour=GREY)
                y -= 9.5
        put(c, right, top - 11, title, BOLD, 10.5, "right")
        what = "scratch and cutaneous trunci reflexes"
        put(c, right, top - 21, what, REGULAR, 7.5, "right", GREY)
        put(c, right, top - 30, printed, REGULAR, 7.5, "right", GREY)

    height = max(34.0, 26 + 9.5 * sum(len(wrap(x, REGULAR, 8, sheet.width * 0.55)) for x in lines))
    sheet.block(height, op)
    sheet.rule(colour=INK, gap=6)

    def continuation(s: Sheet) -> None:
        text = f"{patient_name(data.exam)} · exam {clean(data.exam.exam_id)} · {title} (cont.)"
        y = s.y - 8
        s.draw(lambda c: put(c, s.left, y, text, REGULAR, 7.5, colour=GREY))
        s.y -= 12
        s.rule()

    sheet.on_new_page = continuation


# ---------------------------------------------------------------- top: map and facts


def _facts(data: ReportData, limit: float) -> list[tuple[str, Style, float]]:
    """The right column, as wrapped lines: (text, style, space before)."""
    exam, a = data.exam, data.assessment
    out: list[tuple[str, Style, float]] = []

    def add(text: str, style: Style = BODY, before: float = 0.0, indent: str = "") -> None:
        for i, line in enumerate(wrap(text, style.font, style.size, limit)):
            out.append(((indent if i else "") + line, style, before if i == 0 else 0.0))

    add(clean(exam.patient.name) or "(no name)", Style(BOLD, 14, 16))
    add(f"Patient {clean(exam.patient.patient_id) or 'without id'}", BODY)
    add(signalment(exam, a.breed), BODY)
    add(f"Exam {clean(exam.exam_id)} · {when_text(exam.exam_date)}", BODY, 4)
    add(f"Examiner: {data.examiner}", BODY)
    status = status_text(exam)
    voided = Style(BOLD, 9.5, 12, EMERGENCY)
    add(f"Status: {status}", voided if data.is_voided else BOLD_BODY)
    if data.is_voided and data.voided is not None:
        v = data.voided
        add(f"Voided {when_text(v.at)}" + (f" by {v.by}" if v.by else ""), SMALL)
        if v.reason:
            add(f"Reason: {v.reason}", SMALL)
    signs = sign_texts(exam.signs, data.sign_labels)
    add("History and signs: " + ("; ".join(signs) if signs else "none recorded"), BODY, 4)

    headline = a.summary
    style = BOLD_BODY
    if data.is_voided:
        add("VOIDED record, kept for the audit trail: do not act on it.", voided, 6)
    if a.flags:
        top = a.flags[0]
        headline = f"{flag_mark(top)}: {a.summary}"
        style = Style(BOLD, 8.5, 10.5, URGENCY_COLOUR[top.urgency.value])
    add(headline, style, 6)

    add("Findings", Style(BOLD, 9.5, 12), 6)
    add(f"Trunci (CTR): {ctr_phrase(a)}", BODY)
    add(f"Scratch: {scratch_phrase(exam).removeprefix('scratch ')}", BODY)
    for line in other_findings(exam):
        add(line[:1].upper() + line[1:], BODY)
    add(f"Localisation: {a.localization or 'none set'}", BODY)
    if a.lesion_window:
        add(f"Suspected lesion window: {lesion_window_text(a.lesion_window)}", BOLD_BODY)
    severity = severity_text(a)
    if severity is not None:
        add(f"Severity: {severity}", BODY)
    elif hasattr(a, "severity"):
        add("Severity: no score for this exam", BODY)
    serial = serial_phrase(a)
    if serial is not None:
        more = " (course on page 2)" if data.course else ""
        add(f"Serial: {serial}{more}", BODY)
    return out


def top_section(sheet: Sheet, data: ReportData) -> None:
    """Body map on the left, the facts on the right."""
    exam, a = data.exam, data.assessment
    col_x = sheet.left + MAP_W + GAP
    col_w = sheet.right - col_x
    facts = _facts(data, col_w)
    legend_h = 8.5 * len(LEGEND) + (26 if a.lesion_window else 17)
    text_h = sum(style.leading + before for _, style, before in facts) + 4
    height = max(MAP_H + 8 + legend_h, text_h)
    left = sheet.left
    previous = data.previous_cutoffs()
    window = a.lesion_window

    def op(c: Canvas, top: float) -> None:
        body_map(c, left, top - 4, MAP_W, MAP_H, exam, a, previous)
        y = top
        for text, style, before in facts:
            y -= before + style.size
            put(c, col_x, y, text, style.font, style.size, colour=style.colour)
            y -= style.leading - style.size
        _legend(c, left, top - MAP_H - 8, window is not None)

    sheet.block(height, op)


def _legend(c: Canvas, x: float, top: float, window: bool) -> None:
    """How to read the body map, under it."""
    for n, line in enumerate(LEGEND):
        put(c, x, top - 7 - 8.5 * n, line, REGULAR, 6.8, colour=GREY)
    y = top - 7 - 8.5 * len(LEGEND)
    c.setStrokeColor(INK)
    c.setLineWidth(2)
    c.line(x, y + 2.3, x + 12, y + 2.3)
    put(c, x + 16, y, "cut-off: no trunci response caudal to the bar", REGULAR, 6.8, colour=GREY)
    if window:
        y -= 9
        hatch(c, x, y - 1, 12, 7)
        put(c, x + 16, y, "suspected lesion window", REGULAR, 6.8, colour=GREY)
        hatch(c, x + 110, y - 1, 12, 7, cross=True)
        put(c, x + 126, y, "most likely", REGULAR, 6.8, colour=GREY)


# ---------------------------------------------------------------- flags


def flags_section(sheet: Sheet, data: ReportData) -> None:
    a = data.assessment
    sheet.space(4)
    if not a.flags:
        sheet.heading("No flags", after=12)
        sheet.text(a.summary or "No pattern flagged.", BODY)
        return
    count = len(a.flags)
    sheet.heading(f"Flags ({count}, most urgent first)", after=40)
    for flag in a.flags:
        flag_block(sheet, flag)
    if data.needs_recheck:
        sheet.space(3)
        sheet.text(
            f"Re-check: repeat the trunci reflex test in {data.recheck_hours:g} h (a cut-off "
            "moving cranially: neurologist at once).",
            BOLD_BODY,
        )


def flag_block(sheet: Sheet, flag: Flag) -> None:
    colour = URGENCY_COLOUR[flag.urgency.value]
    sheet.need(48)
    sheet.space(2)
    title = Style(BOLD, 9.5, 12, colour)
    head = f"{flag_mark(flag)}   {flag.title}"
    side = f" · side: {flag.side.value}" if flag.side else ""
    terms = f"Strength: {flag.strength.value}{side}"
    room = sheet.width - width(head, title.font, title.size) - 12
    if width(terms, REGULAR, 8) <= room:  # the strength beside the title, right-aligned
        left, right = sheet.left, sheet.right

        def op(c: Canvas, top: float) -> None:
            put(c, left, top - title.size, head, title.font, title.size, colour=colour)
            put(c, right, top - title.size, terms, REGULAR, 8, "right")

        sheet.block(title.leading, op)
    else:
        sheet.text(head, title, keep=3)
        sheet.text(terms, SMALL, indent=10)
    for reason in flag.reasons:
        sheet.text(clean(reason), REASON, indent=10, hanging="•")
    if flag.follow_up:
        follow = "; ".join(follow_up_text(f) for f in flag.follow_up)
        sheet.text(f"Follow-up: {follow}", Style(BOLD, 8, 10), indent=10)
    if flag.references:
        sheet.text(f"References: {'; '.join(flag.references)}", ITALIC_SMALL, indent=10)


# ---------------------------------------------------------------- the rest of page 1


def closing_sections(sheet: Sheet, data: ReportData) -> None:
    exam, a = data.exam, data.assessment
    for warning in a.warnings:
        sheet.text(f"Warning: {clean(warning)}", SMALL)
    notes = [clean(exam.exam_note)] if clean(exam.exam_note) else []
    notes += finding_notes(exam)
    if notes:
        sheet.space(2)
        sheet.text("Notes: " + "; ".join(notes), BODY)
    if data.amendments:
        sheet.heading(f"Amendments since completion ({len(data.amendments)})", after=12)
        for change in data.amendments[:40]:
            sheet.text(change.text(), SMALL, indent=4, hanging="•")
        if len(data.amendments) > 40:
            sheet.text(f"… {len(data.amendments) - 40} more in the audit trail", SMALL, indent=4)
    elif data.has_trail and exam.status.value != "in_progress":
        sheet.space(3)
        sheet.text("Amendments since completion: none.", SMALL)
    signoff(sheet, data)


def signoff(sheet: Sheet, data: ReportData) -> None:
    """The examiner and the sign-off, or lines to sign by hand."""
    exam = data.exam
    signed_by = clean(getattr(exam, "signed_by", "") or "")
    left, right = sheet.left, sheet.right
    examiner = data.examiner

    def op(c: Canvas, top: float) -> None:
        c.setStrokeColor(LIGHT)
        c.setLineWidth(0.5)
        c.line(left, top - 2, right, top - 2)
        put(c, left, top - 14, f"Examiner: {examiner}", REGULAR, 8.5)
        if signed_by:
            at = getattr(exam, "signed_at", None)
            text = f"Signed by {signed_by}" + (f" at {when_text(at)}" if at else "")
            put(c, right, top - 14, text, BOLD, 8.5, "right")
        else:
            mid = left + (right - left) * 0.45
            put(c, mid, top - 14, "Signature", REGULAR, 8, colour=GREY)
            c.setStrokeColor(GREY)
            c.line(mid + 42, top - 15, right - 90, top - 15)
            put(c, right - 84, top - 14, "Date", REGULAR, 8, colour=GREY)
            c.line(right - 62, top - 15, right, top - 15)

    sheet.space(6)
    sheet.block(22, op)


# ---------------------------------------------------------------- page 2: the course


def course_section(sheet: Sheet, data: ReportData, chart_h: float = 330.0) -> None:
    points = data.course
    first, last = points[0].when, points[-1].when
    sheet.heading(
        f"Serial course: {patient_name(data.exam)}, {len(points)} exams, "
        f"{date_text(first)} to {date_text(last)}",
        after=chart_h,
    )
    sheet.text(
        "Each side's trunci cut-off per exam (this exam last, in bold), the severity score when "
        "it was scored, and the exams that raised a progressive myelomalacia (PMM) alert.",
        SMALL,
    )
    left, w = sheet.left, sheet.width
    normal, borderline = data.normal_cutoffs, data.borderline_cutoffs
    sheet.space(4)
    sheet.block(
        chart_h,
        lambda c, top: course_chart(c, left, top, w, chart_h, points, normal, borderline),
    )
    course_table(sheet, data)


COLUMNS: tuple[tuple[str, float], ...] = (
    ("date", 0.15),
    ("exam", 0.14),
    ("examiner", 0.15),
    ("left", 0.09),
    ("right", 0.09),
    ("moved", 0.09),
    ("severity", 0.08),
    ("flags", 0.21),
)


def course_table(sheet: Sheet, data: ReportData, rows: int = 20) -> None:
    """The exams of the course as a table, the newest ``rows`` of them."""
    points = list(data.course)
    shown = points[-rows:]
    sheet.space(6)
    widths = [sheet.width * f for _, f in COLUMNS]
    xs = [sheet.left + sum(widths[:i]) for i in range(len(widths))]
    head = ["Date", "Exam", "Examiner", "Cut-off L", "Cut-off R", "Moved", "Severity", "Flags"]
    sheet.text(
        "Moved: vertebrae since the exam before, per side (+ = cranially, worse). Flags: "
        "!!! emergency, !! urgent, ! routine.",
        ITALIC_SMALL,
    )
    sheet.space(3)
    _row(sheet, xs, widths, head, Style(BOLD, 7.5, 10))
    sheet.rule(gap=3)
    for p in shown:
        flags = ", ".join(
            f"{URGENCY_MARK[urgency]} {FLAG_SHORT.get(fid, fid)}" for urgency, fid in p.flags
        )
        cells = [
            p.when.strftime("%Y-%m-%d %H:%M"),
            p.exam_id,
            p.examiner or "-",
            _cut(p, "left"),
            _cut(p, "right"),
            movement_short(p.movement),
            p.severity_label or "-",
            flags or "none",
        ]
        style = Style(BOLD if p.current else REGULAR, 7, 9)
        _row(sheet, xs, widths, cells, style)
    if len(points) > len(shown):
        sheet.text(
            f"The {len(points) - len(shown)} earlier exams are on the chart and not listed.",
            ITALIC_SMALL,
        )


def _cut(p: CoursePoint, side: str) -> str:
    cut = p.cutoff.get(side)
    if cut is None:
        return "not tested"
    status = p.ctr_status.get(side, "")
    return f"{cut} {'ABN' if status in ('abnormal', 'absent') else status[:4]}".strip()


def _row(
    sheet: Sheet, xs: list[float], widths: list[float], cells: list[str], style: Style
) -> None:
    fitted = [_fit(text, style, w - 4) for text, w in zip(cells, widths, strict=True)]

    def op(c: Canvas, top: float) -> None:
        for x, text in zip(xs, fitted, strict=True):
            put(c, x, top - style.size, text, style.font, style.size, colour=style.colour)

    sheet.block(style.leading, op)


def _fit(text: str, style: Style, limit: float) -> str:
    """``text`` cut with an ellipsis to fit ``limit`` points."""
    if width(text, style.font, style.size) <= limit:
        return text
    while text and width(text + "…", style.font, style.size) > limit:
        text = text[:-1]
    return text + "…"
