"""Identifiers for new records."""

from __future__ import annotations

import secrets
from datetime import datetime


def new_exam_id(moment: datetime | None = None) -> str:
    """``EX-YYYYMMDD-XXXXXXXXXXXXXXXX``: the exam's local date and 64 random bits (16 hex
    digits).

    The store inserts a new exam with a plain INSERT, so even the negligible chance of a clash
    is refused (never merged), and the caller draws a new id. Ids of earlier releases (6 hex
    digits) stay valid: nothing parses them.
    """
    moment = moment or datetime.now().astimezone()
    return f"EX-{moment:%Y%m%d}-{secrets.token_hex(8).upper()}"
