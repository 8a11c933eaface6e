"""``assess`` by worker processes writes what one process writes, and survives workers that
cannot run (records/parallel.py, records/stream.py)."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest

from neuroexam.records import stream
from neuroexam.records.assess import write_assess
from neuroexam.records.parallel import default_workers, ordered_map
from tests.unit.test_stream import PROTOCOLS, clinic_rows, whole_file, write


@pytest.mark.parametrize("as_json", [True, False])
def test_workers_write_the_same_bytes_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_json: bool
) -> None:
    rows = clinic_rows()
    random.Random(5).shuffle(rows)
    path = write(tmp_path / "clinic.csv", rows)
    monkeypatch.setattr(stream, "BATCH_EXAMS", 3)  # many batches, patients never split
    alone, shared = io.StringIO(), io.StringIO()
    assert write_assess(path, alone, as_json, PROTOCOLS, workers=1) == 1
    assert write_assess(path, shared, as_json, PROTOCOLS, workers=2) == 1
    assert shared.getvalue() == alone.getvalue() == whole_file(path, as_json)


def test_batches_hold_whole_patients_in_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "clinic.csv", clinic_rows())
    monkeypatch.setattr(stream, "BATCH_EXAMS", 4)
    with stream.index_file(path) as index:
        batches = list(stream._batches(index))
        groups = [[order for order, _, _ in group] for batch in batches for group in batch]
        assert groups == [[e.order for e in group] for group in index.patients()]
        assert all(sum(map(len, batch)) >= 4 for batch in batches[:-1])
        first = index.exams[0]
        assert stream.decode_spill(batches[0][0][0][2]) == index.raw_rows_of(first)


def _square(n: int) -> int:
    return n * n


def _die_in_a_worker(n: int) -> int:
    if os.environ.get("NEUROEXAM_TEST_PARENT") != str(os.getpid()):
        os._exit(3)  # a worker that dies (killed, out of memory)
    return n + 1


def test_ordered_map_keeps_the_order_of_the_items() -> None:
    assert list(ordered_map(_square, range(50), 2)) == [n * n for n in range(50)]
    assert list(ordered_map(_square, range(5), 1)) == [0, 1, 4, 9, 16]


def test_when_workers_die_the_rest_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEUROEXAM_TEST_PARENT", str(os.getpid()))
    assert list(ordered_map(_die_in_a_worker, range(20), 2)) == list(range(1, 21))


def test_default_workers_are_the_usable_cpus_at_most_eight() -> None:
    assert 1 <= default_workers() <= 8
    assert default_workers() <= (os.cpu_count() or 1)
