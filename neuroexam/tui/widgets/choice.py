"""A radio choice shown as ``(•) Dog  ( ) Cat``, where the arrows move the selection itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget
from textual.widgets import RadioButton, RadioSet

from neuroexam.tui.widgets.fields import InOrderKeys, Prefillable


class Choice(InOrderKeys, Prefillable, Widget, can_focus=True):
    """One of a few options, marked ``(•)`` (chosen) or ``( )`` — text, not colour alone.

    ←/→ (and ↑/↓ when the options stand one per line) choose the next or previous option at
    once; a letter chooses the option it starts (again: the next such option); space chooses
    the first option when none is chosen. Enter and Tab are left to the form (they move on).
    """

    DEFAULT_CSS = """
    Choice { width: 1fr; height: 1; }
    Choice.-vertical { height: auto; }
    Choice > .choice--chosen { text-style: bold; }
    Choice:focus > .choice--chosen { text-style: bold reverse; }
    Choice:focus > .choice--cursor { text-style: reverse; }
    """
    COMPONENT_CLASSES = {"choice--chosen", "choice--cursor"}

    BINDINGS = [
        Binding("right", "move(1)", "Next option", show=False),
        Binding("left", "move(-1)", "Previous option", show=False),
        Binding("space", "pick", "Choose", show=False),
    ]

    value: reactive[str | None] = reactive(None, init=False)

    class Changed(Message):
        """The chosen option changed (by a key or by code)."""

        def __init__(self, choice: Choice, value: str | None) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(
        self,
        options: Sequence[tuple[str, str]],
        value: str | None = None,
        *,
        vertical: bool = False,
        id: str | None = None,
        disabled: bool = False,
    ) -> None:
        """``options``: (value, label) pairs in display order."""
        super().__init__(id=id, disabled=disabled, classes="-vertical" if vertical else "")
        self.options = list(options)
        self.vertical = vertical
        self.set_reactive(Choice.value, value)
        self._initial = value

    # ---------------------------------------------------------------- reading

    @property
    def values(self) -> list[str]:
        return [value for value, _label in self.options]

    @property
    def index(self) -> int | None:
        return self.values.index(self.value) if self.value in self.values else None

    def label(self, value: str | None = None) -> str:
        """The label of ``value`` (default: the chosen option), "" for none."""
        value = self.value if value is None else value
        return next((label for v, label in self.options if v == value), "")

    # ---------------------------------------------------------------- rendering

    def render(self) -> Text:
        chosen = self.get_component_rich_style("choice--chosen")
        cursor = self.get_component_rich_style("choice--cursor")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for number, (value, label) in enumerate(self.options):
            if number:
                text.append("\n" if self.vertical else "  ")
            if value == self.value:
                text.append(f"(•) {label}", style=chosen)
            elif self.value is None and number == 0:
                text.append(f"( ) {label}", style=cursor)  # where an arrow or space lands
            else:
                text.append(f"( ) {label}")
        return text

    def watch_value(self, value: str | None) -> None:
        self.post_message(self.Changed(self, value))

    # ---------------------------------------------------------------- keys

    def action_move(self, step: int) -> None:
        """The next (``1``) or previous (``-1``) option; stops at either end."""
        if not self.options:
            return
        index = self.index
        if index is None:
            index = 0 if step > 0 else len(self.options) - 1
        else:
            index = max(0, min(len(self.options) - 1, index + step))
        self.value = self.values[index]

    def action_pick(self) -> None:
        if self.value is None and self.options:
            self.value = self.values[0]

    async def on_key(self, event: events.Key) -> None:
        if self.vertical and event.key in ("up", "down"):
            event.stop()
            event.prevent_default()
            self.action_move(-1 if event.key == "up" else 1)
            return
        character = event.character
        if not event.is_printable or not character or character == " ":
            return  # the bindings (InOrderKeys) take it
        event.stop()
        event.prevent_default()
        letter = character.lower()
        starting = [i for i, (_v, label) in enumerate(self.options) if label.lower()[:1] == letter]
        if not starting:
            self.app.bell()
            return
        current = self.index
        later = [i for i in starting if current is not None and i > current]
        self.value = self.values[(later or starting)[0]]

    def on_click(self, event: events.Click) -> None:
        """A click on an option chooses it (the mouse is optional, never needed)."""
        index = self._option_at(event.x, event.y)
        if index is not None:
            self.value = self.values[index]

    def _option_at(self, x: int, y: int) -> int | None:
        if self.vertical:
            return y if 0 <= y < len(self.options) else None
        start = 0
        for index, (_value, label) in enumerate(self.options):
            end = start + len(f"( ) {label}")
            if start <= x < end:
                return index
            start = end + 2
        return None

    # ---------------------------------------------------------------- prefill

    def _current(self) -> object:
        return self.value

    def _fill(self, value: object) -> None:
        self.value = None if value is None else str(value)


#: Before the button a :class:`MarkedRadioSet`'s cursor is on (while the set has focus).
CURSOR_MARK = "▸ "


class MarkedRadioButton(RadioButton):
    """A RadioButton drawn ``(•) label`` when on and ``( ) label`` when off, as
    :class:`Choice` draws its options: text, not colour alone (Textual's draws the same ``●``
    either way). In a :class:`MarkedRadioSet` the button the keyboard cursor is on (what
    enter or space would press) also reads ``▸`` while the set has focus."""

    BUTTON_LEFT = "("
    BUTTON_INNER = "•"
    BUTTON_RIGHT = ")"

    @property
    def _button(self) -> Content:
        # Textual draws half blocks in the button's colours; here brackets in the text's
        # colour, and the dot (bold, in the button's "on" colour) only when on.
        if not self.value:
            return Content.assemble(self.BUTTON_LEFT, " ", self.BUTTON_RIGHT)
        colour = self.get_visual_style("toggle--button").foreground
        inner = Style(foreground=colour, bold=True)
        return Content.assemble(self.BUTTON_LEFT, (self.BUTTON_INNER, inner), self.BUTTON_RIGHT)

    @property
    def _marks_cursor(self) -> bool:
        return isinstance(self.parent, MarkedRadioSet) and self.parent.MARK_CURSOR

    def render(self) -> Content:
        content = super().render()
        if not self._marks_cursor:
            return content
        parent = self.parent
        current = self.has_class("-selected") and isinstance(parent, RadioSet) and parent.has_focus
        if current:
            return Content.assemble((CURSOR_MARK, "bold"), content)
        return Content.assemble(" " * len(CURSOR_MARK), content)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        width = super().get_content_width(container, viewport)
        return width + (len(CURSOR_MARK) if self._marks_cursor else 0)


class MarkedRadioSet(RadioSet):
    """A RadioSet of :class:`MarkedRadioButton` (``(•)`` on, ``( )`` off) where the button
    the arrows moved to, not yet pressed, reads ``▸`` while the set has focus."""

    #: Mark the cursor: off where moving the cursor chooses (:class:`ChoiceSet`).
    MARK_CURSOR = True

    def watch__selected(self) -> None:
        super().watch__selected()
        self._refresh_buttons()

    def on_focus(self) -> None:
        self._refresh_buttons()

    def on_blur(self) -> None:
        self._refresh_buttons()

    def _refresh_buttons(self) -> None:
        if self.MARK_CURSOR:
            for button in self.query(MarkedRadioButton):
                button.refresh()


class ChoiceSet(MarkedRadioSet):
    """A compact RadioSet row where ←/→ choose at once (the training screen's level row;
    new forms use :class:`Choice`). Its buttons (give it :class:`MarkedRadioButton`) read
    ``(•)`` on and ``( )`` off; the cursor is always on the chosen one, so it has no ``▸``."""

    MARK_CURSOR = False

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
