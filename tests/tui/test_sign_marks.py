"""The sign checklist marks a ticked sign with ``X`` in text, not by colour alone."""

from __future__ import annotations

from pathlib import Path

from neuroexam.tui.widgets.sign_list import SignList
from tests.tui.helpers import make_app
from tests.tui.intake_pilot import wait_for


async def test_only_ticked_signs_show_the_x(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: bool(app.screen.query(SignList)))
        signs = app.screen.query_one(SignList)
        first = signs.get_option_at_index(0).value
        signs.select(first)
        await pilot.pause()
        marks = [signs.render_line(y).text[:3] for y in range(3)]
        assert marks == ["▐X▌", "▐ ▌", "▐ ▌"]
