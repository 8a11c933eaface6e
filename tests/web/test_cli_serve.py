"""``neuroexam serve`` on the command line: the bind rules, one-line errors, the missing extra."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neuroexam import cli
from neuroexam.records.paths import data_dir
from neuroexam.web import EXTRA_MODULES, INSTALL_HINT
from neuroexam.web.command import print_banner
from neuroexam.web.options import (
    OptionError,
    ServeOptions,
    base_url,
    check_options,
    is_loopback,
    token_link,
)
from neuroexam.web.token import token_path


def _serve(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = cli.main(["serve", *argv])
    return status, capsys.readouterr().err


def test_without_the_extra_serve_says_how_to_install_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in EXTRA_MODULES:
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if not installed
    status, err = _serve(capsys)
    assert status == 2
    assert err == INSTALL_HINT + "\n"
    assert "neuroexam[web]" in err
    assert not data_dir().exists()  # nothing made, no token


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--host", "0.0.0.0"], "--host: 0.0.0.0 is reachable from the network"),
        (["--host", "192.0.2.10"], "serve it over TLS (--cert FILE --key FILE)"),
        (["--host", "::"], "or behind a TLS reverse proxy (--behind-proxy)"),
        (["--cert", "c.pem"], "--cert: also give --key"),
        (["--key", "k.pem"], "--key: also give --cert"),
        (["--cert", "none.pem", "--key", "none.pem"], "--cert: expected a readable PEM file"),
        (["--max-sessions", "0"], "--max-sessions: expected a number of 1 or more (got 0)"),
        (["--port", "70000"], "--port: expected a port number from 0 to 65535 (got 70000)"),
        (["--public-url", "ftp://x"], "--public-url: expected http(s)://HOST[:PORT]"),
        (["--public-url", "https://x/sub"], "--public-url: expected only scheme, host and port"),
    ],
)
def test_bad_options_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    status, err = _serve(capsys, *argv)
    assert status == 2
    assert err.startswith("neuroexam serve: ")
    assert expected in err
    assert err.count("\n") == 1
    assert not token_path(data_dir()).exists()


def test_non_loopback_is_allowed_with_tls_or_behind_a_proxy(tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("x")
    key.write_text("x")
    assert check_options(host="0.0.0.0", cert=cert, key=key).tls
    proxied = check_options(host="192.0.2.10", behind_proxy=True)
    assert proxied.secure_cookie and not proxied.tls
    assert not check_options().secure_cookie  # plain http on loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "10.0.0.5", "no-such-host.invalid"])
def test_other_addresses_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_links() -> None:
    token = "t" * 43
    assert token_link(ServeOptions(), token) == f"http://127.0.0.1:8000/?token={token}"
    assert base_url(ServeOptions(host="::1", port=8443, behind_proxy=True)) == "https://[::1]:8443"
    assert base_url(ServeOptions(host="exam.vet", port=443, cert=Path("c"))) == "https://exam.vet"
    proxied = ServeOptions(behind_proxy=True, public_url="https://exam.clinic.example")
    assert token_link(proxied, token) == f"https://exam.clinic.example/?token={token}"


def test_banner_prints_the_link_and_a_qr_code() -> None:
    out = io.StringIO()
    print_banner(ServeOptions(max_sessions=3), "t" * 43, 8123, out)
    text = out.getvalue()
    assert f"  http://127.0.0.1:8123/?token={'t' * 43}\n" in text
    assert "at most 3 at once" in text
    assert "▀" in text or "▄" in text  # the QR code, in half blocks
    assert str(token_path(data_dir())) in text


def test_serve_starts_prints_its_link_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The real command: listens on a free port, prints the token link, exits 0 on SIGTERM."""
    process = subprocess.Popen(
        [sys.executable, "-m", "neuroexam", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert process.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "/?token=" in line or not line:
                break
        token = token_path(data_dir()).read_text().strip()
        assert any(f"/?token={token}" in line for line in lines), lines
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_option_error_is_a_value_error() -> None:
    with pytest.raises(OptionError):
        check_options(host="")
