"""``neuroexam assess`` and ``import`` of a large findings CSV against pandas and pyarrow.

    python benchmarks/assess_import.py [--scale 20000 100000] [--busy 500] [--keep DIR]

For each ``--scale N``: a store of N exams is built with ``bench.py``'s builder (about 40
findings per exam, 10 exams per patient, one patient followed for ``--busy`` exams) and
exported in the findings layout (FORMAT.md §2); then each of these runs in its own child
process, measured by ``os.wait4`` (that child's own CPU time and peak resident memory) and the
wall clock:

- ``pandas.read_csv(FILE, dtype=object, keep_default_na=False)``, the reference;
- ``pyarrow.csv.read_csv(FILE)`` when pyarrow is installed (optional; never a dependency);
- ``neuroexam assess FILE --json`` (output to /dev/null);
- ``neuroexam import FILE`` into an empty store (200 exams to a transaction: its wall
  time also counts the disk's syncs).

A child's CPU time includes its worker processes (``assess`` uses one per CPU from 5000 exams
on), so CPU and wall time can differ by up to the number of CPUs.

It prints the figures, the ratios the issue sets as goals (assess ≤ 2× ``read_csv`` time,
peak memory ≤ ``read_csv``'s, import ≤ 2× assess) and, with two scales or more, how each
figure grew against the number of exams (1.00 = linear). Big files are removed at the end
unless ``--keep`` names a folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

READ_CSV = (
    "import sys, pandas as pd\npd.read_csv(sys.argv[1], dtype=object, keep_default_na=False)\n"
)
ARROW = "import sys, pyarrow.csv as pc\npc.read_csv(sys.argv[1])\n"


@dataclass
class Run:
    """One child process: CPU seconds (user + system), wall seconds, peak RSS in MiB."""

    cpu: float
    wall: float
    rss: float
    status: int

    def line(self, label: str) -> str:
        return (
            f"  {label:<28} CPU {self.cpu:8.2f} s   wall {self.wall:8.2f} s   "
            f"peak RSS {self.rss:8.1f} MiB"
        )


def measure(argv: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` with stdout to /dev/null; its own rusage from ``os.wait4``.

    Linux carries the peak RSS of the forking process into the child's ``ru_maxrss`` (across
    ``exec``): this process therefore stays small (the files are built by a child of their
    own), so that the figure is the command's own."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE, env=env)
        assert child.stderr is not None
        err = child.stderr.read()  # a pipe: no progress bar is drawn
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if err.strip():
        print(f"    (stderr: {err.decode(errors='replace').strip()[:200]})")
    return Run(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, child.returncode)


def pyarrow_installed() -> bool:
    done = subprocess.run([sys.executable, "-c", "import pyarrow.csv"], capture_output=True)
    return done.returncode == 0


def make_file(folder: Path, exams: int, busy: int) -> Path:
    """``folder/findings.csv``: the export of a store of ``exams`` exams (run in a child)."""
    from bench import build_store

    from neuroexam.records.export import export_csv
    from neuroexam.records.store import ExamFilter, Store

    db = folder / "scale.db"
    build_store(db, exams, busy)
    store = Store(db)
    out = folder / "findings.csv"
    try:
        export_csv(store, out, ExamFilter(mode=None, include_unfinished=True))
    finally:
        store.close()
    for part in folder.glob("scale.db*"):
        part.unlink()
    return out


def scale(exams: int, busy: int, folder: Path, arrow: bool) -> dict[str, Run]:
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--make", str(exams), str(busy), str(folder)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    path, built = folder / "findings.csv", time.perf_counter() - start
    size = path.stat().st_size / 2**20
    print(f"\n{exams} exams: {path} ({size:.0f} MiB, built and exported in {built:.0f} s)")
    runs: dict[str, Run] = {}
    runs["read_csv"] = measure([sys.executable, "-c", READ_CSV, str(path)])
    print(runs["read_csv"].line("pandas.read_csv"))
    if arrow:
        runs["pyarrow"] = measure([sys.executable, "-c", ARROW, str(path)])
        print(runs["pyarrow"].line("pyarrow.csv.read_csv"))
    else:
        print("  pyarrow not installed")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "neuroexam", "assess", str(path), "--json"]
    runs["assess"] = measure(command, env)
    print(runs["assess"].line("neuroexam assess --json"))
    home = folder / "import-home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(mode=0o700)
    runs["import"] = measure(
        [sys.executable, "-m", "neuroexam", "import", str(path)],
        {**env, "NEUROEXAM_HOME": str(home)},
    )
    print(runs["import"].line("neuroexam import"))
    shutil.rmtree(home, ignore_errors=True)
    base, assess, load = runs["read_csv"], runs["assess"], runs["import"]
    print(
        f"  assess / read_csv: CPU {assess.cpu / base.cpu:5.2f}x  wall "
        f"{assess.wall / base.wall:5.2f}x  (goal <= 2)   peak RSS "
        f"{assess.rss / base.rss:5.2f}x (goal <= 1)"
    )
    if "pyarrow" in runs:
        arrow_run = runs["pyarrow"]
        print(
            f"  assess / pyarrow:  CPU {assess.cpu / arrow_run.cpu:5.2f}x  wall "
            f"{assess.wall / arrow_run.wall:5.2f}x   peak RSS {assess.rss / arrow_run.rss:5.2f}x"
        )
    print(
        f"  import / assess:   CPU {load.cpu / assess.cpu:5.2f}x  wall "
        f"{load.wall / assess.wall:5.2f}x  (goal <= 2)"
    )
    print(
        f"  per exam: assess {assess.cpu / exams * 1e6:6.0f} µs CPU, import "
        f"{load.cpu / exams * 1e6:6.0f} µs CPU, {load.wall / exams * 1e6:6.0f} µs wall"
    )
    bad = [name for name, run in runs.items() if run.status not in (0, 1)]
    if bad:
        print(f"  FAILED: {', '.join(bad)} exited with an error")
    return runs


def main() -> None:
    if sys.argv[1:2] == ["--make"]:  # the child that builds one file
        make_file(Path(sys.argv[4]), int(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--busy", type=int, default=500, help="exams of the followed patient")
    parser.add_argument("--keep", type=Path, help="build the files in this folder, keep them")
    args = parser.parse_args()
    arrow = pyarrow_installed()
    root = args.keep or Path(tempfile.mkdtemp(prefix="neuroexam-assess-bench-"))
    os.environ["NEUROEXAM_HOME"] = str(root / "home")  # never the user's records
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; files in {root}")
    results: dict[int, dict[str, Run]] = {}
    try:
        for exams in args.scale:
            results[exams] = scale(exams, min(args.busy, exams), root / f"scale-{exams}", arrow)
            if args.keep is None:
                shutil.rmtree(root / f"scale-{exams}", ignore_errors=True)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    if len(results) > 1:
        small, large = min(results), max(results)
        factor = large / small
        print(f"\nGrowth {small} -> {large} exams (x{factor:g}); 1.00 = linear in exams:")
        for name in results[small]:
            a, b = results[small][name], results[large][name]
            print(
                f"  {name:<10} CPU x{b.cpu / a.cpu:6.2f} ({b.cpu / a.cpu / factor:4.2f})   "
                f"peak RSS x{b.rss / a.rss:6.2f}"
            )


if __name__ == "__main__":
    main()
