"""Home: new exam, resume an unfinished exam, history, training, quit."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Header, Label, OptionList
from textual.widgets.option_list import Option

from neuroexam.core.text import safe_text
from neuroexam.records.backend import ExamListing
from neuroexam.tui.typed import NeuroScreen


def listing_label(item: ExamListing, total: int | None = None) -> str:
    """One line of the resume list, as text (control characters of the record escaped)."""
    when = item.exam_date.strftime("%Y-%m-%d %H:%M") if item.exam_date else "no date"
    who = " ".join(x for x in (item.patient_id, item.patient_name) if x) or "no patient id"
    breed = f", {item.breed}" if item.breed else ""
    progress = f" — {item.findings} finding{'s' if item.findings != 1 else ''}"
    return safe_text(f"{when}  {who} ({item.species}{breed}){progress}")


class HomeScreen(NeuroScreen[None]):
    BINDINGS = [
        # Priority: the intake opens as n is read, so keys typed right after it reach the intake.
        Binding("n", "new_exam", "New exam", id="home.new", priority=True),
        Binding("r", "focus_resume", "Resume", id="home.resume"),
        Binding("h", "history", "History", id="home.history"),
        Binding("p", "patients", "Patients", id="home.patients"),
        Binding("t", "training", "Training", id="home.training"),
        Binding("q", "ask_quit", "Quit", show=False, id="home.quit"),
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
            yield OptionList(id="resume")
            yield Label("", id="resume-empty")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_lists()

    def on_screen_resume(self) -> None:
        self.refresh_lists()

    def refresh_lists(self) -> None:
        resume = self.query_one("#resume", OptionList)
        resume.clear_options()
        items = self.napp.records.unfinished()
        for item in items:
            # Content: the label is shown as typed, never read as markup
            resume.add_option(Option(Content(listing_label(item)), id=item.exam_id))
        empty = self.query_one("#resume-empty", Label)
        empty.update("" if items else "No unfinished exams. Press [b]n[/b] to start one.")
        resume.display = bool(items)

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
        resume = self.query_one("#resume", OptionList)
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

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.napp.resume_exam(event.option.id)
