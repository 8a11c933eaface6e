"""Batch jobs run with the collector set for them (records/parallel.py), and only while they
run: the TUI, which exports in its own process, keeps its own settings."""

from __future__ import annotations

import gc
import io
from pathlib import Path

import pytest

from neuroexam.records import assess, parallel
from neuroexam.records.parallel import BATCH_THRESHOLDS, batch_gc, ordered_map


def _threshold(_: int) -> tuple[int, int, int]:
    return gc.get_threshold()


def test_batch_gc_sets_the_thresholds_and_puts_them_back() -> None:
    before = gc.get_threshold()
    assert before != BATCH_THRESHOLDS
    with batch_gc():
        assert gc.get_threshold() == BATCH_THRESHOLDS
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), batch_gc():
        raise RuntimeError("a failed job")
    assert gc.get_threshold() == before


def test_worker_processes_run_with_the_batch_thresholds() -> None:
    assert list(ordered_map(_threshold, range(3), 2)) == [BATCH_THRESHOLDS] * 3


def test_assess_runs_with_the_batch_thresholds_and_restores_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, int, int]] = []
    real = assess.rendered_exams

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.get_threshold())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(assess, "rendered_exams", spy)
    path = tmp_path / "f.csv"
    path.write_text(
        "exam_id,species,test,site,side,grade\nE1,dog,scratch,ear,left,present\n",
        encoding="utf-8",
    )
    before = gc.get_threshold()
    assert assess.write_assess(path, io.StringIO(), True, workers=1) == 0
    assert seen == [BATCH_THRESHOLDS] and gc.get_threshold() == before
    assert parallel.BATCH_THRESHOLDS[0] > before[0]
