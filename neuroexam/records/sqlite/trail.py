"""The audit trail as SQLite gives it back: one exam's rows, or every row in export order."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import replace

from neuroexam.records.audit import AuditRow
from neuroexam.records.backend import ExamFilter
from neuroexam.records.sqlite.connection import explain
from neuroexam.records.sqlite.listings import SqliteListings
from neuroexam.records.sqlite.streaming import filter_sql

_AUDIT_SELECT = (
    "SELECT a.exam_id, a.patient_id, a.at, a.by, a.event, a.field, a.old_value, a.new_value, "
    "a.reason, a.host FROM audit a"
)


class SqliteTrail(SqliteListings):
    """Reads of the append-only audit table (its rows are written by the exam writes)."""

    def audit(self, exam_id: str) -> list[AuditRow]:
        """One exam's trail, oldest first."""
        rows = self._query(f"{_AUDIT_SELECT} WHERE a.exam_id = ? ORDER BY a.seq", (exam_id,))
        return [AuditRow.from_stored(r) for r in rows]

    def iter_audit_rows(
        self, where: ExamFilter | None = None, batch_size: int = 20_000
    ) -> Iterator[list[tuple]]:
        """Trail rows (as stored texts, FORMAT.md §5 order) of the chosen exams, every status
        included, oldest first, ``batch_size`` at a time."""
        # the audit layout always shows every status
        where = replace(where or ExamFilter(), include_voided=True, include_unfinished=True)
        clause, params = filter_sql(where)
        try:
            cursor = self._db.execute(
                f"{_AUDIT_SELECT} WHERE a.exam_id IN (SELECT e.exam_id FROM exams e {clause}) "
                "ORDER BY a.seq",
                params,
            )
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None
        try:
            while batch := cursor.fetchmany(batch_size):
                yield batch
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None
        finally:
            with suppress(sqlite3.Error):
                cursor.close()
