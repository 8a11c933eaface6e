"""The access token of ``neuroexam serve``: made on first start, kept 0600 beside the records."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

TOKEN_FILE = "web-token"
#: ``secrets.token_urlsafe(32)``: 256 random bits, 43 characters.
TOKEN_BYTES = 32
MIN_TOKEN_CHARS = 32


class TokenError(Exception):
    """The token file cannot be made or trusted; the message is one line naming the file."""


def token_path(folder: Path) -> Path:
    return folder / TOKEN_FILE


def _private_folder(folder: Path) -> None:
    """Create the data folder 0700, or tighten an existing one of ours to 0700."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.name != "nt" and stat.S_IMODE(folder.stat().st_mode) != 0o700:
            folder.chmod(0o700)
    except OSError as exc:
        raise TokenError(
            f"{folder}: cannot make the data folder private: {exc.strerror or exc}"
        ) from None


def load_or_create_token(folder: Path) -> str:
    """The token in ``folder/web-token``; a new random one (file mode 0600) on first start.

    A token file that others may read, or that does not hold a token, is refused: delete it
    and start again to get a new token.
    """
    _private_folder(folder)
    path = token_path(folder)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_token(path)
    except OSError as exc:
        raise TokenError(f"{path}: cannot create the token file: {exc.strerror or exc}") from None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    return token


def _read_token(path: Path) -> str:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if os.name != "nt" and mode & 0o077:
            raise TokenError(
                f"{path}: others may read this token file (mode {mode:04o}); "
                "delete it and start again for a new token, or chmod 600 it"
            )
        token = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenError(f"{path}: cannot read the token file: {exc}") from None
    if len(token) < MIN_TOKEN_CHARS or not token.replace("-", "").replace("_", "").isalnum():
        raise TokenError(
            f"{path}: expected a token of at least {MIN_TOKEN_CHARS} URL-safe characters; "
            "delete the file and start again for a new one"
        )
    return token


def cookie_value(token: str) -> str:
    """What the session cookie holds: derived from the token, never the token itself."""
    return hmac.new(token.encode(), b"neuroexam web session", hashlib.sha256).hexdigest()


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison that accepts ``None`` as a mismatch."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
