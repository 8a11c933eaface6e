"""Progress: one student's training attempts, newest first, with averages per level."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Static

from neuroexam.core.text import safe_text
from neuroexam.training.attempts import Attempt
from neuroexam.training.cases import LEVELS_ORDER
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.exam_table import fit
from neuroexam.tui.widgets.modals import ChoiceModal

COLUMNS = ("Date", "Case", "Level", "Grade", "Loc", "Flags", "Total")
#: Column widths but the case's (which takes the rest of the screen; 80 columns: 15).
WIDTHS = (16, 0, 12, 5, 5, 5, 5)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def column_widths(screen_width: int) -> list[int]:
    """Every column's width, the case title's filling the screen (padding, scrollbar)."""
    fixed = [w for w in WIDTHS if w]
    case = max(10, screen_width - 3 - sum(fixed) - 2 * len(WIDTHS))
    return [w or case for w in WIDTHS]


def case_titles() -> dict[str, str]:
    """Case id → title of the shipped cases (an attempt shows its case by title)."""
    from neuroexam.training.cases import shipped_cases

    return {case.id: case.title for case in shipped_cases()}


def attempt_row(attempt: Attempt, titles: dict[str, str] | None = None) -> tuple[str, ...]:
    """The attempt's cells: the case by its title (its id when the case is gone), percents."""
    when = attempt.finished_at.strftime("%Y-%m-%d %H:%M") if attempt.finished_at else "-"
    return (
        when,
        (titles or {}).get(attempt.case_id, attempt.case_id),
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
    ProgressScreen #attempts { height: 1fr; margin-top: 1; scrollbar-size-vertical: 1; }
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
        for label, width in zip(COLUMNS, column_widths(self.app.size.width), strict=True):
            table.add_column(label, width=width)
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
        titles = case_titles()
        widths = column_widths(self.app.size.width)
        for attempt in self.attempts:
            cells = attempt_row(attempt, titles)
            # rich Text: shown as typed (no markup, controls escaped), cut to its column
            table.add_row(
                *(Text(fit(safe_text(c), w)) for c, w in zip(cells, widths, strict=True)),
                key=attempt.attempt_id,
            )
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
