"""Snapshots of a re-exam's summary at 80×24 and 120×40 (issue 15): Oscar's cut-off moved
L1 → T12; the earlier cut-off sits on the map's "was" row, no map row wraps, and at 80×24
the scratch rows of a quick re-exam are on the first screen.

Update with ``pytest tests/tui/test_snapshots_re_exam.py --snapshot-update`` (and look at them).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from neuroexam.tui.screens import intake
from tests.tui.intake_pilot import wait_for
from tests.tui.records_seed import OSCAR_FIRST
from tests.tui.test_map_fit import TRUNCI_T12, make

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def utc_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time UTC, now one hour after the re-exam (a trunci re-check is due)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(intake, "local_now", lambda: OSCAR_FIRST + timedelta(hours=7))
    yield
    monkeypatch.undo()
    time.tzset()


def _record(keys: list[str]) -> Callable[[Pilot], Awaitable[None]]:
    async def run_before(pilot: Pilot) -> None:
        await pilot.pause()
        await pilot.press(*keys)
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "SummaryScreen")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


@pytest.mark.usefixtures("utc_clock")
@pytest.mark.parametrize("size", SIZES)
def test_re_exam_summary_quick(snap_compare, tmp_path: Path, size) -> None:
    """Quick re-exam: trunci T12 both sides, every scratch region present."""
    app = make(tmp_path, "quick", re_exam=True)
    assert snap_compare(app, terminal_size=size, run_before=_record([*TRUNCI_T12, "asterisk"]))


@pytest.mark.usefixtures("utc_clock")
@pytest.mark.parametrize("size", SIZES)
def test_re_exam_summary_trunci(snap_compare, tmp_path: Path, size) -> None:
    """Trunci-only re-check: no scratch rows, the legend under the lesion window."""
    app = make(tmp_path, "trunci", re_exam=True)
    assert snap_compare(app, terminal_size=size, run_before=_record(TRUNCI_T12))
