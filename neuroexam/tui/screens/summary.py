"""Summary: the assessment of one exam (the same ``evaluate`` as ``neuroexam assess``).

Every meaning is in the text (``!!! EMERGENCY``, ``ABN``, ``abnormal``); colour only helps.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Footer, Header, Label, Static

from neuroexam.core.localize import analyse_ctr
from neuroexam.core.models import Assessment, Exam, Flag, Side
from neuroexam.core.protocol import Protocols
from neuroexam.core.report import (
    URGENCY_MARK,
    cutoff_text,
    follow_up_text,
    lesion_window_text,
    mfs_change,
    note_lines,
    serial_text,
)
from neuroexam.core.text import safe_text
from neuroexam.records.audit import AuditRow
from neuroexam.records.backend import StoreError
from neuroexam.services.exam import ExamService
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.export_modal import ExportModal, default_export_path
from neuroexam.tui.widgets.modals import ConfirmModal, TextModal
from neuroexam.tui.widgets.spine_map import SpineMap

STATUS_WORDS = {
    "normal": "normal",
    "borderline": "borderline (L4)",
    "abnormal": "ABNORMAL",
    "absent": "ABNORMAL",
    "not_tested": "not tested",
}


def urgency_label(flag: Flag) -> str:
    """``!!! EMERGENCY`` / ``!! URGENT`` / ``! routine``."""
    word = flag.urgency.value
    return f"{URGENCY_MARK[word]} {word if word == 'routine' else word.upper()}"


def bullet(text: str, classes: str = "") -> Widget:
    """A bullet line whose wrapped lines stay indented under the text."""
    return Horizontal(
        Label("•", classes="bullet-mark"),
        Static(Content(safe_text(text)), classes="bullet-text"),
        classes=f"bullet {classes}".strip(),
    )


def flag_heading(flag: Flag) -> list[Widget]:
    """The flag's urgency and title, then its strength (and side)."""
    side = f" · side: {flag.side.value}" if flag.side else ""
    return [
        Static(Content(f"{urgency_label(flag)}  {flag.title}"), classes="flag-head"),
        Static(Content(f"Strength: {flag.strength.value}{side}"), classes="detail"),
    ]


def patient_line(exam: Exam, breed: str = "") -> str:
    """Signalment and exam; ``breed`` is the canonical name when the typed one was matched."""
    p = exam.patient
    shown = breed or p.breed or "breed not given"
    if p.breed and breed and breed != p.breed:
        shown += f" (entered as {p.breed})"
    age = f"{p.age_years:g} y" if p.age_years is not None else "age ?"
    weight = f"{p.weight_kg:g} kg" if p.weight_kg is not None else "weight ?"
    when = exam.exam_date.strftime("%Y-%m-%d %H:%M") if exam.exam_date else "no date"
    status = status_text(exam)
    who = " ".join(x for x in (p.patient_id, p.name) if x) or "no patient id"
    examiner = exam.examiner or "not recorded"
    # text as recorded, its control characters shown escaped (the line break is the layout's)
    return (
        f"{safe_text(who)} · {p.species.value} · {safe_text(shown)} · {age} · "
        f"{p.sex.value} · {weight}\n"
        f"Exam {safe_text(exam.exam_id)} · {when} · examiner {safe_text(examiner)} · {status}"
    )


def status_text(exam: Exam) -> str:
    """``in progress`` · ``complete`` · ``complete, signed by … at …`` · ``VOIDED``."""
    if exam.status.value == "voided":
        return "~~VOIDED~~ (kept in the records, left out of use)"
    if exam.status.value != "complete":
        return "in progress"
    if exam.signed_by:
        at = f" at {exam.signed_at.astimezone():%Y-%m-%d %H:%M}" if exam.signed_at else ""
        return f"complete, signed by {exam.signed_by}{at}"
    return "complete (not signed)"


def amendment_lines(trail: list[AuditRow]) -> list[str]:
    """One line per amended or cleared finding and per intake change, oldest first."""
    out = []
    for row in trail:
        if row.event.value not in ("amended", "cleared", "intake_changed"):
            continue
        what = row.field.replace("/", " ")
        old, new = row.old_value or "(none)", row.new_value or "(cleared)"
        why = f" — {row.reason}" if row.reason else ""
        out.append(
            f"AMENDED {what}: {old} → {new} ({row.at.astimezone():%Y-%m-%d %H:%M}, "
            f"{row.by or 'unknown'}){why}"
        )
    return out


def cutoff_line(assessment: Assessment) -> str:
    """``Trunci cut-off: left L1 (ABNORMAL); right L5 (normal)``."""
    parts = []
    for side in Side:
        cut = assessment.ctr_cutoff.get(side)
        text = f"{side.value} {cutoff_text(cut)}"
        if cut is not None:
            status = assessment.ctr_status.get(side.value, "")
            text += f" ({STATUS_WORDS.get(status, status)})"
        parts.append(text)
    return "Trunci cut-off: " + "; ".join(parts)


T = TypeVar("T")


class SummaryScreen(NeuroScreen[None]):
    """The assessment, the spine map and the flags; finish, export or go back to edit."""

    DEFAULT_CSS = """
    SummaryScreen #summary { padding: 0 1; }
    SummaryScreen .section { margin-top: 1; text-style: bold; }
    SummaryScreen #headline { text-style: bold; }
    SummaryScreen #headline.emergency, SummaryScreen .flag-emergency > .flag-head {
        color: $error;
    }
    SummaryScreen #headline.urgent, SummaryScreen .flag-urgent > .flag-head { color: $warning; }
    SummaryScreen .flag { height: auto; margin-top: 1; }
    SummaryScreen .flag-head { text-style: bold; }
    SummaryScreen .bullet { height: auto; }
    SummaryScreen .bullet-mark { width: 4; padding-left: 2; }
    SummaryScreen .bullet-text { width: 1fr; }
    SummaryScreen .detail { padding-left: 2; }
    SummaryScreen #disclaimer { margin-top: 1; text-style: italic; }
    """

    BINDINGS = [
        Binding("b", "edit", "Exam", id="summary.edit"),
        Binding("f", "finish", "Finish", id="summary.finish"),
        Binding("o", "reopen", "Reopen", id="summary.reopen"),
        Binding("v", "void", "Void", id="summary.void"),
        Binding("t", "trail", "Trail", id="summary.trail"),
        Binding("x", "export", "CSV", id="summary.export"),
        Binding("h", "home", "Home", id="summary.home"),
        Binding("escape", "back", "Back", id="summary.back"),
        Binding("d", "report_pdf", "PDF", id="summary.report_pdf"),
        Binding("c", "copy_soap", "SOAP", id="summary.copy_soap"),
        Binding("l", "referral", "Letter", id="summary.referral"),
        Binding("r", "re_exam", "Re-exam", show=False, id="summary.re_exam"),
        Binding("e", "exam_date", "Exam date", show=False, id="summary.exam_date"),
    ]

    def __init__(
        self, exam_id: str, read_only: bool = False, service: ExamService | None = None
    ) -> None:
        super().__init__()
        self.exam_id = exam_id
        self.read_only = read_only
        #: The exam being edited: the summary shows its live state, not the stored one.
        self.service = service
        self.exam: Exam | None = None
        self.assessment: Assessment | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="summary")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "exam summary (read only)" if self.read_only else "exam summary"
        self.load()

    # ---------------------------------------------------------------- content

    def load(self) -> None:
        """Evaluate the exam (the live one when it is being edited) and redraw."""
        app = self.napp
        body = self.query_one("#summary", VerticalScroll)
        body.remove_children()
        disclaimer = app.protocols.rules.disclaimer
        if self.service is not None:
            self.exam = self.service.exam
            history = self.service.history
            self.assessment = self.service.assessment()
        else:
            # the stored assessment and the one exam it compares with (never every exam)
            self.exam = app.records.exam(self.exam_id)
            self.assessment = app.records.stored_assessment(self.exam) if self.exam else None
            serial = self.assessment.serial if self.assessment else None
            before = app.records.exam(serial.previous_exam_id) if serial else None
            history = [before] if before is not None else []
        if self.exam is None or self.assessment is None:
            body.mount_all(
                [
                    Static(
                        Content(f"Exam {safe_text(self.exam_id)} is no longer in the records."),
                        id="missing",
                    ),
                    Static(Content(disclaimer), id="disclaimer"),
                ]
            )
            self.refresh_bindings()
            return
        try:
            trail = app.records.audit(self.exam_id)
        except StoreError:
            trail = []
        widgets = self._widgets(self.exam, self.assessment, history, disclaimer)
        amended = amendment_lines(trail)
        if amended:
            at = len(widgets) - 1  # before the disclaimer
            widgets[at:at] = [
                Static(
                    Content(f"Amendments ({len(amended)}; t shows the trail)"),
                    classes="section",
                    id="amendments-title",
                ),
                *[bullet(line, "amendment") for line in amended],
            ]
        body.mount_all(widgets)
        body.focus()
        self.refresh_bindings()

    def _widgets(
        self, exam: Exam, a: Assessment, history: list[Exam], disclaimer: str
    ) -> list[Widget]:
        limits = self.napp.protocols.rules.thresholds.ctr
        headline = a.summary
        classes = ""
        if a.flags:
            top = a.flags[0]
            headline = f"{urgency_label(top)}: {a.summary}"
            classes = top.urgency.value
        out: list[Widget] = [
            Static(Content(patient_line(exam, a.breed)), id="patient"),
            Static(Content(headline), id="headline", classes=classes),
            Static(Content(cutoff_line(a)), id="cutoffs"),
        ]
        where = f"Localisation: {a.localization or 'none set'}"
        if a.lesion_window:
            where += f" · suspected lesion window {lesion_window_text(a.lesion_window)}"
        out.append(Static(Content(where), id="localisation"))
        previous = None
        if a.serial:
            before = next((e for e in history if e.exam_id == a.serial.previous_exam_id), None)
            if before is not None:
                ctr = analyse_ctr(before, limits)
                previous = {side.value: ctr.side(side).cutoff for side in Side}
        # The map before the serial lines: its scratch rows stay on an 80×24 screen.
        spine = SpineMap(id="map")
        spine.show(exam, limits, window=a.lesion_window, previous=previous)
        out.append(spine)
        if a.serial:
            out.append(Static(Content(safe_text(serial_text(a.serial))), id="serial"))
            change = mfs_change(a.serial, a.severity)
            if change:
                out.append(Static(Content(change), id="mfs-change"))
        recheck = self._recheck_line(exam, a)
        if recheck:
            out.append(Static(Content(recheck), id="recheck"))
        if a.flags:
            out.append(
                Static(Content(f"Flags ({len(a.flags)}, most urgent first)"), classes="section")
            )
            out += [self._flag(flag) for flag in a.flags]
        else:
            out.append(Static(Content("No flags."), classes="section", id="no-flags"))
        if a.warnings:
            out.append(Static(Content("Warnings"), classes="section", id="warnings-title"))
            out += [bullet(f"⚠ {w}", "warning") for w in a.warnings]
        notes = note_lines(exam)
        if notes:
            out.append(Static(Content("Notes"), classes="section", id="notes-title"))
            out += [bullet(line, "note") for line in notes]
        out.append(Static(Content(disclaimer), id="disclaimer"))
        return out

    def _recheck_line(self, exam: Exam, a: Assessment) -> str:
        """When this patient's next trunci re-check is due (IVDD or PMM, DOMAIN.md 1.1), as if
        this exam were complete; empty when none is due."""
        if exam.mode.value != "clinical" or exam.status.value == "voided":
            return ""
        from neuroexam.services.rechecks import recheck_interval_hours
        from neuroexam.tui.screens import intake

        interval, _why = recheck_interval_hours()
        now = intake.local_now()
        try:
            due = self.napp.records.recheck_after(exam, a, interval, now)
        except StoreError:
            return ""
        return due.line(now, interval) if due is not None else ""

    def _flag(self, flag: Flag) -> Widget:
        parts: list[Widget] = [*flag_heading(flag), Static(Content("Why:"), classes="detail")]
        parts += [bullet(reason) for reason in flag.reasons]
        if flag.breed_context:
            parts.append(Static(Content(f"Breed: {flag.breed_context}"), classes="detail"))
        if flag.advice:
            parts.append(Static(Content(f"Advice: {flag.advice}"), classes="detail"))
        if flag.follow_up:
            parts.append(Static(Content("Follow-up:"), classes="detail"))
            parts += [bullet(follow_up_text(f)) for f in flag.follow_up]
        if flag.references:
            refs = "; ".join(flag.references)
            parts.append(Static(Content(f"References: {refs}"), classes="detail"))
        return Vertical(
            *parts, classes=f"flag flag-{flag.urgency.value}", id=f"flag-{flag.id.value}"
        )

    # ---------------------------------------------------------------- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status = self.exam.status.value if self.exam is not None else ""
        if action == "edit":
            return self.service is not None
        if action == "finish":
            return self.service is not None and status == "in_progress"
        if action == "reopen":
            return status == "complete" and self.service is None
        if action == "void":
            return status in ("complete", "in_progress") and self.exam is not None
        if action in ("export", "trail", "report_pdf", "copy_soap", "referral"):
            return self.exam is not None
        if action == "exam_date":  # the exam being edited (a complete one: reopen it first)
            return self.service is not None and status == "in_progress"
        if action == "re_exam":
            return (
                self.exam is not None
                and status == "complete"
                and self.exam.mode.value == "clinical"
                and bool(self.exam.patient.patient_id)
            )
        return True

    def action_edit(self) -> None:
        self.dismiss()

    def action_back(self) -> None:
        self.dismiss()

    def action_home(self) -> None:
        self.napp.go_home()

    def action_re_exam(self) -> None:
        """A new exam of this patient (full or trunci-only): home, then the intake prefilled
        with the patient."""
        if self.exam is None:
            return
        from neuroexam.tui.screens.re_exam import ask_re_exam

        ask_re_exam(self.napp, self.exam.patient.patient_id, self.exam.parts, self.exam.signs)

    def action_trail(self) -> None:
        self.napp.show_trail(self.exam_id)

    def action_exam_date(self) -> None:
        """Correct when the exam was done (an exam entered later); the change is saved with
        an ``intake_changed`` trail row."""
        if self.service is None or self.exam is None:
            return
        from neuroexam.core.intake import format_exam_date
        from neuroexam.tui.screens import intake

        shown = format_exam_date(self.exam.exam_date or intake.local_now())
        self.app.push_screen(
            TextModal("Exam date and time (YYYY-MM-DD HH:MM, local time)", shown),
            self._set_exam_date,
        )

    async def _set_exam_date(self, text: str | None) -> None:
        if text is None or self.service is None:
            return
        from neuroexam.core.intake import parse_exam_date
        from neuroexam.tui.screens import intake

        try:
            when = parse_exam_date(text, intake.local_now())
        except ValueError as exc:
            self.notify(f"Exam date not changed: {safe_text(exc)}", severity="error", markup=False)
            return
        if when is None or when == self.service.exam.exam_date:
            return
        edited = self.service.exam.model_copy(deep=True)
        edited.exam_date = when
        if self.napp.save_intake(edited):
            self.notify(f"Exam date set to {when:%Y-%m-%d %H:%M}.", markup=False)
        await self.query_one("#summary", VerticalScroll).remove_children()
        self.load()

    def action_finish(self) -> None:
        """Ask about unrecorded steps, then who signs (default: the examiner), then finish."""
        service = self.service
        if service is None or self.exam is None:
            return
        left = [s for s in service.session.active_steps() if service.session.grade(s) is None]
        if left:
            names = ", ".join(
                f"{service.session.site_spec(s).label} {s.side.value}" for s in left[:6]
            )
            more = f" and {len(left) - 6} more" if len(left) > 6 else ""
            question = f"{len(left)} step(s) are not recorded: {names}{more}. Finish anyway?"
            self.app.push_screen(
                ConfirmModal(question), lambda ok: self._ask_signer() if ok else None
            )
            return
        self._ask_signer()

    def _ask_signer(self) -> None:
        assert self.exam is not None
        self.app.push_screen(
            TextModal("Signed off by (empty: finish without signing)", self.exam.examiner),
            self._finish,
        )

    def _finish(self, signer: str | None) -> None:
        if signer is None or self.service is None:
            return
        if self.service.complete(signer):
            self._store_assessment(self.service.exam_id)
            signed = f", signed by {safe_text(signer)}" if signer else ""
            self.notify(f"Exam saved as complete{signed}", markup=False)
            self.napp.go_home()
        else:
            why = self.service.saver.last_error or "the exam is no longer held by this window"
            self.notify(f"NOT COMPLETE — {safe_text(why)}", severity="error", markup=False)

    def _store_assessment(self, exam_id: str) -> None:
        """Store the completed exam's assessment in the background (history, patients and the
        summary export read it; a failure only leaves it to be computed when first needed)."""
        records = self.napp.records
        self.napp.run_worker(
            lambda: records.refresh_assessments([exam_id]),
            thread=True,
            exit_on_error=False,
            group="store-assessments",
        )

    def action_reopen(self) -> None:
        """Reopen a complete exam for amendment: a reason is required and kept in the trail."""
        if self.napp.refuse_if_read_only("amend this exam"):
            return
        self.app.push_screen(TextModal("Reason for amending this complete exam", ""), self._reopen)

    def _reopen(self, reason: str | None) -> None:
        if not reason or not reason.strip():
            if reason is not None:
                self.notify("A reason is required to amend a complete exam.", severity="warning")
            return
        try:
            self.napp.records.reopen(self.exam_id, reason.strip())
        except StoreError as exc:
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return
        self.dismiss()
        self.napp.resume_exam(self.exam_id, reason=reason.strip())

    def action_void(self) -> None:
        if self.napp.refuse_if_read_only("void this exam"):
            return
        self.app.push_screen(
            TextModal("Reason for voiding this exam (it stays in the records and trail)", ""),
            self._void,
        )

    def _void(self, reason: str | None) -> None:
        if not reason or not reason.strip():
            if reason is not None:
                self.notify("A reason is required to void an exam.", severity="warning")
            return
        if self.service is not None:
            self.napp.release(self.service)
            self.service = None
        try:
            self.napp.records.void(self.exam_id, reason.strip())
        except StoreError as exc:
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return
        self.notify(f"Exam {self.exam_id} voided.", markup=False)
        self.napp.go_home()

    def action_export(self) -> None:
        if self.exam is None:
            return
        exam = self.exam
        protocols = self.napp.protocols

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.export_to(exam, path, protocols)

        self.app.push_screen(ExportModal(default_export_path(exam.exam_id)), chosen)

    @work(thread=True, exit_on_error=False, group="export")
    def export_to(self, exam: Exam, path: Path, protocols: Protocols) -> None:
        """Write the CSV off the UI thread; report success or the reason it failed."""
        from neuroexam.records.csvio import write_findings

        try:
            count = write_findings([exam], path, protocols=protocols)
        except OSError as exc:
            why = exc.strerror or str(exc)
            self.app.notify(
                f"Export failed: cannot write {safe_text(path)}: {why}",
                severity="error",
                timeout=10,
                markup=False,
            )
            return
        noun = "finding" if count == 1 else "findings"
        self.app.notify(f"Exported {count} {noun} to {safe_text(path)}", markup=False)

    # ---------------------------------------------------------------- reports (issue 12)

    def _report(self, what: str, make: Callable[[str], T]) -> T | None:
        """Run one report of the service (in a worker thread); a failure is one line."""
        from neuroexam.reports import ReportError

        try:
            return make(self.exam_id)
        except ReportError as exc:
            self.app.notify(
                f"{what} failed: {safe_text(exc)}", severity="error", timeout=10, markup=False
            )
            return None

    @work(thread=True, exit_on_error=False, group="report")
    def action_report_pdf(self) -> None:
        """Write the PDF report into the report folder of the settings."""
        path = self._report("Report", self.napp.reports.pdf)
        if path is not None:
            self.app.notify(f"PDF report written to {safe_text(path)}", markup=False)

    @work(thread=True, exit_on_error=False, group="report")
    def action_copy_soap(self) -> None:
        """Copy the SOAP note to the clipboard (works over SSH: the terminal's clipboard)."""
        text = self._report("SOAP note", self.napp.reports.soap)
        if text is not None:
            self.app.call_from_thread(self.app.copy_to_clipboard, text)
            self.app.notify("SOAP note copied to the clipboard (4 lines: S, O, A, P)")

    @work(thread=True, exit_on_error=False, group="report")
    def action_referral(self) -> None:
        """Write the referral letter to a neurologist into the report folder."""
        path = self._report("Letter", self.napp.reports.referral)
        if path is not None:
            self.app.notify(f"Referral letter written to {safe_text(path)}", markup=False)
