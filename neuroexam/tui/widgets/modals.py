"""Small typed modal dialogs: confirm, text input, help, choice.

Each key in a hint is also a tap target (a touch keyboard has no escape key)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Markdown, OptionList
from textual.widgets.option_list import Option

from neuroexam.core.text import first_unsafe, safe_text


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


class ChoiceModal(ModalScreen[str | None]):
    """Pick one option by arrow keys and enter (or its first letter); escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(safe_text(self.title_text), id="title", markup=False)
            options = [Option(Content(safe_text(label)), id=key) for key, label in self.options]
            yield OptionList(*options, id="choices")
            yield Label(
                "[b]enter[/b] or a tap choose   [@click=screen.cancel][b]escape[/b] cancel[/]",
                classes="hint",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

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
