"""The spinal part on the live map (limbs beside the spine) and the MFS line of the wizard."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from neuroexam.core.models import Exam, Finding, Grade, Side, TestId
from neuroexam.core.protocol import shipped
from neuroexam.core.session import Step
from neuroexam.core.vocab import PELVIC_LIMB, PERINEUM, THORACIC_LIMB
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.widgets.sign_list import SignList
from neuroexam.tui.widgets.spine_map import render_map
from tests.tui.helpers import FIXED_DATE, make_app, make_exam


def spinal_exam(signs: list[str] | None = None, breed: str = "Labrador Retriever") -> Exam:
    exam = make_exam(breed=breed, signs=signs)
    exam.parts = "spinal"
    return exam


def finding(test: TestId, site: str, side: Side, grade: Grade) -> Finding:
    return Finding(test=test, site=site, side=side, grade=grade, recorded_at=FIXED_DATE)


def lines(exam: Exam, cursor: Step | None = None) -> list[str]:
    limits = shipped().rules.thresholds.ctr
    return render_map(exam, limits, cursor=cursor).plain.splitlines()


def limb_row(rows: list[str], label: str) -> str:
    """The limb block's part of the row that names ``label`` (LF, RF, LH, RH)."""
    row = next(r for r in rows if f"│{label} " in r)
    return row.split("│", 1)[1]


def test_the_limb_block_only_for_an_exam_with_the_spinal_part() -> None:
    quick = lines(make_exam())
    assert not any("Limb" in r for r in quick)
    spinal = lines(spinal_exam())
    assert any("Limb patel withd postu pain  perin" in r for r in spinal)
    # The same height as the quick map, and 74 columns at most (the summary's map at 80
    # columns, beside its scrollbar).
    assert len(spinal) == len(quick)
    assert max(len(r) for r in spinal) <= 74


def test_limb_grades_sit_under_their_test_and_limb() -> None:
    exam = spinal_exam()
    exam.findings = [
        finding(TestId.PATELLAR, PELVIC_LIMB, Side.LEFT, Grade.CLONUS),
        finding(TestId.WITHDRAWAL, PELVIC_LIMB, Side.RIGHT, Grade.REDUCED),
        finding(TestId.WITHDRAWAL, THORACIC_LIMB, Side.LEFT, Grade.PRESENT),
        finding(TestId.POSTURAL, THORACIC_LIMB, Side.RIGHT, Grade.REDUCED),
        finding(TestId.NOCICEPTION, PELVIC_LIMB, Side.LEFT, Grade.ABSENT),
        finding(TestId.PERINEAL, PERINEUM, Side.RIGHT, Grade.PRESENT),
    ]
    rows = lines(exam)
    head = next(r for r in rows if "│Limb " in r).split("│", 1)[1]

    def under(label: str, column: str) -> str:
        start = head.index(column)
        return limb_row(rows, label)[start : start + 6].strip()

    assert under("LH", "patel") == "4"
    assert under("RH", "withd") == "1"
    assert under("LF", "withd") == "2"
    assert under("RF", "postu") == "1"  # postural: 1 = delayed (the legend says so)
    assert under("LH", "pain") == "0"
    assert under("RH", "perin") == "2"  # the perineal reflex of the right side
    assert under("LF", "patel") == ""  # no patellar reflex in a thoracic limb
    assert under("RF", "perin") == ""
    assert any("1 reduced/delayed" in r for r in rows)


def test_the_cursor_is_marked_in_the_limb_block() -> None:
    step = Step(TestId.POSTURAL, PELVIC_LIMB, Side.RIGHT)
    assert "[·]" in limb_row(lines(spinal_exam(), cursor=step), "RH")
    assert "[·]" not in limb_row(lines(spinal_exam(), cursor=step), "LH")


def test_compact_map_stacks_the_limb_block_under_the_scratch_rows() -> None:
    limits = shipped().rules.thresholds.ctr
    rows = render_map(spinal_exam(), limits, compact=True).plain.splitlines()
    assert any(r.startswith("Limb ") for r in rows)
    assert max(len(r) for r in rows) <= 58


async def grade(
    pilot: Pilot, app: NeuroExamApp, test: TestId, site: str, side: Side, key: str
) -> None:
    """Jump the wizard to a step and press a grade key there."""
    service = app.editing["E1"]
    service.session.jump(Step(test, site, side))
    app.screen.refresh_view()  # type: ignore[attr-defined]
    await pilot.press(key)
    await pilot.pause()


def mfs_line(app: NeuroExamApp) -> str:
    line = app.screen.query_one("#mfs", Static)
    return str(line.render()) if line.display else ""


async def test_wizard_map_and_mfs_follow_the_keys(tmp_path: Path) -> None:
    """A paraplegic dog: no MFS until deep pain is tested (the line says so), then MFS 0 when
    it is absent in both pelvic limbs, with the scale's direction; the map shows the grades."""
    app = make_app(tmp_path, spinal_exam(signs=["paraplegia"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "MFS – (0 worst, 6 normal): test deep pain" in mfs_line(app)
        await grade(pilot, app, TestId.PATELLAR, PELVIC_LIMB, Side.LEFT, "r")
        await grade(pilot, app, TestId.NOCICEPTION, PELVIC_LIMB, Side.LEFT, "a")
        await grade(pilot, app, TestId.NOCICEPTION, PELVIC_LIMB, Side.RIGHT, "a")
        assert mfs_line(app).startswith("MFS 0/6 (0 worst, 6 normal): paraplegia")
        await grade(pilot, app, TestId.NOCICEPTION, PELVIC_LIMB, Side.RIGHT, "p")
        assert mfs_line(app).startswith("MFS 2/6 (0 worst, 6 normal)")
        text = str(app.screen.query_one("#map", Static).render())
        assert "│LH     1" in text  # patellar reduced, left pelvic limb


async def test_no_mfs_line_without_a_pelvic_or_back_presentation(tmp_path: Path) -> None:
    app = make_app(tmp_path, spinal_exam(signs=["neck_pain"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert mfs_line(app) == ""


async def test_intake_with_the_spinal_part_and_a_sided_sign_opens_the_limb_map(
    tmp_path: Path,
) -> None:
    """New exam: the spinal part chosen and forelimb lameness ticked on the left; the wizard
    walks the spinal steps too, shows the limb block and stores the sign with its side."""
    from tests.tui.intake_pilot import focus, settle, wait_for

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: app.focused is not None)
        await pilot.press(*"P-9", "tab", *"Bo", "tab", "d")
        await focus(pilot, "parts")
        await pilot.press("s")
        await focus(pilot, "signs-neuro_history")
        signs = app.screen.query_one("#signs-neuro_history", SignList)
        signs.highlighted = [item.id for item in signs.items].index("forelimb_lameness")
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ExamScreen")
        service = next(iter(app.editing.values()))
        exam = service.session.exam
        assert exam.parts == "spinal"
        assert "forelimb_lameness:left" in exam.signs
        assert any(s.test is TestId.NOCICEPTION for s in service.session.active_steps())
        assert "│LF " in str(app.screen.query_one("#map", Static).render())


async def test_no_deep_pain_prompt_where_the_mfs_is_not_defined(tmp_path: Path) -> None:
    """Tetraparesis: no MFS (not defined) and no prompt to test deep pain for it."""
    app = make_app(tmp_path, spinal_exam(signs=["paraplegia", "tetraparesis_ambulatory"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert mfs_line(app) == ""
