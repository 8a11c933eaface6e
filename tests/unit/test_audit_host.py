"""Each trail row names the workstation (host name) that wrote it, on both backends.

Clinics run several workstations on one PostgreSQL database, often under one user name: the
trail's ``host`` says which machine made each change. Rows older than the column (SQLite
schema 7, PostgreSQL schema 8) keep ``''`` (not known); an audit file keeps the host it carries
through export and import, and one without the column still imports.
"""

from __future__ import annotations

import csv
import io
import socket
import sqlite3
from pathlib import Path

import pytest

from neuroexam.core.models import Exam, Finding, Patient
from neuroexam.core.vocab import AuditEvent, Side, TestId
from neuroexam.records.audit import AUDIT_COLUMNS, AUDIT_REQUIRED, AuditRow, workstation
from neuroexam.records.backend import RecordStore
from neuroexam.records.sqlite import migrations as sqlite_migrations
from neuroexam.records.store import Store, open_store
from tests.backends import Backend, empty_tables


def exam(exam_id: str = "E1", species: str = "dog") -> Exam:
    return Exam(
        exam_id=exam_id,
        examiner="A. Tech",
        patient=Patient(species=species, patient_id="P1", name="Oscar"),
    )


def ctr(site: str, grade: str, note: str = "") -> Finding:
    return Finding(test="cutaneous_trunci", site=site, side="left", grade=grade, note=note)


def on_host(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """This process is the workstation ``name`` from now on (as ``socket.gethostname``)."""
    monkeypatch.setattr(socket, "gethostname", lambda: name)


def hosts(store: RecordStore, exam_id: str = "E1") -> list[tuple[str, str]]:
    return [(r.event.value, r.host) for r in store.audit(exam_id)]


def audit_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# ---------------------------------------------------------------- the row type and the format


def test_the_host_is_the_last_audit_column_and_optional_on_import() -> None:
    assert AUDIT_COLUMNS[-1] == "host"
    assert AUDIT_COLUMNS[:-1] == AUDIT_REQUIRED and "host" not in AUDIT_REQUIRED
    row = AuditRow.from_stored(
        ("E1", "P1", "2026-03-01T09:00:00.000+00:00", "A", "created", "", "", "", "", "WS-2")
    )
    assert row.host == "WS-2" and row.cells()[-1] == "WS-2"
    assert len(row.cells()) == len(AUDIT_COLUMNS)


def test_the_workstation_is_the_name_leases_give_it() -> None:
    # the exam service names its leases' host with socket.gethostname()
    assert workstation() == socket.gethostname() != ""


# ---------------------------------------------------------------- writes, both backends


def test_every_change_records_this_workstation(
    record_store: RecordStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_host(monkeypatch, "WS-2")
    store = record_store
    store.create_exam(exam(), by="A. Tech")
    written = store.record_finding("E1", ctr("L7", "absent", "clipped"), by="A. Tech")
    assert [r.host for r in written] == ["WS-2", "WS-2"]  # grade and note rows, as returned
    changed = exam()
    changed.patient.breed = "Beagle"
    assert [r.host for r in store.update_intake(changed, by="A. Tech")] == ["WS-2"]
    on_host(monkeypatch, "reception")  # the same user on another workstation
    amended = store.record_finding(
        "E1", ctr("L7", "present", "clipped"), by="A. Tech", reason="wrong key"
    )
    assert [r.host for r in amended] == ["reception"]
    cleared = store.clear_finding("E1", (TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT), by="A. Tech")
    assert [r.host for r in cleared] == ["reception"]
    store.complete_exam("E1", by="A. Tech")
    store.sign_exam("E1", signed_by="Dr Vogel", by="A. Tech")
    store.reopen_exam("E1", by="A. Tech", reason="late finding")
    store.void_exam("E1", by="A. Tech", reason="duplicate")
    rows = hosts(store)
    first_reception = [e for e, _ in rows].index("amended")
    assert {h for _, h in rows[:first_reception]} == {"WS-2"}
    assert {h for _, h in rows[first_reception:]} == {"reception"}
    # another connection (another workstation's view) reads the same
    again = open_store()
    try:
        assert hosts(again) == rows
    finally:
        again.close()


def test_a_change_records_the_real_host_name_by_default(record_store: RecordStore) -> None:
    record_store.create_exam(exam(), by="A. Tech")
    record_store.record_finding("E1", ctr("L7", "absent"), by="A. Tech")
    assert {h for _, h in hosts(record_store)} == {socket.gethostname()}


def test_a_findings_csv_import_records_this_workstation(
    tmp_path: Path, record_store: RecordStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neuroexam.records.csvio import write_findings
    from neuroexam.records.importer import import_file

    source = exam("E9")
    source.findings = [ctr("L7", "absent", "clipped"), ctr("L6", "present")]
    path = tmp_path / "from-reception.csv"
    write_findings([source], path)
    on_host(monkeypatch, "WS-IMPORT")
    report = import_file(record_store, path, by="B. Vet")
    assert report.imported == [("E9", 2)]
    rows = record_store.audit("E9")
    assert len(rows) == 4 and {r.host for r in rows} == {"WS-IMPORT"}


# ---------------------------------------------------------------- the audit layout


def test_export_and_import_of_the_audit_layout_keep_each_rows_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: Backend
) -> None:
    from neuroexam import cli

    monkeypatch.setenv("NEUROEXAM_HOME", str(tmp_path / "a"))
    store = open_store()
    on_host(monkeypatch, "exam-room")
    store.create_exam(exam("E1"), by="A. Tech")
    store.record_finding("E1", ctr("L7", "absent"), by="A. Tech")
    on_host(monkeypatch, "=cmd|' /C calc'!A0")  # a hostile name is neutralised and kept
    store.record_finding("E1", ctr("L7", "present"), by="A. Tech", reason="wrong key")
    on_host(monkeypatch, "treatment-room")
    store.complete_exam("E1", by="A. Tech")
    store.close()
    audit = tmp_path / "audit.csv"
    assert cli.main(["export", "--layout", "audit", "--out", str(audit)]) == 0
    text = audit.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(AUDIT_COLUMNS)
    assert text.splitlines()[0].endswith(",reason,host")
    before = audit_csv(text)
    assert [r["host"] for r in before][-3:] == [
        "exam-room",
        "'=cmd|' /C calc'!A0",  # formula neutralised as every cell (FORMAT.md section 2)
        "treatment-room",
    ]

    monkeypatch.setenv("NEUROEXAM_HOME", str(tmp_path / "b"))
    if backend.name == "postgresql":  # the same server, emptied: another clinic's records
        empty_tables(backend.target)
    on_host(monkeypatch, "WS-9")
    assert cli.main(["import", str(audit)]) == 0
    rebuilt = open_store()
    try:
        rows = rebuilt.audit("E1")
    finally:
        rebuilt.close()
    assert [r.host for r in rows[:-1]] == [
        *["exam-room"] * (len(rows) - 3),
        "=cmd|' /C calc'!A0",
        "treatment-room",
    ]
    assert (rows[-1].event, rows[-1].host) == (AuditEvent.IMPORTED, "WS-9")
    again = tmp_path / "audit2.csv"
    assert cli.main(["export", "--layout", "audit", "--out", str(again)]) == 0
    after = audit_csv(again.read_text(encoding="utf-8"))
    assert after[:-1] == before  # every row as it was, host included
    assert after[-1]["host"] == "WS-9"


def test_an_audit_file_without_the_host_column_imports(
    tmp_path: Path, record_store: RecordStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neuroexam.records.importer import import_file

    path = tmp_path / "audit-before-host.csv"
    path.write_text(
        "exam_id,patient_id,at,by,event,field,old_value,new_value,reason\r\n"
        "E7,P1,2026-03-01T09:00:00.000+00:00,A,created,,,,\r\n"
        "E7,P1,2026-03-01T09:00:00.000+00:00,A,created,species,,dog,\r\n"
        "E7,P1,2026-03-01T09:00:05.000+00:00,A,recorded,cutaneous_trunci/L7/left,,absent,\r\n",
        encoding="utf-8",
    )
    on_host(monkeypatch, "WS-9")
    report = import_file(record_store, path, by="B. Vet")
    assert report.errors == [] and [e for e, _ in report.imported] == ["E7"]
    rows = record_store.audit("E7")
    assert [(r.event.value, r.host) for r in rows] == [
        ("created", ""),  # the file does not say where: not known
        ("created", ""),
        ("recorded", ""),
        ("imported", "WS-9"),  # this import, on this workstation
    ]
    loaded = record_store.load_exam("E7")
    assert loaded is not None and [f.grade.value for f in loaded.findings] == ["absent"]


def test_a_host_with_a_control_character_is_a_bad_trail_row(tmp_path: Path) -> None:
    from neuroexam.records.importer import import_file

    path = tmp_path / "audit.csv"
    path.write_text(
        "exam_id,patient_id,at,by,event,field,old_value,new_value,reason,host\r\n"
        "E7,P1,2026-03-01T09:00:00.000+00:00,A,created,species,,dog,,\x1b]0;x\x07\r\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "b.db")
    try:
        report = import_file(store, path, by="x")
        assert report.imported == []
        assert [(e.exam_id, e.row) for e in report.errors] == [("E7", 2)]
        assert "control character" in report.errors[0].message
    finally:
        store.close()


# ---------------------------------------------------------------- migrations


def _sqlite_schema_6(path: Path) -> None:
    """Records as the previous release left them (schema 6: no ``audit.host``), with a trail."""
    con = sqlite3.connect(path)
    try:
        for script in sqlite_migrations.MIGRATIONS[:6]:
            for statement in sqlite_migrations.statements(script):
                con.execute(statement)
        con.execute("INSERT INTO exams (exam_id, patient_id, species) VALUES ('E1', 'P1', 'dog')")
        con.executemany(
            "INSERT INTO audit (exam_id, patient_id, at, by, event, field, new_value) "
            "VALUES ('E1', 'P1', '2026-03-01T09:00:00.000+00:00', 'A. Tech', ?, ?, ?)",
            [("created", "", ""), ("created", "species", "dog")],
        )
        con.execute("PRAGMA user_version = 6")
        con.commit()
    finally:
        con.close()


def test_sqlite_schema_6_records_migrate_with_old_rows_host_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "v6.db"
    _sqlite_schema_6(db)
    on_host(monkeypatch, "WS-2")
    store = Store(db)
    try:
        assert store.schema_version == len(sqlite_migrations.MIGRATIONS) == 7
        assert hosts(store) == [("created", ""), ("created", "")]
        store.record_finding("E1", ctr("L7", "absent"), by="A. Tech")
        assert hosts(store)[-1] == ("recorded", "WS-2")
    finally:
        store.close()
    with sqlite3.connect(db) as con:
        column = [r for r in con.execute("PRAGMA table_info(audit)") if r[1] == "host"]
    assert [(c[2], c[3], c[4]) for c in column] == [("TEXT", 1, "''")]  # NOT NULL DEFAULT ''


def test_postgres_schema_7_records_migrate_with_old_rows_host_unknown(
    own_pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    from neuroexam.records.postgres import PostgresStore
    from neuroexam.records.postgres import connection as connection_module
    from neuroexam.records.postgres.migrations import MIGRATIONS

    with monkeypatch.context() as m:  # a NeuroExam that knew the first 7 migrations
        m.setattr(connection_module, "MIGRATIONS", MIGRATIONS[:7])
        PostgresStore(own_pg_database).close()
    with psycopg.connect(own_pg_database) as conn:  # its trail rows, without a host
        conn.execute("INSERT INTO exams (exam_id, patient_id, species) VALUES ('E1', 'P1', 'dog')")
        conn.execute(
            "INSERT INTO audit (exam_id, patient_id, by, event, field, new_value) "
            "VALUES ('E1', 'P1', 'A. Tech', 'created', '', ''), "
            "('E1', 'P1', 'A. Tech', 'created', 'species', 'dog')"
        )
    on_host(monkeypatch, "WS-2")
    store = PostgresStore(own_pg_database)  # opened for writing: migrated
    try:
        assert store.schema_version == len(MIGRATIONS) == 8
        assert hosts(store) == [("created", ""), ("created", "")]
        store.record_finding("E1", ctr("L7", "absent"), by="A. Tech")
        assert hosts(store)[-1] == ("recorded", "WS-2")
    finally:
        store.close()


def test_the_copy_to_postgres_keeps_each_rows_host(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neuroexam.records.postgres import PostgresStore
    from neuroexam.records.postgres.copy import copy_sqlite_to_postgres

    db = tmp_path / "clinic.db"
    _sqlite_schema_6(db)  # two rows from before the host was kept
    on_host(monkeypatch, "exam-room")
    lite = Store(db)
    lite.record_finding("E1", ctr("L7", "absent"), by="A. Tech")
    lite.close()
    on_host(monkeypatch, "server-room")  # the machine running the copy changes no row
    assert copy_sqlite_to_postgres(db, pg_url)["audit"] == 3
    store = PostgresStore(pg_url)
    try:
        assert hosts(store) == [("created", ""), ("created", ""), ("recorded", "exam-room")]
    finally:
        store.close()
