"""Intake: signalment and the history/sign checklist, for a new exam or to edit a running one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import (
    Button,
    Footer,
    Header,
    Input,
    Label,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection

from neuroexam.core.breeds import BreedIndex
from neuroexam.core.ids import new_exam_id
from neuroexam.core.intake import (
    IntakeError,
    breed_status,
    build_patient,
    parse_age,
    parse_weight,
)
from neuroexam.core.models import Exam, Sex, Species
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import breed_index

#: At least this many columns: signalment left, signs right.
WIDE_AT = 110
LABEL_WIDTH = 13

PATIENT_ID_NOTE = "optional, but earlier exams are compared only by patient id"
FIELD_HELP = {
    "patient-id": "The practice's patient number. Optional, but serial comparison of this "
    "patient's exams needs it.",
    "name": "The patient's name (optional).",
    "species": "←/→ chooses dog or cat. Required: it picks the exam protocol.",
    "breed": "Breed, alias (CKCS, Doxie…) or close spelling; → accepts the grey suggestion. "
    "Mixed or unknown is fine.",
    "age": "Age in years, decimals allowed (0.5 = 6 months); empty if not known.",
    "sex": "←/→ chooses: M male, MN neutered male, F female, FS spayed female, unknown.",
    "weight": "Body weight in kg; empty if not weighed.",
    "examiner": "Who performs the exam (optional).",
    "start": "Start the exam wizard with these details (F5).",
}
HELP_TEXT = """\
# Intake

Fill in the signalment and tick the history and observed signs, then press **F5** to start the
exam wizard. **tab** / **shift+tab** move between fields.

- **Patient id** is optional, but the exams of one patient are compared (cut-off migration)
  only by patient id.
- **Species** (required) picks the exam protocol: ←/→ choose.
- **Breed**: a name, an alias ("CKCS", "Doxie", "Frenchie") or a close spelling; the line under
  it shows the breed it matched. → accepts the grey suggestion. An unknown breed is kept as
  typed and gets no breed weighting.
- **Age** in years (0–30, decimals allowed), **weight** in kg (above 0, at most 200): both may
  stay empty.
- **Signs**: ↑/↓ move, **space** ticks; the line above the footer explains the highlighted sign.

**escape** goes back (asks first if anything was typed).
"""


class ChoiceSet(RadioSet):
    """A compact radio row where ←/→ (and ↑/↓) choose at once, like a native radio group."""

    _ready = False

    def on_mount(self) -> None:
        # Runs before RadioSet's own mount handler, which moves the cursor to the first button.
        self.call_later(self._arm)

    def _arm(self) -> None:
        """Start on the pressed button; only from now on does moving the cursor choose."""
        if self.pressed_index >= 0:
            self._selected = self.pressed_index
        self._ready = True

    def action_next_button(self) -> None:
        self._choose(super().action_next_button)

    def action_previous_button(self) -> None:
        self._choose(super().action_previous_button)

    def _choose(self, move: Callable[[], None]) -> None:
        # With nothing chosen yet, the first arrow press chooses the button under the cursor.
        if not self._ready or self.pressed_index >= 0:
            move()
        if self._ready:
            self.action_toggle_button()


def _row(label: str, widget: Widget) -> Horizontal:
    return Horizontal(Label(label, classes="field-label"), widget, classes="field")


def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class IntakeScreen(Screen[None]):
    """``IntakeScreen()`` starts a new exam; ``IntakeScreen(exam)`` edits a running exam's intake,
    saving each valid change at once."""

    DEFAULT_CSS = f"""
    IntakeScreen #intake-form {{ height: 1fr; padding: 0 1; }}
    IntakeScreen #intake-title {{ text-style: bold; margin-bottom: 1; }}
    IntakeScreen #intake-columns {{ height: auto; layout: vertical; }}
    IntakeScreen.-wide #intake-columns {{ layout: horizontal; }}
    IntakeScreen #signalment, IntakeScreen #signs {{ height: auto; width: 1fr; }}
    IntakeScreen.-wide #signalment {{ width: 64; margin-right: 2; }}
    IntakeScreen #signs {{ margin-top: 1; }}
    IntakeScreen.-wide #signs {{ margin-top: 0; }}
    IntakeScreen .section-title {{ text-style: bold; color: $text-primary; }}
    IntakeScreen .field {{ height: 1; margin-top: 1; }}
    IntakeScreen .field-label {{ width: {LABEL_WIDTH}; color: $text-muted; }}
    IntakeScreen .field:focus-within .field-label {{ color: $text-accent; text-style: bold; }}
    IntakeScreen .field Input {{ width: 1fr; background: $boost; }}
    IntakeScreen .field Input:focus {{ background: $primary 25%; }}
    IntakeScreen .field RadioSet {{ width: 1fr; height: 1; layout: horizontal; }}
    IntakeScreen .field RadioButton {{ width: auto; margin-right: 2; }}
    IntakeScreen .field RadioButton.-on > .toggle--label {{ text-style: bold underline; }}
    IntakeScreen .field-note {{
        padding-left: {LABEL_WIDTH}; color: $text-muted; width: 100%; height: auto;
    }}
    IntakeScreen .field-error {{
        padding-left: {LABEL_WIDTH}; color: $text-error; width: 100%; height: auto;
    }}
    IntakeScreen .field-error.-hidden, IntakeScreen .field-note.-hidden {{ display: none; }}
    IntakeScreen #breed-status {{ color: $text-success; }}
    IntakeScreen #breed-status.-warn {{ color: $text-warning; }}
    IntakeScreen SelectionList {{
        height: auto; padding: 0; border: round $border-blurred;
    }}
    IntakeScreen SelectionList:focus {{ border: round $border; }}
    IntakeScreen #start {{ margin: 1 0; }}
    IntakeScreen #context-help {{
        height: auto; max-height: 2; padding: 0 1; background: $panel; color: $text;
    }}
    """

    BINDINGS = [
        Binding("f5", "start", "Start exam", id="intake.start"),
        Binding("escape", "back", "Back", id="intake.back"),
        Binding("f1", "help", "Help", id="intake.help"),
    ]

    def __init__(self, exam: Exam | None = None) -> None:
        super().__init__()
        self.exam = exam
        self._sign_labels: dict[str, str] = {}
        #: The text each note under a field shows now.
        self._shown: dict[str, str] = {}

    # ---------------------------------------------------------------- helpers

    @property
    def editing(self) -> bool:
        return self.exam is not None

    @property
    def protocols(self) -> Protocols:
        return self.app.protocols  # type: ignore[attr-defined]

    @property
    def breeds(self) -> BreedIndex:
        return breed_index(self.protocols)

    def _input(self, widget_id: str) -> Input:
        return self.query_one(f"#{widget_id}", Input)

    def _breed_choices(self, species: Species | None) -> list[str]:
        """Canonical names first (they win a shared prefix), then aliases."""
        all_breeds = self.protocols.breeds.breeds
        chosen = [b for b in all_breeds if species is None or b.species is species]
        names = sorted(b.name for b in chosen)
        aliases = sorted(a for b in chosen for a in b.aliases)
        return list(dict.fromkeys([*names, *aliases]))

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        exam = self.exam
        yield Header()
        with VerticalScroll(id="intake-form"):
            title = (
                f"Edit intake — {exam.exam_id} (each valid change is saved at once)"
                if exam
                else "New exam — signalment and history"
            )
            yield Label(title, id="intake-title")
            with Horizontal(id="intake-columns"):
                with Vertical(id="signalment"):
                    yield from self._signalment(exam)
                with Vertical(id="signs"):
                    yield Label(
                        "History and observed signs ([b]space[/b] ticks)", classes="section-title"
                    )
                    chosen = set(exam.signs) if exam else set()
                    for group in self.protocols.signs.groups:
                        signs = [s for s in self.protocols.signs.signs if s.group == group.id]
                        selection_list: SelectionList[str] = SelectionList(
                            *[Selection(s.label, s.id, s.id in chosen) for s in signs],
                            id=f"signs-{group.id}",
                        )
                        selection_list.border_title = group.label
                        yield selection_list
            if not exam:
                yield Button("Start exam (F5)", id="start", variant="primary")
        yield Static("", id="context-help")
        yield Footer()

    def _signalment(self, exam: Exam | None) -> ComposeResult:
        patient = exam.patient if exam else None
        yield Label("Signalment", classes="section-title")
        yield _row(
            "Patient id",
            Input(patient.patient_id if patient else "", id="patient-id", compact=True),
        )
        yield Label("", id="patient-id-note", classes="field-note -hidden")
        yield _row("Name", Input(patient.name if patient else "", id="name", compact=True))
        species = ChoiceSet(
            RadioButton("Dog", patient is not None and patient.species is Species.DOG, id="dog"),
            RadioButton("Cat", patient is not None and patient.species is Species.CAT, id="cat"),
            id="species",
            compact=True,
            disabled=exam is not None,
        )
        yield _row("Species", species)
        yield Label("", id="species-note", classes="field-note -hidden")
        yield _row(
            "Breed",
            Input(
                patient.breed if patient else "",
                placeholder="name or alias, e.g. CKCS; mixed",
                id="breed",
                compact=True,
                suggester=SuggestFromList(
                    self._breed_choices(patient.species if patient else None),
                    case_sensitive=False,
                ),
            ),
        )
        yield Label("", id="breed-status", classes="field-note -hidden")
        yield _row(
            "Age (years)",
            Input(
                _number_text(patient.age_years if patient else None),
                placeholder="0–30, e.g. 4.5",
                id="age",
                compact=True,
            ),
        )
        yield Label("", id="age-error", classes="field-error -hidden")
        sex = patient.sex if patient else Sex.UNKNOWN
        yield _row(
            "Sex",
            ChoiceSet(
                *[RadioButton(s.value, s is sex, id=f"sex-{s.value}") for s in Sex],
                id="sex",
                compact=True,
            ),
        )
        yield _row(
            "Weight (kg)",
            Input(
                _number_text(patient.weight_kg if patient else None),
                placeholder="e.g. 12.5",
                id="weight",
                compact=True,
            ),
        )
        yield Label("", id="weight-error", classes="field-error -hidden")
        yield _row("Examiner", Input(exam.examiner if exam else "", id="examiner", compact=True))

    def on_mount(self) -> None:
        self.sub_title = "edit intake" if self.editing else "new exam"
        self._update_wide(self.app.size.width)
        self._sign_labels = {s.id: s.label for s in self.protocols.signs.signs}
        for selection_list in self.query(SelectionList):
            self._mark_ticked(selection_list)
        self._refresh_feedback()
        self._input("patient-id").focus()

    def on_resize(self, event: events.Resize) -> None:
        self._update_wide(event.size.width)

    def _update_wide(self, width: int) -> None:
        self.set_class(width >= WIDE_AT, "-wide")

    # ---------------------------------------------------------------- reading the form

    def _species(self) -> Species | None:
        pressed = self.query_one("#species", RadioSet).pressed_button
        return Species(pressed.id) if pressed is not None and pressed.id else None

    def _sex(self) -> Sex:
        pressed = self.query_one("#sex", RadioSet).pressed_button
        if pressed is None or not pressed.id:
            return Sex.UNKNOWN
        return Sex(pressed.id.removeprefix("sex-"))

    def _signs(self) -> list[str]:
        """Ticked sign ids in checklist order."""
        ticked: set[str] = set()
        for selection_list in self.query(SelectionList):
            ticked.update(selection_list.selected)
        return [s.id for s in self.protocols.signs.signs if s.id in ticked]

    def _field_errors(self) -> dict[str, str]:
        """Field → message for every invalid field (species only when starting)."""
        errors: dict[str, str] = {}
        for field, parser in (("age", parse_age), ("weight", parse_weight)):
            try:
                parser(self._input(field).value)
            except ValueError as exc:
                errors[field] = str(exc)
        return errors

    def _dirty(self) -> bool:
        typed = any(
            self._input(i).value.strip()
            for i in ("patient-id", "name", "breed", "age", "weight", "examiner")
        )
        return typed or self._species() is not None or bool(self._signs())

    # ---------------------------------------------------------------- feedback

    def _note(self, widget_id: str, text: str, warn: bool = False) -> None:
        """Show ``text`` under a field (hidden when empty); repaint only what changed."""
        label = self.query_one(f"#{widget_id}", Label)
        if self._shown.get(widget_id) != text:
            label.update(text)
            self._shown[widget_id] = text
        label.set_class(not text, "-hidden")
        label.set_class(warn, "-warn")

    def _refresh_feedback(self) -> None:
        errors = self._field_errors()
        for field in ("age", "weight"):
            self._note(f"{field}-error", errors.get(field, ""))
            self._input(field).set_class(field in errors, "-invalid")
        has_id = bool(self._input("patient-id").value.strip())
        self._note("patient-id-note", "" if has_id else PATIENT_ID_NOTE)
        species = self._species()
        if species is None:
            self._note("species-note", "required")
        else:
            self._note("species-note", "fixed once the exam has started" if self.editing else "")
        self._note("breed-status", *self._breed_feedback(species))

    def _breed_feedback(self, species: Species | None) -> tuple[str, bool]:
        """The line under the breed and whether it is a warning."""
        typed = self._input("breed").value.strip()
        if not typed:
            return "", False
        if species is None:
            return "choose the species to match the breed", True
        match = self.breeds.lookup(typed, species)
        text = breed_status(match)
        if match.known and match.groups:
            groups = "; ".join(self.breeds.groups[g].label for g in sorted(match.groups))
            text += f"\nrisk group: {groups}"
        return text, not match.known

    def _show_help(self, text: str) -> None:
        self.query_one("#context-help", Static).update(text)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if isinstance(widget, SelectionList):
            self._show_sign_help(widget)
        else:
            self._show_help(FIELD_HELP.get(widget.id or "", ""))

    def _show_sign_help(self, selection_list: SelectionList[str]) -> None:
        index = selection_list.highlighted
        if index is None:
            self._show_help("↑/↓ move, space ticks a sign.")
            return
        sign_id = selection_list.get_option_at_index(index).value
        sign = next(s for s in self.protocols.signs.signs if s.id == sign_id)
        normal = " (a normal behaviour on its own)" if sign.normal_behaviour else ""
        self._show_help(f"[b]{sign.label}[/b]: {sign.help}{normal}")

    # ---------------------------------------------------------------- changes

    def on_input_changed(self, event: Input.Changed) -> None:
        self._refresh_feedback()
        self._save_edit()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.id == "species":
            self._input("breed").suggester = SuggestFromList(
                self._breed_choices(self._species()), case_sensitive=False
            )
        self._refresh_feedback()
        self._save_edit()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        self._mark_ticked(event.selection_list)
        self._save_edit()

    def _mark_ticked(self, selection_list: SelectionList[str]) -> None:
        """A ✓ after each ticked sign, so the state does not rest on colour alone."""
        ticked = set(selection_list.selected)
        for index in range(selection_list.option_count):
            sign_id = selection_list.get_option_at_index(index).value
            label = self._sign_labels[sign_id]
            prompt = f"{label}  ✓" if sign_id in ticked else label
            selection_list.replace_option_prompt_at_index(index, prompt)

    def on_selection_list_selection_highlighted(
        self, event: SelectionList.SelectionHighlighted
    ) -> None:
        if event.selection_list.has_focus:
            self._show_sign_help(event.selection_list)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a field moves on, like tab."""
        event.stop()
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.action_start()

    def _save_edit(self) -> None:
        """Editing: apply every valid field to the exam and save it when something changed."""
        exam = self.exam
        if exam is None or not self.is_mounted:
            return
        errors = self._field_errors()
        old = exam.patient
        try:
            intake = build_patient(
                species=old.species,
                patient_id=self._input("patient-id").value,
                name=self._input("name").value,
                breed=self._input("breed").value,
                age=old.age_years if "age" in errors else self._input("age").value,
                sex=self._sex(),
                weight=old.weight_kg if "weight" in errors else self._input("weight").value,
                breeds=self.breeds,
            )
        except IntakeError:
            return
        examiner = self._input("examiner").value.strip()
        signs = self._signs()
        if (intake.patient, examiner, signs) == (exam.patient, exam.examiner, exam.signs):
            return
        exam.patient = intake.patient
        exam.examiner = examiner
        exam.signs = signs
        app = self.app
        continued = app.store.continued(exam.exam_id)  # type: ignore[attr-defined]
        app.save_ok(app.recorder.save_exam(exam, continued))  # type: ignore[attr-defined]

    # ---------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Editing a running exam: no Start (escape goes back), so F5 leaves the footer.
        return not (action == "start" and self.editing)

    def action_start(self) -> None:
        if self.editing:
            return
        self._refresh_feedback()
        errors = self._field_errors()
        species = self._species()
        if species is None:
            errors = {"species": "species: dog or cat", **errors}
        if errors:
            self.notify(
                "Cannot start yet — fix: " + ", ".join(errors),
                title="Check the intake",
                severity="error",
            )
            first = next(iter(errors))
            self.query_one(f"#{first}").focus()
            return
        intake = build_patient(
            species=species,
            patient_id=self._input("patient-id").value,
            name=self._input("name").value,
            breed=self._input("breed").value,
            age=self._input("age").value,
            sex=self._sex(),
            weight=self._input("weight").value,
            breeds=self.breeds,
        )
        now = datetime.now().astimezone()
        exam = Exam(
            exam_id=new_exam_id(now),
            exam_date=now,
            examiner=self._input("examiner").value.strip(),
            patient=intake.patient,
            signs=self._signs(),
        )
        app = self.app
        app.pop_screen()
        app.start_exam(exam)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        from neuroexam.tui.widgets.modals import ConfirmModal

        if self.editing:
            errors = self._field_errors()
            if errors:
                question = (
                    f"Not saved: {'; '.join(errors.values())} (the last valid value is kept). "
                    "Go back anyway?"
                )
                self.app.push_screen(ConfirmModal(question), self._leave_if)
                return
            self.dismiss(None)
            return
        if self._dirty():
            self.app.push_screen(
                ConfirmModal("Discard this new exam and go back to home?"), self._leave_if
            )
            return
        self.dismiss(None)

    def _leave_if(self, confirmed: bool | None) -> None:
        if confirmed:
            self.dismiss(None)

    def action_help(self) -> None:
        from neuroexam.tui.widgets.modals import HelpModal

        self.app.push_screen(HelpModal(HELP_TEXT))
