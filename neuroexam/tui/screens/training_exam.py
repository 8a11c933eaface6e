"""The exam wizard in training mode: each step shows what the student observes, with the
technique and teaching notes open; the last answer leads to the commit screen, not the summary.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from neuroexam.core.session import Step
from neuroexam.core.text import safe_text
from neuroexam.services.exam import ExamService
from neuroexam.training.cases import Case, shipped_cases
from neuroexam.training.exams import case_id_of, training_exams
from neuroexam.tui.screens.exam import GRADE_WORDS, ExamScreen
from neuroexam.tui.widgets.modals import HelpModal

if TYPE_CHECKING:
    from neuroexam.tui.app import NeuroExamApp
    from neuroexam.tui.screens.commit import Commitment


def open_training_exam(app: NeuroExamApp, case: Case, student: str) -> None:
    """Store a new training exam of ``case`` (and its simulated earlier exam), open the wizard."""
    exam, previous = training_exams(case, student)
    if previous is not None:
        app.save_ok(app.save_training_exam(previous))
    service = app.exam_service(exam)
    if service is not None:
        app.push_screen(TrainingExamScreen(service, case, student))


def resume_training_exam(app: NeuroExamApp, service: ExamService) -> bool:
    """Reopen an unfinished training exam in training mode; False when its case is gone."""
    case_id = case_id_of(service.exam)
    case = next((c for c in shipped_cases() if c.id == case_id), None)
    if case is None:
        return False
    app.push_screen(TrainingExamScreen(service, case, service.exam.examiner))
    return True


def case_presentation(case: Case, sign_labels: dict[str, str]) -> str:
    """The case as the student meets it (Markdown): signalment, the owner's words, signs."""
    signs = [sign_labels.get(s, s) for s in case.signs]
    parts = [
        f"# {case.title}",
        f"*Training case · {case.level}*",
        f"**Patient.** {case.species.value}, {case.breed}, {case.age_years:g} y, "
        f"{case.sex.value}, {case.weight_kg:g} kg",
        f"**The owner says.** “{case.history}”",
    ]
    if signs:
        parts.append("**History and signs recorded.** " + "; ".join(signs))
    if case.previous is not None:
        parts.append(
            f"**Earlier exam.** This patient was examined {case.previous.hours_before:g} h ago; "
            "the map shows that exam's trunci cut-offs on its was row."
        )
    parts.append(
        "Grade what you observe at each step. Then commit to a localisation and flags (**f**) "
        "to see your score and the summary. **escape** starts; **v** shows this again."
    )
    return "\n\n".join(parts)


class TrainingExamScreen(ExamScreen):
    """:class:`ExamScreen` on a simulated patient; the answers are the student's grades."""

    DEFAULT_CSS = """
    TrainingExamScreen #observe {
        height: auto; background: $boost; text-style: bold; padding: 0 1;
    }
    TrainingExamScreen #notes { height: 1fr; min-height: 3; padding: 0 1; }
    """

    BINDINGS = [
        Binding("f", "commit", "Commit", id="training.commit"),
        Binding("v", "case", "Case", id="training.case"),
        Binding("pageup", "notes_up", "Notes up", show=False, id="training.notes_up"),
        Binding("pagedown", "notes_down", "Notes down", show=False, id="training.notes_down"),
    ]

    def __init__(self, service: ExamService, case: Case, student: str) -> None:
        super().__init__(service)
        self.case = case
        self.student = student

    def on_mount(self) -> None:
        step_box = self.query_one("#step")
        step_box.mount(Static(id="observe"), before="#step-text")
        self.mount(VerticalScroll(Static(id="notes-text"), id="notes"), after="#step")
        # The base mount handler runs after this one and renders the first step.
        self.call_after_refresh(self._after_mount)

    def _after_mount(self) -> None:
        student = safe_text(self.student or "?")
        self.sub_title = f"training · {safe_text(self.case.title)} · student {student}"
        if not self.session.exam.findings:
            self.action_case()

    # ---------------------------------------------------------------- rendering

    def refresh_view(self) -> None:
        super().refresh_view()
        if not self.is_mounted or not self.query("#notes-text"):
            return
        step = self.session.cursor
        observe = self.query_one("#observe", Static)
        notes = self.query_one("#notes-text", Static)
        if step is None:
            observe.update(Text("Every step is graded."))
            self.query_one("#step-text", Static).update(
                Text.from_markup(
                    "Press [b]f[/b] to commit your localisation and flags, [b]b[/b] to go back "
                    "and review, [b]j[/b] to jump."
                )
            )
            notes.update(Text(""))
            return
        response = self.case.response(step.test, step.site, step.side)
        observe.update(Text(f"You observe: {response.observed}"))
        notes.update(self._notes(step))
        self.query_one("#notes", VerticalScroll).scroll_home(animate=False)

    def _step_text(self, step: Step) -> Text:
        out = Text()
        finding = self.session.finding(step)
        if finding is not None:
            out.append("Your grade: ", style="bold")
            out.append(GRADE_WORDS[finding.grade] + " — press a grade key to change it\n")
        for key, word in (
            ("a", "absent"),
            ("r", "reduced"),
            ("p", "present"),
            ("e", "exaggerated"),
            ("n", "not tested"),
        ):
            out.append(key, style="bold reverse")
            out.append(f" {word}  ")
        out.append(" PgUp/PgDn notes")
        return out

    def _notes(self, step: Step) -> Text:
        spec = self.session.test_spec(step.test)
        site = self.session.site_spec(step)
        out = Text()
        for label, body in (
            ("How: ", site.technique or spec.technique),
            ("Normal: ", site.normal or spec.normal),
            ("Abnormal: ", site.abnormal or spec.abnormal),
            ("Teaching: ", site.teaching or spec.teaching),
        ):
            out.append(label, style="bold")
            out.append(body + "\n")
        if spec.references:
            out.append(f"References: {', '.join(spec.references)}", style="italic")
        return out

    def _update_alert(self) -> None:
        """No live flag alert in training: naming the flag would give the answer away."""
        self.query_one("#alert", Static).display = False

    def _update_mfs(self) -> None:
        """No live MFS in training either: the student commits it."""
        self.query_one("#mfs", Static).display = False

    # ---------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("summary", "intake"):
            return False  # the summary is revealed after the commit; the case fixes the intake
        if action == "commit":
            return self.session.done
        return super().check_action(action, parameters)

    def all_steps_recorded(self) -> None:
        self.action_commit()

    def action_commit(self) -> None:
        from neuroexam.tui.screens.commit import CommitScreen

        left = [s for s in self.session.active_steps() if self.session.grade(s) is None]
        if left:
            self.notify(f"Grade every step first ({len(left)} left).", severity="warning")
            return
        self.napp.push_screen(CommitScreen(self.case, self.napp.protocols), self._committed)

    def _committed(self, commitment: Commitment | None) -> None:
        if commitment is None:
            self.refresh_view()
            return
        from neuroexam.training.attempts import Attempt
        from neuroexam.training.scoring import score
        from neuroexam.tui.screens.score import ScoreScreen

        app = self.napp
        exam = self.session.exam
        result = score(
            self.case,
            exam,
            commitment.localization,
            commitment.flags,
            app.protocols.exam(self.case.species, self.case.part),
            committed_mfs=commitment.mfs,
        )
        grading, localization, flags = result.percentages
        details = result.details()
        details["case_title"] = self.case.title
        attempt = Attempt(
            attempt_id=f"A-{exam.exam_id}",
            exam_id=exam.exam_id,
            student=self.student,
            case_id=self.case.id,
            level=self.case.level,
            started_at=exam.exam_date,
            finished_at=datetime.now().astimezone(),
            grading=grading,
            localization=localization,
            flags=flags,
            total=result.total,
            details=details,
        )
        self.service.complete()
        app.save_attempt(attempt)
        app.switch_screen(ScoreScreen(self.case, exam.exam_id, result, self.student))

    def action_case(self) -> None:
        labels = {s.id: s.label for s in self.napp.protocols.signs.signs}
        self.app.push_screen(HelpModal(case_presentation(self.case, labels)))

    def action_notes_up(self) -> None:
        self.query_one("#notes", VerticalScroll).scroll_page_up()

    def action_notes_down(self) -> None:
        self.query_one("#notes", VerticalScroll).scroll_page_down()
