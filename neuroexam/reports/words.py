"""The phrases every report shares: dates, status, signalment, findings, flags and severity.

Plain strings only (no PDF library): the SOAP text, the PDF and the letter print the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from neuroexam.core.models import SCRATCH_REGIONS, Assessment, Exam, Flag, FollowUp, Grade, Side
from neuroexam.core.report import elapsed_text, lesion_window_text
from neuroexam.core.report import follow_up_text as core_follow_up_text
from neuroexam.core.vocab import ExamStatus, TestId

#: The trunci cut-off's status (``Assessment.ctr_status``) as a text mark.
CUTOFF_MARK = {
    "normal": "normal",
    "borderline": "borderline",
    "abnormal": "ABNORMAL",
    "absent": "ABNORMAL",
}
SCALE_NAMES = {"modified_frankel": "Modified Frankel Score (MFS)"}
SCALE_SHORT = {"modified_frankel": "MFS"}
#: What each Modified Frankel grade means (DOMAIN.md 4.3), in short.
MFS_MEANING = {
    0: "paraplegia, no deep pain perception",
    1: "paraplegia, no superficial pain perception",
    2: "paraplegia, pain perception present",
    3: "non-ambulatory paraparesis",
    4: "ambulatory paraparesis and ataxia",
    5: "spinal pain only",
    6: "normal",
}
URGENCY_MARK = {"emergency": "!!!", "urgent": "!!", "routine": "!"}
#: Short flag names for tables and charts.
FLAG_SHORT = {
    "ivdd": "IVDD",
    "progressive_myelomalacia": "PMM",
    "syringomyelia": "CM/SM",
    "nerve_damage": "nerve",
    "dermatologic": "skin",
    "orthopedic": "orthopaedic",
    "seizure": "seizure",
}
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: object, *, one_line: bool = True) -> str:
    """User text made safe for paper and for pasting: control characters dropped, and (for
    ``one_line``) line breaks and runs of spaces folded into one space."""
    out = _UNPRINTABLE.sub("", str(text))
    if one_line:
        out = " ".join(out.split())
    return out.strip()


def when_text(moment: datetime | None) -> str:
    """``2026-03-01 09:00 UTC`` (the time as recorded, with its offset) or ``no date``."""
    if moment is None:
        return "no date"
    offset = moment.utcoffset()
    zone = "" if offset is None else " UTC" if not offset else moment.strftime(" UTC%z")
    if zone.startswith(" UTC") and len(zone) == 9:  # UTC+0100 -> UTC+01:00
        zone = f"{zone[:7]}:{zone[7:]}"
    return moment.strftime("%Y-%m-%d %H:%M") + zone


def date_text(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment is not None else "no date"


def status_text(exam: Exam) -> str:
    """FORMAT.md §6: ``in progress`` / ``complete`` / ``signed by … at …`` / ``VOIDED``."""
    if exam.status is ExamStatus.VOIDED:
        return "VOIDED"
    signed_by = clean(getattr(exam, "signed_by", "") or "")
    if signed_by:
        at = getattr(exam, "signed_at", None)
        return f"signed by {signed_by}" + (f" at {when_text(at)}" if at else "")
    if exam.status is ExamStatus.COMPLETE:
        return "complete"
    return "in progress"


def patient_name(exam: Exam) -> str:
    """``Oscar (P-7)``; the id alone, or ``patient without id``."""
    p = exam.patient
    name, pid = clean(p.name), clean(p.patient_id)
    if name and pid:
        return f"{name} ({pid})"
    return name or pid or "patient without id"


def signalment(exam: Exam, breed: str = "") -> str:
    """``dog · Dachshund · 5 y · MN · 8.1 kg`` (the canonical breed when it was matched)."""
    p = exam.patient
    shown = clean(breed or p.breed) or "breed not given"
    if p.breed and breed and clean(breed) != clean(p.breed):
        shown += f" (entered as {clean(p.breed)})"
    age = f"{p.age_years:g} y" if p.age_years is not None else "age not given"
    weight = f"{p.weight_kg:g} kg" if p.weight_kg is not None else "weight not given"
    sex = p.sex.value if p.sex.value != "unknown" else "sex not given"
    return " · ".join([p.species.value, shown, age, sex, weight])


def sign_texts(signs: Iterable[str], labels: dict[str, str]) -> list[str]:
    """Sign ids (``id`` or ``id:side``) as their checklist labels, ``Back pain (left)``."""
    out: list[str] = []
    for sign in signs:
        sign_id, _, side = clean(sign).partition(":")
        label = labels.get(sign_id, sign_id.replace("_", " "))
        out.append(f"{label} ({side})" if side else label)
    return out


def follow_up_text(item: FollowUp) -> str:
    """:func:`neuroexam.core.report.follow_up_text` with the region made printable."""
    return core_follow_up_text(item.model_copy(update={"region": clean(item.region)}))


def flag_mark(flag: Flag) -> str:
    """``!! URGENT`` / ``! routine``: the urgency, never colour alone."""
    word = flag.urgency.value
    return f"{URGENCY_MARK[word]} {word if word == 'routine' else word.upper()}"


def flag_terms(flag: Flag) -> str:
    """``strong, bilateral``."""
    return flag.strength.value + (f", {flag.side.value}" if flag.side else "")


def follow_ups(flags: Iterable[Flag]) -> list[str]:
    """Every flag's follow-up in flag order, each once."""
    return list(dict.fromkeys(follow_up_text(f) for flag in flags for f in flag.follow_up))


# ---------------------------------------------------------------- findings


def cutoff_mark(assessment: Assessment, side: Side) -> str:
    """``L1 ABNORMAL`` / ``L6 normal`` / ``none ABNORMAL`` / ``not tested``."""
    cut = assessment.ctr_cutoff.get(side)
    if cut is None:
        return "not tested"
    status = CUTOFF_MARK.get(assessment.ctr_status.get(side.value, ""), "")
    return f"{cut} {status}".strip()


def ctr_phrase(assessment: Assessment) -> str:
    """``CTR cut-off L1 both sides (abnormal)``; when the sides differ ``CTR cut-off left L1
    (abnormal), right L5 (normal)``."""
    parts: dict[str, str] = {}
    for side in Side:
        cut = assessment.ctr_cutoff.get(side)
        status = assessment.ctr_status.get(side.value, "")
        word = {"absent": "abnormal"}.get(status, status)
        if cut is None:
            parts[side.value] = "not tested"
        elif cut == "none":
            parts[side.value] = "no response at any tested level"
        else:
            parts[side.value] = cut + (f" ({word})" if word else "")
    left, right = parts["left"], parts["right"]
    if left == right:
        if left == "not tested":
            return "CTR not tested"
        if left.startswith("no response"):
            return f"CTR: {left} on both sides"
        level, _, rest = left.partition(" ")
        return f"CTR cut-off {level} both sides" + (f" {rest}" if rest else "")
    return f"CTR cut-off left {left}, right {right}"


def scratch_phrase(exam: Exam) -> str:
    """``scratch exaggerated neck/shoulder left``: the grades other than present, by side."""
    grades = {(f.site, f.side): f.grade for f in exam.findings if f.test is TestId.SCRATCH}
    tested = {key: g for key, g in grades.items() if g.tested}
    if not tested:
        return "scratch not tested"
    clauses: list[str] = []
    for grade in (Grade.EXAGGERATED, Grade.ABSENT, Grade.REDUCED):
        by_side = {
            side: [r for r in SCRATCH_REGIONS if tested.get((r, side)) is grade] for side in Side
        }
        left, right = by_side[Side.LEFT], by_side[Side.RIGHT]
        if left and left == right:
            clauses.append(f"scratch {grade.value} {'/'.join(left)} both sides")
            continue
        clauses += [
            f"scratch {grade.value} {'/'.join(regions)} {side.value}"
            for side, regions in by_side.items()
            if regions
        ]
    if not clauses:
        return f"scratch present at all {len(tested)} tested sites"
    return "; ".join(clauses)


def other_findings(exam: Exam) -> list[str]:
    """Findings of tests other than the two reflexes (the spinal exam), one phrase per site:
    ``patellar (pelvic limb): left reduced, right present``."""
    known = {TestId.CUTANEOUS_TRUNCI.value, TestId.SCRATCH.value}
    sites: dict[tuple[str, str], dict[str, str]] = {}
    for f in exam.findings:
        if f.test.value in known:
            continue
        key = (f.test.value, f.site)
        sites.setdefault(key, {})[f.side.value] = f.grade.value.replace("_", " ")
    out = []
    for (test, site), by_side in sites.items():
        sides = ", ".join(f"{s} {by_side[s]}" for s in ("left", "right") if s in by_side)
        out.append(f"{test.replace('_', ' ')} ({site.replace('_', ' ')}): {sides}")
    return out


def finding_notes(exam: Exam) -> list[str]:
    """``cutaneous trunci L1 left: weak twitch`` for each finding with a note."""
    return [
        f"{f.test.value.replace('_', ' ')} {f.site} {f.side.value}: {clean(f.note)}"
        for f in exam.findings
        if clean(f.note)
    ]


def where_text(assessment: Assessment) -> str:
    """``Localisation T3-L3 · suspected lesion window T10-L1 (most likely T11-T12)``."""
    text = f"Localisation {assessment.localization or 'none set'}"
    if assessment.lesion_window:
        text += f" · suspected lesion window {lesion_window_text(assessment.lesion_window)}"
    return text


def movement_short(movement: dict[str, int | None] | None) -> str:
    """``L +2 R +2`` (vertebrae, + = cranially), ``first`` without a comparison."""
    if not movement:
        return "first"

    def one(moved: int | None) -> str:
        return "?" if moved is None else f"{moved:+d}" if moved else "0"

    return f"L {one(movement.get('left'))} R {one(movement.get('right'))}"


def movement_text(movement: dict[str, int | None]) -> str:
    """``moved 1 vertebra cranially both sides`` / ``left 2 cranially, right not compared``."""

    def one(moved: int | None) -> str:
        if moved is None:
            return "not compared"
        if moved == 0:
            return "unchanged"
        way = "cranially" if moved > 0 else "caudally"
        n = abs(moved)
        return f"{n} vertebra{'e' if n > 1 else ''} {way}"

    left, right = one(movement.get("left")), one(movement.get("right"))
    if left == right:
        return f"{left} both sides" if left != "unchanged" else "unchanged both sides"
    return f"left {left}, right {right}"


def serial_phrase(assessment: Assessment) -> str | None:
    """``since exam E1 (24 h earlier) the cut-off moved 1 vertebra cranially both sides``."""
    serial = assessment.serial
    if serial is None:
        return None
    hours = f" ({elapsed_text(serial.hours)} earlier)" if serial.hours is not None else ""
    return (
        f"since exam {clean(serial.previous_exam_id)}{hours} the cut-off moved "
        f"{movement_text(serial.movement)}"
    )


# ---------------------------------------------------------------- severity


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def severity_score(assessment: Assessment) -> int | None:
    """The severity score (``Assessment.severity``, FORMAT.md §4 v2), when the engine gives one."""
    severity = getattr(assessment, "severity", None)
    score = _get(severity, "score") if severity is not None else None
    return score if isinstance(score, int) else None


def severity_text(assessment: Assessment) -> str | None:
    """``Modified Frankel Score (MFS) 3 of 0-6 (0 worst, 6 normal): non-ambulatory
    paraparesis``, with the change since the previous exam; None when there is no score."""
    severity = getattr(assessment, "severity", None)
    score = severity_score(assessment)
    if severity is None or score is None:
        return None
    scale = str(_get(severity, "scale") or "")
    worst, best = _get(severity, "worst"), _get(severity, "best")
    name = SCALE_NAMES.get(scale, scale.replace("_", " ") or "severity score")
    text = f"{name} {score}"
    if isinstance(worst, int) and isinstance(best, int):
        best_word = "normal" if scale == "modified_frankel" else "best"
        text += f" on {min(worst, best)}-{max(worst, best)} ({worst} worst, {best} {best_word})"
    if scale == "modified_frankel" and score in MFS_MEANING:
        text += f": {MFS_MEANING[score]}"
    serial = assessment.serial
    previous = _get(serial, "previous_mfs") if serial is not None else None
    if serial is not None and isinstance(previous, int):
        short = SCALE_SHORT.get(scale, "score")
        text += f"; {short} {previous} → {score} since exam {clean(serial.previous_exam_id)}"
    return text


def severity_short(assessment: Assessment) -> str:
    """``MFS 3`` or an empty text."""
    score = severity_score(assessment)
    if score is None:
        return ""
    scale = str(_get(getattr(assessment, "severity", None), "scale") or "")
    return f"{SCALE_SHORT.get(scale, 'severity')} {score}"
