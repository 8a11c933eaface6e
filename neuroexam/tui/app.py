"""The NeuroExam Textual application: screens on top of the services (never the store)."""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.message import Message

from neuroexam.core.text import safe_text
from neuroexam.records.backend import LeaseHeld, RecordLocked, StoreError
from neuroexam.services.exam import LEASE_RENEW, ExamService
from neuroexam.services.records import RecordsService
from neuroexam.services.saving import SaveQueue

if TYPE_CHECKING:  # pydantic-backed modules load after the first screen
    from neuroexam.core.models import Exam
    from neuroexam.core.protocol import Protocols
    from neuroexam.records.backend import RecordStore
    from neuroexam.services.patients import PatientLookup
    from neuroexam.services.reports import ReportService
    from neuroexam.training.attempts import Attempt
    from neuroexam.training.cases import Case
    from neuroexam.tui.screens.training import TrainingStart

#: Seconds between retries of changes that could not be written (disk full, file locked).
RETRY_EVERY = 2.0
#: Quitting waits this long for queued changes to be committed before asking.
QUIT_WAIT = 5.0


class SavesProgressed(Message):
    """The writer thread committed (or failed to commit) queued changes."""


def _load_shipped() -> Protocols:
    from neuroexam.core.protocol import shipped

    return shipped()


class NeuroExamApp(App[None]):
    """Home → intake → exam wizard → summary; history and resume from home."""

    CSS_PATH = "app.tcss"
    TITLE = "NeuroExam"
    SUB_TITLE = "scratch & cutaneous trunci reflex exam"
    ENABLE_COMMAND_PALETTE = False
    #: Commit on a writer thread (off the key path); False commits on the UI thread at once
    #: (snapshot tests: every screen then shows settled saves).
    THREADED_SAVES = True
    BINDINGS = [
        # Hidden from footers (80 columns are short): home lists q Quit, a tap target.
        Binding("ctrl+q", "quit_app", "Quit", show=False, id="app.quit", priority=True),
    ]

    def __init__(
        self,
        store: RecordStore,
        protocols: Protocols | None = None,
        start_exam: Exam | None = None,
        training: TrainingStart | None = None,
        user: str = "",
    ) -> None:
        super().__init__()
        self._store = store
        self.user = user
        #: Changes are committed in order by a writer thread with its own connection.
        self.saver = SaveQueue(
            store,
            threaded=self.THREADED_SAVES,
            on_refused=self._refused,
            on_progress=self._saves_progressed,
        )
        self._save_error: str | None = None
        self.records = RecordsService(store, lambda: self.protocols, user)
        self._patients: PatientLookup | None = None
        self._reports: ReportService | None = None
        #: Exams open for editing in this app, by id (their leases are renewed on a timer).
        self.editing: dict[str, ExamService] = {}
        self._protocols = protocols
        self._start_exam = start_exam
        self._training = training
        #: Training: the last student name typed (kept for the session) and the case picker.
        self.training_student = training.student if training else ""
        self.training_rng = training.rng if training else random.Random()
        #: The exam ``neuroexam exam`` started (its id and status are printed on exit).
        self.started_exam_id: str | None = None
        #: Records opened for reading only (read-only media): browse, never write.
        self.read_only = bool(getattr(store, "read_only", False))
        if self.read_only:
            self.sub_title = "read-only records"

    @property
    def store(self) -> RecordStore:
        """The records (for the CLI and tests; screens go through the services)."""
        return self._store

    @property
    def patients(self) -> PatientLookup:
        """Who a patient id belongs to (for the intake); loaded on first use."""
        if self._patients is None:
            from neuroexam.services.patients import PatientLookup

            self._patients = PatientLookup(self._store)
        return self._patients

    @property
    def reports(self) -> ReportService:
        """PDF, SOAP text and referral letters (loaded on first use)."""
        if self._reports is None:
            from neuroexam.services.reports import ReportService

            self._reports = ReportService(self._store, self.protocols)
        return self._reports

    @property
    def protocols(self) -> Protocols:
        """The clinical protocols; loaded on first use (warmed after the first screen)."""
        if self._protocols is None:
            self._protocols = _load_shipped()
        return self._protocols

    def on_mount(self) -> None:
        from neuroexam.tui.screens.home import HomeScreen

        self.push_screen(HomeScreen())
        if self.read_only:
            self.notify(
                f"{safe_text(self._store.location)}: the records are read-only. History and "
                "patients can be browsed; nothing can be saved.",
                severity="warning",
                timeout=15,
                markup=False,
            )
        self.set_interval(RETRY_EVERY, self._retry_saves)
        self.set_interval(LEASE_RENEW, self._renew_leases)
        if self._start_exam is not None:
            self.start_exam(self._start_exam)
            self.started_exam_id = self._start_exam.exam_id
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

    # ---------------------------------------------------------------- exams being edited

    def refuse_if_read_only(self, action: str) -> bool:
        """True (after saying why) when the records are read-only and ``action`` would write."""
        if self.read_only:
            self.notify(
                f"Cannot {action}: {safe_text(self._store.location)}: the records are read-only "
                "(opened for reading only).",
                severity="error",
                timeout=10,
                markup=False,
            )
        return self.read_only

    def exam_service(self, exam: Exam) -> ExamService | None:
        """Store a new exam and hold it for editing (None when it could not be stored)."""
        if self.refuse_if_read_only("start an exam"):
            return None
        try:
            service = ExamService.start(
                self._store, self.protocols, self.saver, exam, user=self.user or exam.examiner
            )
        except StoreError as exc:
            self.not_saved(str(exc))
            return None
        self.editing[service.exam_id] = service
        return service

    def open_exam_service(
        self, exam_id: str, *, take_over: bool = False, reason: str = ""
    ) -> ExamService:
        """Hold a stored exam for editing (raises LeaseHeld, RecordLocked, StoreError)."""
        if self.read_only:
            raise StoreError(f"{self._store.location}: the records are read-only; cannot edit")
        service = ExamService.resume(
            self._store,
            self.protocols,
            self.saver,
            exam_id,
            user=self.user,
            take_over=take_over,
            reason=reason,
        )
        self.editing[exam_id] = service
        return service

    def release(self, service: ExamService) -> bool:
        """The exam's screen closed: release its lease (True when an untouched exam was
        discarded)."""
        self.editing.pop(service.exam_id, None)
        discarded = service.close()
        waiting = service.unsaved_keys()
        if waiting:
            self.notify(
                f"Exam {service.exam_id}: {len(waiting)} finding(s) not saved yet "
                f"({self.saver.last_error or 'still being written'}); kept and retried every "
                f"{RETRY_EVERY:g} s while the app is open.",
                severity="error",
                timeout=15,
                markup=False,
            )
        return discarded

    def save_intake(self, exam: Exam) -> bool:
        """An intake corrected while its exam is open: written with a trail row per field."""
        service = self.editing.get(exam.exam_id)
        if service is None:  # edited outside the wizard: hold it like the wizard would
            try:
                service = self.open_exam_service(exam.exam_id)
            except StoreError as exc:
                self.not_saved(str(exc))
                return False
        return self.save_ok(service.update_intake(exam))

    def _retry_saves(self) -> None:
        if self.saver.unsaved:
            self.saver.retry()

    def _saves_progressed(self) -> None:
        """Called on the writer thread: wake the UI (posting is thread-safe)."""
        self.post_message(SavesProgressed())

    def on_saves_progressed(self, _message: SavesProgressed) -> None:
        """Commits were acknowledged: hand on refusals, say so once writing fails, let the
        open exams redraw their saved marks."""
        self.saver.deliver()
        error = self.saver.last_error
        if error is not None and error != self._save_error and self.saver.unsaved:
            self.save_ok(False)
        self._save_error = error
        for service in list(self.editing.values()):
            service.post_save_state()

    def on_unmount(self) -> None:
        """The app closes: commit what is queued (up to a timeout), stop the writer."""
        self.saver.close(QUIT_WAIT)

    def _renew_leases(self) -> None:
        for service in list(self.editing.values()):
            service.renew()

    def _refused(self, key: tuple, exc: RecordLocked) -> None:
        exam_id = key[1] if len(key) > 1 else None
        service = self.editing.get(exam_id) if isinstance(exam_id, str) else None
        if service is not None:
            service.refused_write(key, exc)
        else:
            self.not_saved(str(exc))

    # ---------------------------------------------------------------- navigation

    def new_exam(self) -> None:
        if self.refuse_if_read_only("start an exam"):
            return
        from neuroexam.tui.screens.intake import IntakeScreen

        self.push_screen(IntakeScreen())

    def start_exam(self, exam: Exam) -> None:
        """Save a new exam's intake and open the wizard on its first step."""
        service = self.exam_service(exam)
        if service is not None:
            self._open_wizard(service)

    def resume_exam(self, exam_id: str, *, take_over: bool = False, reason: str = "") -> None:
        """Open a stored exam in the wizard; asks when another window holds it."""
        if self.refuse_if_read_only("resume an exam"):
            self.show_summary(exam_id, read_only=True)
            return
        try:
            service = self.open_exam_service(exam_id, take_over=take_over, reason=reason)
        except LeaseHeld as held:
            self._ask_take_over(exam_id, held, reason)
            return
        except StoreError as exc:
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return
        from neuroexam.core.vocab import Mode

        if service.exam.mode is Mode.TRAINING:
            from neuroexam.tui.screens.training_exam import resume_training_exam

            if resume_training_exam(self, service):
                return
        self._open_wizard(service)

    def _ask_take_over(self, exam_id: str, held: LeaseHeld, reason: str) -> None:
        from neuroexam.tui.widgets.modals import ChoiceModal

        options = [
            ("read", "Open read only (see the summary)"),
            ("take", "Take over (the other window can no longer save to it)"),
        ]

        def chosen(choice: str | None) -> None:
            if choice == "read":
                self.show_summary(exam_id, read_only=True)
            elif choice == "take":
                self.resume_exam(exam_id, take_over=True, reason=reason)

        self.push_screen(ChoiceModal(f"Exam {held!s}.", options), chosen)

    def _open_wizard(self, service: ExamService) -> None:
        from neuroexam.tui.screens.exam import ExamScreen

        self.push_screen(ExamScreen(service))

    def show_summary(
        self, exam_id: str, read_only: bool = False, service: ExamService | None = None
    ) -> None:
        from neuroexam.tui.screens.summary import SummaryScreen

        self.push_screen(SummaryScreen(exam_id, read_only=read_only, service=service))

    def show_trail(self, exam_id: str) -> None:
        from neuroexam.tui.screens.trail import TrailScreen

        self.push_screen(TrailScreen(exam_id))

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
        if self.refuse_if_read_only("start a training case"):
            return
        from neuroexam.tui.screens.training_exam import open_training_exam

        open_training_exam(self, case, student)

    def save_training_exam(self, exam: Exam) -> bool:
        """A training case's simulated earlier exam, stored whole."""
        return self.saver.write_now(
            ("whole", exam.exam_id), lambda store: store.save_exam_with_findings(exam)
        )

    def save_attempt(self, attempt: Attempt) -> bool:
        return self.save_ok(
            self.saver.write_now(
                ("attempt", attempt.attempt_id), lambda store: store.save_attempt(attempt)
            )
        )

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

    def not_saved(self, why: str) -> None:
        """Say at once that something was not written, and why (record text shown as is)."""
        self.notify(f"NOT SAVED — {safe_text(why)}", severity="error", timeout=10, markup=False)

    def save_ok(self, saved: bool) -> bool:
        """Tell the user at once when a write failed; the data stays in memory."""
        if not saved:
            self.notify(
                f"NOT SAVED — {safe_text(self.saver.last_error or '')}. Your findings are kept "
                f"in memory ({self.saver.unsaved} waiting) and are saved as soon as writing works "
                f"(tried again every {RETRY_EVERY:g} s).",
                severity="error",
                timeout=10,
                markup=False,
            )
        return saved

    async def action_quit_app(self) -> None:
        """Quit at any time; everything entered is already saved (asks if it is not)."""
        from neuroexam.tui.widgets.modals import ConfirmModal

        if self.saver.unsaved and not await asyncio.to_thread(self.saver.flush, QUIT_WAIT):
            why = self.saver.last_error or f"still not written after {QUIT_WAIT:g} s"
            question = (
                f"{self.saver.unsaved} change(s) could not be saved ({why}). "
                "Quit anyway and lose them?"
            )
            self.push_screen(ConfirmModal(question), self._quit_if)
            return
        self._release_all()
        self.exit()

    def _release_all(self) -> None:
        for service in list(self.editing.values()):
            self.release(service)

    def _quit_if(self, confirmed: bool | None) -> None:
        if confirmed:
            self._release_all()
            self.exit()
