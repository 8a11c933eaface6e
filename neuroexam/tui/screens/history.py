"""History: complete exams, newest first, with their cut-offs and flags (read only).

``x`` exports every complete clinical exam (findings or summary layout) in a worker thread,
with a progress bar; the keys stay live meanwhile.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Label, ProgressBar, Static
from textual.worker import get_current_worker

from neuroexam.core.models import Assessment, Exam
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import evaluate
from neuroexam.core.text import safe_text
from neuroexam.records.backend import ExamFilter, ExamListing, StoreError
from neuroexam.services.records import RecordsService
from neuroexam.tui.screens.exam_list import ExamListScreen
from neuroexam.tui.widgets.exam_table import (
    MFS_HEADER,
    MFS_LEGEND,
    assessed_row,
    column_widths,
    fit,
    listed_row,
)
from neuroexam.tui.widgets.export_modal import ExportRequest, RecordsExportModal

#: Most recent complete exams listed (each is evaluated when the screen opens).
HISTORY_LIMIT = 500
COLUMNS = ("Date", "Patient", "Breed", "L/R", MFS_HEADER, "Flags")
#: Widths of the columns before Flags, which takes the rest of the screen (80 columns: 19),
#: and from 110 columns on.
WIDTHS = (16, 10, 10, 7, 3)
WIDE_WIDTHS = (16, 18, 24, 7, 3)


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
        who = " ".join(x for x in (p.patient_id, p.name) if x) or "-"
        rows.append(assessed_row(exam, assessment, who, assessment.breed or p.species.value))
    return rows


def listed_rows(
    listed: list[ExamListing], assessments: dict[str, Assessment]
) -> list[tuple[str, tuple[str, ...]]]:
    """:func:`history_rows` from listing lines and their stored assessments (no exam models,
    no evaluation: the same cells)."""
    rows = []
    for line in listed:
        assessment = assessments.get(line.exam_id)
        who = " ".join(x for x in (line.patient_id, line.patient_name) if x) or "-"
        breed = (assessment.breed if assessment else "") or line.species
        rows.append(listed_row(line, assessment, who, breed))
    return rows


class HistoryScreen(ExamListScreen):
    """Read-only list of complete exams; enter or ``o`` opens the summary."""

    TABLE_ID = "history-table"

    DEFAULT_CSS = """
    HistoryScreen #history { padding: 0 1; }
    HistoryScreen #history-table { height: 1fr; scrollbar-size-vertical: 1; }
    HistoryScreen #history-detail { height: auto; max-height: 6; }
    """

    BINDINGS = [
        Binding("o", "open", "Open summary", id="history.open"),
        Binding("r", "re_exam", "Re-exam", id="history.re_exam"),
        Binding("x", "export", "Export CSV", id="history.export"),
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
            yield Static("", id="history-detail")
            yield Label("", id="export-status")
            yield ProgressBar(id="export-progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "history (read only)"
        self.query_one("#export-status", Label).display = False
        self.query_one("#export-progress", ProgressBar).display = False
        self.refresh_rows()

    def refresh_rows(self) -> None:
        """Count the exams now (fast); load and evaluate them in a thread so the keys stay
        live however large the records are."""
        table = self.query_one("#history-table", DataTable)
        table.clear(columns=True)
        for label, width in zip(COLUMNS, self.widths(), strict=True):
            table.add_column(label, width=width)
        table.display = False
        self.row_count = 0
        self.refresh_bindings()
        records = self.napp.records
        count = min(records.count(ExamFilter(include_unfinished=False)), HISTORY_LIMIT)
        title = self.query_one("#history-title", Label)
        if not count:
            title.update(Content("No complete exams yet. Finish an exam to see it here."))
            return
        title.update(Content(f"Assessing {count} complete exams…"))
        self.evaluate_rows(records, self.napp.protocols)

    @work(thread=True, exclusive=True, group="history")
    def evaluate_rows(self, records: RecordsService, protocols: Protocols) -> None:
        try:  # a snapshot on its own connection, off the UI thread; stored assessments
            listed = records.history_listings(HISTORY_LIMIT)
            assessments = records.assessments([line.exam_id for line in listed])
        except StoreError as exc:
            self.app.call_from_thread(self._unreadable, str(exc))
            return
        rows = listed_rows(listed, assessments)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_rows, rows)

    def _unreadable(self, why: str) -> None:
        if self.is_attached:
            self.query_one("#history-title", Label).update(
                Content(f"Cannot read the records: {safe_text(why)}")
            )

    def show_rows(self, rows: list[tuple[str, tuple[str, ...]]]) -> None:
        if not self.is_attached:  # left before the thread finished
            return
        table = self.query_one("#history-table", DataTable)
        widths = self.widths()
        for exam_id, cells in rows:
            # rich Text: shown as typed (no markup, controls escaped), cut to its column.
            table.add_row(
                *(Text(fit(safe_text(c), w)) for c, w in zip(cells, widths, strict=True)),
                key=exam_id,
            )
        more = f" (the {HISTORY_LIMIT} most recent)" if len(rows) >= HISTORY_LIMIT else ""
        self.query_one("#history-title", Label).update(
            Content(
                f"{len(rows)} complete exam{'s' if len(rows) != 1 else ''}{more}, newest "
                f"first. Enter opens the summary; escape goes back. {MFS_LEGEND}."
            )
        )
        table.display = True
        table.focus()
        self.row_count = len(rows)
        self.refresh_bindings()

    def widths(self) -> list[int]:
        """Column widths: fixed ones, then Flags to the screen's edge (padding, scrollbar)."""
        return column_widths(self.app.size.width, WIDTHS, WIDE_WIDTHS)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail(event, "history-detail")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "re_exam"):
            return self.row_count > 0
        return True

    def action_home(self) -> None:
        self.napp.go_home()

    # ---------------------------------------------------------------- export

    def action_export(self) -> None:
        if any(w.group == "records-export" and w.is_running for w in self.app.workers):
            self.notify("An export is already running.", markup=False)
            return

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self.start_export(request)

        self.app.push_screen(RecordsExportModal(), chosen)  # type: ignore[arg-type]

    def start_export(self, request: ExportRequest) -> None:
        """Export every complete clinical exam in a thread owned by the app (it goes on if
        this screen is left); progress shows here while the screen is open."""
        status = self.query_one("#export-status", Label)
        status.update(Content(f"Exporting complete clinical exams to {safe_text(request.path)}…"))
        status.display = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        app = self.napp
        records = app.records
        protocols: Protocols = app.protocols
        app.run_worker(
            lambda: self._export(request, records, protocols),
            name="records-export",
            group="records-export",
            thread=True,
            exit_on_error=False,
        )

    def _export(
        self, request: ExportRequest, records: RecordsService, protocols: Protocols
    ) -> None:
        from neuroexam.core.models import Mode
        from neuroexam.records.export import Layout

        worker = get_current_worker()
        app = self.napp

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise _Cancelled
            app.call_from_thread(self._show_progress, done, total)

        where = ExamFilter(mode=Mode.CLINICAL, include_unfinished=False)
        try:
            result = records.export(
                request.path, where, Layout(request.layout), protocols, progress
            )
        except _Cancelled:
            return
        except StoreError as exc:
            app.call_from_thread(self._export_done, f"Export failed: {safe_text(exc)}", True)
            return
        except OSError as exc:
            why = exc.strerror or str(exc)
            message = f"Export failed: cannot write {safe_text(request.path)}: {why}"
            app.call_from_thread(self._export_done, message, True)
            return
        what = (
            f"{result.rows} findings of {result.exams} exams"
            if result.layout is Layout.FINDINGS
            else f"{result.exams} exams (summary)"
        )
        done = f"Exported {what} to {safe_text(request.path)}"
        app.call_from_thread(self._export_done, done, False)

    def _show_progress(self, done: int, total: int) -> None:
        if not self.is_attached:
            return
        self.query_one("#export-progress", ProgressBar).update(total=max(total, 1), progress=done)
        self.query_one("#export-status", Label).update(
            Content(f"Exporting complete clinical exams: {done} of {total}…")
        )

    def _export_done(self, message: str, failed: bool) -> None:
        self.app.notify(
            message, severity="error" if failed else "information", timeout=10, markup=False
        )
        if self.is_attached:
            self.query_one("#export-progress", ProgressBar).display = False
            self.query_one("#export-status", Label).display = False


class _Cancelled(Exception):
    """The export's worker was cancelled (the app is closing)."""
