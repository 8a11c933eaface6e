"""Lists that mark their current row with text (``▸``), not by colour alone: it shows with
``NO_COLOR``, on a monochrome or web terminal and to colour-blind eyes.

Kept apart from the dialogs (modals.py) so that the home screen, the first one drawn, loads
no more than it did."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.strip import Strip
from textual.widgets import OptionList

#: Marks the option that enter chooses: text, so it shows without colour (NO_COLOR, a
#: monochrome or web terminal, colour-blind eyes) and not only as a highlighted bar.
CURRENT_MARK = "▸ "
#: Marks the highlighted option of a list that does not have the focus (enter goes elsewhere):
#: where the ``▸`` comes back when the list is focused again.
RESTING_MARK = "▹ "


class CursorOptionList(OptionList):
    """An OptionList whose highlighted option reads ``▸`` (bold) in a two-cell gutter before
    its first line while the list has the focus, ``▹`` while it has not, not by its colour
    alone: the rows of a list whose options are added, cleared or replaced as the screen goes
    (home, training cases, commit). The gutter of the other options is blank, so the labels
    stay in one column. Keys, messages and ``highlighted`` are OptionList's."""

    def _get_left_gutter_width(self) -> int:
        return len(CURRENT_MARK)

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        gutter = len(CURRENT_MARK)
        if line.cell_length + gutter > self.scrollable_content_region.width:
            return line  # a blank line past the options: already full width
        try:
            index, line_offset = self._lines[self.scroll_offset.y + y]
        except IndexError:
            return line
        segments = list(line)
        base = (segments[0].style if segments else None) or self.rich_style
        current = index == self.highlighted and line_offset == 0
        focused = current and self.has_focus
        mark = " " * gutter
        if current:
            mark = CURRENT_MARK if focused else RESTING_MARK
        style = base + RichStyle(bold=focused or None, meta={"option": index})
        return Strip([Segment(mark, style), *segments], line.cell_length + gutter)

    def on_focus(self) -> None:
        self.refresh()  # ▹ becomes ▸

    def on_blur(self) -> None:
        self.refresh()  # ▸ becomes ▹
