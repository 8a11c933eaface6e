"""``neuroexam db`` on PostgreSQL: the check, the copy from SQLite, and where backups come from.

The check reads without migrating or writing (a plain connection; a database older or newer
than this NeuroExam is reported, not changed).
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import psycopg

from neuroexam.records.backend import StoreError
from neuroexam.records.paths import default_db_path
from neuroexam.records.postgres.connection import connect, describe_server, explain
from neuroexam.records.postgres.migrations import MIGRATIONS

BACKEND = "postgresql"


def _count(conn: psycopg.Connection, table: str) -> int | None:
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    if not row or not row[0]:
        return None
    found = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(found[0]) if found else 0


def _shown(count: int | None) -> str:
    return "none (no such table at this schema)" if count is None else str(count)


def summary_lines(url: str) -> list[str]:
    """What ``neuroexam db check`` prints for the PostgreSQL records at ``url``."""
    try:
        with closing(connect(url)) as conn:
            conn.execute("SET default_transaction_read_only = on")
            has_versions = _count(conn, "schema_version") is not None
            row = (
                conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
                if has_versions
                else (0,)
            )
            schema = int(row[0]) if row else 0
            by_status: dict[str, int] = {}
            if _count(conn, "exams") is not None:
                by_status = {
                    str(status): int(n)
                    for status, n in conn.execute(
                        "SELECT status, count(*) FROM exams GROUP BY status"
                    ).fetchall()
                }
            counts = {t: _count(conn, t) for t in ("findings", "audit", "training_attempts")}
            server = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error as exc:
        raise explain(exc, url) from None
    current = len(MIGRATIONS)
    if schema == current:
        version = f"{schema} (current)"
    elif schema < current:
        version = f"{schema} (older: opening it for writing upgrades it to {current})"
    else:
        version = f"{schema} (newer than this NeuroExam, which knows {current})"
    statuses = ", ".join(f"{s} {n}" for s, n in sorted(by_status.items()))
    exams = sum(by_status.values())
    return [
        f"backend: {BACKEND}",
        f"database: {describe_server(url)}" + (f" (server {server[0]})" if server else ""),
        f"schema version: {version}",
        f"exams: {exams}" + (f" ({statuses})" if statuses else ""),
        f"findings: {_shown(counts['findings'])}",
        f"audit rows: {_shown(counts['audit'])}",
        f"training attempts: {_shown(counts['training_attempts'])}",
    ]


def server_db(command: str, url: str) -> list[str]:
    """``neuroexam db check`` / ``backup`` when the records are on a PostgreSQL server."""
    if command == "check":
        return summary_lines(url)
    raise StoreError(
        f"{describe_server(url)}: the records are on a PostgreSQL server; back them up there "
        "with pg_dump (pg_dump --format=custom --file=neuroexam.dump DATABASE-URL)"
    )


def migrate_lines(source: Path | None, url: str) -> list[str]:
    """``neuroexam db migrate --to URL``: copy, verify, and say what was copied."""
    from neuroexam.records.postgres.connection import is_postgres_url
    from neuroexam.records.postgres.copy import copy_sqlite_to_postgres

    if not is_postgres_url(url):
        raise StoreError(f"--to {url.split('://', 1)[0]}: expected postgresql://user@host/database")
    path = Path(source) if source is not None else default_db_path()
    counts = copy_sqlite_to_postgres(path, url)
    where = describe_server(url)
    return [
        f"copied {path} to {where} in one transaction; counts verified:",
        f"exams: {counts['exams']}",
        f"findings: {counts['findings']}",
        f"audit rows: {counts['audit']}",
        f"training attempts: {counts['training_attempts']}",
        f"point each workstation at it: NEUROEXAM_DB={where} (or database_url in settings.toml)",
    ]
