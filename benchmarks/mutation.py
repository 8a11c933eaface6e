"""Mutation score of the clinical rules: ``python benchmarks/mutation.py``.

Runs mutmut (configured in ``pyproject.toml`` ``[tool.mutmut]``: which modules are mutated and
which tests must kill the mutants) in a scratch copy of the project, never in the working tree,
at the lowest CPU priority, then prints the score per module and in total, and the surviving
mutants. Exit status 0 when the total reaches ``--min-score`` (default 90), else 1.

Options: ``--workdir DIR`` (default: a folder under the system temp dir), ``--children N``
(parallel mutants, default 2), ``--report-only`` (print the score of the last run in the work
folder without running), ``--show-survivors N`` (diffs printed, default 20). mutmut 3.3.1 has
no incremental mode: every run checks every mutant again (about an hour on 2 busy CPUs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: mutmut's exit codes by outcome (mutmut/__main__.py ``status_by_exit_code``).
KILLED = {1, 3}
TIMEOUT = {-24, 24, 36, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}


def _config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutmut"]


def _copy(workdir: Path, config: dict) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("neuroexam", "protocols"):
        shutil.copytree(REPO / name, workdir / name, ignore=ignore, dirs_exist_ok=True)
    shutil.copy(REPO / "pyproject.toml", workdir / "pyproject.toml")
    tests = workdir / "tests"
    (tests / "unit").mkdir(parents=True, exist_ok=True)
    shared = (
        "tests/__init__.py",
        "tests/conftest.py",
        "tests/backends.py",
        "tests/unit/__init__.py",
    )
    for name in shared:
        shutil.copy(REPO / name, workdir / name)
    for name in config["tests_dir"]:  # test files, and pytest arguments (not copied)
        if (REPO / name).is_file():
            shutil.copy(REPO / name, workdir / name)
    shutil.copytree(REPO / "tests" / "data" / "cases", tests / "data" / "cases", dirs_exist_ok=True)


def _results(workdir: Path) -> dict[str, Counter]:
    """Outcome counts per mutated module, from mutmut's ``*.meta`` files."""
    out: dict[str, Counter] = {}
    for meta in sorted((workdir / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        if not codes:
            continue
        module = str(meta.relative_to(workdir / "mutants")).removesuffix(".meta")
        counts: Counter = Counter()
        for code in codes.values():
            if code in KILLED:
                counts["killed"] += 1
            elif code in TIMEOUT:
                counts["timeout"] += 1
            elif code in SURVIVED:
                counts["survived"] += 1
            elif code in NO_TESTS:
                counts["no tests"] += 1
            elif code is None:
                counts["not checked"] += 1
            else:
                counts[f"other ({code})"] += 1
        out[module] = counts
    return out


def _survivors(workdir: Path) -> list[str]:
    found = []
    for meta in sorted((workdir / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        found += [name for name, code in codes.items() if code in SURVIVED | NO_TESTS]
    return found


#: Runs mutmut's CLI with one fix: mutmut 3.3.1's wall-clock watchdog compares every running
#: mutant with the smallest test estimate of its file (so, on a loaded machine, a mutant whose
#: tests take over ~15 s is stopped and reported as a "timeout" although nothing was detected).
#: Here each mutant is held to its own estimate, with room for a shared, loaded machine; the
#: CPU-time limit mutmut sets in each child still stops a mutant that loops.
WRAPPER = """
import os, signal, sys
from datetime import datetime
from time import sleep
import mutmut.__main__ as mm

def timeout_checker(mutants):
    files = {id(m): m for m, _, _ in mutants}.values()
    def check():
        while True:
            sleep(1)
            now = datetime.now()
            for m in files:
                with mm.START_TIMES_BY_PID_LOCK:
                    started = dict(m.start_time_by_pid)
                for pid, start in started.items():
                    allowed = (m.estimated_time_of_tests_by_pid.get(pid, 0) + 1) * 15 + 180
                    if (now - start).total_seconds() > allowed:
                        try:
                            os.kill(pid, signal.SIGXCPU)
                        except ProcessLookupError:
                            pass
    return check

mm.timeout_checker = timeout_checker
sys.argv = ["mutmut", *sys.argv[1:]]
mm.cli()
"""


def _score(counts: Counter) -> tuple[int, int, float]:
    """(killed incl. timeouts, checked, percent); 'no tests' counts as not killed. A timeout
    here is a mutant that ran past its CPU limit or far past its estimate: it did not pass."""
    killed = counts["killed"] + counts["timeout"]
    checked = sum(n for k, n in counts.items() if k != "not checked")
    return killed, checked, (100.0 * killed / checked if checked else 0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scratch = Path(tempfile.gettempdir()) / "neuroexam-mutation"
    parser.add_argument("--workdir", type=Path, default=scratch)
    parser.add_argument("--children", type=int, default=2)
    parser.add_argument("--min-score", type=float, default=90.0)
    parser.add_argument("--report-only", action="store_true", help="score of the last run")
    parser.add_argument("--show-survivors", type=int, default=20)
    args = parser.parse_args(argv)

    config = _config()
    workdir: Path = args.workdir.resolve()
    if args.report_only:
        return _report(workdir, args)
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    _copy(workdir, config)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    # Not ``python -m mutmut``: mutmut.__main__ must be imported only once (as a module).
    command = [sys.executable, "-c", WRAPPER, "run", "--max-children", str(args.children)]
    if shutil.which("nice"):
        command = ["nice", "-n", "19", *command]
    print(f"mutmut in {workdir} ({' '.join(command)})", flush=True)
    done = subprocess.run(command, cwd=workdir, env=env, check=False)
    if done.returncode not in (0, 1):
        print(f"mutmut stopped with exit status {done.returncode}", file=sys.stderr)
        return 2
    return _report(workdir, args)


def _report(workdir: Path, args: argparse.Namespace) -> int:
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    results = _results(workdir)
    total: Counter = Counter()
    print("\nmodule                          killed/checked   score   (timeouts, no tests)")
    for module, counts in results.items():
        total += counts
        killed, checked, score = _score(counts)
        print(
            f"{module:32s}{killed:6d}/{checked:<8d}{score:7.1f}%   "
            f"({counts['timeout']}, {counts['no tests']})"
        )
    killed, checked, score = _score(total)
    print(f"{'total':32s}{killed:6d}/{checked:<8d}{score:7.1f}%")
    survivors = _survivors(workdir)
    if survivors and args.show_survivors:
        print(f"\n{len(survivors)} surviving mutants; the first {args.show_survivors}:")
        for name in survivors[: args.show_survivors]:
            diff = subprocess.run(
                [mutmut, "show", name],
                cwd=workdir,
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            print(diff.rstrip())
    return 0 if score >= args.min_score else 1


if __name__ == "__main__":
    raise SystemExit(main())
