"""kill -9 at any point loses nothing shown as saved; the exam resumes where it stopped.

Findings are committed by the app's writer thread: a finding counts as saved only once its
commit returned, and the drivers print READY only when nothing is waiting.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from neuroexam.core.models import ExamStatus, Grade, Side, TestId
from tests.tui.helpers import make_app, screen_text

DRIVER = textwrap.dedent(
    """
    import asyncio, sys
    from neuroexam.records.store import Store
    from neuroexam.tui.app import NeuroExamApp
    from tests.tui.helpers import make_exam

    async def main() -> None:
        app = NeuroExamApp(Store(), start_exam=make_exam(breed="Dachshund"))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for key in sys.argv[1]:
                await pilot.press(key)
                await asyncio.sleep(float(sys.argv[2]))
            await asyncio.to_thread(app.saver.flush, 30)  # READY once all is shown saved
            print("READY", flush=True)
            await asyncio.sleep(3600)

    asyncio.run(main())
    """
)
REPO = Path(__file__).resolve().parents[2]


def _start(home: Path, keys: str, delay: float) -> subprocess.Popen[str]:
    env = {**os.environ, "NEUROEXAM_HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, keys, str(delay)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def _stored_findings(db: Path) -> list[tuple[str, str, str]]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT site, side, grade FROM findings ORDER BY seq").fetchall()
        except sqlite3.OperationalError:
            return []


async def test_kill_after_keys_then_resume_at_the_next_step(tmp_path: Path) -> None:
    home = tmp_path / "home"
    proc = _start(home, "aaap", 0.0)  # left L7, L6, L5 absent, L4 present -> right L7 next
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "READY", proc.stderr.read() if proc.stderr else ""
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    db = home / "neuroexam.db"
    assert [g for _, _, g in _stored_findings(db)] == ["absent", "absent", "absent", "present"]

    app = make_app(home)  # the same records file the killed process wrote
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("r", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ExamScreen"
        assert "L7 (wings of the ilium) · RIGHT side" in screen_text(app)
        await pilot.press("p")
    exam = app.store.load_exam("E1")
    assert exam.status is ExamStatus.IN_PROGRESS
    assert exam.grade(TestId.CUTANEOUS_TRUNCI, "L4", Side.LEFT) is Grade.PRESENT
    assert exam.grade(TestId.CUTANEOUS_TRUNCI, "L7", Side.RIGHT) is Grade.PRESENT


def test_kill_while_typing_keeps_a_consistent_prefix(tmp_path: Path) -> None:
    home = tmp_path / "home"
    keys = "aaaaaap" + "aaaaaap" + "pppppppppp"
    proc = _start(home, keys, 0.05)
    db = home / "neuroexam.db"
    deadline = time.monotonic() + 60
    try:
        while len(_stored_findings(db)) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    saved = _stored_findings(db)
    assert len(saved) >= 5, "the driver never got going"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    expected = ["absent"] * 6 + ["present"] + ["absent"] * 6 + ["present"] + ["present"] * 10
    assert [g for _, _, g in saved] == expected[: len(saved)]


AMEND_DRIVER = textwrap.dedent(
    """
    import asyncio, sys
    from neuroexam.records.store import Store
    from neuroexam.tui.app import NeuroExamApp

    async def main() -> None:
        app = NeuroExamApp(Store())
        async with app.run_test(size=(80, 24)) as pilot:
            app.resume_exam("E1", reason="L7 re-tested")
            await pilot.pause()
            for key in sys.argv[1].split(","):
                await pilot.press(key)
                await pilot.pause()
            await asyncio.to_thread(app.saver.flush, 30)  # READY once all is shown saved
            print("READY", flush=True)
            await asyncio.sleep(3600)

    asyncio.run(main())
    """
)


async def test_kill_during_an_amendment_loses_nothing(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from neuroexam.records.store import Store
    from tests.tui.records_seed import OSCAR, save_exam

    home = tmp_path / "home"
    store = Store(home / "neuroexam.db")
    save_exam(store, "E1", datetime(2026, 11, 2, 9, 0, tzinfo=UTC), OSCAR, "L1")
    store.reopen_exam("E1", by="Dr Vogel", reason="L7 re-tested")
    store.close()
    env = {**os.environ, "NEUROEXAM_HOME": str(home), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", AMEND_DRIVER, "j,enter,p,n"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "READY", proc.stderr.read() if proc.stderr else ""
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    store = Store(home / "neuroexam.db")
    exam = store.load_exam("E1")
    assert exam is not None and exam.status is ExamStatus.IN_PROGRESS
    assert exam.grade(TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT) is Grade.PRESENT
    assert exam.grade(TestId.CUTANEOUS_TRUNCI, "L1", Side.RIGHT) is Grade.PRESENT
    assert len(exam.findings) == 14
    last = store.audit("E1")[-1]
    assert (last.event.value, last.field, last.old_value, last.new_value, last.reason) == (
        "amended",
        "cutaneous_trunci/L7/left",
        "absent",
        "present",
        "L7 re-tested",
    )
    # the killed window's lease does not lock the exam: it opens again at once
    app = make_app(tmp_path / "again")
    app = type(app)(store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        app.resume_exam("E1")
        await pilot.pause()
        assert type(app.screen).__name__ == "ExamScreen"


PENDING_DRIVER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from neuroexam.records.sqlite import SqliteStore
    from neuroexam.records.store import Store
    from neuroexam.tui.app import NeuroExamApp
    from tests.tui.helpers import make_exam

    real = SqliteStore.record_finding

    def slow(self, *args, **kwargs):  # a slow disk: every commit takes 250 ms more
        time.sleep(0.25)
        return real(self, *args, **kwargs)

    SqliteStore.record_finding = slow

    async def main() -> None:
        app = NeuroExamApp(Store(), start_exam=make_exam(breed="Dachshund"))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            service = app.screen.service

            def report() -> None:
                waiting = service.unsaved_keys()
                saved = [
                    [f.site, f.side.value, f.grade.value]
                    for f in service.exam.findings
                    if f.key not in waiting
                ]
                print(json.dumps({"saved": saved, "waiting": len(waiting)}), flush=True)

            for key in sys.argv[1]:
                await pilot.press(key)
                report()
            while True:
                await asyncio.sleep(0.005)
                report()

    asyncio.run(main())
    """
)


def test_kill_while_findings_wait_loses_nothing_shown_as_saved(tmp_path: Path) -> None:
    """Keys faster than the disk: killed while findings still wait for their commit, every
    finding the wizard showed as saved is in the records, with its grade."""
    import json

    home = tmp_path / "home"
    env = {**os.environ, "NEUROEXAM_HOME": str(home), "PYTHONPATH": str(REPO)}
    keys = "aaaaaap" + "aaaaaap"
    proc = subprocess.Popen(
        [sys.executable, "-c", PENDING_DRIVER, keys],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    shown: dict[str, object] = {}
    deadline = time.monotonic() + 60
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            shown = json.loads(line)
            if len(shown["saved"]) >= 3 and shown["waiting"]:  # type: ignore[arg-type]
                break
            if time.monotonic() > deadline:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert shown.get("waiting"), proc.stderr.read() if proc.stderr else "no state printed"
    stored = {(site, side): grade for site, side, grade in _stored_findings(home / "neuroexam.db")}
    for site, side, grade in shown["saved"]:  # type: ignore[union-attr]
        assert stored.get((site, side)) == grade, (site, side, grade, stored)
    with sqlite3.connect(home / "neuroexam.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
