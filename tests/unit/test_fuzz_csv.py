"""Fuzz of the CSV reader through ``assess`` and ``import``, in-process (issue 9).

Inputs are FORMAT.md files mutated at random: columns dropped, doubled, renamed or added;
cells missing, extra, huge or hostile; rows blank, duplicated or conflicting; other
separators, line ends and encodings; then bytes flipped, inserted, cut (NUL, invalid UTF-8,
quotes). Every input must end with exit status 0, 1 or 2, no traceback, an exit-2 message of
one line, a JSON document that parses, and nothing a terminal would act on.

The suite runs a bounded, seeded sample (hypothesis, derandomized); ``benchmarks/fuzz.py`` runs
the long version (10,000 inputs) with the same generator and checks.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuroexam import cli
from neuroexam.records.formats import FINDINGS_COLUMNS

REPO = Path(__file__).resolve().parents[2]
SEED_FILES = (
    REPO / "tests" / "data" / "golden" / "findings.csv",
    REPO / "examples" / "sample_findings.csv",
)
#: Text a hostile or careless file may hold in a cell.
HOSTILE_CELLS = (
    "\x1b]52;c;cHduZWQ=\x07",
    "\x1b]0;title\x07",
    "\x1b[2J",
    "\x9b31m",
    "evil\u202etxt",
    "\u2066[bold red]x[/]\u2069",
    "[@click=app.quit]q",
    "[link=file:///etc/passwd]x",
    "=cmd|' /C calc'!A0",
    "'=1+1",
    "\t=1+1",
    " padded ",
    "line\nbreak",
    "\r",
    "\x00",
    "\udcff",
    "Zoë 🐕",
    "",
    "nan",
    "1e308",
    "-1",
    "5,5",
    "T99",
    "xx",
    "back_pain;back_pain",
    "phantom_scratching:left;neck_pain",
    "2026-13-45T99:99",
)
#: Terminal controls that must never reach output: C0 (but newline, and tab, which only moves
#: the cursor right), DEL, C1, bidi controls.
RAW = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n", "\t"} | set(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u2028\u2029"
)


def _seeds() -> list[list[list[str]]]:
    out = []
    for path in SEED_FILES:
        with path.open(encoding="utf-8", newline="") as handle:
            out.append(list(csv.reader(handle)))
    minimal = [
        list(FINDINGS_COLUMNS),
        [
            "E1",
            "",
            "",
            "clinical",
            "P1",
            "Rex",
            "dog",
            "Beagle",
            "4",
            "M",
            "12",
            "",
            "scratch",
            "ear",
            "left",
            "present",
            "",
            "",
            "complete",
        ],
    ]
    out.append(minimal)
    return out


SEEDS = _seeds()


# ------------------------------------------------------------------ the generator


def _cell(rng: random.Random, big: bool) -> str:
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(HOSTILE_CELLS)
    if roll < 0.8:
        return "".join(rng.choice("abc ,;\"'\n\r\t=-x0123.") for _ in range(rng.randint(0, 12)))
    sizes = [1_000, 100_001, 131_073] + ([1_100_000] if big else [])
    return rng.choice('xé,"') * rng.choice(sizes)


#: How often each row mutation is drawn: those that break the header (and so end the run at
#: once) less often than those that reach the exams.
KIND_WEIGHTS = (1, 1, 1, 2, 2, 3, 2, 2, 6, 3, 2, 1, 2, 2, 2, 1)


def _mutate_rows(rows: list[list[str]], rng: random.Random, big: bool) -> list[list[str]]:
    rows = [list(r) for r in rows] or [[""]]
    rows[0] = rows[0] or [""]
    width = max(1, len(rows[0]))  # the header's: a huge row is not spread to every row
    large = sum(len(r) for r in rows) > 100_000  # nor copied
    pick = rng.randrange
    kind = rng.choices(range(16), KIND_WEIGHTS)[0]
    body = rows[1:] or [[]]
    if kind == 0 and width > 1:  # drop a column
        i = pick(width)
        rows = [r[:i] + r[i + 1 :] for r in rows]
    elif kind == 1:  # double a column
        i = pick(width)
        rows = [r[: i + 1] + r[i : i + 1] + r[i + 1 :] for r in rows]
    elif kind == 2:  # rename a header cell
        rows[0][pick(len(rows[0]))] = _cell(rng, False)
    elif kind == 3:  # shuffle the columns
        order = list(range(width))
        rng.shuffle(order)
        rows = [[r[i] if i < len(r) else "" for i in order] for r in rows]
    elif kind == 4:  # an extra column
        rows = [[*r, "extra" if n == 0 else _cell(rng, False)] for n, r in enumerate(rows)]
    elif kind == 5:  # extra or missing cells on one row
        row = rng.choice(body)
        if rng.random() < 0.5:
            many = rng.choice([1, 3, 300, 2_000])
            row += [rng.choice(HOSTILE_CELLS[:8]) for _ in range(many)]
        else:
            del row[pick(len(row) + 1) :]
    elif kind == 6:  # blank and separator-only rows
        rows.insert(pick(len(rows) + 1), [])
        rows.insert(pick(len(rows) + 1), [""] * width)
    elif kind == 7 and not large:  # duplicate or move rows
        row = rng.choice(body)
        rows.insert(pick(len(rows) + 1), list(row))
    elif kind == 8:  # a hostile or odd cell anywhere (the header too)
        row = rng.choice(rows)
        if row:
            row[pick(len(row))] = _cell(rng, big)
    elif kind == 9:  # a cell of one exam changed on one row only (a conflict)
        row = rng.choice(body)
        if len(row) > 11:
            row[pick(12)] = _cell(rng, False)
    elif kind == 10:  # reordered signs
        for row in body:
            if len(row) > 11 and ";" in row[11]:
                row[11] = ";".join(reversed(row[11].split(";")))
    elif kind == 11:  # no rows, or no header
        rows = rows[:1] if rng.random() < 0.5 else rows[1:]
    elif kind == 12:  # an empty exam id
        row = rng.choice(body)
        if row:
            row[0] = rng.choice(["", " ", "\t"])
    elif kind == 13:  # one row very wide (the file, scaled)
        cells = rng.choice([300, 5_000] + ([1_000_000] if big else []))
        rows.insert(1 + pick(len(rows)), ["x"] * cells)
    elif kind == 14 and not large:  # many exams
        for n in range(3):
            rows += [[f"{c}-{n}" if i == 0 else c for i, c in enumerate(r)] for r in body]
    else:  # a header only of separators or one cell
        rows[0] = [";".join(rows[0])] if rng.random() < 0.5 else [""] * width
    return rows


def _serialise(rows: list[list[str]], rng: random.Random) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=rng.choice([",", ",", ",", ";", "\t"]),
        lineterminator=rng.choice(["\r\n", "\r\n", "\n", "\r"]),
        quoting=rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    )
    writer.writerows(rows)
    text = buffer.getvalue()
    encoding = rng.choice(["utf-8"] * 16 + ["utf-8-sig", "utf-16", "latin-1", "cp1252"])
    return text.encode(encoding, errors="surrogateescape" if encoding == "utf-8" else "replace")


#: Bytes that matter to a CSV reader, a decoder or a terminal.
PIECES = (b"\x00", b"\xff\xfe\x87", b"\x1b", b'"', b",", b"\n", b"\r", b"\xef\xbb\xbf", b"\xc3")


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
    at = rng.randrange(len(data) + 1)
    kind = rng.randrange(6)
    if kind == 0:  # flip a byte
        at = min(at, len(data) - 1)
        return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    if kind == 1:  # insert bytes that matter to a CSV reader or a terminal
        piece = rng.choice(PIECES)
        return data[:at] + piece * rng.randint(1, 3) + data[at:]
    if kind == 2:  # cut the file
        return data[:at]
    if kind == 3:  # delete a range
        return data[:at] + data[at + rng.randint(1, 200) :]
    if kind == 4:  # duplicate a chunk
        return data[:at] + data[max(0, at - 300) : at] + data[at:]
    return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + data[at:]


def fuzz_csv(rng: random.Random, big: bool = False) -> bytes:
    """One fuzzed findings file: a seed file, 1–4 row mutations, a random dialect and
    encoding, then 0–3 byte mutations. ``big`` adds the issue's sizes (lines of 2 MB, a
    million cells) to the choices."""
    rows = rng.choice(SEEDS)
    for _ in range(rng.randint(1, 4)):
        rows = _mutate_rows(rows, rng, big)
    data = _serialise(rows, rng)
    for _ in range(rng.choice([0, 0, 0, 1, 2, 3])):
        data = _mutate_bytes(data, rng)
    return data


# ------------------------------------------------------------------ running and checking


@dataclass
class Run:
    status: int
    out: str
    err: str


def run_cli(argv: list[str]) -> Run:
    """``neuroexam ARGV`` in this process, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    return Run(status, out.getvalue(), err.getvalue())


def check_run(run: Run, argv: list[str]) -> None:
    """The invariants of any input: raises AssertionError naming the one broken."""
    assert run.status in (0, 1, 2), f"{argv}: exit status {run.status}"
    assert "Traceback" not in run.err, f"{argv}: traceback"
    raw = sorted({hex(ord(c)) for c in run.out + run.err if c in RAW})
    assert not raw, f"{argv}: raw control characters {raw}"
    if run.status == 2:
        assert run.out == "", f"{argv}: exit 2 with output"
        assert run.err.count("\n") == 1 and run.err.endswith("\n"), f"{argv}: {run.err!r}"
    elif "--json" in argv:
        json.loads(run.out)


def check_csv(data: bytes, folder: Path) -> list[Run]:
    """``assess``, ``assess --json`` and ``import`` of ``data``, each checked."""
    path = folder / "fuzz.csv"
    path.write_bytes(data)
    runs = []
    for argv in (["assess", str(path)], ["assess", str(path), "--json"], ["import", str(path)]):
        run = run_cli(argv)
        check_run(run, argv)
        runs.append(run)
    return runs


FuzzCheck = Callable[[bytes, Path], list[Run]]

FUZZ = settings(
    max_examples=200,
    deadline=timedelta(seconds=10),  # bounded time per input (each takes milliseconds)
    derandomize=True,  # seeded: the same inputs on every run
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(rng=st.randoms(use_true_random=False))
def test_fuzzed_findings_files(rng: random.Random, tmp_path: Path) -> None:
    check_csv(fuzz_csv(rng), tmp_path)


@settings(FUZZ, max_examples=60)
@given(data=st.binary(max_size=3_000))
def test_random_bytes(data: bytes, tmp_path: Path) -> None:
    check_csv(data, tmp_path)


@settings(FUZZ, max_examples=60)
@given(
    cells=st.lists(
        st.lists(st.text(max_size=30), max_size=25),
        min_size=1,
        max_size=8,
    ),
    header=st.permutations(FINDINGS_COLUMNS),
)
def test_random_cells_under_a_shuffled_header(
    cells: list[list[str]], header: list[str], tmp_path: Path
) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, *cells])
    check_csv(buffer.getvalue().encode("utf-8", errors="surrogateescape"), tmp_path)
