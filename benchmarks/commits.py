"""Per-finding commit time with concurrent writers, SQLite against PostgreSQL.

    python benchmarks/commits.py [--findings 300] [--writers 1 4] [--backends sqlite postgresql]
                                 [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Each writer is its own OS process, as each workstation (or window) would be: it opens the
records through the real store API, creates its own exams, holds their editing lease and records
``--findings`` findings one by one with ``record_finding`` (one committed transaction with its
audit row each, exactly what the wizard does per key). All writers start together. For every
commit the wall time of the call is kept, failures included (a stall that ends in an error is
still a stall). Afterwards the records are read back: a finding a writer was told was saved and
that is missing or holds another grade counts as lost.

Durability is on for both: SQLite as the store opens it (WAL, ``synchronous=FULL``), PostgreSQL
with ``fsync=on`` and ``synchronous_commit=on``. Without ``--pg`` a throwaway PostgreSQL server
is started with fsync on (``NEUROEXAM_PG_FSYNC=on .ci/postgres.sh start``) and removed at the
end; with ``--pg`` (a superuser URL of a throwaway server) a fresh database is made on it for
every run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


@dataclass
class WriterResult:
    """What one writer process measured and was told."""

    latencies: list[float] = field(default_factory=list)
    saved: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def open_records(target: str) -> Any:
    """The records at ``target``: a ``postgresql://`` URL or a SQLite file path."""
    from neuroexam.records.store import open_store

    if "://" in target:
        store = open_store(url=target)
        assert "Postgres" in type(store).__name__, type(store)
        return store
    return open_store(Path(target))


def writer(target: str, index: int, findings: int, barrier: Any, out: Any) -> None:
    """One workstation: record ``findings`` findings through the store API, timing each."""
    from neuroexam.core.models import Exam, Finding, Patient
    from neuroexam.core.protocol import shipped
    from neuroexam.core.session import all_steps
    from neuroexam.core.vocab import Grade, Species, grades_for
    from neuroexam.records.backend import StoreError

    result = WriterResult()
    store = open_records(target)
    protocol = shipped().exam(Species.DOG)
    steps = all_steps(protocol)
    holder = f"{os.getpid()}:{uuid.uuid4().hex}"
    exams = []
    for k in range(math.ceil(findings / len(steps)) + 1):
        exam = Exam(
            exam_id=f"B{index}-{k}-{uuid.uuid4().hex[:6]}",
            exam_date=datetime.now(UTC),
            examiner=f"writer {index}",
            patient=Patient(patient_id=f"P{index}", name="Rex", species="dog", breed="Beagle"),
        )
        store.create_exam(exam, by=exam.examiner)
        store.acquire_lease(exam.exam_id, holder, host="bench", user=exam.examiner, ttl=3600)
        exams.append(exam.exam_id)
    # One unmeasured commit first (on an exam of its own): the first call of a fresh process
    # pays for lazy imports and statement set-up, which is not what is measured here.
    warm_up, step = exams.pop(), steps[0]
    store.record_finding(
        warm_up,
        Finding(test=step.test, site=step.site, side=step.side, grade=Grade.ABSENT),
        0,
        by="bench",
        holder=holder,
    )
    barrier.wait()
    for n in range(findings):
        exam_id, step = exams[n // len(steps)], steps[n % len(steps)]
        offered = grades_for(step.test)
        finding = Finding(
            test=step.test,
            site=step.site,
            side=step.side,
            grade=offered[n % len(offered)],
            recorded_at=datetime.now(UTC),
        )
        start = time.perf_counter()
        try:
            store.record_finding(exam_id, finding, n % len(steps), by="bench", holder=holder)
        except StoreError as exc:
            result.errors.append(str(exc))
        else:
            result.saved.append(
                (exam_id, step.test.value, step.site, step.side.value, finding.grade.value)
            )
        finally:
            result.latencies.append(time.perf_counter() - start)
    store.close()
    out.put(result)


def lost_rows(target: str, saved: list[tuple[str, str, str, str, str]]) -> int:
    """Findings a writer was told were saved that the records do not hold as written."""
    store = open_records(target)
    try:
        held: dict[str, dict[tuple[str, str, str], str]] = {}
        for exam_id in {row[0] for row in saved}:
            exam = store.load_exam(exam_id)
            held[exam_id] = (
                {(f.test.value, f.site, f.side.value): f.grade.value for f in exam.findings}
                if exam is not None
                else {}
            )
        return sum(held[e].get((t, s, d)) != g for e, t, s, d, g in saved)
    finally:
        store.close()


@dataclass
class Run:
    backend: str
    writers: int
    latencies: list[float]
    errors: list[str]
    lost: int
    seconds: float


def run(backend: str, target: str, writers: int, findings: int) -> Run:
    ctx = mp.get_context("spawn")
    open_records(target).close()  # create and migrate before the clock starts
    barrier = ctx.Barrier(writers)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=writer, args=(target, i, findings, barrier, out)) for i in range(writers)
    ]
    start = time.perf_counter()
    for p in procs:
        p.start()
    results: list[WriterResult] = [out.get(timeout=600) for _ in procs]
    seconds = time.perf_counter() - start
    for p in procs:
        p.join()
    saved = [row for r in results for row in r.saved]
    return Run(
        backend,
        writers,
        [x for r in results for x in r.latencies],
        [e for r in results for e in r.errors],
        lost_rows(target, saved),
        seconds,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


@contextmanager
def postgres_server(url: str | None) -> Iterator[str]:
    """A superuser URL: ``url`` as given, else a throwaway server with fsync on."""
    if url:
        yield url
        return
    env = {**os.environ, "NEUROEXAM_PG_FSYNC": "on"}
    started = subprocess.run(
        [str(REPO / ".ci" / "postgres.sh"), "start"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    print(started.stderr.strip(), file=sys.stderr)
    values = dict(
        line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines()
    )
    values = {k: v.strip("'") for k, v in values.items()}
    try:
        yield values["NEUROEXAM_TEST_PG"]
    finally:
        subprocess.run(
            [str(REPO / ".ci" / "postgres.sh"), "stop", values["NEUROEXAM_PG_DIR"]],
            env={**env, **values},
            check=False,
        )


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new, empty database on ``server`` (dropped afterwards)."""
    import psycopg

    name = f"neuroexam_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_settings(server: str) -> str:
    """The server's version and durability settings, as measured."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        names = ("server_version", "fsync", "synchronous_commit", "full_page_writes")
        values = [conn.execute(f"SHOW {name}").fetchone()[0] for name in names]  # type: ignore[index]
    return "{} fsync={} synchronous_commit={} full_page_writes={}".format(*values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=300, help="per writer (default 300)")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--backends",
        nargs="+",
        default=["sqlite", "postgresql"],
        choices=["sqlite", "postgresql"],
    )
    parser.add_argument("--pg", help="superuser URL of a throwaway PostgreSQL server")
    args = parser.parse_args()

    runs: list[Run] = []
    settings = ""
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in args.backends:
            for n in args.writers:
                path = Path(tmp) / f"commits-{n}.db"
                runs.append(run("sqlite", str(path), n, args.findings))
        if "postgresql" in args.backends:
            with postgres_server(args.pg) as server:
                settings = server_settings(server)
                for n in args.writers:
                    with fresh_database(server) as url:
                        runs.append(run("postgresql", url, n, args.findings))

    print(
        f"\nPer-finding commit, {args.findings} findings per writer, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; SQLite WAL synchronous=FULL"
        + (f"; PostgreSQL {settings}" if settings else "")
    )
    head = (
        "backend",
        "writers",
        "commits",
        "p50 ms",
        "p95 ms",
        "max ms",
        ">=1 s",
        "commits/s",
        "errors",
        "lost",
    )
    print("{:<11} {:>7} {:>7} {:>7} {:>7} {:>8} {:>5} {:>9} {:>6} {:>5}".format(*head))
    for r in runs:
        ms = [x * 1000 for x in r.latencies]
        print(
            f"{r.backend:<11} {r.writers:>7} {len(ms):>7} {statistics.median(ms):>7.1f} "
            f"{percentile(ms, 0.95):>7.1f} {max(ms):>8.1f} {sum(x >= 1000 for x in ms):>5} "
            f"{len(ms) / r.seconds:>9.0f} "
            f"{len(r.errors):>6} {r.lost:>5}"
        )
    for r in runs:
        for message in sorted(set(r.errors)):
            print(f"  {r.backend} × {r.writers}: {r.errors.count(message)} × {message}")


if __name__ == "__main__":
    main()
