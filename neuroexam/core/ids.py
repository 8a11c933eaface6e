"""Identifiers for new records."""

from __future__ import annotations

import secrets
from datetime import datetime


def new_exam_id(moment: datetime | None = None) -> str:
    """``EX-YYYYMMDD-XXXXXX``: the exam's local date and 6 random hex digits.

    24 random bits make a clash between two exams of one day negligible; the store's primary
    key would refuse one anyway.
    """
    moment = moment or datetime.now().astimezone()
    return f"EX-{moment:%Y%m%d}-{secrets.token_hex(3).upper()}"
