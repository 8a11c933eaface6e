"""During an exam the earlier cut-off shows beside the current one, and a cranial migration
raises the progressive-myelomalacia alert the moment the finding that shows it is entered."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from neuroexam.core.session import GRADE_KEYS, ExamSession
from neuroexam.records.store import Store
from tests.tui.helpers import FIXED_DATE, make_app, make_exam, screen_text


def map_row(app, label: str) -> str:  # type: ignore[no-untyped-def]
    """The live map's row that starts with ``label`` (left, right, was), trailing blanks cut."""
    rows = str(app.screen.query_one("#map").render()).splitlines()
    return next(r for r in rows if r.startswith(label)).rstrip()


def _seed_previous(db: Path, keys: str) -> None:
    from neuroexam.core.protocol import shipped

    store = Store(db)
    earlier = make_exam("E0", breed="Dachshund", signs=["paraplegia"], when=FIXED_DATE)
    store.create_exam(earlier)
    session = ExamSession(earlier, shipped().exam(earlier.patient.species))
    for key in keys:
        step = session.cursor
        finding = session.answer(GRADE_KEYS[key], now=FIXED_DATE)
        store.record_finding("E0", finding, session.step_index(step))
    store.complete_exam("E0", by="test")
    store.close()


async def test_migration_alert_appears_with_the_finding_that_shows_it(tmp_path: Path) -> None:
    _seed_previous(tmp_path / "neuroexam.db", "aaaaaap" + "aaaaaap")  # cut-off L1 both sides
    later = make_exam(
        "E1", breed="Dachshund", signs=["paraplegia"], when=FIXED_DATE + timedelta(hours=6)
    )
    app = make_app(tmp_path, later)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        # the earlier cut-off on the map's "was" row, under its level (L1: the 14th cell)
        was = map_row(app, "was")
        assert was.endswith(" L1") and was[5 + 13 * 3 : 5 + 14 * 3] == " ^ "
        await pilot.press(*"aaaaa")  # L7..L3 absent: nothing known yet beyond the old limit
        assert not app.screen.query_one("#alert").display
        await pilot.press("a")  # L2 absent: still caudal to the old cut-off
        assert not app.screen.query_one("#alert").display
        await pilot.press("a")  # L1 absent: the cut-off moved at least one vertebra cranially
        await pilot.pause()
        assert app.screen.query_one("#alert").display
        assert "URGENT" in screen_text(app)
        await pilot.press("a")  # T13 absent: at least two vertebrae -> emergency
        await pilot.pause()
        text = screen_text(app)
        assert "!!! EMERGENCY" in text and "progressive myelomalacia" in text.lower()
        assert "at least 2 vertebrae cranially" in text
        # one persistent banner updated in place, never a pile of toasts (issue 15)
        assert not any("EMERGENCY" in n.message for n in app._notifications)
        assert len(app.screen.query("#alert")) == 1
        await pilot.press("p")  # first twitch at T12: cut-off T12, 2 vertebrae cranial of L1
        assert map_row(app, "left").endswith(" T12 ABN") and map_row(app, "was").endswith(" L1")


async def test_no_alert_when_the_cut_off_holds_or_improves(tmp_path: Path) -> None:
    _seed_previous(tmp_path / "neuroexam.db", "aaaaaap" + "aaaaaap")
    later = make_exam("E1", breed="Dachshund", when=FIXED_DATE + timedelta(hours=6))
    app = make_app(tmp_path, later)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"aaaap")  # left cut-off L3: moved caudally (improving)
        await pilot.pause()
        assert not app.screen.query_one("#alert").display
        assert map_row(app, "left").endswith(" L3 ABN") and map_row(app, "was").endswith(" L1")
