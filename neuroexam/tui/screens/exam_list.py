"""The base of screens that list exams in a table keyed by exam id (history, a patient's
exams): enter or ``o`` opens the highlighted exam's summary, read only; ``r`` re-examines
its patient."""

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

    def action_re_exam(self) -> None:
        """A new exam of the highlighted exam's patient (full or trunci-only)."""
        exam_id = self.selected_exam_id()
        exam = self.napp.records.exam(exam_id) if exam_id is not None else None
        if exam is None:
            return
        if exam.mode.value != "clinical":
            self.notify("A training exam is not re-examined: start the case again.")
            return
        from neuroexam.tui.screens.re_exam import ask_re_exam

        ask_re_exam(self.napp, exam.patient.patient_id, exam.parts)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.napp.show_summary(event.row_key.value, read_only=True)
