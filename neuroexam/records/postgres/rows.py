"""How PostgreSQL rows become the same Python values the SQLite store gives back.

Exams and findings use the shared row layout of :mod:`neuroexam.records.sqlite.rows` (texts
as recorded, ``float`` numbers); only the trail's time and leases need turning here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from neuroexam.records.backend import Lease
from neuroexam.records.sqlite.rows import EXAM_COLUMNS, FINDING_COLUMNS

EXAM_PLACEHOLDERS = ", ".join(["%s"] * len(EXAM_COLUMNS.split(",")))
FINDING_PLACEHOLDERS = ", ".join(["%s"] * len(FINDING_COLUMNS.split(",")))
#: The trail's columns as SQLite's ``audit`` gives them, ``at`` as text (see :func:`at_text`).
AUDIT_SELECT = (
    "SELECT a.exam_id, a.patient_id, a.at, a.at_offset, a.by, a.event, a.field, a.old_value, "
    "a.new_value, a.reason, a.host FROM audit a"
)
LEASE_SELECT = "SELECT exam_id, holder, host, user_name, since, expires FROM leases"


def at_text(at: datetime, offset: int) -> str:
    """A trail time as SQLite keeps it: ISO 8601 to the millisecond, with the offset it was
    written with (``+00:00`` for the server's own rows)."""
    zone = timezone(timedelta(seconds=offset)) if offset else UTC
    return at.astimezone(zone).isoformat(timespec="milliseconds")


def audit_texts(row: tuple) -> tuple:
    """``(exam_id, patient_id, at, at_offset, by, …, host)`` → the 10 stored texts of
    FORMAT.md §5."""
    return (row[0], row[1], at_text(row[2], row[3]), *row[4:])


def trail_time(moment: datetime) -> tuple[datetime, int]:
    """A trail time as stored: the instant to the millisecond and its offset in seconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    offset = moment.utcoffset() or timedelta(0)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000), int(
        offset.total_seconds()
    )


def lease_from_row(row: tuple) -> Lease:
    exam_id, holder, host, user, since, expires = row
    return Lease(exam_id, holder, host, user, since, expires)
