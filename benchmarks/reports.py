"""Report benchmark: the time to make one exam's PDF report (never asserted in tests).

    python benchmarks/reports.py [--runs 15]

Goals (issue 12): at most 300 ms for an exam without history and at most 1 s for an exam at the
end of a 50-exam course. Each figure is the whole service call as the TUI key and the CLI make
it: load the exam and its patient's exams from the store, ``evaluate`` each, read the trail,
draw and write the PDF. Printed: the first report in a fresh interpreter (imports, font
registration and protocol loading included) and the median / p95 of ``--runs`` further
reports in the same process, plus the SOAP text and the referral letter.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SEED = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from neuroexam.records.store import Store
    from tests.unit import report_fixtures as fx
    store = Store(Path(sys.argv[1]))
    alone = fx.DACHSHUND.model_copy(update={"patient_id": "P-ALONE"})
    fx.save(store, fx.pmm_exams(alone)[:1])
    fx.save(store, fx.long_course(50))
    store.close()
    """
)
FIRST = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    start = time.perf_counter()
    from neuroexam.records.store import Store
    from neuroexam.services.reports import ReportService
    service = ReportService(Store(Path(sys.argv[1])))
    service.pdf(sys.argv[2], Path(sys.argv[3]))
    print(f"{(time.perf_counter() - start) * 1000:.1f}")
    """
)


def _env(home: Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "NEUROEXAM_HOME": str(home), "PYTHONPATH": path}


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        db = home / "records.db"
        env = _env(home)
        subprocess.run([sys.executable, "-c", SEED, str(db)], env=env, check=True, cwd=REPO)
        cases = (("one exam, no history", "E-PMM-1"), ("end of a 50-exam course", "E-LONG-050"))
        print("Report PDF (store -> evaluate -> draw -> file)")
        for label, exam_id in cases:
            out = home / f"first-{exam_id}.pdf"
            first = subprocess.run(
                [sys.executable, "-c", FIRST, str(db), exam_id, str(out)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
                cwd=REPO,
            ).stdout.strip()
            print(f"  {label:26} first in a fresh interpreter {float(first):7.1f} ms")

        os.environ.update(env)
        sys.path.insert(0, str(REPO))
        from neuroexam.records.store import Store
        from neuroexam.services.reports import ReportService

        store = Store(db)
        service = ReportService(store)
        service.pdf("E-PMM-1", home / "warm.pdf")  # imports, fonts, protocols
        for label, exam_id in cases:
            for kind, make in (
                ("pdf", lambda e: service.pdf(e, home / "r.pdf")),
                ("referral", lambda e: service.referral(e, home / "l.pdf")),
                ("soap text", service.soap),
            ):
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    make(exam_id)
                    times.append((time.perf_counter() - start) * 1000)
                print(f"  {label:26} {kind:9} {_ms(times)}")
        size = (home / "r.pdf").stat().st_size
        print(f"  size of the 50-exam course report: {size / 1024:.0f} KiB")
        store.close()


if __name__ == "__main__":
    main()
