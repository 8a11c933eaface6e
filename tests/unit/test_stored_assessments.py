"""Stored assessments (records/assessments.py, migration 5): equal to ``evaluate`` with the
patient's whole history, recomputed when the exam, its earlier exams or the protocols change,
read by the summary export (which then evaluates nothing)."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from neuroexam.core.models import Exam, ExamStatus, Mode, Patient
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import evaluate
from neuroexam.records import assessments as stored_module
from neuroexam.records.assessments import (
    assessments_for,
    history_hashes,
    protocols_hash,
    refresh_assessments,
)
from neuroexam.records.export import Layout, export_text
from neuroexam.records.sqlite.migrations import MIGRATIONS
from neuroexam.records.store import ExamFilter, Store, StoreError
from neuroexam.services.records import RecordsService
from tests.conftest import REPO
from tests.unit.export_fixtures import CET, ctr_series, golden_exams

GOLDEN = REPO / "tests" / "data" / "golden"
EVERYTHING = ExamFilter(include_voided=True)
START = datetime(2026, 4, 1, 8, 0, tzinfo=CET)


def dog(exam_id: str, when: datetime | None, cutoff: str | None, **patient: str) -> Exam:
    """A complete exam of a Dachshund (patient P-PMM unless told), trunci from L7 up."""
    fields = {"patient_id": "P-PMM", "name": "Bruno", "species": "dog", "breed": "Dachshund"}
    fields.update(patient)
    return Exam(
        exam_id=exam_id,
        exam_date=when,
        examiner="A. Tech",
        patient=Patient(**fields),
        signs=["back_pain", "paraplegia"],
        findings=ctr_series(cutoff, when or START),
        status=ExamStatus.COMPLETE,
    )


def pmm_episode() -> list[Exam]:
    """Three exams 12 h apart whose cut-off climbs L3 → L1 → T12: one PMM episode."""
    return [
        dog("PMM-1", START, "L3"),
        dog("PMM-2", START + timedelta(hours=12), "L1"),
        dog("PMM-3", START + timedelta(hours=24), "T12"),
    ]


def curated() -> list[Exam]:
    """The golden exams, the PMM episode, and the serial edge cases: an undated exam of a
    followed patient, a voided exam, a species conflict, a name that differs, and an exam
    without a patient id."""
    later = START + timedelta(days=3)
    return [
        *golden_exams(),
        *pmm_episode(),
        dog("PMM-UNDATED", None, "L6"),
        dog("PMM-VOID", START + timedelta(hours=30), "T11").model_copy(
            update={"status": ExamStatus.VOIDED}
        ),
        dog("OTHER-1", later, "L2", patient_id="P-OTHER"),
        dog("OTHER-2", later + timedelta(hours=6), "L1", patient_id="P-OTHER", name="Brutus"),
        dog("OTHER-CAT", later + timedelta(hours=9), "L4", patient_id="P-OTHER", species="cat"),
        dog("LOOSE", later, "L2", patient_id="", name=""),
    ]


@pytest.fixture
def store(_isolated_home: Path) -> Iterator[Store]:
    store = Store()
    for exam in curated():
        store.save_exam_with_findings(exam)
    yield store
    store.close()


def expected(store: Store, exam: Exam, protocols: Protocols) -> dict:
    """``evaluate`` as the summary screen calls it: the patient's other exams as history."""
    pid = exam.patient.patient_id
    others = store.load_exams(patient_id=pid) if pid else []
    history = [e for e in others if e.exam_id != exam.exam_id]
    return evaluate(exam, history, protocols).model_dump()


def summary_rows(text: str) -> dict[str, dict[str, str]]:
    return {r["exam_id"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}


def test_stored_assessments_equal_evaluate_with_the_whole_history(
    store: Store, protocols: Protocols
) -> None:
    ids = [e.exam_id for e in curated()]
    got = assessments_for(store, ids, protocols)
    assert list(got) == ids
    for exam_id in ids:
        exam = store.load_exam(exam_id)
        assert exam is not None
        assert got[exam_id].model_dump() == expected(store, exam, protocols), exam_id
    # read back from the table: the same
    again = assessments_for(store, ids, protocols)
    assert {k: a.model_dump() for k, a in again.items()} == {
        k: a.model_dump() for k, a in got.items()
    }
    assert assessments_for(store, ["NO-SUCH-EXAM"], protocols) == {}


def test_curated_cases_cover_the_serial_edge_cases(store: Store, protocols: Protocols) -> None:
    got = assessments_for(store, ["PMM-3", "PMM-UNDATED", "OTHER-2", "OTHER-CAT"], protocols)
    assert got["PMM-3"].serial is not None and got["PMM-3"].serial.previous_exam_id == "PMM-2"
    assert any("no date" in w for w in got["PMM-UNDATED"].warnings)
    assert any("Bruno" in w or "Brutus" in w for w in got["OTHER-2"].warnings)
    assert got["OTHER-CAT"].serial is None and got["OTHER-CAT"].warnings


def test_a_pmm_episode_of_three_exams_keeps_the_first_exams_window(
    store: Store, protocols: Protocols
) -> None:
    """The export once gave each exam only its previous exam, so the third exam of an episode
    showed the second exam's window; the first exam's window is the imaging window."""
    rows = summary_rows(export_text(store, EVERYTHING, Layout.SUMMARY))
    first = evaluate(pmm_episode()[0], [], protocols).lesion_window
    assert first is not None
    assert rows["PMM-3"]["lesion_window"] == f"{first.cranial}-{first.caudal}"
    assert rows["PMM-2"]["lesion_window"] == rows["PMM-3"]["lesion_window"]
    exams = {e.exam_id: e for e in pmm_episode()}
    only_previous = evaluate(exams["PMM-3"], [exams["PMM-2"]], protocols).lesion_window
    assert only_previous is not None and only_previous != first  # what the old export wrote


def test_the_golden_summary_is_unchanged_and_read_back_without_evaluating(
    protocols: Protocols, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store()
    for exam in golden_exams():
        store.save_exam_with_findings(exam)
    where = ExamFilter(mode=Mode.CLINICAL, include_unfinished=False)
    first = export_text(store, where, Layout.SUMMARY, protocols)
    assert first.encode() == (GOLDEN / "summary.csv").read_bytes()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a fresh stored assessment was evaluated again")

    monkeypatch.setattr(stored_module, "assess_patient", refuse)
    assert export_text(store, where, Layout.SUMMARY, protocols) == first
    store.close()


def computed_ids(store: Store, protocols: Protocols, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Which exams the next refresh of every exam recomputes."""
    seen: set[str] = set()
    real = stored_module.assess_patient

    def spy(exams, protocols, wanted=None):
        out = real(exams, protocols, wanted)
        seen.update(out)
        return out

    monkeypatch.setattr(stored_module, "assess_patient", spy)
    ids = [e.exam_id for e in curated()]
    assert refresh_assessments(store, ids, protocols) == len(seen)
    monkeypatch.setattr(stored_module, "assess_patient", real)
    return seen


def test_a_change_to_an_exam_recomputes_it_and_the_patients_later_exams(
    store: Store, protocols: Protocols, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(computed_ids(store, protocols, monkeypatch)) == len(curated())
    assert computed_ids(store, protocols, monkeypatch) == set()  # all fresh
    store.reopen_exam("PMM-2", by="Dr Vogel", reason="typo in a grade")
    # PMM-2 itself (its version), the exams after it (their history); never PMM-1 or others
    assert computed_ids(store, protocols, monkeypatch) == {"PMM-2", "PMM-3", "PMM-VOID"}
    store.complete_exam("PMM-2", by="Dr Vogel", reason="amended")
    assert computed_ids(store, protocols, monkeypatch) == {"PMM-2", "PMM-3", "PMM-VOID"}
    store.void_exam("PMM-3", by="Dr Vogel", reason="wrong patient")
    assert computed_ids(store, protocols, monkeypatch) == {"PMM-3", "PMM-VOID"}
    after = assessments_for(store, ["PMM-VOID"], protocols)["PMM-VOID"]
    exam = store.load_exam("PMM-VOID")
    assert exam is not None and after.model_dump() == expected(store, exam, protocols)


def test_an_earlier_exam_added_later_recomputes_what_follows_it(
    store: Store, protocols: Protocols, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed_ids(store, protocols, monkeypatch)
    store.save_exam_with_findings(dog("PMM-0", START - timedelta(hours=6), "L6"))
    # the exams after it (their history changed); not the undated one (it had others already)
    assert computed_ids(store, protocols, monkeypatch) == {"PMM-1", "PMM-2", "PMM-3", "PMM-VOID"}


def test_other_protocols_recompute_everything(
    store: Store, protocols: Protocols, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed_ids(store, protocols, monkeypatch)
    rules = protocols.rules
    serial = rules.thresholds.serial.model_copy(update={"episode_gap_days": 0.25})
    changed = protocols.model_copy(
        update={
            "rules": rules.model_copy(
                update={"thresholds": rules.thresholds.model_copy(update={"serial": serial})}
            )
        }
    )
    assert protocols_hash(changed) != protocols_hash(protocols)
    assert len(computed_ids(store, changed, monkeypatch)) == len(curated())
    got = assessments_for(store, ["PMM-3"], changed)["PMM-3"]
    exam = store.load_exam("PMM-3")
    assert exam is not None and got.model_dump() == expected(store, exam, changed)


def test_history_hashes_follow_only_earlier_exams() -> None:
    heads = [
        ("A", "P", "2026-01-01T08:00:00+01:00", 1),
        ("B", "P", "2026-01-02T08:00:00+01:00", 1),
        ("B2", "P", "2026-01-02T07:00:00+00:00", 1),  # the same instant as B
        ("C", "P", "2026-01-03T08:00:00+01:00", 1),
        ("U", "P", None, 1),
        ("X", "Q", "2026-01-01T08:00:00+01:00", 1),
        ("L", "", "2026-01-01T08:00:00+01:00", 1),
    ]
    base = history_hashes(heads)
    assert base["B"] == base["B2"] != base["A"] and base["C"] not in (base["A"], base["B"])
    assert base["A"] == base["X"]  # nothing earlier, whoever the patient
    assert base["L"] == "" and base["U"] == "undated:1"
    bumped = history_hashes([(*h[:3], 2) if h[0] == "B" else h for h in heads])
    assert [k for k in base if base[k] != bumped[k]] == ["C"]
    later = history_hashes([*heads, ("D", "P", "2026-02-01T08:00:00+01:00", 1)])
    assert all(later[k] == v for k, v in base.items())


def test_records_service_gives_a_page_of_stored_assessments(
    store: Store, protocols: Protocols
) -> None:
    records = RecordsService(store, lambda: protocols)
    page = records.assessments(["PMM-3", "EX-001"])
    for exam_id, assessment in page.items():
        exam = records.exam(exam_id)
        assert exam is not None
        assert assessment.model_dump() == records.assess(exam).model_dump()
    assert records.refresh_assessments(["PMM-3", "EX-001"]) == 0


def test_a_read_only_store_computes_without_storing(
    store: Store, protocols: Protocols, _isolated_home: Path
) -> None:
    path = Path(store.location)
    store.close()
    reader = Store(path, read_only=True)
    try:
        got = assessments_for(reader, ["PMM-3"], protocols)
        assert got["PMM-3"].serial is not None
        assert reader.stored_assessments(["PMM-3"]) == {}
        assert not reader.put_assessments([])
        assert summary_rows(export_text(reader, EVERYTHING, Layout.SUMMARY))["PMM-3"]
    finally:
        reader.close()


def test_release1_records_migrate_and_export(tmp_path: Path, protocols: Protocols) -> None:
    db = tmp_path / "release1.db"
    shutil.copy(REPO / "tests" / "data" / "fixtures" / "release1.db", db)
    store = Store(db)
    try:
        assert store.schema_version == len(MIGRATIONS) == 7
        text = export_text(store, EVERYTHING, Layout.SUMMARY, protocols)
        rows = summary_rows(text)
        assert rows and len(store.stored_assessments(list(rows))) == len(rows)
        assert export_text(store, EVERYTHING, Layout.SUMMARY, protocols) == text
    finally:
        store.close()


def test_a_schema_4_store_made_by_the_previous_code_migrates(
    tmp_path: Path, protocols: Protocols
) -> None:
    db = tmp_path / "v4.db"
    store = Store(db)
    for exam in golden_exams():
        store.save_exam_with_findings(exam)
    store.close()
    con = sqlite3.connect(db)
    con.executescript(
        "DROP TABLE assessments; DROP TABLE patient_versions; DROP TRIGGER exams_patient_added; "
        "DROP TRIGGER exams_patient_removed; DROP TRIGGER exams_patient_changed; "
        "ALTER TABLE audit DROP COLUMN host; PRAGMA user_version = 4;"
    )
    con.close()
    store = Store(db)
    try:
        assert store.schema_version == len(MIGRATIONS)
        where = ExamFilter(mode=golden_exams()[0].mode, include_unfinished=False)
        data = export_text(store, where, Layout.SUMMARY, protocols).encode()
        assert data == (GOLDEN / "summary.csv").read_bytes()
        assert len(store.stored_assessments([e.exam_id for e in golden_exams()])) == 5
    finally:
        store.close()


def test_findings_export_without_joined_finding_keys_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A backend without ``iter_finding_keys`` (the generic path) writes the same bytes."""
    from neuroexam.records.sqlite.streaming import SqliteStreaming

    store = Store()
    for exam in golden_exams():
        store.save_exam_with_findings(exam)
    where = ExamFilter(mode=Mode.CLINICAL, include_unfinished=False)
    monkeypatch.delattr(SqliteStreaming, "iter_finding_keys")
    assert not hasattr(store, "iter_finding_keys")
    data = export_text(store, where, Layout.FINDINGS).encode()
    assert data == (GOLDEN / "findings.csv").read_bytes()
    store.close()


def test_a_changed_engine_makes_stored_assessments_stale(
    protocols: Protocols, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hash covers the clinical engine's source, not only the version number."""
    before = protocols_hash(protocols)
    monkeypatch.setattr(stored_module, "_HASHES", {})
    monkeypatch.setattr(stored_module, "_engine", lambda: "a rule changed")
    assert protocols_hash(protocols) != before


def test_an_export_while_the_records_are_busy_still_writes_its_file(
    store: Store, protocols: Protocols, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storing assessments is an optimisation: a refused write never fails the export."""
    from neuroexam.records.sqlite.assessments import SqliteAssessments

    def busy(self: SqliteAssessments, rows: object) -> bool:
        raise StoreError("database is locked")

    with monkeypatch.context() as patched:
        patched.setattr(SqliteAssessments, "put_assessments", busy)
        rows = summary_rows(export_text(store, EVERYTHING, Layout.SUMMARY, protocols))
    assert set(rows) == {e.exam_id for e in curated()}
    assert store.stored_assessments(list(rows)) == {}
    assert refresh_assessments(store, list(rows), protocols) == len(rows)  # next time


def test_a_stored_payload_is_parsed_once_and_a_bad_one_recomputed(
    store: Store, protocols: Protocols
) -> None:
    ids = [e.exam_id for e in curated()]
    first = assessments_for(store, ids, protocols)
    stored_module._parsed.clear()
    again = assessments_for(store, ids, protocols)
    assert all(again[k] is not first[k] for k in ids)  # parsed from the rows
    assert all(assessments_for(store, ids, protocols)[k] is again[k] for k in ids)  # kept
    # a row another build of the same format wrote (a payload this one cannot read): computed
    # again, right, and stored again
    row = store.stored_assessments(["PMM-3"])["PMM-3"]
    assert store.put_assessments([row._replace(payload='{"exam_id": ["not", "an", "id"]}')])
    got = assessments_for(store, ["PMM-3"], protocols)["PMM-3"]
    exam = store.load_exam("PMM-3")
    assert exam is not None and got.model_dump() == expected(store, exam, protocols)
    assert store.stored_assessments(["PMM-3"])["PMM-3"].payload == row.payload
