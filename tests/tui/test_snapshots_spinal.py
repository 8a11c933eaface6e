"""Snapshots of the spinal part at 80×24: its wizard steps with the limbs beside the spine and
the live MFS, the summary of an L4-S3 dog, and the commit screen of a spinal case."""

from __future__ import annotations

import random
from pathlib import Path

from textual.pilot import Pilot

from neuroexam.core.models import Side, TestId
from neuroexam.core.session import Step
from neuroexam.core.vocab import PELVIC_LIMB, PERINEUM, THORACIC_LIMB
from neuroexam.records.store import Store
from neuroexam.training.cases import shipped_cases
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.training import TrainingStart
from tests.tui.helpers import make_app, make_exam

SIZE = (80, 24)
#: An L4-S3 dog's limb findings: (test, site, side, key).
L4_S3 = [
    (TestId.WITHDRAWAL, THORACIC_LIMB, Side.LEFT, "p"),
    (TestId.WITHDRAWAL, THORACIC_LIMB, Side.RIGHT, "p"),
    (TestId.POSTURAL, THORACIC_LIMB, Side.LEFT, "p"),
    (TestId.POSTURAL, THORACIC_LIMB, Side.RIGHT, "p"),
    (TestId.PATELLAR, PELVIC_LIMB, Side.LEFT, "r"),
    (TestId.PATELLAR, PELVIC_LIMB, Side.RIGHT, "r"),
    (TestId.WITHDRAWAL, PELVIC_LIMB, Side.LEFT, "a"),
    (TestId.WITHDRAWAL, PELVIC_LIMB, Side.RIGHT, "r"),
    (TestId.POSTURAL, PELVIC_LIMB, Side.LEFT, "a"),
    (TestId.POSTURAL, PELVIC_LIMB, Side.RIGHT, "a"),
    (TestId.PERINEAL, PERINEUM, Side.LEFT, "r"),
    (TestId.PERINEAL, PERINEUM, Side.RIGHT, "p"),
]


def spinal_app(tmp_path: Path) -> NeuroExamApp:
    exam = make_exam(breed="Labrador Retriever", signs=["paraplegia"])
    exam.parts = "spinal"
    return make_app(tmp_path, exam)


async def enter(pilot: Pilot, findings: list[tuple[TestId, str, Side, str]]) -> None:
    """The quick part normal (trunci twitch at L7, scratch present), then ``findings``."""
    await pilot.press("p", "p", "asterisk")
    for test, site, side, key in findings:
        app = pilot.app
        assert isinstance(app, NeuroExamApp)
        app.editing["E1"].session.jump(Step(test, site, side))
        await pilot.press(key)
    await pilot.pause()


def at(step: Step):
    async def run(pilot: Pilot) -> None:
        await enter(pilot, L4_S3[:6])
        app = pilot.app
        assert isinstance(app, NeuroExamApp)
        app.editing["E1"].session.jump(step)
        app.screen.refresh_view()  # type: ignore[attr-defined]
        await pilot.pause()

    return run


def test_spinal_patellar_step(snap_compare, tmp_path: Path) -> None:
    """The patellar step (clonus offered), the thoracic limbs graded, MFS waiting on deep pain."""
    step = Step(TestId.PATELLAR, PELVIC_LIMB, Side.RIGHT)
    assert snap_compare(spinal_app(tmp_path), terminal_size=SIZE, run_before=at(step))


def test_spinal_postural_step(snap_compare, tmp_path: Path) -> None:
    """Postural reactions: delayed, not reduced; no clonus."""
    step = Step(TestId.POSTURAL, PELVIC_LIMB, Side.LEFT)
    assert snap_compare(spinal_app(tmp_path), terminal_size=SIZE, run_before=at(step))


def test_spinal_deep_pain_step(snap_compare, tmp_path: Path) -> None:
    """Deep pain: absent or present only; left absent, the right side next."""

    async def run(pilot: Pilot) -> None:
        await enter(pilot, [*L4_S3, (TestId.NOCICEPTION, PELVIC_LIMB, Side.LEFT, "a")])
        app = pilot.app
        assert isinstance(app, NeuroExamApp)
        app.editing["E1"].session.jump(Step(TestId.NOCICEPTION, PELVIC_LIMB, Side.RIGHT))
        app.screen.refresh_view()  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(spinal_app(tmp_path), terminal_size=SIZE, run_before=run)


def test_spinal_summary_l4_s3(snap_compare, tmp_path: Path) -> None:
    """The summary of the L4-S3 dog with deep pain present: MFS 2 and the limb block."""

    async def run(pilot: Pilot) -> None:
        await enter(
            pilot,
            [
                *L4_S3,
                (TestId.NOCICEPTION, PELVIC_LIMB, Side.LEFT, "p"),
                (TestId.NOCICEPTION, PELVIC_LIMB, Side.RIGHT, "p"),
            ],
        )
        await pilot.press("s")
        await pilot.pause()

    assert snap_compare(spinal_app(tmp_path), terminal_size=SIZE, run_before=run)


def test_commit_spinal_case(snap_compare, tmp_path: Path) -> None:
    """The commit screen of a spinal case: seven regions and the MFS row."""
    from neuroexam.tui.screens.commit import CommitScreen

    chosen = next(c for c in shipped_cases() if c.id == "l4s3_paraplegic_labrador")
    start = TrainingStart(case=chosen, student="Ana", rng=random.Random(1))
    app = NeuroExamApp(store=Store(tmp_path / "neuroexam.db"), training=start)

    async def run(pilot: Pilot) -> None:
        await pilot.pause()
        await pilot.press("escape")
        app = pilot.app
        assert isinstance(app, NeuroExamApp)
        await app.push_screen(CommitScreen(chosen, app.protocols))
        await pilot.press("3", "down", "2")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run)
