"""``neuroexam serve``: check the options, get the token, listen, print the link and QR code."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import signal
import ssl
import sys
from typing import TextIO

from aiohttp import web

from neuroexam.records.paths import data_dir
from neuroexam.web.options import OptionError, ServeOptions, check_options, token_link
from neuroexam.web.server import build_app
from neuroexam.web.token import TokenError, load_or_create_token, token_path

EXIT_OK, EXIT_USAGE = 0, 2


def _tls_context(options: ServeOptions) -> ssl.SSLContext | None:
    if options.cert is None or options.key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(options.cert, options.key)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise OptionError(
            f"--cert/--key: cannot load {options.cert} with {options.key}: {reason}"
        ) from None
    return context


def print_banner(options: ServeOptions, token: str, port: int, out: TextIO) -> None:
    """The link (with the token) and its QR code; the token itself is never logged elsewhere."""
    link = token_link(options, token, port)
    print(f"NeuroExam is served on {link.split('/?')[0]}/", file=out)
    print(
        f"Each browser tab runs its own NeuroExam (at most {options.max_sessions} at once); "
        "records go to the same store.",
        file=out,
    )
    print("Open this link on the tablet (it carries the access token: keep it private):", file=out)
    print(f"  {link}", file=out)
    try:
        import segno

        buffer = io.StringIO()
        segno.make(link, error="L").terminal(out=buffer, compact=True)
        print(buffer.getvalue(), end="", file=out)
    except (ImportError, ValueError):
        pass
    print(f"Token file: {token_path(data_dir())} (delete it and restart for a new token)", file=out)
    print("Press Ctrl+C to stop; open tabs are closed and their exams stay resumable.", file=out)


async def run(options: ServeOptions, token: str, out: TextIO = sys.stdout) -> int:
    """Listen until SIGINT/SIGTERM; close every session on the way out."""
    context = _tls_context(options)
    runner = web.AppRunner(build_app(options, token), access_log=None, shutdown_timeout=15)
    await runner.setup()
    site = web.TCPSite(runner, options.host, options.port, ssl_context=context)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise OptionError(
            f"--host/--port: cannot listen on {options.host}:{options.port}: {exc.strerror or exc}"
        ) from None
    port = options.port
    server = getattr(site, "_server", None)
    sockets = getattr(server, "sockets", None) or []
    if sockets:
        port = sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    print_banner(options, token, port, out)
    out.flush()
    try:
        await stop.wait()
    finally:
        print("Stopping: closing the open sessions…", file=out)
        await runner.cleanup()
    return EXIT_OK


def serve_command(args: argparse.Namespace) -> int:
    """``neuroexam serve``: one clear line and exit 2 for anything that cannot start."""
    try:
        options = check_options(
            host=args.host,
            port=args.port,
            cert=args.cert,
            key=args.key,
            max_sessions=args.max_sessions,
            behind_proxy=args.behind_proxy,
            public_url=args.public_url,
        )
        token = load_or_create_token(data_dir())
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%X")
        return asyncio.run(run(options, token))
    except (OptionError, TokenError) as exc:
        print(f"neuroexam serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
