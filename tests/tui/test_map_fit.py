"""The spine map fits 80×24 (issue 15): no map row wraps on the wizard or the summary, for
quick, spinal and trunci-only exams, first exam and re-exam; the earlier cut-off sits on a
"was" row of its own; a re-exam's scratch rows stay on screen; and the step counter of a
re-check counts each trunci series up to the previous cut-off."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.containers import VerticalScroll
from textual.pilot import Pilot

from neuroexam.core.models import Exam
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.widgets.spine_map import SpineMap, was_label
from tests.tui.intake_pilot import wait_for
from tests.tui.records_seed import OSCAR, OSCAR_FIRST, save_exam

SIGNS = ["paraplegia", "deep_pain_absent"]
#: Both trunci sides: L7 … T13 absent, first twitch at T12 (the cut-off moved L1 → T12).
TRUNCI_T12 = [*"aaaaaaaap", *"aaaaaaaap"]
PARTS = ["quick", "spinal", "trunci"]


def make(tmp_path: Path, parts: str, re_exam: bool) -> NeuroExamApp:
    """Oscar (Dachshund): an earlier exam with the cut-off at L1 when ``re_exam``, and a new
    exam of ``parts`` 6 h later, open in the wizard."""
    store = Store(tmp_path / "neuroexam.db")
    if re_exam:
        save_exam(store, "E-O1", OSCAR_FIRST, OSCAR, "L1", signs=tuple(SIGNS))
    exam = Exam(
        exam_id="E-O2",
        exam_date=OSCAR_FIRST + timedelta(hours=6),
        examiner="Dr Ito",
        patient=OSCAR,
        signs=list(SIGNS),
        parts=parts,
    )
    return NeuroExamApp(store=store, start_exam=exam)


def map_lines(app: NeuroExamApp) -> list[str]:
    return str(app.screen.query_one(SpineMap).render()).splitlines()


def assert_no_wrap(app: NeuroExamApp) -> None:
    """Every map row fits the widget's width, and the widget is as tall as its rows (a
    wrapped row would make it taller)."""
    spine = app.screen.query_one(SpineMap)
    lines = map_lines(app)
    width = spine.content_size.width
    assert width >= 74, width
    too_wide = [line for line in lines if len(line.rstrip()) > width]
    assert not too_wide, (width, too_wide)
    assert spine.content_size.height == len(lines)


def assert_rows_visible(app: NeuroExamApp, *labels: str) -> None:
    """The map rows starting with ``labels`` are inside the visible part of the screen."""
    spine = app.screen.query_one(SpineMap)
    body = app.screen.query_one(VerticalScroll) if app.screen.query(VerticalScroll) else None
    visible = body.region if body is not None else app.screen.region
    top = spine.content_region.y - (round(body.scroll_y) if body is not None else 0)
    lines = map_lines(app)
    for label in labels:
        row = top + next(i for i, line in enumerate(lines) if line.startswith(label))
        assert visible.y <= row < visible.bottom, (label, row, visible)


async def to_summary(pilot: Pilot, app: NeuroExamApp, parts: str, pressed: int = 0) -> None:
    """Record the trunci (cut-off T12 both sides; the first ``pressed`` keys were pressed
    already), every scratch region present and, in a spinal exam, go to the summary with the
    limbs unrecorded."""
    await pilot.press(*TRUNCI_T12[pressed:])
    if parts != "trunci":
        await pilot.press("asterisk")
    if type(app.screen).__name__ != "SummaryScreen":
        await pilot.press("s")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "SummaryScreen")
    await pilot.pause()


@pytest.mark.parametrize("re_exam", [False, True], ids=["first", "re-exam"])
@pytest.mark.parametrize("parts", PARTS)
async def test_no_map_row_wraps_at_80x24(tmp_path: Path, parts: str, re_exam: bool) -> None:
    app = make(tmp_path, parts, re_exam)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert_no_wrap(app)  # the wizard's first step
        await pilot.press(*"aaaaaaa")  # left L7 … L1 absent: "testing", T13 at the cursor
        assert_no_wrap(app)
        lines = map_lines(app)
        assert any(line.startswith("was") for line in lines) is re_exam
        assert not any("(" in line for line in lines[:6])  # no "(was)" / "(L1)" annotations
        await to_summary(pilot, app, parts, pressed=7)
        assert_no_wrap(app)
        lines = map_lines(app)
        left = next(line for line in lines if line.startswith("left"))
        assert left.rstrip().endswith(" T12 ABN")
        if re_exam:
            was = next(line for line in lines if line.startswith("was"))
            assert was.rstrip().endswith(" L1")
            assert was[5 + 13 * 3 : 5 + 14 * 3] == " ^ "  # under L1, the 14th level
        if parts != "trunci":
            assert_rows_visible(app, "Scratch", "left    ", "right   ")


async def test_re_exam_summary_keeps_the_scratch_rows_on_screen(tmp_path: Path) -> None:
    """The summary of a quick re-exam at 80×24 (cut-off L1 → T12, emergency headline, serial
    lines): the map's rows, scratch included, are on the first screen, none wrapped."""
    app = make(tmp_path, "quick", re_exam=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await to_summary(pilot, app, "quick")
        assert_no_wrap(app)
        assert_rows_visible(app, "CTR", "left ", "right ", "was", "Scratch", "left    ", "right   ")
        assert app.screen.query_one("#serial").region.y > app.screen.query_one(SpineMap).region.y


def test_was_label_fits_the_label_column() -> None:
    assert was_label({"left": "L1", "right": "L1"}) == "L1"
    assert was_label({"left": "L1", "right": "T13"}) == "L1/T13"
    assert was_label({"left": None, "right": "T13"}) == "-/T13"
    assert (
        max(
            len(was_label({"left": a, "right": b}))
            for a in ("none", "T13")
            for b in ("none", "T13")
        )
        <= 9
    )


def title(app: NeuroExamApp) -> str:
    return str(app.screen.query_one("#step-title").render())


async def test_trunci_re_check_counts_to_the_previous_cut_off(tmp_path: Path) -> None:
    """Trunci-only re-check, previous cut-off L1: 7 levels a side (L7 … L1), not all 40; the
    total grows one level at a time while the series goes on past L1, and `b` goes back."""
    app = make(tmp_path, "trunci", re_exam=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert title(app).endswith("step 1/~14")
        await pilot.press(*"aaa")
        assert title(app).endswith("step 4/~14")
        await pilot.press("b")
        assert title(app).endswith("step 3/~14")
        await pilot.press(*"aaaaa")  # L5 again, L4 … L1 absent: T13 is due
        assert "T13" in title(app) and title(app).endswith("step 8/~15")
        await pilot.press("a", "p")  # T13 absent, first twitch at T12: the left side ends
        assert "RIGHT" in title(app) and title(app).endswith("step 10/~16")
        await pilot.press(*"aaaap")  # right L7 … L4 absent, twitch at L3: it ends there
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SummaryScreen")


async def test_first_trunci_exam_counts_every_level_left(tmp_path: Path) -> None:
    """Without an earlier exam there is nothing to expect: every level not yet ruled out."""
    app = make(tmp_path, "trunci", re_exam=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert title(app).endswith("step 1/40")
        await pilot.press(*"aap")  # left ends at L5: its cranial levels drop out
        assert title(app).endswith("step 4/23")
