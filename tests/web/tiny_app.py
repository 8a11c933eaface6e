"""A small Textual app that starts fast: the session the guard tests open (not NeuroExam)."""

from textual.app import App, ComposeResult
from textual.widgets import Label


class Tiny(App[None]):
    def compose(self) -> ComposeResult:
        yield Label("tiny app ready")


if __name__ == "__main__":
    Tiny().run()
