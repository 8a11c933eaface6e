"""Ask where to write a CSV export: a path prefilled with a default, overwrite confirmed."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioSet

from neuroexam.core.text import safe_text
from neuroexam.tui.widgets.choice import MarkedRadioButton, MarkedRadioSet
from neuroexam.tui.widgets.modals import ConfirmModal

#: Tests (and users) can point exports somewhere other than the home folder.
EXPORT_DIR_ENV = "NEUROEXAM_EXPORT_DIR"


def export_dir() -> Path:
    """``$NEUROEXAM_EXPORT_DIR`` when set, else the settings' ``export_folder`` (by default
    "NeuroExam exports" in the documents folder); the home folder when the settings cannot
    be read."""
    override = os.environ.get(EXPORT_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return settings_folder() or Path.home()


def settings_folder() -> Path | None:
    """The settings' export folder (None when ``$NEUROEXAM_EXPORT_DIR`` overrides it or the
    settings cannot be read): the one folder an export may create."""
    if os.environ.get(EXPORT_DIR_ENV):
        return None
    from neuroexam.settings import SettingsError, load_settings

    try:
        return load_settings().export_folder
    except SettingsError:
        return None


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
            yield Label(
                "[@click=screen.submit][b]enter[/b] export[/]   "
                "[@click=screen.cancel][b]escape[/b] cancel[/]",
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    async def action_submit(self) -> None:
        """A tap on "enter export": the same as enter in the path field."""
        await self.query_one("#export-path", Input).action_submit()

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
        if not path.parent.is_dir() and path.parent == settings_folder():
            try:  # the export folder of the settings is made on first use
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                self._problem(f"Cannot make the folder {path.parent}: {exc.strerror or exc}")
                return
        if not path.parent.is_dir():
            self._problem(f"The folder {path.parent} does not exist: choose another one.")
            return
        if path.exists():

            def answered(overwrite: bool | None) -> None:
                if overwrite:
                    self.dismiss(self._result(path))

            # the question is shown as typed (no markup), its controls escaped
            self.app.push_screen(ConfirmModal(f"{path} already exists. Overwrite it?"), answered)
            return
        self.dismiss(self._result(path))

    def _result(self, path: Path) -> Any:
        """What the dialog returns for a confirmed path (subclasses add their choices)."""
        return path

    def _problem(self, message: str) -> None:
        problem = self.query_one("#export-problem", Label)
        problem.update(Content(safe_text(message)))

    def action_cancel(self) -> None:
        self.dismiss(None)


#: Export layouts offered by :class:`RecordsExportModal` (FORMAT.md §2 and §3).
LAYOUTS = {
    "findings": "Findings: one row per finding (FORMAT.md §2)",
    "summary": "Summary: one row per exam, with its flags (FORMAT.md §3)",
}


def records_export_path(layout: str, today: date | None = None) -> Path:
    """``<export dir>/neuroexam-<layout>-<YYYY-MM-DD>.csv``."""
    day = (today or date.today()).isoformat()
    return export_dir() / f"neuroexam-{layout}-{day}.csv"


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    layout: str


class RecordsExportModal(ExportModal):
    """The export dialog with a layout choice (tab to it, arrows move the ``▸``, enter or
    space takes the layout: ``(•)``); returns an :class:`ExportRequest`, or None when
    cancelled."""

    def __init__(self, title: str = "Export the records as CSV") -> None:
        super().__init__(records_export_path("findings"), title)
        self.chosen_layout = "findings"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, id="export-title")
            yield Input(value=str(self.default), id="export-path")
            with MarkedRadioSet(id="export-layout"):
                for layout, label in LAYOUTS.items():
                    chosen = layout == self.chosen_layout
                    yield MarkedRadioButton(label, value=chosen, id=f"layout-{layout}")
            yield Label("", id="export-problem")
            yield Label(
                "[b]tab[/b] layout   [@click=screen.submit][b]enter[/b] export[/] (in the file "
                "name)   [@click=screen.cancel][b]escape[/b] cancel[/]",
                classes="hint",
            )

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        chosen = (event.pressed.id or "").removeprefix("layout-")
        if chosen not in LAYOUTS or chosen == self.chosen_layout:
            return
        field = self.query_one("#export-path", Input)
        if field.value == str(records_export_path(self.chosen_layout)):  # untouched: follow
            field.value = str(records_export_path(chosen))
        self.chosen_layout = chosen

    def _result(self, path: Path) -> Any:
        return ExportRequest(path, self.chosen_layout)
