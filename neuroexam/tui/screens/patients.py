"""Patients: everyone with a recorded exam, newest exam first; search by id or name."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from neuroexam.core.text import safe_text
from neuroexam.core.vocab import ExamStatus, Mode
from neuroexam.records.backend import PatientListing
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.exam_table import column_widths, fit

#: Patients listed at most (newest exam first); the search narrows the list.
PATIENTS_LIMIT = 200
#: Seconds of typing pause before the list is searched again.
SEARCH_DELAY = 0.15
COLUMNS = ("Patient id", "Name", "Species, breed", "Exams", "Last exam", "Last status")
#: Widths of the columns before the last (which takes the rest): 80 columns, 110 and more.
WIDTHS = (10, 8, 14, 5, 16)
WIDE_WIDTHS = (12, 24, 36, 5, 16)


def status_text(status: ExamStatus, mode: Mode) -> str:
    """``complete`` / ``in progress`` / ``✗ VOIDED``; a training exam says so in words."""
    if status is ExamStatus.VOIDED:
        return "✗ VOIDED"
    text = "complete" if status is ExamStatus.COMPLETE else "in progress"
    return f"training: {text}" if mode is Mode.TRAINING else text


def patient_cells(item: PatientListing) -> tuple[str, ...]:
    when = item.last_exam_date.strftime("%Y-%m-%d %H:%M") if item.last_exam_date else "no date"
    return (
        item.patient_id,
        item.patient_name or "-",
        f"{item.species}, {item.breed}" if item.breed else item.species,
        str(item.exams),
        when,
        status_text(item.last_status, item.last_mode),
    )


class PatientsScreen(NeuroScreen[None]):
    """Type to search; arrows or enter move into the list; enter opens the patient's exams."""

    DEFAULT_CSS = """
    PatientsScreen #patients { padding: 0 1; }
    PatientsScreen #patients-search { margin: 0 0 1 0; }
    PatientsScreen #patients-table { height: 1fr; scrollbar-size-vertical: 1; }
    PatientsScreen #patients-detail { height: auto; max-height: 3; }
    """

    BINDINGS = [
        Binding("o", "open", "Open patient", id="patients.open"),
        Binding("r", "re_exam", "Re-exam", id="patients.re_exam"),
        Binding("slash", "search", "Search", id="patients.search"),
        Binding("down", "to_list", "To list", show=False, id="patients.to_list"),
        Binding("escape", "back", "Back", id="patients.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.row_count = 0
        self._items: dict[str, PatientListing] = {}
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="patients"):
            yield Label("", id="patients-title")
            yield Input(
                placeholder="search: patient id or name (↓ or enter: to the list)",
                id="patients-search",
            )
            yield DataTable(id="patients-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="patients-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "patients (read only)"
        table = self.query_one("#patients-table", DataTable)
        for label, width in zip(COLUMNS, self.widths(), strict=True):
            table.add_column(label, width=width)
        self.refresh_rows()
        self.query_one("#patients-search", Input).focus()

    # ---------------------------------------------------------------- rows

    @property
    def search_text(self) -> str:
        return self.query_one("#patients-search", Input).value.strip()

    def refresh_rows(self) -> None:
        """One store query (a GROUP BY over the exams index); fast enough to run per search."""
        text = self.search_text
        shown = safe_text(text)
        # training attempts (one TRAIN- patient each) have their own screens
        items = [
            item
            for item in self.napp.records.patients(text, limit=PATIENTS_LIMIT)
            if item.last_mode is not Mode.TRAINING
        ]
        table = self.query_one("#patients-table", DataTable)
        table.clear()
        widths = self.widths()
        for item in items:
            # rich Text: shown as typed (no markup, controls escaped), cut to its column.
            cells = (
                Text(fit(safe_text(c), w)) for c, w in zip(patient_cells(item), widths, strict=True)
            )
            table.add_row(*cells, key=item.patient_id)
        self.row_count = len(items)
        self._items = {item.patient_id: item for item in items}
        if not items:
            self.query_one("#patients-detail", Static).update("")
        title = self.query_one("#patients-title", Label)
        if not items:
            title.update(
                Content(f"No patient matches '{shown}'.")
                if text
                else Content("No patients yet: exams with a patient id appear here.")
            )
        else:
            noun = "patient" if len(items) == 1 else "patients"
            more = f" (the {PATIENTS_LIMIT} most recent)" if len(items) >= PATIENTS_LIMIT else ""
            found = f" matching '{shown}'" if text else ""
            title.update(
                Content(
                    f"{len(items)} {noun}{found}{more}, newest exam first. "
                    "Enter opens a patient's exams."
                )
            )
        self.refresh_bindings()

    def widths(self) -> list[int]:
        return column_widths(self.app.size.width, WIDTHS, WIDE_WIDTHS)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted patient in full under the list (list cells are cut to fit)."""
        event.stop()
        item = self._items.get(event.row_key.value or "")
        if item is not None:
            who = " ".join(x for x in (item.patient_id, item.patient_name) if x)
            cells = patient_cells(item)
            line = f"{who} · {cells[2]} · {cells[3]} exam(s), last {cells[4]} ({cells[5]})"
            self.query_one("#patients-detail", Static).update(Content(safe_text(line)))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self.refresh_rows)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search box: search now, then move into the list."""
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        self.refresh_rows()
        self.action_to_list()

    # ---------------------------------------------------------------- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.row_count > 0
        if action == "re_exam":  # typed into the search box, r is a letter of the search
            return self.row_count > 0 and not self.query_one("#patients-search", Input).has_focus
        if action == "search":
            return not self.query_one("#patients-search", Input).has_focus
        return True

    def selected_patient_id(self) -> str | None:
        table = self.query_one("#patients-table", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def open_patient(self, patient_id: str) -> None:
        from neuroexam.tui.screens.patient_exams import PatientExamsScreen

        self.app.push_screen(PatientExamsScreen(patient_id))

    def action_open(self) -> None:
        patient_id = self.selected_patient_id()
        if patient_id is not None:
            self.open_patient(patient_id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.open_patient(event.row_key.value)

    def action_re_exam(self) -> None:
        """A new exam of the highlighted patient (full or trunci-only), intake prefilled."""
        patient_id = self.selected_patient_id()
        if patient_id is None:
            return
        from neuroexam.tui.screens.re_exam import ask_re_exam

        latest = self.napp.records.latest_exam_of(patient_id)
        if latest is None:
            ask_re_exam(self.napp, patient_id)
        else:
            ask_re_exam(self.napp, patient_id, latest.parts, latest.signs)

    def action_search(self) -> None:
        self.query_one("#patients-search", Input).focus()

    def action_to_list(self) -> None:
        table = self.query_one("#patients-table", DataTable)
        if table.row_count:
            table.focus()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_back(self) -> None:
        self.dismiss()
