"""``neuroexam import``: findings CSV → store, validated like assess, one transaction per exam."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from neuroexam import cli
from neuroexam.core.models import ExamStatus, Mode
from neuroexam.records.store import Store, StoreError, open_store
from tests.backends import Backend
from tests.conftest import REPO
from tests.unit.export_fixtures import golden_exams

GOLDEN = REPO / "tests" / "data" / "golden"


def stored_ids() -> list[str]:
    store = open_store()  # the default records (NEUROEXAM_HOME, or NEUROEXAM_DB)
    try:
        return [e.exam_id for e in store.load_exams()]
    finally:
        store.close()


def test_import_then_export_gives_the_same_file(
    backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import", str(GOLDEN / "findings.csv")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Imported 5 exams (60 findings) from {GOLDEN / 'findings.csv'}"
    again = tmp_path / "again.csv"
    assert cli.main(["export", "--out", str(again)]) == 0
    assert again.read_bytes() == (GOLDEN / "findings.csv").read_bytes()


def test_importing_twice_skips_and_reports_every_exam(
    backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import", str(GOLDEN / "findings.csv")]) == 0
    capsys.readouterr()
    assert cli.main(["import", str(GOLDEN / "findings.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Imported 0 exams (0 findings) from ")
    assert lines[1] == (
        "Skipped 5 exams already in the records: EX-005, EX-001, EX-002, EX-003, EX-004"
    )
    assert len(stored_ids()) == 5


def test_status_and_mode_are_kept(
    backend: Backend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = Store(tmp_path / "other.db")
    for exam in golden_exams():
        source.save_exam_with_findings(exam)
    source.close()
    everything = tmp_path / "all.csv"
    # export from the other workstation's store, import into this one
    other = {"NEUROEXAM_HOME": str(tmp_path)}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in other.items():
            mp.setenv(key, value)
        mp.delenv("NEUROEXAM_DB", raising=False)  # that workstation has its SQLite file
        (tmp_path / "other.db").rename(tmp_path / "neuroexam.db")
        args = ["export", "--mode", "all", "--include-unfinished", "--out", str(everything)]
        assert cli.main(args) == 0
    assert cli.main(["import", str(everything)]) == 0
    store = open_store()
    try:
        assert store.load_exam("TR-001").mode is Mode.TRAINING  # type: ignore[union-attr]
        assert store.load_exam("EX-006").status is ExamStatus.IN_PROGRESS  # type: ignore[union-attr]
        assert store.load_exam("EX-001").status is ExamStatus.COMPLETE  # type: ignore[union-attr]
    finally:
        store.close()
    capsys.readouterr()


def test_a_bad_exam_is_reported_and_not_written(
    _isolated_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (GOLDEN / "findings.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    # an EX-001 row with a level that does not exist
    at = next(i for i, line in enumerate(lines) if line.startswith("EX-001,") and ",L1," in line)
    lines[at] = lines[at].replace(",L1,", ",L9,")
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(lines), encoding="utf-8", newline="")
    assert cli.main(["import", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "Errors (these exams were not imported: EX-001):" in out
    assert f"  line {at + 1}: exam EX-001: " in out and "L9" in out
    assert "EX-001" not in stored_ids()
    assert stored_ids() == ["EX-005", "EX-002", "EX-003", "EX-004"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "file not found"),
        ("exam_id,species\nE1,dog\n", "missing required column 'test'"),
    ],
)
def test_an_unusable_file_is_one_line_exit_2(
    _isolated_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    message: str,
) -> None:
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert cli.main(["import", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"neuroexam import: {path}: {message}\n"
    assert captured.out == ""
    assert stored_ids() == []


def test_a_store_failure_stops_with_exit_2_keeping_whole_exams(
    _isolated_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = Store.import_exam
    calls: list[str] = []

    def failing(self: Store, exam, **kwargs) -> None:  # type: ignore[no-untyped-def]
        calls.append(exam.exam_id)
        if len(calls) == 3:
            raise StoreError(f"{self.path}: the disk is full")
        real(self, exam, **kwargs)

    def batch_failing(self: Store, exams, **kwargs) -> None:  # type: ignore[no-untyped-def]
        raise StoreError(f"{self.path}: the disk is full")

    # The batch's transaction fails; written exam by exam, the third fails too.
    monkeypatch.setattr(Store, "import_exams", batch_failing)
    monkeypatch.setattr(Store, "import_exam", failing)
    assert cli.main(["import", str(GOLDEN / "findings.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("Imported 2 exams")
    assert "Stopped: " in captured.out and "the disk is full" in captured.out
    assert captured.err.count("\n") == 1 and "the disk is full" in captured.err
    assert stored_ids() == ["EX-005", "EX-001"]


def test_one_transaction_per_exam(backend: Backend) -> None:
    """A failure inside an exam's write leaves none of its findings behind."""
    store = backend.open()
    exam = golden_exams()[0]
    broken = exam.model_copy(update={"findings": [*exam.findings, exam.findings[0]]})
    with pytest.raises(StoreError):
        store.save_exam_with_findings(broken)  # the duplicate finding fails the insert
    assert not store.has_exam(exam.exam_id)
    assert cast(Any, store)._query("SELECT count(*) FROM findings")[0][0] == 0  # either backend
    store.close()


def test_exams_are_written_a_batch_to_a_transaction(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neuroexam.records import importer

    store = backend.open()
    batches: list[list[str]] = []
    real = type(store).import_exams

    def spy(self, exams, **kwargs):  # type: ignore[no-untyped-def]
        batches.append([e.exam_id for e in exams])
        real(self, exams, **kwargs)

    monkeypatch.setattr(type(store), "import_exams", spy)
    monkeypatch.setattr(importer, "BATCH_EXAMS", 2)
    report = importer.import_file(store, GOLDEN / "findings.csv", by="tester")
    assert batches == [["EX-005", "EX-001"], ["EX-002", "EX-003"], ["EX-004"]]
    assert [e for e, _ in report.imported] == ["EX-005", "EX-001", "EX-002", "EX-003", "EX-004"]
    written = sorted(e for batch in batches for e in batch)
    assert sorted(e.exam_id for e in store.load_exams()) == written
    assert {row.event.value for row in store.audit("EX-002")} == {"imported"}
    store.close()


def test_an_exam_written_meanwhile_by_another_program_is_skipped_in_its_batch(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch's transaction fails on the exam another workstation wrote after the check;
    written one by one, that exam is skipped and the others of the batch are imported."""
    from neuroexam.records import importer

    store = backend.open()
    meanwhile = next(e for e in golden_exams() if e.exam_id == "EX-002")  # another program
    store.save_exam_with_findings(meanwhile)
    checked: set[str] = set()
    real_has = type(store).has_exam

    def racing(self, exam_id):  # type: ignore[no-untyped-def]
        if exam_id == meanwhile.exam_id and exam_id not in checked:
            checked.add(exam_id)
            return False  # not there yet when the import looked
        return real_has(self, exam_id)

    monkeypatch.setattr(type(store), "has_exam", racing)
    monkeypatch.setattr(importer, "BATCH_EXAMS", 3)
    report = importer.import_file(store, GOLDEN / "findings.csv", by="tester")
    assert report.skipped == ["EX-002"]
    assert [e for e, _ in report.imported] == ["EX-005", "EX-001", "EX-003", "EX-004"]
    assert report.store_error is None
    assert len(store.load_exams()) == 5
    store.close()
