"""FORMAT.md findings CSV in and out.

Read with the :mod:`csv` module, a row at a time, within limits (:data:`MAX_COLUMNS`,
:data:`MAX_CELL_CHARS`, :data:`MAX_LINE_CHARS`) so that no file costs more than time in
proportion to its size; written with pandas, imported inside the function that writes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from operator import itemgetter
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from pydantic import TypeAdapter, ValidationError

from neuroexam.core.models import Exam, ExamStatus, Finding, Grade, Mode, Patient, Side, TestId
from neuroexam.core.protocol import Protocols, shipped
from neuroexam.core.text import first_control
from neuroexam.records.formats import (
    EXAM_COLUMNS,
    FINDINGS_COLUMNS,
    REQUIRED_COLUMNS,
    format_number,
    neutralise,
    unneutralise,
)
from neuroexam.records.paths import private_file_open


class CsvInputError(Exception):
    """The whole file cannot be used (unreadable, not CSV, missing a required column)."""


@dataclass(frozen=True)
class RowError:
    exam_id: str
    row: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"exam_id": self.exam_id, "row": self.row, "message": self.message}


@dataclass
class ReadResult:
    exams: list[Exam] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _messages(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(p) for p in problem["loc"] if not isinstance(p, int))
        message = problem["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


#: Limits of what the reader accepts; anything beyond one of them is refused with a line
#: naming the file, the line and the limit. They bound the work and memory spent on any one
#: row, whatever the file holds (FORMAT.md rows are about 20 cells of a few dozen characters).
MAX_COLUMNS = 256
MAX_CELL_CHARS = 100_000
#: Characters in one line, and in one row (a quoted cell may span lines).
MAX_LINE_CHARS = 1_048_576

#: Separators tried on the header: commas (FORMAT.md), then what spreadsheets write in
#: locales where the comma is the decimal mark (semicolons), then tabs.
SEPARATORS = (",", ";", "\t")
#: Number columns that may use a decimal comma in a semicolon- or tab-separated file.
DECIMAL_COLUMNS = ("age_years", "weight_kg")
#: Free-text columns: their cells are kept exactly as written. Every other column holds a
#: code, a number or a time, read without surrounding spaces.
TEXT_COLUMNS = frozenset(
    {"exam_id", "examiner", "patient_id", "patient_name", "breed", "note"}
    | {"signed_by", "exam_note"}  # version 2
)

_DECIMAL_COMMA = re.compile(r"\s*[0-9]+,[0-9]+\s*")
#: A NUL, or bytes that are not UTF-8 (decoded as lone surrogates by ``surrogateescape``).
_NOT_TEXT = re.compile("[\x00\udc80-\udcff]")
#: What either :data:`_NOT_TEXT` or :func:`first_control` would find: one search per line
#: when neither does (the usual case).
_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\udc80-\udcff]")
#: How a file that is not UTF-8 CSV should be saved instead (what spreadsheets call it).
SAVE_AS = "save it as 'CSV UTF-8 (comma delimited)' and try again"


class _Lines:
    """The lines of a CSV file for :func:`csv.reader`, each read with a length limit.

    Counts lines (``line``), and the characters of the row being read (reset by
    :meth:`next_row`), so that no line or row grows past :data:`MAX_LINE_CHARS` in memory.
    """

    def __init__(self, handle: TextIO, path: Path) -> None:
        self.handle = handle
        self.path = path
        self.line = 0
        self.row_start = 1
        self.row_chars = 0
        #: Whether a line of this row holds a control character (see :func:`first_control`),
        #: or an apostrophe (a cell may carry export's formula-neutralising quote).
        self.row_controls = False
        self.row_quotes = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        text = self.handle.readline(MAX_LINE_CHARS + 1)
        if not text:
            raise StopIteration
        self.line += 1
        if len(text) > MAX_LINE_CHARS:
            raise CsvInputError(
                f"{self.path}: line {self.line} is longer than the limit of {MAX_LINE_CHARS} "
                "characters per line"
            )
        self.row_chars += len(text)
        if self.row_chars > MAX_LINE_CHARS:
            raise CsvInputError(
                f"{self.path}: the row starting on line {self.row_start} is longer than the "
                f"limit of {MAX_LINE_CHARS} characters per row (a quote left open?)"
            )
        if _SUSPECT.search(text) is None:  # the usual line: text without a control character
            if not self.row_quotes and "'" in text:
                self.row_quotes = True
            return text
        bad = _NOT_TEXT.search(text)
        if bad is not None:
            if bad.group() == "\x00":
                raise CsvInputError(
                    f"{self.path}: line {self.line} holds a NUL byte: not a text file (or "
                    f"UTF-16 text); {SAVE_AS}"
                )
            byte = ord(bad.group()) - 0xDC00
            raise CsvInputError(
                f"{self.path}: line {self.line} is not UTF-8 text (byte 0x{byte:02X}); {SAVE_AS}"
            )
        if not self.row_controls and first_control(text) is not None:
            self.row_controls = True
        if not self.row_quotes and "'" in text:
            self.row_quotes = True
        return text

    def next_row(self) -> None:
        """The next line read starts a new row."""
        self.row_start = self.line + 1
        self.row_chars = 0
        self.row_controls = False
        self.row_quotes = False


def require_regular_file(path: Path) -> None:
    """Refuse a pipe, a terminal or a device (``/dev/stdin``, ``<(…)``): the reader reads a
    file more than once, which such a source cannot give. A missing file or a folder is left
    to the reader, which names it."""
    try:
        special = path.exists() and not path.is_file() and not path.is_dir()
    except OSError:
        return
    if special:
        raise CsvInputError(
            f"{path}: not a regular file (a pipe or a device); save the CSV to a file and give "
            "its path"
        )


def _check_signature(path: Path) -> None:
    """Refuse at once the files that are plainly not UTF-8 CSV (UTF-16, a workbook)."""
    with path.open("rb") as raw:
        head = raw.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvInputError(f"{path}: UTF-16 text, expected UTF-8; {SAVE_AS}")
    if head.startswith(b"PK\x03\x04"):
        raise CsvInputError(f"{path}: a spreadsheet workbook (xlsx/ods), not CSV; {SAVE_AS}")


def _separator(header_line: str) -> str:
    """The separator under which the header names the most FORMAT.md columns (commas on a
    tie)."""
    known = set(FINDINGS_COLUMNS)

    def score(sep: str) -> int:
        cells = next(csv.reader([header_line], delimiter=sep), [])
        return len(known.intersection(c.strip() for c in cells))

    return max(SEPARATORS, key=score)


#: A raw row as the first stage of the reader gives it: the line it starts on, its
#: :data:`CONTROLS` / :data:`QUOTES` flags and its cells as the CSV parser split them.
RawRow = tuple[int, int, list[str]]
#: A line of the row holds a terminal control character (:func:`first_control`).
CONTROLS = 1
#: A line of the row may hold an apostrophe (a cell may carry export's formula quote).
QUOTES = 2


class RowShape:
    """How the rows of one file map to FORMAT.md columns, from its header: the second stage
    of the reader (:meth:`finish`) turns a :data:`RawRow` into the row dict of
    :func:`iter_rows`. Cheap to pickle (a stream hands it to worker processes)."""

    def __init__(self, columns: list[str], position: dict[str, int], sep: str) -> None:
        self.columns = columns
        self.named = list(position.items())
        self.width = len(columns)
        #: Every column named, once: a row maps by position.
        self.simple = len(self.named) == self.width
        self.codes = [name for name in position if name not in TEXT_COLUMNS]
        self.decimal = [name for name in DECIMAL_COLUMNS if name in position] if sep != "," else []
        self.exam_column = position["exam_id"]
        #: The cells of a row that must be alike in every row of an exam.
        self.exam_cells = itemgetter(
            *[position[c] for c in EXAM_COLUMNS if c in position], self.exam_column
        )
        finding = ("test", "site", "side", "grade", "note", "recorded_at")
        #: A row's finding cells, when the header names them all.
        self.finding_cells = (
            itemgetter(*[position[c] for c in finding])
            if all(c in position for c in finding)
            else None
        )
        self.patient_column = position.get("patient_id")
        self.sep = sep

    def exam_key(self, flags: int, cells: list[str]) -> tuple[str, str]:
        """The row's ``exam_id`` and ``patient_id`` cells exactly as :meth:`finish` gives
        them, without finishing the row."""
        n = len(cells)
        at = self.exam_column
        exam_id = cells[at] if at < n else ""
        at = self.patient_column  # type: ignore[assignment]
        patient = cells[at] if at is not None and at < n else ""
        if flags & QUOTES:
            if exam_id.startswith("'"):
                exam_id = unneutralise(exam_id)
            if patient.startswith("'"):
                patient = unneutralise(patient)
        return exam_id, patient

    def finisher(self) -> Callable[[int, int, list[str]], dict[str, Any]]:
        """The function that turns a raw row into the row dict of :func:`iter_rows` (its
        line, flags and cells), everything it needs bound once."""
        columns, named, codes, decimal = self.columns, self.named, self.codes, self.decimal
        by_position = self.simple
        width = self.width
        code_cells = itemgetter(*codes) if len(codes) > 1 else None  # a tuple of code cells
        strip, fullmatch = str.strip, _DECIMAL_COMMA.fullmatch

        def finish(line: int, flags: int, cells: list[str]) -> dict[str, Any]:
            n = len(cells)
            if n == width and by_position:
                row: dict[str, Any] = dict(zip(columns, cells, strict=True))
            else:
                row = {name: cells[i] if i < n else "" for name, i in named}
            if code_cells is None:
                for name in codes:
                    row[name] = row[name].strip()
            else:  # all code cells stripped in one pass, written back only when one changed
                found = code_cells(row)
                clean = tuple(map(strip, found))
                if clean != found:
                    row.update(zip(codes, clean, strict=True))
            if flags & QUOTES:
                for name, cell in row.items():
                    if cell.startswith("'"):
                        row[name] = unneutralise(cell)
            for name in decimal:
                if fullmatch(row[name]):
                    row[name] = row[name].replace(",", ".")
            row["_line"] = line
            if flags & CONTROLS:
                row["_problem"] = _control(row)
            return row

        return finish


def iter_rows(
    path: Path, on_progress: Callable[[int], None] | None = None, every: int = 4096
) -> Iterator[dict[str, Any]]:
    """Rows of a findings CSV as dicts of text, each with the line it starts on in ``_line``.

    Text cells keep their exact text (RFC 4180), less the ``'`` that export puts before a
    formula-like cell; code, number and time cells are read without surrounding spaces. Blank
    rows are skipped. Raises :class:`CsvInputError` when the file cannot be used: not found,
    not UTF-8 text, no header, a required column missing, or a limit exceeded
    (:data:`MAX_COLUMNS`, :data:`MAX_CELL_CHARS`, :data:`MAX_LINE_CHARS`). Rows come one at a
    time, in file order, with memory bounded per row. ``on_progress``, when given, is called
    now and then with the byte offset read so far (a progress display).
    """
    source = raw_rows(path, on_progress, every)
    shape = next(source)
    assert isinstance(shape, RowShape)
    finish = shape.finisher()
    for line, flags, cells in source:  # type: ignore[misc]
        yield finish(line, flags, cells)


def raw_rows(
    path: Path, on_progress: Callable[[int], None] | None = None, every: int = 4096
) -> Iterator[RowShape | RawRow]:
    """The first stage of :func:`iter_rows`: first the file's :class:`RowShape`, then each
    non-blank row as a :data:`RawRow` (limits checked, nothing else done to the cells).

    Two readers give the same rows: a fast one (:func:`_fast_rows`: big blocks checked for
    what the careful one looks for line by line, the CSV parser fed at C speed) for the usual
    clean UTF-8 file, and the careful one (:func:`_rows`), line by line, for anything the fast
    one does not vouch for: it then takes over where the fast one stopped (reading the file
    again, the rows already given skipped), so that every message and every row is the
    careful reader's.
    """
    path = Path(path)
    if csv.field_size_limit() <= MAX_CELL_CHARS:
        csv.field_size_limit(MAX_CELL_CHARS + 1)
    given = [0]
    try:
        require_regular_file(path)
        _check_signature(path)
        try:
            yield from _fast_rows(path, on_progress, given)
            return
        except (NotVouched, csv.Error, CsvInputError, UnicodeDecodeError):
            pass
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            careful = _rows(handle, path, on_progress, every)
            for _ in range(given[0]):
                next(careful)
            yield from careful
    except FileNotFoundError:
        raise CsvInputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise CsvInputError(f"{path}: is a folder, expected a CSV file") from None
    except OSError as exc:
        raise CsvInputError(f"{path}: cannot read: {exc.strerror or exc}") from None


class NotVouched(Exception):
    """The fast reader met something only the careful reader may judge."""


#: Bytes read at once by the fast reader (then up to the end of the line).
_BLOCK = 1 << 20
#: Control bytes (C0 but tab, line feed and carriage return; DEL): the fast reader deletes
#: every other byte and looks at what is left. C1 controls are UTF-8 ``\xc2\x80-\x9f``.
_KEEP_CONTROLS = bytes(
    b for b in range(256) if not ((b < 0x20 and b not in b"\t\n\r") or b == 0x7F)
)
_C1 = re.compile(b"\xc2[\x80-\x9f]")


def checked_blocks(
    path: Path,
    on_progress: Callable[[int], None] | None = None,
    source: BinaryIO | None = None,
) -> Iterator[tuple[bytes, str, int]]:
    """The file in blocks of whole lines, each checked: UTF-8, no control character, no
    carriage return but before a line feed, no line longer than :data:`MAX_CELL_CHARS` bytes
    (so within every limit of the careful reader); raises ``NotVouched`` at the first block
    that is not. Each block as its bytes, its text (a leading BOM decoded away) and the
    offset of its first byte in the file. ``source``: the file already open (read from its
    start, left open)."""
    if source is not None:
        source.seek(0)
    with path.open("rb") if source is None else nullcontext(source) as raw:
        rest = b""
        read = 0
        first = True
        while True:
            data = raw.read(_BLOCK)
            read += len(data)
            block = rest + data
            if data:
                cut = block.rfind(b"\n") + 1
                if cut == 0:
                    if len(block) > MAX_CELL_CHARS:
                        raise NotVouched
                    rest = block
                    continue
                block, rest = block[:cut], block[cut:]
            elif not block:
                return
            else:
                rest = b""
            if block.translate(None, _KEEP_CONTROLS) or (b"\xc2" in block and _C1.search(block)):
                raise NotVouched
            if block.count(b"\r") != block.count(b"\r\n"):
                raise NotVouched
            if len(block) > MAX_CELL_CHARS and _has_long_line(block):
                raise NotVouched
            text = block.decode("utf-8-sig" if first else "utf-8")
            first = False
            if on_progress is not None:
                on_progress(read - len(rest))
            yield block, text, read - len(rest) - len(block)
            if not data:
                return


def _has_long_line(block: bytes) -> bool:
    """Whether a line of ``block`` is longer than :data:`MAX_CELL_CHARS` bytes: a window of
    that many bytes and one more after a line's start holds no line feed (a look per window,
    not per line)."""
    start, size = 0, len(block)
    while size - start > MAX_CELL_CHARS:
        feed = block.rfind(b"\n", start, start + MAX_CELL_CHARS + 1)
        if feed < 0:
            return True
        start = feed + 1
    return False


def _vouched_blocks(
    path: Path, quotes: list[bool], on_progress: Callable[[int], None] | None
) -> Iterator[str]:
    """The text of :func:`checked_blocks`. ``quotes[0]`` tells whether the block just given
    or the one before it holds an apostrophe."""
    seen = False
    for _data, text, _offset in checked_blocks(path, on_progress):
        here = "'" in text
        quotes[0] = here or seen
        seen = here
        yield text


def _fast_rows(
    path: Path, on_progress: Callable[[int], None] | None, given: list[int]
) -> Iterator[RowShape | RawRow]:
    """:func:`_rows` for a file :func:`_vouched_blocks` vouches for; raises
    :class:`NotVouched` (or the parser's error) at the first thing it cannot judge, before
    giving the row concerned. ``given[0]`` counts the items given."""
    quotes = [False]
    blocks = _vouched_blocks(path, quotes, on_progress)
    text = next(blocks, None)
    if text is None:
        raise NotVouched  # an empty file: the careful reader names it
    first = io.StringIO(text, newline="")
    header_at = 0
    header_line = None
    for line in first:
        header_at += 1
        if line.strip():
            header_line = line
            break
    if header_line is None:
        raise NotVouched
    shape = shape_of_header(path, header_line, header_at)
    given[0] = 1
    yield shape
    width, exam_column = shape.width, shape.exam_column
    lines = chain(first, chain.from_iterable(io.StringIO(t, newline="") for t in blocks))
    reader = csv.reader(lines, delimiter=shape.sep, strict=True)
    before = 0  # lines read before the current row
    for cells in reader:
        now = reader.line_num
        start = header_at + before + 1
        spans = now - before
        before = now
        n = len(cells)
        if n > MAX_COLUMNS:
            raise NotVouched
        # A quoted cell across lines: is the row surely within the careful reader's limits?
        if spans > 1 and 2 * sum(map(len, cells)) + 3 * n + 2 * spans > MAX_CELL_CHARS:
            raise NotVouched
        if (n <= exam_column or not cells[exam_column].strip()) and not "".join(cells).strip():
            continue  # a blank row (or only separators, as spreadsheets leave)
        if n > width and "".join(cells[width:]).strip():
            raise NotVouched
        given[0] += 1
        yield start, QUOTES if quotes[0] else 0, cells


def shape_of_header(path: Path, header_line: str, header_at: int) -> RowShape:
    """The :class:`RowShape` of the header ``header_line`` (on line ``header_at``); raises
    :class:`CsvInputError` for a header that cannot be used."""
    sep = _separator(header_line)
    columns = [c.strip() for c in next(csv.reader([header_line], delimiter=sep))]
    if len(columns) > MAX_COLUMNS:
        raise CsvInputError(
            f"{path}: line {header_at} (the header) has {len(columns)} columns, more than the "
            f"limit of {MAX_COLUMNS}"
        )
    position: dict[str, int] = {}
    for i, name in enumerate(columns):
        if not name:
            continue
        if name in position and name in FINDINGS_COLUMNS:
            raise CsvInputError(f"{path}: line {header_at}: column '{name}' appears twice")
        position.setdefault(name, i)
    for column in REQUIRED_COLUMNS:
        if column not in position:
            hint = ""
            if len(columns) == 1:
                hint = (
                    f" (the header is one cell, {header_line.strip()[:60]!r}: expected columns "
                    "separated by commas)"
                )
            raise CsvInputError(f"{path}: missing required column '{column}'{hint}")
    return RowShape(columns, position, sep)


def _rows(
    handle: TextIO,
    path: Path,
    on_progress: Callable[[int], None] | None = None,
    every: int = 4096,
) -> Iterator[RowShape | RawRow]:
    """The careful reader: line by line, each line checked (:class:`_Lines`)."""
    lines = _Lines(handle, path)
    header_line = next((text for text in lines if text.strip()), None)
    if header_line is None:
        raise CsvInputError(f"{path}: empty file, expected a header row")
    header_at = lines.line
    try:
        shape = shape_of_header(path, header_line, header_at)
    except csv.Error as exc:
        raise _not_csv(path, lines, exc) from None
    yield shape
    columns, width, first_column = shape.columns, shape.width, shape.exam_column
    # strict: a quote that is never closed, or text after a closing quote, is an error (the
    # lenient reading would swallow the rest of the file into one cell, or change a cell).
    reader = csv.reader(lines, delimiter=shape.sep, strict=True)
    lines.next_row()
    countdown = every
    try:
        for cells in reader:
            if on_progress is not None:
                countdown -= 1
                if not countdown:
                    countdown = every
                    on_progress(handle.buffer.tell())
            start, controls, quotes = lines.row_start, lines.row_controls, lines.row_quotes
            long_row = lines.row_chars > MAX_CELL_CHARS
            lines.next_row()
            n = len(cells)
            if n > MAX_COLUMNS:
                raise CsvInputError(
                    f"{path}: line {start} has {n} cells, more than the limit of {MAX_COLUMNS} "
                    "cells per row"
                )
            if long_row:
                _check_cells(path, start, cells, columns)
            if (n <= first_column or not cells[first_column].strip()) and not "".join(
                cells
            ).strip():
                continue  # a blank row (or only separators, as spreadsheets leave)
            if n > width and "".join(cells[width:]).strip():
                raise CsvInputError(
                    f"{path}: line {start} has {n} cells but the header has {width}"
                )
            yield start, (CONTROLS if controls else 0) | (QUOTES if quotes else 0), cells
    except csv.Error as exc:
        raise _not_csv(path, lines, exc) from None


def _check_cells(path: Path, line: int, cells: list[str], columns: list[str]) -> None:
    for i, cell in enumerate(cells):
        if len(cell) > MAX_CELL_CHARS:
            name = f" ({columns[i]})" if i < len(columns) and columns[i] else ""
            raise CsvInputError(
                f"{path}: line {line}: a cell{name} is longer than the limit of "
                f"{MAX_CELL_CHARS} characters per cell"
            )


def _not_csv(path: Path, lines: _Lines, exc: csv.Error) -> CsvInputError:
    if "field larger than field limit" in str(exc):
        spans = " (a quote left open?)" if lines.line > lines.row_start else ""
        return CsvInputError(
            f"{path}: line {lines.row_start}: a cell is longer than the limit of "
            f"{MAX_CELL_CHARS} characters per cell{spans}"
        )
    if "unexpected end of data" in str(exc):
        return CsvInputError(
            f"{path}: the row starting on line {lines.row_start} opens a quote that is never closed"
        )
    return CsvInputError(f"{path}: line {lines.line}: not readable as CSV ({exc})")


def read_table(path: Path) -> list[dict[str, Any]]:
    """Every row of a findings CSV (see :func:`iter_rows`)."""
    return list(iter_rows(Path(path)))


def exams_from_rows(rows: Iterable[dict[str, Any]]) -> ReadResult:
    """Group rows by ``exam_id`` and validate them into exams; bad exams become errors.

    Exams come out in the order their first row appears. (Grouping holds every row until the
    end; a reader of a file sorted by exam could hand each group on as soon as the next
    ``exam_id`` starts: :func:`iter_rows` already yields rows one by one.)
    """
    groups: dict[str, list[dict[str, Any]]] = {}
    result = ReadResult()
    for row in rows:
        exam_id = row.get("exam_id", "")
        if not exam_id.strip():
            result.errors.append(RowError("", row["_line"], "empty exam_id"))
            continue
        groups.setdefault(exam_id, []).append(row)
    builder = ExamBuilder()
    for exam_id, exam_rows in groups.items():
        exam, errors = builder.build(exam_id, exam_rows)
        if errors:
            result.errors.extend(errors)
        elif exam is not None:
            result.exams.append(exam)
    return result


def sign_set(cell: str) -> frozenset[str]:
    """The signs of a ``signs`` cell as a set (FORMAT.md §1: their order never matters)."""
    return frozenset(s.strip() for s in cell.split(";") if s.strip())


def _conflict(exam_id: str, rows: list[dict[str, Any]]) -> RowError | None:
    """The first row of the exam whose exam columns differ from its first row's, or None."""
    first = rows[0]
    same = [column for column in EXAM_COLUMNS if column in first]
    if not same:
        return None
    # The usual case, every exam column equal to the first row's, in one comparison per row.
    cells = itemgetter(*same)
    expected = cells(first)
    for row in rows[1:]:
        try:
            if cells(row) == expected:
                continue
        except KeyError:
            pass
        for column in EXAM_COLUMNS:
            here, there = row.get(column, ""), first.get(column, "")
            if here == there or (column == "signs" and sign_set(here) == sign_set(there)):
                continue
            return RowError(
                exam_id,
                row["_line"],
                f"{column} is {here!r} here but {there!r} on line {first['_line']} of the same "
                "exam",
            )
    return None


def _control(row: dict[str, Any]) -> str | None:
    """Why the row is bad if a cell holds a terminal control character (``ESC``, ``BEL``, C1…;
    tab and line breaks are text), else None."""
    for column, value in row.items():
        found = first_control(value) if isinstance(value, str) else None
        if found is not None:
            return f"{column}: control character {found} is not allowed"
    return None


def _exam_from_rows(exam_id: str, rows: list[dict[str, Any]]) -> tuple[Exam | None, list[RowError]]:
    return ExamBuilder().build(exam_id, rows)


#: A finding's validated ``(test, site, side, grade)``.
_Combo = tuple[TestId, str, Side, Grade]
#: ``recorded_at`` as :class:`Finding` validates it (same parser, same result).
_RECORDED_AT: TypeAdapter[datetime | None] = TypeAdapter(datetime | None)
_parse_recorded_at = _RECORDED_AT.validator.validate_python


def _model_construct(values: dict[str, Any]) -> Finding:
    return Finding.model_construct(**values)


def _set_fields(values: dict[str, Any]) -> Finding:
    """What ``Finding.model_construct(**values)`` makes when ``values`` names every field,
    without its per-field loop (a quarter of the time): used only when it was seen to make
    an equal model (:func:`_pick_constructor`)."""
    finding = _new(Finding)
    _set(finding, "__dict__", values)
    _set(finding, "__pydantic_fields_set__", set(values))
    _set(finding, "__pydantic_extra__", None)
    _set(finding, "__pydantic_private__", None)
    return finding


_new = object.__new__
_set = object.__setattr__


def _pick_constructor() -> Callable[[dict[str, Any]], Finding]:
    sample = {
        "test": TestId.SCRATCH,
        "site": "ear",
        "side": Side.LEFT,
        "grade": Grade.PRESENT,
        "note": "n",
        "recorded_at": None,
    }
    try:
        fast, public = _set_fields(dict(sample)), _model_construct(dict(sample))
        same = (
            fast == public
            and fast.__dict__ == public.__dict__
            and fast.__pydantic_fields_set__ == public.__pydantic_fields_set__
            and fast.model_dump() == public.model_dump()
        )
    except Exception:  # another pydantic: keep the public constructor
        same = False
    return _set_fields if same else _model_construct


_constructed = _pick_constructor()


class ExamBuilder:
    """Validates rows of one exam into an :class:`Exam`, as :class:`Finding` and :class:`Exam`
    would, with each distinct ``(test, site, side, grade)`` validated once.

    A file holds a few dozen distinct combinations among millions of rows: the first row of a
    combination is validated by :class:`Finding` itself and its result (the enums and the
    canonical site, or "invalid") kept; later rows only parse their ``recorded_at`` (with
    :class:`Finding`'s own parser) and are built with ``model_construct``. Any row that is not
    valid on this fast path is validated in full, so error messages are exactly
    :class:`Finding`'s. The cache is per builder (one per file read) and bounded.
    """

    #: Distinct combinations kept at most (a hostile file cannot grow the cache past this).
    CACHE_LIMIT = 4096

    def __init__(self) -> None:
        self._combos: dict[tuple[str, str, str, str], _Combo | None] = {}
        #: Valid combinations by their raw cells (:meth:`build_raw`).
        self._raw_combos: dict[tuple[str, str, str, str], _Combo] = {}

    def finding(self, row: dict[str, Any]) -> Finding:
        """The row's finding; raises :class:`ValidationError` exactly as :class:`Finding`."""
        key = (row["test"], row["site"], row["side"], row["grade"])
        if key in self._combos:
            combo = self._combos[key]
        else:
            try:
                alone = Finding(test=key[0], site=key[1], side=key[2], grade=key[3])
                combo = (alone.test, alone.site, alone.side, alone.grade)
            except ValidationError:
                combo = None
            if len(self._combos) >= self.CACHE_LIMIT:
                self._combos.clear()
            self._combos[key] = combo
        recorded: Any = row.get("recorded_at") or None
        if combo is not None:
            try:
                if recorded is not None:
                    recorded = _parse_recorded_at(recorded)
            except ValidationError:
                pass  # validated in full below, for Finding's own message
            else:
                test, site, side, grade = combo
                return _constructed(
                    {
                        "test": test,
                        "site": site,
                        "side": side,
                        "grade": grade,
                        "note": row.get("note", ""),
                        "recorded_at": recorded,
                    }
                )
        return Finding(
            test=row["test"],
            site=row["site"],
            side=row["side"],
            grade=row["grade"],
            note=row.get("note", ""),
            recorded_at=row.get("recorded_at") or None,
        )

    def build(self, exam_id: str, rows: list[dict[str, Any]]) -> tuple[Exam | None, list[RowError]]:
        """The exam of ``rows`` (its rows in file order), or the errors that make it unusable."""
        bad = next((row for row in rows if row.get("_problem")), None)
        if bad is not None:  # reported once per exam, at its first such row
            return None, [RowError(exam_id, bad["_line"], bad["_problem"])]
        errors: list[RowError] = []
        conflict = _conflict(exam_id, rows)
        if conflict is not None:
            errors.append(conflict)
        first = rows[0]
        findings: list[Finding] = []
        seen: dict[tuple, int] = {}
        for row in rows:
            try:
                finding = self.finding(row)
            except ValidationError as exc:
                errors.append(RowError(exam_id, row["_line"], _messages(exc)))
                continue
            key = finding.key
            if key in seen:
                errors.append(
                    RowError(
                        exam_id,
                        row["_line"],
                        f"second finding for {finding.test.value} {finding.site} "
                        f"{finding.side.value} (first on line {seen[key]})",
                    )
                )
                continue
            seen[key] = row["_line"]
            findings.append(finding)
        if errors:
            return None, errors
        return _exam(exam_id, first, findings)

    def build_raw(
        self,
        exam_id: str,
        rows: list[RawRow],
        shape: RowShape,
        finish: Callable[[int, int, list[str]], dict[str, Any]],
    ) -> tuple[Exam | None, list[RowError]]:
        """:meth:`build` of the exam's raw rows (``finish``: ``shape.finisher()``).

        The usual exam (every row of the header's width, its exam columns written alike, each
        finding valid and once) is built from the raw cells, finishing only its first row;
        anything else is finished row by row and built by :meth:`build`, for its messages.
        A cell's finished value depends on the cell alone (a cell starting with ``'`` makes
        its row flagged :data:`QUOTES`), so equal raw cells are equal finished cells."""
        exam = self._usual(exam_id, rows, shape, finish)
        if exam is not None:
            return exam, []
        return self.build(exam_id, [finish(line, flags, cells) for line, flags, cells in rows])

    def _usual(
        self,
        exam_id: str,
        rows: list[RawRow],
        shape: RowShape,
        finish: Callable[[int, int, list[str]], dict[str, Any]],
    ) -> Exam | None:
        """The exam of :meth:`build_raw`'s usual case, or None (not usual, or an error)."""
        at = shape.finding_cells
        if at is None or not shape.simple:
            return None
        width = shape.width
        head = shape.exam_cells
        if len(rows[0][2]) != width:
            return None
        expected = head(rows[0][2])
        combos = self._raw_combos
        findings: list[Finding] = []
        seen: set[tuple[Any, ...]] = set()
        for line, flags, cells in rows:
            if flags & CONTROLS or len(cells) != width or head(cells) != expected:
                return None
            test, site, side, grade, note, recorded = at(cells)
            key = (test, site, side, grade)
            combo = combos.get(key)
            if combo is None:
                combo = self._combo_of(finish(line, flags, cells))
                if combo is None:
                    return None
                if len(combos) >= self.CACHE_LIMIT:
                    combos.clear()
                combos[key] = combo
            if combo[:3] in seen:
                return None
            seen.add(combo[:3])
            recorded = recorded.strip()
            if recorded.startswith("'"):
                recorded = unneutralise(recorded)
            if recorded:
                try:
                    moment = _parse_recorded_at(recorded)
                except ValidationError:
                    return None
            else:
                moment = None
            if note.startswith("'"):
                note = unneutralise(note)
            findings.append(
                _constructed(
                    {
                        "test": combo[0],
                        "site": combo[1],
                        "side": combo[2],
                        "grade": combo[3],
                        "note": note,
                        "recorded_at": moment,
                    }
                )
            )
        return _exam(exam_id, finish(*rows[0]), findings)[0]

    def _combo_of(self, row: dict[str, Any]) -> _Combo | None:
        """The validated combination of a finished row, or None when not valid."""
        key = (row["test"], row["site"], row["side"], row["grade"])
        if key not in self._combos:
            try:
                self.finding({**row, "recorded_at": ""})
            except ValidationError:
                return None
        return self._combos.get(key)


def _exam(
    exam_id: str, first: dict[str, Any], findings: list[Finding]
) -> tuple[Exam | None, list[RowError]]:
    """The exam of its first row's exam columns and its (valid) findings, or its error."""
    try:
        exam = Exam(
            exam_id=exam_id,
            exam_date=first.get("exam_date") or None,
            examiner=first.get("examiner", ""),
            mode=first.get("mode") or Mode.CLINICAL,
            patient=Patient(
                patient_id=first.get("patient_id", ""),
                name=first.get("patient_name", ""),
                species=first["species"],
                breed=first.get("breed", ""),
                age_years=first.get("age_years") or None,
                sex=first.get("sex") or "unknown",
                weight_kg=first.get("weight_kg") or None,
            ),
            signs=[s for s in first.get("signs", "").split(";") if s.strip()],
            findings=[],
            status=first.get("exam_status") or ExamStatus.COMPLETE,
            signed_by=first.get("signed_by", ""),
            signed_at=first.get("signed_at") or None,
            exam_note=first.get("exam_note", ""),
            parts="spinal" if any(f.test.value in _SPINAL_TESTS for f in findings) else "quick",
        )
    except ValidationError as exc:
        return None, [RowError(exam_id, first["_line"], _messages(exc))]
    # Set after validation: passed to Exam() each finding would be validated again
    # (its site check runs on instances too), and Exam's one-finding-per-site check
    # cannot fail on them (a second finding for a site is an error above).
    exam.findings = findings
    return exam, []


#: Tests of the optional spinal part: an imported exam holding one was a spinal exam.
_SPINAL_TESTS = frozenset({"patellar", "withdrawal", "perineal", "postural", "nociception"})


def read_exams(path: Path) -> ReadResult:
    """Read a findings CSV (FORMAT.md §2). Raises :class:`CsvInputError` for file problems."""
    return exams_from_rows(read_table(Path(path)))


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat(timespec="seconds")


def finding_rows(exams: Iterable[Exam], protocols: Protocols | None = None) -> list[list[str]]:
    """FORMAT.md §2 rows (as text, formula cells neutralised) for ``exams``.

    The breed is written as its canonical name (FORMAT.md §1); an unknown breed as typed.
    """
    from neuroexam.core.rules import breed_index

    breeds = breed_index(protocols or shipped())
    rows = []
    for exam in exams:
        p = exam.patient
        breed = breeds.lookup(p.breed, p.species).name
        head = [
            neutralise(exam.exam_id),
            _iso(exam.exam_date),
            neutralise(exam.examiner),
            exam.mode.value,
            neutralise(p.patient_id),
            neutralise(p.name),
            p.species.value,
            neutralise(breed),
            format_number(p.age_years),
            p.sex.value,
            format_number(p.weight_kg),
            neutralise(";".join(exam.signs)),
        ]
        for f in exam.findings:
            rows.append(
                [
                    *head,
                    f.test.value,
                    f.site,
                    f.side.value,
                    f.grade.value,
                    neutralise(f.note),
                    _iso(f.recorded_at),
                    exam.status.value,
                    neutralise(exam.signed_by),
                    _iso(exam.signed_at),
                    neutralise(exam.exam_note),
                ]
            )
    return rows


def write_findings(exams: Iterable[Exam], out: Any, protocols: Protocols | None = None) -> int:
    """Write the findings layout to a path or text stream; returns the number of rows."""
    import pandas as pd

    frame = pd.DataFrame(finding_rows(exams, protocols), columns=list(FINDINGS_COLUMNS), dtype=str)
    if isinstance(out, str | PathLike):  # a file of patient records: 0600 (paths.py)
        with private_file_open(Path(out), encoding="utf-8", newline="") as handle:
            frame.to_csv(handle, index=False, lineterminator="\r\n")
        return len(frame)
    frame.to_csv(out, index=False, lineterminator="\r\n", encoding="utf-8")
    return len(frame)
