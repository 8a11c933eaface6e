"""The SOAP note (``neuroexam report --format text``): four plain lines, ``S:``, ``O:``, ``A:``,
``P:``, that paste cleanly into any practice system (no markup, no line breaks inside a line).
"""

from __future__ import annotations

from neuroexam.core.report import lesion_window_text
from neuroexam.reports.data import ReportData
from neuroexam.reports.words import (
    clean,
    ctr_phrase,
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


def _sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def subjective(data: ReportData) -> str:
    exam, a = data.exam, data.assessment
    signs = sign_texts(exam.signs, data.sign_labels)
    history = f"History and signs: {'; '.join(signs)}" if signs else "No signs recorded at intake"
    return f"S: {patient_name(exam)}, {signalment(exam, a.breed).replace(' · ', ', ')}. " + (
        _sentence(history)
    )


def objective(data: ReportData) -> str:
    exam, a = data.exam, data.assessment
    parts: list[str] = []
    if data.is_voided:
        why = f" ({data.voided.reason})" if data.voided and data.voided.reason else ""
        parts.append(f"VOIDED record{why}, kept for the audit trail")
    parts.append(
        f"Reflex exam {clean(exam.exam_id)} on {when_text(exam.exam_date)}, examiner "
        f"{data.examiner}, {status_text(exam)}"
    )
    parts.append(f"{ctr_phrase(a)}; {scratch_phrase(exam)}")
    parts += other_findings(exam)
    if (serial := serial_phrase(a)) is not None:
        parts.append(serial[:1].upper() + serial[1:])
    if (severity := severity_text(a)) is not None:
        parts.append(f"Severity: {severity}")
    notes = finding_notes(exam)
    if notes:
        parts.append(f"Notes: {'; '.join(notes)}")
    if clean(exam.exam_note):
        parts.append(f"Exam note: {clean(exam.exam_note)}")
    if data.amendments:
        parts.append("Amended after completion: " + "; ".join(x.text() for x in data.amendments))
    return "O: " + " ".join(_sentence(p) for p in parts)


def assessment(data: ReportData) -> str:
    a = data.assessment
    parts: list[str] = []
    if a.flags:
        parts.append("; ".join(f"{flag_mark(f)} {f.title} ({flag_terms(f)})" for f in a.flags))
    else:
        parts.append(a.summary or "No pattern flagged")
    where = f"Localisation {a.localization or 'none set'}"
    if a.lesion_window:
        where += f", suspected lesion window {lesion_window_text(a.lesion_window)}"
    parts.append(where)
    parts += [f"Warning: {clean(w)}" for w in a.warnings]
    parts.append(clean(data.disclaimer))
    return "A: " + " ".join(_sentence(p) for p in parts)


def plan(data: ReportData) -> str:
    if data.is_voided:
        return "P: None from this record: it was voided."
    steps = follow_ups(data.assessment.flags)
    if data.needs_recheck:
        steps.append(
            f"repeat the trunci reflex test in {data.recheck_hours:g} h "
            "(a cut-off moving cranially needs the neurologist at once)"
        )
    if not steps:
        return "P: No follow-up suggested by the reflex findings."
    return "P: " + _sentence("; ".join(steps))


def soap_text(data: ReportData) -> str:
    """The note: four lines, each starting with its letter, ending with a newline."""
    return "\n".join([subjective(data), objective(data), assessment(data), plan(data)]) + "\n"
