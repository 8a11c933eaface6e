"""The lists screens show, as both SQLite and PostgreSQL read them, without loading exams.

:class:`SqlListings` is mixed into each backend's listings class after its exams class; the
backend gives its dialect (:meth:`SqlListings._sql`, how dates sort, the index hint) and its
own patient search (:meth:`SqlListings.patients`, whose rows :func:`patient_listings` reads).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from neuroexam.core.vocab import ExamStatus, Mode
from neuroexam.records.backend import ExamListing, PatientListing
from neuroexam.records.sqlite.rows import E_COLUMNS


def patient_listings(rows: Iterable[tuple]) -> list[PatientListing]:
    """``(patient_id, patient_name, species, breed, exams, last exam date text, last status,
    last mode)`` rows → listings."""
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


class SqlListings:
    """Exam lists, as both backends read them."""

    #: ``exam_date`` sorted ascending with a missing date first (as SQLite sorts NULL).
    _DATE_ASC: ClassVar[str]
    #: Descending with a missing value last (as SQLite sorts NULL).
    _DESC: ClassVar[str]
    #: Put before a column so the planner uses no index of it (SQLite's unary ``+``).
    _NO_INDEX: ClassVar[str]

    if TYPE_CHECKING:

        @staticmethod
        def _sql(sql: str) -> str: ...

        def _query(self, sql: str, params: tuple = ()) -> list[tuple]: ...

    def exam_dates(self, status: ExamStatus | None = None) -> list[tuple[str, str | None, str]]:
        """``(exam_id, exam_date text, patient_id)`` of every exam (or those with ``status``),
        in date text order: enough to choose which exams a list shows, without loading them."""
        clause, params = ("WHERE status = ?", (status.value,)) if status else ("", ())
        return self._query(
            self._sql(
                f"SELECT exam_id, exam_date, patient_id FROM exams {clause} "
                f"ORDER BY {self._DATE_ASC}, exam_id"
            ),
            params,
        )

    def newest_exam_rows(self, status: ExamStatus, limit: int) -> list[tuple]:
        """``EXAM_COLUMNS`` tuples of the exams with ``status`` among which are the newest
        ``limit`` by instant (those recorded from two days before the ``limit``-th newest date
        text on, so every offset is covered; all of them when fewer are dated), in no
        particular order: the caller orders them by instant."""
        # no index of status (SQLite): walk the date index, not every exam of the status
        status_is = f"{self._NO_INDEX}status = ?"
        found = self._query(
            self._sql(
                f"SELECT exam_date FROM exams WHERE {status_is} AND exam_date IS NOT NULL "
                "ORDER BY exam_date DESC LIMIT 1 OFFSET ?"
            ),
            (status.value, max(0, limit - 1)),
        )
        if not found:
            return self._query(
                self._sql(f"SELECT {E_COLUMNS} FROM exams e WHERE e.status = ?"), (status.value,)
            )
        since = date.fromisoformat(str(found[0][0])[:10]) - timedelta(days=2)
        return self._query(
            self._sql(
                f"SELECT {E_COLUMNS} FROM exams e WHERE {self._NO_INDEX}e.status = ? "
                "AND e.exam_date >= ?"
            ),
            (status.value, since.isoformat()),
        )

    def listings(
        self, status: ExamStatus | None = None, limit: int = 200, *, mode: Mode | None = None
    ) -> list[ExamListing]:
        """Exams newest first, with their number of findings."""
        parts: list[str] = []
        params: list[object] = []
        if status:
            parts.append("e.status = ?")
            params.append(status.value)
        if mode:
            parts.append("e.mode = ?")
            params.append(mode.value)
        clause = f"WHERE {' AND '.join(parts)}" if parts else ""
        rows = self._query(
            self._sql(
                "SELECT e.exam_id, e.exam_date, e.patient_id, e.patient_name, e.species, "
                "e.breed, e.status, (SELECT count(*) FROM findings f "
                f"WHERE f.exam_id = e.exam_id), e.mode FROM exams e {clause} "
                f"ORDER BY e.updated_at {self._DESC}, e.exam_date {self._DESC} LIMIT ?"
            ),
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
