"""The index by lines (records/line_index.py) gives what the index by rows gives.

For every file, whichever pass indexes it, each exam has the same order, id, patient key and
raw rows (their lines, cells and what finishing makes of them), and the rows without an exam id
the same lines. Files are drawn from the pieces that make the line pass take its slow steps
(quoted cells, a cell across lines, blank and id-less rows, an exam's rows apart, CRLF, a BOM,
export's formula quote, extra empty cells, short rows, other whitespace) and from the fuzz
generator's hostile files, with blocks small enough that every file spans many of them.
"""

from __future__ import annotations

import io
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from neuroexam.core.protocol import shipped
from neuroexam.records import csvio, stream
from neuroexam.records.assess import write_assess
from neuroexam.records.csvio import FINDINGS_COLUMNS, CsvInputError, NotVouched
from neuroexam.records.stream import FileIndex, index_file
from tests.unit.test_fuzz_csv import fuzz_csv

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _by_rows_only(*_: Any, **__: Any) -> None:
    raise NotVouched


def _summary(index: FileIndex) -> dict[str, Any]:
    assert index.shape is not None
    finish = index.shape.finisher()
    return {
        "exams": [
            (e.order, e.exam_id, e.patient, [finish(*raw) for raw in index.raw_rows_of(e)])
            for e in index.exams
        ],
        "empty": list(index.empty_id_lines),
        "rows": index.rows,
        "columns": index.shape.columns,
    }


def _index(path: Path) -> tuple[dict[str, Any] | str, bool]:
    """The index's summary (or the error) and whether the line pass made it."""
    try:
        with index_file(path) as index:
            by_lines = bool(index.exams) and index.exams[0].lines is not None
            return _summary(index), by_lines
    except CsvInputError as exc:
        return str(exc), False


def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, bool]:
    by_lines, used = _index(path)
    with monkeypatch.context() as m:
        m.setattr(stream, "fill_by_lines", _by_rows_only)
        by_rows, _ = _index(path)
    return by_lines, by_rows, used


HEAD = [
    "2024-01-0{d}T08:00:00+01:00",
    "A. Tech",
    "clinical",
    "P{p}",
    "Rex",
    "dog",
    "Beagle",
    "4",
    "M",
    "12",
    "",
]
TAIL = ["2024-01-01T08:01:00+01:00", "complete", "", "", ""]
SITES = ("ear", "neck", "shoulder", "flank", "belly")
#: What a row's note, or its exam id, may be (the slow steps of the line pass).
NOTES = [
    "",
    "plain",
    '"a, note"',
    '"said ""odd"""',
    '"across\nlines"',
    '"across\r\nCRLF lines"',
    "'=SUM(1)",
    "naïve ünïcode",
    '" spaced, quoted "',
]
IDS = ["E{n}", "'=E{n}", '"E{n}"', '"E,{n}"', "E{n} ", "\u00a0", "", "  "]


@st.composite
def usual_files(draw: st.DrawFn) -> bytes:
    """A findings CSV like export's, with the variations the line pass must judge."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    newline = rng.choice(["\n", "\r\n"])
    lines = [",".join(FINDINGS_COLUMNS)]
    exams = rng.randrange(1, 12)
    for _ in range(rng.randrange(1, 40)):
        n = rng.randrange(exams)
        ident = rng.choice(IDS if rng.random() < 0.15 else IDS[:1]).format(n=n)
        head = [c.format(d=1 + n % 9, p=n % 3) for c in HEAD]
        for _ in range(rng.randrange(1, 4)):
            note = rng.choice(NOTES) if rng.random() < 0.4 else ""
            cells = [ident, *head, "scratch", rng.choice(SITES), "left", "present", note, *TAIL]
            roll = rng.random()
            if roll < 0.05:
                cells = cells[: rng.randrange(1, len(cells))]  # a short row
            elif roll < 0.10:
                cells += [""] * rng.randrange(1, 3)  # empty cells past the header
            lines.append(",".join(cells))
        if rng.random() < 0.1:
            lines.append(rng.choice(["", ",,,", "   "]))  # a blank row
    text = newline.join(lines) + (newline if rng.random() < 0.8 else "")
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if rng.random() < 0.2 else data


@SETTINGS
@given(data=usual_files(), block=st.sampled_from([64, 300, 1 << 20]))
@example(data=b"exam_id,test\nE1,scratch\n", block=1 << 20).via("the minimal file")
def test_usual_files_index_alike_by_lines_and_by_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, block: int
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    monkeypatch.setattr(csvio, "_BLOCK", block)
    by_lines, by_rows, _ = _both(path, monkeypatch)
    assert by_lines == by_rows


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), block=st.sampled_from([64, 1000, 1 << 20]))
def test_fuzzed_files_index_alike_by_lines_and_by_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, block: int
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(fuzz_csv(random.Random(seed)))
    monkeypatch.setattr(csvio, "_BLOCK", block)
    by_lines, by_rows, _ = _both(path, monkeypatch)
    assert by_lines == by_rows


def _export_like(path: Path, exams: int, newline: str = "\n") -> None:
    """A file as export writes it: each exam's rows together, a quoted note now and then."""
    lines = [",".join(FINDINGS_COLUMNS)]
    for n in range(exams):
        head = [c.format(d=1 + n % 9, p=n % 7) for c in HEAD]
        for k, site in enumerate(SITES):
            note = '"twitch, weak"' if (n + k) % 11 == 0 else ""
            lines.append(
                ",".join([f"E{n}", *head, "scratch", site, "left", "present", note, *TAIL])
            )
    path.write_text(newline.join(lines) + newline, encoding="utf-8", newline="")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_an_exported_file_is_indexed_by_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: str
) -> None:
    path = tmp_path / "f.csv"
    _export_like(path, 300, newline)
    monkeypatch.setattr(csvio, "_BLOCK", 4096)
    by_lines, by_rows, used = _both(path, monkeypatch)
    assert used  # the usual file takes the line pass
    assert by_lines == by_rows
    with index_file(path) as index:
        assert all(e.lines is not None and len(e.lines) == 1 for e in index.exams)  # one run


def test_a_quoted_cell_across_two_blocks_is_left_to_the_row_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.csv"
    _export_like(path, 50)
    text = path.read_text(encoding="utf-8")
    cut = text.index("\nE30,") + 1
    line_end = text.index("\n", cut)
    row = text[cut:line_end].replace(",present,,", ',present,"a note\nacross lines",', 1)
    path.write_text(text[:cut] + row + text[line_end:], encoding="utf-8", newline="")
    # A block boundary falls inside the quoted cell: blocks end at the first line feed.
    monkeypatch.setattr(csvio, "_BLOCK", cut + len(row.split("\n")[0]) + 1)
    by_lines, by_rows, used = _both(path, monkeypatch)
    assert not used
    assert by_lines == by_rows
    assert isinstance(by_rows, dict)
    notes = [r["note"] for _, eid, _, rows in by_rows["exams"] if eid == "E30" for r in rows]
    assert "a note\nacross lines" in notes


def test_rows_of_an_exam_apart_make_several_runs(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    _export_like(path, 4)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1].replace("scratch,ear", "scratch,neck").replace(",left,", ",right,"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with index_file(path) as index:
        first = index.exams[0]
        assert first.exam_id == "E0" and first.lines is not None
        assert list(first.lines) == [2, len(lines)]  # two runs: their first lines
        rows = index.raw_rows_of(first)
        assert [line for line, _, _ in rows] == [2, 3, 4, 5, 6, len(lines)]


def _assessed(path: Path, workers: int) -> tuple[int, str]:
    out = io.StringIO()
    status = write_assess(path, out, True, shipped(), workers=workers)
    return status, out.getvalue()


def test_assess_writes_the_same_document_from_either_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.csv"
    _export_like(path, 60)
    with path.open("a", encoding="utf-8") as handle:  # an error and an id-less row
        handle.write("E1,2024-01-02T08:00:00+01:00,,,P1,,dog,,,,,,scratch,ear,up,present,,,,,,\n")
        handle.write(",,,,,,dog,,,,,,scratch,ear,left,present,,,,,,\n")
    by_lines = _assessed(path, 1)
    with monkeypatch.context() as m:
        m.setattr(stream, "fill_by_lines", _by_rows_only)
        by_rows = _assessed(path, 1)
    assert by_lines == by_rows
    assert by_lines[0] == 1 and '"exams": [' in by_lines[1]


def test_a_file_changed_after_indexing_is_refused_not_read_as_something_else(
    tmp_path: Path,
) -> None:
    path = tmp_path / "f.csv"
    _export_like(path, 20)
    os.utime(path, ns=(10**9, 10**9))  # any write from now on moves its time of change
    with index_file(path) as index:
        first = index.exams[0]
        assert first.lines is not None and len(index.raw_rows_of(first)) == 5
        with path.open("r+b") as handle:  # rewritten in place, as a spreadsheet saves
            handle.seek(path.stat().st_size // 2)
            handle.write(b"E7")
        with pytest.raises(stream.SourceChanged, match="changed while it was being read"):
            index.raw_rows_of(index.exams[1])


def test_a_file_replaced_after_indexing_is_read_as_it_was_indexed(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    _export_like(path, 20)
    with index_file(path) as index:
        assert index.shape is not None
        finish = index.shape.finisher()
        other = tmp_path / "g.csv"
        _export_like(other, 3)
        other.replace(path)  # a new file under the name: the open one is still read
        rows = [finish(*raw) for raw in index.raw_rows_of(index.exams[19])]
        assert {r["exam_id"] for r in rows} == {"E19"} and len(rows) == 5


def test_a_file_written_to_during_the_line_pass_is_indexed_by_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.csv"
    _export_like(path, 10)
    real = stream.fill_by_lines

    def then_touched(index: FileIndex, *args: Any) -> None:
        real(index, *args)
        os.utime(path, ns=(1, 1))  # its time of change moves

    monkeypatch.setattr(stream, "fill_by_lines", then_touched)
    with index_file(path) as index:
        assert len(index.exams) == 10 and index.exams[0].lines is None  # the row index


def test_import_stops_cleanly_when_the_file_changes_and_keeps_what_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neuroexam.records import importer
    from neuroexam.records.store import Store

    path = tmp_path / "f.csv"
    _export_like(path, 260)
    real = importer.exams

    def changing(index: FileIndex, progress: Any = None) -> Iterator[Any]:
        for n, outcome in enumerate(real(index, progress)):
            yield outcome
            if n == 249:  # 200 written in a batch, 50 waiting for the next
                os.utime(path, ns=(1, 1))

    monkeypatch.setattr(importer, "exams", changing)
    store = Store(tmp_path / "r.db")
    try:
        report = importer.import_file(store, path, by="A. Tech")
        assert report.exit_status == 2
        assert report.store_error is not None and "changed while it was being read" in (
            report.store_error
        )
        assert len(report.imported) == 250  # the 50 read before the change are written too
        assert "Stopped:" in report.render()
        written = {e.exam_id for e in store.load_exams()}
        assert written == {f"E{n}" for n in range(250)}
    finally:
        store.close()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_assess_of_a_file_changed_while_read_says_so_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    from neuroexam.cli import main
    from neuroexam.records import assess as assess_module

    path = tmp_path / "f.csv"
    _export_like(path, 30)
    real = assess_module.index_file

    def then_changed(*args: Any) -> FileIndex:
        index = real(*args)
        os.utime(path, ns=(1, 1))  # written to once the index was made
        return index

    monkeypatch.setattr(assess_module, "index_file", then_changed)
    status = main(["assess", str(path), "--json", "--jobs", jobs])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert "changed while it was being read" in err and "Traceback" not in err


def test_a_pipe_is_refused_with_a_message_not_read_as_an_empty_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from neuroexam.cli import main
    from neuroexam.records import importer
    from neuroexam.records.store import Store

    fifo = tmp_path / "findings.csv"
    os.mkfifo(fifo)  # never opened: opening it would wait for a writer
    assert main(["assess", str(fifo), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "not a regular file (a pipe or a device)" in err
    store = Store(tmp_path / "r.db")
    try:
        with pytest.raises(CsvInputError, match="save the CSV to a file"):
            importer.import_file(store, fifo, by="A. Tech")
        assert store.load_exams() == []
    finally:
        store.close()
