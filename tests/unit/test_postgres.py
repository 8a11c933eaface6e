"""What only the PostgreSQL backend has to prove: exact numbers, the server's clock, one round
trip per finding, snapshots and streams, lost connections, plain errors without the password,
the copy from SQLite and exports identical to SQLite's (skipped without a test server)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from neuroexam.core.models import Exam, ExamStatus, Finding, Patient
from neuroexam.core.protocol import Protocols
from neuroexam.core.vocab import AuditEvent
from neuroexam.records.audit import AuditRow
from neuroexam.records.backend import ExamFilter, StoreError
from neuroexam.records.export import Layout, export_csv
from neuroexam.records.sqlite import SqliteStore
from neuroexam.training.attempts import Attempt
from tests.backends import with_database
from tests.unit.export_fixtures import CET, golden_exams

psycopg = pytest.importorskip("psycopg", reason="the postgres extra is not installed")

from neuroexam.records.postgres import PostgresStore  # noqa: E402
from neuroexam.records.postgres.connection import explain  # noqa: E402
from neuroexam.records.postgres.copy import copy_sqlite_to_postgres  # noqa: E402
from neuroexam.records.postgres.migrations import MIGRATIONS  # noqa: E402

EVERYTHING = ExamFilter(include_unfinished=True, include_voided=True)
PASSWORD = "s3cret-Pa55"


def ctr(site: str, grade: str = "absent", note: str = "") -> Finding:
    return Finding(test="cutaneous_trunci", site=site, side="left", grade=grade, note=note)


def new_exam(exam_id: str = "E1", **patient: object) -> Exam:
    return Exam(
        exam_id=exam_id,
        examiner="A. Tech",
        exam_date=datetime(2026, 3, 2, 9, 0, tzinfo=CET),
        patient=Patient(species="dog", patient_id="P1", name="Rex", **patient),
    )


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresStore]:
    opened = PostgresStore(pg_url)
    yield opened
    opened.close()


def server_now(url: str) -> datetime:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT clock_timestamp()").fetchone()
    assert row is not None
    return row[0]


# ---------------------------------------------------------------- schema and types


def test_a_new_database_is_migrated_and_a_newer_one_refused(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    assert store.schema_version == len(MIGRATIONS)
    versions = [r[0] for r in store._query("SELECT version FROM schema_version ORDER BY 1")]
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    store._query("INSERT INTO schema_version (version) VALUES (99) RETURNING version")
    store.close()
    try:
        with pytest.raises(StoreError, match="newer NeuroExam"):
            PostgresStore(pg_url)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("DELETE FROM schema_version WHERE version = 99")


def test_numbers_read_back_exactly_as_given(store: PostgresStore) -> None:
    store.create_exam(new_exam(weight_kg=8.4, age_years=0.1 + 0.2))
    loaded = store.load_exam("E1")
    assert loaded is not None
    assert loaded.patient.weight_kg == 8.4 and type(loaded.patient.weight_kg) is float
    assert loaded.patient.age_years == 0.30000000000000004
    row = store.exam_rows()[0]
    assert (row[8], row[10]) == (0.30000000000000004, 8.4)
    store.save_attempt(
        Attempt(
            "A1",
            None,
            "Ana",
            "case-1",
            "basic",
            None,
            None,
            1 / 3,
            66.6,
            8.4,
            100.0,
            {"b": [1, {"z": 1, "a": 2}], "a": "é"},
        )
    )
    [attempt] = store.attempts("Ana")
    assert (attempt.grading, attempt.localization, attempt.flags) == (1 / 3, 66.6, 8.4)
    assert list(attempt.details) == ["a", "b"]  # keys in the order SQLite gives them back
    assert list(attempt.details["b"][1]) == ["a", "z"]


def test_rows_have_the_same_python_values_as_sqlite(store: PostgresStore, tmp_path: Path) -> None:
    lite = SqliteStore(tmp_path / "same.db")
    for records in (lite, store):
        for exam in golden_exams():
            records.save_exam_with_findings(exam)
    assert store.exam_rows(EVERYTHING) == lite.exam_rows(EVERYTHING)
    ours = [r for b in store.iter_finding_rows(EVERYTHING, batch_size=7) for r in b]
    theirs = [r for b in lite.iter_finding_rows(EVERYTHING, batch_size=7) for r in b]
    assert ours == theirs and [type(v) for v in ours[0]] == [type(v) for v in theirs[0]]
    assert store.serial_heads(EVERYTHING) == lite.serial_heads(EVERYTHING)
    assert store.exam_dates() == lite.exam_dates()
    assert list(store.iter_exams(EVERYTHING)) == list(lite.iter_exams(EVERYTHING))
    assert store.patients() == lite.patients()
    lite.close()


# ---------------------------------------------------------------- the server's clock


def test_trail_and_lease_times_come_from_the_server_clock(store: PostgresStore) -> None:
    before = server_now(store.url)
    store.create_exam(new_exam())
    rows = store.record_finding("E1", ctr("L7"), by="A. Tech")
    after = server_now(store.url)
    trail = store.audit("E1")
    assert all(before - timedelta(milliseconds=1) <= r.at <= after for r in trail)
    assert rows[0].at == trail[-1].at  # what the write returned is what was stored
    assert all(r.at.microsecond % 1000 == 0 for r in trail)  # milliseconds, as SQLite's
    lease = store.acquire_lease("E1", "h", host="pc", user="A", ttl=90)
    assert lease.expires - lease.since == timedelta(seconds=90)
    assert before <= lease.since <= server_now(store.url)
    updated = store._query("SELECT updated_at FROM exams")[0][0]
    assert updated.microsecond == 0 and before - timedelta(seconds=1) <= updated <= after


def test_a_lease_is_judged_by_the_server_clock(store: PostgresStore) -> None:
    store.create_exam(new_exam())
    store.acquire_lease("E1", "a", host="exam-room", user="A", ttl=-1)  # expired by the server
    store.acquire_lease("E1", "b", host="reception", user="B", ttl=60)  # free to take
    assert store.record_finding("E1", ctr("L7"), holder="b")


# ---------------------------------------------------------------- one round trip per finding


def _round_trips(store: PostgresStore, write: object) -> list[str]:
    """The protocol messages the client sent during ``write()`` (libpq trace)."""
    conn = store._live()
    trace = Path(os.environ.get("TMPDIR", "/tmp")) / f"pgtrace-{os.getpid()}.txt"
    with open(trace, "w") as handle:
        conn.pgconn.trace(handle.fileno())
        try:
            write()  # type: ignore[operator]
        finally:
            conn.pgconn.untrace()
    lines = trace.read_text().splitlines()
    trace.unlink()
    return lines


def test_a_finding_is_saved_in_one_round_trip(store: PostgresStore) -> None:
    store.create_exam(new_exam())
    for grade in ("absent", "present"):  # a new finding, then an amendment
        sent = _round_trips(store, lambda g=grade: store.record_finding("E1", ctr("L7", g)))
        fields = [line.split("\t") for line in sent]
        messages = [(f[1], f[3]) for f in fields if len(f) >= 4]  # (F or B, message)
        sent_first = [m for _way, m in messages[: [w for w, _m in messages].index("B")]]
        assert sent_first.count("Sync") == 1  # everything sent, then one wait for answers
        assert [m for way, m in messages if way == "F"] == sent_first  # nothing sent after
        assert [m for way, m in messages if way == "B"].count("ReadyForQuery") == 1
    events = [(r.event, r.new_value) for r in store.audit("E1")][-2:]
    assert events == [(AuditEvent.RECORDED, "absent"), (AuditEvent.AMENDED, "present")]


def test_a_refused_finding_writes_nothing(store: PostgresStore) -> None:
    from neuroexam.records.backend import LeaseLost, RecordLocked

    store.create_exam(new_exam())
    store.acquire_lease("E1", "other", host="reception", user="B", ttl=60)
    with pytest.raises(LeaseLost, match="reception"):
        store.record_finding("E1", ctr("L7"), holder="mine")
    store.release_lease("E1", "other")
    store.complete_exam("E1", by="x")
    with pytest.raises(RecordLocked, match="complete"):
        store.record_finding("E1", ctr("L7"))
    with pytest.raises(StoreError, match="not in the records"):
        store.record_finding("NOPE", ctr("L7"))
    loaded = store.load_exam("E1")
    assert loaded is not None and loaded.findings == []
    assert [r.event for r in store.audit("E1")][-1] is AuditEvent.COMPLETED


def test_a_failed_finding_write_leaves_the_connection_usable(store: PostgresStore) -> None:
    store.create_exam(new_exam())
    [(pid,)] = store._query("SELECT pg_backend_pid()")
    with pytest.raises(StoreError, match="out of range"):
        store.record_finding("E1", ctr("L7"), seq=2**40)  # refused by the server mid-pipeline
    assert store.record_finding("E1", ctr("L7"))  # rolled back; the same connection goes on
    assert store._query("SELECT pg_backend_pid()") == [(pid,)]
    assert [r.event for r in store.audit("E1")].count(AuditEvent.RECORDED) == 1


# ---------------------------------------------------------------- stored assessments


def test_stored_assessments_behave_as_in_sqlite(
    store: PostgresStore, tmp_path: Path, protocols: Protocols
) -> None:
    from neuroexam.records.assessments import assessments_for
    from neuroexam.records.backend import StoredAssessment

    lite = SqliteStore(tmp_path / "same.db")
    for records in (lite, store):
        for exam in golden_exams():
            records.save_exam_with_findings(exam)
    ids = [row[0] for row in lite.exam_rows(EVERYTHING)]
    assert store.version_heads(EVERYTHING) == lite.version_heads(EVERYTHING)
    assert store.version_heads_of(ids[:2]) == lite.version_heads_of(ids[:2])
    ours, theirs = assessments_for(store, ids, protocols), assessments_for(lite, ids, protocols)
    assert {k: a.model_dump() for k, a in ours.items()} == {
        k: a.model_dump() for k, a in theirs.items()
    }
    stored = store.stored_assessments(ids)
    assert set(stored) == set(ids) and all(r.payload for r in stored.values())
    assert {r.cells for r in store.stored_assessments(ids, payload=False).values()} == {
        r.cells for r in lite.stored_assessments(ids, payload=False).values()
    }
    assert all(r.payload == "" for r in store.stored_assessments(ids, payload=False).values())
    first = stored[ids[0]]
    assert store.put_assessments(
        [
            first._replace(exam_version=99),  # replaced
            StoredAssessment("GONE", 1, "p", "h", "[]", "{}", "2026-01-01T00:00:00+00:00"),
        ]
    )
    again = store.stored_assessments([ids[0], "GONE"])
    assert list(again) == [ids[0]] and again[ids[0]].exam_version == 99
    with store.snapshot() as snap:
        assert snap.put_assessments([first]) is False  # reading only: nothing written
    lite.close()


# ---------------------------------------------------------------- snapshot and streams


def test_a_snapshot_is_one_repeatable_read_only_transaction(store: PostgresStore) -> None:
    for exam in golden_exams():
        store.save_exam_with_findings(exam)
    with store.snapshot() as snap:
        assert snap._query("SHOW transaction_isolation") == [("repeatable read",)]
        assert snap._query("SHOW transaction_read_only") == [("on",)]
        with pytest.raises(StoreError, match="reading only"):
            snap.create_exam(new_exam("NEW"))
        batches = snap.iter_finding_rows(EVERYTHING, batch_size=5)
        next(batches)
        cursors = snap._query("SELECT name FROM pg_cursors")
        assert any(name.startswith("neuroexam_stream_") for (name,) in cursors)  # server-side
        store.create_exam(new_exam("LATER"))  # the app goes on writing meanwhile
        assert "LATER" not in {row[0] for b in batches for row in b}
        assert not snap.has_exam("LATER")
    assert store.has_exam("LATER")


# ---------------------------------------------------------------- connection loss


def _terminate(url: str, pid: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_lost_connection_fails_one_write_plainly_and_the_next_reconnects(
    store: PostgresStore,
) -> None:
    store.create_exam(new_exam())
    [(pid,)] = store._query("SELECT pg_backend_pid()")
    _terminate(store.url, pid)
    with pytest.raises(StoreError) as lost:
        store.record_finding("E1", ctr("L7"), by="A. Tech")
    message = str(lost.value)
    assert "127.0.0.1" in message and "lost" in message and "\n" not in message
    assert store.record_finding("E1", ctr("L7"), by="A. Tech")  # reconnected: saved now
    [(new_pid,)] = store._query("SELECT pg_backend_pid()")
    assert new_pid != pid
    loaded = store.load_exam("E1")
    assert loaded is not None and [f.site for f in loaded.findings] == ["L7"]
    assert [r.new_value for r in store.audit("E1") if r.event is AuditEvent.RECORDED] == [
        "absent"
    ]  # the failed write wrote nothing, the retry wrote it once


def test_a_lost_connection_during_a_read_and_a_lease_renewal(store: PostgresStore) -> None:
    store.create_exam(new_exam())
    store.acquire_lease("E1", "h", host="pc", user="", ttl=60)
    [(pid,)] = store._query("SELECT pg_backend_pid()")
    _terminate(store.url, pid)
    with pytest.raises(StoreError, match="lost"):
        store.renew_lease("E1", "h", 60)
    assert store.renew_lease("E1", "h", 60) is True
    [(pid,)] = store._query("SELECT pg_backend_pid()")
    _terminate(store.url, pid)
    with pytest.raises(StoreError):
        store.load_exam("E1")
    assert store.load_exam("E1") is not None


# ---------------------------------------------------------------- errors without the password


def _secret_url(port: int = 1, database: str = "neuroexam") -> str:
    return f"postgresql://vet:{PASSWORD}@127.0.0.1:{port}/{database}"


def test_an_unreachable_server_is_one_line_naming_the_host_never_the_password() -> None:
    with pytest.raises(StoreError) as failed:
        PostgresStore(_secret_url(port=1))
    message = str(failed.value)
    assert message.startswith("postgresql://vet@127.0.0.1:1/neuroexam: cannot reach")
    assert PASSWORD not in message and "\n" not in message


def test_a_missing_database_is_named(pg_url: str) -> None:
    url = with_database(pg_url, "no_such_neuroexam_db")
    with pytest.raises(StoreError, match="no_such_neuroexam_db: there is no such database"):
        PostgresStore(url)


def test_an_unknown_user_is_said_plainly(pg_url: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(pg_url)
    url = urlunsplit(parts._replace(netloc=f"nobody_here@{parts.hostname}:{parts.port or 5432}"))
    with pytest.raises(StoreError, match=r"nobody_here@.*does not know this user name"):
        PostgresStore(url)


def test_a_refused_password_is_said_plainly_without_the_password() -> None:
    # what libpq reports when the server rejects the password (test servers trust everyone)
    refused = psycopg.OperationalError(
        'connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  '
        f'password authentication failed for user "vet" (tried {PASSWORD})'
    )
    message = str(explain(refused, f"postgresql://vet:{PASSWORD}@10.0.0.5/neuroexam"))
    assert message == (
        "postgresql://vet@10.0.0.5:5432/neuroexam: the server refused the user name or password"
    )
    other = psycopg.OperationalError(f"something odd happened near {PASSWORD}\nsecond line")
    shown = str(explain(other, f"postgresql://vet:{PASSWORD}@10.0.0.5/neuroexam"))
    assert PASSWORD not in shown and "\n" not in shown


def test_the_cli_says_one_line_for_a_bad_url(tmp_path: Path) -> None:
    env = {**os.environ, "NEUROEXAM_HOME": str(tmp_path), "NEUROEXAM_DB": _secret_url()}
    done = subprocess.run(
        [sys.executable, "-m", "neuroexam", "db", "check"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and PASSWORD not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "127.0.0.1" in lines[0]


# ---------------------------------------------------------------- copy from SQLite, exports


def sqlite_records(path: Path) -> SqliteStore:
    """SQLite records with every kind of row: exams of every status, notes, sign-off, a trail
    imported with another offset, training attempts."""
    lite = SqliteStore(path)
    for exam in golden_exams():
        lite.save_exam_with_findings(exam)
    lite.create_exam(new_exam("LIVE", weight_kg=8.4), by="A. Tech")
    lite.record_finding("LIVE", ctr("L7", note='clipped, "matted"'), by="A. Tech")
    lite.record_finding("LIVE", ctr("L7", "present"), by="B. Vet", reason="wrong key")
    lite.complete_exam("LIVE", by="B. Vet")
    lite.sign_exam("LIVE", signed_by="Dr Vogel", by="B. Vet")
    lite.create_exam(new_exam("GONE"), by="A. Tech")
    lite.void_exam("GONE", by="B. Vet", reason="duplicate")
    moved = new_exam("MOVED")
    moved.findings = [ctr("L6")]
    at = datetime(2026, 2, 1, 8, 30, 15, 123456, tzinfo=CET)
    trail = [
        AuditRow("MOVED", "P1", at, "C", AuditEvent.CREATED, "species", "", "dog"),
        AuditRow(
            "MOVED",
            "P1",
            at + timedelta(seconds=3),
            "C",
            AuditEvent.RECORDED,
            "cutaneous_trunci/L6/left",
            "",
            "absent",
        ),
    ]
    lite.import_trail(moved, trail, by="B. Vet", source="other-clinic.csv")
    for i, when in enumerate((datetime(2026, 3, 1, 10, tzinfo=UTC), None)):
        lite.save_attempt(
            Attempt(
                f"A{i}",
                None,
                "Ana",
                "case-1",
                "basic",
                when,
                when,
                1 / 3,
                50.0,
                None,
                8.4,
                {"missed": ["L7"]},
            )
        )
    return lite


def exports(store: object) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for layout in Layout:
        handle = io.StringIO(newline="")
        export_csv(store, handle, EVERYTHING, layout, workers=1)  # type: ignore[arg-type]
        out[layout.value] = handle.getvalue().encode("utf-8")
    return out


def test_the_copy_is_whole_verified_and_exports_byte_identical(pg_url: str, tmp_path: Path) -> None:
    lite = sqlite_records(tmp_path / "clinic.db")
    counts = copy_sqlite_to_postgres(tmp_path / "clinic.db", pg_url)
    assert counts == {
        "exams": lite.count_exams(EVERYTHING),
        "findings": sum(len(e.findings) for e in lite.load_exams()),
        "training_attempts": 2,
        "audit": len(list(r for b in lite.iter_audit_rows(EVERYTHING) for r in b)),
    }
    store = PostgresStore(pg_url)
    try:
        ours, theirs = exports(store), exports(lite)
        for layout in Layout:
            assert ours[layout.value] == theirs[layout.value], layout
        assert b"+01:00" in ours["audit"]  # the imported trail kept its offset
        assert store.attempts() == lite.attempts() and store.students() == lite.students()
        for exam_id in ("LIVE", "MOVED", "GONE"):
            assert store.audit(exam_id) == lite.audit(exam_id)
            assert store.load_exam(exam_id) == lite.load_exam(exam_id)
        # and the copy goes on like any records: the trail continues after the copied rows
        store.reopen_exam("LIVE", by="B. Vet", reason="re-check")
        assert store.audit("LIVE")[-2].event is AuditEvent.REOPENED
    finally:
        store.close()
        lite.close()


def test_the_copy_refuses_a_database_holding_records(pg_url: str, tmp_path: Path) -> None:
    sqlite_records(tmp_path / "clinic.db").close()
    target = PostgresStore(pg_url)
    target.create_exam(new_exam("THERE"))
    target.close()
    with pytest.raises(StoreError, match=r"already holds records \(1 exams?.*empty database"):
        copy_sqlite_to_postgres(tmp_path / "clinic.db", pg_url)
    check = PostgresStore(pg_url)
    assert [e.exam_id for e in check.load_exams()] == ["THERE"]  # nothing copied
    check.close()


def test_records_of_the_first_release_are_upgraded_then_copied(pg_url: str, tmp_path: Path) -> None:
    import shutil

    old = tmp_path / "release1.db"
    shutil.copy(Path(__file__).parent.parent / "data" / "fixtures" / "release1.db", old)
    counts = copy_sqlite_to_postgres(old, pg_url)
    assert counts["findings"] == 17 and counts["training_attempts"] == 1
    lite, store = SqliteStore(old), PostgresStore(pg_url)
    try:
        assert exports(store) == exports(lite)
    finally:
        lite.close()
        store.close()
    with pytest.raises(StoreError, match="no records file there"):
        copy_sqlite_to_postgres(tmp_path / "missing.db", pg_url)


def test_db_migrate_and_check_from_the_command_line(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from neuroexam import cli

    monkeypatch.delenv("NEUROEXAM_DB", raising=False)
    sqlite_records(tmp_path / "clinic.db").close()
    assert cli.main(["db", "migrate", "--from", str(tmp_path / "clinic.db"), "--to", pg_url]) == 0
    said = capsys.readouterr().out
    assert "counts verified" in said and "training attempts: 2" in said
    monkeypatch.setenv("NEUROEXAM_DB", pg_url)
    assert cli.main(["db", "check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "backend: postgresql"
    assert lines[2] == f"schema version: {len(MIGRATIONS)} (current)"
    assert lines[3].startswith("exams: 10 (complete ")
    assert cli.main(["db", "backup", str(tmp_path)]) == 2
    assert "pg_dump" in capsys.readouterr().err


def test_exports_are_byte_identical_when_both_backends_record_the_same_exams(
    pg_url: str, tmp_path: Path
) -> None:
    lite, store = SqliteStore(tmp_path / "same.db"), PostgresStore(pg_url)
    try:
        for records in (lite, store):
            for exam in golden_exams():
                records.save_exam_with_findings(exam)
            records.create_exam(new_exam("LIVE", weight_kg=8.4, age_years=2.5))
            records.record_finding("LIVE", ctr("L7", note="=cmd"), by="A")
            records.complete_exam("LIVE", by="A")
        ours, theirs = exports(store), exports(lite)
        assert ours["findings"] == theirs["findings"]
        assert ours["summary"] == theirs["summary"]
        assert store.load_exam("LIVE") == lite.load_exam("LIVE")
        assert len(ours["audit"].splitlines()) == len(theirs["audit"].splitlines())
        assert store.count_exams(ExamFilter(statuses=(ExamStatus.COMPLETE,))) == (
            lite.count_exams(ExamFilter(statuses=(ExamStatus.COMPLETE,)))
        )
    finally:
        lite.close()
        store.close()


def test_records_opened_for_reading_only_refuse_writes_and_never_migrate(pg_url: str) -> None:
    PostgresStore(pg_url).close()
    reader = PostgresStore(pg_url, read_only=True)
    try:
        assert reader.read_only and reader.count_exams() == 0
        with pytest.raises(StoreError, match="reading only"):
            reader.create_exam(new_exam())
        with pytest.raises(StoreError, match="read-only"):  # the server refuses it too
            reader._query("INSERT INTO leases VALUES ('x','h','','',now(),now()) RETURNING 1")
    finally:
        reader.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM schema_version WHERE version = %s", (len(MIGRATIONS),))
    try:
        with pytest.raises(StoreError, match="open them once for writing"):
            PostgresStore(pg_url, read_only=True)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (len(MIGRATIONS),))


def test_concurrent_answers_to_one_finding_chain_in_the_trail(pg_url: str) -> None:
    import itertools
    import threading

    from neuroexam.records.audit import replay_findings

    stores = [PostgresStore(pg_url) for _ in range(3)]
    stores[0].create_exam(new_exam())
    grades = ("absent", "present", "reduced")
    failures: list[BaseException] = []

    def answer(store: PostgresStore, start: int) -> None:
        try:
            for i in range(40):
                store.record_finding("E1", ctr("L7", grades[(start + i) % 3], note=str(i % 2)))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=answer, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    trail = [r for r in stores[0].audit("E1") if r.is_finding]
    grade_rows = [r for r in trail if not r.is_note]
    # each write saw the answer committed just before it: old value = the previous new value
    assert grade_rows[0].event is AuditEvent.RECORDED
    assert all(r.event is AuditEvent.AMENDED for r in grade_rows[1:])
    assert all(b.old_value == a.new_value for a, b in itertools.pairwise(grade_rows))
    note_rows = [r for r in trail if r.is_note]
    assert note_rows[0].old_value == ""
    assert all(b.old_value == a.new_value for a, b in itertools.pairwise(note_rows))
    loaded = stores[0].load_exam("E1")
    assert loaded is not None
    assert replay_findings(trail) == {
        "cutaneous_trunci/L7/left": (loaded.findings[0].grade.value, loaded.findings[0].note)
    }
    for store in stores:
        store.close()
