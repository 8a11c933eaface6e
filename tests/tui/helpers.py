"""Helpers for pilot tests: build an app on a temp store, read the screen as text."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from textual.app import App
from textual.color import Color
from textual.pilot import Pilot
from textual.widgets import Static

from neuroexam.core.models import Exam, Patient
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp

FIXED_DATE = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def make_exam(
    exam_id: str = "E1",
    species: str = "dog",
    breed: str = "Beagle",
    signs: list[str] | None = None,
    patient_id: str = "P1",
    age: float | None = 5,
    when: datetime = FIXED_DATE,
) -> Exam:
    return Exam(
        exam_id=exam_id,
        exam_date=when,
        examiner="T. Tech",
        patient=Patient(
            patient_id=patient_id, name="Rex", species=species, breed=breed, age_years=age
        ),
        signs=signs or [],
    )


def make_app(tmp_path: Path, exam: Exam | None = None) -> NeuroExamApp:
    return NeuroExamApp(store=Store(tmp_path / "neuroexam.db"), start_exam=exam)


def screen_text(app: App) -> str:
    """Every Static/Label on the active screen, rendered to plain text."""
    return "\n".join(str(w.render()) for w in app.screen.query(Static) if w.display)


async def saves_settled(pilot: Pilot, timeout: float = 10.0) -> None:
    """Wait until the app's writer thread has committed what it can (or failed), then let the
    screens handle its acknowledgements."""
    import asyncio

    saver = pilot.app.saver  # type: ignore[attr-defined]
    await asyncio.to_thread(saver.flush, timeout)
    await pilot.pause()
    await pilot.pause()


def assert_grey_only(app: App) -> None:
    """What reaches the terminal has no colour: only the characters tell states apart."""
    assert app.no_color
    update = app.screen._compositor.render_full_update()
    for line in update.strips:
        segments = [seg for strip in line for seg in strip]
        for line_filter in app._filters:
            segments = line_filter.apply(segments, Color(0, 0, 0))
        for segment in segments:
            style = segment.style
            for colour in (style.color, style.bgcolor) if style else ():
                if colour is not None:
                    red, green, blue = colour.get_truecolor()
                    assert red == green == blue, f"{segment.text!r} in colour {colour}"
