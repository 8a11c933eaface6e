"""Reads of many exams at once in PostgreSQL: filters, export streams, patients' exams.

Orders match the SQLite store's: text compares by code point (``COLLATE "C"`` columns) and
a missing exam date sorts first going up and last going down, as in SQLite. Streams read
from a server-side cursor inside a ``REPEATABLE READ READ ONLY`` snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from neuroexam.records.backend import ExamFilter
from neuroexam.records.postgres.leases import PostgresLeases
from neuroexam.records.sql.dialect import pyformat
from neuroexam.records.sql.streaming import SqlStreaming, exam_filter
from neuroexam.records.sqlite.rows import EXAM_COLUMNS, exam_from_row

if TYPE_CHECKING:
    from neuroexam.core.models import Exam


def filter_sql(where: ExamFilter | None) -> tuple[str, tuple]:
    """``WHERE …`` over ``exams e`` (empty when nothing is restricted) and its parameters;
    the same choice of exams as the SQLite store's filter. An instant is compared as one: a
    date recorded without an offset is UTC (the session's time zone)."""
    clause, params = exam_filter(where, "e.exam_date::timestamptz {op} ?::timestamptz")
    return pyformat(clause), params


class PostgresStreaming(PostgresLeases, SqlStreaming):
    """Exams in export order, in batches, and the exams of given patients (what both
    backends read alike is :class:`~neuroexam.records.sql.streaming.SqlStreaming`)."""

    _DATE_ASC = "exam_date NULLS FIRST"  # as in SQLite
    _DESC = "DESC NULLS LAST"  # as in SQLite
    _NO_LIMIT = None  # LIMIT NULL: every row
    _filter = staticmethod(filter_sql)

    def iter_finding_rows(
        self, where: ExamFilter | None = None, batch_size: int = 20_000, *, notes: bool = True
    ) -> Iterator[list[tuple]]:
        """Findings of the chosen exams as plain tuples ``(exam_id, test, site, side, grade,
        note, recorded_at)`` (texts as stored), in export order, ``batch_size`` at a time, from
        a server-side cursor; ``notes=False`` reads ``""`` and None for the last two."""
        clause, params = filter_sql(where)
        text = "f.note, f.recorded_at" if notes else "''::text, NULL::text"
        yield from self._stream(
            f"SELECT f.exam_id, f.test, f.site, f.side, f.grade, {text} "
            f"FROM exams e JOIN findings f ON f.exam_id = e.exam_id {clause} "
            "ORDER BY e.exam_date NULLS FIRST, e.exam_id, f.seq, f.test, f.site, f.side",
            params,
            batch_size,
        )

    def iter_exams(
        self, where: ExamFilter | None = None, batch_size: int = 20_000, *, notes: bool = True
    ) -> Iterator[Exam]:
        """The chosen exams with their findings, in export order, one at a time (one
        consistent state: both reads in one snapshot)."""
        if not self._in_snapshot:
            with self.snapshot() as snap:
                yield from snap.iter_exams(where, batch_size, notes=notes)
            return
        yield from super().iter_exams(where, batch_size, notes=notes)

    def exams_of_patients(
        self, patient_ids: Iterable[str], *, notes: bool = True
    ) -> dict[str, list[Exam]]:
        """Every exam (any mode or status, with findings) of these patients, by patient id,
        each list in date order."""
        ids = sorted({p for p in patient_ids if p})
        out: dict[str, list[Exam]] = {}
        if not ids:
            return out
        clause = "WHERE patient_id = ANY(%s)"
        rows = self._query(
            f"SELECT {EXAM_COLUMNS} FROM exams {clause} ORDER BY exam_date NULLS FIRST, exam_id",
            (ids,),
        )
        findings = self._findings_where(clause, (ids,), notes)
        for row in rows:
            out.setdefault(row[4], []).append(exam_from_row(row, findings.get(row[0], [])))
        return out
