"""The index pass of :mod:`neuroexam.records.stream` on whole lines of bytes, for the usual file.

The row index (:func:`neuroexam.records.stream.index_file`) needs, per exam, where its rows
are. For the usual file (checked UTF-8 text without control characters, the exam id in the
first column, one line per row, an exam's rows together, as ``export`` writes them) it does
not need the rows parsed: a line that starts with the same exam id cell as the line before it,
holds no double quote and has the header's number of separators is another row of that exam.
So this pass looks at the lines as bytes, one ``startswith``, ``in`` and ``count`` each, and
keeps per exam the byte runs of the source file its rows occupy and the line each run starts
on. Only the first line of a run, and any line with a double quote or another number of
cells, is parsed (by :mod:`csv`, as the row readers parse it) and checked as the fast row
reader (:func:`neuroexam.records.csvio.raw_rows`) checks it.

The rows are parsed later, by whoever assesses or imports the exam (a worker process, in
parallel), from the file's own bytes (:func:`decode_runs`); nothing is spilled. The rows,
their lines and the cells are those the row readers give.

Anything this pass does not vouch for (a row :func:`~neuroexam.records.csvio.raw_rows` would
hand to its careful reader, a quoted cell across two blocks, another first column) raises
:class:`NotVouched`: the caller then indexes the file by rows, as before.
"""

from __future__ import annotations

import csv
import io
import marshal
from collections.abc import Callable
from itertools import islice
from typing import TYPE_CHECKING

from neuroexam.records.csvio import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    QUOTES,
    NotVouched,
    RawRow,
    RowShape,
    checked_blocks,
    shape_of_header,
)
from neuroexam.records.formats import unneutralise

if TYPE_CHECKING:
    from neuroexam.records.stream import ExamEntry, FileIndex


#: A spilled record of line runs starts with a length of zero (a row record never does).
RUNS_TAG = b"\0\0\0\0"


def fill_by_lines(
    index: FileIndex,
    new_entry: Callable[[str, str], ExamEntry],
    report: Callable[[int], None] | None,
) -> None:
    """Index ``index.path`` by lines into ``index`` (its exams, their ``runs`` as ``start, end``
    byte offsets in the source file and ``lines`` as each run's first line, the rows without
    an exam id, the row count). ``new_entry(exam_id, patient)`` makes and registers an exam.
    Raises :class:`NotVouched` (``index`` is then to be discarded). The file is read through
    ``index.open_source()``, the handle its rows are read back from later."""
    blocks = checked_blocks(index.path, report, index.open_source())
    first = next(blocks, None)
    if first is None:
        raise NotVouched
    data, text, offset = first
    header_at, header_end = 0, 0
    header_line = None
    for line in io.StringIO(text, newline=""):
        header_at += 1
        header_end += len(line.encode("utf-8"))
        if line.strip():
            header_line = line
            break
    if header_line is None:
        raise NotVouched
    shape = shape_of_header(index.path, header_line, header_at)
    index.shape = shape
    if shape.exam_column != 0 or shape.width > MAX_COLUMNS:
        raise NotVouched
    if data.startswith(b"\xef\xbb\xbf"):
        header_end += 3  # the BOM, decoded away
    pass_ = _LinePass(index, shape, new_entry)
    pass_.block(data[header_end:], offset + header_end, header_at + 1)
    for data, _text, offset in blocks:
        pass_.block(data, offset, pass_.line)
    pass_.close()


class _LinePass:
    """The state of :func:`fill_by_lines` between blocks."""

    def __init__(
        self, index: FileIndex, shape: RowShape, new_entry: Callable[[str, str], ExamEntry]
    ) -> None:
        self.index = index
        self.shape = shape
        self.new_entry = new_entry
        self.sep = shape.sep
        self.sepb = shape.sep.encode("ascii")
        self.seps = shape.width - 1
        self.by_id: dict[str, ExamEntry] = {}
        #: The line number of the next line.
        self.line = 0
        #: The run being read: its exam, first byte, end, first line and the raw first cell
        #: (with its separator) its usual lines start with.
        self.entry: ExamEntry | None = None
        self.run_start = 0
        self.run_end = 0
        self.run_line = 0
        self.prefix = b"\0"  # no line starts with it (vouched text has no NUL)
        self.rows = 0

    def close(self) -> None:
        self._end_run()
        self.index.rows = self.rows

    def _end_run(self) -> None:
        entry = self.entry
        if entry is not None:
            entry.runs.append(self.run_start)
            entry.runs.append(self.run_end)
            assert entry.lines is not None
            entry.lines.append(self.run_line)
            self.entry = None

    def block(self, data: bytes, offset: int, line: int) -> None:
        """Index the whole lines of ``data`` (at byte ``offset`` of the file, its first line
        numbered ``line``)."""
        prefix, sepb, seps = self.prefix, self.sepb, self.seps
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()  # the block ends with a line feed
        pos = offset
        i, count = 0, len(lines)
        rows = 0
        while i < count:
            # The usual lines that go on with the run (no object made, no position counted
            # per line: the run's bytes are summed once).
            j = i
            while j < count:
                raw = lines[j]
                if not (raw.startswith(prefix) and b'"' not in raw and raw.count(sepb) == seps):
                    break
                j += 1
            if j > i:
                pos += sum(map(len, islice(lines, i, j))) + (j - i)
                self.run_end = pos
                rows += j - i
                line += j - i
                i = j
                if i == count:
                    break
            raw = lines[i]
            used, nbytes, cells = self._row(lines, i, raw)
            prefix = self._place(cells, raw, pos, pos + nbytes, line)
            if cells is not None:
                rows += 1
            pos += nbytes
            line += used
            i += used
        self.line = line
        self.rows += rows

    def _row(self, lines: list[bytes], i: int, raw: bytes) -> tuple[int, int, list[str] | None]:
        """The row starting at ``lines[i]``: how many lines and bytes it takes and its cells
        (None: a blank row), checked as the fast row reader checks it."""
        used = 1
        chunk = raw
        if b'"' not in raw:  # no quoted cell: the cells are the text between separators
            text = (raw[:-1] if raw.endswith(b"\r") else raw).decode("utf-8")
            cells = text.split(self.sep) if text else []
        else:
            quotes = raw.count(b'"')
            while quotes % 2:  # a quoted cell goes on on the next line
                if i + used >= len(lines):
                    raise NotVouched  # across two blocks: leave it to the row reader
                more = lines[i + used]
                chunk += b"\n" + more
                quotes += more.count(b'"')
                used += 1
            text = chunk.decode("utf-8")
            reader = csv.reader(
                io.StringIO(text + "\n", newline=""), delimiter=self.sep, strict=True
            )
            try:
                parsed = list(reader)
            except csv.Error:
                raise NotVouched from None
            if len(parsed) > 1:
                raise NotVouched
            cells = parsed[0] if parsed else []
        n = len(cells)
        if n > MAX_COLUMNS:
            raise NotVouched
        if used > 1 and 2 * sum(map(len, cells)) + 3 * n + 2 * used > MAX_CELL_CHARS:
            raise NotVouched
        nbytes = len(chunk) + 1
        if (not n or not cells[0].strip()) and not "".join(cells).strip():
            return used, nbytes, None  # a blank row
        if n > self.shape.width and "".join(cells[self.shape.width :]).strip():
            raise NotVouched
        return used, nbytes, cells

    def _place(self, cells: list[str] | None, raw: bytes, start: int, end: int, line: int) -> bytes:
        """Put a parsed row (None: blank) in its exam's runs; returns the prefix of the usual
        lines that continue the run."""
        if cells is None:
            return self.prefix
        exam_id = cells[0]
        if exam_id.startswith("'"):
            exam_id = unneutralise(exam_id)
        if not exam_id.strip():
            self._end_run()
            self.index.empty_id_lines.append(line)
            self.prefix = b"\0"
            return self.prefix
        entry = self.entry
        if entry is None or entry.exam_id != exam_id:
            self._end_run()
            entry = self.by_id.get(exam_id)
            if entry is None:
                patient = "".join(self.shape.exam_key(QUOTES, cells)[1].split())
                entry = self.by_id[exam_id] = self.new_entry(exam_id, patient)
            self.entry = entry
            self.run_start, self.run_line = start, line
        self.run_end = end
        cut = raw.find(self.sepb)
        self.prefix = raw[: cut + 1] if cut >= 0 and b'"' not in raw[:cut] else b"\0"
        return self.prefix


def runs_record(source: io.BufferedReader, entry: ExamEntry, sep: str) -> bytes:
    """The exam's rows as a worker is handed them: :data:`RUNS_TAG`, then the separator and
    each run's first line and bytes (marshalled)."""
    runs, lines = entry.runs, entry.lines
    assert lines is not None
    parts = []
    for k in range(len(lines)):
        start, end = runs[2 * k], runs[2 * k + 1]
        source.seek(start)
        parts.append((lines[k], source.read(end - start)))
    return RUNS_TAG + marshal.dumps((sep, parts))


def decode_runs(data: bytes | memoryview) -> list[RawRow]:
    """The raw rows of a :func:`runs_record`, as the row readers give them."""
    sep, parts = marshal.loads(data[len(RUNS_TAG) :])
    rows: list[RawRow] = []
    for line, chunk in parts:
        text = chunk.decode("utf-8")
        flags = QUOTES if "'" in text else 0
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
        before = 0
        for cells in reader:
            now = reader.line_num
            start = line + before
            before = now
            if (not cells or not cells[0].strip()) and not "".join(cells).strip():
                continue
            rows.append((start, flags, cells))
    return rows
