"""The exam wizard: one step at a time, one key per grade, saved as entered.

A key records the finding and moves on at once; the app's writer thread commits it. Until its
commit is acknowledged the finding is listed under "saving" beside the progress bar (and its
step says "not saved yet"): nothing is shown as saved that is not in the records.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Footer, Header, ProgressBar, Static

from neuroexam.core.localize import NONE, analyse_ctr
from neuroexam.core.models import FlagId, Grade, Side, TestId
from neuroexam.core.report import severity_text
from neuroexam.core.session import ExamSession, Step
from neuroexam.core.text import safe_text
from neuroexam.core.vocab import grades_for
from neuroexam.records.backend import StoreError
from neuroexam.services.exam import ExamService
from neuroexam.services.messages import ExamChanged, ExamTakenOver, SaveStateChanged
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.modals import ChoiceModal, ConfirmModal, HelpModal, TextModal
from neuroexam.tui.widgets.spine_map import SpineMap

#: The grade keys the step text lists, in order (only those the test offers are shown).
LEGEND = (
    ("a", Grade.ABSENT),
    ("r", Grade.REDUCED),
    ("p", Grade.PRESENT),
    ("e", Grade.EXAGGERATED),
    ("4", Grade.CLONUS),
    ("n", Grade.NOT_TESTED),
)
#: Where a grade means something else for a test: postural "reduced" is delayed.
LEGEND_WORDS = {(TestId.POSTURAL, Grade.REDUCED): "delayed"}

GRADE_WORDS = {
    Grade.ABSENT: "absent (0)",
    Grade.REDUCED: "reduced (1)",
    Grade.PRESENT: "present (2)",
    Grade.EXAGGERATED: "exaggerated (3)",
    Grade.CLONUS: "clonus (4)",
    Grade.NOT_TESTED: "not tested",
}


def tap(out: Text, key: str, word: str, action: str, gap: str = "  ") -> None:
    """Append ``key word`` to ``out`` as a tap/click target running the screen's ``action``
    (what the key does), so a touch screen without that key can still use it."""
    click = Style(meta={"@click": f"screen.{action}"})
    out.append(key, style=Style(bold=True, reverse=True) + click)
    out.append(f" {word}", style=click)
    out.append(gap)


class ExamScreen(NeuroScreen[None]):
    """Drives an :class:`ExamSession`; every answer is queued for saving and shown pending
    until its commit is acknowledged."""

    DEFAULT_CSS = """
    ExamScreen #step { height: auto; max-height: 10; padding: 0 1; }
    ExamScreen #step-title { text-style: bold; background: $boost; padding: 0 1; }
    ExamScreen #series { height: auto; padding: 0 1; color: $warning; }
    ExamScreen #alert {
        height: auto; padding: 0 1; background: $error; color: $text; text-style: bold;
    }
    ExamScreen #progress-row { height: 1; padding: 0 1; }
    ExamScreen #save-state {
        display: none; height: auto; padding: 0 1; background: $error; color: $text;
    }
    ExamScreen ProgressBar { width: 1fr; }
    ExamScreen #progress { width: auto; }
    ExamScreen #mfs {
        width: 1fr; height: 1; padding-left: 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    ExamScreen #progress-text { width: auto; padding-left: 1; }
    ExamScreen #saving { display: none; width: auto; max-width: 40; padding-left: 1; }
    """

    BINDINGS = [
        Binding("a", "grade('absent')", "Absent", show=False, id="exam.absent"),
        Binding("r", "grade('reduced')", "Reduced", show=False, id="exam.reduced"),
        Binding("p", "grade('present')", "Present", show=False, id="exam.present"),
        Binding("e", "grade('exaggerated')", "Exagg.", show=False, id="exam.exaggerated"),
        Binding("n", "grade('not_tested')", "Not tested", show=False, id="exam.not_tested"),
        Binding("0", "grade('absent')", "Absent", show=False, id="exam.0"),
        Binding("1", "grade('reduced')", "Reduced", show=False, id="exam.1"),
        Binding("2", "grade('present')", "Present", show=False, id="exam.2"),
        Binding("3", "grade('exaggerated')", "Exaggerated", show=False, id="exam.3"),
        Binding("4", "grade('clonus')", "Clonus", show=False, id="exam.4"),
        # Fast paths, listed on the step's key line (the footer has no room at 80 columns).
        Binding("P", "side_present", "Side present", show=False, id="exam.side_present"),
        Binding("asterisk", "all_present", "All present", show=False, id="exam.all_present"),
        Binding(
            "N",
            "side_not_testable",
            "Side not testable",
            show=False,
            id="exam.side_not_testable",
        ),
        Binding("b,backspace", "back", "Back", id="exam.back"),
        Binding("c", "continue_series", "Continue", id="exam.continue"),
        Binding("x,delete", "clear", "Clear", id="exam.clear"),
        Binding("h", "home", "Home", id="exam.home"),
        Binding("m", "note", "Note", id="exam.note"),
        Binding("j", "jump", "Jump", id="exam.jump"),
        Binding("s", "summary", "Summary", id="exam.summary"),
        Binding("i", "intake", "Intake", show=False, id="exam.intake"),
        Binding("f1", "help", "Help", id="exam.help"),
    ]

    def __init__(self, service: ExamService) -> None:
        super().__init__()
        self.service = service
        self._keys_state: tuple[object, ...] | None = None
        self.previous_cutoffs: dict[str, str | None] | None = None

    @property
    def session(self) -> ExamSession:
        return self.service.session

    @property
    def exam_id(self) -> str:
        return self.service.exam_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="save-state")
        with Vertical(id="step"):
            yield Static(id="step-title")
            yield Static(id="step-text")
        yield Static(id="series")
        yield Static(id="alert")
        yield SpineMap(id="map")
        with Horizontal(id="progress-row"):
            yield ProgressBar(id="progress", show_eta=False, show_percentage=False)
            yield Static(id="saving")
            yield Static(id="mfs")
        yield Footer()

    def on_mount(self) -> None:
        self.service.post = self.post_message
        self._load_previous()
        self.refresh_view()

    def on_unmount(self) -> None:
        if self.napp.release(self.service):
            self.napp.notify(f"Exam {self.exam_id} had no finding and was discarded.", markup=False)

    def _load_previous(self) -> None:
        """The patient's earlier exam, whose cut-offs the map shows on its "was" row and
        where the step counter expects each trunci series to stop."""
        exam = self.session.exam
        self.previous_cutoffs = None
        self.session.expected_end = {}
        if not exam.patient.patient_id:
            return
        earlier = self.service.previous_exam()
        if earlier is not None:
            ctr = analyse_ctr(earlier, self.napp.protocols.rules.thresholds.ctr)
            self.previous_cutoffs = {s.side.value: s.cutoff for s in ctr.sides}
            self.session.expected_end = {
                (TestId.CUTANEOUS_TRUNCI, s.side): s.cutoff
                for s in ctr.sides
                if s.cutoff and s.cutoff != NONE
            }

    # ---------------------------------------------------------------- service messages

    def on_exam_changed(self, message: ExamChanged) -> None:
        message.stop()
        if self.is_mounted:
            self.refresh_view()

    def on_save_state_changed(self, message: SaveStateChanged) -> None:
        message.stop()
        self._update_saving()
        step = self.session.cursor
        if step is not None:  # "not saved yet" on the step's recorded finding goes
            self.query_one("#step-text", Static).update(self._step_text(step))
        banner = self.query_one("#save-state", Static)
        failing = bool(message.unsaved and message.error)
        banner.display = failing
        if failing:
            why = safe_text(message.error or "")
            banner.update(
                Content(
                    f"NOT SAVED: {message.unsaved} change(s) waiting — {why}. "
                    "Kept in memory; retried every few seconds."
                )
            )

    def on_exam_taken_over(self, message: ExamTakenOver) -> None:
        message.stop()
        lease = message.lease
        where = f" on {lease.host}" if lease and lease.host else ""
        question = (
            f"This exam was taken over{where}: your changes are no longer saved to it "
            f"({len(self.service.refused)} refused). Keep this window's version as a new exam?"
        )
        self.app.push_screen(ConfirmModal(question), self._keep_as_new)

    def _keep_as_new(self, keep: bool | None) -> None:
        if keep:
            try:
                new_id = self.service.save_as_new_exam()
            except StoreError as exc:
                self.napp.not_saved(str(exc))
                return
            self.notify(f"Kept as new exam {new_id}.", markup=False)
        self.napp.go_home()

    def on_screen_resume(self) -> None:
        self.refresh_view()

    # ---------------------------------------------------------------- rendering

    def refresh_view(self) -> None:
        patient = self.session.exam.patient
        who = " ".join(x for x in (patient.patient_id, patient.name) if x)
        breed = patient.breed or "breed not given"
        self.sub_title = safe_text(f"{who} · {patient.species.value} · {breed}")
        step = self.session.cursor
        done, total = self.session.progress()
        title = self.query_one("#step-title", Static)
        text = self.query_one("#step-text", Static)
        if step is None:
            title.update("All steps recorded")
            text.update("Press [b]s[/b] for the summary, [b]b[/b] to go back, [b]j[/b] to jump.")
        else:
            title.update(self._title(step, done, total))
            text.update(self._step_text(step))
        series = self.query_one("#series", Static)
        series_text = self._series_text()
        series.update(series_text)
        series.display = bool(series_text)
        self.query_one(SpineMap).show(
            self.session.exam,
            self.napp.protocols.rules.thresholds.ctr,
            cursor=step,
            previous=self.previous_cutoffs,
            testing=self.session.series_in_progress(TestId.CUTANEOUS_TRUNCI),
        )
        self._update_alert()
        self._update_saving()
        self._update_mfs()
        bar = self.query_one(ProgressBar)
        bar.update(total=max(total, 1), progress=done)
        about = " (counted to the previous cut-offs)" if self.session.estimated else ""
        bar.tooltip = f"{done} of {total} steps recorded{about}"
        # Rebuilding the footer is the costliest part of a key press: only when keys change.
        keys_state = (
            step is None,
            self.session.at_first_step,
            self._any_series_ended() or self._continued_here(),
            step is not None and self.session.finding(step) is not None,
            step.test if step is not None else None,
            bool(self.session.remaining(TestId.SCRATCH)),
        )
        if keys_state != self._keys_state:
            self._keys_state = keys_state
            self.refresh_bindings()

    def _update_saving(self) -> None:
        """List the findings whose commit is not acknowledged yet (hidden once all are)."""
        waiting = self.service.unsaved_keys()
        saving = self.query_one("#saving", Static)
        saving.display = bool(waiting)
        if not waiting:
            return
        order = {s.key: i for i, s in enumerate(self.session.active_steps())}
        keys = sorted(waiting, key=lambda k: order.get(k, len(order)))
        names = [f"{site} {side.value[0].upper()}" for _, site, side in keys[:3]]
        more = f" +{len(keys) - 3}" if len(keys) > 3 else ""
        saving.update(Text(f"saving {len(keys)}: {', '.join(names)}{more}", style="bold"))

    def _title(self, step: Step, done: int, total: int) -> Text:
        spec = self.session.test_spec(step.test)
        site = self.session.site_spec(step)
        out = Text()
        out.append(f"{spec.title.split(' (')[0]}: ", style="")
        out.append(f"{site.label} · {step.side.value.upper()} side", style="bold")
        position = self.session.position(step)
        about = "~" if self.session.estimated else ""  # counted to the previous cut-offs
        out.append(f"   step {position or done + 1}/{about}{total}", style="")
        return out

    def _step_text(self, step: Step) -> Text:
        spec = self.session.test_spec(step.test)
        site = self.session.site_spec(step)
        out = Text()
        out.append("How: ", style="bold")
        out.append((site.technique or spec.technique) + "\n")
        out.append("Normal: ", style="bold")
        out.append((site.normal or spec.normal) + "\n")
        finding = self.session.finding(step)
        if finding is not None:
            out.append("Recorded: ", style="bold")
            out.append(GRADE_WORDS[finding.grade])
            if step.key in self.service.unsaved_keys():
                out.append(" (not saved yet)", style="bold")
            out.append(" — press a grade key to change it")
            if finding.note:
                out.append(f"   Note: {safe_text(finding.note)}", style="italic")
            out.append("\n")
        # Every key below is also a tap target (touch screens: the same action as the key).
        offered = set(grades_for(step.test))
        for key, grade in LEGEND:
            if grade in offered:
                word = LEGEND_WORDS.get((step.test, grade), grade.value.replace("_", " "))
                tap(out, key, word, f"grade('{grade.value}')")
        tap(out, "F1", "help", "help", gap="")
        out.append("\n")
        if step.test is TestId.SCRATCH:
            tap(out, "P", "this side present", "side_present")
        if self.session.remaining(TestId.SCRATCH):
            tap(out, "*", "all scratch present", "all_present")
        tap(out, "N", "rest of side not testable", "side_not_testable", gap="")
        return out

    def _update_alert(self) -> None:
        """Raise the progressive-myelomalacia emergency as soon as a finding shows migration."""
        alert = self.query_one("#alert", Static)
        if self.previous_cutoffs is None:
            alert.display = False
            return
        assessment = self.service.assessment()
        flag = next((f for f in assessment.flags if f.id is FlagId.PROGRESSIVE_MYELOMALACIA), None)
        alert.display = flag is not None
        if flag is None:
            return
        word = flag.urgency.value.upper()
        mark = "!!!" if flag.urgency.value == "emergency" else "!!"
        alert.update(
            Content(
                f"{mark} {word}: {safe_text(flag.reasons[0])}: progressive myelomalacia risk. "
                "Refer to a neurologist now."
            )
        )

    def _update_mfs(self) -> None:
        """The Modified Frankel Score as the findings stand, with its scale and direction;
        hidden when the exam is no pelvic limb or back presentation."""
        line = self.query_one("#mfs", Static)
        assessment = self.service.assessment()
        labels = self.napp.protocols.rules.severity.labels
        if assessment.severity is not None:
            line.update(severity_text(assessment.severity, labels))
        elif self.napp.protocols.rules.messages.nociception_missing in assessment.warnings:
            line.update("MFS – (0 worst, 6 normal): test deep pain")  # paraplegic, not tested
        else:
            line.update("")
        line.display = bool(str(line.render()))

    def _series_text(self) -> str:
        """Tell the clinician when a trunci series ended at the first twitch."""
        notes = []
        step = self.session.cursor
        continued = step is not None and self._continued_here()
        for side in Side:
            probe = Step(TestId.CUTANEOUS_TRUNCI, "L7", side)
            if self.session.series_ended(probe):
                responding = [
                    s.site
                    for s in self.session.active_steps()
                    if (s.test, s.side) == (TestId.CUTANEOUS_TRUNCI, side)
                    and (g := self.session.grade(s)) is not None
                    and g.responds
                ]
                where = responding[-1] if responding else "?"
                notes.append(f"{side.value} series ended at {where} (first twitch)")
        parts = []
        if continued and step is not None:
            parts.append(
                f"Testing the {step.side.value} side past its first twitch: press c to stop."
            )
        if notes:
            parts.append("; ".join(notes) + ".")
            on_series = step is None or self.session.test_spec(step.test).stop_at_first_response
            if on_series and not continued:
                parts.append("Press c to keep testing cranially.")
        return " ".join(parts)

    # ---------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        step = self.session.cursor
        if action == "grade":  # only the grades the test offers (FORMAT.md §1)
            return step is not None and Grade(str(parameters[0])) in grades_for(step.test)
        if action == "note":
            return step is not None
        if action == "clear":
            return True if step is not None and self.session.finding(step) else None
        if action == "back":
            return None if self.session.at_first_step else True
        if action == "continue_series":
            # Only on a step of a series that stops at the first twitch (or once all is
            # recorded): from a scratch step it would jump back into a finished side.
            on_series = step is None or self.session.test_spec(step.test).stop_at_first_response
            return on_series and (self._any_series_ended() or self._continued_here())
        if action == "side_present":
            return (
                step is not None
                and step.test is TestId.SCRATCH
                and bool(self.session.remaining(TestId.SCRATCH, step.side))
            )
        if action == "all_present":
            return bool(self.session.remaining(TestId.SCRATCH))
        if action == "side_not_testable":
            return step is not None
        return True

    def _continued_here(self) -> bool:
        """The cursor is on a series the clinician chose to continue (``c`` stops it)."""
        step = self.session.cursor
        return step is not None and (step.test, step.side) in self.session.continued

    def _any_series_ended(self) -> bool:
        return bool(self.session.ended_series())

    def action_grade(self, value: str) -> None:
        step = self.session.cursor
        if step is None or Grade(value) not in grades_for(step.test):
            return
        self.napp.save_ok(self.service.answer(Grade(value)))
        self.refresh_view()
        beyond = self.service.beyond_end(step)
        if beyond:
            self._offer_overshoot(step, beyond)
        elif self.session.done:
            self.all_steps_recorded()

    def _offer_overshoot(self, step: Step, beyond: list[Step]) -> None:
        """The answer ended a trunci series earlier than before: findings recorded cranial to
        the new end would linger on the map and in exports; offer to clear them."""
        levels = ", ".join(s.site for s in beyond)
        question = (
            f"The {step.side.value} trunci series now ends at {step.site}. Clear the "
            f"{len(beyond)} finding(s) recorded beyond it ({levels})? They stay in the trail."
        )

        def answer(clear: bool | None) -> None:
            if clear:
                self.napp.save_ok(self.service.clear(beyond, f"series now ends at {step.site}"))
            self.refresh_view()
            if self.session.done:
                self.all_steps_recorded()

        self.app.push_screen(ConfirmModal(question), answer)

    def all_steps_recorded(self) -> None:
        """The last step was answered: show the summary (training asks first, see there)."""
        self.napp.show_summary(self.exam_id, service=self.service)

    def _mark(self, steps: list[Step], grade: Grade, note: str = "") -> None:
        if not steps:
            return
        self.napp.save_ok(self.service.mark(steps, grade, note))
        self.refresh_view()
        if self.session.done:
            self.all_steps_recorded()

    def action_side_present(self) -> None:
        """The remaining scratch regions of the cursor's side are present."""
        step = self.session.cursor
        if step is None or step.test is not TestId.SCRATCH:
            return
        self._mark(self.session.remaining(TestId.SCRATCH, step.side), Grade.PRESENT)

    def action_all_present(self) -> None:
        """Every remaining scratch region (both sides) is present."""
        self._mark(self.session.remaining(TestId.SCRATCH), Grade.PRESENT)

    def action_side_not_testable(self) -> None:
        """The rest of the cursor's side of this test cannot be tested (a wound, a bandage):
        asks for the reason, stored as the note of each finding so marked."""
        step = self.session.cursor
        if step is None:
            return
        steps = self.session.remaining(step.test, step.side)
        if not steps:
            return
        title = self.session.test_spec(step.test).title.split(" (")[0]

        def save(reason: str | None) -> None:
            if reason is None:
                return
            if not reason.strip():
                self.notify("Give the reason the side cannot be tested (e.g. a bandage).")
                return
            self._mark(steps, Grade.NOT_TESTED, reason)

        self.app.push_screen(
            TextModal(
                f"{title}, {step.side.value} side: {len(steps)} step(s) not testable. Reason?",
                placeholder="e.g. wound, bandage",
            ),
            save,
        )

    def action_back(self) -> None:
        self.session.back()
        self.refresh_view()

    def action_clear(self) -> None:
        """The current step's finding becomes unrecorded (with a trail row)."""
        step = self.session.cursor
        if step is None or self.session.finding(step) is None:
            return
        self.napp.save_ok(self.service.clear([step]))
        self.refresh_view()

    def action_continue_series(self) -> None:
        """Keep testing past the first twitch; on a continued series, stop it again."""
        step = self.session.cursor
        if step is not None and self._continued_here():
            self.napp.save_ok(self.service.stop_series(step.test, step.side))
        else:
            self.napp.save_ok(self.service.continue_series())
        self.refresh_view()
        if self.session.done:
            self.all_steps_recorded()

    def action_note(self) -> None:
        step = self.session.cursor
        if step is None:
            return
        existing = self.session.finding(step)
        site = self.session.site_spec(step)

        def save(text: str | None) -> None:
            if text is None:
                return
            self.napp.save_ok(self.service.note(step, text))
            self.refresh_view()

        self.app.push_screen(
            TextModal(
                f"Note for {site.label}, {step.side.value}", existing.note if existing else ""
            ),
            save,
        )

    def action_home(self) -> None:
        """Back to home; the exam stays resumable (an untouched one is discarded)."""
        self.napp.go_home()

    def action_jump(self) -> None:
        options: list[tuple[str, str]] = []
        for test in self.session.tests():
            if test.order == "side_then_site":
                for side in test.sides:
                    options.append(
                        (f"{test.id.value}|{side.value}|", f"{test.title}: {side.value} side")
                    )
            else:
                for site in test.sites:
                    options.append(
                        (f"{test.id.value}|left|{site.id}", f"{test.title}: {site.label}")
                    )

        def go(choice: str | None) -> None:
            if not choice:
                return
            test, side, site = choice.split("|")
            candidates = [
                s
                for s in self.session.active_steps()
                if s.test.value == test
                and ((site == "" and s.side.value == side) or s.site == site)
            ]
            target = next((s for s in candidates if self.session.grade(s) is None), None)
            target = target or (candidates[0] if candidates else None)
            if target is not None:
                self.session.jump(target)
            self.refresh_view()

        self.app.push_screen(ChoiceModal("Jump to", options), go)

    def action_summary(self) -> None:
        self.napp.show_summary(self.exam_id, service=self.service)

    def action_intake(self) -> None:
        from neuroexam.tui.screens.intake import IntakeScreen

        self.app.push_screen(IntakeScreen(self.session.exam.model_copy(deep=True)))

    def action_help(self) -> None:
        step = self.session.cursor
        self.app.push_screen(HelpModal(self.help_text(step)))

    def help_text(self, step: Step | None) -> str:
        protocol = self.session.protocol
        if step is None:
            return f"# {protocol.title}\n\n{protocol.intro}"
        spec = self.session.test_spec(step.test)
        site = self.session.site_spec(step)
        parts = [
            f"# {spec.title}: {site.label}, {step.side.value} side",
            f"**Technique.** {site.technique or spec.technique}",
            f"**Normal response.** {site.normal or spec.normal}",
            f"**Abnormal response.** {site.abnormal or spec.abnormal}",
            f"**Teaching note.** {site.teaching or spec.teaching}",
        ]
        if site.teaching and spec.teaching != site.teaching:
            parts.append(f"**About this test.** {spec.teaching}")
        parts += [f"> {c}" for c in protocol.caveats]
        if spec.references:
            parts.append(f"*References: {', '.join(spec.references)}*")
        parts.append(
            "Keys: **a** absent · **r** reduced · **p** present · **e** exaggerated · "
            "**n** not tested · **0-3** same as a/r/p/e · **b** back · **m** note · **j** jump · "
            "**c** continue a trunci series past the first twitch · "
            "**P** the rest of this scratch side present · **\\*** every remaining scratch "
            "region present · **N** the rest of this side not testable (asks the reason) · "
            "**s** summary · "
            "**ctrl+q** quit (the exam stays resumable)"
        )
        return "\n\n".join(parts)
