"""The trail screen names the workstation of each change: ``A. Tech on WS-2`` (pilot, 80x24).

Rows from before the trail kept the host show the user alone; a host name from the records is
drawn as the characters it is (markup as text, control characters escaped), never as markup.
"""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import DataTable, Label

from neuroexam.core.models import Exam, Finding, Patient
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.trail import TrailScreen

HOSTILE_HOST = "[b]WS[/]\x07"
HOSTILE_SHOWN = "[b]WS[/]\\x07"
LONG_HOST = "exam-room-workstation-2.clinic.example"
#: What a terminal acts on: C0 controls but newline, DEL and C1.
RAW = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n"}


def drawn(app: App) -> str:
    """The active screen exactly as it is sent to the terminal, as text."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(seg.text for strip in line for seg in strip) for line in update.strips)


def seed(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """E1: created before the host was kept (its rows' host cleared to ''), a finding on WS-2,
    its amendment on a workstation with a hostile name, another finding on one with a long
    name."""
    store = Store(db)
    try:
        store.create_exam(
            Exam(exam_id="E1", examiner="A. Tech", patient=Patient(species="dog", patient_id="P1"))
        )
        monkeypatch.setattr(socket, "gethostname", lambda: "WS-2")
        finding = Finding(test="cutaneous_trunci", site="L7", side="left", grade="absent")
        store.record_finding("E1", finding, by="A. Tech")
        monkeypatch.setattr(socket, "gethostname", lambda: HOSTILE_HOST)
        amended = Finding(test="cutaneous_trunci", site="L7", side="left", grade="present")
        store.record_finding("E1", amended, by="B. Vet", reason="wrong key")
        monkeypatch.setattr(socket, "gethostname", lambda: LONG_HOST)
        other = Finding(test="cutaneous_trunci", site="L6", side="left", grade="absent")
        store.record_finding("E1", other, by="A. Tech")
    finally:
        store.close()
    with sqlite3.connect(db) as con:  # the created rows: from before the host was kept
        con.execute("UPDATE audit SET host = '' WHERE event = 'created'")


async def test_the_trail_shows_who_and_on_which_workstation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "neuroexam.db"
    seed(db, monkeypatch)
    app = NeuroExamApp(store=Store(db))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(TrailScreen("E1"))
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, TrailScreen)
        table = app.screen.query_one("#trail-table", DataTable)
        by = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert by[0] == "A. Tech"  # no host known: the user alone
        assert by[-3:-1] == ["A. Tech on WS-2", f"B. Vet on {HOSTILE_SHOWN}"]
        # a long name ends in "…" within its column: the event and field stay on screen
        assert by[-1] == f"A. Tech on {LONG_HOST}"[:29] + "…"
        screen = drawn(app)
        lines = screen.splitlines()
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        assert not {c for c in screen if c in RAW}, "control characters reach the terminal"
        assert "A. Tech on WS-2" in screen
        assert f"B. Vet on {HOSTILE_SHOWN}" in screen  # markup shown as text
        # the layout holds: title, the table's header and its rows, the footer's keys
        title = app.screen.query_one("#trail-title", Label)
        assert "event(s), oldest first" in str(title.render())
        assert "When" in screen and "By" in screen and "Event" in screen
        assert "Home" in lines[-1] and "Back" in lines[-1]
        assert sum("AMENDED" in line for line in lines) == 1
        long_row = next(line for line in lines if "exam-room-workstat" in line)
        assert "recorded" in long_row and "cutaneous_trunci L6" in long_row
