"""Snapshots of the records screens (patients, a patient's exams, compare) at 80×24 and 120×40.

Update with ``pytest tests/tui/test_snapshots_records.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from neuroexam.records.store import Store
from tests.tui.helpers import make_app
from tests.tui.records_seed import seed

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def _app(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "neuroexam.db")
    seed(store)  # fixed dates
    store.close()
    return make_app(tmp_path)


async def _settle(pilot: Pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()  # flags are computed in a worker
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_patients(snap_compare, tmp_path: Path, size) -> None:
    assert snap_compare(_app(tmp_path), press=["p"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_patients_search(snap_compare, tmp_path: Path, size) -> None:
    assert snap_compare(_app(tmp_path), press=["p", *"bel", "enter"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_patient_exams(snap_compare, tmp_path: Path, size) -> None:
    async def open_oscar(pilot: Pilot) -> None:
        await pilot.press("p", "enter", "enter")
        await _settle(pilot)
        await pilot.press("space")  # the newest exam marked [x]

    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=open_oscar)


@pytest.mark.parametrize("size", SIZES)
def test_compare(snap_compare, tmp_path: Path, size) -> None:
    async def compare(pilot: Pilot) -> None:
        await pilot.press("p", "enter", "enter")
        await _settle(pilot)
        await pilot.press("c")
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=compare)
