"""Training start: the student's name, a level, the case list; enter starts, r picks at random."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Input, Label
from textual.widgets.option_list import Option

from neuroexam.core.protocol import ProtocolError
from neuroexam.training.cases import LEVELS_ORDER, shipped_cases
from neuroexam.training.picker import PickError, by_level, pick
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.choice import ChoiceSet, MarkedRadioButton
from neuroexam.tui.widgets.marked_list import CursorOptionList

if TYPE_CHECKING:
    from neuroexam.training.cases import Case

LEVEL_CHOICES: tuple[str, ...] = ("any", *LEVELS_ORDER)


@dataclass
class TrainingStart:
    """How ``neuroexam train`` opens the app: a picked case (or none) and the student."""

    case: Case | None = None
    student: str = ""
    rng: random.Random = field(default_factory=random.Random)


def case_label(case: Case) -> str:
    return f"{case.level:<13}{case.title}"


class TrainingScreen(NeuroScreen[None]):
    """Choose a simulated patient; the name typed here is kept for the whole session."""

    DEFAULT_CSS = """
    TrainingScreen #training { padding: 0 1; height: 1fr; }
    TrainingScreen #training-title { text-style: bold; margin-bottom: 1; width: 100%; }
    TrainingScreen .field { height: 1; margin-bottom: 1; }
    TrainingScreen .field-label { width: 10; color: $text-muted; }
    TrainingScreen .field:focus-within .field-label { color: $text-accent; text-style: bold; }
    TrainingScreen .field Input { width: 1fr; background: $boost; }
    TrainingScreen .field Input:focus { background: $primary 25%; }
    TrainingScreen .field RadioSet { width: 1fr; height: 1; layout: horizontal; }
    TrainingScreen .field RadioButton { width: auto; margin-right: 2; }
    TrainingScreen .field RadioButton.-on > .toggle--label { text-style: bold underline; }
    TrainingScreen #cases { height: 1fr; min-height: 3; }
    TrainingScreen #cases-title { color: $text-muted; }
    """

    BINDINGS = [
        Binding("r", "random", "Random case", id="training.random"),
        Binding("p", "progress", "Progress", id="training.progress"),
        Binding("escape", "back", "Back", id="training.back"),
    ]

    def __init__(self, preselect: str | None = None) -> None:
        super().__init__()
        self.preselect = preselect
        self.cases: list[Case] = []
        self.shown: list[Case] = []
        self.level: str | None = None

    def compose(self) -> ComposeResult:
        student = self.napp.training_student
        yield Header()
        with Vertical(id="training"):
            yield Label(
                "Training: simulated patients. Grade what you observe, then commit to a "
                "localisation and flags before the summary is revealed.",
                id="training-title",
            )
            yield Horizontal(
                Label("Student", classes="field-label"),
                Input(value=student, placeholder="your name", id="student", compact=True),
                classes="field",
            )
            yield Horizontal(
                Label("Level", classes="field-label"),
                ChoiceSet(
                    *[MarkedRadioButton(name, value=name == "any") for name in LEVEL_CHOICES],
                    id="level",
                    compact=True,
                ),
                classes="field",
            )
            yield Label(
                "Cases — enter starts the highlighted case, r picks one at random:",
                id="cases-title",
            )
            yield CursorOptionList(id="cases")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "training"
        try:
            self.cases = list(shipped_cases())
        except ProtocolError as exc:
            self.notify(f"The case bank cannot be read: {exc}", severity="error", timeout=15)
        self._fill()
        if self.preselect is not None:
            index = next((i for i, c in enumerate(self.shown) if c.id == self.preselect), None)
            if index is not None:
                self.query_one("#cases", CursorOptionList).highlighted = index
        student = self.query_one("#student", Input)
        if student.value.strip() and self.preselect is None:
            self.query_one("#cases", CursorOptionList).focus()
        else:
            student.focus()

    def _fill(self) -> None:
        cases = self.query_one("#cases", CursorOptionList)
        self.shown = by_level(self.cases, self.level)
        cases.clear_options()
        cases.add_options([Option(case_label(c), id=c.id) for c in self.shown])
        if self.shown:
            cases.highlighted = 0

    # ---------------------------------------------------------------- events

    def on_radio_set_changed(self, event: ChoiceSet.Changed) -> None:
        name = str(event.pressed.label)
        self.level = None if name == "any" else name
        self._fill()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.napp.training_student = event.value.strip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self._student():
            return
        if self.preselect is not None:
            case = next((c for c in self.cases if c.id == self.preselect), None)
            if case is not None:
                self._start(case)
                return
        self.query_one("#cases", CursorOptionList).focus()

    def on_option_list_option_selected(self, event: CursorOptionList.OptionSelected) -> None:
        event.stop()
        case = next((c for c in self.cases if c.id == event.option.id), None)
        if case is not None:
            self._start(case)

    # ---------------------------------------------------------------- actions

    def _student(self) -> str:
        """The student's name, or '' after asking for it."""
        name = self.query_one("#student", Input).value.strip()
        if not name:
            self.notify("Type your name first: scores are kept per student.", severity="warning")
            self.query_one("#student", Input).focus()
        return name

    def _start(self, case: Case) -> None:
        student = self._student()
        if student:
            self.napp.training_student = student
            self.napp.start_training(case, student)

    def action_random(self) -> None:
        try:
            case = pick(self.cases, level=self.level, rng=self.napp.training_rng)
        except PickError as exc:
            self.notify(f"No case to pick: {exc}", severity="warning")
            return
        self._start(case)

    def action_progress(self) -> None:
        student = self._student()
        if student:
            self.napp.show_progress(student)

    def action_back(self) -> None:
        self.dismiss()
