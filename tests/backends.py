"""The store suite on every backend: fixtures parametrised by ``sqlite`` and ``postgresql``.

PostgreSQL cases need a server: ``NEUROEXAM_TEST_PG`` is the libpq URL of one where the tests
may ``CREATE DATABASE`` (``.ci/run`` starts a throwaway one and sets it). Without it they are
skipped with a visible reason. One database is made per test session (and dropped at its end);
each test starts from empty tables (``TRUNCATE``), which costs milliseconds.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from neuroexam.records.backend import RecordStore

PG_ENV = "NEUROEXAM_TEST_PG"
NO_SERVER = "no PostgreSQL server given (set NEUROEXAM_TEST_PG; .ci/run starts one)"
BACKENDS = ("sqlite", "postgresql")


def with_database(url: str, name: str) -> str:
    """``url`` naming the database ``name`` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


_databases = itertools.count(1)


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database on the test server, dropped afterwards (skips without
    a server); its name holds ``prefix`` and this process's id (parallel runs never share
    one)."""
    server = os.environ.get(PG_ENV, "").strip()
    if not server:
        pytest.skip(NO_SERVER)
    psycopg = pytest.importorskip("psycopg", reason="the postgres extra is not installed")
    name = f"{prefix}_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
    try:
        yield with_database(server, name)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of this session's empty, migrated test database (skips without a server)."""
    from neuroexam.records.postgres import PostgresStore

    with throwaway_database("neuroexam_test") as url:
        PostgresStore(url).close()  # migrated once
        yield url


@pytest.fixture
def own_pg_database() -> Iterator[str]:
    """An empty, unmigrated database for this test alone (dropped after it)."""
    with throwaway_database("neuroexam_own") as url:
        yield url


def empty_tables(url: str) -> None:
    """Every table of the records emptied (identities restarted), the schema kept."""
    import psycopg

    from neuroexam.records.postgres.migrations import TABLES

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """The session's test database, emptied for this test."""
    empty_tables(pg_database)
    return pg_database


@dataclass
class Backend:
    """One backend's records for one test: :meth:`open` gives another store on them."""

    name: str
    target: str
    opened: list[Any] = field(default_factory=list)

    def open(self) -> RecordStore:
        """A new store (its own connection) on this test's records."""
        from neuroexam.records.store import open_store

        if self.name == "postgresql":
            store = open_store(url=self.target)
        else:
            store = open_store(Path(self.target))
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self.opened:
            store.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    """This test's empty records on each backend. The app's default store (``open_store()``,
    what the CLI opens) is these records too."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv("NEUROEXAM_DB", url)
        chosen = Backend("postgresql", url)
    else:
        monkeypatch.delenv("NEUROEXAM_DB", raising=False)
        monkeypatch.delenv("NEUROEXAM_DATABASE_URL", raising=False)
        from neuroexam.records.paths import default_db_path

        chosen = Backend("sqlite", str(default_db_path()))
    yield chosen
    chosen.close_all()


@pytest.fixture
def record_store(backend: Backend) -> RecordStore:
    """An empty store on each backend (``record_store[sqlite]``, ``record_store[postgresql]``)."""
    return backend.open()
