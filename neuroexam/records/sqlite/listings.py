"""The lists screens show (resume, history, patients) from SQLite, without loading exams."""

from __future__ import annotations

from neuroexam.records.backend import PatientListing
from neuroexam.records.sql.listings import SqlListings, patient_listings
from neuroexam.records.sqlite.exams import SqliteExams


class SqliteListings(SqliteExams, SqlListings):
    """Exam and patient lists (the exam lists are :class:`~neuroexam.records.sql.listings
    .SqlListings`)."""

    _NO_INDEX = "+"  # SQLite's unary plus: no index of the column used

    def patients(self, search: str = "", limit: int = 200) -> list[PatientListing]:
        """Patients (exams with a patient id) newest exam first, searched by id or name.

        ``search`` is a case-insensitive substring of ``"<patient id> <name>"`` (any of the
        patient's exams may match). The grouping reads only the ``exams_by_patient`` index;
        the name search is one scan of ``exams``; each listed patient's latest exam is one
        index look-up.
        """
        text = " ".join(search.split())
        where = ""
        params: dict[str, object] = {"limit": limit}
        if text and text.isascii():  # LIKE folds ASCII case only
            where = (
                "AND patient_id IN (SELECT patient_id FROM exams "
                "WHERE patient_id || ' ' || patient_name LIKE :search ESCAPE '\\')"
            )
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params["search"] = f"%{escaped}%"
        elif text:
            self._db.create_function(
                "neuroexam_fold", 1, lambda v: (v or "").casefold(), deterministic=True
            )
            where = (
                "AND patient_id IN (SELECT patient_id FROM exams "
                "WHERE instr(neuroexam_fold(patient_id || ' ' || patient_name), :search) > 0)"
            )
            params["search"] = text.casefold()
        rows = self._query(
            "WITH g AS (SELECT patient_id, count(*) AS n, max(exam_date) AS last FROM exams "
            f"WHERE patient_id != '' {where} GROUP BY patient_id "
            "ORDER BY last IS NULL, last DESC, patient_id LIMIT :limit) "
            "SELECT g.patient_id, e.patient_name, e.species, e.breed, g.n, g.last, e.status, "
            "e.mode FROM g JOIN exams e ON e.exam_id = (SELECT x.exam_id FROM exams x "
            "WHERE x.patient_id = g.patient_id ORDER BY x.exam_date DESC, x.exam_id DESC "
            "LIMIT 1) ORDER BY g.last IS NULL, g.last DESC, g.patient_id",
            params,
        )
        return patient_listings(rows)
