"""Reads of many exams at once whose logic is the same in SQLite and PostgreSQL.

:class:`SqlStreaming` is mixed into each backend's streaming class after its connection
class; the backend gives its filter (:meth:`SqlStreaming._filter`: :func:`exam_filter` in its
own dialect), how a missing exam date sorts (:attr:`SqlStreaming._DATE_ASC`)
and its stream of findings (:meth:`SqlStreaming.iter_finding_rows`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from neuroexam.records.backend import ExamFilter
from neuroexam.records.sqlite.rows import (
    E_COLUMNS,
    EXAM_COLUMNS,
    exam_from_row,
    finding_from_row,
)

if TYPE_CHECKING:
    from neuroexam.core.models import Exam, Finding


def exam_filter(where: ExamFilter | None, instant: str) -> tuple[str, tuple]:
    """``WHERE …`` over ``exams e`` (empty when nothing is restricted) and its parameters, in
    SQLite's parameter style. ``instant`` compares the exam's date with a bound that has an
    offset: a format with ``{op}`` (``>=`` or ``<=``) and one ``?`` for the bound's ISO text."""
    where = where or ExamFilter()
    parts: list[str] = []
    params: list[object] = []
    if where.patient_id is not None:
        parts.append("e.patient_id = ?")
        params.append(where.patient_id)
    if where.mode is not None:
        parts.append("e.mode = ?")
        params.append(where.mode.value)
    allowed = ["complete"]
    if where.include_unfinished:
        allowed.append("in_progress")
    if where.include_voided:
        allowed.append("voided")
    if len(allowed) < 3:
        parts.append(f"e.status IN ({', '.join(repr(s) for s in allowed)})")
    if where.statuses:
        parts.append(f"e.status IN ({', '.join('?' * len(where.statuses))})")
        params += [s.value for s in where.statuses]
    for bound, op in ((where.since, ">="), (where.until, "<=")):
        if bound is None:
            continue
        if not isinstance(bound, datetime):
            parts.append(f"substr(e.exam_date, 1, 10) {op} ?")
            params.append(bound.isoformat())
        elif bound.tzinfo is None:
            parts.append(f"substr(e.exam_date, 1, 19) {op} ?")
            params.append(bound.isoformat(timespec="seconds"))
        else:
            parts.append(instant.format(op=op))
            params.append(bound.isoformat())
    return (f"WHERE {' AND '.join(parts)}" if parts else ""), tuple(params)


class SqlStreaming:
    """Exams in export order and the findings of chosen exams, as both backends read them."""

    #: ``exam_date`` sorted ascending with a missing date first (as SQLite sorts NULL).
    _DATE_ASC: ClassVar[str]
    #: Descending with a missing value last (as SQLite sorts NULL).
    _DESC: ClassVar[str]
    #: The ``LIMIT`` that keeps every row.
    _NO_LIMIT: ClassVar[int | None]

    if TYPE_CHECKING:

        @staticmethod
        def _sql(sql: str) -> str: ...

        def _query(self, sql: str, params: tuple = ()) -> list[tuple]: ...

        def _filter(self, where: ExamFilter | None) -> tuple[str, tuple]: ...

        def iter_finding_rows(
            self, where: ExamFilter | None = None, batch_size: int = 20_000, *, notes: bool = True
        ) -> Iterator[list[tuple]]: ...

    def _findings_where(
        self, clause: str, params: tuple, notes: bool = True
    ) -> dict[str, list[Finding]]:
        """Findings of the exams selected by ``clause`` (over ``exams``), by exam, in order;
        ``notes=False``: without notes and times, equal findings one shared object."""
        out: dict[str, list[Finding]] = {}
        text = "f.note, f.recorded_at" if notes else "'', NULL"
        rows = self._query(
            f"SELECT f.exam_id, f.test, f.site, f.side, f.grade, {text} "
            f"FROM exams JOIN findings f ON f.exam_id = exams.exam_id {clause} "
            "ORDER BY f.exam_id, f.seq, f.test, f.site, f.side",
            params,
        )
        shared: dict[tuple, Finding] = {}
        for row in rows:
            if notes:
                finding = finding_from_row(row)
            else:
                finding = shared.get(row[1:5]) or shared.setdefault(row[1:5], finding_from_row(row))
            out.setdefault(row[0], []).append(finding)
        return out

    def count_exams(self, where: ExamFilter | None = None) -> int:
        clause, params = self._filter(where)
        return int(self._query(f"SELECT count(*) FROM exams e {clause}", params)[0][0])

    def exam_rows(self, where: ExamFilter | None = None) -> list[tuple]:
        """The chosen exams as plain tuples (the values of ``EXAM_COLUMNS`` as stored),
        without findings, in export order (date, then id)."""
        clause, params = self._filter(where)
        return self._query(
            f"SELECT {E_COLUMNS} FROM exams e {clause} ORDER BY e.{self._DATE_ASC}, e.exam_id",
            params,
        )

    def iter_exams(
        self, where: ExamFilter | None = None, batch_size: int = 20_000, *, notes: bool = True
    ) -> Iterator[Exam]:
        """The chosen exams with their findings, in export order, one at a time.

        Two streamed queries (exams, then their findings in the same order) merged as they
        come: call it on a :meth:`snapshot` when the records may change meanwhile.
        ``notes=False`` leaves out notes and entry times (what evaluation needs, faster): equal
        findings are then one shared object, to be read, not changed.
        """
        heads = self.exam_rows(where)
        at = {row[0]: i for i, row in enumerate(heads)}
        shared: dict[tuple, Finding] = {}
        current = 0
        findings: list[Finding] = []
        for batch in self.iter_finding_rows(where, batch_size, notes=notes):
            for row in batch:
                i = at.get(row[0], -1)
                if i < current:  # not one of the chosen exams (cannot happen in a snapshot)
                    continue
                while current < i:
                    yield exam_from_row(heads[current], findings)
                    current, findings = current + 1, []
                if notes:
                    findings.append(finding_from_row(row))
                else:
                    key = row[1:5]
                    if key not in shared:
                        shared[key] = finding_from_row(row)
                    findings.append(shared[key])
        while current < len(heads):
            yield exam_from_row(heads[current], findings)
            current, findings = current + 1, []

    def serial_heads(
        self, where: ExamFilter | None = None
    ) -> list[tuple[str, str, str, bool, str, str, str]]:
        """``(exam_id, patient_id, exam_date text, has a trunci cut-off, species, status,
        patient_name)`` for every exam (any mode or status) of the patients of the chosen
        exams, in store order (date, then id): what serial comparison
        (:mod:`neuroexam.core.serial`) needs to find each exam's previous exam."""
        clause, params = self._filter(where)
        rows = self._query(
            "SELECT x.exam_id, x.patient_id, x.exam_date, EXISTS (SELECT 1 FROM findings f "
            "WHERE f.exam_id = x.exam_id AND f.test = 'cutaneous_trunci' "
            "AND f.grade <> 'not_tested'), x.species, x.status, x.patient_name "
            "FROM exams x WHERE x.patient_id <> '' "
            f"AND x.patient_id IN (SELECT e.patient_id FROM exams e {clause}) "
            f"ORDER BY x.{self._DATE_ASC}, x.exam_id",
            params,
        )
        return [(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6]) for r in rows]

    def patient_exams(
        self, patient_id: str, *, limit: int | None = None, offset: int = 0
    ) -> list[Exam]:
        """One patient's exams (any mode or status, with findings), newest first, a page at a
        time; with the patient index this costs the same whatever the size of the records."""
        page = self._sql(
            "SELECT exam_id FROM exams WHERE patient_id = ? "
            f"ORDER BY exam_date {self._DESC}, exam_id DESC LIMIT ? OFFSET ?"
        )
        params = (patient_id, self._NO_LIMIT if limit is None else limit, offset)
        rows = self._query(
            f"SELECT {EXAM_COLUMNS} FROM exams WHERE exam_id IN ({page}) "
            f"ORDER BY exam_date {self._DESC}, exam_id DESC",
            params,
        )
        findings = self._findings_where(f"WHERE exams.exam_id IN ({page})", params)
        return [exam_from_row(row, findings.get(row[0], [])) for row in rows]
