"""SQLite store: one committed transaction per finding, note and intake change.

WAL journal with ``synchronous=FULL``: a finding is on disk when :meth:`Store.save_finding`
returns, so killing the process loses at most the key being pressed. The schema evolves by
numbered migrations recorded in ``PRAGMA user_version``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from neuroexam.core.vocab import ExamStatus, Grade, Mode, Sex, Side, Species, TestId
from neuroexam.records.paths import default_db_path

if TYPE_CHECKING:  # pydantic models load on first use, not at start-up
    from neuroexam.core.models import Exam, Finding


class StoreError(Exception):
    """The store cannot be opened or written; the message says why in plain words."""


MIGRATIONS: tuple[str, ...] = (
    # 1: exams and findings
    """
    CREATE TABLE exams (
        exam_id      TEXT PRIMARY KEY,
        exam_date    TEXT,
        examiner     TEXT NOT NULL DEFAULT '',
        mode         TEXT NOT NULL DEFAULT 'clinical',
        patient_id   TEXT NOT NULL DEFAULT '',
        patient_name TEXT NOT NULL DEFAULT '',
        species      TEXT NOT NULL,
        breed        TEXT NOT NULL DEFAULT '',
        age_years    REAL,
        sex          TEXT NOT NULL DEFAULT 'unknown',
        weight_kg    REAL,
        signs        TEXT NOT NULL DEFAULT '',
        status       TEXT NOT NULL DEFAULT 'in_progress',
        continued    TEXT NOT NULL DEFAULT '',
        updated_at   TEXT
    );
    CREATE TABLE findings (
        exam_id     TEXT NOT NULL REFERENCES exams(exam_id) ON DELETE CASCADE,
        test        TEXT NOT NULL,
        site        TEXT NOT NULL,
        side        TEXT NOT NULL,
        grade       TEXT NOT NULL,
        note        TEXT NOT NULL DEFAULT '',
        recorded_at TEXT,
        seq         INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (exam_id, test, site, side)
    ) WITHOUT ROWID;
    CREATE INDEX exams_by_patient ON exams(patient_id, exam_date);
    CREATE INDEX exams_by_status ON exams(status, updated_at);
    CREATE INDEX exams_by_date ON exams(mode, exam_date);
    """,
    # 2: training attempts (one row per finished simulated case)
    """
    CREATE TABLE training_attempts (
        attempt_id   TEXT PRIMARY KEY,
        exam_id      TEXT REFERENCES exams(exam_id) ON DELETE SET NULL,
        student      TEXT NOT NULL,
        case_id      TEXT NOT NULL,
        level        TEXT NOT NULL DEFAULT '',
        started_at   TEXT,
        finished_at  TEXT,
        grading      REAL,
        localization REAL,
        flags        REAL,
        total        REAL,
        details      TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX attempts_by_student ON training_attempts(student, finished_at);
    """,
)

_EXAM_COLUMNS = (
    "exam_id, exam_date, examiner, mode, patient_id, patient_name, species, breed, "
    "age_years, sex, weight_kg, signs, status, continued"
)


@dataclass(frozen=True)
class ExamListing:
    """A line of the resume / history lists."""

    exam_id: str
    exam_date: datetime | None
    patient_id: str
    patient_name: str
    species: str
    breed: str
    status: ExamStatus
    findings: int


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _explain(exc: sqlite3.Error, path: Path) -> StoreError:
    text = str(exc).lower()
    if "readonly" in text or "read-only" in text:
        why = "the records file is read-only"
    elif "full" in text:
        why = "the disk is full"
    elif "locked" in text or "busy" in text:
        why = "the records file is locked by another program"
    elif "unable to open" in text:
        why = "the records file cannot be opened (check the folder exists and is writable)"
    elif "malformed" in text or "not a database" in text:
        why = "the records file is damaged or is not a NeuroExam database"
    else:
        why = str(exc)
    return StoreError(f"{path}: {why}")


class Store:
    """The exam records on disk."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{self.path.parent}: cannot create the data folder: {exc.strerror}"
            ) from None
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA busy_timeout = 3000")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            del mode  # a read-only medium may refuse WAL; writes then fail with a clear error
            self._db.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from None

    def close(self) -> None:
        self._db.close()

    # ---------------------------------------------------------------- schema

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: made by a newer NeuroExam (schema {version}); please upgrade"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self._transaction() as db:
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise _explain(exc, self.path) from None

    # ---------------------------------------------------------------- writes

    def save_exam(self, exam: Exam, continued: str = "") -> None:
        """Insert or update the exam's intake (signalment, signs, status); not its findings."""
        p = exam.patient
        with self._transaction() as db:
            db.execute(
                f"INSERT INTO exams ({_EXAM_COLUMNS}, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, datetime('now')) "
                "ON CONFLICT(exam_id) DO UPDATE SET exam_date=excluded.exam_date, "
                "examiner=excluded.examiner, mode=excluded.mode, patient_id=excluded.patient_id, "
                "patient_name=excluded.patient_name, species=excluded.species, "
                "breed=excluded.breed, age_years=excluded.age_years, sex=excluded.sex, "
                "weight_kg=excluded.weight_kg, signs=excluded.signs, status=excluded.status, "
                "continued=excluded.continued, updated_at=excluded.updated_at",
                (
                    exam.exam_id,
                    _iso(exam.exam_date),
                    exam.examiner,
                    exam.mode.value,
                    p.patient_id,
                    p.name,
                    p.species.value,
                    p.breed,
                    p.age_years,
                    p.sex.value,
                    p.weight_kg,
                    ";".join(exam.signs),
                    exam.status.value,
                    continued,
                ),
            )

    def save_finding(self, exam_id: str, finding: Finding, seq: int = 0) -> None:
        """Insert or replace one finding, committed before returning."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO findings "
                "(exam_id, test, site, side, grade, note, recorded_at, seq) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    exam_id,
                    finding.test.value,
                    finding.site,
                    finding.side.value,
                    finding.grade.value,
                    finding.note,
                    _iso(finding.recorded_at),
                    seq,
                ),
            )
            db.execute(
                "UPDATE exams SET updated_at = datetime('now') WHERE exam_id = ?", (exam_id,)
            )

    def save_exam_with_findings(self, exam: Exam) -> None:
        """Write a whole exam in one transaction (import): all or nothing."""
        p = exam.patient
        with self._transaction() as db:
            db.execute(
                f"INSERT INTO exams ({_EXAM_COLUMNS}, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, datetime('now'))",
                (
                    exam.exam_id,
                    _iso(exam.exam_date),
                    exam.examiner,
                    exam.mode.value,
                    p.patient_id,
                    p.name,
                    p.species.value,
                    p.breed,
                    p.age_years,
                    p.sex.value,
                    p.weight_kg,
                    ";".join(exam.signs),
                    exam.status.value,
                    "",
                ),
            )
            db.executemany(
                "INSERT INTO findings (exam_id, test, site, side, grade, note, recorded_at, seq) "
                "VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        exam.exam_id,
                        f.test.value,
                        f.site,
                        f.side.value,
                        f.grade.value,
                        f.note,
                        _iso(f.recorded_at),
                        i,
                    )
                    for i, f in enumerate(exam.findings)
                ],
            )

    def set_status(self, exam_id: str, status: ExamStatus) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE exams SET status = ?, updated_at = datetime('now') WHERE exam_id = ?",
                (status.value, exam_id),
            )

    def set_continued(self, exam_id: str, continued: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE exams SET continued = ? WHERE exam_id = ?", (continued, exam_id))

    def delete_exam(self, exam_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM exams WHERE exam_id = ?", (exam_id,))

    # ---------------------------------------------------------------- reads

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from None

    def has_exam(self, exam_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM exams WHERE exam_id = ?", (exam_id,)))

    def continued(self, exam_id: str) -> str:
        rows = self._query("SELECT continued FROM exams WHERE exam_id = ?", (exam_id,))
        return rows[0][0] if rows else ""

    def load_exam(self, exam_id: str) -> Exam | None:
        rows = self._query(f"SELECT {_EXAM_COLUMNS} FROM exams WHERE exam_id = ?", (exam_id,))
        if not rows:
            return None
        findings = self._findings_by_exam([exam_id]).get(exam_id, [])
        return _exam(rows[0], findings)

    def load_exams(
        self,
        *,
        patient_id: str | None = None,
        mode: Mode | None = None,
        include_unfinished: bool = True,
    ) -> list[Exam]:
        """Exams (with findings) in date order, optionally filtered."""
        where, params = [], []
        if patient_id is not None:
            where.append("patient_id = ?")
            params.append(patient_id)
        if mode is not None:
            where.append("mode = ?")
            params.append(mode.value)
        if not include_unfinished:
            where.append("status = 'complete'")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._query(
            f"SELECT {_EXAM_COLUMNS} FROM exams {clause} ORDER BY exam_date, exam_id",
            tuple(params),
        )
        findings = self._findings_by_exam([r[0] for r in rows]) if rows else {}
        return [_exam(row, findings.get(row[0], [])) for row in rows]

    def _findings_by_exam(self, exam_ids: list[str]) -> dict[str, list[Finding]]:
        from neuroexam.core.models import Finding

        out: dict[str, list[Finding]] = {}
        if len(exam_ids) == 1:
            rows = self._query(
                "SELECT exam_id, test, site, side, grade, note, recorded_at FROM findings "
                "WHERE exam_id = ? ORDER BY seq",
                (exam_ids[0],),
            )
        else:
            rows = self._query(
                "SELECT exam_id, test, site, side, grade, note, recorded_at FROM findings "
                "ORDER BY exam_id, seq"
            )
        wanted = set(exam_ids)
        for exam_id, test, site, side, grade, note, recorded_at in rows:
            if exam_id in wanted:
                out.setdefault(exam_id, []).append(
                    Finding.model_construct(
                        test=TestId(test),
                        site=site,
                        side=Side(side),
                        grade=Grade(grade),
                        note=note,
                        recorded_at=datetime.fromisoformat(recorded_at) if recorded_at else None,
                    )
                )
        return out

    def listings(self, status: ExamStatus | None = None, limit: int = 200) -> list[ExamListing]:
        """Exams newest first, with their number of findings."""
        clause = "WHERE e.status = ?" if status else ""
        params: tuple = (status.value,) if status else ()
        rows = self._query(
            "SELECT e.exam_id, e.exam_date, e.patient_id, e.patient_name, e.species, e.breed, "
            "e.status, (SELECT count(*) FROM findings f WHERE f.exam_id = e.exam_id) "
            f"FROM exams e {clause} ORDER BY e.updated_at DESC, e.exam_date DESC LIMIT ?",
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
                findings=r[7],
            )
            for r in rows
        ]


def _exam(row: tuple, findings: list[Finding]) -> Exam:
    from neuroexam.core.models import Exam, Patient

    (
        exam_id,
        exam_date,
        examiner,
        mode,
        patient_id,
        patient_name,
        species,
        breed,
        age,
        sex,
        weight,
        signs,
        status,
        _continued,
    ) = row
    return Exam.model_construct(
        exam_id=exam_id,
        exam_date=datetime.fromisoformat(exam_date) if exam_date else None,
        examiner=examiner,
        mode=Mode(mode),
        patient=Patient.model_construct(
            patient_id=patient_id,
            name=patient_name,
            species=Species(species),
            breed=breed,
            age_years=age,
            sex=Sex(sex),
            weight_kg=weight,
        ),
        signs=[s for s in signs.split(";") if s],
        findings=findings,
        status=ExamStatus(status),
    )
