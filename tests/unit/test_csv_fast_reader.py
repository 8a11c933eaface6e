"""The CSV reader's fast path gives what the careful reader gives, byte for byte.

``raw_rows`` reads a clean file in big checked blocks and hands anything it cannot vouch for to
the careful, line-by-line reader, which takes over where it stopped; ``ExamBuilder.build_raw``
builds the usual exam from raw cells and any other through ``build``. Both are compared with
the careful reader alone on the fuzz generator's files (hostile cells, quotes across lines,
other separators and encodings, bytes flipped), with blocks small enough that every file spans
many of them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuroexam.records import csvio
from neuroexam.records.csvio import CsvInputError, ExamBuilder, RowShape, iter_rows, raw_rows
from neuroexam.records.stream import index_file
from tests.unit.test_fuzz_csv import fuzz_csv

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _careful_only(*_: Any, **__: Any) -> Iterator[Any]:
    raise csvio.NotVouched
    yield  # pragma: no cover


def _read(path: Path) -> tuple[list[dict[str, Any]], str | None]:
    rows: list[dict[str, Any]] = []
    try:
        for row in iter_rows(path):
            rows.append(row)
    except CsvInputError as exc:
        return rows, str(exc)
    return rows, None


def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    fast = _read(path)
    with monkeypatch.context() as m:
        m.setattr(csvio, "_fast_rows", _careful_only)
        careful = _read(path)
    return fast, careful


@FUZZ
@given(seed=st.integers(0, 2**32 - 1), block=st.sampled_from([64, 1000, 1 << 20]))
def test_fuzzed_files_read_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, block: int
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(fuzz_csv(random.Random(seed)))
    monkeypatch.setattr(csvio, "_BLOCK", block)
    fast, careful = _both(path, monkeypatch)
    assert fast == careful


def _clean_file(path: Path, exams: int, extra: str = "") -> None:
    header = ",".join(csvio.FINDINGS_COLUMNS)
    lines = [header]
    for n in range(exams):
        for site in ("ear", "neck", "shoulder"):
            lines.append(
                f"E{n},2024-01-0{1 + n % 9}T08:00:00+01:00,A. Tech,clinical,P{n % 3},"
                f'\'=Rex,dog,Beagle,4,M,12,,scratch,{site},left,present,"a, note\nacross",'
                "2024-01-01T08:01:00+01:00,complete,,,"
            )
    lines.insert(len(lines) - 5, extra)
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8", newline="")


@pytest.mark.parametrize(
    "late",
    [
        "",  # clean throughout: the fast path reads it all
        "E9,\x1b[2J,,,,,dog,,,,,,scratch,ear,left,present,,,,,,",  # a control, late
        'E9,,,,,,dog,,,,,,scratch,ear,left,present,"open',  # a quote never closed
        "E9,,,,,,dog,,,,,,scratch,ear,left,present,,,,,,,,,x",  # cells past the header
        "E9,x\ry,,,,,dog,,,,,,scratch,ear,left,present,,,,,,",  # a bare carriage return
    ],
)
def test_the_careful_reader_takes_over_where_the_fast_one_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, late: str
) -> None:
    path = tmp_path / "f.csv"
    _clean_file(path, 200, late)
    monkeypatch.setattr(csvio, "_BLOCK", 512)
    fast, careful = _both(path, monkeypatch)
    assert fast == careful
    assert len(fast[0]) >= 590  # the rows before the late line were read
    taken_over: list[int] = []
    real = csvio._rows

    def counted(*args: Any) -> Iterator[Any]:
        taken_over.append(1)
        return real(*args)

    monkeypatch.setattr(csvio, "_rows", counted)
    assert _read(path) == careful
    assert bool(taken_over) == bool(late)  # the careful reader only when needed
    assert fast[0][0]["patient_name"] == "=Rex"  # export's formula quote undone


def test_raw_rows_give_the_shape_first_then_rows_finished_as_iter_rows(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    _clean_file(path, 5)
    source = raw_rows(path)
    shape = next(source)
    assert isinstance(shape, RowShape)
    finish = shape.finisher()
    assert [finish(*raw) for raw in source] == list(iter_rows(path))  # type: ignore[misc]


@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_build_raw_is_build_of_the_finished_rows(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(fuzz_csv(random.Random(seed)))
    try:
        index = index_file(path)
    except CsvInputError:
        return
    with index:
        assert index.shape is not None
        finish = index.shape.finisher()
        fast, slow = ExamBuilder(), ExamBuilder()
        for entry in index.exams:
            raw = index.raw_rows_of(entry)
            exam, errors = fast.build_raw(entry.exam_id, raw, index.shape, finish)
            want_exam, want_errors = slow.build(entry.exam_id, [finish(*r) for r in raw])
            assert errors == want_errors
            assert (exam and exam.model_dump()) == (want_exam and want_exam.model_dump())


def test_exam_key_is_the_finished_rows_ids(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    _clean_file(path, 3)
    text = path.read_text(encoding="utf-8").replace("E1,", "'=E1,").replace(",P2,", ", P 2 ,")
    path.write_text(text, encoding="utf-8", newline="")
    source = raw_rows(path)
    shape = next(source)
    assert isinstance(shape, RowShape)
    finish = shape.finisher()
    for line, flags, cells in source:  # type: ignore[misc]
        row = finish(line, flags, cells)
        assert shape.exam_key(flags, cells) == (row["exam_id"], row["patient_id"])
