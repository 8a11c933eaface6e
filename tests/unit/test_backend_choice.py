"""Which records the app opens: one place decides (``open_store``), from ``NEUROEXAM_DB`` /
``NEUROEXAM_DATABASE_URL`` or the settings file; SQLite when none is given."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from neuroexam.records.backend import StoreError
from neuroexam.records.sqlite import SqliteStore
from neuroexam.records.store import database_url, open_store
from neuroexam.settings import load_settings

#: Nothing listens on port 1: opening fails at once, naming the server it was sent to.
NOWHERE = "postgresql://vet:pw-123@127.0.0.1:1/clinic"


@pytest.fixture(autouse=True)
def _no_url(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEUROEXAM_DB", "NEUROEXAM_DATABASE_URL", "DATABASE_URL", "NEUROEXAM_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def test_without_a_url_the_records_are_the_sqlite_file(_isolated_home: Path) -> None:
    assert database_url() is None
    store = open_store()
    try:
        assert isinstance(store, SqliteStore)
        assert store.location == str(_isolated_home / "neuroexam.db")
    finally:
        store.close()


def test_neuroexam_db_chooses_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("psycopg", reason="the postgres extra is not installed")
    monkeypatch.setenv("NEUROEXAM_DB", NOWHERE)
    assert database_url() == NOWHERE and load_settings().database_url == NOWHERE
    with pytest.raises(StoreError, match=r"^postgresql://vet@127\.0\.0\.1:1/clinic: ") as failed:
        open_store()
    assert "pw-123" not in str(failed.value)


def test_the_long_name_wins_and_a_bare_database_url_is_not_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://other-program@db/x")
    assert database_url() is None and load_settings().database_url is None
    monkeypatch.setenv("NEUROEXAM_DB", "postgresql://a@h/one")
    monkeypatch.setenv("NEUROEXAM_DATABASE_URL", "postgresql://b@h/two")
    assert database_url() == "postgresql://b@h/two"
    assert load_settings().database_url == "postgresql://b@h/two"


def test_the_settings_file_may_choose(_isolated_home: Path) -> None:
    _isolated_home.mkdir(parents=True, exist_ok=True)
    (_isolated_home / "settings.toml").write_text(f'database_url = "{NOWHERE}"\n')
    assert database_url() == NOWHERE
    (_isolated_home / "settings.toml").write_text('database_url = "mysql://x@h/db"\n')
    with pytest.raises(StoreError, match="not a database NeuroExam can use"):
        open_store()


def test_an_explicit_path_is_always_that_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEUROEXAM_DB", NOWHERE)
    store = open_store(tmp_path / "here.db")
    assert isinstance(store, SqliteStore)
    store.close()


def test_without_psycopg_the_message_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m.startswith(("psycopg", "neuroexam.records.postgres"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "psycopg", None)  # an import of it fails
    with pytest.raises(StoreError, match=r"pip install 'neuroexam\[postgres\]'"):
        open_store(url=NOWHERE)
