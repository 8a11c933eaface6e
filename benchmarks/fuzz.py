"""The long fuzz runs of issue 9: many hostile CSV files through ``assess`` and ``import``, many
mutated protocol sets through ``protocols check``, all in this process.

    python benchmarks/fuzz.py [--csv 10000] [--protocols 1000] [--seed 9] [--timeout 10]

The inputs and checks are those of the suite's bounded fuzz (tests/unit/test_fuzz_csv.py and
test_fuzz_protocols.py); here the CSV generator also draws the issue's sizes (lines of 2 MB, a
million cells). For each kind it prints how many inputs were tried and how many survived (every
invariant held), tracebacks (an exception out of ``main``), hangs (no end within
``--timeout`` seconds), other failures (an invariant broken: exit status, a message of more
than one line, raw control characters in the output), exit statuses, and time per input. Inputs
that failed are kept in ``--keep`` for reproduction.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import signal
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


class Hang(Exception):
    """An input ran past the time limit."""


def _alarm(_signum: int, _frame: object) -> None:
    raise Hang


class Tally:
    def __init__(self, name: str, keep: Path) -> None:
        self.name = name
        self.keep = keep
        self.tried = self.survived = self.tracebacks = self.hangs = self.failures = 0
        self.statuses: Counter[str] = Counter()
        self.seconds: list[float] = []
        self.examples: list[str] = []

    def run(
        self,
        index: int,
        attempt: Callable[[], list[int]],
        save: Callable[[Path], None],
        timeout: float,
    ) -> None:
        self.tried += 1
        signal.setitimer(signal.ITIMER_REAL, timeout)
        start = time.perf_counter()
        outcome = "survived"
        try:
            for status in attempt():
                self.statuses[str(status)] += 1
        except Hang:
            outcome = "hang"
        except AssertionError as exc:
            outcome = f"failure: {exc}"
        except BaseException as exc:  # counted, not handled
            if isinstance(exc, KeyboardInterrupt):
                raise
            outcome = "traceback: " + "".join(traceback.format_exception_only(exc)).strip()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        self.seconds.append(time.perf_counter() - start)
        if outcome == "survived":
            self.survived += 1
            return
        if outcome == "hang":
            self.hangs += 1
        elif outcome.startswith("failure"):
            self.failures += 1
        else:
            self.tracebacks += 1
        target = self.keep / f"{self.name}-{index}"
        save(target)
        if len(self.examples) < 10:
            self.examples.append(f"{target}: {outcome[:300]}")

    def report(self) -> None:
        s = sorted(self.seconds) or [0.0]
        p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
        print(f"{self.name}")
        print(
            f"  tried {self.tried}  survived {self.survived}  tracebacks {self.tracebacks}  "
            f"hangs {self.hangs}  other failures {self.failures}"
        )
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        print(f"  exit statuses (per command run): {statuses}")
        print(
            f"  seconds per input: median {statistics.median(s):.3f}  p99 {p99:.3f}  "
            f"max {s[-1]:.3f}  total {sum(s):.0f}"
        )
        for line in self.examples:
            print(f"  kept {line}")


def fuzz_csv_inputs(count: int, seed: int, timeout: float, keep: Path, work: Path) -> Tally:
    from tests.unit.test_fuzz_csv import check_csv, fuzz_csv

    tally = Tally("csv (assess, assess --json, import)", keep)
    rng = random.Random(seed)
    for i in range(count):
        data = fuzz_csv(rng, big=True)
        tally.run(
            i,
            lambda data=data: [r.status for r in check_csv(data, work)],
            lambda target, data=data: target.with_suffix(".csv").write_bytes(data),
            timeout,
        )
        if (i + 1) % 1000 == 0:
            print(f"  … {i + 1} CSV inputs", file=sys.stderr)
    return tally


def fuzz_protocol_sets(count: int, seed: int, timeout: float, keep: Path, work: Path) -> Tally:
    import shutil

    from tests.unit.test_fuzz_protocols import check_protocols, mutated_protocols

    tally = Tally("protocol sets (protocols check)", keep)
    rng = random.Random(seed)
    root = work / "protocols"
    for i in range(count):
        mutated_protocols(rng, root)
        tally.run(
            i,
            lambda: [check_protocols(root).status],
            lambda target: shutil.copytree(root, target, dirs_exist_ok=True),
            timeout,
        )
        if (i + 1) % 250 == 0:
            print(f"  … {i + 1} protocol sets", file=sys.stderr)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=int, default=10_000, help="CSV inputs (default 10000)")
    parser.add_argument("--protocols", type=int, default=1_000, help="protocol sets (1000)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a hang")
    parser.add_argument("--keep", type=Path, help="folder for failing inputs (default: temp)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="neuroexam-fuzz-"))
    keep = args.keep or work / "failed"
    keep.mkdir(parents=True, exist_ok=True)
    os.environ["NEUROEXAM_HOME"] = str(work / "home")  # import writes its own store
    signal.signal(signal.SIGALRM, _alarm)
    print(f"seed {args.seed}, {args.timeout:g} s per input before it counts as a hang")
    tallies = []
    if args.csv:
        tallies.append(fuzz_csv_inputs(args.csv, args.seed, args.timeout, keep, work))
    if args.protocols:
        tallies.append(fuzz_protocol_sets(args.protocols, args.seed, args.timeout, keep, work))
    for tally in tallies:
        tally.report()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the run: {peak:.0f} MiB; failing inputs kept in {keep}")
    return 0 if all(t.survived == t.tried for t in tallies) else 1


if __name__ == "__main__":
    sys.exit(main())
