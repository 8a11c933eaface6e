"""Grade keys a normal dog takes in the wizard, first step to summary (issue 15: at most 6).

    python benchmarks/keys.py

Drives the app headless (a Textual pilot) through a normal dog: trunci left L7 ``p`` (a
twitch at L7 is a normal cut-off and ends that side), right L7 ``p``, then ``*`` (every
remaining scratch region present). Prints the keys pressed and the number of findings stored.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from neuroexam.core.models import Exam, Patient
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp

NORMAL_DOG = ["p", "p", "asterisk"]


async def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        exam = Exam(
            exam_id="K1",
            exam_date=datetime.now(UTC),
            examiner="bench",
            patient=Patient(patient_id="B1", name="Rex", species="dog", breed="Beagle"),
        )
        app = NeuroExamApp(store=Store(Path(folder) / "neuroexam.db"), start_exam=exam)
        used: list[str] = []
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            for key in NORMAL_DOG:
                if type(app.screen).__name__ != "ExamScreen":
                    break
                await pilot.press(key)
                used.append(key)
            for _ in range(20):
                if type(app.screen).__name__ == "SummaryScreen":
                    break
                await pilot.pause()
            screen = type(app.screen).__name__
        stored = app.store.load_exam("K1")
        findings = len(stored.findings) if stored else 0
    print(
        f"normal dog: {len(used)} grade keys ({' '.join(used)}) -> {screen}, "
        f"{findings} findings stored (target: at most 6)"
    )


if __name__ == "__main__":
    asyncio.run(run())
