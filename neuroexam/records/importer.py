"""``neuroexam import``: exams from a findings CSV (FORMAT.md §2) into the store.

The file is read and validated exactly as ``assess`` reads it, exam by exam
(:mod:`neuroexam.records.stream`): a bad row makes its whole exam an error, the
other exams go in. Each exam is written in one transaction (all of it or nothing); an exam
whose ``exam_id`` is already in the records is skipped and reported, never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from neuroexam.core.models import Exam
from neuroexam.core.text import safe_text
from neuroexam.records.backend import RecordStore, StoreError
from neuroexam.records.csvio import RowError, require_regular_file
from neuroexam.records.parallel import batch_gc
from neuroexam.records.stream import Progress, SourceChanged, exams, index_file


@dataclass
class ImportReport:
    path: Path
    #: ``(exam_id, number of findings)`` of each exam written.
    imported: list[tuple[str, int]] = field(default_factory=list)
    #: Exam ids already in the records (left as they were).
    skipped: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Why writing stopped (disk full, read-only records, the file changed while it was read),
    #: when it did.
    store_error: str | None = None

    @property
    def exit_status(self) -> int:
        """As for ``assess``: 2 when the records could not be written, 1 when some exam was
        bad, 0 otherwise (skipped exams are not errors: importing a file twice is harmless)."""
        if self.store_error:
            return 2
        return 1 if self.errors else 0

    def render(self) -> str:
        """The report as lines of text; ids, the path and messages from the file are shown
        with their control characters escaped (:func:`neuroexam.core.text.safe_text`)."""
        findings = sum(n for _, n in self.imported)
        exams = len(self.imported)
        lines = [
            f"Imported {exams} exam{'' if exams == 1 else 's'} "
            f"({findings} finding{'' if findings == 1 else 's'}) from {safe_text(self.path)}"
        ]
        if self.skipped:
            n = len(self.skipped)
            lines.append(
                f"Skipped {n} exam{'' if n == 1 else 's'} already in the records: "
                + ", ".join(map(safe_text, self.skipped))
            )
        if self.errors:
            ids = dict.fromkeys(e.exam_id or "?" for e in self.errors)
            bad = ", ".join(map(safe_text, ids))
            lines.append(f"Errors (these exams were not imported: {bad}):")
            lines += [
                f"  line {e.row}: exam {safe_text(e.exam_id or '?')}: {safe_text(e.message)}"
                for e in self.errors
            ]
        if self.store_error:
            lines.append(
                f"Stopped: {safe_text(self.store_error)}; the exams listed above were imported"
            )
        return "\n".join(lines)


def import_file(
    store: RecordStore, path: Path, by: str | None = None, progress: Progress | None = None
) -> ImportReport:
    """Import every valid exam of ``path``; raises ``CsvInputError`` when the file is unusable
    (found by reading it through once, before the first exam is written).

    Exams are then validated one at a time, in the order of their first row
    (:mod:`neuroexam.records.stream`: memory bounded by one exam), and written whole with
    ``imported`` trail rows naming the file (``by``: who imports, default the operating-system
    user), :data:`BATCH_EXAMS` to a transaction (:func:`_write`): an exam is reported imported
    only once its transaction committed."""
    if by is None:
        import getpass

        try:
            by = getpass.getuser()
        except (KeyError, OSError):  # no user name for this uid (a container)
            by = ""
    require_regular_file(Path(path))  # read more than once: no pipe
    if _is_audit_layout(Path(path)):
        return _import_trails(store, Path(path), by)
    source = Path(path).name
    with batch_gc(), index_file(Path(path), progress) as index:
        report = ImportReport(Path(path), errors=index.leading_errors)
        batch: list[Exam] = []
        stopped = None
        try:
            for outcome in exams(index, progress):
                exam = outcome.exam
                if outcome.errors:
                    report.errors.extend(outcome.errors)
                    continue
                if exam is None or report.store_error:
                    continue  # after a store error: the rest is only read, for its errors
                try:
                    if store.has_exam(exam.exam_id):
                        report.skipped.append(exam.exam_id)
                        continue
                except StoreError as exc:
                    report.store_error = str(exc)
                    continue
                batch.append(exam)
                if len(batch) >= BATCH_EXAMS:
                    _write(store, batch, by, source, report)
                    batch = []
        except SourceChanged as exc:  # the exams read before it are whole: they are written
            stopped = str(exc)
        if batch and not report.store_error:
            _write(store, batch, by, source, report)
        if stopped is not None and not report.store_error:
            report.store_error = stopped
    return report


#: Exams written per transaction: one commit (and disk sync) per batch, not per exam.
BATCH_EXAMS = 200


def _write(
    store: RecordStore, batch: list[Exam], by: str, source: str, report: ImportReport
) -> None:
    """Write a batch in one transaction; when it fails, exam by exam (each in its own), so that
    an exam another program wrote meanwhile is skipped and a real failure stops the import
    with every exam before it written whole."""
    try:
        store.import_exams(batch, by=by, source=source)
    except StoreError:
        pass
    else:
        report.imported.extend((exam.exam_id, len(exam.findings)) for exam in batch)
        return
    for exam in batch:
        if report.store_error:
            return
        try:
            store.import_exam(exam, by=by, source=source)
        except StoreError as exc:
            if _present(store, exam.exam_id):  # written meanwhile by another program
                report.skipped.append(exam.exam_id)
                continue
            report.store_error = str(exc)
            continue
        report.imported.append((exam.exam_id, len(exam.findings)))


def _present(store: RecordStore, exam_id: str) -> bool:
    try:
        return store.has_exam(exam_id)
    except StoreError:
        return False


def _is_audit_layout(path: Path) -> bool:
    """Whether the file starts with the audit layout's header (FORMAT.md §5)."""
    from neuroexam.records.audit_import import is_audit_header

    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            for _ in range(50):
                line = handle.readline(4096)
                if not line:
                    return False
                if line.strip():
                    return is_audit_header(line)
    except (OSError, ValueError):
        return False  # the findings reader names the problem
    return False


def _import_trails(store: RecordStore, path: Path, by: str) -> ImportReport:
    """Exams rebuilt from an audit-trail export, each with its trail as it was."""
    from neuroexam.records.audit_import import read_trails, rebuild

    trails, first_line, errors = read_trails(path)
    report = ImportReport(path, errors=errors)
    for exam_id, exam, rows, why in rebuild(trails):
        if exam is None:
            report.errors.append(RowError(exam_id, first_line[exam_id], why))
            continue
        try:
            if store.has_exam(exam_id):
                report.skipped.append(exam_id)
                continue
            store.import_trail(exam, rows, by=by, source=path.name)
        except StoreError as exc:
            if _present(store, exam_id):
                report.skipped.append(exam_id)
                continue
            report.store_error = str(exc)
            break
        report.imported.append((exam_id, len(exam.findings)))
    return report
