"""The records server's connection drops mid-exam: the wizard says so, keeps the finding and
writes it once the server answers again (PostgreSQL; skipped without a test server)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from neuroexam.core.models import Grade, Side, TestId
from tests.backends import PG_ENV
from tests.tui.helpers import make_exam, screen_text

psycopg = pytest.importorskip("psycopg", reason="the postgres extra is not installed")

#: Every other connection to the test database: the app's (the test's own is spared).
TERMINATE = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


async def _until(pilot: Pilot, done: Callable[[], bool], timeout: float = 10.0) -> bool:
    for _ in range(int(timeout / 0.05)):
        if done():
            return True
        await pilot.pause(0.05)
    return done()


async def test_connection_lost_mid_exam_keeps_the_finding_and_reconnects(pg_url: str) -> None:
    from neuroexam.records.store import open_store
    from neuroexam.tui.app import NeuroExamApp

    app = NeuroExamApp(store=open_store(url=pg_url), start_exam=make_exam())
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "ExamScreen"
        await pilot.press("a", "a")  # trunci L7, L6 left absent
        assert await _until(pilot, lambda: app.saver.unsaved == 0)
        db = pg_url.rsplit("/", 1)[1]
        with (
            psycopg.connect(os.environ[PG_ENV], autocommit=True) as server,
            psycopg.connect(pg_url, autocommit=True) as inside,
        ):
            # The server drops the app's connections and, until told otherwise, refuses new
            # ones (so the banner is seen however the retry timer falls).
            server.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
            try:
                assert inside.execute(TERMINATE).fetchall()  # the app's connections went
                await pilot.press("a")  # L5 left: its write fails
                assert await _until(pilot, lambda: "NOT SAVED" in screen_text(app))
                text = screen_text(app)
                assert "NOT SAVED: 1 change(s) waiting" in text
                assert "127.0.0.1" in text  # names the server
                assert "L4 · LEFT side" in text  # the exam goes on
                await pilot.pause(2.5)  # a retry while the server still refuses: kept
                assert app.saver.unsaved == 1 and "NOT SAVED" in screen_text(app)
            finally:
                server.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
        # no key pressed: the retry timer reconnects and writes it
        assert await _until(pilot, lambda: app.saver.unsaved == 0)
        await pilot.pause()
        assert "NOT SAVED" not in screen_text(app)
    check = open_store(url=pg_url)
    try:
        exam = check.load_exam("E1")
        assert exam is not None
        assert [(f.site, f.grade) for f in exam.findings if f.side is Side.LEFT] == [
            ("L7", Grade.ABSENT),
            ("L6", Grade.ABSENT),
            ("L5", Grade.ABSENT),
        ]
        assert exam.grade(TestId.CUTANEOUS_TRUNCI, "L5", Side.LEFT) is Grade.ABSENT
        recorded = [r.field for r in check.audit("E1") if r.event.value == "recorded"]
        assert recorded == [f"cutaneous_trunci/{s}/left" for s in ("L7", "L6", "L5")]
    finally:
        check.close()
