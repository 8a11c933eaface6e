"""``neuroexam export`` and the TUI's export: the records as a FORMAT.md CSV, streamed.

- Findings layout (FORMAT.md §2): rows come straight from SQLite in export order (exam date,
  exam id, then entry order), a batch at a time, as plain tuples; pandas writes each batch. No
  model is built per finding; breed names are looked up once per (breed, species).
- Summary layout (FORMAT.md §3): every exam is evaluated with
  :func:`neuroexam.core.rules.evaluate`, given the exam it is compared with (the patient's most
  recent earlier exam with a trunci cut-off, any mode or status, found from the dates first), so
  its flags are those of the summary screen and of ``assess`` on the whole findings export.

Both read one consistent state of the records (:meth:`Store.snapshot`) and write a file under
a temporary name, renamed into place only when complete. pandas is imported inside functions.
"""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from neuroexam.records.audit import AUDIT_COLUMNS, at_text
from neuroexam.records.backend import ExamFilter
from neuroexam.records.backend import RecordStore as Store
from neuroexam.records.formats import (
    FINDINGS_COLUMNS,
    NEEDS_QUOTES,
    SUMMARY_COLUMNS,
    csv_cell,
    csv_line,
    neutralise,
)
from neuroexam.records.paths import private_file_open
from neuroexam.records.summary_rows import stored_exam_cells, stored_iso_seconds

if TYPE_CHECKING:
    from neuroexam.core.protocol import Protocols

#: ``progress(exams written, exams in the export)``; it may raise to stop the export.
Progress = Callable[[int, int], None]

#: Findings read from SQLite (and written by pandas) per batch.
BATCH_ROWS = 50_000
#: Summary rows written per batch.
BATCH_EXAMS = 2_000


class Layout(StrEnum):
    FINDINGS = "findings"
    SUMMARY = "summary"
    AUDIT = "audit"


@dataclass(frozen=True)
class ExportResult:
    layout: Layout
    exams: int
    rows: int


WHEN_HELP = "an ISO date (2026-03-01) or date and time (2026-03-01T09:00, optionally +01:00)"


def parse_when(text: str) -> date:
    """A ``--since``/``--until`` value: a :class:`date` (the whole day) or a datetime.

    Raises ``ValueError`` saying what is expected.
    """
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected {WHEN_HELP}, got {text!r}") from None


def export_csv(
    store: Store,
    out: Path | TextIO,
    where: ExamFilter,
    layout: Layout = Layout.FINDINGS,
    protocols: Protocols | None = None,
    progress: Progress | None = None,
    bom: bool = False,
    workers: int | None = None,
) -> ExportResult:
    """Write the exams chosen by ``where`` to ``out`` (a path or a text stream).

    A path is written under a temporary name in the same folder and renamed when complete, so
    an export that fails (or is stopped by ``progress``) leaves no half file. ``bom`` starts the
    file with a UTF-8 byte-order mark (how Excel recognises UTF-8). ``workers``: processes
    that evaluate a summary export (default: one per CPU, up to 8, from
    :data:`PARALLEL_FROM` exams; 1 evaluates in this process).
    """
    from neuroexam.core.protocol import shipped

    protocols = protocols or shipped()
    with store.snapshot() as snap, _output(out) as handle:
        if bom:
            handle.write("\ufeff")
        if layout is Layout.SUMMARY:
            return _write_summary(store, snap, where, handle, protocols, progress, workers)
        if layout is Layout.AUDIT:
            return _write_audit(snap, where, handle, progress)
        return _write_findings(snap, where, handle, protocols, progress)


@contextmanager
def _output(out: Path | TextIO) -> Iterator[TextIO]:
    if not isinstance(out, str | os.PathLike):
        yield out
        return
    path = Path(out)
    if path.exists() and not path.is_file():  # a device or pipe: write into it directly
        with path.open("w", encoding="utf-8", newline="") as handle:
            yield handle
        return
    sweep_partials(path.parent)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        # 0600 whatever the umask: the file holds patient records (os.replace keeps the mode)
        with private_file_open(partial, encoding="utf-8", newline="") as handle:
            yield cast(TextIO, handle)
        os.replace(partial, path)
    finally:  # on any failure, even an interrupt, no partial file stays behind
        partial.unlink(missing_ok=True)


#: ``.<name>.<pid>.partial``: how :func:`export_csv` names a file it is still writing.
_PARTIAL = re.compile(r"\..+\.(\d+)\.partial")
#: A partial file of a summary or findings export starts with this (after a byte-order mark).
_EXPORT_START = (b"exam_id,", "\ufeffexam_id,".encode())
#: Without a way to ask whether a process runs (Windows), a partial file this old is stale.
_STALE_SECONDS = 24 * 3600


def sweep_partials(folder: Path) -> list[Path]:
    """Remove the partial files that exports killed before they could clean up (``kill -9``,
    power loss) left in ``folder``; returns them.

    Only files of this program are removed: named ``.<name>.<pid>.partial``, owned by this
    user, empty or starting like an export (``exam_id,``), and whose process has ended.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _PARTIAL.fullmatch(entry.name)
        if match is None or int(match.group(1)) == os.getpid():
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or _running(int(match.group(1)), info.st_mtime):
                continue
            if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
                continue
            with open(entry.path, "rb") as handle:
                head = handle.read(16)
            if not any(head.startswith(s) or s.startswith(head) for s in _EXPORT_START):
                continue  # not an export's beginning (an empty file is one)
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def _running(pid: int, mtime: float) -> bool:
    """Whether the export that writes a partial file may still be running."""
    if os.name != "posix":
        import time

        return time.time() - mtime < _STALE_SECONDS
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process, or no such pid
        return True
    return True


def _frame(data: Any, names: tuple[str, ...]) -> Any:
    """Text cells as they are (``object``: nothing converted, nothing inferred)."""
    import pandas as pd

    return pd.DataFrame(data, columns=list(names), dtype=object)


def _to_csv(block: Any, handle: TextIO, header: bool) -> None:
    """Write a block of rows: a DataFrame, or text already encoded (``header`` is then part
    of the text). Every layout writes through here, one block at a time."""
    if isinstance(block, str):
        handle.write(block)
        return
    block.to_csv(handle, index=False, header=header, lineterminator="\r\n")


def _header(handle: TextIO, names: tuple[str, ...]) -> None:
    _to_csv(_frame([], names), handle, header=True)


def _write_findings(
    snap: Store,
    where: ExamFilter,
    handle: TextIO,
    protocols: Protocols,
    progress: Progress | None,
) -> ExportResult:
    """Rows straight from the store, a batch at a time: each exam's 12 leading and 4 trailing
    cells are encoded once, each distinct (test, site, side, grade) once; a row is then one
    join of pre-encoded pieces with its note and time. The bytes are those of
    ``DataFrame.to_csv`` (RFC 4180 quoting, CRLF), which this replaced."""
    from neuroexam.core.models import Species
    from neuroexam.core.rules import breed_index

    breeds = breed_index(protocols)
    names: dict[tuple[str, str], str] = {}
    leads: dict[str, str] = {}  # exam id: its cells up to ``signs``, and a comma
    tails: dict[str, str] = {}  # exam id: ``,status,signed_by,signed_at,exam_note`` CRLF
    position: dict[str, int] = {}
    for i, row in enumerate(snap.exam_rows(where)):
        key = (row[7], row[6])  # breed, species
        if key not in names:
            names[key] = breeds.lookup(key[0], Species(key[1])).name
        exam_id = row[0]
        leads[exam_id] = ",".join(map(csv_cell, stored_exam_cells(row, names[key]))) + ","
        status, signed_by, signed_at, note = (
            row[12] or "",
            neutralise(row[14] or ""),
            stored_iso_seconds(row[15]),
            neutralise(row[16] or ""),
        )
        tails[exam_id] = "," + csv_line((status, signed_by, signed_at, note))
        position[exam_id] = i
    total, rows = len(leads), 0
    header = csv_line(FINDINGS_COLUMNS)
    middles: dict[str, str] = {}  # test, site, side and grade joined by \x1f: encoded cells
    quoted = NEEDS_QUOTES
    for batch in _finding_keys(snap, where):
        lines = [header] if header else []
        append = lines.append
        current, lead, tail = "", "", ""
        for exam_id, finding, note, recorded in batch:
            if exam_id != current:
                current, lead, tail = exam_id, leads[exam_id], tails[exam_id]
            middle = middles.get(finding)
            if middle is None:
                cells = finding.split("\x1f")
                middle = middles[finding] = ",".join(map(csv_cell, cells)) + ","
            note = csv_cell(neutralise(note)) if note else ""
            if recorded:  # to the second, as recorded (``stored_iso_seconds``)
                if recorded[19:20] == ".":
                    recorded = recorded[:19] + recorded[26:]
                if quoted(recorded) is not None:
                    recorded = csv_cell(recorded)
            else:
                recorded = ""
            append(f"{lead}{middle}{note},{recorded}{tail}")
        _to_csv("".join(lines), handle, header=bool(header))
        header = ""
        rows += len(batch)
        if progress is not None:
            progress(position[current] + 1, total)
    if header:  # no finding at all: the header alone
        _to_csv(header, handle, header=True)
    if progress is not None:
        progress(total, total)
    return ExportResult(Layout.FINDINGS, total, rows)


def _finding_keys(snap: Store, where: ExamFilter) -> Iterator[list[tuple]]:
    """``(exam_id, "test\x1fsite\x1fside\x1fgrade", note, recorded_at)`` batches in export
    order: from the backend when it offers them (SQLite), else from its finding rows."""
    keyed = getattr(snap, "iter_finding_keys", None)
    if keyed is not None:
        yield from keyed(where, BATCH_ROWS)
        return
    for batch in snap.iter_finding_rows(where, BATCH_ROWS):
        yield [(r[0], "\x1f".join(r[1:5]), r[5], r[6]) for r in batch]


def _write_audit(
    snap: Store, where: ExamFilter, handle: TextIO, progress: Progress | None
) -> ExportResult:
    """FORMAT.md §5: every trail row of the chosen exams (every status), oldest first."""
    total = snap.count_exams(replace(where, include_voided=True))
    exams: set[str] = set()
    rows, wrote_header = 0, False
    for batch in snap.iter_audit_rows(where, BATCH_ROWS):
        cells = [
            [neutralise(c) for c in row[:2]] + [at_text(row[2])] + [neutralise(c) for c in row[3:]]
            for row in batch
        ]
        exams.update(row[0] for row in batch)
        _to_csv(_frame(cells, AUDIT_COLUMNS), handle, header=not wrote_header)
        wrote_header = True
        rows += len(batch)
        if progress is not None:
            progress(min(len(exams), total), total)
    if not wrote_header:
        _header(handle, AUDIT_COLUMNS)
    if progress is not None:
        progress(total, total)
    return ExportResult(Layout.AUDIT, len(exams), rows)


def _write_summary(
    store: Store,
    snap: Store,
    where: ExamFilter,
    handle: TextIO,
    protocols: Protocols,
    progress: Progress | None,
    workers: int | None,
) -> ExportResult:
    """FORMAT.md §3 from the stored assessments (:mod:`neuroexam.records.assessments`): the
    missing or stale ones are computed first, with each patient's whole history, and stored."""
    from neuroexam.core.models import Species
    from neuroexam.core.rules import breed_index
    from neuroexam.records.assessments import summary_cells

    exams = snap.exam_rows(where)
    total = len(exams)
    cells = summary_cells(
        store,
        snap,
        where,
        [row[0] for row in exams],
        protocols,
        progress,
        workers=_workers(total, workers),
        batch_exams=CHUNK_EXAMS,
    )
    breeds = breed_index(protocols)
    names: dict[tuple[str, str], str] = {}
    lines = [csv_line(SUMMARY_COLUMNS)]
    for done, row in enumerate(exams, start=1):
        key = (row[7], row[6])  # breed, species
        if key not in names:
            names[key] = breeds.lookup(key[0], Species(key[1])).name
        head = stored_exam_cells(row, names[key])
        head[11] = neutralise(";".join(s for s in (row[11] or "").split(";") if s))  # signs
        tail = (row[12] or "", neutralise(row[14] or ""), stored_iso_seconds(row[15]))
        lines.append(
            f"{','.join(map(csv_cell, head))},{cells[row[0]]},{','.join(map(csv_cell, tail))}\r\n"
        )
        if done % BATCH_EXAMS == 0:  # (progress was reported while assessments were read)
            _to_csv("".join(lines), handle, header=done == BATCH_EXAMS)
            lines = []
    _to_csv("".join(lines), handle, header=total < BATCH_EXAMS)
    if progress is not None:
        progress(total, total)
    return ExportResult(Layout.SUMMARY, total, total)


#: Summary exports with this many exams or more compute missing assessments in worker
#: processes.
PARALLEL_FROM = 5_000
#: Exams given to a worker process at a time (and stored per transaction).
CHUNK_EXAMS = 500


def _workers(total: int, workers: int | None) -> int:
    if workers is not None:
        return max(1, workers)
    if total < PARALLEL_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def export_text(
    store: Store,
    where: ExamFilter,
    layout: Layout = Layout.FINDINGS,
    protocols: Protocols | None = None,
) -> str:
    """The export as a string (tests, small exports)."""
    buffer = io.StringIO(newline="")
    export_csv(store, buffer, where, layout, protocols)
    return buffer.getvalue()
