"""Stored assessments in PostgreSQL (migrations 5 and 6): fetch and store only, as in SQLite.

Which rows are fresh, and computing the others, is :mod:`neuroexam.records.assessments`,
shared by every backend.
"""

from __future__ import annotations

from collections.abc import Iterable

from neuroexam.records.backend import (
    AssessmentKey,
    ExamFilter,
    StoredAssessment,
    VersionHead,
)
from neuroexam.records.postgres.connection import PostgresConnection
from neuroexam.records.postgres.streaming import filter_sql


class PostgresAssessments(PostgresConnection):
    """The ``assessments`` table and the exam versions that key it."""

    def version_heads(self, where: ExamFilter | None = None) -> list[VersionHead]:
        """``(exam_id, patient_id, exam_date text, version)`` of the chosen exams and of every
        exam (any mode or status) of their patients, in date order."""
        clause, params = filter_sql(where)
        rows = self._query(
            f"SELECT e.exam_id, e.patient_id, e.exam_date, e.version FROM exams e {clause} "
            "UNION "
            "SELECT x.exam_id, x.patient_id, x.exam_date, x.version FROM exams x "
            "WHERE x.patient_id <> '' "
            f"AND x.patient_id IN (SELECT e.patient_id FROM exams e {clause}) "
            "ORDER BY 3 NULLS FIRST, 1",
            params + params,
        )
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    def version_heads_of(self, exam_ids: Iterable[str]) -> list[VersionHead]:
        """The same for the given exams (unknown ids left out) and their patients' exams."""
        ids = list(dict.fromkeys(exam_ids))
        if not ids:
            return []
        rows = self._query(
            "SELECT exam_id, patient_id, exam_date, version FROM exams "
            "WHERE exam_id = ANY(%(ids)s) UNION "
            "SELECT x.exam_id, x.patient_id, x.exam_date, x.version FROM exams x "
            "WHERE x.patient_id <> '' AND x.patient_id IN "
            "(SELECT patient_id FROM exams WHERE exam_id = ANY(%(ids)s))",
            {"ids": ids},
        )
        found = [(r[0], r[1], r[2], int(r[3])) for r in rows]
        return sorted(found, key=lambda h: (h[2] or "", h[0]))

    def assessment_keys(self, exam_ids: Iterable[str]) -> dict[str, AssessmentKey]:
        """``{exam_id: (patient_id, version, patient version)}`` of these exams (unknown ids
        absent): primary-key look-ups only, whatever the patients' histories."""
        ids = list(dict.fromkeys(exam_ids))
        if not ids:
            return {}
        rows = self._query(
            "SELECT e.exam_id, e.patient_id, e.version, coalesce(p.version, 0) FROM exams e "
            "LEFT JOIN patient_versions p ON p.patient_id = e.patient_id "
            "WHERE e.exam_id = ANY(%s)",
            (ids,),
        )
        return {r[0]: (r[1], int(r[2]), int(r[3])) for r in rows}

    def patient_versions(self, patient_ids: Iterable[str]) -> dict[str, int]:
        """``{patient_id: version}`` of these patients (those never changed since schema 6
        absent: their version is 0)."""
        ids = list(dict.fromkeys(patient_ids))
        if not ids:
            return {}
        rows = self._query(
            "SELECT patient_id, version FROM patient_versions WHERE patient_id = ANY(%s)",
            (ids,),
        )
        return {r[0]: int(r[1]) for r in rows}

    def stored_assessments(
        self, exam_ids: Iterable[str], *, payload: bool = True
    ) -> dict[str, StoredAssessment]:
        """The stored rows of these exams (exams without one are absent); ``payload=False``
        reads ``""`` for the payload."""
        ids = list(dict.fromkeys(exam_ids))
        if not ids:
            return {}
        text = "payload" if payload else "''::text"
        rows = self._query(
            "SELECT exam_id, exam_version, protocols_hash, history_hash, cells, "
            f"{text}, computed_at, patient_version FROM assessments WHERE exam_id = ANY(%s)",
            (ids,),
        )
        return {r[0]: StoredAssessment.of_row(r) for r in rows}

    def put_assessments(self, rows: Iterable[StoredAssessment]) -> bool:
        """Insert or replace these rows in one transaction (no trail: a cache). Rows of exams
        no longer in the records are skipped. False, with nothing written, on a read-only
        snapshot."""
        if self.read_only or self._in_snapshot:
            return False
        values = [tuple(row) for row in rows]
        with self._transaction() as conn:
            if values:
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO assessments (exam_id, exam_version, protocols_hash, "
                        "history_hash, cells, payload, computed_at, patient_version) "
                        "SELECT %s, %s, %s, %s, %s, %s, %s, %s::bigint "
                        "WHERE EXISTS (SELECT 1 FROM exams WHERE exam_id = %s) "
                        "ON CONFLICT (exam_id) DO UPDATE SET "
                        "exam_version = EXCLUDED.exam_version, "
                        "protocols_hash = EXCLUDED.protocols_hash, "
                        "history_hash = EXCLUDED.history_hash, cells = EXCLUDED.cells, "
                        "payload = EXCLUDED.payload, computed_at = EXCLUDED.computed_at, "
                        "patient_version = EXCLUDED.patient_version",
                        [(*v, v[0]) for v in values],
                    )
        return True

    def confirm_assessments(self, rows: Iterable[StoredAssessment]) -> bool:
        """Set the patient version of stored rows found still fresh by their history hash
        (only where the row still holds the same keys). False on a read-only snapshot."""
        if self.read_only or self._in_snapshot:
            return False
        values = [
            (r.patient_version, r.exam_id, r.exam_version, r.protocols_hash, r.history_hash)
            for r in rows
        ]
        with self._transaction() as conn:
            if values:
                with conn.cursor() as cur:
                    cur.executemany(
                        "UPDATE assessments SET patient_version = %s WHERE exam_id = %s "
                        "AND exam_version = %s AND protocols_hash = %s AND history_hash = %s",
                        values,
                    )
        return True
