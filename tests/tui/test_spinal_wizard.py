"""The spinal part in the wizard: only the grades a test offers are taken (FORMAT.md §1)."""

from __future__ import annotations

from pathlib import Path

from neuroexam.core.models import Grade, Side, TestId
from neuroexam.tui.app import NeuroExamApp
from tests.tui.helpers import make_app, make_exam, saves_settled


def step_text(app: NeuroExamApp) -> str:
    """The wizard's step text (the key line), without the map's legend."""
    return str(app.screen.query_one("#step-text").render())


async def test_a_spinal_exam_offers_only_each_tests_grades(tmp_path: Path) -> None:
    exam = make_exam()
    exam.parts = "spinal"
    app: NeuroExamApp = make_app(tmp_path, exam)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        service = app.editing["E1"]
        spinal = [s for s in service.session.active_steps() if s.test is TestId.NOCICEPTION]
        assert spinal, "the spinal part adds its steps to the exam"
        service.session.jump(spinal[0])
        app.screen.refresh_view()  # type: ignore[attr-defined]
        await pilot.pause()
        text = step_text(app)
        assert "p present" in text and "e exaggerated" not in text and "4 clonus" not in text
        await pilot.press("e", "4")  # not offered for deep pain: nothing is recorded
        assert service.session.finding(spinal[0]) is None
        await pilot.press("a")  # absent is
        await saves_settled(pilot)  # the writer thread commits off the key path
        assert (
            app.store.load_exam("E1").grade(  # type: ignore[union-attr]
                TestId.NOCICEPTION, spinal[0].site, spinal[0].side
            )
            is Grade.ABSENT
        )
        patellar = next(s for s in service.session.active_steps() if s.test is TestId.PATELLAR)
        service.session.jump(patellar)
        app.screen.refresh_view()  # type: ignore[attr-defined]
        await pilot.pause()
        assert "4 clonus" in step_text(app)
        await pilot.press("4")
        await saves_settled(pilot)  # the writer thread commits off the key path
        stored = app.store.load_exam("E1")
        assert stored is not None
        assert stored.grade(TestId.PATELLAR, patellar.site, Side(patellar.side)) is Grade.CLONUS
