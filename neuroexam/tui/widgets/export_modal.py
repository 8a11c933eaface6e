"""Ask where to write a CSV export: a path prefilled with a default, overwrite confirmed."""

from __future__ import annotations

import os
import re
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from neuroexam.tui.widgets.modals import ConfirmModal

#: Tests (and users) can point exports somewhere other than the home folder.
EXPORT_DIR_ENV = "NEUROEXAM_EXPORT_DIR"


def export_dir() -> Path:
    """``$NEUROEXAM_EXPORT_DIR`` when set, else the user's home folder."""
    override = os.environ.get(EXPORT_DIR_ENV)
    return Path(override).expanduser() if override else Path.home()


def default_export_path(exam_id: str) -> Path:
    """``<export dir>/neuroexam-<exam_id>.csv``, the id reduced to characters safe in a name."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", exam_id).strip("._") or "exam"
    return export_dir() / f"neuroexam-{safe}.csv"


class ExportModal(ModalScreen[Path | None]):
    """Enter confirms the path (asking first if the file exists); escape cancels (None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, default: Path, title: str = "Export findings as CSV") -> None:
        super().__init__()
        self.default = default
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, id="export-title")
            yield Input(value=str(self.default), id="export-path")
            yield Label("", id="export-problem")
            yield Label("[b]enter[/b] export   [b]escape[/b] cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self._problem("Type a file name, or press escape to cancel.")
            return
        path = Path(text).expanduser()
        if path.is_dir():
            self._problem(f"{path} is a folder: add a file name such as exam.csv.")
            return
        if not path.parent.is_dir():
            self._problem(f"The folder {path.parent} does not exist: choose another one.")
            return
        if path.exists():

            def answered(overwrite: bool | None) -> None:
                if overwrite:
                    self.dismiss(path)

            self.app.push_screen(
                ConfirmModal(f"{escape(str(path))} already exists. Overwrite it?"), answered
            )
            return
        self.dismiss(path)

    def _problem(self, message: str) -> None:
        problem = self.query_one("#export-problem", Label)
        problem.update(Content(message))

    def action_cancel(self) -> None:
        self.dismiss(None)
