"""Property tests of export and import over generated exams (hypothesis).

- export (findings) → import into a fresh store → export again: the same bytes;
- the summary layout's cut-offs, localisation, window, flags, urgency and follow-up equal
  ``assess`` on the findings export and ``evaluate`` as the summary screen calls it;
- :func:`previous_exam_ids` picks the exam :func:`rules.previous_exam` picks.
"""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuroexam.core.models import Exam, ExamStatus, Finding, Mode, Patient, Sex, Species
from neuroexam.core.rules import evaluate, previous_exam
from neuroexam.records.assess import assess_file
from neuroexam.records.export import Layout, export_csv, export_text
from neuroexam.records.formats import neutralise
from neuroexam.records.importer import import_file
from neuroexam.records.store import ExamFilter, Store
from neuroexam.records.summary_rows import previous_exam_ids
from neuroexam.tui.screens.summary import patient_history
from tests.unit.test_properties import (
    ALL_LEVELS,
    BREED_TEXTS,
    PHASES,
    PROTOCOLS,
    SIGN_IDS,
    build_findings,
    cell_text,
    ctr_side,
    scratch_side,
)

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
EVERYTHING = ExamFilter()  # every mode and status, no dates: the whole store
BASE = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

#: Whole seconds (an export writes times to the second), a few offsets, ties possible.
moments = st.builds(
    lambda minutes, hours: (BASE + timedelta(minutes=minutes)).astimezone(
        timezone(timedelta(hours=hours))
    ),
    st.sampled_from([0, 30, 60, 60, 24 * 60, 3 * 24 * 60]),
    st.sampled_from([0, 1, 2, -5]),
)


@st.composite
def store_exams(draw: st.DrawFn, exam_id: str) -> Exam:
    patient = draw(st.sampled_from(["P1", "P1", "P2", "'=P3", ""]))
    species = Species.CAT if patient == "P2" else Species.DOG
    ctr = {side: draw(ctr_side(ALL_LEVELS)) for side in ("left", "right")}
    scratch = {side: draw(scratch_side()) for side in ("left", "right")}
    findings = draw(st.permutations(build_findings(ctr, scratch))) or [
        Finding(test="scratch", site="ear", side="left", grade="present")
    ]
    noted = draw(st.lists(st.integers(0, len(findings) - 1), unique=True, max_size=2))
    findings = [
        f.model_copy(update={"note": draw(cell_text()), "recorded_at": draw(st.none() | moments)})
        if i in noted
        else f
        for i, f in enumerate(findings)
    ]
    return Exam(
        exam_id=exam_id,
        exam_date=draw(st.none() | moments | moments),
        examiner=draw(cell_text()),
        mode=draw(st.sampled_from([Mode.CLINICAL, Mode.CLINICAL, Mode.TRAINING])),
        patient=Patient(
            patient_id=patient,
            name=draw(cell_text()),
            species=species,
            breed=draw(st.sampled_from(BREED_TEXTS[species])),
            age_years=draw(st.none() | st.integers(0, 300).map(lambda n: n / 10)),
            sex=draw(st.sampled_from(list(Sex))),
            weight_kg=draw(st.none() | st.integers(1, 2000).map(lambda n: n / 10)),
        ),
        signs=draw(st.lists(st.sampled_from(SIGN_IDS), unique=True, max_size=4)),
        findings=findings,
        status=draw(st.sampled_from(list(ExamStatus))),
    )


@st.composite
def exam_sets(draw: st.DrawFn) -> list[Exam]:
    ids = draw(st.lists(cell_text(allow_empty=False), min_size=1, max_size=5, unique=True))
    return [draw(store_exams(exam_id)) for exam_id in ids]


def filled_store(folder: Path, exams: list[Exam]) -> Store:
    store = Store(folder / "a.db")
    for exam in exams:
        store.save_exam_with_findings(exam)
    return store


@SETTINGS
@given(exams=exam_sets())
def test_export_import_export_is_lossless(exams: list[Exam]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        first = folder / "first.csv"
        store = filled_store(folder, exams)
        export_csv(store, first, EVERYTHING, protocols=PROTOCOLS)
        store.close()
        fresh = Store(folder / "b.db")
        report = import_file(fresh, first)
        assert report.errors == [] and report.skipped == []
        assert sorted(i for i, _ in report.imported) == sorted(e.exam_id for e in exams)
        second = folder / "second.csv"
        export_csv(fresh, second, EVERYTHING, protocols=PROTOCOLS)
        assert second.read_bytes() == first.read_bytes()
        again = import_file(fresh, first)  # a second import changes nothing
        assert again.imported == [] and len(again.skipped) == len(exams)
        fresh.close()


def _cells(a) -> dict[str, str]:  # type: ignore[no-untyped-def]
    window = a.lesion_window
    return {
        "ctr_cutoff_left": a.ctr_cutoff.left or "",
        "ctr_cutoff_right": a.ctr_cutoff.right or "",
        "localization": a.localization or "",
        "lesion_window": f"{window.cranial}-{window.caudal}" if window else "",
        "flags": ";".join(f.id.value for f in a.flags),
        "urgency": a.urgency.value if a.urgency else "",
        "follow_up": ";".join(dict.fromkeys(u.test.value for f in a.flags for u in f.follow_up)),
    }


@SETTINGS
@given(exams=exam_sets())
def test_summary_layout_equals_assess_and_the_summary_screen(exams: list[Exam]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = filled_store(folder, exams)
        findings = folder / "findings.csv"
        export_csv(store, findings, EVERYTHING, protocols=PROTOCOLS)
        summary = export_text(store, EVERYTHING, Layout.SUMMARY, PROTOCOLS)
        rows = list(csv.DictReader(io.StringIO(summary, newline="")))
        assessed = assess_file(findings, PROTOCOLS)
        assert assessed.errors == []
        # assess leaves voided exams out (FORMAT v2 §4 ``skipped``); the export keeps them
        voided = {e.exam_id for e in exams if e.status is ExamStatus.VOIDED}
        assert {s["exam_id"] for s in assessed.skipped} == voided
        rows = [r for r in rows if r["exam_id"] not in {neutralise(v) for v in voided}]
        # same exams, same order (export order: date, then id)
        assert [r["exam_id"] for r in rows] == [neutralise(a.exam_id) for a in assessed.assessments]
        for row, by_assess in zip(rows, assessed.assessments, strict=True):
            exam = store.load_exam(by_assess.exam_id)
            assert exam is not None
            on_screen = evaluate(exam, patient_history(store, exam), PROTOCOLS)
            wanted = _cells(on_screen)
            assert {k: row[k] for k in wanted} == wanted, exam.exam_id
            assert _cells(by_assess) == wanted, exam.exam_id
            assert row["breed"] == neutralise(on_screen.breed)
        store.close()


@SETTINGS
@given(exams=exam_sets())
def test_previous_exam_ids_match_rules_previous_exam(exams: list[Exam]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = filled_store(Path(tmp), exams)
        found = previous_exam_ids(store.serial_heads(EVERYTHING))
        for exam in store.load_exams():
            history = patient_history(store, exam)
            expected = previous_exam(exam, history, PROTOCOLS)
            assert found.get(exam.exam_id) == (expected.exam_id if expected else None)
        store.close()
