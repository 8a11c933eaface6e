"""The audit trail as PostgreSQL gives it back: one exam's rows, or every row in export order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from neuroexam.records.audit import AuditRow
from neuroexam.records.backend import ExamFilter
from neuroexam.records.postgres.listings import PostgresListings
from neuroexam.records.postgres.rows import AUDIT_SELECT, audit_texts
from neuroexam.records.postgres.streaming import filter_sql


class PostgresTrail(PostgresListings):
    """Reads of the append-only audit table (its rows are written by the exam writes)."""

    def audit(self, exam_id: str) -> list[AuditRow]:
        """One exam's trail, oldest first."""
        rows = self._query(f"{AUDIT_SELECT} WHERE a.exam_id = %s ORDER BY a.seq", (exam_id,))
        return [AuditRow.from_stored(audit_texts(r)) for r in rows]

    def iter_audit_rows(
        self, where: ExamFilter | None = None, batch_size: int = 20_000
    ) -> Iterator[list[tuple]]:
        """Trail rows (as the SQLite store gives them: texts, FORMAT.md §5 order) of the
        chosen exams, every status included, oldest first, ``batch_size`` at a time."""
        where = replace(where or ExamFilter(), include_voided=True, include_unfinished=True)
        clause, params = filter_sql(where)
        for batch in self._stream(
            f"{AUDIT_SELECT} WHERE a.exam_id IN (SELECT e.exam_id FROM exams e {clause}) "
            "ORDER BY a.seq",
            params,
            batch_size,
        ):
            yield [audit_texts(r) for r in batch]
