"""Findings are committed off the key path: the wizard moves on at once, shows each finding as
waiting until its commit is acknowledged, and the writer keeps the order of the keys."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from neuroexam.core.models import Grade
from tests.tui.helpers import make_app, make_exam, saves_settled, screen_text


async def test_findings_show_saving_until_committed_then_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path, make_exam(breed="Dachshund"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        writer = app.saver.store
        real = writer.record_finding
        gate = threading.Event()
        order: list[str] = []

        def held(exam_id, finding, *args, **kwargs):  # type: ignore[no-untyped-def]
            gate.wait(10)  # the disk is slow until the test lets it go
            order.append(f"{finding.site}/{finding.side.value}")
            return real(exam_id, finding, *args, **kwargs)

        monkeypatch.setattr(writer, "record_finding", held)
        await pilot.press("a", "a", "a")
        await pilot.pause()
        text = screen_text(app)
        assert "L4 · LEFT side" in text  # the wizard moved on without waiting
        assert "saving 3: L7 L, L6 L, L5 L" in text
        assert "NOT SAVED" not in text  # slow is not failing
        assert app.store.load_exam("E1").findings == []
        await pilot.press("b")  # back on L5: its finding is recorded, not yet saved
        await pilot.pause()
        assert "absent (0) (not saved yet)" in screen_text(app)

        gate.set()
        await saves_settled(pilot)
        text = screen_text(app)
        assert "saving" not in text and "not saved yet" not in text
        assert "absent (0) — press a grade key" in text
    assert order == ["L7/left", "L6/left", "L5/left"]
    stored = app.store.load_exam("E1")
    assert [(f.site, f.grade) for f in stored.findings] == [
        ("L7", Grade.ABSENT),
        ("L6", Grade.ABSENT),
        ("L5", Grade.ABSENT),
    ]


async def test_writes_reach_the_records_in_key_order(tmp_path: Path) -> None:
    """a a (L7, L6 absent), back, p (L6 present: the left series ends), p (right L7): the
    records hold the last answers and the trail lists the writes in the order of the keys
    (an answer replaced before its commit may never be written)."""
    app = make_app(tmp_path, make_exam(breed="Dachshund"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a", "a", "b", "p", "p")
        await saves_settled(pilot)
        assert app.saver.unsaved == 0
        live = {(f.site, f.side.value): f.grade for f in app.screen.service.exam.findings}
    stored = app.store.load_exam("E1")
    assert (
        {(f.site, f.side.value): f.grade for f in stored.findings}
        == live
        == {
            ("L7", "left"): Grade.ABSENT,
            ("L6", "left"): Grade.PRESENT,
            ("L7", "right"): Grade.PRESENT,
        }
    )
    keys = [
        ("cutaneous_trunci/L7/left", "absent"),
        ("cutaneous_trunci/L6/left", "absent"),
        ("cutaneous_trunci/L6/left", "present"),
        ("cutaneous_trunci/L7/right", "present"),
    ]
    written = [
        (r.field, r.new_value)
        for r in app.store.audit("E1")
        if r.field and r.field.startswith("cutaneous_trunci/")
    ]
    rest = iter(keys)
    assert all(w in rest for w in written), written  # a subsequence of the keys, in order
    assert written[-2:] == keys[-2:]


async def test_leaving_the_exam_waits_for_its_findings(tmp_path: Path) -> None:
    """Home right after the keys: the exam's findings are committed before its lease goes."""
    app = make_app(tmp_path, make_exam(breed="Dachshund"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a", "a", "p", "h")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert app.saver.unsaved == 0
        assert app.store.lease("E1") is None
    assert len(app.store.load_exam("E1").findings) == 3


async def test_quitting_with_failing_writes_says_what_is_unsaved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neuroexam.records.store import StoreError

    app = make_app(tmp_path, make_exam(breed="Dachshund"))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()

        def full_disk(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise StoreError(f"{app.store.path}: the disk is full")

        monkeypatch.setattr(app.saver.store, "record_finding", full_disk)
        await pilot.press("a", "a")
        await saves_settled(pilot)
        assert "NOT SAVED: 2 change(s) waiting" in screen_text(app)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmModal"
        assert "2 change(s) could not be saved" in screen_text(app)
        assert "disk is full" in screen_text(app)
        await pilot.press("escape")  # stay: the findings are still in memory
        await pilot.pause()
        assert app.saver.unsaved == 2
