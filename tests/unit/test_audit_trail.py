"""The audit trail, corrections, sign-off, void, ids and leases of the store (each backend)."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuroexam.core.models import Exam, Finding, Patient
from neuroexam.core.vocab import AuditEvent, ExamStatus, Grade, Side, TestId
from neuroexam.records.audit import finding_field, replay_findings
from neuroexam.records.backend import (
    ExamFilter,
    IdClash,
    LeaseHeld,
    LeaseLost,
    RecordLocked,
    RecordStore,
)
from neuroexam.records.store import MIGRATIONS, Store, open_store
from tests.backends import Backend, empty_tables

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "fixtures" / "release1.db"


def exam(exam_id: str = "E1", species: str = "dog") -> Exam:
    return Exam(
        exam_id=exam_id,
        examiner="A. Tech",
        patient=Patient(species=species, patient_id="P1", name="Oscar"),
    )


def ctr(site: str, grade: str, note: str = "", side: str = "left") -> Finding:
    return Finding(test="cutaneous_trunci", site=site, side=side, grade=grade, note=note)


def events(store: RecordStore, exam_id: str = "E1") -> list[tuple[str, str, str, str]]:
    return [(r.event.value, r.field, r.old_value, r.new_value) for r in store.audit(exam_id)]


def stored(store: RecordStore, exam_id: str = "E1") -> dict[str, tuple[str, str]]:
    found = store.load_exam(exam_id)
    assert found is not None
    return {
        finding_field(f.test.value, f.site, f.side.value): (f.grade.value, f.note)
        for f in found.findings
    }


def test_recorded_amended_and_cleared_rows(record_store: RecordStore) -> None:
    store = record_store
    store.create_exam(exam(), by="A. Tech")
    store.record_finding("E1", ctr("L7", "absent"), by="A. Tech")
    store.record_finding("E1", ctr("L7", "present"), by="B. Vet", reason="wrong key")
    store.record_finding("E1", ctr("L7", "present", "clipped"), by="B. Vet")
    store.clear_finding("E1", (TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT), by="B. Vet")
    field = "cutaneous_trunci/L7/left"
    assert events(store)[-4:] == [
        ("recorded", field, "", "absent"),
        ("amended", field, "absent", "present"),
        ("recorded", field, "", "note:clipped"),
        ("cleared", field, "present", ""),
    ]
    trail = store.audit("E1")
    assert trail[0].event is AuditEvent.CREATED and trail[0].by == "A. Tech"
    assert trail[-3].reason == "wrong key" and trail[-3].by == "B. Vet"
    assert all(r.at.tzinfo is not None for r in trail)
    assert stored(store) == {}


def test_pressing_the_same_grade_again_writes_no_trail_row(record_store: RecordStore) -> None:
    store = record_store
    store.create_exam(exam())
    store.record_finding("E1", ctr("L7", "absent"))
    before = len(store.audit("E1"))
    assert store.record_finding("E1", ctr("L7", "absent")) == []
    assert len(store.audit("E1")) == before


OPERATION = st.tuples(
    st.sampled_from(["record", "clear"]),
    st.sampled_from(["L7", "L6", "T13"]),
    st.sampled_from(list(Side)),
    st.sampled_from([g for g in Grade if g is not Grade.CLONUS]),
    st.sampled_from(["", "", "note a", "note b"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=st.lists(OPERATION, max_size=25))
def test_current_findings_are_the_last_value_of_each_field_in_the_trail(
    record_store: RecordStore, operations: list[tuple]
) -> None:
    store = record_store
    exam_id = f"E-{uuid.uuid4().hex}"  # one store for every example: a new exam each
    store.create_exam(exam(exam_id))
    for op, site, side, grade, note in operations:
        if op == "record":
            finding = Finding(test="cutaneous_trunci", site=site, side=side, grade=grade, note=note)
            store.record_finding(exam_id, finding)
        else:
            store.clear_finding(exam_id, (TestId.CUTANEOUS_TRUNCI, site, side), by="x")
    assert replay_findings(store.audit(exam_id)) == stored(store, exam_id)


def test_a_clashing_id_is_refused_never_merged(record_store: RecordStore) -> None:
    store = record_store
    store.create_exam(exam())
    other = exam()
    other.patient = Patient(species="cat", patient_id="P9", name="Mia")
    with pytest.raises(IdClash):
        store.create_exam(other)
    kept = store.load_exam("E1")
    assert kept is not None and kept.patient.name == "Oscar"


def test_complete_reopen_amend_complete(record_store: RecordStore) -> None:
    store = record_store
    store.create_exam(exam())
    store.record_finding("E1", ctr("L7", "absent"))
    store.complete_exam("E1", by="A. Tech")
    signed_at = store.sign_exam("E1", signed_by="Dr Vogel", by="A. Tech")
    loaded = store.load_exam("E1")
    assert loaded is not None and loaded.signed_by == "Dr Vogel" and loaded.signed_at == signed_at
    with pytest.raises(RecordLocked, match="complete"):
        store.record_finding("E1", ctr("L7", "present"))
    with pytest.raises(RecordLocked, match="reason"):
        store.reopen_exam("E1", by="B", reason=" ")
    store.reopen_exam("E1", by="B. Vet", reason="L7 re-tested")
    reopened = store.load_exam("E1")
    assert reopened is not None and reopened.signed_by == "" and reopened.signed_at is None
    store.record_finding("E1", ctr("L7", "present"), by="B. Vet", reason="L7 re-tested")
    store.complete_exam("E1", by="B. Vet")
    kinds = [e[0] for e in events(store)]
    assert kinds.count("completed") == 2 and "reopened" in kinds and "signed" in kinds
    amended = [r for r in store.audit("E1") if r.event is AuditEvent.AMENDED]
    assert [(r.old_value, r.new_value, r.reason) for r in amended] == [
        ("absent", "present", "L7 re-tested")
    ]


def test_void_keeps_the_record_and_leaves_it_out_of_use(record_store: RecordStore) -> None:
    store = record_store
    store.create_exam(exam())
    store.record_finding("E1", ctr("L7", "absent"))
    with pytest.raises(RecordLocked, match="reason"):
        store.void_exam("E1", by="x", reason="")
    store.void_exam("E1", by="Dr Vogel", reason="wrong patient")
    voided = store.load_exam("E1")
    assert voided is not None and voided.status is ExamStatus.VOIDED and voided.findings
    assert store.count_exams(ExamFilter()) == 0
    assert store.count_exams(ExamFilter(include_voided=True)) == 1
    [head] = store.serial_heads(ExamFilter(include_voided=True))
    assert head[5] == "voided"  # core.serial never compares it
    with pytest.raises(RecordLocked, match="voided"):
        store.record_finding("E1", ctr("L6", "absent"))
    last = store.audit("E1")[-1]
    assert (last.event, last.reason) == (AuditEvent.VOIDED, "wrong patient")


def test_an_untouched_exam_is_discarded_and_a_touched_one_kept(record_store: RecordStore) -> None:
    store = record_store
    store.create_exam(exam("E1"))
    store.create_exam(exam("E2"))
    store.record_finding("E2", ctr("L7", "absent"))
    store.clear_finding("E2", (TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT), by="x")
    assert store.discard_if_untouched("E1") is True
    assert store.load_exam("E1") is None and store.audit("E1") == []
    assert store.discard_if_untouched("E2") is False  # no finding left, but it has a trail
    assert store.load_exam("E2") is not None


def test_intake_changes_are_one_row_per_field(record_store: RecordStore) -> None:
    store = record_store
    store.create_exam(exam())
    edited = exam()
    edited.patient = Patient(species="cat", patient_id="P1", name="Oscar", breed="Siamese")
    edited.signs = ["neck_pain"]
    rows = store.update_intake(edited, by="A. Tech")
    assert sorted((r.field, r.old_value, r.new_value) for r in rows) == [
        ("breed", "", "Siamese"),
        ("signs", "", "neck_pain"),
        ("species", "dog", "cat"),
    ]
    assert store.update_intake(edited, by="A. Tech") == []
    loaded = store.load_exam("E1")
    assert loaded is not None and loaded.patient.species.value == "cat"


def test_lease_one_editor_and_take_over(backend: Backend) -> None:
    first, second = backend.open(), backend.open()  # two workstations on one set of records
    first.create_exam(exam())
    first.acquire_lease("E1", "holder-a", host="exam-room", user="A. Tech", ttl=60)
    with pytest.raises(LeaseHeld, match="open on exam-room since"):
        second.acquire_lease("E1", "holder-b", host="reception", user="B", ttl=60)
    second.acquire_lease("E1", "holder-b", host="reception", user="B", ttl=60, take_over=True)
    with pytest.raises(LeaseLost, match="taken over on reception"):
        first.record_finding("E1", ctr("L7", "absent"), holder="holder-a")
    assert first.renew_lease("E1", "holder-a", 60) is False
    second.record_finding("E1", ctr("L7", "present"), holder="holder-b")
    loaded = first.load_exam("E1")
    assert loaded is not None and [f.grade for f in loaded.findings] == [Grade.PRESENT]


def test_an_expired_lease_does_not_block(record_store: RecordStore) -> None:
    store = record_store
    store.create_exam(exam())
    store.acquire_lease("E1", "gone", host="tablet", user="", ttl=-1)
    store.acquire_lease("E1", "here", host="pc", user="", ttl=60)
    store.record_finding("E1", ctr("L7", "absent"), holder="here")


def test_a_store_of_the_first_release_migrates_with_everything_intact(tmp_path: Path) -> None:
    db = tmp_path / "release1.db"
    shutil.copy(FIXTURE, db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
        before = conn.execute(
            "SELECT exam_id, test, site, side, grade, note FROM findings ORDER BY 1, 2, 3, 4"
        ).fetchall()
        statuses = dict(conn.execute("SELECT exam_id, status FROM exams").fetchall())
    store = Store(db)
    assert store.schema_version == len(MIGRATIONS)
    after = [
        (e.exam_id, f.test.value, f.site, f.side.value, f.grade.value, f.note)
        for e in store.load_exams()
        for f in e.findings
    ]
    assert sorted(after) == sorted(before) and len(before) == 17
    assert {e.exam_id: e.status.value for e in store.load_exams()} == statuses
    assert store.continued("EX-20261102-D4E5F6") == "cutaneous_trunci:left"
    assert [a.total for a in store.attempts("Ana")] == [80.0]
    for exam_id in statuses:  # every migrated record has a trail that replays to it
        assert replay_findings(store.audit(exam_id)) == stored(store, exam_id)
    first = store.audit("EX-20261102-A1B2C3")
    assert first[0].event is AuditEvent.CREATED and first[-1].event is AuditEvent.COMPLETED
    # and it is writable with a trail from here on
    store.record_finding("EX-20261102-D4E5F6", ctr("L6", "absent"), by="A. Tech")
    assert store.audit("EX-20261102-D4E5F6")[-1].event is AuditEvent.RECORDED


def test_audit_layout_lists_every_change_oldest_first(tmp_path: Path, backend: Backend) -> None:
    import csv
    import io

    from neuroexam import cli
    from neuroexam.records.audit import AUDIT_COLUMNS

    store = open_store()  # the default store (NEUROEXAM_HOME or NEUROEXAM_DB), as the CLI opens it
    store.create_exam(exam("E1"), by="A. Tech")
    store.record_finding("E1", ctr("L7", "absent", "=cmd|' /C calc'!A0"), by="A. Tech")
    store.record_finding("E1", ctr("L7", "present"), by="B. Vet", reason="wrong key")
    store.complete_exam("E1", by="B. Vet")
    store.create_exam(exam("E2"), by="A. Tech")
    store.void_exam("E2", by="B. Vet", reason="duplicate")
    store.close()
    out = tmp_path / "audit.csv"
    assert cli.main(["export", "--layout", "audit", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(AUDIT_COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    events = [(r["exam_id"], r["event"], r["field"]) for r in rows if r["event"] != "created"]
    assert events == [
        ("E1", "recorded", "cutaneous_trunci/L7/left"),
        ("E1", "recorded", "cutaneous_trunci/L7/left"),
        ("E1", "amended", "cutaneous_trunci/L7/left"),
        ("E1", "amended", "cutaneous_trunci/L7/left"),
        ("E1", "completed", ""),
        ("E2", "voided", ""),  # every status is in the audit layout
    ]
    note = rows[[r["event"] for r in rows].index("recorded") + 1]
    assert note["new_value"] == "note:=cmd|' /C calc'!A0"  # text after the prefix is kept
    amended = next(r for r in rows if r["event"] == "amended")
    assert (amended["by"], amended["reason"]) == ("B. Vet", "wrong key")
    assert all(len(r["at"]) == 29 and r["at"][23] in "+-" for r in rows)  # ms and offset


def test_import_writes_imported_rows_naming_the_file(
    tmp_path: Path, record_store: RecordStore
) -> None:
    from neuroexam.records.csvio import write_findings
    from neuroexam.records.importer import import_file

    source = exam("E9")
    source.findings = [ctr("L7", "absent", "clipped"), ctr("L6", "present")]
    path = tmp_path / "from-reception.csv"
    write_findings([source], path)
    store = record_store
    report = import_file(store, path, by="B. Vet")
    assert report.imported == [("E9", 2)]
    rows = store.audit("E9")
    assert {r.event for r in rows} == {AuditEvent.IMPORTED}
    assert rows[0].reason == "imported from from-reception.csv" and rows[0].by == "B. Vet"
    assert replay_findings(rows) == stored(store, "E9")


def test_the_audit_layout_round_trips_through_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: Backend
) -> None:
    import csv
    import io

    from neuroexam import cli

    home_a, home_b = tmp_path / "a", tmp_path / "b"
    monkeypatch.setenv("NEUROEXAM_HOME", str(home_a))
    store = open_store()
    first = exam("E1")
    first.signs = ["back_pain", "phantom_scratching:left"]
    first.exam_note = "=owner: dragging legs"
    store.create_exam(first, by="A. Tech")
    store.record_finding("E1", ctr("L7", "absent", "clipped"), by="A. Tech")
    store.record_finding("E1", ctr("L6", "absent"), by="A. Tech")
    store.record_finding("E1", ctr("L6", "present"), by="B. Vet", reason="wrong key")
    store.clear_finding("E1", (TestId.CUTANEOUS_TRUNCI, "L7", Side.LEFT), by="B. Vet")
    store.complete_exam("E1", by="B. Vet")
    store.sign_exam("E1", signed_by="Dr Vogel", by="B. Vet")
    store.create_exam(exam("E2", species="cat"), by="A. Tech")
    store.record_finding("E2", ctr("L7", "present"), by="A. Tech")
    store.void_exam("E2", by="B. Vet", reason="duplicate")
    store.close()
    audit, findings = tmp_path / "audit.csv", tmp_path / "findings.csv"
    everything = ["--mode", "all", "--include-unfinished", "--include-voided"]
    assert cli.main(["export", "--layout", "audit", "--out", str(audit)]) == 0
    assert cli.main(["export", *everything, "--out", str(findings)]) == 0

    monkeypatch.setenv("NEUROEXAM_HOME", str(home_b))
    if backend.name == "postgresql":  # the same server, emptied: "another clinic's" records
        empty_tables(backend.target)
    assert cli.main(["import", str(audit)]) == 0
    assert cli.main(["import", str(audit)]) == 0  # a second import skips both
    again_audit, again_findings = tmp_path / "audit2.csv", tmp_path / "findings2.csv"
    assert cli.main(["export", "--layout", "audit", "--out", str(again_audit)]) == 0
    assert cli.main(["export", *everything, "--out", str(again_findings)]) == 0
    assert again_findings.read_bytes() == findings.read_bytes()
    before = list(csv.DictReader(io.StringIO(audit.read_text(encoding="utf-8"))))
    after = list(csv.DictReader(io.StringIO(again_audit.read_text(encoding="utf-8"))))
    kept = [r for r in after if r["event"] != "imported"]
    assert kept == before  # every row as it was, in order
    imported = [r for r in after if r["event"] == "imported"]
    assert [(r["exam_id"], r["new_value"]) for r in imported] == [
        ("E1", "complete"),
        ("E2", "voided"),
    ]
    assert all(r["reason"] == "trail imported from audit.csv" for r in imported)
    rebuilt = open_store()
    signed = rebuilt.load_exam("E1")
    rebuilt.close()
    assert signed is not None and signed.signed_by == "Dr Vogel"
    assert signed.exam_note == "=owner: dragging legs"


def test_a_trail_without_its_intake_is_an_error_naming_the_exam(tmp_path: Path) -> None:
    from neuroexam.records.importer import import_file

    path = tmp_path / "audit.csv"
    path.write_text(
        "exam_id,patient_id,at,by,event,field,old_value,new_value,reason\r\n"
        "E7,P1,2026-03-01T09:00:00.000+00:00,A,created,,,,\r\n"
        "E7,P1,2026-03-01T09:00:05.000+00:00,A,recorded,cutaneous_trunci/L7/left,,absent,\r\n"
        "E8,P1,not a time,A,created,species,,dog,\r\n",
        encoding="utf-8",
    )
    report = import_file(Store(tmp_path / "b.db"), path, by="x")
    assert report.imported == []
    messages = {e.exam_id: (e.row, e.message) for e in report.errors}
    assert messages["E7"][0] == 2 and "no species row" in messages["E7"][1]
    assert messages["E8"][0] == 4 and "bad trail row" in messages["E8"][1]
    assert report.exit_status == 1
