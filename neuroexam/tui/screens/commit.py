"""Commit: the student's localisation and flags (with strength), chosen before the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Header, Label, OptionList
from textual.widgets.option_list import Option

from neuroexam.core.vocab import FlagId, Strength
from neuroexam.training.scoring import LOCALIZATION_WORDS
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.modals import ConfirmModal

if TYPE_CHECKING:
    from neuroexam.core.protocol import Protocols
    from neuroexam.training.cases import Case

LOCALIZATIONS: tuple[str, ...] = ("T3-L3", "C6-T2", "C1-C5", "none")
STRENGTHS: tuple[str, ...] = ("none", "weak", "moderate", "strong")
LOC_ROW = "localization"
HINT = (
    "[b]↑/↓[/b] row · [b]←/→[/b] or [b]space[/b] change · [b]0-3[/b] pick by number · "
    "[b]c[/b] commit · [b]esc[/b] back\n"
    "Localisation: 0 T3-L3 · 1 C6-T2 · 2 C1-C5 · 3 none\n"
    "Flags: 0 none · 1 weak · 2 moderate · 3 strong"
)


@dataclass
class Commitment:
    """What the student commits to; flags left at ``none`` are not raised."""

    localization: str
    flags: dict[FlagId, Strength] = field(default_factory=dict)


class CommitScreen(NeuroScreen["Commitment | None"]):
    """One row for the localisation, one per flag; keyboard first, a click also cycles."""

    DEFAULT_CSS = """
    CommitScreen #commit { padding: 0 1; height: 1fr; }
    CommitScreen #commit-title { text-style: bold; }
    CommitScreen #commit-rows { height: auto; max-height: 1fr; margin-top: 1; }
    CommitScreen #commit-hint { color: $text-muted; height: auto; width: 100%; }
    """

    BINDINGS = [
        Binding("right,space", "change(1)", "Change", id="commit.next"),
        Binding("left", "change(-1)", "Change back", show=False, id="commit.previous"),
        Binding("0", "set(0)", "None/T3-L3", show=False, id="commit.0"),
        Binding("1", "set(1)", "Weak/C6-T2", show=False, id="commit.1"),
        Binding("2", "set(2)", "Moderate/C1-C5", show=False, id="commit.2"),
        Binding("3", "set(3)", "Strong/none", show=False, id="commit.3"),
        Binding("c", "commit", "Commit", id="commit.commit"),
        Binding("escape", "cancel", "Back to exam", id="commit.cancel"),
    ]

    def __init__(self, case: Case, protocols: Protocols) -> None:
        super().__init__()
        self.case = case
        self.titles = {spec.id: spec.title for spec in protocols.rules.flags}
        self.rows: list[str] = [LOC_ROW, *[f.value for f in FlagId if f in self.titles]]
        #: Row → chosen value (index into its choices); the localisation starts unchosen.
        self.values: dict[str, int | None] = {row: 0 for row in self.rows}
        self.values[LOC_ROW] = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="commit"):
            yield Label(
                "Your interpretation — commit before the summary is revealed", id="commit-title"
            )
            yield Label(HINT, id="commit-hint")
            yield OptionList(*[Option(self._prompt(r), id=r) for r in self.rows], id="commit-rows")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"training · {self.case.title}"
        rows = self.query_one(OptionList)
        rows.highlighted = 0
        rows.focus()

    # ---------------------------------------------------------------- values

    def _choices(self, row: str) -> tuple[str, ...]:
        return LOCALIZATIONS if row == LOC_ROW else STRENGTHS

    def _prompt(self, row: str) -> Text:
        value = self.values[row]
        out = Text()
        if row == LOC_ROW:
            shown = "? choose" if value is None else LOCALIZATION_WORDS[LOCALIZATIONS[value]]
            out.append("Localisation  ", style="bold")
            out.append(f"‹ {shown} ›", style="bold reverse" if value is None else "bold")
            return out
        word = STRENGTHS[value or 0]
        out.append(f"[{word:^8}] ", style="bold" if value else "dim")
        out.append(self.titles[FlagId(row)])
        return out

    def _current(self) -> str | None:
        rows = self.query_one(OptionList)
        index = rows.highlighted
        return None if index is None else self.rows[index]

    def _set(self, row: str, value: int) -> None:
        self.values[row] = value % len(self._choices(row))
        rows = self.query_one(OptionList)
        rows.replace_option_prompt_at_index(self.rows.index(row), self._prompt(row))

    def commitment(self) -> Commitment | None:
        loc = self.values[LOC_ROW]
        if loc is None:
            return None
        flags = {
            FlagId(row): Strength(STRENGTHS[value])
            for row, value in self.values.items()
            if row != LOC_ROW and value
        }
        return Commitment(localization=LOCALIZATIONS[loc], flags=flags)

    # ---------------------------------------------------------------- actions

    def action_change(self, step: int) -> None:
        row = self._current()
        if row is None:
            return
        value = self.values[row]
        if value is None:
            value = 0 if step > 0 else -1
        else:
            value += step
        self._set(row, value)

    def action_set(self, value: int) -> None:
        row = self._current()
        if row is not None:
            self._set(row, value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click on a row changes it, like a radio group's toggle."""
        event.stop()
        self.action_change(1)

    def action_commit(self) -> None:
        commitment = self.commitment()
        if commitment is None:
            self.notify("Choose a localisation first (the first row).", severity="warning")
            rows = self.query_one(OptionList)
            rows.highlighted = 0
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(commitment)

        self.app.push_screen(
            ConfirmModal("Commit these answers? They cannot be changed afterwards."),
            confirmed,
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
