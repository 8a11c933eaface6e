"""The training commit screen: every region of DOMAIN.md 4.2 and, for a spinal case, the
Modified Frankel Score; the scoring marks them (a spinal case walked end to end)."""

from __future__ import annotations

import random
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import OptionList

from neuroexam.core.vocab import FlagId, Grade
from neuroexam.records.store import Store
from neuroexam.training.cases import Case, shipped_cases
from neuroexam.training.scoring import LOCALIZATION_WORDS
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.commit import LOCALIZATIONS, MFS_CHOICES, MFS_ROW, CommitScreen
from neuroexam.tui.screens.training import TrainingStart
from tests.tui.helpers import screen_text

KEYS = {
    Grade.ABSENT: "a",
    Grade.REDUCED: "r",
    Grade.PRESENT: "p",
    Grade.EXAGGERATED: "e",
    Grade.CLONUS: "4",
    Grade.NOT_TESTED: "n",
}
REGIONS = {"C1-C5", "C6-T2", "T3-L3", "L4-S3", "C1-C5 or C6-T2", "multifocal", "none"}


def case(case_id: str) -> Case:
    return next(c for c in shipped_cases() if c.id == case_id)


def make_app(tmp_path: Path, chosen: Case) -> NeuroExamApp:
    start = TrainingStart(case=chosen, student="Ana", rng=random.Random(1))
    return NeuroExamApp(store=Store(tmp_path / "neuroexam.db"), training=start)


async def walk(pilot: Pilot, app: NeuroExamApp, chosen: Case) -> None:
    """Grade every step as the case says (clonus by 4) until the commit screen opens."""
    await pilot.pause()
    await pilot.press("escape")  # the case presentation
    for _ in range(150):
        screen = app.screen
        if type(screen).__name__ != "TrainingExamScreen":
            break
        step = screen.session.cursor  # type: ignore[attr-defined]
        assert step is not None
        await pilot.press(KEYS[chosen.response(step.test, step.site, step.side).grade])
        await pilot.pause()
    assert type(app.screen).__name__ == "CommitScreen"


def test_every_region_is_offered() -> None:
    assert set(LOCALIZATIONS) == REGIONS
    assert set(LOCALIZATION_WORDS) == REGIONS
    assert MFS_CHOICES == ("0", "1", "2", "3", "4", "5", "6", "none")


async def test_a_spinal_case_commits_l4_s3_and_the_mfs(tmp_path: Path) -> None:
    chosen = case("l4s3_paraplegic_labrador")
    assert chosen.expected.localization == "L4-S3" and chosen.expected.mfs == 2
    app = make_app(tmp_path, chosen)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk(pilot, app, chosen)
        screen = app.screen
        assert isinstance(screen, CommitScreen)
        assert screen.rows[:2] == ["localization", MFS_ROW]
        hint = screen_text(app)
        assert "3 L4-S3" in hint and "5 multifocal" in hint and "MFS: 0-6" in hint
        await pilot.press(str(LOCALIZATIONS.index("L4-S3")))
        await pilot.press("c")  # the MFS is not chosen yet: refused, its row highlighted
        await pilot.pause()
        assert type(app.screen).__name__ == "CommitScreen"
        assert screen.query_one(OptionList).highlighted == 1
        await pilot.press("1")  # one point away from 2: half credit
        expected = {f.id: f.strength.value for f in chosen.expected.flags}
        for row in screen.rows[2:]:
            await pilot.press("down")
            strength = expected.get(FlagId(row))
            if strength is not None:
                await pilot.press(str(("none", "weak", "moderate", "strong").index(strength)))
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
        assert type(app.screen).__name__ == "ScoreScreen"
        text = screen_text(app)
        assert "You: L4-S3" in text
        assert "MFS (0 worst, 6 normal) 5/10: you 1, expected 2" in text
        assert "Score 95/100" in text
    [attempt] = app.store.attempts("Ana")
    assert attempt.details["committed_mfs"] == 1 and attempt.details["mfs"] == 0.5


async def test_a_cervical_case_commits_either_cervical_region_and_mfs_none(
    tmp_path: Path,
) -> None:
    chosen = case("cervical_disc_beagle")
    app = make_app(tmp_path, chosen)
    async with app.run_test(size=(80, 24)) as pilot:
        await walk(pilot, app, chosen)
        screen = app.screen
        assert isinstance(screen, CommitScreen)
        await pilot.press(str(LOCALIZATIONS.index(chosen.expected.localization)))
        await pilot.press("down", "7")  # MFS: none (not defined)
        commitment = screen.commitment()
        assert commitment is not None
        assert commitment.localization == chosen.expected.localization
        assert commitment.mfs == "none"
