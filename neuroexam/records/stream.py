"""A findings CSV read exam by exam, in memory bounded by its largest patient.

``assess`` and ``import`` take files of any row order (FORMAT.md §4): an exam is complete
only when the whole file has been read. So the file is read twice over, the second time from a
spill file:

1. **Index** (:func:`index_file`): every row is read once through the first stage of
   :func:`neuroexam.records.csvio.iter_rows` (:func:`~neuroexam.records.csvio.raw_rows`: its
   limits and hostile-input checks unchanged), ``marshal``-ed (the raw rows, consecutive rows of
   one exam as one record of at most ``_BATCH`` rows) and appended to an anonymous temporary
   file (created 0600 and
   unlinked at once: it vanishes with the process, whatever happens). In memory stay, per
   exam, its number in order of first appearance, its patient and the byte runs its rows
   occupy in the spill file: one run when the file lists each exam's rows together (as
   ``export`` writes them), at worst one per row (16 bytes in an ``array``, never a Python
   object per row).
   The usual file (one line per row, the exam id first, as ``export`` writes it) is indexed
   by lines instead (:mod:`neuroexam.records.line_index`): per exam, the byte runs of the
   source file its rows occupy, found without parsing every row, and nothing spilled; the
   rows are parsed when the exam is read back, by the process that assesses it.
2. **Exams**: each patient's exams are read back (a seek and a read per run), finished into
   the row dicts :func:`~neuroexam.records.csvio.iter_rows` gives (its second stage), validated
   (:class:`~neuroexam.records.csvio.ExamBuilder`) and handed on, one patient at a time.

Why not sort into a temporary SQLite file: that costs an insert and a B-tree position per row
and a sort of the whole file, where a sequential append and one read per run suffice; and a
pandas/pyarrow read holds the whole file in memory, which is what this module avoids.

A file-level problem (a limit, a line that is not CSV) is found by the index, before the
first exam is handed on: ``import`` writes nothing from a file it cannot read through, as
before.

Results are reported in the order of the whole-file reader (exams in order of their first
row, :func:`~neuroexam.records.csvio.exams_from_rows`): :class:`Fragments` keeps each exam's
rendered output in a second spill file and writes them out in that order at the end.
"""

from __future__ import annotations

import csv
import io
import marshal
import os
import stat
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from neuroexam.core.models import Assessment, Exam, ExamStatus
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import evaluate_all
from neuroexam.records.csvio import (
    QUOTES,
    CsvInputError,
    ExamBuilder,
    NotVouched,
    RawRow,
    RowError,
    RowShape,
    raw_rows,
    require_regular_file,
)
from neuroexam.records.formats import unneutralise
from neuroexam.records.line_index import RUNS_TAG, decode_runs, fill_by_lines, runs_record
from neuroexam.records.parallel import default_workers, ordered_map


class Progress(Protocol):
    """Where the reading reports how far it got (a progress bar on a terminal)."""

    def phase(self, description: str, total: int | None) -> None:
        """A new phase starts: ``total`` units (bytes, exams) or None when unknown."""

    def update(self, completed: int) -> None:
        """``completed`` units of the current phase are done."""


#: Rows between two progress reports of the index pass.
_REPORT_EVERY = 4096
#: Rows of one exam marshalled together at most (bounds the memory of a batch).
_BATCH = 256

EMPTY_EXAM_ID = "empty exam_id"


@dataclass(slots=True)
class ExamEntry:
    """One exam of the file, as the index keeps it."""

    #: Position of its first row among the exams (0 for the first exam met).
    order: int
    exam_id: str
    #: Its patient for grouping: the first row's ``patient_id`` without any whitespace (coarser
    #: than the validated id, so a patient's exams always share one group).
    patient: str
    #: ``start, end`` byte offsets of each run of its rows in the spill file (in the source
    #: file when ``lines`` is set).
    runs: array[int]
    #: Indexed by lines (:mod:`neuroexam.records.line_index`): the line each run starts on.
    lines: array[int] | None = None


class FileIndex:
    """The exams of one findings CSV and where their rows are (see the module docstring).

    Use as a context manager, or call :meth:`close`: it closes the spill file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.exams: list[ExamEntry] = []
        #: Lines of the rows without an exam id (reported first, as the whole-file reader
        #: does).
        self.empty_id_lines = array("q")
        self.rows = 0
        #: The file's columns (set by :func:`index_file`).
        self.shape: RowShape | None = None
        self._spill: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        #: The source file, open from the line pass on, while exams indexed by lines are read
        #: back, with its size and modification time then (:meth:`spilled` checks them).
        self._source: io.BufferedReader | None = None
        self._signature: tuple[int, int] = (0, 0)

    def __enter__(self) -> FileIndex:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._spill.close()
        if self._source is not None:
            self._source.close()

    def open_source(self) -> io.BufferedReader:
        """The source file, opened once: the line pass reads it through this handle, and the
        rows are read back through it (a file replaced meanwhile is not this one), as long
        as its size and time of change stay those of when it was opened."""
        if self._source is None:
            self._source = self.path.open("rb")
            self._signature = _signature(self._source)
        return self._source

    @property
    def leading_errors(self) -> list[RowError]:
        """The errors of the rows without an exam id, in file order."""
        return [RowError("", line, EMPTY_EXAM_ID) for line in self.empty_id_lines]

    def rows_of(self, entry: ExamEntry) -> list[dict[str, Any]]:
        """The exam's rows, in file order, exactly as
        :func:`~neuroexam.records.csvio.iter_rows` gives them."""
        finish = self.finish
        return [finish(line, flags, cells) for line, flags, cells in self.raw_rows_of(entry)]

    _finish: Callable[[int, int, list[str]], dict[str, Any]] | None = None

    @property
    def finish(self) -> Callable[[int, int, list[str]], dict[str, Any]]:
        """The file's :meth:`~neuroexam.records.csvio.RowShape.finisher`, made once."""
        assert self.shape is not None
        if self._finish is None:
            self._finish = self.shape.finisher()
        return self._finish

    def build(self, builder: ExamBuilder, entry: ExamEntry) -> tuple[Exam | None, list[RowError]]:
        """The exam of ``entry`` validated by ``builder`` (as from :meth:`rows_of`)."""
        assert self.shape is not None
        return builder.build_raw(entry.exam_id, self.raw_rows_of(entry), self.shape, self.finish)

    def raw_rows_of(self, entry: ExamEntry) -> list[RawRow]:
        """The exam's raw rows (:data:`~neuroexam.records.csvio.RawRow`), in file order."""
        return decode_spill(self.spilled(entry))

    def spilled(self, entry: ExamEntry) -> bytes:
        """The exam's records in the spill file, as they are (:func:`decode_spill` reads
        them): what a worker process is handed."""
        if entry.lines is not None:
            assert self.shape is not None and self._source is not None
            changed = (
                f"{self.path}: the file changed while it was being read (its size or time of "
                "change is not what it was); read it again once nothing writes to it"
            )
            if _signature(self._source) != self._signature:
                raise SourceChanged(changed)
            record = runs_record(self._source, entry, self.shape.sep)
            if _signature(self._source) != self._signature:
                raise SourceChanged(changed)
            return record
        spill = self._spill
        runs = entry.runs
        parts = []
        for i in range(0, len(runs), 2):
            start, end = runs[i], runs[i + 1]
            spill.seek(start)
            parts.append(spill.read(end - start))
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def patients(self) -> Iterator[list[ExamEntry]]:
        """The exams grouped by patient, groups in order of their first exam; exams without a
        patient id (never compared) each on their own."""
        groups: dict[str, list[ExamEntry]] = {}
        for entry in self.exams:
            if entry.patient:
                groups.setdefault(entry.patient, []).append(entry)
            else:
                groups[f"\0{entry.order}"] = [entry]  # no patient key holds a NUL
        yield from groups.values()


class SourceChanged(CsvInputError):
    """The file indexed by lines changed before all its exams were read back."""


def _signature(handle: io.BufferedReader) -> tuple[int, int]:
    info = os.fstat(handle.fileno())
    return info.st_size, info.st_mtime_ns


def decode_spill(data: bytes) -> list[RawRow]:
    """The raw rows of spill records: each its length (4 bytes), then a batch of rows; or of
    an exam indexed by lines (:func:`~neuroexam.records.line_index.runs_record`)."""
    if data[:4] == RUNS_TAG:
        return decode_runs(data)
    rows: list[RawRow] = []
    chunk, loads = memoryview(data), marshal.loads
    at, size = 0, len(data)
    while at < size:
        length = int.from_bytes(chunk[at : at + 4], "little")
        rows.extend(loads(chunk[at + 4 : at + 4 + length]))
        at += 4 + length
    return rows


def index_file(path: Path, progress: Progress | None = None) -> FileIndex:
    """Read ``path`` once and index its exams; raises ``CsvInputError`` as :func:`iter_rows`.

    The usual file is indexed by lines (:mod:`neuroexam.records.line_index`); any other, or
    one that pass does not vouch for, by rows (:func:`_fill`)."""
    path = Path(path)
    require_regular_file(path)
    index = FileIndex(path)
    try:
        fill_by_lines(index, _registrar(index), _byte_report(index, progress))
        if index._source is not None and _signature(index._source) != index._signature:
            raise NotVouched  # written to while it was read: read it again, by rows
        return index
    except (NotVouched, CsvInputError, csv.Error, UnicodeDecodeError, OSError):
        index.close()
    except BaseException:
        index.close()
        raise
    index = FileIndex(path)
    try:
        _fill(index, progress)
    except BaseException:
        index.close()
        raise
    return index


def _registrar(index: FileIndex) -> Callable[[str, str], ExamEntry]:
    """How the line pass adds an exam to ``index``."""

    def new_entry(exam_id: str, patient: str) -> ExamEntry:
        entry = ExamEntry(len(index.exams), exam_id, patient, array("q"), array("q"))
        index.exams.append(entry)
        return entry

    return new_entry


def _byte_report(index: FileIndex, progress: Progress | None) -> Callable[[int], None] | None:
    """Start the reading phase on ``progress``; the call that reports bytes read (None for a
    file of unknown size)."""
    if progress is None:
        return None
    try:
        info = index.path.stat()
    except OSError:
        info = None
    # Bytes read so far only from a regular file (a pipe, /dev/stdin, cannot tell).
    regular = info is not None and stat.S_ISREG(info.st_mode)
    progress.phase("reading", info.st_size if info is not None and regular else None)
    return progress.update if regular else None


def _fill(index: FileIndex, progress: Progress | None) -> None:
    by_id: dict[str, ExamEntry] = {}
    write = index._spill.write
    dumps = marshal.dumps
    offset = 0
    report = _byte_report(index, progress)
    count = 0
    # Consecutive rows of one exam are marshalled as one record (a list of up to _BATCH row
    # dicts; marshal keeps their key order): one dump, one write and one load per batch.
    batch: list[Any] = []
    batch_entry: ExamEntry | None = None

    def flush() -> None:
        nonlocal offset
        assert batch_entry is not None
        data = dumps(batch)
        end = offset + 4 + len(data)
        runs = batch_entry.runs
        if runs and runs[-1] == offset:
            runs[-1] = end
        else:
            runs.append(offset)
            runs.append(end)
        write(len(data).to_bytes(4, "little"))
        write(data)
        offset = end

    source = raw_rows(index.path, on_progress=report, every=_REPORT_EVERY)
    shape = next(source)
    assert isinstance(shape, RowShape)
    index.shape = shape
    column = shape.exam_column
    empty_id_lines = index.empty_id_lines
    run_id: str | None = None  # the exam id of the run of rows being read
    for row in source:
        count += 1
        line, flags, cells = row  # type: ignore[misc]
        exam_id = cells[column] if column < len(cells) else ""
        if flags & QUOTES and exam_id.startswith("'"):
            exam_id = unneutralise(exam_id)
        if exam_id != run_id:  # another exam than the row before (the usual file: rarely)
            if not exam_id.strip():
                empty_id_lines.append(line)
                continue
            entry = by_id.get(exam_id)
            if entry is None:
                patient = "".join(shape.exam_key(flags, cells)[1].split())
                entry = ExamEntry(len(index.exams), exam_id, patient, array("q"))
                by_id[exam_id] = entry
                index.exams.append(entry)
            if batch:
                flush()
                batch = []
            batch_entry, run_id = entry, exam_id
        elif len(batch) >= _BATCH:
            flush()
            batch = []
        batch.append(row)
    if batch:
        flush()
    index._spill.flush()
    index.rows = count


# ------------------------------------------------------------------ exams and assessments


@dataclass
class Outcome:
    """What became of one exam of the file."""

    order: int
    exam: Exam | None = None
    #: Its assessment (None: an error, voided, or not assessed by the caller).
    assessment: Assessment | None = None
    errors: list[RowError] | None = None

    @property
    def voided(self) -> bool:
        return self.exam is not None and self.exam.status is ExamStatus.VOIDED


def exams(index: FileIndex, progress: Progress | None = None) -> Iterator[Outcome]:
    """Each exam validated, in order of first appearance (for ``import``): bounded by one exam."""
    builder = ExamBuilder()
    if progress is not None:
        progress.phase("importing", len(index.exams))
    for entry in index.exams:
        exam, errors = index.build(builder, entry)
        yield Outcome(entry.order, exam, None, errors or None)
        if progress is not None:
            progress.update(entry.order + 1)


def assessments(
    index: FileIndex, protocols: Protocols, progress: Progress | None = None
) -> Iterator[Outcome]:
    """Each exam validated and assessed, a patient at a time (in order of their first exam)."""
    assert index.shape is not None
    builder, finish = ExamBuilder(), index.finish
    done = 0
    if progress is not None:
        progress.phase("assessing", len(index.exams))
    for group in index.patients():
        raw = [(entry.order, entry.exam_id, index.raw_rows_of(entry)) for entry in group]
        yield from assess_group(raw, protocols, builder, index.shape, finish)
        done += len(group)
        if progress is not None:
            progress.update(done)


def assess_group(
    group: list[tuple[int, str, list[RawRow]]],
    protocols: Protocols,
    builder: ExamBuilder,
    shape: RowShape,
    finish: Callable[[int, int, list[str]], dict[str, Any]],
) -> list[Outcome]:
    """One patient's exams (``order, exam_id, raw rows``) validated and assessed together.

    :func:`evaluate_all` orders the patient's exams by date once and finds each exam's previous
    exam and episode by bisecting that order (:func:`neuroexam.core.serial.links`)."""
    outcomes: list[Outcome] = []
    for order, exam_id, rows in group:
        exam, errors = builder.build_raw(exam_id, rows, shape, finish)
        outcomes.append(Outcome(order, exam, None, errors or None))
    valid = [o for o in outcomes if o.exam is not None]
    kept = [o for o in valid if not o.voided]
    results = evaluate_all([o.exam for o in valid if o.exam is not None], protocols)
    for outcome, assessment in zip(kept, results, strict=True):
        outcome.assessment = assessment
    return outcomes


# ------------------------------------------------------------------ output in file order

_EXAM, _ERRORS, _SKIPPED = 1, 2, 3


class Fragments:
    """Rendered text per exam, kept in a spill file and written out in exam order.

    Each exam contributes one fragment of one kind (its assessment, its errors, or its skip);
    :meth:`of_kind` yields them back one kind at a time, in exam order.
    """

    def __init__(self, exams: int) -> None:
        self._kind = array("b", bytes(exams))
        self._start = array("q", bytes(8 * exams))
        self._size = array("q", bytes(8 * exams))
        self._spill: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._end = 0

    def close(self) -> None:
        self._spill.close()

    def put(self, order: int, kind: int, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        self._kind[order] = kind
        self._start[order] = self._end
        self._size[order] = len(data)
        self._spill.write(data)
        self._end += len(data)

    def of_kind(self, kind: int) -> Iterator[str]:
        """The fragments of one kind, in exam order."""
        self._spill.flush()
        kinds, starts, sizes = self._kind, self._start, self._size
        for order in range(len(kinds)):
            if kinds[order] == kind:
                self._spill.seek(starts[order])
                yield self._spill.read(sizes[order]).decode("utf-8", "surrogatepass")


class Renderer(Protocol):
    """How ``assess`` shows its results (the JSON document or the readable report): each
    item rendered on its own, items joined by :attr:`separator`."""

    separator: str

    def exam(self, assessment: Assessment, exam: Exam | None = None) -> str: ...

    def error(self, error: RowError) -> str: ...

    def skipped(self, entry: dict[str, str]) -> str: ...

    def write(
        self,
        out: IO[str],
        exams: Iterator[str],
        errors: Iterator[str],
        skipped: Iterator[str],
    ) -> None: ...


#: One rendered exam: its order in the file, its kind (:data:`_EXAM`, :data:`_ERRORS`,
#: :data:`_SKIPPED`) and its text.
Rendered = tuple[int, int, str]


def render(
    outcome: Outcome, renderer: Renderer, skip_entry: Callable[[Exam], dict[str, str]]
) -> Rendered | None:
    """One outcome as the renderer writes it (None: nothing to write for it)."""
    if outcome.errors:
        text = renderer.separator.join(renderer.error(e) for e in outcome.errors)
        return outcome.order, _ERRORS, text
    if outcome.assessment is not None:
        return outcome.order, _EXAM, renderer.exam(outcome.assessment, outcome.exam)
    if outcome.exam is not None and outcome.voided:
        return outcome.order, _SKIPPED, renderer.skipped(skip_entry(outcome.exam))
    return None


def write_sorted(
    index: FileIndex,
    rendered: Iterable[Rendered],
    renderer: Renderer,
    out: IO[str],
) -> bool:
    """Keep every rendered exam, then write the whole output in file order; True when some
    exam was an error."""
    fragments = Fragments(len(index.exams))
    failed = bool(index.empty_id_lines)
    try:
        for order, kind, text in rendered:
            failed = failed or kind == _ERRORS
            fragments.put(order, kind, text)
        leading = (renderer.error(e) for e in index.leading_errors)
        renderer.write(
            out,
            fragments.of_kind(_EXAM),
            _chain(leading, fragments.of_kind(_ERRORS)),
            fragments.of_kind(_SKIPPED),
        )
    finally:
        fragments.close()
    return failed


# ------------------------------------------------------------------ worker processes

#: Files of fewer exams are assessed in this process (starting workers costs more).
PARALLEL_FROM = 5_000
#: Exams handed to a worker process at a time (whole patients: a batch may hold more).
BATCH_EXAMS = 500


def rendered_exams(
    index: FileIndex,
    protocols: Protocols,
    renderer: Renderer,
    skip_entry: Callable[[Exam], dict[str, str]],
    progress: Progress | None = None,
    workers: int | None = None,
) -> Iterator[Rendered]:
    """Every exam of the file assessed and rendered, a patient at a time; by ``workers``
    processes (default: one per CPU for files of :data:`PARALLEL_FROM` exams or more), each
    handed whole patients as their spill records. Same texts, whichever."""
    assert index.shape is not None
    if workers is None:
        workers = default_workers() if len(index.exams) >= PARALLEL_FROM else 1
    if workers <= 1:
        for outcome in assessments(index, protocols, progress):
            item = render(outcome, renderer, skip_entry)
            if item is not None:
                yield item
        return
    if progress is not None:
        progress.phase("assessing", len(index.exams))
    done = 0
    setup = (protocols, index.shape, renderer, skip_entry)
    for count, items in ordered_map(_render_batch, _batches(index), workers, _init, setup):
        yield from items
        done += count
        if progress is not None:
            progress.update(done)


#: A batch for a worker: patients, each a list of its exams' ``order, exam_id, spill records``.
_Batch = list[list[tuple[int, str, bytes]]]


def _batches(index: FileIndex) -> Iterator[_Batch]:
    batch: _Batch = []
    size = 0
    for group in index.patients():
        batch.append([(e.order, e.exam_id, index.spilled(e)) for e in group])
        size += len(group)
        if size >= BATCH_EXAMS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


#: What a worker process renders with, set by :func:`_init`.
_setup: dict[str, Any] = {}


def _init(
    protocols: Protocols,
    shape: RowShape,
    renderer: Renderer,
    skip_entry: Callable[[Exam], dict[str, str]],
) -> None:
    _setup.update(
        protocols=protocols,
        shape=shape,
        finish=shape.finisher(),
        renderer=renderer,
        skip_entry=skip_entry,
        builder=ExamBuilder(),
    )


def _render_batch(batch: _Batch) -> tuple[int, list[Rendered]]:
    """A worker's part: each patient of the batch assessed and rendered; returns how many
    exams it held and the rendered ones."""
    setup = _setup
    out: list[Rendered] = []
    for group in batch:
        raw = [(order, exam_id, decode_spill(data)) for order, exam_id, data in group]
        outcomes = assess_group(
            raw, setup["protocols"], setup["builder"], setup["shape"], setup["finish"]
        )
        for outcome in outcomes:
            item = render(outcome, setup["renderer"], setup["skip_entry"])
            if item is not None:
                out.append(item)
    return sum(len(group) for group in batch), out


def _chain(first: Iterator[str], then: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from then
