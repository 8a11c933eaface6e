"""One group of the history/sign checklist: ticks, and the side for signs where side matters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import Selection

from neuroexam.core.intake import SignSide
from neuroexam.tui.widgets.fields import InOrderKeys

#: How a ticked sign's side reads after its label (a text marker, not colour alone).
SIDE_WORDS = {
    SignSide.UNKNOWN: "side?",
    SignSide.LEFT: "left",
    SignSide.RIGHT: "right",
    SignSide.BOTH: "both",
}
#: ←/→ walk the sides in this order.
SIDE_CYCLE = [SignSide.UNKNOWN, SignSide.LEFT, SignSide.RIGHT, SignSide.BOTH]


@dataclass(frozen=True)
class SignItem:
    """A sign as the list shows it."""

    id: str
    label: str
    sided: bool = False


class SignList(InOrderKeys, SelectionList[str]):
    """``space`` ticks the highlighted sign (a ``✓`` marks it); on a sign whose side matters
    ``l`` left, ``r`` right, ``b`` both, ``u`` side unknown (each also ticks it) and ←/→ step
    through the sides."""

    BINDINGS = [
        Binding("l", "side('left')", "Left", show=False),
        Binding("r", "side('right')", "Right", show=False),
        Binding("b", "side('both')", "Both sides", show=False),
        Binding("u", "side('unknown')", "Side unknown", show=False),
        Binding("right", "cycle_side(1)", "Next side", show=False),
        Binding("left", "cycle_side(-1)", "Previous side", show=False),
    ]

    def render_line(self, y: int) -> Strip:
        """The checkbox shows ``X`` only on a ticked sign (not the same ``X`` on every line,
        told apart by colour alone)."""
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        try:
            selection = self.get_option_at_index(self.scroll_offset[1] + y)
        except OptionDoesNotExist:
            return strip
        if selection.value in self._selected:
            return strip
        segments[1] = Segment(" " * len(ToggleButton.BUTTON_INNER), segments[1].style)
        return Strip(segments, strip.cell_length)

    class SidesChanged(Message):
        """A ticked sign's side changed."""

        def __init__(self, sign_list: SignList) -> None:
            super().__init__()
            self.sign_list = sign_list

        @property
        def control(self) -> SignList:
            return self.sign_list

    def __init__(
        self, items: Sequence[SignItem], ticked: dict[str, SignSide], *, id: str | None = None
    ) -> None:
        self.items = list(items)
        self.sides = {i.id: ticked.get(i.id, SignSide.UNKNOWN) for i in self.items if i.sided}
        super().__init__(
            *[Selection(self._prompt(i, i.id in ticked), i.id, i.id in ticked) for i in self.items],
            id=id,
        )

    def ticked(self) -> dict[str, SignSide]:
        """Ticked sign id → its side (``unknown`` for a sign whose side does not matter)."""
        chosen = set(self.selected)
        return {i.id: self.sides.get(i.id, SignSide.UNKNOWN) for i in self.items if i.id in chosen}

    @property
    def current(self) -> SignItem | None:
        index = self.highlighted
        return self.items[index] if index is not None else None

    def _prompt(self, item: SignItem, ticked: bool) -> Text:
        if not ticked:
            return Text(item.label)
        side = f" {SIDE_WORDS[self.sides[item.id]]}" if item.sided else ""
        return Text(f"{item.label}  ✓{side}")

    def refresh_marks(self) -> None:
        """Rewrite each prompt: ``✓`` after a ticked sign, with its side where side matters."""
        chosen = set(self.selected)
        for index, item in enumerate(self.items):
            self.replace_option_prompt_at_index(index, self._prompt(item, item.id in chosen))

    def action_side(self, side: str) -> None:
        item = self.current
        if item is None or not item.sided:
            self.app.bell()
            return
        self._set_side(item, SignSide(side))

    def action_cycle_side(self, step: int) -> None:
        item = self.current
        if item is None or not item.sided:
            return
        if item.id in self.selected:
            at = SIDE_CYCLE.index(self.sides[item.id])
            side = SIDE_CYCLE[(at + step) % len(SIDE_CYCLE)]
        else:
            side = SIDE_CYCLE[1] if step > 0 else SIDE_CYCLE[-1]
        self._set_side(item, side)

    def _set_side(self, item: SignItem, side: SignSide) -> None:
        self.sides[item.id] = side
        if item.id not in self.selected:
            self.select(item.id)  # posts SelectedChanged: the marks are rewritten then
        else:
            self.refresh_marks()
        self.post_message(self.SidesChanged(self))
