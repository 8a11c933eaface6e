"""History: complete exams, newest first, with their cut-offs and flags (read only)."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label
from textual.worker import get_current_worker

from neuroexam.core.models import Assessment, Exam, ExamStatus
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import evaluate
from neuroexam.records.store import Store

#: Most recent complete exams listed (each is evaluated when the screen opens).
HISTORY_LIMIT = 500
COLUMNS = ("Date", "Patient", "Breed", "Cut-off L/R", "Flags")


def flags_cell(assessment: Assessment) -> str:
    """``ivdd(strong), syringomyelia(moderate)`` or ``normal``."""
    if not assessment.flags:
        return "normal"
    return ", ".join(f"{f.id.value}({f.strength.value})" for f in assessment.flags)


def cutoffs_cell(assessment: Assessment) -> str:
    """``L1/L1``; ``-`` for a side not tested, ``none`` for no response."""
    cut = assessment.ctr_cutoff
    return f"{cut.left or '-'}/{cut.right or '-'}"


def history_exams(
    store: Store, limit: int = HISTORY_LIMIT
) -> tuple[list[Exam], dict[str, list[Exam]]]:
    """The newest ``limit`` complete exams (newest first) and every exam by patient id."""
    everything = store.load_exams()
    by_patient: dict[str, list[Exam]] = {}
    for exam in everything:
        if exam.patient.patient_id:
            by_patient.setdefault(exam.patient.patient_id, []).append(exam)
    complete = [e for e in everything if e.status is ExamStatus.COMPLETE]
    # timestamp() orders naive and aware dates alike (naive ones as local time).
    complete.sort(key=lambda e: (e.exam_date is not None, e.exam_date and e.exam_date.timestamp()))
    return complete[::-1][:limit], by_patient


def history_rows(
    exams: list[Exam], by_patient: dict[str, list[Exam]], protocols: Protocols
) -> list[tuple[str, tuple[str, ...]]]:
    """(exam_id, cells) per exam, in the order given.

    Each exam is evaluated with its patient's other exams (any status), exactly as the
    summary screen does, so a row and its summary never disagree.
    """
    rows = []
    for exam in exams:
        history = by_patient.get(exam.patient.patient_id, []) if exam.patient.patient_id else []
        assessment = evaluate(exam, history, protocols)
        p = exam.patient
        when = exam.exam_date.strftime("%Y-%m-%d %H:%M") if exam.exam_date else "no date"
        rows.append(
            (
                exam.exam_id,
                (
                    when,
                    " ".join(x for x in (p.patient_id, p.name) if x) or "-",
                    assessment.breed or p.species.value,
                    cutoffs_cell(assessment),
                    flags_cell(assessment),
                ),
            )
        )
    return rows


class HistoryScreen(Screen[None]):
    """Read-only list of complete exams; enter or ``o`` opens the summary."""

    DEFAULT_CSS = """
    HistoryScreen #history { padding: 0 1; }
    HistoryScreen #history-table { height: 1fr; }
    """

    BINDINGS = [
        Binding("o", "open", "Open summary", id="history.open"),
        Binding("h", "home", "Home", id="history.home"),
        Binding("escape", "home", "Back", id="history.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.row_count = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="history"):
            yield Label("", id="history-title")
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "history (read only)"
        self.refresh_rows()

    def refresh_rows(self) -> None:
        """Read the exams now (fast); evaluate them in a thread so the keys stay live."""
        table = self.query_one("#history-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*COLUMNS)
        table.display = False
        self.row_count = 0
        self.refresh_bindings()
        exams, by_patient = history_exams(self.app.store)  # type: ignore[attr-defined]
        title = self.query_one("#history-title", Label)
        if not exams:
            title.update(Content("No complete exams yet. Finish an exam to see it here."))
            return
        title.update(Content(f"Assessing {len(exams)} complete exams…"))
        self.evaluate_rows(exams, by_patient, self.app.protocols)  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="history")
    def evaluate_rows(
        self, exams: list[Exam], by_patient: dict[str, list[Exam]], protocols: Protocols
    ) -> None:
        rows = history_rows(exams, by_patient, protocols)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_rows, rows)

    def show_rows(self, rows: list[tuple[str, tuple[str, ...]]]) -> None:
        if not self.is_attached:  # left before the thread finished
            return
        table = self.query_one("#history-table", DataTable)
        for exam_id, cells in rows:
            # rich Text: shown as typed (no markup) and measured for the column widths.
            table.add_row(*(Text(c) for c in cells), key=exam_id)
        more = f" (the {HISTORY_LIMIT} most recent)" if len(rows) >= HISTORY_LIMIT else ""
        self.query_one("#history-title", Label).update(
            Content(
                f"{len(rows)} complete exam{'s' if len(rows) != 1 else ''}{more}, newest "
                "first. Enter opens the summary; escape goes back."
            )
        )
        table.display = True
        table.focus()
        self.row_count = len(rows)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.row_count > 0
        return True

    def selected_exam_id(self) -> str | None:
        table = self.query_one("#history-table", DataTable)
        if not table.row_count:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return row_key.value

    def action_open(self) -> None:
        exam_id = self.selected_exam_id()
        if exam_id is not None:
            self.app.show_summary(exam_id, read_only=True)  # type: ignore[attr-defined]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.app.show_summary(event.row_key.value, read_only=True)  # type: ignore[attr-defined]

    def action_home(self) -> None:
        self.app.go_home()  # type: ignore[attr-defined]
