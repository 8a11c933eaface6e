"""One editor per exam across workstations: leases timed by the server's clock.

Every workstation compares with the same clock (the server's), so a workstation whose own
clock is off neither keeps a lease alive too long nor takes one over too early. Whether a
dead process left a lease is decided by the exam service, and only for a lease of its own host.
"""

from __future__ import annotations

from typing import Any

import psycopg

from neuroexam.records.backend import Lease, LeaseHeld
from neuroexam.records.postgres.connection import PostgresConnection
from neuroexam.records.postgres.rows import LEASE_SELECT, lease_from_row


class PostgresLeases(PostgresConnection):
    """Acquire, renew, take over and release exam leases."""

    @staticmethod
    def _lease_in(conn: psycopg.Connection[Any], exam_id: str) -> Lease | None:
        row = conn.execute(f"{LEASE_SELECT} WHERE exam_id = %s", (exam_id,)).fetchone()
        return lease_from_row(row) if row else None

    def lease(self, exam_id: str) -> Lease | None:
        """The exam's lease as stored (it may have expired), or None."""
        rows = self._query(f"{LEASE_SELECT} WHERE exam_id = %s", (exam_id,))
        return lease_from_row(rows[0]) if rows else None

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
        with self._transaction() as conn:
            # The exam's row lock (when the exam exists) orders this with its writes.
            conn.execute("SELECT 1 FROM exams WHERE exam_id = %s FOR UPDATE", (exam_id,))
            row = conn.execute(
                f"{LEASE_SELECT.replace('FROM leases', ', now() FROM leases')} "
                "WHERE exam_id = %s FOR UPDATE",
                (exam_id,),
            ).fetchone()
            if row is not None:
                current, now = lease_from_row(row[:6]), row[6]
                if current.held_by_other(holder, now) and not take_over:
                    raise LeaseHeld(current)
            written = conn.execute(
                "INSERT INTO leases (exam_id, holder, host, user_name, since, expires) "
                "VALUES (%(exam)s, %(holder)s, %(host)s, %(user)s, now(), "
                "now() + make_interval(secs => %(ttl)s)) "
                "ON CONFLICT (exam_id) DO UPDATE SET holder = EXCLUDED.holder, "
                "host = EXCLUDED.host, user_name = EXCLUDED.user_name, "
                "since = CASE WHEN leases.holder = EXCLUDED.holder THEN leases.since "
                "ELSE EXCLUDED.since END, expires = EXCLUDED.expires "
                "RETURNING exam_id, holder, host, user_name, since, expires",
                {"exam": exam_id, "holder": holder, "host": host, "user": user, "ttl": ttl},
            ).fetchone()
        assert written is not None
        return lease_from_row(written)

    def renew_lease(self, exam_id: str, holder: str, ttl: float) -> bool:
        """Extend this holder's lease; False when it is no longer this holder's."""
        with self._transaction() as conn:
            changed = conn.execute(
                "UPDATE leases SET expires = now() + make_interval(secs => %s) "
                "WHERE exam_id = %s AND holder = %s",
                (ttl, exam_id, holder),
            ).rowcount
        return bool(changed)

    def release_lease(self, exam_id: str, holder: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM leases WHERE exam_id = %s AND holder = %s", (exam_id, holder))
