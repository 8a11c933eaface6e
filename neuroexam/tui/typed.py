"""Screens that know their app's type: ``self.napp`` is the :class:`NeuroExamApp`, so the
services it carries are typed (no ``type: ignore`` to reach them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import ModalScreen, Screen, ScreenResultType

if TYPE_CHECKING:
    from neuroexam.tui.app import NeuroExamApp


class NeuroScreen(Screen[ScreenResultType]):
    """A full screen of the NeuroExam app."""

    @property
    def napp(self) -> NeuroExamApp:
        return cast("NeuroExamApp", self.app)


class NeuroModal(ModalScreen[ScreenResultType]):
    """A modal of the NeuroExam app."""

    @property
    def napp(self) -> NeuroExamApp:
        return cast("NeuroExamApp", self.app)
