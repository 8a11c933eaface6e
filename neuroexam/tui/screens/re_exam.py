"""The "Re-exam this patient" action (summary, history, patients, a patient's exams): a new
exam of the same patient, its intake prefilled from the patient's last exam, full or trunci-only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from neuroexam.core.intake import ExamParts

if TYPE_CHECKING:
    from neuroexam.tui.app import NeuroExamApp

#: The choice offered: the full exam again, or the serial trunci test alone.
FULL, TRUNCI = "full", "trunci"


def full_parts(previous: str) -> ExamParts:
    """The parts of a full re-exam: those of the previous exam (quick after a trunci-only
    re-check)."""
    if previous == ExamParts.SPINAL.value:
        return ExamParts.SPINAL
    return ExamParts.QUICK


def re_exam_options(previous: str) -> list[tuple[str, str]]:
    """``(id, label)`` of the two choices; the full one names its parts."""
    full = "spinal exam" if full_parts(previous) is ExamParts.SPINAL else "scratch + trunci"
    return [
        (FULL, f"Full exam again ({full})"),
        (TRUNCI, "Trunci-only re-check (the cutaneous trunci steps alone)"),
    ]


def ask_re_exam(
    app: NeuroExamApp,
    patient_id: str,
    previous_parts: str = "quick",
    signs: Sequence[str] = (),
) -> None:
    """Ask full or trunci-only, then open the intake prefilled with the patient and the
    previous exam's ``signs`` ticked (from home, so the new exam's screens stack as any new
    exam's do)."""
    from neuroexam.tui.widgets.modals import ChoiceModal

    if not patient_id:
        app.notify("This exam has no patient id: start a new exam with n.", markup=False)
        return
    if app.refuse_if_read_only("start an exam"):
        return

    def chosen(choice: str | None) -> None:
        if choice is None:
            return
        parts = ExamParts.TRUNCI if choice == TRUNCI else full_parts(previous_parts)
        open_intake(app, patient_id, parts, signs)

    title = f"Re-exam patient {patient_id}:"
    app.push_screen(ChoiceModal(title, re_exam_options(previous_parts)), chosen)


def open_intake(
    app: NeuroExamApp, patient_id: str, parts: ExamParts, signs: Sequence[str] = ()
) -> None:
    """Home, then the intake of a new exam of ``patient_id`` with ``parts`` chosen and
    ``signs`` ticked (a paraplegic dog stays paraplegic until the intake says otherwise)."""
    from neuroexam.tui.screens.intake import IntakeScreen

    app.go_home()
    app.push_screen(IntakeScreen(patient_id=patient_id, parts=parts, signs=tuple(signs)))
