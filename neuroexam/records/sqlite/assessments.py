"""Stored assessments in SQLite (migrations 5 and 6): fetch and store only.

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
from neuroexam.records.sqlite.connection import SqliteConnection
from neuroexam.records.sqlite.streaming import filter_sql

#: Ids per ``IN (…)`` list (well under SQLite's parameter limit).
_CHUNK = 500
#: The schema that holds the ``assessments`` table.
_SCHEMA = 5
#: The schema that holds the patients' versions (and the assessments' ``patient_version``).
_PATIENT_VERSIONS = 6


def _chunks(ids: Iterable[str]) -> Iterable[tuple[str, ...]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _CHUNK):
        yield tuple(unique[start : start + _CHUNK])


class SqliteAssessments(SqliteConnection):
    """The ``assessments`` table and the exam versions that key it."""

    def version_heads(self, where: ExamFilter | None = None) -> list[VersionHead]:
        """``(exam_id, patient_id, exam_date text, version)`` of the chosen exams and of every
        exam (any mode or status) of their patients, in date order."""
        clause, params = filter_sql(where)
        rows = self._query(
            f"SELECT e.exam_id, e.patient_id, e.exam_date, e.version FROM exams e {clause} "
            "UNION "
            "SELECT x.exam_id, x.patient_id, x.exam_date, x.version FROM exams x "
            "WHERE x.patient_id != '' "
            f"AND x.patient_id IN (SELECT e.patient_id FROM exams e {clause}) "
            "ORDER BY 3, 1",
            params + params,
        )
        return [(r[0], r[1], r[2], int(r[3])) for r in rows]

    def version_heads_of(self, exam_ids: Iterable[str]) -> list[VersionHead]:
        """The same for the given exams (unknown ids left out) and their patients' exams."""
        found: dict[str, VersionHead] = {}
        for chunk in _chunks(exam_ids):
            marks = ", ".join("?" * len(chunk))
            rows = self._query(
                f"SELECT exam_id, patient_id, exam_date, version FROM exams "
                f"WHERE exam_id IN ({marks}) UNION "
                "SELECT x.exam_id, x.patient_id, x.exam_date, x.version FROM exams x "
                f"WHERE x.patient_id != '' AND x.patient_id IN "
                f"(SELECT patient_id FROM exams WHERE exam_id IN ({marks}))",
                chunk + chunk,
            )
            for r in rows:
                found[r[0]] = (r[0], r[1], r[2], int(r[3]))
        return sorted(found.values(), key=lambda h: (h[2] or "", h[0]))

    def assessment_keys(self, exam_ids: Iterable[str]) -> dict[str, AssessmentKey]:
        """``{exam_id: (patient_id, version, patient version)}`` of these exams (unknown ids
        absent): primary-key look-ups only, whatever the patients' histories."""
        versions = self.schema_version >= _PATIENT_VERSIONS
        patient = "coalesce(p.version, 0)" if versions else "0"
        join = "LEFT JOIN patient_versions p ON p.patient_id = e.patient_id " if versions else ""
        out: dict[str, AssessmentKey] = {}
        for chunk in _chunks(exam_ids):
            rows = self._query(
                f"SELECT e.exam_id, e.patient_id, e.version, {patient} FROM exams e {join}"
                f"WHERE e.exam_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for r in rows:
                out[r[0]] = (r[1], int(r[2]), int(r[3]))
        return out

    def patient_versions(self, patient_ids: Iterable[str]) -> dict[str, int]:
        """``{patient_id: version}`` of these patients (those never changed since schema 6
        absent: their version is 0)."""
        if self.schema_version < _PATIENT_VERSIONS:
            return {}
        out: dict[str, int] = {}
        for chunk in _chunks(patient_ids):
            rows = self._query(
                "SELECT patient_id, version FROM patient_versions "
                f"WHERE patient_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            out.update((r[0], int(r[1])) for r in rows)
        return out

    def stored_assessments(
        self, exam_ids: Iterable[str], *, payload: bool = True
    ) -> dict[str, StoredAssessment]:
        """The stored rows of these exams (exams without one are absent); ``payload=False``
        reads ``""`` for the payload. Records older than the table hold none."""
        schema = self.schema_version
        if schema < _SCHEMA:
            return {}
        text = "payload" if payload else "''"
        patient = "patient_version" if schema >= _PATIENT_VERSIONS else "NULL"
        out: dict[str, StoredAssessment] = {}
        for chunk in _chunks(exam_ids):
            rows = self._query(
                "SELECT exam_id, exam_version, protocols_hash, history_hash, cells, "
                f"{text}, computed_at, {patient} FROM assessments "
                f"WHERE exam_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for r in rows:
                out[r[0]] = StoredAssessment.of_row(r)
        return out

    def put_assessments(self, rows: Iterable[StoredAssessment]) -> bool:
        """Insert or replace these rows in one transaction (no trail: a cache). Rows of exams
        no longer in the records are skipped. False, with nothing written, on read-only
        records."""
        if self.read_only or self.schema_version < _PATIENT_VERSIONS:
            return False
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO assessments (exam_id, exam_version, protocols_hash, history_hash, "
                "cells, payload, computed_at, patient_version) "
                "SELECT ?, ?, ?, ?, ?, ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM exams WHERE exam_id = ?1) "
                "ON CONFLICT (exam_id) DO UPDATE SET exam_version = excluded.exam_version, "
                "protocols_hash = excluded.protocols_hash, "
                "history_hash = excluded.history_hash, cells = excluded.cells, "
                "payload = excluded.payload, computed_at = excluded.computed_at, "
                "patient_version = excluded.patient_version",
                [tuple(row) for row in rows],
            )
        return True

    def confirm_assessments(self, rows: Iterable[StoredAssessment]) -> bool:
        """Set the patient version of stored rows found still fresh by their history hash
        (only where the row still holds the same keys). False on read-only records."""
        if self.read_only or self.schema_version < _PATIENT_VERSIONS:
            return False
        with self._transaction() as db:
            db.executemany(
                "UPDATE assessments SET patient_version = ? WHERE exam_id = ? "
                "AND exam_version = ? AND protocols_hash = ? AND history_hash = ?",
                [
                    (r.patient_version, r.exam_id, r.exam_version, r.protocols_hash, r.history_hash)
                    for r in rows
                ],
            )
        return True
