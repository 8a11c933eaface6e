"""Exams moved between two patients in opposite directions at the same moment (PostgreSQL).

Moving an exam to another patient raises both patients' versions (migration 6); schema 7 has
the trigger lock the two ``patient_versions`` rows in one order (the lesser patient id first),
so two workstations moving exam E1 from P1 to P2 while exam E2 goes from P2 to P1 no longer
deadlock. The interleaving is forced, not hoped for: a test-only trigger sleeps after every
change of a ``patient_versions`` row, so each transaction holds its first row while the other
takes its own; on a schema 6 database that deadlocks (the control), on schema 7 it does not.
Each test has a database of its own (it adds that trigger). Skipped without a test server.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from neuroexam.core.models import Exam, Patient
from neuroexam.core.vocab import AuditEvent
from neuroexam.records.backend import StoreError
from neuroexam.services.saving import SaveQueue

psycopg = pytest.importorskip("psycopg", reason="the postgres extra is not installed")

from neuroexam.records.postgres import PostgresStore  # noqa: E402
from neuroexam.records.postgres import connection as connection_module  # noqa: E402
from neuroexam.records.postgres.connection import Collision, explain  # noqa: E402
from neuroexam.records.postgres.migrations import MIGRATIONS  # noqa: E402

#: Seconds the test-only trigger sleeps after each change of a patient's version row (the
#: row then locked): far longer than two threads need to reach their first row.
HOLD = 0.4

SLOW_VERSIONS = f"""
CREATE FUNCTION test_hold_patient_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep({HOLD});
    RETURN NULL;
END
$$;
CREATE TRIGGER test_hold_patient_version AFTER INSERT OR UPDATE ON patient_versions
    FOR EACH ROW EXECUTE FUNCTION test_hold_patient_version();
"""


def migrate_to(url: str, schema: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Migrate an empty database to ``schema`` by the app's own migration code, as a
    NeuroExam that knew only the first ``schema`` migrations did."""
    with monkeypatch.context() as m:
        m.setattr(connection_module, "MIGRATIONS", MIGRATIONS[:schema])
        store = PostgresStore(url)
        assert store.schema_version == schema
        store.close()


def trail_host_column(url: str, *, present: bool) -> None:
    """Add (or drop again) the trail's ``host`` column of schema 8 on an older database: this
    code names the workstation in every trail row it writes, which a schema 6 database (the
    code of its day wrote no host) cannot hold; dropped before the database is upgraded, so
    the upgrade adds it as it would."""
    change = (
        "ADD COLUMN host text COLLATE \"C\" NOT NULL DEFAULT ''" if present else "DROP COLUMN host"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE audit {change}")


def hold_each_version_row(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SLOW_VERSIONS)


def exam(exam_id: str, patient_id: str) -> Exam:
    return Exam(exam_id=exam_id, patient=Patient(species="dog", patient_id=patient_id))


def versions(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT patient_id, version FROM patient_versions").fetchall()
    return {str(p): int(v) for p, v in rows}


def patients_of(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT exam_id, patient_id FROM exams").fetchall()
    return {str(e): str(p) for e, p in rows}


def move_at_once(url: str, moves: list[tuple[str, str]]) -> dict[str, BaseException]:
    """Each ``(exam_id, new patient id)`` written by its own thread and connection, all
    starting together; what each move raised, by exam id."""
    stores = [PostgresStore(url) for _ in moves]
    start = threading.Barrier(len(moves))
    failed: dict[str, BaseException] = {}

    def move(store: PostgresStore, exam_id: str, patient_id: str) -> None:
        try:
            start.wait(10)
            store.update_intake(exam(exam_id, patient_id), by="A. Tech")
        except BaseException as exc:
            failed[exam_id] = exc

    threads = [
        threading.Thread(target=move, args=(store, exam_id, patient_id))
        for store, (exam_id, patient_id) in zip(stores, moves, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    for store in stores:
        store.close()
    return failed


def test_opposite_moves_at_once_do_not_deadlock_and_raise_both_versions(
    own_pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate_to(own_pg_database, len(MIGRATIONS), monkeypatch)
    store = PostgresStore(own_pg_database)
    store.create_exam(exam("E1", "P1"))
    store.create_exam(exam("E2", "P2"))
    store.close()
    hold_each_version_row(own_pg_database)
    where = {"E1": "P1", "E2": "P2"}
    for _ in range(3):  # there and back, and there again
        before = versions(own_pg_database)
        there = {"E1": where["E2"], "E2": where["E1"]}
        failed = move_at_once(own_pg_database, list(there.items()))
        assert failed == {}
        where = there
        assert patients_of(own_pg_database) == where
        after = versions(own_pg_database)
        assert after["P1"] > before["P1"] and after["P2"] > before["P2"]
        assert after["P1"] != after["P2"]


def test_a_schema_6_database_deadlocks_and_is_upgraded_to_one_that_does_not(
    own_pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate_to(own_pg_database, 6, monkeypatch)
    trail_host_column(own_pg_database, present=True)
    start = {"E1": "P1", "E2": "P2", "E3": "P3"}
    with monkeypatch.context() as m:
        m.setattr(connection_module, "MIGRATIONS", MIGRATIONS[:6])
        old = PostgresStore(own_pg_database)
        for exam_id, patient_id in start.items():
            old.create_exam(exam(exam_id, patient_id))
        old.close()
        hold_each_version_row(own_pg_database)
        # the control: the forced interleaving does deadlock the schema 6 trigger; the
        # server undoes one move, which says so in plain words and wrote nothing
        failed = move_at_once(own_pg_database, [("E1", "P2"), ("E2", "P1")])
        assert len(failed) == 1, failed
        ((victim, error),) = failed.items()
        assert isinstance(error, Collision), error
        assert "(deadlock, SQLSTATE 40P01)" in str(error)
        assert patients_of(own_pg_database)[victim] == start[victim]
    before = versions(own_pg_database)
    trail_host_column(own_pg_database, present=False)
    upgraded = PostgresStore(own_pg_database)  # opened for writing: migrated to the latest schema
    try:
        assert upgraded.schema_version == len(MIGRATIONS) == 8
        rows = upgraded._query("SELECT version FROM schema_version ORDER BY 1")
        assert [r[0] for r in rows] == list(range(1, 9))
        assert versions(own_pg_database) == before  # the upgrade changes no version
        # the undone move, done again (alone): each patient it changes gets a new number
        upgraded.update_intake(exam(victim, "P1" if victim == "E2" else "P2"), by="A. Tech")
    finally:
        upgraded.close()
    assert patients_of(own_pg_database) == {"E1": "P2", "E2": "P1", "E3": "P3"}
    redone = versions(own_pg_database)
    assert redone["P1"] > before["P1"] and redone["P2"] > before["P2"]
    # the same opposite moves at once, now with schema 7's trigger: both written, no deadlock
    failed = move_at_once(own_pg_database, [("E1", "P1"), ("E2", "P2")])
    assert failed == {}
    assert patients_of(own_pg_database) == start
    after = versions(own_pg_database)
    assert after["P1"] > redone["P1"] and after["P2"] > redone["P2"]
    assert after["P3"] == before["P3"]  # a patient no move concerned keeps its version


def test_a_save_undone_by_a_deadlock_stays_queued_and_is_written_whole_on_retry(
    own_pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recorder's queue keeps a save the server undid and writes all of it again: the
    move is in the records once, with one trail row per changed field."""
    migrate_to(own_pg_database, 6, monkeypatch)
    trail_host_column(own_pg_database, present=True)
    monkeypatch.setattr(connection_module, "MIGRATIONS", MIGRATIONS[:6])  # a schema 6 server
    origin = {"E1": "P1", "E2": "P2"}
    setup = PostgresStore(own_pg_database)
    for exam_id, patient_id in origin.items():
        setup.create_exam(exam(exam_id, patient_id))
    setup.close()
    hold_each_version_row(own_pg_database)
    stores = {"E1": PostgresStore(own_pg_database), "E2": PostgresStore(own_pg_database)}
    queues = {exam_id: SaveQueue(store) for exam_id, store in stores.items()}
    target = {"E1": origin["E2"], "E2": origin["E1"]}
    start = threading.Barrier(2)
    saved: dict[str, bool] = {}

    def move(exam_id: str) -> None:
        moved = exam(exam_id, target[exam_id])
        start.wait(10)
        saved[exam_id] = queues[exam_id].submit(
            ("intake", exam_id), lambda s: s.update_intake(moved, by="A. Tech")
        )

    threads = [threading.Thread(target=move, args=(exam_id,)) for exam_id in target]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(saved.values()) == [False, True], saved
    victim = next(k for k, ok in saved.items() if not ok)
    queue = queues[victim]
    assert queue.unsaved == 1
    assert queue.last_error is not None and "(deadlock, SQLSTATE 40P01)" in queue.last_error
    assert queue.retry()  # nobody in the way now: written whole
    assert queue.unsaved == 0 and queue.last_error is None
    assert patients_of(own_pg_database) == target
    for exam_id, store in stores.items():
        changed = [
            (r.field, r.old_value, r.new_value)
            for r in store.audit(exam_id)
            if r.event is AuditEvent.INTAKE_CHANGED
        ]
        assert changed == [("patient_id", origin[exam_id], target[exam_id])]
        store.close()


@pytest.mark.parametrize(
    ("error", "what"),
    [
        (psycopg.errors.DeadlockDetected, "deadlock, SQLSTATE 40P01"),
        (psycopg.errors.SerializationFailure, "serialization failure, SQLSTATE 40001"),
    ],
)
def test_a_transaction_undone_by_a_collision_is_explained_plainly(error: Any, what: str) -> None:
    got = explain(error("deadlock detected\nDETAIL: Process 1 waits"), "postgresql://u:pw@db/x")
    assert isinstance(got, Collision) and isinstance(got, StoreError)
    assert str(got) == (
        "postgresql://u@db:5432/x: another workstation changed the same records at the same "
        f"moment and the server undid this change ({what}); nothing of it was written, and "
        "doing it again is safe"
    )
    assert "pw" not in str(got)
