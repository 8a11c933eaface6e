"""The guard of ``neuroexam serve`` over HTTP: token, cookie, Origin, host, cap, assets."""

from __future__ import annotations

import asyncio
import os
import re
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from neuroexam.web import pages
from neuroexam.web.server import COOKIE_MAX_AGE, COOKIE_NAME, SESSIONS_KEY
from neuroexam.web.token import cookie_value
from tests.web.conftest import origin, served, signed_in
from tests.web.terminal import Tab

OUTSIDE_URL = re.compile(r"""(?:https?:|wss?:)?//[^\s"'<>);]+""", re.IGNORECASE)


def _cookie(response: aiohttp.ClientResponse) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.headers.getall("Set-Cookie", []):
        jar.load(header)
    return jar


async def _ws_status(client: TestClient, **kwargs: object) -> int:
    """The HTTP status a websocket handshake gets (101 when it opens)."""
    try:
        websocket = await client.ws_connect("/ws", **kwargs)  # type: ignore[arg-type]
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    await websocket.close()
    return 101


# ------------------------------------------------------------------------------ token and cookie


@pytest.mark.parametrize("path", ["/", "/ws", "/static/js/textual.js", "/static/", "/nothing"])
async def test_no_token_is_401_plain(token: str, path: str) -> None:
    async with served(token) as client:
        response = await client.get(path)
        assert response.status == 401
        assert response.content_type == "text/plain"
        assert "access link" in await response.text()
        assert "Set-Cookie" not in response.headers


async def test_wrong_token_or_cookie_is_401(token: str) -> None:
    async with served(token) as client:
        wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert (await client.get("/", params={"token": wrong})).status == 401
        assert (await client.get("/", params={"token": ""})).status == 401
        # the token itself is not a cookie value, nor is a cookie of another token
        bad_cookies = [token, cookie_value(wrong)]
        for value in bad_cookies:
            headers = {"Cookie": f"{COOKIE_NAME}={value}"}
            assert (await client.get("/", headers=headers)).status == 401
        # the token signs in only at the page itself
        assert (await client.get("/static/neuroexam.css", params={"token": token})).status == 401


async def test_token_link_sets_strict_httponly_cookie_and_leaves_the_token(token: str) -> None:
    async with served(token) as client:
        response = await client.get("/", params={"token": token, "fontsize": "20"})
        assert response.status == 200
        body = await response.text()
        assert token not in body
        assert '<meta http-equiv="refresh" content="0; url=/">' in body
        morsel = _cookie(response)[COOKIE_NAME]
        assert morsel.value == cookie_value(token) != token
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Strict"
        assert morsel["path"] == "/"
        assert int(morsel["max-age"]) == COOKIE_MAX_AGE
        # plain http on loopback: not Secure (the cookie never crosses a network; README)
        assert not morsel["secure"]
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        # the browser then loads / with the cookie
        page = await client.get("/", headers=signed_in(token))
        assert page.status == 200
        assert page.content_type == "text/html"


@pytest.mark.parametrize(
    "fields", [{"behind_proxy": True}, {"cert": Path("cert.pem"), "key": Path("key.pem")}]
)
async def test_cookie_is_secure_when_the_browser_speaks_https(token: str, fields: dict) -> None:
    async with served(token, **fields) as client:
        response = await client.get("/", params={"token": token})
        assert response.status == 200
        assert _cookie(response)[COOKIE_NAME]["secure"] is True


# ------------------------------------------------------------------------------ page and assets


async def test_page_names_only_this_server(token: str) -> None:
    async with served(token) as client:
        response = await client.get("/", headers=signed_in(token))
        page = await response.text()
        websocket_url = f"ws://127.0.0.1:{client.port}/ws"
        assert f'data-session-websocket-url="{websocket_url}"' in page
        outside = [u for u in OUTSIDE_URL.findall(page) if u != websocket_url]
        assert outside == []
        references = re.findall(r'(?:src|href)="([^"]*)"', page)
        assert references and all(ref.startswith("/static/") for ref in references)
        for ref in references:
            asset = await client.get(ref, headers=signed_in(token))
            assert asset.status == 200, ref
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert [u for u in OUTSIDE_URL.findall(csp) if u != f"ws://127.0.0.1:{client.port}"] == []
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_served_styles_load_fonts_from_this_server(token: str) -> None:
    async with served(token) as client:
        for path in ("/static/neuroexam.css", "/static/css/xterm.css"):
            css = await (await client.get(path, headers=signed_in(token))).text()
            css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)  # credits name their homes
            assert OUTSIDE_URL.findall(css) == [], path
            assert "@import" not in css
        ours = await (await client.get("/static/neuroexam.css", headers=signed_in(token))).text()
        fonts = re.findall(r'url\("([^"]+)"\)', ours)
        assert fonts
        for font in fonts:
            response = await client.get(font, headers=signed_in(token))
            assert response.status == 200 and response.content_type == "font/ttf"
        script = await (await client.get("/static/js/textual.js", headers=signed_in(token))).text()
        assert "fonts.googleapis" not in script and "fonts.gstatic" not in script


@pytest.mark.parametrize(
    "path",
    [
        "/static/",
        "/static",
        "/static/js/",
        "/static/fonts/",
        "/static/images/background.png",
        "/static/../pyproject.toml",
        "/static/%2e%2e/templates/app_index.html",
        "/download/anything",
    ],
)
async def test_no_listing_and_nothing_outside_the_asset_list(token: str, path: str) -> None:
    async with served(token) as client:
        response = await client.get(path, headers=signed_in(token))
        assert response.status == 404
        body = await response.text()
        assert "<a href" not in body and "Index of" not in body
        assert "textual.js" not in body and "fonts" not in body


# ------------------------------------------------------------------------------ host and origin


async def test_foreign_host_header_is_403(token: str) -> None:
    """A DNS-rebinding page reaches the loopback server under its own name: refused."""
    async with served(token) as client:
        headers = {**signed_in(token), "Host": f"evil.example:{client.port}"}
        response = await client.get("/", headers=headers)
        assert response.status == 403
        headers["Host"] = f"localhost:{client.port}"
        assert (await client.get("/", headers=headers)).status == 200


@pytest.mark.parametrize(
    "given",
    [
        "http://evil.example",
        "http://127.0.0.1",  # another port is another origin
        "https://127.0.0.1:{port}",  # another scheme too
        "null",
        None,
    ],
)
async def test_websocket_from_a_foreign_origin_is_403(token: str, given: str | None) -> None:
    async with served(token) as client:
        headers = signed_in(token)
        if given is not None:
            headers["Origin"] = given.format(port=client.port)
        assert await _ws_status(client, headers=headers) == 403
        assert client.app[SESSIONS_KEY].count == 0


async def test_websocket_needs_the_cookie_too(token: str) -> None:
    async with served(token) as client:
        assert await _ws_status(client, origin=origin(client)) == 401


async def test_behind_proxy_the_origin_is_https(token: str) -> None:
    async with served(token, behind_proxy=True) as client:
        headers = {**signed_in(token), "Origin": origin(client, "https")}
        status = await _ws_status(client, headers={**headers, "X-Forwarded-Proto": "https"})
        assert status == 101
        headers["Origin"] = origin(client, "http")
        assert await _ws_status(client, headers=headers) == 403


# ------------------------------------------------------------------------------ session cap


async def _until(condition: object, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


async def test_session_cap_answers_503_with_a_plain_page(token: str) -> None:
    async with served(token, max_sessions=1) as client:
        sessions = client.app[SESSIONS_KEY]
        headers = {**signed_in(token), "Origin": origin(client)}
        first = Tab(await client.ws_connect("/ws", headers=headers))
        await first.wait_for_text("tiny app ready")
        page = await client.get("/", headers=signed_in(token))
        assert page.status == 503
        assert page.content_type == "text/plain"
        assert "all 1 sessions are in use" in await page.text()
        assert await _ws_status(client, headers=headers) == 503
        assert sessions.count == 1
        await first.close()
        await _until(lambda: sessions.count == 0)
        assert (await client.get("/", headers=signed_in(token))).status == 200
        second = Tab(await client.ws_connect("/ws", headers=headers))
        await second.wait_for_text("tiny app ready")
        await second.close()
        await _until(lambda: sessions.count == 0)


def _tiny_app_children() -> set[int]:
    """Processes started by this test process that run the tiny app (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"tiny_app.py" in cmdline:
            found.add(int(entry.name))
    return found


async def test_each_tab_is_its_own_process(token: str) -> None:
    async with served(token, max_sessions=2) as client:
        headers = {**signed_in(token), "Origin": origin(client)}
        tabs = [Tab(await client.ws_connect("/ws", headers=headers)) for _ in range(2)]
        for tab in tabs:
            await tab.wait_for_text("tiny app ready")
        assert client.app[SESSIONS_KEY].count == 2
        assert len(_tiny_app_children()) == 2
        for tab in tabs:
            await tab.close()
        await _until(lambda: client.app[SESSIONS_KEY].count == 0)
        assert _tiny_app_children() == set()


async def test_a_frozen_tab_loses_its_app(token: str) -> None:
    """A client that stops answering the heartbeat (a frozen tablet) is closed, its app ends."""
    async with served(token, heartbeat=0.5) as client:
        headers = {**signed_in(token), "Origin": origin(client)}
        frozen = await client.ws_connect("/ws", headers=headers, autoping=False)
        await _until(lambda: client.app[SESSIONS_KEY].count == 1)
        await _until(lambda: client.app[SESSIONS_KEY].count == 0)  # no pong: closed
        assert _tiny_app_children() == set()
        await frozen.close()


async def test_pages_are_escaped_and_font_size_bounded(token: str) -> None:
    async with served(token) as client:
        page = await (
            await client.get("/", params={"fontsize": "9999"}, headers=signed_in(token))
        ).text()
        assert 'data-font-size="48"' in page
        assert pages.busy(3).startswith("NeuroExam: all 3 sessions")
