"""The append-only audit trail (FORMAT.md §5): what a row holds and how findings replay from it.

Backend-neutral: each backend stores :class:`AuditRow` values and gives them back oldest first.
The current findings of an exam are always the last value of each finding field in its trail
(:func:`replay_findings`); a property test holds the stores to that.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from neuroexam.core.vocab import AuditEvent

#: FORMAT.md §5 columns, in order.
AUDIT_COLUMNS: tuple[str, ...] = (
    "exam_id",
    "patient_id",
    "at",
    "by",
    "event",
    "field",
    "old_value",
    "new_value",
    "reason",
    "host",
)
#: The columns an audit file must have: all but ``host``, added at the end later (a file
#: without it imports, its rows' workstation unknown).
AUDIT_REQUIRED: tuple[str, ...] = AUDIT_COLUMNS[:-1]
#: A finding's note travels in ``old_value``/``new_value`` behind this prefix.
NOTE_PREFIX = "note:"
#: The intake fields the trail names (``intake_changed`` and ``created`` rows).
INTAKE_FIELDS: tuple[str, ...] = (
    "exam_date",
    "examiner",
    "mode",
    "patient_id",
    "patient_name",
    "species",
    "breed",
    "age_years",
    "sex",
    "weight_kg",
    "signs",
    "exam_note",
    "parts",
)
#: Events that change the record after it was created (an exam without any is untouched).
CHANGE_EVENTS = frozenset(AuditEvent) - {AuditEvent.CREATED}


def workstation() -> str:
    """This machine's host name, as the trail records who wrote a row where (the name the
    exam service gives its leases: :func:`socket.gethostname`)."""
    return socket.gethostname()


def now_text() -> str:
    """The current instant as the trail writes it: ISO 8601, milliseconds, UTC offset."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def parse_at(text: str) -> datetime:
    """A stored trail time; one without an offset (older records) is UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def at_text(text: str) -> str:
    """A stored trail time as the audit layout writes it: ISO 8601, milliseconds, offset."""
    return parse_at(text).isoformat(timespec="milliseconds")


def finding_field(test: str, site: str, side: str) -> str:
    """``cutaneous_trunci/L1/left``: how a finding is named in the trail."""
    return f"{test}/{site}/{side}"


@dataclass(frozen=True)
class AuditRow:
    """One event of one exam's trail."""

    exam_id: str
    patient_id: str
    at: datetime
    by: str
    event: AuditEvent
    field: str = ""
    old_value: str = ""
    new_value: str = ""
    reason: str = ""
    #: The workstation (host name) that wrote the row; '' when unknown (rows older than
    #: schema 7 in SQLite, 8 in PostgreSQL, or imported from a file without the column).
    host: str = ""

    @property
    def is_note(self) -> bool:
        return self.new_value.startswith(NOTE_PREFIX) or self.old_value.startswith(NOTE_PREFIX)

    @property
    def is_finding(self) -> bool:
        return self.field.count("/") == 2

    def cells(self) -> tuple[str, ...]:
        """The row's values in :data:`AUDIT_COLUMNS` order, as text."""
        return (
            self.exam_id,
            self.patient_id,
            self.at.isoformat(timespec="milliseconds"),
            self.by,
            self.event.value,
            self.field,
            self.old_value,
            self.new_value,
            self.reason,
            self.host,
        )

    @classmethod
    def from_stored(cls, row: tuple) -> AuditRow:
        """From ``(exam_id, patient_id, at text, by, event, field, old, new, reason, host)``."""
        exam_id, patient_id, at, by, event, field, old, new, reason, host = row
        return cls(
            exam_id,
            patient_id,
            parse_at(at),
            by,
            AuditEvent(event),
            field,
            old,
            new,
            reason,
            host,
        )


def replay_findings(rows: Iterable[AuditRow]) -> dict[str, tuple[str, str]]:
    """``field → (grade, note)`` as the trail leaves them: the last grade of each finding
    field (none once cleared) with the last note written for it."""
    grades: dict[str, str] = {}
    notes: dict[str, str] = {}
    for row in rows:
        if not row.is_finding:
            continue
        if row.event is AuditEvent.CLEARED:
            grades.pop(row.field, None)
            notes.pop(row.field, None)
        elif row.new_value.startswith(NOTE_PREFIX):
            notes[row.field] = row.new_value[len(NOTE_PREFIX) :]
        elif row.new_value:
            grades[row.field] = row.new_value
    return {f: (g, notes.get(f, "")) for f, g in grades.items()}


def amended_fields(rows: Iterable[AuditRow]) -> set[str]:
    """Finding fields whose value was changed or cleared after it was first recorded."""
    return {
        r.field
        for r in rows
        if r.is_finding and r.event in (AuditEvent.AMENDED, AuditEvent.CLEARED)
    }
