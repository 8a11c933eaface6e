"""Reads of many exams at once in SQLite: filters, export streams, patients' exams."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING

from neuroexam.records.backend import ExamFilter
from neuroexam.records.sqlite.connection import explain
from neuroexam.records.sqlite.leases import SqliteLeases
from neuroexam.records.sqlite.rows import E_COLUMNS, EXAM_COLUMNS, exam_from_row, finding_from_row

if TYPE_CHECKING:
    from neuroexam.core.models import Exam, Finding


def filter_sql(where: ExamFilter | None) -> tuple[str, tuple]:
    """``WHERE …`` over ``exams e`` (empty when nothing is restricted) and its parameters."""
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
            parts.append(f"julianday(e.exam_date) {op} julianday(?)")
            params.append(bound.isoformat())
    return (f"WHERE {' AND '.join(parts)}" if parts else ""), tuple(params)


def _in_order(where: ExamFilter | None) -> str:
    """Walk the exams in export order unless one patient is chosen: otherwise a status or
    mode filter leads SQLite to its index and to sorting every finding of the export at
    once (minutes and memory for millions of rows) instead of each exam's few."""
    if where is not None and where.patient_id is not None:
        return ""
    return "INDEXED BY exams_in_order"


class SqliteStreaming(SqliteLeases):
    """Exams in export order, in batches, and the exams of given patients."""

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
        clause, params = filter_sql(where)
        return int(self._query(f"SELECT count(*) FROM exams e {clause}", params)[0][0])

    def exam_rows(self, where: ExamFilter | None = None) -> list[tuple]:
        """The chosen exams as plain tuples (the values of ``EXAM_COLUMNS`` as stored),
        without findings, in export order (date, then id)."""
        clause, params = filter_sql(where)
        return self._query(
            f"SELECT {E_COLUMNS} FROM exams e {clause} ORDER BY e.exam_date, e.exam_id", params
        )

    def iter_finding_rows(
        self, where: ExamFilter | None = None, batch_size: int = 20_000, *, notes: bool = True
    ) -> Iterator[list[tuple]]:
        """Findings of the chosen exams as plain tuples ``(exam_id, test, site, side, grade,
        note, recorded_at)`` (texts as stored), in export order, ``batch_size`` at a time;
        ``notes=False`` reads ``""`` and None for the last two.

        Nothing is validated or turned into models: this is the export's fast path.
        """
        text = "f.note, f.recorded_at" if notes else "'', NULL"
        columns = f"f.test, f.site, f.side, f.grade, {text}"
        return self._findings_in_order(columns, where, batch_size)

    def iter_finding_keys(
        self, where: ExamFilter | None = None, batch_size: int = 20_000
    ) -> Iterator[list[tuple[str, str, str, str | None]]]:
        """As :meth:`iter_finding_rows`, with test, site, side and grade joined by ``\x1f``
        into one text: ``(exam_id, key, note, recorded_at)``. What the findings export looks
        its encoded cells up by; fewer values to build per row (about an eighth faster)."""
        return self._findings_in_order(
            "f.test || char(31) || f.site || char(31) || f.side || char(31) || f.grade, "
            "f.note, f.recorded_at",
            where,
            batch_size,
        )

    def _findings_in_order(
        self, columns: str, where: ExamFilter | None, batch_size: int
    ) -> Iterator[list[tuple]]:
        clause, params = filter_sql(where)
        try:
            cursor = self._db.execute(
                f"SELECT f.exam_id, {columns} "
                # CROSS JOIN: exams drive the loop (in index order), findings by primary key
                f"FROM exams e {_in_order(where)} CROSS JOIN findings f "
                f"ON f.exam_id = e.exam_id {clause} "
                "ORDER BY e.exam_date, e.exam_id, f.seq, f.test, f.site, f.side",
                params,
            )
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None
        try:
            while True:
                try:
                    batch = cursor.fetchmany(batch_size)
                except sqlite3.Error as exc:
                    raise explain(exc, self.path) from None
                if not batch:
                    return
                yield batch
        finally:
            with suppress(sqlite3.Error):  # the connection may be closed already
                cursor.close()

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
        clause, params = filter_sql(where)
        rows = self._query(
            "SELECT x.exam_id, x.patient_id, x.exam_date, EXISTS (SELECT 1 FROM findings f "
            "WHERE f.exam_id = x.exam_id AND f.test = 'cutaneous_trunci' "
            "AND f.grade != 'not_tested'), x.species, x.status, x.patient_name "
            "FROM exams x WHERE x.patient_id != '' "
            f"AND x.patient_id IN (SELECT e.patient_id FROM exams e {clause}) "
            "ORDER BY x.exam_date, x.exam_id",
            params,
        )
        return [(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6]) for r in rows]

    def patient_exams(
        self, patient_id: str, *, limit: int | None = None, offset: int = 0
    ) -> list[Exam]:
        """One patient's exams (any mode or status, with findings), newest first, a page at a
        time; with the patient index this costs the same whatever the size of the records."""
        page = (
            "SELECT exam_id FROM exams WHERE patient_id = ? "
            "ORDER BY exam_date DESC, exam_id DESC LIMIT ? OFFSET ?"
        )
        params = (patient_id, -1 if limit is None else limit, offset)
        rows = self._query(
            f"SELECT {EXAM_COLUMNS} FROM exams WHERE exam_id IN ({page}) "
            "ORDER BY exam_date DESC, exam_id DESC",
            params,
        )
        findings = self._findings_where(f"WHERE exams.exam_id IN ({page})", params)
        return [exam_from_row(row, findings.get(row[0], [])) for row in rows]

    def exams_of_patients(
        self, patient_ids: Iterable[str], *, notes: bool = True
    ) -> dict[str, list[Exam]]:
        """Every exam (any mode or status, with findings) of these patients, by patient id,
        each list in date order; index look-ups. ``notes=False`` as for :meth:`iter_exams`."""
        ids = sorted({p for p in patient_ids if p})
        out: dict[str, list[Exam]] = {}
        for start in range(0, len(ids), 500):
            chunk = tuple(ids[start : start + 500])
            clause = f"WHERE patient_id IN ({', '.join('?' * len(chunk))})"
            rows = self._query(
                f"SELECT {EXAM_COLUMNS} FROM exams {clause} ORDER BY exam_date, exam_id", chunk
            )
            findings = self._findings_where(clause, chunk, notes)
            for row in rows:
                out.setdefault(row[4], []).append(exam_from_row(row, findings.get(row[0], [])))
        return out
