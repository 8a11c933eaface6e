"""The referral letter to a neurologist (``neuroexam report --format referral``): the case
summary, the findings that raised each flag, the serial course and what was already done.
"""

from __future__ import annotations

from collections.abc import Sequence

from neuroexam.core import levels
from neuroexam.core.models import SCRATCH_REGIONS, Exam, Side, TestId
from neuroexam.core.report import lesion_window_text
from neuroexam.reports.data import CoursePoint, ReportData
from neuroexam.reports.drawing import course_chart
from neuroexam.reports.pdf import course_table, finish, header
from neuroexam.reports.pdfkit import (
    BODY,
    BOLD,
    EMERGENCY,
    ITALIC_SMALL,
    SMALL,
    URGENCY_COLOUR,
    Sheet,
    Style,
)
from neuroexam.reports.words import (
    clean,
    ctr_phrase,
    date_text,
    finding_notes,
    flag_mark,
    flag_terms,
    follow_ups,
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

LETTER = Style(size=9.5, leading=12.5)
LETTER_BOLD = Style(BOLD, 9.5, 12.5)
CHART_H = 230.0


def render_referral(data: ReportData) -> bytes:
    """The letter as PDF bytes."""
    sheet = Sheet(data.page_size)
    header(sheet, data, "Referral to a veterinary neurologist")
    opening(sheet, data)
    case_summary(sheet, data)
    flag_findings(sheet, data)
    serial_course(sheet, data)
    what_was_done(sheet, data)
    closing(sheet, data)
    return finish(sheet, data, "Referral letter")


def opening(sheet: Sheet, data: ReportData) -> None:
    exam, a = data.exam, data.assessment
    sheet.space(4)
    sheet.text(f"Date: {date_text(data.generated_at)}", LETTER)
    sheet.text("To: the neurology service", LETTER)
    sheet.space(6)
    sheet.text(f"Re: {patient_name(exam)}, {signalment(exam, a.breed)}", LETTER_BOLD)
    if data.is_voided:
        why = f" ({data.voided.reason})" if data.voided and data.voided.reason else ""
        sheet.text(
            f"VOIDED: this exam record was voided{why}; it is sent for information only.",
            Style(BOLD, 9.5, 12.5, EMERGENCY),
        )
    sheet.space(6)
    sheet.text("Dear colleague,", LETTER)
    sheet.space(3)
    name = clean(exam.patient.name) or "this patient"
    if a.flags:
        top = a.flags[0]
        raised = (
            f"raised {len(a.flags)} pattern{'s' if len(a.flags) > 1 else ''}; the most urgent is "
            f"“{top.title}” ({top.urgency.value}, {top.strength.value})"
        )
    else:
        raised = "raised no pattern"
    sheet.text(
        f"I would be grateful if you could see {name}. {data.examiner} examined "
        f"{name} on {when_text(exam.exam_date)} with the scratch and cutaneous trunci "
        f"reflex exam, which {raised}. The findings, the course so far and what has been "
        "done are below.",
        LETTER,
    )


def case_summary(sheet: Sheet, data: ReportData) -> None:
    exam, a = data.exam, data.assessment
    sheet.heading("Case summary", after=40)
    signs = sign_texts(exam.signs, data.sign_labels)
    rows = [
        ("History and signs", "; ".join(signs) if signs else "none recorded at intake"),
        ("Trunci reflex", ctr_phrase(a)),
        ("Scratch reflex", scratch_phrase(exam).removeprefix("scratch ")),
    ]
    rows += [("Spinal exam", line) for line in other_findings(exam)]
    rows.append(("Localisation", a.localization or "none set"))
    if a.lesion_window:
        rows.append(("Lesion window", f"suspected {lesion_window_text(a.lesion_window)}"))
    if (severity := severity_text(a)) is not None:
        rows.append(("Severity", severity))
    if (serial := serial_phrase(a)) is not None:
        rows.append(("Serial", serial))
    rows.append(("Record", f"exam {clean(exam.exam_id)}, {status_text(exam)}"))
    basis = [clean(b) for b in getattr(a, "localization_basis", None) or []]
    for label, text in rows:
        sheet.text(f"{label}: {text}", BODY, indent=8)
        if label == "Localisation":  # why the lesion is placed there, with the caveats
            for reason in basis:
                sheet.text(reason, SMALL, indent=18, hanging="–")


def flag_findings(sheet: Sheet, data: ReportData) -> None:
    a = data.assessment
    if not a.flags:
        sheet.heading("Findings", after=20)
        sheet.text(a.summary, BODY, indent=8)
        return
    sheet.heading("Findings that raised each flag", after=50)
    for flag in a.flags:
        colour = URGENCY_COLOUR[flag.urgency.value]
        sheet.space(2)
        sheet.text(
            f"{flag_mark(flag)}  {flag.title} ({flag_terms(flag)})",
            Style(BOLD, 9, 11.5, colour),
            indent=8,
            keep=3,
        )
        for reason in flag.reasons:
            sheet.text(clean(reason), BODY, indent=18, hanging="•")
        if flag.breed_context:
            sheet.text(f"Breed: {clean(flag.breed_context)}", SMALL, indent=18)
        if flag.references:
            sheet.text(f"References: {'; '.join(flag.references)}", ITALIC_SMALL, indent=18)


def serial_course(sheet: Sheet, data: ReportData) -> None:
    points = data.course
    if not points:
        sheet.heading("Serial course", after=14)
        sheet.text(
            "This is the only dated exam of this patient in our records: no course yet.",
            BODY,
            indent=8,
        )
        return
    sheet.heading(f"Serial course ({len(points)} exams)", after=CHART_H)
    left, w = sheet.left, sheet.width
    normal, borderline = data.normal_cutoffs, data.borderline_cutoffs
    sheet.block(
        CHART_H,
        lambda c, top: course_chart(c, left, top, w, CHART_H, points, normal, borderline),
    )
    course_table(sheet, data, rows=12)


def what_was_done(sheet: Sheet, data: ReportData) -> None:
    exam = data.exam
    sheet.heading("What was done", after=30)
    for line in _exams_done(data.course or (), exam, data):
        sheet.text(line, BODY, indent=8, hanging="•")
    sheet.text(f"At this exam: {tested_text(exam)}", BODY, indent=8, hanging="•")
    if clean(exam.exam_note):
        sheet.text(f"Exam note: {clean(exam.exam_note)}", BODY, indent=8, hanging="•")
    for note in finding_notes(exam):
        sheet.text(f"Note: {note}", BODY, indent=8, hanging="•")
    for change in data.amendments:
        sheet.text(f"Amended after completion: {change.text()}", SMALL, indent=8, hanging="•")
    steps = follow_ups(data.assessment.flags)
    if data.needs_recheck:
        steps.append(f"repeat the trunci reflex test every {data.recheck_hours:g} h")
    if steps and not data.is_voided:
        sheet.heading("Follow-up the findings point to", after=20)
        sheet.text(
            "Suggested from the findings; not arranged unless a note above says so.",
            ITALIC_SMALL,
            indent=8,
        )
        for step in steps:
            sheet.text(step, BODY, indent=8, hanging="•")


def _exams_done(points: Sequence[CoursePoint], exam: Exam, data: ReportData) -> list[str]:
    if not points:
        return [f"Reflex exam on {when_text(exam.exam_date)} by {data.examiner}."]
    first, last = points[0].when, points[-1].when
    hours = (last - first).total_seconds() / 3600
    span = f"{hours:g} h" if hours < 72 else f"{hours / 24:.0f} days"
    return [f"{len(points)} reflex exams over {span}, the latest listed in the table above."]


def tested_text(exam: Exam) -> str:
    """``trunci reflex tested L7 to T11 on the left, L7 to T11 on the right; scratch reflex at
    ear, neck, shoulder, flank on both sides``."""
    parts = []
    ctr = []
    for side in Side:
        tested = [
            f.site for f in exam.findings_for(TestId.CUTANEOUS_TRUNCI, side) if f.grade.tested
        ]
        if tested:
            lo = min(tested, key=levels.index)
            hi = max(tested, key=levels.index)
            ctr.append(f"{hi} to {lo} on the {side.value}")
    parts.append("trunci reflex tested " + ", ".join(ctr) if ctr else "trunci reflex not tested")
    regions = {
        side: [
            r for r in SCRATCH_REGIONS if (g := exam.grade(TestId.SCRATCH, r, side)) and g.tested
        ]
        for side in Side
    }
    left, right = regions[Side.LEFT], regions[Side.RIGHT]
    if left and left == right:
        parts.append(f"scratch reflex at {', '.join(left)} on both sides")
    elif left or right:
        parts.append(
            "scratch reflex at "
            + "; ".join(f"{', '.join(r)} on the {s.value}" for s, r in regions.items() if r)
        )
    else:
        parts.append("scratch reflex not tested")
    if other_findings(exam):
        parts.append("limb reflexes, postural reactions or pain perception as listed above")
    return "; ".join(parts) + "."


def closing(sheet: Sheet, data: ReportData) -> None:
    sheet.space(8)
    sheet.need(70)
    sheet.text("Please contact us for the full records or images.", LETTER)
    sheet.space(6)
    sheet.text("Yours sincerely,", LETTER)
    sheet.space(26)
    sheet.text(data.examiner, LETTER_BOLD)
    clinic = data.clinic
    for line in (clinic.name, clinic.address, clinic.phone and f"Tel. {clinic.phone}"):
        if line:
            sheet.text(line, BODY)
