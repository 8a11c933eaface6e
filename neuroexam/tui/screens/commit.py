"""Commit: the student's localisation (every region of DOMAIN.md 4.2), flags (with strength)
and, for a case that scores it, the Modified Frankel Score, chosen before the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer, Header, Label
from textual.widgets.option_list import Option

from neuroexam.core.severity import BEST, WORST
from neuroexam.core.vocab import FlagId, Strength
from neuroexam.training.scoring import LOCALIZATION_WORDS
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.marked_list import CursorOptionList
from neuroexam.tui.widgets.modals import ConfirmModal

if TYPE_CHECKING:
    from neuroexam.core.protocol import Protocols
    from neuroexam.training.cases import Case

#: Every region the engine can give (core/spinal.py and "none"), the scoring's words for each.
LOCALIZATIONS: tuple[str, ...] = tuple(LOCALIZATION_WORDS)
STRENGTHS: tuple[str, ...] = ("none", "weak", "moderate", "strong")
#: Modified Frankel Score choices: 0 (worst) … 6 (normal), then "none" (not defined).
MFS_CHOICES: tuple[str, ...] = (*(str(n) for n in range(WORST, BEST + 1)), "none")
LOC_ROW = "localization"
MFS_ROW = "mfs"
HINT = (
    "[b]↑/↓[/b] row · [b]←/→[/b] or [b]space[/b] change · [b]0-7[/b] pick by number · "
    "[@click=screen.commit][b]c[/b] commit[/] · [@click=screen.cancel][b]esc[/b] back[/]\n"
    "Localisation: "
    + " · ".join(f"{i} {loc}" for i, loc in enumerate(LOCALIZATIONS))
    + "\nFlags: 0 none · 1 weak · 2 moderate · 3 strong"
)
MFS_HINT = "\nMFS: 0-6 the score (0 worst, 6 normal) · 7 none (not defined here)"


@dataclass
class Commitment:
    """What the student commits to; flags left at ``none`` are not raised."""

    localization: str
    flags: dict[FlagId, Strength] = field(default_factory=dict)
    #: The Modified Frankel Score (0-6, or "none"); None when the case does not score it.
    mfs: int | str | None = None


class CommitScreen(NeuroScreen["Commitment | None"]):
    """One row for the localisation, one per flag; keyboard first, a click also cycles."""

    DEFAULT_CSS = """
    CommitScreen #commit { padding: 0 1; height: 1fr; }
    CommitScreen #commit-title { text-style: bold; }
    CommitScreen #commit-rows { height: auto; max-height: 1fr; margin-top: 1; }
    /* The ▸ gutter takes the left padding's cell: the longest flag still fits in 80 columns. */
    CommitScreen #commit-rows { padding: 0 1 0 0; }
    CommitScreen #commit-hint { color: $text-muted; height: auto; width: 100%; }
    """

    BINDINGS = [
        Binding("right,space", "change(1)", "Change", id="commit.next"),
        Binding("left", "change(-1)", "Change back", show=False, id="commit.previous"),
        *[
            Binding(str(n), f"set({n})", f"Choice {n}", show=False, id=f"commit.{n}")
            for n in range(8)
        ],
        Binding("c", "commit", "Commit", id="commit.commit"),
        Binding("escape", "cancel", "Back to exam", id="commit.cancel"),
    ]

    def __init__(self, case: Case, protocols: Protocols) -> None:
        super().__init__()
        self.case = case
        self.titles = {spec.id: spec.title for spec in protocols.rules.flags}
        #: The case scores the MFS: a row for it, to be chosen like the localisation.
        self.scores_mfs = case.expected.mfs is not None
        first = [LOC_ROW, MFS_ROW] if self.scores_mfs else [LOC_ROW]
        self.rows: list[str] = [*first, *[f.value for f in FlagId if f in self.titles]]
        #: Row → chosen value (index into its choices); localisation and MFS start unchosen.
        self.values: dict[str, int | None] = {row: 0 for row in self.rows}
        for row in first:
            self.values[row] = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="commit"):
            yield Label(
                "Your interpretation — commit before the summary is revealed", id="commit-title"
            )
            yield Label(HINT + (MFS_HINT if self.scores_mfs else ""), id="commit-hint")
            yield CursorOptionList(
                *[Option(self._prompt(r), id=r) for r in self.rows], id="commit-rows"
            )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"training · {self.case.title}"
        rows = self.query_one(CursorOptionList)
        rows.highlighted = 0
        rows.focus()

    # ---------------------------------------------------------------- values

    def _choices(self, row: str) -> tuple[str, ...]:
        if row == LOC_ROW:
            return LOCALIZATIONS
        return MFS_CHOICES if row == MFS_ROW else STRENGTHS

    def _prompt(self, row: str) -> Text:
        value = self.values[row]
        out = Text()
        if row == LOC_ROW:
            shown = "? choose" if value is None else LOCALIZATION_WORDS[LOCALIZATIONS[value]]
            out.append("Localisation  ", style="bold")
            out.append(f"‹ {shown} ›", style="bold reverse" if value is None else "bold")
            return out
        if row == MFS_ROW:
            shown = "? choose" if value is None else MFS_CHOICES[value]
            out.append("MFS (0 worst, 6 normal)  ", style="bold")
            out.append(f"‹ {shown} ›", style="bold reverse" if value is None else "bold")
            return out
        word = STRENGTHS[value or 0]
        out.append(f"[{word:^8}] ", style="bold" if value else "dim")
        out.append(self.titles[FlagId(row)])
        return out

    def _current(self) -> str | None:
        rows = self.query_one(CursorOptionList)
        index = rows.highlighted
        return None if index is None else self.rows[index]

    def _set(self, row: str, value: int) -> None:
        self.values[row] = value % len(self._choices(row))
        rows = self.query_one(CursorOptionList)
        rows.replace_option_prompt_at_index(self.rows.index(row), self._prompt(row))

    def commitment(self) -> Commitment | None:
        """The answers, or None while the localisation (or a scored MFS) is unchosen."""
        loc = self.values[LOC_ROW]
        mfs = self.values.get(MFS_ROW)
        if loc is None or (self.scores_mfs and mfs is None):
            return None
        flags = {
            FlagId(row): Strength(STRENGTHS[value])
            for row, value in self.values.items()
            if row not in (LOC_ROW, MFS_ROW) and value
        }
        committed_mfs: int | str | None = None
        if mfs is not None:
            choice = MFS_CHOICES[mfs]
            committed_mfs = int(choice) if choice.isdigit() else choice
        return Commitment(localization=LOCALIZATIONS[loc], flags=flags, mfs=committed_mfs)

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
        """Pick a row's choice by its number (a number the row does not have does nothing)."""
        row = self._current()
        if row is not None and value < len(self._choices(row)):
            self._set(row, value)

    def on_option_list_option_selected(self, event: CursorOptionList.OptionSelected) -> None:
        """Enter or a click on a row changes it, like a radio group's toggle."""
        event.stop()
        self.action_change(1)

    def action_commit(self) -> None:
        commitment = self.commitment()
        if commitment is None:
            missing = LOC_ROW if self.values[LOC_ROW] is None else MFS_ROW
            what = "a localisation" if missing == LOC_ROW else "the MFS"
            self.notify(f"Choose {what} first (a row marked ? choose).", severity="warning")
            rows = self.query_one(CursorOptionList)
            rows.highlighted = self.rows.index(missing)
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
