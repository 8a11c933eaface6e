"""What ``neuroexam serve`` was asked for, checked before anything listens: the bind rules."""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import socket
import subprocess
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 4
#: Names that always mean this machine (also accepted in the Host header of a loopback server).
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class OptionError(ValueError):
    """A ``serve`` option that cannot work; the message is one line naming the option."""


def app_command() -> str:
    """The shell command each browser tab runs: the normal NeuroExam TUI, same interpreter.

    ``exec``: the shell textual-serve starts becomes the app, so stopping it stops the app.
    """
    if os.name == "nt":
        return subprocess.list2cmdline([sys.executable, "-m", "neuroexam"])
    return "exec " + shlex.join([sys.executable, "-m", "neuroexam"])


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is on this machine (127.0.0.0/8, ::1)."""
    bare = host.strip("[]")
    if bare.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(bare, None)
    except (OSError, UnicodeError):
        return False
    addresses = {str(info[4][0]) for info in infos}
    return bool(addresses) and all(
        ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses
    )


def is_wildcard(host: str) -> bool:
    """``0.0.0.0`` or ``::``: every interface of this machine."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``serve`` (no aiohttp import: the parser works without the extra)."""
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind ({DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    parser.add_argument("--cert", type=Path, metavar="FILE", help="TLS certificate chain (PEM)")
    parser.add_argument("--key", type=Path, metavar="FILE", help="TLS private key (PEM)")
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help=f"browser tabs at once, each its own app process ({DEFAULT_MAX_SESSIONS})",
    )
    parser.add_argument(
        "--behind-proxy",
        action="store_true",
        help="a TLS reverse proxy (Caddy, nginx) is in front: allow a non-loopback --host "
        "without --cert, trust X-Forwarded-Proto, mark the cookie Secure",
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the address browsers use, e.g. https://exam.clinic.example (for the printed link)",
    )


@dataclass(frozen=True)
class ServeOptions:
    """The checked options of one ``neuroexam serve``."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    cert: Path | None = None
    key: Path | None = None
    max_sessions: int = DEFAULT_MAX_SESSIONS
    behind_proxy: bool = False
    public_url: str | None = None
    command: str = ""

    @property
    def tls(self) -> bool:
        """This process speaks TLS itself (``--cert``/``--key``)."""
        return self.cert is not None

    @cached_property
    def loopback(self) -> bool:
        """Whether ``host`` is this machine only (resolved once, not per request)."""
        return is_loopback(self.host)

    @property
    def https_seen_by_browser(self) -> bool:
        """The browser reaches the app over https: our own TLS, or a TLS-terminating proxy."""
        return self.tls or self.behind_proxy

    @property
    def secure_cookie(self) -> bool:
        """``Secure`` whenever the browser speaks https; plain http is allowed only on loopback,
        where the cookie never crosses a network (see README, "On a tablet")."""
        return self.https_seen_by_browser


def check_options(
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    cert: Path | None = None,
    key: Path | None = None,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    behind_proxy: bool = False,
    public_url: str | None = None,
    command: str | None = None,
) -> ServeOptions:
    """Build the options or raise :class:`OptionError` with one line naming the option.

    A non-loopback address is refused unless TLS (``--cert`` and ``--key``) or
    ``--behind-proxy`` says how the traffic is protected on the network.
    """
    host = host.strip()
    if not host:
        raise OptionError("--host: expected an address or name, e.g. 127.0.0.1 (got '')")
    if not 0 <= port <= 65535:
        raise OptionError(f"--port: expected a port number from 0 to 65535 (got {port})")
    if max_sessions < 1:
        raise OptionError(f"--max-sessions: expected a number of 1 or more (got {max_sessions})")
    if (cert is None) != (key is None):
        given, missing = ("--cert", "--key") if cert is not None else ("--key", "--cert")
        raise OptionError(f"{given}: also give {missing} (TLS needs the certificate and its key)")
    for option, path in (("--cert", cert), ("--key", key)):
        if path is not None and not path.is_file():
            raise OptionError(f"{option}: expected a readable PEM file (no file at {path})")
    if public_url is not None:
        public_url = _check_public_url(public_url)
    options = ServeOptions(
        host=host,
        port=port,
        cert=cert,
        key=key,
        max_sessions=max_sessions,
        behind_proxy=behind_proxy,
        public_url=public_url,
        command=command or app_command(),
    )
    if not options.loopback and not options.tls and not behind_proxy:
        raise OptionError(
            f"--host: {host} is reachable from the network; serve it over TLS "
            "(--cert FILE --key FILE) or behind a TLS reverse proxy (--behind-proxy), "
            "or keep the default 127.0.0.1"
        )
    return options


def _check_public_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OptionError(f"--public-url: expected http(s)://HOST[:PORT] (got {url!r})")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise OptionError(
            f"--public-url: expected only scheme, host and port, served at / (got {url!r})"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _lan_address() -> str:
    """A name or address another device may reach this machine by (for a wildcard bind)."""
    name = socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_INET)
    except OSError:
        return name
    for info in infos:
        address = str(info[4][0])
        if not ipaddress.ip_address(address).is_loopback:
            return address
    return name


def base_url(options: ServeOptions, port: int | None = None) -> str:
    """Where a browser opens the app: ``--public-url``, else built from host and port."""
    if options.public_url:
        return options.public_url
    port = options.port if port is None else port
    scheme = "https" if options.https_seen_by_browser else "http"
    host = _lan_address() if is_wildcard(options.host) else options.host.strip("[]")
    if ":" in host:
        host = f"[{host}]"
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + ("" if port == default else f":{port}")


def token_link(options: ServeOptions, token: str, port: int | None = None) -> str:
    """The link that signs a browser in: the base URL with ``?token=``."""
    return f"{base_url(options, port)}/?token={token}"
