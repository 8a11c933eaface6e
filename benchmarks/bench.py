"""NeuroExam benchmarks: prints figures and ratios (never asserted in tests).

    python benchmarks/bench.py [--runs 7] [--keys 60]

1. Time to first screen of ``neuroexam`` (home screen, fresh store) against a minimal
   Textual app in the same run, each a fresh interpreter, median of ``--runs``.
2. Per-key time of answering a wizard step headless (press → saved → re-rendered):
   median and p95 over ``--keys`` answers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

FIRST_SCREEN = {
    "minimal textual app": textwrap.dedent(
        """
        from textual.app import App
        from textual.widgets import Footer, Header, Label
        class Minimal(App):
            def compose(self):
                yield Header(); yield Label("hello"); yield Footer()
        async def stop(pilot):
            pilot.app.exit()
        Minimal().run(headless=True, auto_pilot=stop)
        """
    ),
    "neuroexam home screen": textwrap.dedent(
        """
        import sys
        from neuroexam.records.store import Store
        from neuroexam.tui.app import NeuroExamApp
        async def stop(pilot):
            await pilot.pause()
            assert type(pilot.app.screen).__name__ == "HomeScreen"
            print("pandas loaded:", "pandas" in sys.modules)
            pilot.app.exit()
        NeuroExamApp(Store()).run(headless=True, auto_pilot=stop)
        """
    ),
}


def time_first_screen(code: str, runs: int, home: Path) -> tuple[float, str]:
    env = {**os.environ, "NEUROEXAM_HOME": str(home), "PYTHONPATH": str(REPO)}
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        times.append(time.perf_counter() - start)
        out = done.stdout.strip()
    return statistics.median(times), out


async def time_minimal_keys(keys: int) -> list[float]:
    """Baseline: a minimal app whose key binding only updates a label."""
    from textual.app import App
    from textual.widgets import Footer, Label

    class Minimal(App[None]):
        BINDINGS = [("a", "hit", "Hit")]

        def compose(self):  # type: ignore[no-untyped-def]
            yield Label("0", id="count")
            yield Footer()

        def action_hit(self) -> None:
            label = self.query_one("#count", Label)
            label.update(str(int(str(label.render())) + 1))

    samples: list[float] = []
    async with Minimal().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(keys):
            start = time.perf_counter()
            await pilot.press("a")
            samples.append(time.perf_counter() - start)
    return samples


async def time_keys(keys: int, home: Path) -> tuple[list[float], list[float]]:
    """Pilot round trip per answer, and the time inside the answer handler alone."""
    from neuroexam.core.models import Exam, Patient
    from neuroexam.records.store import Store
    from neuroexam.tui.app import NeuroExamApp
    from neuroexam.tui.screens.exam import ExamScreen

    handler: list[float] = []
    original = ExamScreen.action_grade

    def timed(self: ExamScreen, value: str) -> None:
        start = time.perf_counter()
        original(self, value)
        handler.append(time.perf_counter() - start)

    ExamScreen.action_grade = timed  # type: ignore[method-assign]
    samples: list[float] = []
    n = 0
    while len(samples) < keys:
        n += 1
        exam = Exam(exam_id=f"B{n}", patient=Patient(species="dog", breed="Beagle"))
        app = NeuroExamApp(Store(home / "bench.db"), start_exam=exam)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            # 6 absent then present on each side, then the 10 scratch steps minus the last.
            sequence = "aaaaaap" * 2 + "p" * 9
            for key in sequence:
                start = time.perf_counter()
                await pilot.press(key)
                samples.append(time.perf_counter() - start)
    ExamScreen.action_grade = original  # type: ignore[method-assign]
    return samples[:keys], handler[:keys]


def median_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keys", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        print(f"Time to first screen (median of {args.runs} fresh interpreters)")
        results = {}
        for name, code in FIRST_SCREEN.items():
            median, out = time_first_screen(code, args.runs, home)
            results[name] = median
            extra = f"   [{out}]" if out else ""
            print(f"  {name:<24} {median * 1000:8.0f} ms{extra}")
        ratio = results["neuroexam home screen"] / results["minimal textual app"]
        print(f"  ratio neuroexam / minimal: {ratio:.2f}")
        samples, handler = asyncio.run(time_keys(args.keys, home))
        baseline = asyncio.run(time_minimal_keys(args.keys))
        print(f"Per-key answer time, headless ({len(samples)} keys)")
        rows = [
            ("pilot press, minimal app", baseline),
            ("pilot press, wizard answer", samples),
            ("answer handler (save+render)", handler),
        ]
        for name, values in rows:
            med, p95 = median_p95(values)
            print(f"  {name:<30} median {med * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms")
        ratio = median_p95(samples)[0] / median_p95(baseline)[0]
        print(f"  ratio wizard / minimal (median): {ratio:.2f}")


if __name__ == "__main__":
    main()
