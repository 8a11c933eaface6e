"""Home: new exam, resume an unfinished exam, history, training, quit."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Header, Label
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from neuroexam.core.text import safe_text
from neuroexam.records.backend import ExamListing, StoreError
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.marked_list import CursorOptionList

if TYPE_CHECKING:  # pydantic-backed: loaded after the first screen
    from neuroexam.core.recheck import RecheckDue
    from neuroexam.services.records import RecordsService


def listing_label(item: ExamListing, total: int | None = None) -> str:
    """One line of the resume list, as text (control characters of the record escaped)."""
    when = item.exam_date.strftime("%Y-%m-%d %H:%M") if item.exam_date else "no date"
    who = " ".join(x for x in (item.patient_id, item.patient_name) if x) or "no patient id"
    breed = f", {item.breed}" if item.breed else ""
    progress = f" — {item.findings} finding{'s' if item.findings != 1 else ''}"
    return safe_text(f"{when}  {who} ({item.species}{breed}){progress}")


def local_now() -> datetime:
    """The current local time (tests replace it for a fixed clock)."""
    return datetime.now().astimezone()


def recheck_label(item: RecheckDue, now: datetime) -> str:
    """``OVERDUE since … (2 h 5 min) · P-7 Oscar · !!! PMM risk``, record text escaped."""
    from neuroexam.core.report import flag_name

    who = " ".join(x for x in (item.patient_id, item.patient_name) if x)
    return safe_text(f"{item.when_text(now)} · {who} · {flag_name(item.flag)}")


class HomeScreen(NeuroScreen[None]):
    BINDINGS = [
        # Priority: the intake opens as n is read, so keys typed right after it reach the intake.
        Binding("n", "new_exam", "New exam", id="home.new", priority=True),
        Binding("r", "focus_resume", "Resume", id="home.resume"),
        Binding("h", "history", "History", id="home.history"),
        Binding("p", "patients", "Patients", id="home.patients"),
        Binding("t", "training", "Training", id="home.training"),
        Binding("c", "focus_rechecks", "Re-checks", show=False, id="home.rechecks"),
        Binding("q", "ask_quit", "Quit", id="home.quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Label("[b]NeuroExam[/b] — scratch and cutaneous trunci reflex exam", id="welcome")
            yield Label(
                "[b]n[/b] new exam   [b]r[/b] resume   [b]h[/b] history   [b]p[/b] patients   "
                "[b]t[/b] training   [b]ctrl+q[/b] quit",
                classes="hint",
            )
            yield Label("Unfinished exams (enter to resume):", id="resume-title")
            yield CursorOptionList(id="resume")
            yield Label("", id="resume-empty")
            yield Label("", id="rechecks-title")
            yield CursorOptionList(id="rechecks")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rechecks-title", Label).display = False
        self.query_one("#rechecks", CursorOptionList).display = False
        self.refresh_lists()

    def on_screen_resume(self) -> None:
        self.refresh_lists()

    def refresh_lists(self) -> None:
        resume = self.query_one("#resume", CursorOptionList)
        resume.clear_options()
        items = self.napp.records.unfinished()
        for item in items:
            # Content: the label is shown as typed, never read as markup
            resume.add_option(Option(Content(listing_label(item)), id=item.exam_id))
        empty = self.query_one("#resume-empty", Label)
        empty.update("" if items else "No unfinished exams. Press [b]n[/b] to start one.")
        resume.display = bool(items)
        self.load_rechecks(self.napp.records)

    # ---------------------------------------------------------------- trunci re-checks due

    @work(thread=True, exclusive=True, group="rechecks", exit_on_error=False)
    def load_rechecks(self, records: RecordsService) -> None:
        """The trunci re-checks due (IVDD / PMM), read and evaluated off the UI thread."""
        from neuroexam.services.rechecks import recheck_interval_hours

        interval, why = recheck_interval_hours()
        now = local_now()
        try:
            due = records.rechecks_due(interval, now)
        except StoreError:
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_rechecks, due, interval, now, why)

    def show_rechecks(
        self, due: list[RecheckDue], interval: float, now: datetime, why: str = ""
    ) -> None:
        if not self.is_attached:
            return
        title = self.query_one("#rechecks-title", Label)
        listing = self.query_one("#rechecks", CursorOptionList)
        listing.clear_options()
        for item in due:
            listing.add_option(Option(Content(recheck_label(item, now)), id=item.patient_id))
        overdue = sum(1 for d in due if d.overdue(now))
        late = f", {overdue} OVERDUE" if overdue else ""
        title.update(
            Content(
                f"Trunci re-checks due ({len(due)}{late}, every {interval:g} h): "
                "c, enter starts one"
            )
        )
        title.display = listing.display = bool(due)
        if why and due:
            self.notify(
                f"Re-check interval: the settings cannot be read, {interval:g} h used. {why}",
                severity="warning",
                markup=False,
            )
        self.refresh_bindings()

    def action_focus_rechecks(self) -> None:
        listing = self.query_one("#rechecks", CursorOptionList)
        if listing.option_count:
            listing.focus()
            if listing.highlighted is None:
                listing.highlighted = 0
        else:
            self.notify("No trunci re-check is due.")

    def action_ask_quit(self) -> None:
        """``q`` asks before quitting (a stray key at the table must not close the app)."""
        from neuroexam.tui.widgets.modals import ConfirmModal

        def answer(quit_now: bool | None) -> None:
            if quit_now:
                self.app.call_next(self.napp.action_quit_app)

        self.app.push_screen(ConfirmModal("Quit NeuroExam? Everything entered is saved."), answer)

    def action_new_exam(self) -> None:
        self.napp.new_exam()

    def action_focus_resume(self) -> None:
        resume = self.query_one("#resume", CursorOptionList)
        if resume.option_count:
            resume.focus()
            if resume.highlighted is None:
                resume.highlighted = 0
        else:
            self.notify("No unfinished exam to resume.")

    def action_history(self) -> None:
        self.napp.show_history()

    def action_patients(self) -> None:
        self.napp.show_patients()

    def action_training(self) -> None:
        self.napp.show_training()

    def on_option_list_option_selected(self, event: CursorOptionList.OptionSelected) -> None:
        if not event.option.id:
            return
        if event.option_list.id == "rechecks":  # a trunci-only re-check of that patient
            if self.napp.refuse_if_read_only("start an exam"):
                return
            from neuroexam.core.intake import ExamParts
            from neuroexam.tui.screens.re_exam import open_intake

            latest = self.napp.records.latest_exam_of(event.option.id)
            signs = latest.signs if latest is not None else []
            open_intake(self.napp, event.option.id, ExamParts.TRUNCI, signs)
            return
        self.napp.resume_exam(event.option.id)
