"""Fuzz of ``neuroexam protocols check`` over mutated copies of the shipped protocols
(issue 9, item 8).

Each set is the shipped folder with 1–3 files mutated: bytes flipped, cut or inserted
(invalid UTF-8, NUL), a file emptied, deleted or replaced by a folder, a value given another
type or an odd value, a line deleted, doubled or swapped, an unknown key, deep nesting, hostile
text in a string. ``check`` must end with status 0 or 2, never a traceback; on 2 every line
of the message names a file of the set; nothing a terminal would act on is printed.

The suite runs a bounded, seeded sample; ``benchmarks/fuzz.py`` runs 1,000 sets.
"""

from __future__ import annotations

import random
import re
import shutil
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuroexam.core.protocol import default_root
from tests.unit.test_fuzz_csv import RAW, Run, run_cli

SHIPPED = default_root()
#: Values a mutated ``key = value`` line may get.
VALUES = (
    '""',
    "0",
    "-1",
    "1e400",
    "nan",
    "true",
    "[]",
    "{}",
    '["x"]',
    '"T99"',
    '"L4"',
    '"dog"',
    '"[bold red]x[/]"',
    '"\\u001b]0;pwned\\u0007"',
    '"\\u202eevil"',
    "[[1, 2], [3]]",
    "{ a = 1 }",
    '"' + "y" * 5_000 + '"',
    "2026-01-01",
)
_ASSIGNMENT = re.compile(r"^(\s*[A-Za-z0-9_.\"-]+\s*=\s*)(.+)$")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.toml") if p.is_file())


def _mutate_text(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    kind = rng.randrange(7)
    at = rng.randrange(len(lines))
    if kind == 0:  # another value
        assignments = [i for i, line in enumerate(lines) if _ASSIGNMENT.match(line)]
        if assignments:
            i = rng.choice(assignments)
            match = _ASSIGNMENT.match(lines[i])
            assert match is not None
            lines[i] = match.group(1) + rng.choice(VALUES)
    elif kind == 1:  # a line deleted
        del lines[at]
    elif kind == 2:  # a line doubled (a duplicate key, or a doubled table entry)
        lines.insert(at, lines[at])
    elif kind == 3:  # two lines swapped
        other = rng.randrange(len(lines))
        lines[at], lines[other] = lines[other], lines[at]
    elif kind == 4:  # an unknown key
        lines.insert(at, f"unknown_{rng.randrange(100)} = {rng.choice(VALUES)}")
    elif kind == 5:  # deep nesting
        depth = rng.choice([10, 500, 3_000])
        lines.insert(at, "deep = " + "[" * depth + "]" * depth)
    else:  # a table header broken or renamed
        headers = [i for i, line in enumerate(lines) if line.startswith("[")]
        if headers:
            i = rng.choice(headers)
            lines[i] = rng.choice(["[x]", "[[x]]", "[", lines[i] + lines[i], "[flags"])
    return "\n".join(lines)


def _mutate_file(path: Path, rng: random.Random) -> None:
    kind = rng.randrange(10)
    if kind == 0:
        path.write_bytes(b"\xff\xfe\x87")  # the file
    elif kind == 1:
        path.write_bytes(b"")
    elif kind == 2:
        path.unlink()
    elif kind == 3:
        path.unlink()
        path.mkdir()
    elif kind == 4:  # bytes: a flip, a cut, an insertion
        data = bytearray(path.read_bytes())
        at = rng.randrange(len(data) + 1)
        piece = rng.choice([b"\x00", b"\xc3", b"\xff", b"\x1b", b'"', b"\n[", b"="])
        if rng.random() < 0.3:
            data = data[:at]
        else:
            data[at:at] = piece
        path.write_bytes(bytes(data))
    elif kind == 5:
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))))
    else:
        text = path.read_text(encoding="utf-8")
        for _ in range(rng.randint(1, 3)):
            text = _mutate_text(text, rng)
        path.write_text(text, encoding="utf-8")


def mutated_protocols(rng: random.Random, target: Path) -> Path:
    """A copy of the shipped protocols in ``target`` with 1–3 files mutated."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(SHIPPED, target)
    files = _files(target)
    for path in rng.sample(files, rng.randint(1, 3)):
        if path.is_file():
            _mutate_file(path, rng)
    return target


def check_protocols(root: Path) -> Run:
    """``protocols check ROOT``, with its invariants (raises AssertionError)."""
    run = run_cli(["protocols", "check", str(root)])
    assert run.status in (0, 2), f"exit status {run.status}"
    assert "Traceback" not in run.err
    raw = sorted({hex(ord(c)) for c in run.out + run.err if c in RAW})
    assert not raw, f"raw control characters {raw}"
    if run.status == 2:
        assert run.out == ""
        lines = run.err.rstrip("\n").split("\n")
        assert all(line.startswith(str(root)) for line in lines), run.err
    return run


@settings(
    max_examples=60,
    deadline=timedelta(seconds=20),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rng=st.randoms(use_true_random=False))
def test_mutated_protocol_sets(rng: random.Random, tmp_path: Path) -> None:
    check_protocols(mutated_protocols(rng, tmp_path / "protocols"))


def test_the_shipped_set_passes(tmp_path: Path) -> None:
    assert check_protocols(SHIPPED).status == 0
