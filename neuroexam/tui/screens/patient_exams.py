"""One patient's exams, newest first: date, examiner, status, cut-offs, MFS and flags (read
only)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from neuroexam.core.localize import analyse_ctr
from neuroexam.core.models import Assessment, Exam, ExamStatus
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import evaluate
from neuroexam.core.text import safe_text
from neuroexam.records.backend import ExamListing
from neuroexam.services.records import RecordsService
from neuroexam.tui.screens.exam_list import ExamListScreen
from neuroexam.tui.screens.patients import status_text
from neuroexam.tui.widgets.exam_table import (
    MFS_HEADER,
    MFS_LEGEND,
    assessed_row,
    column_widths,
    fit,
    listed_row,
)

#: Exams shown (the most recent), each with its stored assessment.
PAGE = 200
COLUMNS = (
    ("mark", "Cmp"),
    ("date", "Date"),
    ("examiner", "Examiner"),
    ("status", "Status"),
    ("cutoffs", "L/R"),
    ("mfs", MFS_HEADER),
    ("flags", "Flags"),
)
#: Widths of the columns before Flags, which takes the rest of the screen (80 columns: 14),
#: and from 110 columns on.
WIDTHS = (3, 16, 9, 11, 7, 3)
WIDE_WIDTHS = (3, 16, 16, 11, 7, 3)
MARKED, UNMARKED = "[x]", "[ ]"


def newest_first(exams: list[Exam]) -> list[Exam]:
    """Dated exams newest first, then exams without a date (as the history screen orders)."""
    ordered = sorted(
        exams, key=lambda e: (e.exam_date is not None, e.exam_date and e.exam_date.timestamp())
    )
    return ordered[::-1]


def serial_candidates(
    patient_exams: list[Exam], protocols: Protocols
) -> Callable[[Exam], list[Exam]]:
    """For an exam of the patient, the part of ``patient_exams`` that ``evaluate`` needs.

    ``evaluate`` reads the history to find the previous exam with a trunci cut-off and the
    start of a progressive-myelomalacia episode (whose first window is kept), both among the
    earlier exams with a tested trunci, and, for an exam without a date, to warn that it is
    not compared. Handing it just the earlier tested exams gives the same assessment.
    """
    limits = protocols.rules.thresholds.ctr
    tested = [
        e for e in patient_exams if e.exam_date is not None and analyse_ctr(e, limits).any_tested
    ]
    tested.sort(key=lambda e: e.exam_date)  # type: ignore[arg-type,return-value]  # stable
    dates = [e.exam_date for e in tested]

    def history(exam: Exam) -> list[Exam]:
        if exam.exam_date is None:
            return patient_exams
        return tested[: bisect_left(dates, exam.exam_date)]  # type: ignore[type-var]

    return history


def exam_rows(
    exams: list[Exam], patient_exams: list[Exam], protocols: Protocols
) -> list[tuple[str, tuple[str, ...]]]:
    """(exam_id, cells without the mark) for ``exams``, each evaluated as the summary does
    (with the patient's exams; see :func:`serial_candidates`)."""
    history = serial_candidates(patient_exams, protocols)
    rows = []
    for exam in exams:
        assessment = evaluate(exam, history(exam), protocols)
        status = status_text(exam.status, exam.mode)
        rows.append(assessed_row(exam, assessment, exam.examiner or "-", status))
    return rows


def patient_heading(exam: ExamListing, count: int) -> str:
    who = " ".join(x for x in (exam.patient_id, exam.patient_name) if x)
    breed = f" · {exam.breed}" if exam.breed else ""
    return f"{who} · {exam.species}{breed} — {count} exam{'s' if count != 1 else ''}"


def listed_exam_rows(
    listed: list[ExamListing], assessments: dict[str, Assessment]
) -> list[tuple[str, tuple[str, ...]]]:
    """:func:`exam_rows` from listing lines and their stored assessments (the same cells,
    no exam models, no evaluation)."""
    return [
        listed_row(
            line,
            assessments.get(line.exam_id),
            line.examiner or "-",
            status_text(line.status, line.mode),
        )
        for line in listed
    ]


class PatientExamsScreen(ExamListScreen):
    """The exams of one patient; open any summary read-only, mark two to compare."""

    TABLE_ID = "patient-exams-table"

    DEFAULT_CSS = """
    PatientExamsScreen #patient-exams { padding: 0 1; }
    PatientExamsScreen #patient-exams-table { height: 1fr; scrollbar-size-vertical: 1; }
    PatientExamsScreen #patient-exams-detail { height: auto; max-height: 6; }
    """

    BINDINGS = [
        Binding("o", "open", "Open summary", id="patient_exams.open"),
        Binding("r", "re_exam", "Re-exam", id="patient_exams.re_exam"),
        Binding("space", "mark", "Mark", id="patient_exams.mark"),
        Binding("c", "compare", "Compare", id="patient_exams.compare"),
        Binding("t", "trail", "Trail", id="patient_exams.trail"),
        Binding("h", "home", "Home", id="patient_exams.home"),
        Binding("escape", "back", "Back", id="patient_exams.back"),
    ]

    def __init__(self, patient_id: str) -> None:
        super().__init__()
        self.patient_id = patient_id
        #: Every exam of the patient as a listing line, newest first (the table shows the
        #: first PAGE; only those are assessed).
        self.exams: list[ExamListing] = []
        self.marked: list[str] = []
        self.row_count = 0
        self._cells: dict[str, tuple[str, ...]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="patient-exams"):
            yield Static("", id="patient-exams-title")
            yield DataTable(id="patient-exams-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="patient-exams-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"patient {safe_text(self.patient_id)} (read only)"
        table = self.query_one("#patient-exams-table", DataTable)
        for (key, label), width in zip(COLUMNS, self.widths(), strict=True):
            table.add_column(label, key=key, width=width)
        table.display = False
        self.query_one("#patient-exams-title", Static).update(
            Content(f"Loading the exams of patient {safe_text(self.patient_id)}…")
        )
        self.load(self.napp.records)

    @work(thread=True, exclusive=True, group="patient-exams")
    def load(self, records: RecordsService) -> None:
        """Off the UI thread: the patient's listing lines, and the stored assessments of the
        page shown (no exam loaded whole, however long the patient's record)."""
        ordered = records.patient_listings(self.patient_id)
        assessments = records.assessments([line.exam_id for line in ordered[:PAGE]])
        rows = listed_exam_rows(ordered[:PAGE], assessments)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_rows, ordered, rows)

    def show_rows(self, exams: list[ExamListing], rows: list[tuple[str, tuple[str, ...]]]) -> None:
        if not self.is_attached:  # left before the thread finished
            return
        self.exams = exams
        title = self.query_one("#patient-exams-title", Static)
        if not exams:
            title.update(Content(f"No exams recorded for patient {safe_text(self.patient_id)}."))
            self.refresh_bindings()
            return
        table = self.query_one("#patient-exams-table", DataTable)
        self._cells = dict(rows)
        voided = {e.exam_id for e in exams if e.status is ExamStatus.VOIDED}
        widths = self.widths()
        for exam_id, cells in rows:
            mark = MARKED if exam_id in self.marked else UNMARKED
            style = "strike" if exam_id in voided else ""  # with "✗ VOIDED" in its status
            table.add_row(
                *(
                    Text(fit(safe_text(c), w), style=style)
                    for c, w in zip((mark, *cells), widths, strict=True)
                ),
                key=exam_id,
            )
        more = (
            f" Showing the {len(rows)} most recent of {len(exams)}."
            if len(exams) > len(rows)
            else ""
        )
        title.update(
            Content(
                f"{safe_text(patient_heading(exams[0], len(exams)))}, newest first.{more}\n"
                "enter summary · space mark [x] · c compare the two marked "
                f"(or this exam with the one before it) · {MFS_LEGEND}"
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
        """The highlighted exam in full below the table: every flag's title, the notes."""
        self.show_detail(event, "patient-exams-detail")

    # ---------------------------------------------------------------- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "mark", "trail", "re_exam"):
            return self.row_count > 0
        if action == "compare":
            return len(self.exams) > 1
        return True

    def action_trail(self) -> None:
        exam_id = self.selected_exam_id()
        if exam_id is not None:
            self.napp.show_trail(exam_id)

    def action_mark(self) -> None:
        """Mark or unmark the highlighted exam; a third mark replaces the oldest one."""
        exam_id = self.selected_exam_id()
        if exam_id is None:
            return
        table = self.query_one("#patient-exams-table", DataTable)
        if exam_id in self.marked:
            self.marked.remove(exam_id)
            table.update_cell(exam_id, "mark", Text(UNMARKED))
            return
        if len(self.marked) == 2:
            dropped = self.marked.pop(0)
            table.update_cell(dropped, "mark", Text(UNMARKED))
            self.notify(f"Two exams can be compared: unmarked {safe_text(dropped)}.", markup=False)
        self.marked.append(exam_id)
        table.update_cell(exam_id, "mark", Text(MARKED))

    def compare_pair(self) -> tuple[str, str] | None:
        """The two marked exams; one marked and the highlighted one; else the highlighted
        exam and the one before it."""
        current = self.selected_exam_id()
        if len(self.marked) == 2:
            return self.marked[0], self.marked[1]
        if len(self.marked) == 1 and current is not None and current != self.marked[0]:
            return self.marked[0], current
        anchor = self.marked[0] if self.marked else current
        ids = [e.exam_id for e in self.exams]
        if anchor is None or anchor not in ids or ids.index(anchor) + 1 >= len(ids):
            return None
        return ids[ids.index(anchor) + 1], anchor

    def action_compare(self) -> None:
        pair = self.compare_pair()
        if pair is None:
            self.notify("No earlier exam to compare with: mark two exams with space.")
            return
        self.napp.compare_exams(*pair)

    def action_home(self) -> None:
        self.napp.go_home()

    def action_back(self) -> None:
        self.dismiss()
