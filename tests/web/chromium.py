"""Debian's Chromium as the smoke test and the benchmark start it (root, closed network)."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")

#: As root and on a closed network: no sandbox, no GPU, no background traffic to outside hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
