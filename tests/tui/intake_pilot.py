"""Pilot helpers for the intake tests: waiting on conditions, key bursts, reading fields."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

import pytest
from textual import events
from textual.app import App
from textual.keys import _character_to_key, key_to_character
from textual.pilot import Pilot
from textual.widgets import Input, Label

from neuroexam.tui.screens import intake as intake_screen
from neuroexam.tui.screens.intake import IntakeScreen
from neuroexam.tui.widgets.choice import Choice


async def wait_for(pilot: Pilot, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until ``condition`` holds (fails after ``timeout`` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


def key_event(key: str) -> events.Key:
    """The Key event a terminal sends for ``key`` (a character or a key name such as "tab")."""
    if len(key) == 1:
        name = key if key.isalnum() else _character_to_key(key)
        return events.Key(name, key)
    return events.Key(key, key_to_character(key))


def send_burst(app: App, keys: Sequence[str]) -> None:
    """Post every key to the app at once, as a terminal read of a fast burst delivers them
    (a barcode scanner, a paste): none is handled before the next arrives."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        driver.send_message(event)


#: Rounds of :func:`settle`: more than the longest chain of messages a key sets off (app →
#: screen → replayed into a field → its blur → the screen → a prefill into another field…).
SETTLE_ROUNDS = 10


async def settle(pilot: Pilot) -> None:
    """Wait until the keys sent and everything they set off have been handled: each round waits
    for every message queued so far in the app and the current screen's widgets."""
    for _ in range(SETTLE_ROUNDS):
        await pilot.pause()
    await pilot.app.workers.wait_for_complete()


def value(pilot: Pilot, widget_id: str) -> str | None:
    """A field's value: an Input's text or a Choice's chosen option."""
    widget = pilot.app.screen.query_one(f"#{widget_id}")
    if isinstance(widget, Choice):
        return widget.value
    assert isinstance(widget, Input)
    return widget.value


def label_text(pilot: Pilot, widget_id: str) -> str:
    label = pilot.app.screen.query_one(f"#{widget_id}", Label)
    return "" if "-hidden" in label.classes else str(label.render())


async def focus(pilot: Pilot, widget_id: str) -> None:
    screen = pilot.app.screen
    screen.set_focus(screen.query_one(f"#{widget_id}"))
    await pilot.pause()


async def type_into(pilot: Pilot, widget_id: str, text: str) -> None:
    """Replace a text field's value by typing ``text`` into it."""
    await focus(pilot, widget_id)
    pilot.app.screen.query_one(f"#{widget_id}", Input).value = ""
    await pilot.press(*text)


async def open_intake(pilot: Pilot) -> IntakeScreen:
    """``n`` on home, then wait until the intake has given its first field focus."""
    await pilot.press("n")
    await wait_for(
        pilot,
        lambda: isinstance(pilot.app.screen, IntakeScreen) and pilot.app.focused is not None,
    )
    screen = pilot.app.screen
    assert isinstance(screen, IntakeScreen)
    return screen


#: The intake's "now" in the tests that fix the clock (UTC, so dates read the same anywhere).
NOW = datetime(2027, 5, 3, 10, 15, tzinfo=UTC)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[datetime]:
    """The intake's clock stopped at :data:`NOW`, local time UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(intake_screen, "local_now", lambda: NOW)
    yield NOW
    monkeypatch.undo()
    time.tzset()
