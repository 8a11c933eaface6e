"""The summary screen's report keys: d writes the PDF, c copies the SOAP note, l writes the
referral letter; each runs in a worker and says where the file went (or why it failed)."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.summary import SummaryScreen
from tests.unit import report_fixtures as fx


def make_app(tmp_path: Path) -> NeuroExamApp:
    store = Store(tmp_path / "t.db")
    fx.save(store, fx.pmm_exams())
    return NeuroExamApp(store=store)


def messages(app: NeuroExamApp) -> list[str]:
    return [n.message for n in app._notifications]


async def open_summary(app: NeuroExamApp, pilot) -> None:  # type: ignore[no-untyped-def]
    app.show_summary("E-PMM-2", read_only=True)
    await pilot.pause()
    assert isinstance(app.screen, SummaryScreen)


async def test_d_writes_the_pdf_into_the_report_folder(
    tmp_path: Path, _isolated_home: Path
) -> None:
    app = make_app(tmp_path)
    expected = _isolated_home / "NeuroExam reports" / "P-42_2026-03-01_E-PMM-2.pdf"
    async with app.run_test(size=(100, 40)) as pilot:
        await open_summary(app, pilot)
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert f"PDF report written to {expected}" in messages(app)
    reader = PdfReader(expected)
    assert len(reader.pages) == 2
    assert "Zoë Łöwenherz" in reader.pages[0].extract_text()


async def test_c_copies_the_soap_note(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_summary(app, pilot)
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        lines = app.clipboard.splitlines()
        assert [line[:2] for line in lines] == ["S:", "O:", "A:", "P:"]
        assert lines[0].startswith("S: Zoë Łöwenherz (P-42)")
        assert "SOAP note copied to the clipboard (4 lines: S, O, A, P)" in messages(app)


async def test_l_writes_the_referral_letter(tmp_path: Path, _isolated_home: Path) -> None:
    app = make_app(tmp_path)
    expected = _isolated_home / "NeuroExam reports" / "P-42_2026-03-01_E-PMM-2_referral.pdf"
    async with app.run_test(size=(100, 40)) as pilot:
        await open_summary(app, pilot)
        await pilot.press("l")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert f"Referral letter written to {expected}" in messages(app)
    assert "Dear colleague" in PdfReader(expected).pages[0].extract_text()


async def test_a_bad_settings_file_is_reported_not_raised(
    tmp_path: Path, _isolated_home: Path
) -> None:
    _isolated_home.mkdir(parents=True, exist_ok=True)
    settings = _isolated_home / "settings.toml"
    settings.write_text('page_size = "A5"\n', encoding="utf-8")
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_summary(app, pilot)
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)  # the app goes on
        failed = [m for m in messages(app) if m.startswith("Report failed: ")]
        assert failed == [
            f"Report failed: {settings}: page_size: input should be 'A4' or 'Letter' (got 'A5')"
        ]
