"""The base of screens that list exams in a table keyed by exam id (history, a patient's
exams): enter or ``o`` opens the highlighted exam's summary, read only."""

from __future__ import annotations

from typing import ClassVar

from textual.widgets import DataTable

from neuroexam.tui.typed import NeuroScreen


class ExamListScreen(NeuroScreen[None]):
    """Opens the summary of the exam highlighted in the ``TABLE_ID`` table."""

    #: The id of the screen's table of exams (its row keys are exam ids).
    TABLE_ID: ClassVar[str]

    def selected_exam_id(self) -> str | None:
        table = self.query_one(f"#{self.TABLE_ID}", DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_open(self) -> None:
        exam_id = self.selected_exam_id()
        if exam_id is not None:
            self.napp.show_summary(exam_id, read_only=True)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.napp.show_summary(event.row_key.value, read_only=True)
