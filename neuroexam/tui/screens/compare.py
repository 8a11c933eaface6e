"""Compare two exams of a patient: both spine maps, cut-off movement, flags that changed.

Both exams are evaluated with the patient's exams, exactly as their summaries are, so the
newer exam's flags include the serial comparison (a progressive-myelomalacia flag shows as
"appeared"). Every meaning is in words (``worse``, ``better``); colour only helps.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Footer, Header, Static

from neuroexam.core.localize import NONE, SideCtr, analyse_ctr, movement
from neuroexam.core.models import Assessment, Exam, Flag, Side
from neuroexam.core.report import FLAG_NAMES, URGENCY_MARK
from neuroexam.core.severity import mfs_change_text
from neuroexam.core.text import safe_text
from neuroexam.tui.screens.patients import status_text
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.exam_table import cutoffs_cell, when_text
from neuroexam.tui.widgets.spine_map import SpineMap

#: From this width the two exams stand side by side (compact maps), below it they stack.
WIDE = 120


def hours_between(older: Exam, newer: Exam) -> float | None:
    if older.exam_date is None or newer.exam_date is None:
        return None
    return round((newer.exam_date - older.exam_date).total_seconds() / 3600, 1)


def hours_text(hours: float | None) -> str:
    """``6.0 h apart``; days added from two days on; says so when a date is missing."""
    if hours is None:
        return "time between them unknown (an exam has no date)"
    if hours >= 48:
        return f"{hours:.1f} h apart ({hours / 24:.1f} days)"
    return f"{hours:.1f} h apart"


def cutoff_name(side: SideCtr) -> str:
    if side.cutoff is None:
        return "not tested"
    if side.cutoff == NONE:
        return f"no twitch up to {side.most_cranial_tested}"
    return side.cutoff


def movement_line(before: SideCtr, now: SideCtr, moved: int | None) -> str:
    """``left: 2 vertebrae cranially (L1 → T12) — worse`` (positive = cranially = worse)."""
    side = before.side.value
    if moved is None:
        where = (
            "either exam"
            if before.cutoff is None and now.cutoff is None
            else "the earlier exam"
            if before.cutoff is None
            else "the later exam"
        )
        return f"{side}: not compared (not tested in {where})"
    path = f"({cutoff_name(before)} → {cutoff_name(now)})"
    if before.cutoff == NONE and now.cutoff == NONE:
        return f"{side}: no response at any tested level in either exam {path}"
    if moved == 0:
        return f"{side}: no movement {path}"
    at_least = "at least " if NONE in (before.cutoff, now.cutoff) else ""
    unit = "vertebra" if abs(moved) == 1 else "vertebrae"
    if moved > 0:
        return f"{side}: {at_least}{moved} {unit} cranially {path} — worse"
    return f"{side}: {at_least}{-moved} {unit} caudally {path} — better"


def mfs_compare_line(before: Assessment, now: Assessment) -> str | None:
    """``MFS 3 → 1 (0 worst, 6 normal) — worse``, or None when neither exam has a score."""
    old = before.severity.score if before.severity else None
    new = now.severity.score if now.severity else None
    if old is None and new is None:
        return None
    line = f"{mfs_change_text(old, new)} (0 worst, 6 normal)"
    if old is not None and new is not None:
        line += " — worse" if new < old else " — better" if new > old else " — unchanged"
    return line


def _flag_text(flag: Flag) -> str:
    """``PMM risk (moderate, !!! emergency)``: the flag's short title, strength, urgency."""
    urgency = flag.urgency.value
    name = FLAG_NAMES.get(flag.id.value, flag.title)
    return f"{name} ({flag.strength.value}, {URGENCY_MARK[urgency]} {urgency})"


def flag_changes(before: Assessment, now: Assessment) -> list[str]:
    """``appeared: …`` / ``resolved: …`` / ``persisted: …`` lines (``none`` when empty)."""
    old = {f.id: f for f in before.flags}
    new = {f.id: f for f in now.flags}
    appeared = [_flag_text(f) for f in now.flags if f.id not in old]
    resolved = [_flag_text(f) for f in before.flags if f.id not in new]
    persisted = []
    for flag in now.flags:
        if flag.id in old:
            was, rank = old[flag.id].strength, flag.strength.rank - old[flag.id].strength.rank
            change = "unchanged" if rank == 0 else "stronger" if rank > 0 else "weaker"
            name = FLAG_NAMES.get(flag.id.value, flag.title)
            persisted.append(f"{name} {was.value} → {flag.strength.value} ({change})")
    return [
        f"appeared:  {'; '.join(appeared) or 'none'}",
        f"resolved:  {'; '.join(resolved) or 'none'}",
        f"persisted: {'; '.join(persisted) or 'none'}",
    ]


class CompareScreen(NeuroScreen[None]):
    """Two exams of one patient, older first; read only."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    DEFAULT_CSS = """
    CompareScreen #compare { padding: 0 1; }
    CompareScreen .section { margin-top: 1; text-style: bold; }
    CompareScreen #movement.worse, CompareScreen #mfs-change.worse { color: $error; }
    CompareScreen #compare-maps { height: auto; layout: vertical; margin-top: 1; }
    CompareScreen.-wide #compare-maps { layout: horizontal; }
    CompareScreen .compare-side { height: auto; width: 1fr; }
    CompareScreen.-narrow #side-later { margin-top: 1; }
    CompareScreen.-wide #side-earlier { margin-right: 1; }
    CompareScreen .side-head { text-style: bold; }
    """

    BINDINGS = [
        Binding("h", "home", "Home", id="compare.home"),
        Binding("escape", "back", "Back", id="compare.back"),
    ]

    def __init__(self, older_exam_id: str, newer_exam_id: str) -> None:
        super().__init__()
        self.exam_ids = (older_exam_id, newer_exam_id)
        self.older: Exam | None = None
        self.newer: Exam | None = None
        self.assessments: tuple[Assessment, Assessment] | None = None
        self._wide: bool | None = None
        self._maps: dict[str, SpineMap] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="compare")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "compare exams (read only)"
        self.load()

    def on_resize(self, event: events.Resize) -> None:
        if self.older is not None and (event.size.width >= WIDE) != self._wide:
            self._draw_maps(event.size.width >= WIDE)

    # ---------------------------------------------------------------- content

    def load(self) -> None:
        records = self.napp.records
        protocols = self.napp.protocols
        body = self.query_one("#compare", VerticalScroll)
        body.remove_children()
        self._maps = {}
        exams = [records.exam(exam_id) for exam_id in self.exam_ids]
        missing = [i for i, e in zip(self.exam_ids, exams, strict=True) if e is None]
        if missing:
            body.mount(
                Static(
                    Content(f"Exam {safe_text(', '.join(missing))} is no longer in the records."),
                    id="missing",
                )
            )
            return
        older, newer = exams
        assert older is not None and newer is not None
        if older.exam_date and newer.exam_date and older.exam_date > newer.exam_date:
            older, newer = newer, older
        self.older, self.newer = older, newer
        # Stored assessments (each computed with its patient's whole history once); the
        # patients' other exams are not loaded here.
        before = records.stored_assessment(older)
        now = records.stored_assessment(newer)
        self.assessments = (before, now)
        body.mount_all(self._widgets(older, newer, before, now, protocols))
        self._draw_maps(self.app.size.width >= WIDE)
        body.focus()

    def _widgets(
        self, older: Exam, newer: Exam, before: Assessment, now: Assessment, protocols
    ) -> list[Widget]:
        p = newer.patient
        who = safe_text(" ".join(x for x in (p.patient_id, p.name) if x) or "no patient id")
        breed = safe_text(now.breed or p.breed or "breed not given")
        out: list[Widget] = [
            Static(Content(f"{who} · {p.species.value} · {breed}"), id="compare-patient"),
            Static(
                Content(
                    f"Exam {safe_text(older.exam_id)} ({when_text(older)}) → exam "
                    f"{safe_text(newer.exam_id)} "
                    f"({when_text(newer)}): {hours_text(hours_between(older, newer))}"
                ),
                id="compare-title",
            ),
        ]
        notes = []
        if older.patient.patient_id != newer.patient.patient_id:
            notes.append("⚠ these exams belong to different patients")
        if now.serial and now.serial.previous_exam_id != older.exam_id:
            notes.append(
                f"the later exam's serial flags compare it with exam "
                f"{safe_text(now.serial.previous_exam_id)}, its previous exam"
            )
        if notes:
            out.append(Static(Content("Note: " + "; ".join(notes)), id="compare-note"))

        limits = protocols.rules.thresholds.ctr
        was, then = analyse_ctr(older, limits), analyse_ctr(newer, limits)
        moved = movement(was, then)
        lines = [movement_line(was.side(s), then.side(s), moved[s.value]) for s in Side]
        worse = any((m or 0) > 0 for m in moved.values())
        out.append(
            Static(
                Content("Trunci cut-off movement (vertebrae; cranially = worse)"),
                classes="section",
            )
        )
        out.append(
            Static(Content("\n".join(lines)), id="movement", classes="worse" if worse else "")
        )
        mfs = mfs_compare_line(before, now)
        if mfs is not None:
            worse_mfs = "worse" if mfs.endswith("worse") else ""
            out.append(Static(Content(mfs), id="mfs-change", classes=worse_mfs))
        out.append(Static(Content("Flags, earlier → later"), classes="section"))
        changes = safe_text("\n".join(flag_changes(before, now)), multiline=True)
        out.append(Static(Content(changes), id="flag-changes"))
        out.append(
            Container(
                self._side("earlier", older, before),
                self._side("later", newer, now),
                id="compare-maps",
            )
        )
        return out

    def _side(self, which: str, exam: Exam, a: Assessment) -> Widget:
        where = a.localization or "no localisation"
        if a.lesion_window:
            where += f", window {a.lesion_window.cranial}-{a.lesion_window.caudal}"
        return Vertical(
            Static(
                Content(
                    f"{which.capitalize()}: {when_text(exam)} · exam {safe_text(exam.exam_id)}\n"
                    f"{safe_text(exam.examiner or 'examiner not recorded')} · "
                    f"{status_text(exam.status, exam.mode)}\n"
                    f"cut-off L/R {cutoffs_cell(a)} · {where}"
                ),
                classes="side-head",
            ),
            self._maps.setdefault(which, SpineMap(id=f"map-{which}")),
            classes="compare-side",
            id=f"side-{which}",
        )

    def _draw_maps(self, wide: bool) -> None:
        """Full maps stacked; compact maps when the two exams stand side by side."""
        if self.older is None or self.newer is None or self.assessments is None:
            return
        self._wide = wide
        limits = self.napp.protocols.rules.thresholds.ctr
        pairs = zip(("earlier", "later"), (self.older, self.newer), self.assessments, strict=True)
        for which, exam, a in pairs:
            self._maps[which].show(exam, limits, window=a.lesion_window, compact=wide)

    # ---------------------------------------------------------------- keys

    def action_home(self) -> None:
        self.napp.go_home()

    def action_back(self) -> None:
        self.dismiss()
