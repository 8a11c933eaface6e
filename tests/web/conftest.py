"""Fixtures for the ``neuroexam serve`` tests: a guarded server on loopback, its token, tabs."""

from __future__ import annotations

import shlex
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from neuroexam.records.paths import data_dir
from neuroexam.web.options import ServeOptions
from neuroexam.web.server import COOKIE_NAME, HEARTBEAT_SECONDS, build_app
from neuroexam.web.token import cookie_value, load_or_create_token

TINY_APP = "exec " + shlex.join([sys.executable, str(Path(__file__).with_name("tiny_app.py"))])


@pytest.fixture
def token() -> str:
    """The token of this test's data folder (made on first use, as ``serve`` does)."""
    return load_or_create_token(data_dir())


@asynccontextmanager
async def served(
    token: str, heartbeat: float = HEARTBEAT_SECONDS, **fields: object
) -> AsyncIterator[TestClient]:
    """A test client of the guarded app on 127.0.0.1 (the tiny app per tab unless ``command``)."""
    fields.setdefault("command", TINY_APP)
    options = ServeOptions(**fields)  # type: ignore[arg-type]
    app = build_app(options, token, heartbeat=heartbeat)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


def origin(client: TestClient, scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{client.port}"


def signed_in(token: str) -> dict[str, str]:
    """The Cookie header a signed-in browser sends."""
    return {"Cookie": f"{COOKIE_NAME}={cookie_value(token)}"}
