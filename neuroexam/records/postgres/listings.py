"""The lists screens show (resume, history, patients) from PostgreSQL, without loading exams."""

from __future__ import annotations

from neuroexam.records.backend import PatientListing
from neuroexam.records.postgres.exams import PostgresExams
from neuroexam.records.sql.listings import SqlListings, patient_listings


class PostgresListings(PostgresExams, SqlListings):
    """Exam and patient lists (the exam lists are :class:`~neuroexam.records.sql.listings
    .SqlListings`)."""

    _NO_INDEX = ""

    def _patients_matching(self, text: str) -> list[str]:
        """Patient ids whose ``"<id> <name>"`` (at any exam) holds ``text``, case folded as
        Python folds it (beyond ASCII, so the same as the SQLite store's search)."""
        folded = text.casefold()
        rows = self._query(
            "SELECT DISTINCT patient_id, patient_name FROM exams WHERE patient_id <> ''"
        )
        return sorted({pid for pid, name in rows if folded in f"{pid} {name}".casefold()})

    def patients(self, search: str = "", limit: int = 200) -> list[PatientListing]:
        """Patients (exams with a patient id) newest exam first, searched by id or name.

        ``search`` is a case-insensitive substring of ``"<patient id> <name>"`` (any of the
        patient's exams may match): ``ILIKE`` for ASCII text (which, like SQLite's ``LIKE``,
        folds ASCII letters), Python's case folding beyond ASCII.
        """
        text = " ".join(search.split())
        where = ""
        params: dict[str, object] = {"limit": limit}
        if text and text.isascii():
            where = (
                "AND patient_id IN (SELECT patient_id FROM exams "
                "WHERE patient_id || ' ' || patient_name ILIKE %(search)s ESCAPE '\\')"
            )
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params["search"] = f"%{escaped}%"
        elif text:
            where = "AND patient_id = ANY(%(ids)s)"
            params["ids"] = self._patients_matching(text)
        rows = self._query(
            "WITH g AS (SELECT patient_id, count(*) AS n, max(exam_date) AS last FROM exams "
            f"WHERE patient_id <> '' {where} GROUP BY patient_id "
            "ORDER BY max(exam_date) IS NULL, max(exam_date) DESC, patient_id LIMIT %(limit)s) "
            "SELECT g.patient_id, e.patient_name, e.species, e.breed, g.n, g.last, e.status, "
            "e.mode FROM g JOIN exams e ON e.exam_id = (SELECT x.exam_id FROM exams x "
            "WHERE x.patient_id = g.patient_id "
            "ORDER BY x.exam_date DESC NULLS LAST, x.exam_id DESC LIMIT 1) "
            "ORDER BY g.last IS NULL, g.last DESC, g.patient_id",
            params,
        )
        return patient_listings(rows)
