"""The PostgreSQL connection: opening, migrations, transactions, reconnection and error wording.

One connection per store object (as with SQLite), in autocommit mode: each write is one
explicit transaction. A lost connection is a normal event on a network: the failing call
raises :class:`StoreError` with one plain line naming the server (never the password), the
broken connection is dropped, and the next call connects again, so the recorder's retry of
unsaved findings (:mod:`neuroexam.services.saving`) writes them once the server is back.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, Self

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from neuroexam.records.backend import StoreError
from neuroexam.records.postgres.migrations import MIGRATIONS

#: Connection settings used unless the URL gives its own: a dead server or network is
#: noticed in seconds, not minutes (a write then fails and is retried by the recorder).
DEFAULT_PARAMS: dict[str, str] = {
    "connect_timeout": "5",
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "5",
    "keepalives_count": "3",
    "tcp_user_timeout": "15000",
    "application_name": "neuroexam",
}
#: Serialises migrations of several workstations starting at once (any constant works).
_MIGRATION_LOCK = 7_201_342_013
_cursor_names = itertools.count(1)
#: Errors after which the connection is not used again (the next call connects anew).
_LOST = (pg_errors.AdminShutdown, pg_errors.CrashShutdown, pg_errors.CannotConnectNow)


def is_postgres_url(url: str | None) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) URL."""
    return bool(url) and str(url).split("://", 1)[0].lower() in ("postgresql", "postgres")


def describe_server(url: str) -> str:
    """The URL without its password: what messages and ``location`` show."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unreadable URL)"
    host = str(params.get("host") or "localhost")
    port = str(params.get("port") or "5432")
    user = str(params.get("user") or "")
    db = str(params.get("dbname") or user or "postgres")
    return f"postgresql://{user + '@' if user else ''}{host}:{port}/{db}"


def _password(url: str) -> str:
    with suppress(psycopg.ProgrammingError):
        return str(conninfo_to_dict(url).get("password") or "")
    return ""


#: SQLSTATEs of a transaction the server undid because it collided with another one at the
#: same moment: nothing of it was written, and running all of it again is safe.
COLLISION_STATES = ("40P01", "40001")


class Collision(StoreError):
    """The server undid the transaction because it met another one at the same moment
    (deadlock, ``40P01``; serialization failure, ``40001``): nothing of it was written. A
    :class:`StoreError`, so a queued save stays queued and is written whole on its retry."""


def explain(exc: BaseException, url: str) -> StoreError:
    """A :class:`StoreError`: one line naming the server and saying in plain words why
    PostgreSQL failed; the password never appears in it (:class:`Collision` for a transaction
    undone because it met another one)."""
    where = describe_server(url)
    text = str(exc).strip()
    low = text.lower()
    state = getattr(exc, "sqlstate", None)
    if state in COLLISION_STATES:
        what = "deadlock" if state == "40P01" else "serialization failure"
        return Collision(
            f"{where}: another workstation changed the same records at the same moment and the "
            f"server undid this change ({what}, SQLSTATE {state}); nothing of it was written, "
            "and doing it again is safe"
        )
    if "password authentication failed" in low or "no password supplied" in low:
        why = "the server refused the user name or password"
    elif "does not exist" in low and 'database "' in low:
        why = "there is no such database on the server (create it first)"
    elif "does not exist" in low and 'role "' in low:
        why = "the server does not know this user name"
    elif isinstance(exc, pg_errors.InsufficientPrivilege) or "permission denied" in low:
        why = "the database user may not do this (permission denied)"
    elif isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        why = "the server accepts no writes (read-only)"
    elif isinstance(exc, pg_errors.DiskFull) or "no space left" in low:
        why = "the server's disk is full"
    elif (
        "not currently accepting connections" in low
        or "system is starting up" in low
        or ("system is shutting down" in low)
    ):
        why = (
            "the records server is not accepting connections now (starting, stopping or in "
            "maintenance); it is tried again on the next save"
        )
    elif (
        "connection refused" in low
        or "could not translate host name" in low
        or "timeout expired" in low
        or "no route to host" in low
        or "network is unreachable" in low
        or "could not connect" in low
    ):
        why = "cannot reach the records server (is it running, and the address right?)"
    elif isinstance(exc, pg_errors.AdminShutdown | pg_errors.CannotConnectNow) or any(
        s in low
        for s in (
            "terminating connection",
            "server closed the connection",
            "connection is lost",
            "connection is closed",
            "consuming input failed",
            "sending query",
            "connection timed out",
            "ssl syscall",
            "eof detected",
        )
    ):
        why = "the connection to the records server was lost; it is tried again on the next save"
    else:
        why = text.splitlines()[0] if text else type(exc).__name__
    secret = _password(url)
    if secret:
        why = why.replace(secret, "***")
    return StoreError(f"{where}: {why}")


def connect(url: str, *, autocommit: bool = True) -> psycopg.Connection[Any]:
    """A new connection with the session as the store needs it (UTC, exact floats);
    :class:`StoreError` (one line, no password) when it cannot be made."""
    try:
        given = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise StoreError(
            "postgresql://: the database URL cannot be read; expected "
            "postgresql://user@host:port/database"
        ) from None
    extra = {k: v for k, v in DEFAULT_PARAMS.items() if k not in given}
    try:
        conn = psycopg.connect(make_conninfo(url, **extra), autocommit=autocommit)
    except psycopg.Error as exc:
        raise explain(exc, url) from None
    try:
        # Times read back in UTC; floats in full (the default since PostgreSQL 12).
        conn.execute("SET TIME ZONE 'UTC'; SET extra_float_digits = 3")
        if not autocommit:
            conn.commit()
    except psycopg.Error as exc:
        conn.close()
        raise explain(exc, url) from None
    return conn


class PostgresConnection:
    """One connection to a PostgreSQL database, migrated to the current schema on open."""

    url: str
    read_only: bool
    _conn: psycopg.Connection[Any] | None
    #: True in a :meth:`snapshot` reader: every read is inside its one read-only transaction.
    _in_snapshot: bool = False

    def __init__(self, url: str, read_only: bool | None = None) -> None:
        self.url = url
        self.read_only = bool(read_only)
        self._conn = None
        self._live()
        if not self.read_only:
            self._migrate()
            return
        version = self.schema_version  # reading only: never migrate
        if version != len(MIGRATIONS):
            self.close()
            raise StoreError(
                f"{self.location}: the records are at schema {version}, this NeuroExam "
                f"knows {len(MIGRATIONS)}; open them once for writing (or upgrade)"
            )

    @property
    def location(self) -> str:
        return describe_server(self.url)

    @property
    def path(self) -> str:
        """What SQLite calls the file: here the server and database (no password)."""
        return self.location

    def close(self) -> None:
        if self._conn is not None:
            with suppress(psycopg.Error):
                self._conn.close()
            self._conn = None

    def another_connection(self) -> Self:
        """A second connection to the same database (for the app's writer thread)."""
        return type(self)(self.url, read_only=self.read_only)

    def refuse_if_read_only(self, action: str) -> None:
        if self.read_only:
            raise StoreError(
                f"{self.location}: the records are opened for reading only; cannot {action}"
            )

    # ---------------------------------------------------------------- connection

    def _live(self) -> psycopg.Connection[Any]:
        """The connection, made again when the last one was lost."""
        if self._conn is None or self._conn.closed:
            if self._in_snapshot:
                raise StoreError(f"{self.location}: the read of the records was interrupted")
            conn = connect(self.url)
            if self.read_only:  # the server itself refuses any write on this connection
                try:
                    conn.execute("SET default_transaction_read_only = on")
                except psycopg.Error as exc:
                    conn.close()
                    raise explain(exc, self.url) from None
            self._conn = conn
        return self._conn

    def _failed(self, exc: psycopg.Error) -> StoreError:
        """The error to raise for ``exc``; a broken connection is dropped (next call
        reconnects)."""
        conn = self._conn
        if conn is None:
            return explain(exc, self.url)
        if conn.broken or conn.closed or isinstance(exc, _LOST):
            with suppress(Exception):
                conn.close()
            if not self._in_snapshot:
                self._conn = None
        elif not self._in_snapshot:
            self._roll_back()
        return explain(exc, self.url)

    def _roll_back(self) -> None:
        """End a transaction a failed statement left open (a connection still usable)."""
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            return
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            with suppress(psycopg.Error):
                conn.execute("ROLLBACK")

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """One write transaction: committed on success, else rolled back."""
        if self._in_snapshot or self.read_only:
            raise StoreError(f"{self.location}: the records are opened for reading only")
        conn = self._live()
        try:
            with conn.transaction():
                yield conn
        except psycopg.Error as exc:
            raise self._failed(exc) from None

    def _query(self, sql: str, params: tuple | dict | list = ()) -> list[tuple]:
        conn = self._live()
        try:
            return conn.execute(sql, params).fetchall()
        except psycopg.Error as exc:
            raise self._failed(exc) from None

    def _stream(self, sql: str, params: tuple | dict, batch_size: int) -> Iterator[list[tuple]]:
        """Rows of ``sql`` a batch at a time from a server-side cursor (inside a snapshot)."""
        if not self._in_snapshot:
            with self.snapshot() as snap:
                yield from snap._stream(sql, params, batch_size)
            return
        conn = self._live()
        try:
            cursor = conn.cursor(name=f"neuroexam_stream_{next(_cursor_names)}")
            cursor.itersize = batch_size
            cursor.execute(sql, params)
        except psycopg.Error as exc:
            raise self._failed(exc) from None
        try:
            while True:
                try:
                    batch = cursor.fetchmany(batch_size)
                except psycopg.Error as exc:
                    raise self._failed(exc) from None
                if not batch:
                    return
                yield batch
        finally:
            with suppress(psycopg.Error):
                cursor.close()

    # ---------------------------------------------------------------- schema

    @property
    def schema_version(self) -> int:
        rows = self._query(
            "SELECT coalesce(max(version), 0) FROM schema_version"
            if self._has_version_table()
            else "SELECT 0"
        )
        return int(rows[0][0])

    def _has_version_table(self) -> bool:
        rows = self._query("SELECT to_regclass('schema_version') IS NOT NULL")
        return bool(rows[0][0])

    def _migrate(self) -> None:
        """Apply the migrations this database lacks, each in its own transaction; several
        workstations starting at once wait for each other (an advisory lock)."""
        if self._has_version_table() and self.schema_version == len(MIGRATIONS):
            return  # the usual case: nothing to do, nothing locked or created
        conn = self._live()
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version ("
                    "version integer PRIMARY KEY, "
                    "applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"
                )
                row = conn.execute(
                    "SELECT coalesce(max(version), 0) FROM schema_version"
                ).fetchone()
                version = int(row[0]) if row else 0
                if version > len(MIGRATIONS):
                    raise StoreError(
                        f"{self.location}: made by a newer NeuroExam (schema {version}); "
                        "please upgrade"
                    )
                for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                    conn.execute(script)
                    conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
        except psycopg.Error as exc:
            raise self._failed(exc) from None

    # ---------------------------------------------------------------- snapshot

    @contextmanager
    def snapshot(self) -> Iterator[Self]:
        """A second connection holding one ``REPEATABLE READ READ ONLY`` transaction: long
        reads (export) see one consistent state and never hold up the exam being recorded."""
        reader = type(self).__new__(type(self))
        reader.url = self.url
        reader.read_only = True
        reader._in_snapshot = True
        reader._conn = connect(self.url, autocommit=False)
        try:
            reader._conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            reader._conn.read_only = True
            reader._conn.execute("SELECT count(*) FROM exams").fetchone()  # the snapshot starts
        except psycopg.Error as exc:
            reader.close()
            raise explain(exc, self.url) from None
        try:
            yield reader
        finally:
            reader.close()
