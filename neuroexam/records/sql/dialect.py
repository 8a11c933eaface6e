"""The little that tells the two SQL dialects' statements apart where their logic is shared.

Shared statements are written in SQLite's parameter styles (``?`` and ``:name``);
:func:`pyformat` turns one into psycopg's (``%s`` and ``%(name)s``, every literal ``%`` doubled),
once per statement text (cached).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Protocol

#: A quoted literal (only its ``%`` doubled), a ``?``, a ``:name`` (not a ``::`` cast) or a ``%``.
_TOKEN = re.compile(r"'[^']*'|\?|(?<![:\w]):([A-Za-z_]\w*)|%")


class Connection(Protocol):
    """What the shared code asks of a connection: sqlite3's and psycopg's alike."""

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...


def _pyformat_token(match: re.Match[str]) -> str:
    token = match.group(0)
    if token == "?":
        return "%s"
    if token == "%":
        return "%%"
    if match.group(1) is not None:
        return f"%({match.group(1)})s"
    return token.replace("%", "%%")  # a quoted literal: psycopg reads its ``%`` too


@lru_cache(maxsize=1024)
def pyformat(sql: str) -> str:
    """``sql`` in SQLite's parameter styles → psycopg's: ``?`` → ``%s``, ``:name`` →
    ``%(name)s``, ``%`` → ``%%`` (in quoted literals too); ``::`` casts are left alone."""
    return _TOKEN.sub(_pyformat_token, sql)


def marks(count: int) -> str:
    """``count`` positional parameters for a ``VALUES (…)`` list, in SQLite's style."""
    return ", ".join("?" * count)
