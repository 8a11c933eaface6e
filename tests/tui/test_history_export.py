"""History screen ``x``: export the records (findings or summary) in a worker, with progress."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Input, Label, ProgressBar, RadioSet

from neuroexam.core.models import Mode
from neuroexam.records import export as export_module
from neuroexam.records.export import Layout, export_text
from neuroexam.records.store import ExamFilter, Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.history import HistoryScreen
from neuroexam.tui.screens.home import HomeScreen
from neuroexam.tui.widgets.export_modal import RecordsExportModal, records_export_path
from tests.unit.export_fixtures import golden_exams

CLINICAL = ExamFilter(mode=Mode.CLINICAL, include_unfinished=False)


@pytest.fixture
def export_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    monkeypatch.setenv("NEUROEXAM_EXPORT_DIR", str(folder))
    return folder


def make_app(tmp_path: Path) -> NeuroExamApp:
    app = NeuroExamApp(store=Store(tmp_path / "t.db"))
    for exam in golden_exams():
        app.store.save_exam_with_findings(exam)
    return app


async def open_history(app: NeuroExamApp, pilot) -> None:  # type: ignore[no-untyped-def]
    app.show_history()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(app.screen, HistoryScreen)


async def test_export_findings_from_history(tmp_path: Path, export_dir: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_history(app, pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, RecordsExportModal)
        out = records_export_path("findings")
        assert app.screen.query_one("#export-path", Input).value == str(out)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        messages = [n.message for n in app._notifications]
        assert f"Exported 60 findings of 5 exams to {out}" in messages
        assert not app.screen.query_one("#export-progress", ProgressBar).display
        expected = export_text(app.store, CLINICAL, Layout.FINDINGS)
    assert out.read_bytes() == expected.encode("utf-8")


async def test_export_summary_layout_chosen_in_the_dialog(tmp_path: Path, export_dir: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_history(app, pilot)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("tab")  # to the layout choice
        assert isinstance(app.focused, RadioSet)
        await pilot.press("down", "enter")  # summary
        await pilot.pause()
        out = records_export_path("summary")
        field = app.screen.query_one("#export-path", Input)
        assert field.value == str(out), "the default name follows the layout"
        await pilot.press("shift+tab")
        assert app.focused is field
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert f"Exported 5 exams (summary) to {out}" in [n.message for n in app._notifications]
        expected = export_text(app.store, CLINICAL, Layout.SUMMARY)
    assert out.read_bytes() == expected.encode("utf-8")


async def test_keys_stay_live_while_an_export_runs(
    tmp_path: Path, export_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long export (held here by an event) shows progress; meanwhile keys still work."""
    release, started = threading.Event(), threading.Event()
    real = export_module.export_csv

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        progress = kwargs.get("progress") if "progress" in kwargs else args[5]
        progress(1, 5)
        started.set()
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(export_module, "export_csv", slow)
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_history(app, pilot)
        await pilot.press("x", "enter")
        assert started.wait(5)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        assert screen.query_one("#export-progress", ProgressBar).display
        assert screen.query_one("#export-progress", ProgressBar).progress == 1
        status = str(screen.query_one("#export-status", Label).render())
        assert status == "Exporting complete clinical exams: 1 of 5…"
        await pilot.press("x")  # a second export is refused while one runs
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert "An export is already running." in [n.message for n in app._notifications]
        await pilot.press("escape")  # the UI answers at once: back home
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        out = records_export_path("findings")
        assert f"Exported 60 findings of 5 exams to {out}" in [
            n.message for n in app._notifications
        ]
    assert out.exists()


async def test_export_failure_is_a_clear_message(
    tmp_path: Path, export_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    def full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_module, "export_csv", full)
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_history(app, pilot)
        await pilot.press("x", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [n.message for n in app._notifications if n.severity == "error"]
        out = records_export_path("findings")
        assert errors == [f"Export failed: cannot write {out}: No space left on device"]
        assert not app.screen.query_one("#export-progress", ProgressBar).display
