"""The base of screens that list exams in a table keyed by exam id (history, a patient's
exams): enter or ``o`` opens the highlighted exam's summary, read only; ``r`` re-examines
its patient."""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.widgets import DataTable, Static

from neuroexam.core.report import note_lines
from neuroexam.core.text import safe_text
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.exam_table import cutoffs_cell, flags_detail, when_text


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

    def detail_text(self, exam_id: str) -> str:
        """The exam in full for the lines under the table (list cells are cut to fit): id,
        date, patient, breed, examiner; cut-offs and every flag's title, urgency and strength;
        the exam note and each finding's note (text as recorded)."""
        records = self.napp.records
        exam = records.exam(exam_id)
        if exam is None:
            return f"Exam {exam_id} is no longer in the records."
        # stored (the patient's whole history is not re-read on every highlighted row)
        assessment = records.stored_assessment(exam)
        p = exam.patient
        who = " ".join(x for x in (p.patient_id, p.name) if x) or "no patient id"
        breed = f", {p.breed}" if p.breed else ""
        lines = [
            f"{exam_id} · {when_text(exam)} · {who} · {p.species.value}{breed} · examiner "
            f"{exam.examiner or 'not recorded'}",
            f"cut-off L/R {cutoffs_cell(assessment)} · {flags_detail(assessment)}",
            *note_lines(exam),
        ]
        return "\n".join(safe_text(line) for line in lines)  # a note's own breaks escaped

    def show_detail(self, event: DataTable.RowHighlighted, widget_id: str) -> None:
        """The highlighted exam in full in the Static ``widget_id`` below the table."""
        event.stop()
        if event.row_key.value is not None:
            detail = self.detail_text(event.row_key.value)
            self.query_one(f"#{widget_id}", Static).update(Content(detail))

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

        ask_re_exam(self.napp, exam.patient.patient_id, exam.parts, exam.signs)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.napp.show_summary(event.row_key.value, read_only=True)
