"""Moving a clinic to PostgreSQL: the SQLite records copied into an empty database.

Everything is copied in one transaction (``COPY``, a few seconds for a large practice), the
target locked against writers meanwhile; the counts of the copy are compared with the
source's before it commits, so a copy is either whole and verified or not there at all.
Records of an older schema are upgraded first (as opening them in the app would; a read-only
file must be at the current schema). Leases are not copied (nobody holds an exam in the new
database yet), nor stored assessments (a cache: computed again when first needed). Trail
rows keep the workstation that wrote them (``host``; '' for rows older than it).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from neuroexam.records.audit import parse_at
from neuroexam.records.backend import StoreError
from neuroexam.records.postgres import PostgresStore
from neuroexam.records.postgres.rows import trail_time
from neuroexam.records.sqlite import SqliteStore
from neuroexam.records.sqlite.read_only import open_read_only
from neuroexam.records.sqlite.rows import EXAM_COLUMNS, FINDING_COLUMNS

_ATTEMPT_COLUMNS = (
    "attempt_id, exam_id, student, case_id, level, started_at, finished_at, grading, "
    "localization, flags, total, details"
)
#: ``(what the count is called, table, columns)`` in the order they are copied.
COPIED: tuple[tuple[str, str, str], ...] = (
    ("exams", "exams", f"{EXAM_COLUMNS}, updated_at, version"),
    ("findings", "findings", FINDING_COLUMNS),
    ("training_attempts", "training_attempts", _ATTEMPT_COLUMNS),
    (
        "audit",
        "audit",
        "seq, exam_id, patient_id, at, by, event, field, old_value, new_value, reason, host",
    ),
)
#: Tables that must be empty before a copy (leases and stored assessments included).
_MUST_BE_EMPTY = ("exams", "findings", "training_attempts", "audit", "leases", "assessments")


#: The order rows are copied in (the trail's keeps its sequence numbers).
_ORDER = {
    "exams": "exam_date, exam_id",
    "findings": "exam_id, seq, test, site, side",
    "training_attempts": "attempt_id",
    "audit": "seq",
}


def _source_rows(db: sqlite3.Connection, table: str, columns: str) -> sqlite3.Cursor:
    return db.execute(f"SELECT {columns} FROM {table} ORDER BY {_ORDER[table]}")


def _target_row(table: str, row: tuple) -> tuple:
    """A SQLite row as the PostgreSQL table takes it."""
    if table == "audit":  # the trail's time: instant and offset as written
        seq, exam_id, patient_id, at, *rest = row
        return (seq, exam_id, patient_id, *trail_time(parse_at(at)), *rest)
    if table == "exams":  # updated_at is SQLite's datetime('now'): UTC without an offset
        *head, updated_at, version = row
        return (*head, f"{updated_at}+00:00" if updated_at else None, version)
    return row


def copy_sqlite_to_postgres(sqlite_path: Path, url: str) -> dict[str, int]:
    """Copy the SQLite records at ``sqlite_path`` into the empty PostgreSQL database at
    ``url`` in one transaction: ``{"exams": n, "findings": n, "training_attempts": n,
    "audit": n}`` as copied and verified. :class:`StoreError` (one line, nothing written)
    when the source cannot be read, the target holds records, or the counts differ."""
    source = Path(sqlite_path)
    if not source.is_file():
        raise StoreError(f"{source}: no records file there to copy")
    SqliteStore(source).close()  # records of an older schema upgraded first, as the app would
    with closing(open_read_only(source)) as db:
        target = PostgresStore(url)
        try:
            return _copy(db, target)
        finally:
            target.close()


def _copy(db: sqlite3.Connection, target: PostgresStore) -> dict[str, int]:
    where = target.location
    expected = {
        name: int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        for name, table, _ in COPIED
    }
    with target._transaction() as conn:
        conn.execute(f"LOCK TABLE {', '.join(_MUST_BE_EMPTY)} IN EXCLUSIVE MODE")
        held = {
            table: int(row[0])
            for table in _MUST_BE_EMPTY
            if (row := conn.execute(f"SELECT count(*) FROM {table}").fetchone()) and row[0]
        }
        if held:
            names = {"audit": "audit rows", "assessments": "stored assessments"}
            what = ", ".join(
                f"{n} {names.get(table, table.replace('_', ' '))}" for table, n in held.items()
            )
            raise StoreError(
                f"{where}: the database already holds records ({what}); copy only into an "
                "empty database"
            )
        with conn.cursor() as cur:
            for _name, table, columns in COPIED:
                target_columns = columns.replace(", at,", ", at, at_offset,")
                with cur.copy(f"COPY {table} ({target_columns}) FROM STDIN") as copy:
                    for row in _source_rows(db, table, columns):
                        copy.write_row(_target_row(table, tuple(row)))
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('audit', 'seq'), "
                "coalesce((SELECT max(seq) FROM audit), 0) + 1, false)"
            )
        copied: dict[str, int] = {}
        for name, table, _ in COPIED:
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            copied[name] = int(row[0]) if row else 0
        if copied != expected:
            raise StoreError(
                f"{where}: the copy's counts {copied} differ from the records' {expected}; "
                "nothing was written"
            )
    return copied
