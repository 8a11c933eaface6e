"""Screens that know their app's type: ``self.napp`` is the :class:`NeuroExamApp`, so the
services it carries are typed (no ``type: ignore`` to reach them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import events, on
from textual.screen import ModalScreen, Screen, ScreenResultType
from textual.widgets import Footer

if TYPE_CHECKING:
    from neuroexam.tui.app import NeuroExamApp


class NeuroScreen(Screen[ScreenResultType]):
    """A full screen of the NeuroExam app."""

    @on(events.Mount)
    def _compact_footer(self) -> None:
        """A compact footer, so every key fits 80 columns: each one is a tap target on a
        touch screen (the browser's keyboard has no F1, F5, Esc or Ctrl)."""
        for footer in self.query(Footer):
            footer.compact = True

    @property
    def napp(self) -> NeuroExamApp:
        return cast("NeuroExamApp", self.app)


class NeuroModal(ModalScreen[ScreenResultType]):
    """A modal of the NeuroExam app."""

    @property
    def napp(self) -> NeuroExamApp:
        return cast("NeuroExamApp", self.app)
