"""One editor per exam: leases held while an exam's screen is open, renewed, then released.

Times are the workstation's clock in UTC; every workstation of one SQLite file is this machine.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from neuroexam.records.backend import Lease, LeaseHeld
from neuroexam.records.sqlite.connection import SqliteConnection


def _lease(row: tuple) -> Lease:
    exam_id, holder, host, user, since, expires = row
    return Lease(
        exam_id, holder, host, user, datetime.fromisoformat(since), datetime.fromisoformat(expires)
    )


class SqliteLeases(SqliteConnection):
    """Acquire, renew, take over and release exam leases."""

    def _lease_in(self, db: sqlite3.Connection, exam_id: str) -> Lease | None:
        row = db.execute(
            "SELECT exam_id, holder, host, user, since, expires FROM leases WHERE exam_id = ?",
            (exam_id,),
        ).fetchone()
        return _lease(row) if row else None

    def lease(self, exam_id: str) -> Lease | None:
        """The exam's lease as stored (it may have expired), or None."""
        rows = self._query(
            "SELECT exam_id, holder, host, user, since, expires FROM leases WHERE exam_id = ?",
            (exam_id,),
        )
        return _lease(rows[0]) if rows else None

    def acquire_lease(
        self,
        exam_id: str,
        holder: str,
        *,
        host: str,
        user: str,
        ttl: float,
        take_over: bool = False,
    ) -> Lease:
        """Hold the exam for editing; :class:`LeaseHeld` when another live lease holds it
        (unless ``take_over``: the other holder's next write is then refused)."""
        now = datetime.now(UTC)
        with self._transaction() as db:
            current = self._lease_in(db, exam_id)
            if current is not None and current.held_by_other(holder, now) and not take_over:
                raise LeaseHeld(current)
            since = current.since if current is not None and current.holder == holder else now
            lease = Lease(exam_id, holder, host, user, since, now + timedelta(seconds=ttl))
            db.execute(
                "INSERT OR REPLACE INTO leases (exam_id, holder, host, user, since, expires) "
                "VALUES (?,?,?,?,?,?)",
                (exam_id, holder, host, user, since.isoformat(), lease.expires.isoformat()),
            )
        return lease

    def renew_lease(self, exam_id: str, holder: str, ttl: float) -> bool:
        """Extend this holder's lease; False when it is no longer this holder's."""
        expires = datetime.now(UTC) + timedelta(seconds=ttl)
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE leases SET expires = ? WHERE exam_id = ? AND holder = ?",
                (expires.isoformat(), exam_id, holder),
            ).rowcount
        return bool(changed)

    def release_lease(self, exam_id: str, holder: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM leases WHERE exam_id = ? AND holder = ?", (exam_id, holder))
