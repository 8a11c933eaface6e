"""Small typed modal dialogs: confirm, text input, help, choice.

Each key in a hint is also a tap target (a touch keyboard has no escape key)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Markdown, OptionList
from textual.widgets.option_list import Option

from neuroexam.core.text import first_unsafe, safe_text
from neuroexam.tui.widgets.marked_list import CURRENT_MARK


class ConfirmModal(ModalScreen[bool]):
    """Yes/no question; ``y`` / ``n`` or escape answer it."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(safe_text(self.question, multiline=True), id="question", markup=False)
            yield Label(
                "[@click=screen.answer(True)][b]y[/b] yes[/]   "
                "[@click=screen.answer(False)][b]n[/b] no[/]",
                classes="hint",
            )

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class TextModal(ModalScreen[str | None]):
    """One line of text; enter accepts, escape cancels (returns None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="text.cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(safe_text(self.title_text), id="title", markup=False)
            yield Input(value=self.value, placeholder=self.placeholder, id="text")
            yield Label(
                "[@click=screen.submit][b]enter[/b] save[/]   "
                "[@click=screen.cancel][b]escape[/b] cancel[/]",
                classes="hint",
            )

    async def action_submit(self) -> None:
        """A tap on "enter save": the same as enter in the field."""
        await self.query_one("#text", Input).action_submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        unsafe = first_unsafe(event.value, allow="\t")
        if unsafe is not None:  # pasted text can carry terminal controls: never stored
            self.notify(f"Control character {unsafe} is not allowed; remove it.", markup=False)
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


#: A list of up to this many options numbers them; the digit chooses the option at once.
MAX_NUMBERED = 9


def choice_prompt(label: str, number: int | None, current: bool) -> Content:
    """One option as a list shows it: ``▸ 1 label`` for the current option (bold),
    ``  2 label`` for the others; ``number`` None shows no digit. ``label`` is plain text."""
    mark = CURRENT_MARK if current else " " * len(CURRENT_MARK)
    key = "" if number is None else f"{number} "
    if current:
        return Content.assemble((mark + key, "bold"), (label, "bold"))
    return Content.assemble(mark, (key, "bold"), label)


class MarkedOptionList(OptionList):
    """An OptionList whose highlighted option also reads ``▸`` (and bold), not by its colour
    alone; with ``numbered`` each option shows the digit (1–9) that chooses it."""

    _marked: int | None = None

    def __init__(
        self, options: Sequence[tuple[str, str]], *, numbered: bool, id: str | None = None
    ) -> None:
        """``options``: (id, label) pairs; a label is plain text (made safe here)."""
        self.labels = [safe_text(label) for _key, label in options]
        self.numbered = numbered
        super().__init__(
            *[
                Option(self.prompt(index, current=False), id=key)
                for index, (key, _label) in enumerate(options)
            ],
            id=id,
        )
        self._mark(self.highlighted)  # OptionList starts on the first option

    def prompt(self, index: int, current: bool) -> Content:
        number = index + 1 if self.numbered else None
        return choice_prompt(self.labels[index], number, current)

    def _mark(self, highlighted: int | None) -> None:
        """Move the ``▸`` from the option that had it to ``highlighted``."""
        if highlighted == self._marked:
            return
        for index, current in ((self._marked, False), (highlighted, True)):
            if index is not None and index < len(self.labels):
                self.replace_option_prompt_at_index(index, self.prompt(index, current))
        self._marked = highlighted

    def watch_highlighted(self, highlighted: int | None) -> None:
        self._mark(highlighted)
        super().watch_highlighted(highlighted)


class ChoiceModal(ModalScreen[str | None]):
    """Pick one option by arrow keys and enter, or by its digit (a list of up to nine
    options shows 1–9 before them); escape cancels. The option enter would choose is marked
    ``▸`` (text, not colour alone)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel"),
        *[
            Binding(str(n), f"pick({n - 1})", f"Option {n}", show=False, id=f"choice.pick{n}")
            for n in range(1, MAX_NUMBERED + 1)
        ],
    ]

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options
        self.numbered = 0 < len(options) <= MAX_NUMBERED

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(safe_text(self.title_text), id="title", markup=False)
            yield MarkedOptionList(self.options, numbered=self.numbered, id="choices")
            choose = "[b]enter[/b] or a tap"
            if self.numbered:
                last = len(self.options)
                digits = "[b]1[/b]" if last == 1 else f"[b]1[/b]–[b]{last}[/b]"
                choose = f"[b]enter[/b], {digits} or a tap"
            yield Label(
                f"[b]↑↓[/b] move   {choose} choose   [@click=screen.cancel][b]escape[/b] cancel[/]",
                classes="hint",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_pick(self, index: int) -> None:
        """A digit: the option it numbers, at once (a list longer than nine has no digits)."""
        if not self.numbered or index >= len(self.options):
            self.app.bell()
            return
        self.query_one("#choices", MarkedOptionList).highlighted = index
        self.dismiss(self.options[index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpModal(ModalScreen[None]):
    """Markdown help text; any of escape, q or F1 closes it."""

    DEFAULT_CSS = """
    HelpModal #help-scroll { height: 1fr; }
    HelpModal #close { margin-top: 1; }
    """
    BINDINGS = [Binding("escape,q,f1", "close", "Close", id="help.close")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        # The text scrolls; the close button stays in view (a tap target without escape).
        with Vertical(classes="dialog help"):
            with VerticalScroll(id="help-scroll"):
                yield Markdown(self.text, id="help-text")
            yield Button("Close (escape)", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
