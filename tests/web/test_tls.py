"""``--cert/--key``: the server speaks TLS itself; the cookie is Secure, the websocket is wss."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from neuroexam.web.command import _tls_context
from neuroexam.web.options import OptionError, check_options
from neuroexam.web.server import COOKIE_NAME, build_app
from tests.web.conftest import TINY_APP, signed_in


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_tls_server_sets_a_secure_cookie_and_serves_wss(tmp_path: Path, token: str) -> None:
    cert, key = _self_signed(tmp_path)
    options = check_options(host="127.0.0.1", cert=cert, key=key, command=TINY_APP)
    context = _tls_context(options)
    assert context is not None
    server = TestServer(build_app(options, token), host="127.0.0.1")
    await server.start_server(ssl=context)
    trust = ssl.create_default_context(cafile=str(cert))
    client = TestClient(server, connector=aiohttp.TCPConnector(ssl=trust))
    await client.start_server()
    try:
        assert str(client.make_url("/")).startswith("https://")
        response = await client.get("/", params={"token": token})
        assert response.status == 200
        assert "Secure" in response.headers["Set-Cookie"]
        assert f"{COOKIE_NAME}=" in response.headers["Set-Cookie"]
        page = await (await client.get("/", headers=signed_in(token))).text()
        assert f'data-session-websocket-url="wss://127.0.0.1:{client.port}/ws"' in page
        origin = f"https://127.0.0.1:{client.port}"
        websocket = await client.ws_connect("/ws", headers={**signed_in(token), "Origin": origin})
        await websocket.close()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(
                "/ws", headers={**signed_in(token), "Origin": f"http://127.0.0.1:{client.port}"}
            )
        assert refused.value.status == 403
    finally:
        await client.close()


def test_a_file_that_is_not_a_certificate_is_one_line(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("not a certificate\n")
    key.write_text("not a key\n")
    options = check_options(host="0.0.0.0", cert=cert, key=key)
    with pytest.raises(OptionError) as caught:
        _tls_context(options)
    message = str(caught.value)
    assert message.startswith(f"--cert/--key: cannot load {cert} with {key}: ")
    assert "\n" not in message
