"""An exam's audit trail: every change, oldest first, with when, who (on which workstation)
and why (read only)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Header, Label

from neuroexam.core.text import safe_text
from neuroexam.records.audit import NOTE_PREFIX, AuditRow
from neuroexam.records.backend import StoreError
from neuroexam.tui.typed import NeuroScreen

COLUMNS = ("When", "By", "Event", "Field", "Change", "Reason")
#: The widest "who on which workstation" cell: a long host name (a full domain name) ends in
#: "…" instead of pushing the event and field off an 80-column screen (the audit export keeps
#: it whole).
WHO_WIDTH = 30


def change_text(row: AuditRow) -> str:
    """``absent → present``, ``note: … → note: …``, or the single value of the row."""
    old, new = row.old_value, row.new_value
    if row.new_value.startswith(NOTE_PREFIX) or row.old_value.startswith(NOTE_PREFIX):
        old, new = old.replace(NOTE_PREFIX, "note: ", 1), new.replace(NOTE_PREFIX, "note: ", 1)
    if old and new:
        return f"{old} → {new}"
    if old:
        return f"{old} → (none)"
    return new


def who_text(row: AuditRow) -> str:
    """``A. Tech on WS-2``: who wrote the row and on which workstation (when known)."""
    who = row.by or "-"
    return f"{who} on {row.host}" if row.host else who


def trail_cells(row: AuditRow) -> tuple[Text, ...]:
    """One table row; texts from users are shown as typed (control characters escaped),
    never as markup."""
    cells = tuple(
        Text(safe_text(text))
        for text in (
            f"{row.at.astimezone():%m-%d %H:%M:%S}",
            who_text(row),
            row.event.value.upper()
            if row.event.value in ("voided", "amended", "cleared")
            else row.event.value,
            row.field.replace("/", " "),
            change_text(row),
            row.reason,
        )
    )
    cells[1].truncate(WHO_WIDTH, overflow="ellipsis")
    return cells


class TrailScreen(NeuroScreen[None]):
    """Read-only list of the exam's audit rows."""

    DEFAULT_CSS = """
    TrailScreen #trail { padding: 0 1; }
    TrailScreen #trail-table { height: 1fr; }
    """

    BINDINGS = [
        Binding("h", "home", "Home", id="trail.home"),
        Binding("escape", "back", "Back", id="trail.back"),
    ]

    def __init__(self, exam_id: str) -> None:
        super().__init__()
        self.exam_id = exam_id
        self.rows: list[AuditRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="trail"):
            yield Label("", id="trail-title")
            yield DataTable(id="trail-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"audit trail · exam {self.exam_id}"
        title = self.query_one("#trail-title", Label)
        try:
            self.rows = self.napp.records.audit(self.exam_id)
        except StoreError as exc:
            title.update(Content(f"Cannot read the records: {exc}"))
            return
        table = self.query_one("#trail-table", DataTable)
        table.add_columns(*COLUMNS)
        for row in self.rows:
            table.add_row(*trail_cells(row))
        title.update(
            Content(f"{len(self.rows)} event(s), oldest first. Nothing here is ever deleted.")
        )
        table.focus()

    def action_home(self) -> None:
        self.napp.go_home()

    def action_back(self) -> None:
        self.dismiss()
