"""Intake: signalment, exam date and parts, and the history/sign checklist — for a new exam or
to edit a running one.

Every key lands where it was typed, at any speed: Tab, shift+Tab and Enter move focus at once
(priority bindings, resolved when the app reads the key, so the keys after them already go to
the next field); each field runs its own bindings as keys reach it (:mod:`..widgets.fields`);
and keys typed while the screen opens are kept and replayed into the fields in order.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.keys import key_to_character
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, Input, Label, SelectionList, Static

from neuroexam.core.breeds import BreedIndex
from neuroexam.core.ids import new_exam_id
from neuroexam.core.intake import (
    PARTS_LABELS,
    SIDED_SIGNS,
    ExamParts,
    Intake,
    IntakeEdit,
    IntakeError,
    KnownPatient,
    breed_status,
    build_patient,
    encode_signs,
    finding_text,
    format_exam_date,
    identity_mismatches,
    orphaned_findings,
    parse_age,
    parse_exam_date,
    parse_weight,
    sign_sides,
)
from neuroexam.core.models import Exam, Finding, Sex, Species
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import breed_index
from neuroexam.core.session import all_steps
from neuroexam.core.text import safe_text
from neuroexam.services.patients import PatientLookup
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.choice import Choice, ChoiceSet
from neuroexam.tui.widgets.fields import FieldInput
from neuroexam.tui.widgets.sign_list import SignItem, SignList

__all__ = ["ChoiceSet", "IntakeScreen"]  # ChoiceSet: the training screen imports it from here

#: At least this many columns: signalment left, signs right (each fits without wrapping).
WIDE_AT = 120
LABEL_WIDTH = 13
#: The widest signalment line: a label and the spinal part's choice.
SIGNALMENT_WIDTH = LABEL_WIDTH + 4 + len(PARTS_LABELS[ExamParts.SPINAL])
#: At most this many orphaned findings are named in the species question.
NAMED_FINDINGS = 6
#: The text width of a dialog (app.tcss ``.dialog``: 70 columns less border and padding).
QUESTION_WIDTH = 64

#: Keys the screen acts on as the app reads them (priority bindings), so that focus has moved
#: (or Start has begun) before the next key is routed.
ORDERED_KEYS = ("tab", "shift+tab", "enter", "f5")

PATIENT_ID_NOTE = "optional, but earlier exams are compared only by patient id"
CHOICE_KEYS = "←/→ choose (or the first letter); Enter moves on."
FIELD_HELP = {
    "patient-id": "The practice's patient number. A known id fills in the signalment from the "
    "patient's last exam. Optional, but serial comparison needs it.",
    "name": "The patient's name (optional).",
    "species": f"Dog or cat: {CHOICE_KEYS} Required: it picks the exam protocol.",
    "breed": "Breed, alias (CKCS, Doxie…) or close spelling; → accepts the grey suggestion. "
    "Mixed or unknown is fine.",
    "age": "Age in years, decimals allowed (0.5 = 6 months); empty if not known.",
    "sex": f"M male, MN neutered male, F female, FS spayed female, unknown: {CHOICE_KEYS}",
    "weight": "Body weight in kg; empty if not weighed.",
    "examiner": "Who performs the exam (optional).",
    "exam-date": "When the exam was done, YYYY-MM-DD HH:MM (local time): change it to enter "
    "an exam done earlier.",
    "parts": f"Quick: the two reflexes. Spinal: also limb reflexes, postural reactions and "
    f"nociception. {CHOICE_KEYS}",
    "start": "Start the exam wizard with these details (Enter or F5).",
}
SIGN_KEYS = "space ticks"
SIDE_KEYS = "space ticks · l left · r right · b both · u side unknown"
HELP_TEXT = """\
# Intake

Fill in the signalment and tick the history and observed signs, then press **F5** to start the
exam wizard. **enter** or **tab** moves to the next field, **shift+tab** back. Keys are never
lost: type as fast as you like (a barcode scanner too).

- **Patient id** is optional, but the exams of one patient are compared (cut-off migration)
  only by patient id. A patient id already in the records fills in the signalment from that
  patient's last exam (the age moved on) and shows it; a different species or name for that id
  is flagged, and starting the exam then asks first.
- **Species** (required) picks the exam protocol; **sex** and the **exam** parts work the same
  way: ←/→ choose (the chosen option is marked `(•)`), or type the option's first letter.
- **Breed**: a name, an alias ("CKCS", "Doxie", "Frenchie") or a close spelling; the line under
  it shows the breed it matched. → accepts the grey suggestion. An unknown breed is kept as
  typed and gets no breed weighting.
- **Age** in years (0–30, decimals allowed), **weight** in kg (above 0, at most 200): both may
  stay empty.
- **Exam date**: now by default; change it to record an exam done earlier (not in the future).
- **Exam**: *quick* (scratch and cutaneous trunci reflexes) or *spinal* (adds the limb
  reflexes, postural reactions and nociception).
- **Signs**: ↑/↓ move, **space** ticks. Where the side matters (phantom scratching, forelimb
  lameness, Horner's, touch aversion, scoliosis) **l**, **r**, **b** and **u** record left,
  right, both sides or side unknown (←/→ step through them).

Editing a running exam: every valid change is saved at once; a species change that leaves
recorded findings without a step in the other species' exam names them and asks first.
**escape** goes back (asks first if anything was typed).
"""


def local_now() -> datetime:
    """The current local time (tests replace it for a fixed clock)."""
    return datetime.now().astimezone()


class _Form(VerticalScroll, can_focus=False):
    """The scrolling form; its fields take focus, never the container."""


def _question(*paragraphs: str) -> str:
    """A ConfirmModal question: each paragraph on its own lines, wrapped to the dialog."""
    return "\n".join(textwrap.fill(p, QUESTION_WIDTH) for p in paragraphs)


def _hand_over(
    screen: Screen[Any],
    keys: list[events.Key],
    leftover: Callable[[list[events.Key]], None] | None = None,
) -> None:
    """Keys typed after Start, for the screen that opened (the wizard or a question): run
    there once it is mounted, ahead of the keys the app hands it directly from now on. Keys
    after one that closes ``screen`` (a question answered) go to ``leftover``."""
    if keys:
        screen.call_later(_run_bindings, screen, list(keys), leftover)


async def _run_bindings(
    screen: Screen[Any],
    keys: list[events.Key],
    leftover: Callable[[list[events.Key]], None] | None,
) -> None:
    for index, key in enumerate(keys):
        if leftover is not None and not screen.is_current:
            leftover(keys[index:])
            return
        active = screen.active_bindings.get(key.key)
        if active is not None and active.enabled:
            await screen.app.run_action(active.binding.action, active.node)


def _settings_examiner() -> str:
    """The settings' ``examiner`` for a new exam's intake ("" when unset or unreadable: the
    settings file's own errors are reported where it is loaded for reports and exports)."""
    from neuroexam.settings import SettingsError, load_settings

    try:
        return load_settings().examiner
    except SettingsError:
        return ""


def _row(label: str, widget: Widget, row_id: str | None = None) -> Horizontal:
    return Horizontal(Label(label, classes="field-label"), widget, classes="field", id=row_id)


def _number_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class IntakeScreen(NeuroScreen[Intake | IntakeEdit | None]):
    """``IntakeScreen()`` starts a new exam (``patient_id`` prefills a known patient);
    ``IntakeScreen(exam)`` edits a running exam's intake, saving each valid change at once.

    Dismissed with the :class:`Intake` an exam was started with, with an :class:`IntakeEdit`
    after editing, or with None when left without starting.
    """

    DEFAULT_CSS = f"""
    IntakeScreen #intake-form {{ height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }}
    IntakeScreen #intake-title {{ text-style: bold; margin-bottom: 1; }}
    IntakeScreen #intake-columns {{ height: auto; layout: vertical; }}
    IntakeScreen.-wide #intake-columns {{ layout: horizontal; }}
    IntakeScreen #signalment, IntakeScreen #signs {{ height: auto; width: 1fr; }}
    IntakeScreen.-wide #signalment {{ width: {SIGNALMENT_WIDTH}; margin-right: 1; }}
    IntakeScreen #signs {{ margin-top: 1; }}
    IntakeScreen.-wide #signs {{ margin-top: 0; }}
    IntakeScreen .section-title {{ text-style: bold; color: $text-primary; }}
    IntakeScreen .field {{ height: auto; }}
    IntakeScreen .field-label {{ width: {LABEL_WIDTH}; color: $text-muted; }}
    IntakeScreen .field:focus-within .field-label {{ color: $text-accent; text-style: bold; }}
    IntakeScreen .field Input {{ width: 1fr; background: $boost; }}
    IntakeScreen .field Input:focus {{ background: $primary 25%; }}
    IntakeScreen .field-note {{
        padding-left: {LABEL_WIDTH}; color: $text-muted; width: 100%; height: auto;
    }}
    IntakeScreen .field-error {{
        padding-left: {LABEL_WIDTH}; color: $text-error; width: 100%; height: auto;
    }}
    IntakeScreen .field-error.-hidden, IntakeScreen .field-note.-hidden {{ display: none; }}
    IntakeScreen #breed-status {{ color: $text-success; }}
    IntakeScreen #breed-status.-warn, IntakeScreen #patient-id-note.-warn {{
        color: $text-warning;
    }}
    IntakeScreen SelectionList {{
        height: auto; padding: 0; border: round $border-blurred;
    }}
    IntakeScreen SelectionList:focus {{ border: round $border; }}
    IntakeScreen #start {{ margin: 1 0; }}
    IntakeScreen #context-help {{
        height: auto; max-height: 2; padding: 0 1; background: $panel; color: $text;
    }}
    """

    #: Focus is given once the keys typed while the screen opened are in (see :meth:`_open`).
    AUTO_FOCUS = ""

    BINDINGS = [
        Binding("tab", "key('tab')", "Next field", show=False, priority=True, id="intake.next"),
        Binding(
            "shift+tab",
            "key('shift+tab')",
            "Previous field",
            show=False,
            priority=True,
            id="intake.previous",
        ),
        Binding("enter", "key('enter')", "Next", show=False, priority=True, id="intake.enter"),
        Binding("f5", "key('f5')", "Start exam", priority=True, id="intake.start"),
        Binding("escape", "back", "Back", id="intake.back"),
        Binding("f1", "help", "Help", id="intake.help"),
    ]

    def __init__(
        self,
        exam: Exam | None = None,
        *,
        patient_id: str = "",
        parts: ExamParts = ExamParts.QUICK,
        signs: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.exam = exam
        #: A re-exam: the signs of the patient's last exam, ticked to start from.
        self._signs_prefill = signs
        if exam is not None and exam.parts in set(ExamParts):
            parts = ExamParts(exam.parts)  # editing: the exam's own parts
        self.parts = parts
        self._launch_id = patient_id
        #: The intake as it was when the screen opened (editing: what the edit started from).
        self._before = Intake.of(exam, parts) if exam else None
        self._sign_help: dict[str, str] = {}
        #: The text each note under a field shows now.
        self._shown: dict[str, str] = {}
        #: Where keys go (see "keys in order"), and the keys waiting for a field or for the
        #: screen Start opens.
        self._phase = "opening"
        self._pending: list[events.Key] = []
        #: The field focused when Start was pressed (focus returns there if it cannot start).
        self._resume: Widget | None = None
        #: The patient on record for ``_known_id`` (None: unknown id).
        self._known: KnownPatient | None = None
        self._known_id = ""
        self._prefilled_for = ""
        self._date_default = ""
        #: Editing: findings a confirmed species change left without a step.
        self._orphaned: tuple[Finding, ...] = ()
        self._asking_species = False

    # ---------------------------------------------------------------- services

    @property
    def editing(self) -> bool:
        return self.exam is not None

    @property
    def protocols(self) -> Protocols:
        return self.napp.protocols

    @property
    def breeds(self) -> BreedIndex:
        return breed_index(self.protocols)

    @property
    def lookup(self) -> PatientLookup:
        """Who a patient id belongs to (the one place the screen reaches the records for it)."""
        return self.napp.patients

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        exam = self.exam
        yield Header()
        with _Form(id="intake-form"):
            title = (
                f"Edit intake — {exam.exam_id} (each valid change is saved at once)"
                if exam
                else "New exam — signalment and history"
            )
            yield Label(title, id="intake-title", markup=False)
            with Horizontal(id="intake-columns"):
                with Vertical(id="signalment"):
                    yield from self._signalment(exam)
                with Vertical(id="signs"):
                    yield Label(
                        "History and observed signs ([b]space[/b] ticks)", classes="section-title"
                    )
                    yield from self._sign_lists(exam)
            if not exam:
                yield Button("Start exam (F5)", id="start", variant="primary")
        yield Static("", id="context-help", markup=False)
        yield Footer()

    def _signalment(self, exam: Exam | None) -> ComposeResult:
        patient = exam.patient if exam else None
        yield Label("Signalment", classes="section-title")
        patient_id = patient.patient_id if patient else ""
        yield _row("Patient id", FieldInput(patient_id, id="patient-id", compact=True))
        yield Label("", id="patient-id-note", classes="field-note -hidden", markup=False)
        yield _row("Name", FieldInput(patient.name if patient else "", id="name", compact=True))
        yield _row(
            "Species",
            Choice(
                [(s.value, s.value.capitalize()) for s in Species],
                patient.species.value if patient else None,
                id="species",
            ),
        )
        yield Label("", id="species-note", classes="field-note -hidden", markup=False)
        yield _row(
            "Breed",
            FieldInput(
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
        yield Label("", id="breed-status", classes="field-note -hidden", markup=False)
        yield _row(
            "Age (years)",
            FieldInput(
                _number_text(patient.age_years if patient else None),
                placeholder="0–30, e.g. 4.5",
                id="age",
                compact=True,
            ),
        )
        yield Label("", id="age-error", classes="field-error -hidden", markup=False)
        sex = patient.sex if patient else Sex.UNKNOWN
        yield _row("Sex", Choice([(s.value, s.value) for s in Sex], sex.value, id="sex"))
        yield _row(
            "Weight (kg)",
            FieldInput(
                _number_text(patient.weight_kg if patient else None),
                placeholder="e.g. 12.5",
                id="weight",
                compact=True,
            ),
        )
        yield Label("", id="weight-error", classes="field-error -hidden", markup=False)
        examiner = exam.examiner if exam else _settings_examiner()
        yield _row("Examiner", FieldInput(examiner, id="examiner", compact=True))
        when = exam.exam_date if exam and exam.exam_date else local_now()
        self._date_default = format_exam_date(when)
        yield _row(
            "Exam date",
            FieldInput(
                self._date_default, placeholder="YYYY-MM-DD HH:MM", id="exam-date", compact=True
            ),
        )
        yield Label("", id="exam-date-error", classes="field-error -hidden", markup=False)
        yield _row(
            "Exam",
            Choice(
                [(p.value, PARTS_LABELS[p]) for p in ExamParts],
                self.parts.value,
                vertical=True,
                id="parts",
            ),
        )

    def _sign_lists(self, exam: Exam | None) -> ComposeResult:
        """One list per group of ``signs.toml``, in file order."""
        ticked = sign_sides(exam.signs if exam else self._signs_prefill)
        signs = self.protocols.signs.signs
        for group in self.protocols.signs.groups:
            items = [
                SignItem(s.id, s.label, bool(getattr(s, "sided", s.id in SIDED_SIGNS)))
                for s in signs
                if s.group == group.id
            ]
            sign_list = SignList(
                items, {i.id: ticked[i.id] for i in items if i.id in ticked}, id=f"signs-{group.id}"
            )
            sign_list.border_title = group.label
            yield sign_list

    def _breed_choices(self, species: Species | None) -> list[str]:
        """Canonical names first (they win a shared prefix), then aliases."""
        all_breeds = self.protocols.breeds.breeds
        chosen = [b for b in all_breeds if species is None or b.species is species]
        names = sorted(b.name for b in chosen)
        aliases = sorted(a for b in chosen for a in b.aliases)
        return list(dict.fromkeys([*names, *aliases]))

    def on_mount(self) -> None:
        self.sub_title = "edit intake" if self.editing else "new exam"
        self._update_wide(self.app.size.width)
        for sign in self.protocols.signs.signs:
            normal = " (a normal behaviour on its own)" if sign.normal_behaviour else ""
            self._sign_help[sign.id] = f"{sign.label}: {sign.help}{normal}"
        for sign_list in self.query(SignList):
            sign_list.refresh_marks()
        if self._launch_id:
            self._input("patient-id").value = self._launch_id
        # Keys typed while the screen opened are queued ahead of this callback.
        self.call_later(self._open)

    def on_resize(self, event: events.Resize) -> None:
        self._update_wide(event.size.width)

    def _update_wide(self, width: int) -> None:
        self.set_class(width >= WIDE_AT, "-wide")

    # ---------------------------------------------------------------- keys in order
    #
    # Phases: ``opening`` (keys wait here until the first field has focus) → ``draining`` (keys
    # that reached the screen before that focus go to the field) → ``ready`` (fields take their
    # keys) ⇄ ``closing`` (Start pressed: the focused field finishes the keys it was sent, keys
    # typed after Start wait here) → ``ready`` again if the exam cannot start, ``asking`` while
    # the identity question is up (the waiting keys answer it; those after the answer come
    # back), ``gone`` once the wizard has opened (the waiting keys go to it).

    async def _open(self) -> None:
        """Focus the first field, then replay what was typed while the screen opened."""
        self._phase = "draining"
        patient_id = self._input("patient-id")
        self.set_focus(patient_id)  # now: Widget.focus() would wait for the app's next turn
        patient_id.cursor_position = len(patient_id.value)
        if patient_id.value.strip():
            self._id_committed()
        else:
            self._refresh_feedback()
        await self._replay()
        # Keys that reached the screen before the focus above are queued ahead of this.
        self.call_later(self._drained)

    def _drained(self) -> None:
        if self._phase == "draining":
            self._phase = "ready"

    async def _replay(self) -> None:
        """The waiting keys, in order, into the form (until one of them presses Start)."""
        pending, self._pending = self._pending, []
        for event in pending:
            if self._phase == "closing":
                self._pending.append(event)  # typed after Start: for the screen that opens
            else:
                await self._send(event)

    async def on_key(self, event: events.Key) -> None:
        """A key reaches the screen itself only while no field has focus: the screen opening,
        or Start pressed."""
        if self._phase == "ready":
            return  # a key bubbling up from a field: the bindings take it
        event.stop()
        await self._take(event)

    async def _take(self, event: events.Key) -> None:
        """A key no field could take as it came: into the form now (draining), to the screen
        that opened over the form, or waiting for one of them."""
        if self._phase == "draining":
            await self._send(event)
        elif self._phase in ("asking", "gone"):
            _hand_over(self.app.screen, [event])
        else:
            self._pending.append(event)

    async def _send(self, event: events.Key) -> None:
        """Replay a key: Tab, Enter or F5 act here, a screen key (escape, F1) runs here, any
        other goes to the focused field."""
        if event.key in ORDERED_KEYS:
            self._act(event.key)
            return
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority:
                await self.run_action(binding.action)
                return
        if self.focused is not None:
            self.focused.post_message(event)

    def action_key(self, key: str) -> None:
        """Tab, shift+Tab, Enter, F5: when the form is ready, act as the app reads the key, so
        the next keys already go where this one sends them; else wait in order with the rest."""
        if self._phase == "ready":
            self._act(key)
        else:  # behind the keys that reached the screen before it
            self.call_later(self._take, events.Key(key, key_to_character(key)))

    def _act(self, key: str) -> None:
        focused = self.focused
        if key == "f5" or (key == "enter" and isinstance(focused, Button)):
            self._press_start()
        elif key == "shift+tab":
            self.focus_previous()
        else:
            self.focus_next()

    # ---------------------------------------------------------------- reading the form

    def _input(self, widget_id: str) -> FieldInput:
        return self.query_one(f"#{widget_id}", FieldInput)

    def _choice(self, widget_id: str) -> Choice:
        return self.query_one(f"#{widget_id}", Choice)

    def _species(self) -> Species | None:
        value = self._choice("species").value
        return Species(value) if value else None

    def _sex(self) -> Sex:
        value = self._choice("sex").value
        return Sex(value) if value else Sex.UNKNOWN

    def _parts(self) -> ExamParts:
        value = self._choice("parts").value
        return ExamParts(value) if value else ExamParts.QUICK

    def _signs(self) -> list[str]:
        """Ticked signs in checklist order, with their sides (``id:left``…)."""
        ticked = {}
        for sign_list in self.query(SignList):
            ticked.update(sign_list.ticked())
        return encode_signs(ticked, (s.id for s in self.protocols.signs.signs))

    def _exam_date(self) -> datetime | None:
        """The entered exam date: unchanged when left as shown (a new exam: None, "now")."""
        text = self._input("exam-date").value
        if text.strip() == self._date_default:
            return self.exam.exam_date if self.exam else None
        return parse_exam_date(text, local_now())

    def _field_errors(self) -> dict[str, str]:
        """Field → message for every invalid field (species only when starting)."""
        errors: dict[str, str] = {}
        for field, parser in (("age", parse_age), ("weight", parse_weight)):
            try:
                parser(self._input(field).value)
            except ValueError as exc:
                errors[field] = str(exc)
        try:
            self._exam_date()
        except ValueError as exc:
            errors["exam-date"] = str(exc)
        return errors

    def _intake(self, species: Species, keep: Exam | None = None) -> Intake:
        """The form as an :class:`Intake`; an invalid age or weight keeps ``keep``'s value.

        Raises :class:`IntakeError` when a field is invalid and there is nothing to keep.
        """
        errors = self._field_errors()
        old = keep.patient if keep else None
        intake = build_patient(
            species=species,
            patient_id=self._input("patient-id").value,
            name=self._input("name").value,
            breed=self._input("breed").value,
            age=old.age_years if old and "age" in errors else self._input("age").value,
            sex=self._sex(),
            weight=old.weight_kg if old and "weight" in errors else self._input("weight").value,
            breeds=self.breeds,
        )
        keep_date = keep.exam_date if keep else None
        return Intake(
            patient=intake.patient,
            examiner=self._input("examiner").value.strip(),
            signs=tuple(self._signs()),
            exam_date=keep_date if "exam-date" in errors else self._exam_date(),
            parts=self._parts(),
        )

    def _dirty(self) -> bool:
        typed = any(
            self._input(i).value.strip() and not self._input(i).prefilled
            for i in ("patient-id", "name", "breed", "age", "weight", "examiner")
        )
        date_changed = self._input("exam-date").value.strip() != self._date_default
        return typed or date_changed or self._species() is not None or bool(self._signs())

    # ---------------------------------------------------------------- feedback

    def _note(self, widget_id: str, text: str, warn: bool = False) -> None:
        """Show ``text`` under a field (hidden when empty); repaint only what changed."""
        label = self.query_one(f"#{widget_id}", Label)
        if self._shown.get(widget_id) != text:
            # record text (a known patient's name) may hold controls: shown escaped
            label.update(safe_text(text, multiline=True))
            self._shown[widget_id] = text
        label.set_class(not text, "-hidden")
        label.set_class(warn, "-warn")

    def _refresh_feedback(self) -> None:
        errors = self._field_errors()
        for field in ("age", "weight", "exam-date"):
            self._note(f"{field}-error", errors.get(field, ""))
            self._input(field).set_class(field in errors, "-invalid")
        self._note("patient-id-note", *self._identity_feedback())
        species = self._species()
        self._note("species-note", "required" if species is None else "")
        self._note("breed-status", *self._breed_feedback(species))

    def _identity_feedback(self) -> tuple[str, bool]:
        """The known patient and any species/name mismatch, or the "optional" hint."""
        typed_id = self._input("patient-id").value.strip()
        if not typed_id:
            return PATIENT_ID_NOTE, False
        known = self._known if typed_id == self._known_id else None
        if known is None:
            return "", False
        mismatches = identity_mismatches(known, self._species(), self._input("name").value)
        lines = [known.line(), *(m.short() for m in mismatches)]
        return "\n".join(lines), bool(mismatches)

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
        if isinstance(widget, SignList):
            self._show_sign_help(widget)
        else:
            self._show_help(FIELD_HELP.get(widget.id or "", ""))

    def _show_sign_help(self, sign_list: SignList) -> None:
        item = sign_list.current
        if item is None:
            self._show_help("↑/↓ move, space ticks a sign.")
            return
        keys = SIDE_KEYS if item.sided else SIGN_KEYS
        # The keys first: a long explanation is cut at the end, never the keys.
        self._show_help(f"[{keys}] {self._sign_help.get(item.id, item.label)}")

    # ---------------------------------------------------------------- the patient on record

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        # The id field handled every key typed into it before its blur: the id is complete.
        if event.widget.id == "patient-id":
            self._id_committed()

    def _look_up(self, patient_id: str) -> KnownPatient | None:
        patient_id = patient_id.strip()
        excluding = self.exam.exam_id if self.exam else None
        latest = self.lookup.latest(patient_id, excluding=excluding) if patient_id else None
        self._known = KnownPatient.of(latest) if latest else None
        self._known_id = patient_id
        return self._known

    def _id_committed(self) -> None:
        """Look the id up; a new exam starts from the known patient's signalment."""
        patient_id = self._input("patient-id").value.strip()
        known = self._look_up(patient_id)
        if not self.editing and patient_id != self._prefilled_for:
            self._prefilled_for = patient_id
            self._prefill(known)
        self._refresh_feedback()

    def _prefill(self, known: KnownPatient | None) -> None:
        """Fill the fields the user has not changed from ``known`` (or empty them again)."""
        weight = self._input("weight")
        if known is None:
            values: dict[str, str | None] = {
                "name": "",
                "species": None,
                "breed": "",
                "age": "",
                "sex": Sex.UNKNOWN.value,
            }
            weight.placeholder = "e.g. 12.5"
        else:
            patient = known.prefill(local_now())
            values = {
                "name": patient.name,
                "species": patient.species.value,
                "breed": patient.breed,
                "age": _number_text(patient.age_years),
                "sex": patient.sex.value,
            }
            if patient.weight_kg is not None and known.last_exam is not None:
                weight.placeholder = (
                    f"last {patient.weight_kg:g} kg on {known.last_exam.astimezone():%Y-%m-%d}"
                )
        for widget_id, value in values.items():
            field = self.query_one(f"#{widget_id}")
            assert isinstance(field, FieldInput | Choice)
            field.prefill(value)

    # ---------------------------------------------------------------- changes

    def on_input_changed(self, event: Input.Changed) -> None:
        self._refresh_feedback()
        self._save_edit()

    def on_choice_changed(self, event: Choice.Changed) -> None:
        if event.choice.id == "species":
            species = self._species()
            self._input("breed").suggester = SuggestFromList(
                self._breed_choices(species), case_sensitive=False
            )
            if self.exam and species and self._species_needs_asking(species):
                return
        self._refresh_feedback()
        self._save_edit()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        sign_list = event.selection_list
        if isinstance(sign_list, SignList):
            sign_list.refresh_marks()
            if sign_list.has_focus:
                self._show_sign_help(sign_list)
        self._save_edit()

    def on_sign_list_sides_changed(self, event: SignList.SidesChanged) -> None:
        self._show_sign_help(event.sign_list)
        self._save_edit()

    def on_selection_list_selection_highlighted(
        self, event: SelectionList.SelectionHighlighted
    ) -> None:
        sign_list = event.selection_list
        if isinstance(sign_list, SignList) and sign_list.has_focus:
            self._show_sign_help(sign_list)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start" and self._phase == "ready":
            self._press_start()

    # ---------------------------------------------------------------- editing a running exam

    def _species_needs_asking(self, species: Species) -> bool:
        """Editing, a new species: ask first when recorded findings have no step in its exam."""
        exam = self.exam
        assert exam is not None
        if species is exam.patient.species or self._asking_species:
            return False
        steps = (step.key for step in all_steps(self.protocols.exam(species)))
        orphaned = orphaned_findings(exam.findings, steps)
        if not orphaned:
            self._orphaned = ()
            return False
        from neuroexam.tui.widgets.modals import ConfirmModal

        named = [f"• {finding_text(f)}" for f in orphaned[:NAMED_FINDINGS]]
        hidden = len(orphaned) - NAMED_FINDINGS
        more = [f"• and {hidden} more"] if hidden > 0 else []
        question = _question(
            f"Change the species to {species.value}? The {species.value} exam has no step for "
            f"{len(orphaned)} recorded finding(s):",
            *named,
            *more,
            "They would no longer be part of this exam.",
        )
        self._asking_species = True

        def answer(confirmed: bool | None) -> None:
            self._asking_species = False
            if confirmed:
                self._orphaned = tuple(orphaned)
                self._refresh_feedback()
                self._save_edit()
            else:
                self._choice("species").value = exam.patient.species.value

        self.app.push_screen(ConfirmModal(question), answer)
        return True

    def _save_edit(self) -> None:
        """Editing: apply every valid field to the exam and save it when something changed."""
        exam = self.exam
        if exam is None or not self.is_mounted or self._asking_species:
            return
        species = self._species() or exam.patient.species
        try:
            intake = self._intake(species, keep=exam)
        except IntakeError:
            return
        if intake.changes(Intake.of(exam, intake.parts)) == []:
            return
        intake.apply_to(exam)
        self.napp.save_intake(exam)

    def _edit_result(self) -> IntakeEdit:
        exam = self.exam
        assert exam is not None and self._before is not None
        after = Intake.of(exam, self._parts())
        return IntakeEdit(self._before, after, self._orphaned)

    # ---------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Editing a running exam: no Start (escape goes back), so F5 leaves the footer.
        return not (action == "key" and parameters == ("f5",) and self.editing)

    def _press_start(self) -> None:
        """Start: the focused field first handles the keys it was sent (its value is then
        complete), keys typed from now on wait here; then :meth:`_start_now`."""
        if self.editing:
            return
        focused = self.focused
        self._phase = "closing"
        self._resume = focused
        self.set_focus(None)
        if focused is None:
            self.call_later(self._start_now)
        else:  # after the field's keys, then after the keys that reached the screen meanwhile
            focused.call_later(self.call_later, self._start_now)

    async def _start_now(self) -> None:
        """Start the exam, after the identity question when the id is on record differently;
        the keys typed after Start go to the wizard (or the question)."""
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
            await self._resume_form(self.query_one(f"#{next(iter(errors))}"))
            return
        assert species is not None
        intake = self._intake(species)
        patient_id = intake.patient.patient_id
        known = self._look_up(patient_id)
        self._refresh_feedback()
        mismatches = identity_mismatches(known, species, intake.patient.name) if known else []
        if not mismatches:
            self._start(intake)
            return
        from neuroexam.tui.widgets.modals import ConfirmModal

        assert known is not None
        lines = [f"{m.message(patient_id)}." for m in mismatches]
        question = _question(f"⚠ {known.line()}.", *lines, "Start this exam anyway?")

        async def answer(confirmed: bool | None) -> None:
            if confirmed:
                self._start(intake)
            else:
                await self._resume_form(self._resume)

        modal = ConfirmModal(question)
        self.app.push_screen(modal, answer)
        self._phase = "asking"
        _hand_over(modal, self._pending, self._after_answer)
        self._pending = []

    def _after_answer(self, keys: list[events.Key]) -> None:
        """Keys typed after the identity question's answer: for the wizard, or the form."""
        self._pending = [*keys, *self._pending]
        if self._phase == "gone":  # the wizard opened already
            _hand_over(self.app.screen, self._pending)
            self._pending = []
        elif self._phase == "ready":  # back in the form already
            self.call_later(self._replay)

    async def _resume_form(self, field: Widget | None) -> None:
        """Back to the form (the exam did not start): focus ``field``, replay the waiting keys."""
        self._phase = "ready"
        self.set_focus(field)
        await self._replay()

    def _start(self, intake: Intake) -> None:
        now = local_now()
        exam = intake.new_exam(new_exam_id(intake.exam_date or now), now)
        app = self.napp
        self._phase = "gone"
        self.dismiss(intake)
        app.start_exam(exam)
        _hand_over(app.screen, self._pending)
        self._pending = []

    def action_back(self) -> None:
        from neuroexam.tui.widgets.modals import ConfirmModal

        if self.editing:
            errors = self._field_errors()
            if errors:
                question = _question(
                    f"Not saved: {'; '.join(errors.values())} (the last valid value is kept).",
                    "Go back anyway?",
                )
                self.app.push_screen(ConfirmModal(question), self._leave_if)
                return
            self.dismiss(self._edit_result())
            return
        if self._dirty():
            self.app.push_screen(
                ConfirmModal("Discard this new exam and go back to home?"), self._leave_if
            )
            return
        self.dismiss(None)

    def _leave_if(self, confirmed: bool | None) -> None:
        if confirmed:
            self.dismiss(self._edit_result() if self.editing else None)

    def action_help(self) -> None:
        from neuroexam.tui.widgets.modals import HelpModal

        self.app.push_screen(HelpModal(HELP_TEXT))
