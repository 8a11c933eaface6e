"""SQLite store: one committed transaction per finding, note and intake change.

WAL journal with ``synchronous=FULL``: a finding is on disk when :meth:`Store.save_finding`
returns, so killing the process loses at most the key being pressed. The schema evolves by
numbered migrations recorded in ``PRAGMA user_version``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from neuroexam.core.vocab import ExamStatus, Grade, Mode, Sex, Side, Species, TestId
from neuroexam.records.paths import default_db_path, secure_db_files

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
    # 3: exams in export order (date, then id) whatever their mode or status: an export of
    # every exam reads the findings exam by exam instead of sorting all of them
    """
    CREATE INDEX exams_in_order ON exams(exam_date, exam_id);
    """,
)

_EXAM_COLUMNS = (
    "exam_id, exam_date, examiner, mode, patient_id, patient_name, species, breed, "
    "age_years, sex, weight_kg, signs, status, continued"
)
_FINDING_COLUMNS = "exam_id, test, site, side, grade, note, recorded_at, seq"
#: The same columns of ``exams e`` (queries that join findings).
_E_COLUMNS = ", ".join(f"e.{c.strip()}" for c in _EXAM_COLUMNS.split(","))


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


@dataclass(frozen=True)
class PatientListing:
    """A line of the patients list: the patient as recorded at their latest exam."""

    patient_id: str
    patient_name: str
    species: str
    breed: str
    exams: int
    last_exam_date: datetime | None
    last_status: ExamStatus
    last_mode: Mode


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def exam_row(exam: Exam, continued: str = "") -> tuple:
    """The exam as the store keeps it: the values of ``_EXAM_COLUMNS`` in that order, as
    :meth:`Store.save_exam` writes them and :meth:`Store.exam_rows` reads them back."""
    p = exam.patient
    return (
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
    )


def _finding_params(exam_id: str, finding: Finding, seq: int) -> tuple:
    """The values of ``_FINDING_COLUMNS`` for one finding, in that order."""
    return (
        exam_id,
        finding.test.value,
        finding.site,
        finding.side.value,
        finding.grade.value,
        finding.note,
        _iso(finding.recorded_at),
        seq,
    )


@dataclass(frozen=True)
class ExamFilter:
    """Which exams an export (or a count) takes; the defaults restrict nothing.

    ``since`` and ``until`` are inclusive. A :class:`~datetime.date` is compared with the
    exam's calendar date as recorded (the whole day); a datetime without an offset with the
    exam's clock time as recorded, to the second; a datetime with an offset as an instant.
    Exams without a date are left out when either bound is given.
    """

    patient_id: str | None = None
    mode: Mode | None = None
    include_unfinished: bool = True
    since: date | None = None
    until: date | None = None

    def sql(self) -> tuple[str, tuple]:
        """``WHERE …`` over ``exams e`` (empty when nothing is restricted) and its parameters."""
        parts: list[str] = []
        params: list[object] = []
        if self.patient_id is not None:
            parts.append("e.patient_id = ?")
            params.append(self.patient_id)
        if self.mode is not None:
            parts.append("e.mode = ?")
            params.append(self.mode.value)
        if not self.include_unfinished:
            parts.append("e.status = 'complete'")
        for bound, op in ((self.since, ">="), (self.until, "<=")):
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
            secure_db_files(self.path)  # folder 0700, database (and so -wal/-shm) 0600
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
                exam_row(exam, continued),
            )

    def save_finding(self, exam_id: str, finding: Finding, seq: int = 0) -> None:
        """Insert or replace one finding, committed before returning."""
        with self._transaction() as db:
            db.execute(
                f"INSERT OR REPLACE INTO findings ({_FINDING_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                _finding_params(exam_id, finding, seq),
            )
            db.execute(
                "UPDATE exams SET updated_at = datetime('now') WHERE exam_id = ?", (exam_id,)
            )

    def save_exam_with_findings(self, exam: Exam) -> None:
        """Write a whole exam in one transaction (import): all or nothing."""
        with self._transaction() as db:
            db.execute(
                f"INSERT INTO exams ({_EXAM_COLUMNS}, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, datetime('now'))",
                exam_row(exam),
            )
            db.executemany(
                f"INSERT INTO findings ({_FINDING_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                [_finding_params(exam.exam_id, f, i) for i, f in enumerate(exam.findings)],
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
        if len(rows) == 1:
            findings = self._findings_by_exam([rows[0][0]])
        else:  # only the findings of the chosen exams (an index look-up per exam)
            findings = self._findings_where(clause, tuple(params)) if rows else {}
        return [_exam(row, findings.get(row[0], [])) for row in rows]

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
                finding = _finding(row)
            elif (finding := shared.get(row[1:5])) is None:
                finding = shared[row[1:5]] = _finding(row)
            out.setdefault(row[0], []).append(finding)
        return out

    # ------------------------------------------------------ export / import / history at scale

    @contextmanager
    def snapshot(self) -> Iterator[Store]:
        """A second, read-only connection holding one read transaction: long reads (export)
        see one consistent state of the records and never hold up the exam being recorded."""
        reader = Store.__new__(Store)
        reader.path = self.path
        try:
            reader._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            reader._db.execute("PRAGMA busy_timeout = 3000")
            reader._db.execute("PRAGMA query_only = ON")
            reader._db.execute("BEGIN")
            reader._db.execute("SELECT count(*) FROM exams").fetchone()  # the snapshot starts
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from None
        try:
            yield reader
        finally:
            reader._db.close()

    def count_exams(self, where: ExamFilter | None = None) -> int:
        clause, params = (where or ExamFilter()).sql()
        return int(self._query(f"SELECT count(*) FROM exams e {clause}", params)[0][0])

    def exam_rows(self, where: ExamFilter | None = None) -> list[tuple]:
        """The chosen exams as plain tuples (``exam_id, exam_date, examiner, mode, patient_id,
        patient_name, species, breed, age_years, sex, weight_kg, signs, status, continued``,
        as stored), without findings, in export order (date, then id)."""
        clause, params = (where or ExamFilter()).sql()
        return self._query(
            f"SELECT {_E_COLUMNS} FROM exams e {clause} ORDER BY e.exam_date, e.exam_id", params
        )

    def iter_finding_rows(
        self, where: ExamFilter | None = None, batch_size: int = 20_000, *, notes: bool = True
    ) -> Iterator[list[tuple]]:
        """Findings of the chosen exams as plain tuples ``(exam_id, test, site, side, grade,
        note, recorded_at)`` (texts as stored), in export order, ``batch_size`` at a time;
        ``notes=False`` reads ``""`` and None for the last two.

        Nothing is validated or turned into models: this is the export's fast path.
        """
        clause, params = (where or ExamFilter()).sql()
        text = "f.note, f.recorded_at" if notes else "'', NULL"
        try:
            cursor = self._db.execute(
                f"SELECT f.exam_id, f.test, f.site, f.side, f.grade, {text} "
                # CROSS JOIN: exams drive the loop (in index order), findings by primary key
                f"FROM exams e CROSS JOIN findings f ON f.exam_id = e.exam_id {clause} "
                "ORDER BY e.exam_date, e.exam_id, f.seq, f.test, f.site, f.side",
                params,
            )
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from None
        try:
            while True:
                try:
                    batch = cursor.fetchmany(batch_size)
                except sqlite3.Error as exc:
                    raise _explain(exc, self.path) from None
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
        current, findings = 0, []
        for batch in self.iter_finding_rows(where, batch_size, notes=notes):
            for row in batch:
                i = at.get(row[0], -1)
                if i < current:  # not one of the chosen exams (cannot happen in a snapshot)
                    continue
                while current < i:
                    yield _exam(heads[current], findings)
                    current, findings = current + 1, []
                if notes:
                    findings.append(_finding(row))
                else:
                    key = row[1:5]
                    if key not in shared:
                        shared[key] = _finding(row)
                    findings.append(shared[key])
        while current < len(heads):
            yield _exam(heads[current], findings)
            current, findings = current + 1, []

    def serial_heads(
        self, where: ExamFilter | None = None
    ) -> list[tuple[str, str, str, bool, str, str, str]]:
        """``(exam_id, patient_id, exam_date text, has a trunci cut-off, species, status,
        patient_name)`` for every exam (any mode or status) of the patients of the chosen exams,
        in store order (date, then id): what serial comparison (:mod:`neuroexam.core.serial`)
        needs to find each exam's previous exam."""
        clause, params = (where or ExamFilter()).sql()
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
            f"SELECT {_EXAM_COLUMNS} FROM exams WHERE exam_id IN ({page}) "
            "ORDER BY exam_date DESC, exam_id DESC",
            params,
        )
        findings = self._findings_where(f"WHERE exams.exam_id IN ({page})", params)
        return [_exam(row, findings.get(row[0], [])) for row in rows]

    def exams_of_patients(
        self, patient_ids: Iterable[str], *, notes: bool = True
    ) -> dict[str, list[Exam]]:
        """Every exam (any mode or status, with findings) of these patients, by patient id,
        each list in date order (as :meth:`load_exams` with ``patient_id``); index look-ups.
        ``notes=False`` as for :meth:`iter_exams` (enough to evaluate, faster)."""
        ids = sorted({p for p in patient_ids if p})
        out: dict[str, list[Exam]] = {}
        for start in range(0, len(ids), 500):
            chunk = tuple(ids[start : start + 500])
            clause = f"WHERE patient_id IN ({', '.join('?' * len(chunk))})"
            rows = self._query(
                f"SELECT {_EXAM_COLUMNS} FROM exams {clause} ORDER BY exam_date, exam_id", chunk
            )
            findings = self._findings_where(clause, chunk, notes)
            for row in rows:
                out.setdefault(row[4], []).append(_exam(row, findings.get(row[0], [])))
        return out

    def exam_dates(self, status: ExamStatus | None = None) -> list[tuple[str, str | None, str]]:
        """``(exam_id, exam_date text, patient_id)`` of every exam (or those with ``status``),
        in date text order: enough to choose which exams a list shows, without loading them."""
        clause, params = ("WHERE status = ?", (status.value,)) if status else ("", ())
        return self._query(
            f"SELECT exam_id, exam_date, patient_id FROM exams {clause} "
            "ORDER BY exam_date, exam_id",
            params,
        )

    def _findings_by_exam(self, exam_ids: list[str]) -> dict[str, list[Finding]]:
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
        for row in rows:
            if row[0] in wanted:
                out.setdefault(row[0], []).append(_finding(row))
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
            params,  # type: ignore[arg-type]
        )
        return [
            PatientListing(
                patient_id=r[0],
                patient_name=r[1],
                species=r[2],
                breed=r[3],
                exams=r[4],
                last_exam_date=datetime.fromisoformat(r[5]) if r[5] else None,
                last_status=ExamStatus(r[6]),
                last_mode=Mode(r[7]),
            )
            for r in rows
        ]

    # ---------------------------------------------------------------- training attempts

    def save_attempt(self, attempt: Attempt) -> None:
        """Insert or replace one scored training attempt (migration 2's table)."""
        import json

        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO training_attempts (attempt_id, exam_id, student, "
                "case_id, level, started_at, finished_at, grading, localization, flags, total, "
                "details) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    attempt.attempt_id,
                    attempt.exam_id,
                    attempt.student,
                    attempt.case_id,
                    attempt.level,
                    _iso(attempt.started_at),
                    _iso(attempt.finished_at),
                    attempt.grading,
                    attempt.localization,
                    attempt.flags,
                    attempt.total,
                    json.dumps(attempt.details, ensure_ascii=False, sort_keys=True),
                ),
            )

    def attempts(self, student: str | None = None) -> list[Attempt]:
        """Training attempts newest first (all students when ``student`` is None)."""
        import json

        clause, params = ("WHERE student = ?", (student,)) if student is not None else ("", ())
        rows = self._query(
            "SELECT attempt_id, exam_id, student, case_id, level, started_at, finished_at, "
            f"grading, localization, flags, total, details FROM training_attempts {clause} "
            "ORDER BY finished_at DESC, attempt_id DESC",
            params,
        )
        return [
            Attempt(
                attempt_id=r[0],
                exam_id=r[1],
                student=r[2],
                case_id=r[3],
                level=r[4],
                started_at=datetime.fromisoformat(r[5]) if r[5] else None,
                finished_at=datetime.fromisoformat(r[6]) if r[6] else None,
                grading=r[7],
                localization=r[8],
                flags=r[9],
                total=r[10],
                details=json.loads(r[11] or "{}"),
            )
            for r in rows
        ]

    def students(self) -> list[str]:
        """Every student with an attempt, most recently active first."""
        rows = self._query(
            "SELECT student FROM training_attempts GROUP BY student "
            "ORDER BY max(finished_at) DESC, student"
        )
        return [r[0] for r in rows]


@dataclass(frozen=True)
class Attempt:
    """One scored training case: parts and total in percent (0-100), details as JSON."""

    attempt_id: str
    exam_id: str | None
    student: str
    case_id: str
    level: str
    started_at: datetime | None
    finished_at: datetime | None
    grading: float | None
    localization: float | None
    flags: float | None
    total: float | None
    details: dict = field(default_factory=dict)


def _finding(row: tuple) -> Finding:
    """A finding from ``(exam_id, test, site, side, grade, note, recorded_at)``."""
    from neuroexam.core.models import Finding

    _exam_id, test, site, side, grade, note, recorded_at = row
    return Finding.model_construct(
        test=TestId(test),
        site=site,
        side=Side(side),
        grade=Grade(grade),
        note=note,
        recorded_at=datetime.fromisoformat(recorded_at) if recorded_at else None,
    )


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
