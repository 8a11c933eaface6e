"""Plain-text rendering of assessments (no rich, no colour: markers carry the meaning)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from neuroexam.core.models import (
    Assessment,
    Exam,
    Flag,
    FollowUp,
    LesionWindow,
    SerialChange,
    Severity,
)

URGENCY_MARK = {"emergency": "!!!", "urgent": "!!", "routine": "!"}
#: How each follow-up test id reads (screens, reports and the readable ``assess``).
FOLLOW_UP_NAMES = {
    "mri": "MRI",
    "ct": "CT",
    "emg": "EMG",
    "radiographs": "radiographs",
    "skin_cytology": "skin cytology",
    "otoscopy": "otoscopy",
    "neurology_referral": "neurology referral",
    "same_day_exam": "same-day exam",
    "repeat_exam": "repeat exam",
}


#: How each flag reads in a list column (the full title is on the summary and in the detail
#: line under a list; the ids stay in the files).
FLAG_NAMES = {
    "ivdd": "IVDD",
    "progressive_myelomalacia": "PMM risk",
    "syringomyelia": "CM/SM",
    "nerve_damage": "Nerve damage",
    "dermatologic": "Skin",
    "orthopedic": "Orthopaedic",
    "seizure": "Seizures",
}


def flag_name(flag: Flag) -> str:
    """``!!! PMM risk``: the urgency mark and the flag's short title."""
    name = FLAG_NAMES.get(flag.id.value, flag.title)
    return f"{URGENCY_MARK[flag.urgency.value]} {name}"


def flag_summary(flag: Flag) -> str:
    """``!!! EMERGENCY Cut-off climbing … (moderate)``: urgency in words, title, strength."""
    word = flag.urgency.value
    shown = word if word == "routine" else word.upper()
    return f"{URGENCY_MARK[word]} {shown} {flag.title} ({flag.strength.value})"


def note_lines(exam: Exam) -> list[str]:
    """The exam note, then each finding's note (``trunci L1 left: …``), in step order."""
    lines = [f"Exam note: {exam.exam_note}"] if exam.exam_note.strip() else []
    for finding in exam.findings:
        if finding.note.strip():
            test = TEST_NAMES.get(finding.test.value, finding.test.value.replace("_", " "))
            lines.append(f"Note, {test} {finding.site} {finding.side.value}: {finding.note}")
    return lines


#: Test names in note lines.
TEST_NAMES = {"cutaneous_trunci": "trunci", "scratch": "scratch"}


def follow_up_text(item: FollowUp) -> str:
    """``MRI: thoracolumbar spine T10-L1``: the test's name, then its region when it has one."""
    name = FOLLOW_UP_NAMES.get(item.test.value, item.test.value.replace("_", " "))
    return f"{name}: {item.region}" if item.region else name


def flag_lines(flag: Flag, indent: str = "  ") -> list[str]:
    side = f", {flag.side.value}" if flag.side else ""
    lines = [
        f"{URGENCY_MARK[flag.urgency.value]} {flag.title} "
        f"[{flag.urgency.value.upper()}, {flag.strength.value}{side}]"
    ]
    lines += [f"{indent}- {reason}" for reason in flag.reasons]
    if flag.breed_context:
        lines.append(f"{indent}Breed: {flag.breed_context}")
    follow = "; ".join(
        f"{f.test.value.replace('_', ' ')}" + (f" ({f.region})" if f.region else "")
        for f in flag.follow_up
    )
    lines.append(f"{indent}Follow-up: {follow}")
    lines.append(f"{indent}References: {', '.join(flag.references)}")
    return lines


def cutoff_text(value: str | None) -> str:
    if value is None:
        return "not tested"
    return "no response at any tested level" if value == "none" else value


def lesion_window_text(w: LesionWindow) -> str:
    """``T11-L2 (most likely T13-L1)``: the window and its most likely span."""
    likely = "-".join(dict.fromkeys([w.most_likely[0], w.most_likely[-1]]))
    return f"{w.cranial}-{w.caudal} (most likely {likely})"


def severity_text(severity: Severity, labels: list[str] | None = None) -> str:
    """``MFS 3/6 (0 worst, 6 normal): non-ambulatory paraparesis``: always with its scale and
    direction (never mixed with the IVDD grade 1-5, 5 worst). ``labels``: the scale's labels
    (default: the shipped ``rules.toml`` ``[severity]``)."""
    if labels is None:
        from neuroexam.core.protocol import shipped

        labels = shipped().rules.severity.labels
    return (
        f"MFS {severity.score}/{severity.best} ({severity.worst} worst, {severity.best} normal): "
        f"{labels[severity.score]}"
    )


def mfs_change(serial: SerialChange, current: Severity | None) -> str | None:
    """``MFS 3 → 1`` across a serial comparison, or None when neither exam has a score."""
    now = current.score if current else None
    if serial.previous_mfs is None and now is None:
        return None
    shown = ["–" if v is None else str(v) for v in (serial.previous_mfs, now)]
    return f"MFS {shown[0]} → {shown[1]} (0 worst, 6 normal)"


def elapsed_text(hours: float) -> str:
    """``6.5 h``; exams minutes apart (0.0 at the engine's tenth of an hour) read
    ``under 6 min`` rather than ``0 h``."""
    return f"{hours:g} h" if hours > 0 else "under 6 min"


def serial_text(serial: SerialChange) -> str:
    """How far each side's cut-off moved since the previous exam, in words."""
    moved = ", ".join(
        f"{side} {'not compared' if m is None else f'{m:+d}'}"
        for side, m in serial.movement.items()
    )
    hours = f", {elapsed_text(serial.hours)} earlier" if serial.hours is not None else ""
    return (
        f"Since exam {serial.previous_exam_id}{hours}: cut-off moved "
        f"(vertebrae, + = cranially) {moved}"
    )


def assessment_lines(a: Assessment, notes: Sequence[str] = ()) -> list[str]:
    patient = f"patient {a.patient_id}" if a.patient_id else "no patient id"
    lines = [f"Exam {a.exam_id} ({patient}; breed: {a.breed or 'not given'})"]
    lines.append(
        f"  Trunci cut-off: left {cutoff_text(a.ctr_cutoff.left)}, "
        f"right {cutoff_text(a.ctr_cutoff.right)}"
    )
    if a.localization:
        lines.append(f"  Localisation: {a.localization}")
        lines += [f"    because: {reason}" for reason in a.localization_basis]
    if a.lesion_window:
        lines.append(f"  Suspected lesion window: {lesion_window_text(a.lesion_window)}")
    if a.severity:
        lines.append(f"  Severity: {severity_text(a.severity)}")
    if a.serial:
        lines.append(f"  {serial_text(a.serial)}")
        change = mfs_change(a.serial, a.severity)
        if change:
            lines.append(f"  {change}")
    lines.append(f"  {a.summary}")
    for flag in a.flags:
        lines += ["  " + line for line in flag_lines(flag)]
    lines += [f"  Warning: {w}" for w in a.warnings]
    if notes:  # the exam note and the finding notes (:func:`note_lines`), last
        lines.append("  Notes:")
        lines += [f"    {note}" for note in notes]
    return lines


def render_report(
    assessments: Iterable[Assessment],
    errors: Iterable[dict[str, Any]],
    disclaimer: str,
    skipped: Iterable[dict[str, Any]] = (),
    exams: Iterable[Exam] = (),
) -> str:
    """The readable ``assess`` report; ``skipped``: FORMAT.md §4 ``skipped`` entries;
    ``exams``: the assessed exams, whose notes end each exam's lines."""
    notes = {e.exam_id: note_lines(e) for e in exams}
    lines: list[str] = []
    for a in assessments:
        lines += [*assessment_lines(a, notes.get(a.exam_id, ())), ""]
    skipped = list(skipped)
    if skipped:
        lines.append("Not assessed on purpose:")
        lines += [f"  exam {s['exam_id']}: {s['reason']}" for s in skipped]
        lines.append("")
    errors = list(errors)
    if errors:
        lines.append("Errors (these exams were not assessed):")
        lines += [f"  line {e['row']}: exam {e['exam_id'] or '?'}: {e['message']}" for e in errors]
        lines.append("")
    lines.append(disclaimer)
    return "\n".join(lines)
