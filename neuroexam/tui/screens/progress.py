"""Progress: one student's training attempts, newest first, with averages per level."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Static

from neuroexam.core.text import safe_text
from neuroexam.training.attempts import Attempt
from neuroexam.training.cases import LEVELS_ORDER
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.modals import ChoiceModal

COLUMNS = ("Date", "Case", "Level", "Grade %", "Loc", "Flags %", "Total")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def attempt_row(attempt: Attempt) -> tuple[str, ...]:
    when = attempt.finished_at.strftime("%Y-%m-%d %H:%M") if attempt.finished_at else "-"
    return (
        when,
        attempt.case_id if len(attempt.case_id) <= 24 else attempt.case_id[:23] + "…",
        attempt.level,
        _pct(attempt.grading),
        "right" if attempt.localization else "wrong",
        _pct(attempt.flags),
        _pct(attempt.total),
    )


def level_averages(attempts: Sequence[Attempt]) -> str:
    """``Average total: beginner 93 (3) · intermediate 71 (1) · advanced -``."""
    parts = []
    for level in LEVELS_ORDER:
        totals = [a.total for a in attempts if a.level == level and a.total is not None]
        if totals:
            parts.append(f"{level} {sum(totals) / len(totals):.0f} ({len(totals)})")
        else:
            parts.append(f"{level} -")
    return "Average total (attempts): " + " · ".join(parts)


class ProgressScreen(NeuroScreen[None]):
    """Enter opens an attempt's exam summary (read only); s switches student."""

    DEFAULT_CSS = """
    ProgressScreen #progress { padding: 0 1; height: 1fr; }
    ProgressScreen #progress-title { text-style: bold; }
    ProgressScreen #attempts { height: 1fr; margin-top: 1; }
    ProgressScreen #averages { margin-top: 1; }
    """

    BINDINGS = [
        Binding("s", "student", "Student", id="progress.student"),
        Binding("escape", "back", "Back", id="progress.back"),
    ]

    def __init__(self, student: str) -> None:
        super().__init__()
        self.student = student
        self.attempts: list[Attempt] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="progress"):
            yield Static(id="progress-title")
            yield DataTable(id="attempts", cursor_type="row", zebra_stripes=True)
            yield Static(id="averages")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        self.load()
        table.focus()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        self.sub_title = f"training progress · {safe_text(self.student)}"
        self.attempts = self.napp.records.attempts(self.student)
        n = len(self.attempts)
        who = safe_text(self.student)
        title = f"Progress of {who}: {n} attempt{'' if n == 1 else 's'}, newest first"
        if not n:
            title = f"{who} has no finished training case yet."
        self.query_one("#progress-title", Static).update(Content(title))
        table = self.query_one(DataTable)
        table.clear()
        for attempt in self.attempts:
            table.add_row(*attempt_row(attempt), key=attempt.attempt_id)
        self.query_one("#averages", Static).update(Content(level_averages(self.attempts)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        attempt = next((a for a in self.attempts if a.attempt_id == event.row_key.value), None)
        if attempt is not None and attempt.exam_id:
            self.napp.show_summary(attempt.exam_id, read_only=True)

    def action_student(self) -> None:
        students = self.napp.records.students()
        if not students:
            self.notify("No student has finished a training case yet.")
            return

        def chosen(name: str | None) -> None:
            if name:
                self.student = name
                self.load()

        self.app.push_screen(ChoiceModal("Student", [(s, s) for s in students]), chosen)

    def action_back(self) -> None:
        self.dismiss()
