"""Form fields that take every key in the order it was typed, however fast.

Textual forwards a key to the widget focused when the app reads it, but resolves a widget's
key *bindings* (arrows, backspace, space…) only when the key has bubbled back up to the app,
against whatever is focused by then. In a burst (a barcode scanner, a paste, keys queued while a
screen opens) a Tab in between has moved focus already, so a backspace or an arrow would act on
the next field. :class:`InOrderKeys` makes a widget run its own bindings when the key reaches
it, in its own message queue, so each key acts where it was typed.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input
from textual.widgets.input import Selection


class InOrderKeys:
    """Mixin for a focusable widget: its own (non-priority) bindings run as keys arrive."""

    async def on_key(self, event: events.Key) -> None:
        widget = self
        assert hasattr(widget, "_bindings") and hasattr(widget, "run_action")
        for key in event.aliases:
            for binding in widget._bindings.key_to_bindings.get(key, ()):
                if binding.priority:
                    continue
                event.stop()
                event.prevent_default()
                await widget.run_action(binding.action)
                return


class Prefillable:
    """Mixin: :meth:`prefill` a value in key order, never over what the user entered."""

    _initial: object = None
    _prefilled: object = None

    def _current(self) -> object:
        raise NotImplementedError

    def _fill(self, value: object) -> None:
        raise NotImplementedError

    def prefill(self, value: object) -> None:
        """Show ``value`` unless the user changed the field since it opened or was last
        prefilled. Runs after the keys already sent to the field, so typing wins."""
        widget = self
        assert hasattr(widget, "call_later")
        widget.call_later(self._apply_prefill, value)

    def _apply_prefill(self, value: object) -> None:
        if self._current() not in (self._initial, self._prefilled):
            return
        self._prefilled = value
        self._fill(value)


class FieldInput(InOrderKeys, Prefillable, Input):
    """A one-line form field: keys in order, and prefill that typing replaces."""

    def __init__(self, value: str = "", **kwargs: object) -> None:
        super().__init__(value, **kwargs)  # type: ignore[arg-type]
        self._initial = value

    @property
    def prefilled(self) -> bool:
        """Shows what a prefill put there (the user has not changed it)."""
        return self._prefilled is not None and self.value == self._prefilled

    def _current(self) -> object:
        return self.value

    def _fill(self, value: object) -> None:
        text = str(value)
        self.value = text
        if self.has_focus:  # the next key typed replaces the prefilled text
            self.selection = Selection(0, len(text))
