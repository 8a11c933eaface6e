"""Shared test set-up: an isolated data dir, no user config, deterministic behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest

from neuroexam.core.protocol import Protocols, shipped

# The store suite runs on each backend: backend, record_store, pg_database, pg_url.
from tests.backends import (  # noqa: F401
    backend,
    own_pg_database,
    pg_database,
    pg_url,
    record_store,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own NEUROEXAM_HOME; nothing touches the developer's files."""
    home = tmp_path / "neuroexam-home"
    monkeypatch.setenv("NEUROEXAM_HOME", str(home))
    for name in ("NEUROEXAM_DB", "NEUROEXAM_DATABASE_URL", "NEUROEXAM_CONFIG"):
        monkeypatch.delenv(name, raising=False)  # never the developer's own records server
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return home


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A steady text cursor, so a snapshot never depends on when the blink timer fired."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False)


@pytest.fixture(autouse=True)
def _settled_saves_in_snapshots(request: pytest.FixtureRequest) -> None:
    """Snapshots commit on the UI thread: a screen never shows a finding still being saved
    only because the writer thread had not caught up when the picture was taken."""
    if "snap_compare" in request.fixturenames:
        from neuroexam.tui.app import NeuroExamApp

        request.getfixturevalue("monkeypatch").setattr(NeuroExamApp, "THREADED_SAVES", False)


@pytest.fixture(autouse=True)
def _fresh_engine_memos() -> None:
    """Each test has the rules engine compute afresh: a memo filled by an earlier test (or by
    the parent process of a mutation run) must never answer for the code under test."""
    from neuroexam.core import observations

    observations._limbs.cache_clear()
    observations._parsed_signs.cache_clear()


@pytest.fixture(scope="session")
def protocols() -> Protocols:
    return shipped()
