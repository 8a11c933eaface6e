"""The NeuroExam Textual application: screens on top of the session, store and rules."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding

from neuroexam.core.text import safe_text
from neuroexam.core.vocab import ExamStatus
from neuroexam.records.recorder import Recorder
from neuroexam.records.store import Store

if TYPE_CHECKING:  # pydantic-backed modules load after the first screen
    from neuroexam.core.models import Exam
    from neuroexam.core.protocol import Protocols
    from neuroexam.core.session import ExamSession
    from neuroexam.training.cases import Case
    from neuroexam.tui.screens.training import TrainingStart


def _load_shipped() -> Protocols:
    from neuroexam.core.protocol import shipped

    return shipped()


class NeuroExamApp(App[None]):
    """Home → intake → exam wizard → summary; history and resume from home."""

    CSS_PATH = "app.tcss"
    TITLE = "NeuroExam"
    SUB_TITLE = "scratch & cutaneous trunci reflex exam"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit_app", "Quit", id="app.quit", priority=True),
    ]

    def __init__(
        self,
        store: Store,
        protocols: Protocols | None = None,
        start_exam: Exam | None = None,
        training: TrainingStart | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.recorder = Recorder(store)
        self._protocols = protocols
        self._start_exam = start_exam
        self._training = training
        #: Training: the last student name typed (kept for the session) and the case picker.
        self.training_student = training.student if training else ""
        self.training_rng = training.rng if training else random.Random()

    @property
    def protocols(self) -> Protocols:
        """The clinical protocols; loaded on first use (warmed after the first screen)."""
        if self._protocols is None:
            self._protocols = _load_shipped()
        return self._protocols

    def on_mount(self) -> None:
        from neuroexam.tui.screens.home import HomeScreen

        self.push_screen(HomeScreen())
        if self._start_exam is not None:
            self.start_exam(self._start_exam)
        elif self._training is not None:
            case = self._training.case
            if case is not None and self.training_student:
                self.start_training(case, self.training_student)
            else:
                self.show_training(case.id if case is not None else None)
        else:
            # Load protocols off the UI thread so the first screen does not wait for them.
            self.set_timer(0.3, self._warm_protocols)

    def _warm_protocols(self) -> None:
        self.run_worker(_load_shipped, thread=True, name="warm-protocols", exit_on_error=False)

    # ---------------------------------------------------------------- navigation

    def new_exam(self) -> None:
        from neuroexam.tui.screens.intake import IntakeScreen

        self.push_screen(IntakeScreen())

    def start_exam(self, exam: Exam) -> None:
        """Save a new exam's intake and open the wizard on its first step."""
        from neuroexam.core.session import ExamSession

        self.save_ok(self.recorder.save_exam(exam))
        self._open_wizard(ExamSession(exam, self.protocols.exam(exam.patient.species)))

    def resume_exam(self, exam_id: str) -> None:
        exam = self.store.load_exam(exam_id)
        if exam is None:
            self.notify(
                f"Exam {safe_text(exam_id)} is no longer in the records.",
                severity="error",
                markup=False,
            )
            return
        from neuroexam.core.session import ExamSession
        from neuroexam.core.vocab import Mode

        continued = decode_continued(self.store.continued(exam_id))
        if exam.mode is Mode.TRAINING:
            from neuroexam.tui.screens.training_exam import resume_training_exam

            if resume_training_exam(self, exam, continued):
                return
        session = ExamSession(exam, self.protocols.exam(exam.patient.species), continued=continued)
        self._open_wizard(session)

    def _open_wizard(self, session: ExamSession) -> None:
        from neuroexam.tui.screens.exam import ExamScreen

        self.push_screen(ExamScreen(session))

    def show_summary(self, exam_id: str, read_only: bool = False) -> None:
        from neuroexam.tui.screens.summary import SummaryScreen

        self.push_screen(SummaryScreen(exam_id, read_only=read_only))

    def show_history(self) -> None:
        from neuroexam.tui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen())

    def show_patients(self) -> None:
        from neuroexam.tui.screens.patients import PatientsScreen

        self.push_screen(PatientsScreen())

    def compare_exams(self, a: str, b: str) -> None:
        """Two exams side by side (the screen puts the older one first)."""
        from neuroexam.tui.screens.compare import CompareScreen

        self.push_screen(CompareScreen(a, b))

    def show_training(self, preselect: str | None = None) -> None:
        """The training start screen (``preselect``: a case id to highlight)."""
        from neuroexam.tui.screens.training import TrainingScreen

        self.push_screen(TrainingScreen(preselect))

    def start_training(self, case: Case, student: str) -> None:
        """Store a new training exam of ``case`` for ``student`` and open the wizard."""
        from neuroexam.tui.screens.training_exam import open_training_exam

        open_training_exam(self, case, student)

    def show_progress(self, student: str) -> None:
        from neuroexam.tui.screens.progress import ProgressScreen

        self.push_screen(ProgressScreen(student))

    def go_home(self) -> None:
        from neuroexam.tui.screens.home import HomeScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        if isinstance(self.screen, HomeScreen):
            self.screen.refresh_lists()

    # ---------------------------------------------------------------- saving

    def save_ok(self, saved: bool) -> bool:
        """Tell the user at once when a write failed; the data stays in memory."""
        if not saved:
            self.notify(
                f"NOT SAVED — {safe_text(self.recorder.last_error)}. Your findings are kept in "
                f"memory ({self.recorder.unsaved} waiting) and will be saved as soon as writing "
                "works.",
                severity="error",
                timeout=10,
                markup=False,
            )
        return saved

    def finish_exam(self, exam: Exam) -> bool:
        exam.status = ExamStatus.COMPLETE
        return self.save_ok(self.recorder.set_status(exam.exam_id, ExamStatus.COMPLETE))

    async def action_quit_app(self) -> None:
        """Quit at any time; everything entered is already saved (asks if it is not)."""
        from neuroexam.tui.widgets.modals import ConfirmModal

        if self.recorder.unsaved and not self.recorder.retry():
            question = (
                f"{self.recorder.unsaved} change(s) could not be saved "
                f"({self.recorder.last_error}). Quit anyway and lose them?"
            )
            self.push_screen(ConfirmModal(question), self._quit_if)
            return
        self.exit()

    def _quit_if(self, confirmed: bool | None) -> None:
        if confirmed:
            self.exit()


def encode_continued(session: ExamSession) -> str:
    return ";".join(sorted(f"{test.value}:{side.value}" for test, side in session.continued))


def decode_continued(text: str) -> set:
    from neuroexam.core.vocab import Side, TestId

    out = set()
    for part in filter(None, text.split(";")):
        test, _, side = part.partition(":")
        try:
            out.add((TestId(test), Side(side)))
        except ValueError:
            continue
    return out
