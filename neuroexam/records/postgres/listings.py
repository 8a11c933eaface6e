"""The lists screens show (resume, history, patients) from PostgreSQL, without loading exams."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from neuroexam.core.vocab import ExamStatus, Mode
from neuroexam.records.backend import ExamListing, PatientListing
from neuroexam.records.postgres.exams import PostgresExams
from neuroexam.records.sqlite.rows import E_COLUMNS


class PostgresListings(PostgresExams):
    """Exam and patient lists."""

    def exam_dates(self, status: ExamStatus | None = None) -> list[tuple[str, str | None, str]]:
        """``(exam_id, exam_date text, patient_id)`` of every exam (or those with ``status``),
        in date text order."""
        clause, params = ("WHERE status = %s", (status.value,)) if status else ("", ())
        return self._query(
            f"SELECT exam_id, exam_date, patient_id FROM exams {clause} "
            "ORDER BY exam_date NULLS FIRST, exam_id",
            params,
        )

    def newest_exam_rows(self, status: ExamStatus, limit: int) -> list[tuple]:
        """``EXAM_COLUMNS`` tuples of the exams with ``status`` among which are the newest
        ``limit`` by instant (those recorded from two days before the ``limit``-th newest date
        text on, so every offset is covered; all of them when fewer are dated), in no
        particular order: the caller orders them by instant."""
        found = self._query(
            "SELECT exam_date FROM exams WHERE status = %s AND exam_date IS NOT NULL "
            "ORDER BY exam_date DESC LIMIT 1 OFFSET %s",
            (status.value, max(0, limit - 1)),
        )
        if not found:
            return self._query(
                f"SELECT {E_COLUMNS} FROM exams e WHERE e.status = %s", (status.value,)
            )
        since = date.fromisoformat(str(found[0][0])[:10]) - timedelta(days=2)
        return self._query(
            f"SELECT {E_COLUMNS} FROM exams e WHERE e.status = %s AND e.exam_date >= %s",
            (status.value, since.isoformat()),
        )

    def listings(
        self, status: ExamStatus | None = None, limit: int = 200, *, mode: Mode | None = None
    ) -> list[ExamListing]:
        """Exams newest first, with their number of findings."""
        parts: list[str] = []
        params: list[object] = []
        if status:
            parts.append("e.status = %s")
            params.append(status.value)
        if mode:
            parts.append("e.mode = %s")
            params.append(mode.value)
        clause = f"WHERE {' AND '.join(parts)}" if parts else ""
        rows = self._query(
            "SELECT e.exam_id, e.exam_date, e.patient_id, e.patient_name, e.species, e.breed, "
            "e.status, (SELECT count(*) FROM findings f WHERE f.exam_id = e.exam_id), e.mode "
            f"FROM exams e {clause} "
            "ORDER BY e.updated_at DESC NULLS LAST, e.exam_date DESC NULLS LAST LIMIT %s",
            (*params, limit),
        )
        return [
            ExamListing(
                exam_id=r[0],
                exam_date=datetime.fromisoformat(r[1]) if r[1] else None,
                patient_id=r[2],
                patient_name=r[3],
                species=r[4],
                breed=r[5],
                status=ExamStatus(r[6]),
                findings=int(r[7]),
                mode=Mode(r[8]),
            )
            for r in rows
        ]

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
        return [
            PatientListing(
                patient_id=r[0],
                patient_name=r[1],
                species=r[2],
                breed=r[3],
                exams=int(r[4]),
                last_exam_date=datetime.fromisoformat(r[5]) if r[5] else None,
                last_status=ExamStatus(r[6]),
                last_mode=Mode(r[7]),
            )
            for r in rows
        ]
