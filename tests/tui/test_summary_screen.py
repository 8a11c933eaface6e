"""The summary screen: what it shows, finish, CSV export, read-only mode."""

from __future__ import annotations

import errno
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from neuroexam.core.models import Exam, ExamStatus, Finding, Grade, Patient, Side, TestId
from neuroexam.records import csvio
from neuroexam.records.csvio import read_exams
from neuroexam.records.store import Store
from neuroexam.tui.app import NeuroExamApp
from neuroexam.tui.screens.home import HomeScreen
from neuroexam.tui.screens.summary import SummaryScreen
from neuroexam.tui.widgets.export_modal import ExportModal
from neuroexam.tui.widgets.modals import ConfirmModal

WHEN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LUMBAR = ["L7", "L6", "L5", "L4", "L3", "L2", "L1"]


@pytest.fixture
def export_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    monkeypatch.setenv("NEUROEXAM_EXPORT_DIR", str(folder))
    return folder


def save(
    store: Store,
    exam_id: str,
    breed: str,
    signs: list[str],
    ctr: dict[str, str],
    status: ExamStatus = ExamStatus.IN_PROGRESS,
    patient_id: str = "P1",
) -> Exam:
    """An exam with the same CTR grades on both sides and a present neck scratch."""
    exam = Exam(
        exam_id=exam_id,
        exam_date=WHEN,
        examiner="T. Tech",
        patient=Patient(
            patient_id=patient_id,
            name="Rex",
            species="dog",
            breed=breed,
            age_years=5,
            sex="MN",
            weight_kg=7.5,
        ),
        signs=signs,
    )
    store.create_exam(exam)
    seq = 0
    for side in Side:
        for level, grade in ctr.items():
            store.save_finding(
                exam_id,
                Finding(
                    test=TestId.CUTANEOUS_TRUNCI,
                    site=level,
                    side=side,
                    grade=grade,
                    note="=SUM(A1)" if level == "L1" else "",
                    recorded_at=WHEN,
                ),
                seq,
            )
            seq += 1
        store.save_finding(
            exam_id,
            Finding(test=TestId.SCRATCH, site="neck", side=side, grade=Grade.PRESENT),
            seq,
        )
        seq += 1
    if status is ExamStatus.COMPLETE:
        store.complete_exam(exam_id, by="test")
    return store.load_exam(exam_id)  # type: ignore[return-value]


def dachshund(store: Store) -> Exam:
    ctr = {level: "absent" for level in LUMBAR[:-1]} | {"L1": "present"}
    return save(store, "E1", "Doxie", ["back_pain"], ctr)


def beagle(store: Store) -> Exam:
    return save(store, "B1", "Beagle", [], {level: "present" for level in LUMBAR})


def text_of(app: NeuroExamApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static) if w.display)


def make_app(tmp_path: Path) -> NeuroExamApp:
    return NeuroExamApp(store=Store(tmp_path / "t.db"))


async def test_dachshund_summary_shows_ivdd_window_and_disclaimer(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    dachshund(app.store)
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_summary("E1")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        text = text_of(app)
        assert "Thoracolumbar myelopathy consistent with IVDD" in text
        assert "T10-L1" in text
        assert "left L1 (ABNORMAL); right L1 (ABNORMAL)" in text
        assert "Localisation: T3-L3" in text
        assert "! routine" in text or "!! URGENT" in text or "!!! EMERGENCY" in text
        assert "Strength: strong · side: bilateral" in text
        assert "MRI: thoracolumbar spine T10-L1" in text
        assert (
            "P1 Rex · dog · Dachshund (entered as Doxie) · 5 y · MN · 7.5 kg" in text
            and "in progress" in text
        )
        assert app.protocols.rules.disclaimer in text
        # The map draws the lesion window in text, not only colour.
        assert "▓▓▓" in str(app.screen.query_one("#map", Static).render())
        assert "within normal limits" not in text


async def test_normal_beagle_summary_says_within_normal_limits(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    beagle(app.store)
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_summary("B1")
        await pilot.pause()
        text = text_of(app)
        assert "within normal limits" in text
        assert "left L7 (normal); right L7 (normal)" in text
        assert "Localisation: none set" in text
        assert "No flags." in text
        assert app.protocols.rules.disclaimer in text
        assert not app.screen.query(".flag")


async def test_finish_asks_who_signs_then_marks_the_exam_complete(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    beagle(app.store)
    async with app.run_test(size=(100, 40)) as pilot:
        app.resume_exam("B1")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert "f" in app.screen.active_bindings
        await pilot.press("f")
        await pilot.pause()
        # steps left unrecorded are listed first
        assert "not recorded" in str(app.screen.query_one("#question").render())
        await pilot.press("y")
        await pilot.pause()
        assert type(app.screen).__name__ == "TextModal"
        await pilot.press("ctrl+a", "ctrl+k", *"Dr Vogel", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any("signed by Dr Vogel" in n.message for n in app._notifications)
    stored = app.store.load_exam("B1")
    assert stored is not None and stored.status is ExamStatus.COMPLETE
    assert stored.signed_by == "Dr Vogel" and stored.signed_at is not None
    assert [r.event.value for r in app.store.audit("B1")][-2:] == ["completed", "signed"]


async def test_read_only_hides_finish_and_edit(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    beagle(app.store)
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_summary("B1", read_only=True)
        await pilot.pause()
        keys = app.screen.active_bindings
        assert "f" not in keys and "b" not in keys
        assert {"x", "h", "escape"} <= set(keys)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert app.store.load_exam("B1").status is ExamStatus.IN_PROGRESS  # type: ignore[union-attr]


async def test_export_writes_the_exam_as_csv(tmp_path: Path, export_dir: Path) -> None:
    app = make_app(tmp_path)
    exam = dachshund(app.store)
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_summary("E1")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportModal)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        out = export_dir / "neuroexam-E1.csv"
        assert out.exists()
        messages = [n.message for n in app._notifications]
        assert f"Exported {len(exam.findings)} findings to {out}" in messages
    assert out.read_bytes().count(b"\r\n") == len(exam.findings) + 1
    assert ",'=SUM(A1)," in out.read_text(encoding="utf-8")
    back = read_exams(out)
    assert back.errors == []
    [read] = back.exams
    assert read.exam_id == "E1" and read.patient.breed == "Dachshund"
    assert read.status is ExamStatus.IN_PROGRESS
    assert [f.model_dump() for f in read.findings] == [f.model_dump() for f in exam.findings]


async def test_export_asks_before_overwriting(tmp_path: Path, export_dir: Path) -> None:
    app = make_app(tmp_path)
    beagle(app.store)
    out = export_dir / "neuroexam-B1.csv"
    out.write_text("keep me", encoding="utf-8")
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_summary("B1")
        await pilot.pause()
        await pilot.press("x", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ExportModal)
        assert out.read_text(encoding="utf-8") == "keep me"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
    assert out.read_text(encoding="utf-8").startswith("exam_id,exam_date,")


async def test_export_failure_is_a_clear_message(
    tmp_path: Path, export_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(csvio, "write_findings", disk_full)
    app = make_app(tmp_path)
    beagle(app.store)
    target = export_dir / "neuroexam-B1.csv"
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_summary("B1")
        await pilot.pause()
        await pilot.press("x", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors == [f"Export failed: cannot write {target}: No space left on device"]


async def test_export_to_a_missing_folder_is_refused_in_the_dialog(
    tmp_path: Path, export_dir: Path
) -> None:
    app = make_app(tmp_path)
    beagle(app.store)
    target = export_dir / "no-such-folder" / "out.csv"
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_summary("B1")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportModal)
        problem = str(app.screen.query_one("#export-problem", Static).render())
        assert problem == f"The folder {target.parent} does not exist: choose another one."
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
    assert not target.exists()


async def test_escape_cancels_the_export(tmp_path: Path, export_dir: Path) -> None:
    app = make_app(tmp_path)
    beagle(app.store)
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_summary("B1")
        await pilot.pause()
        await pilot.press("x", "escape")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
    assert list(export_dir.iterdir()) == []


async def test_missing_exam_says_so(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        app.show_summary("NOPE")
        await pilot.pause()
        assert "Exam NOPE is no longer in the records." in text_of(app)
        assert not {"f", "x", "b"} & set(app.screen.active_bindings)


async def test_finishing_stores_the_exams_assessment(tmp_path: Path) -> None:
    """Completion stores the assessment (in the background) that history and exports read."""
    app = make_app(tmp_path)
    beagle(app.store)
    async with app.run_test(size=(100, 40)) as pilot:
        app.resume_exam("B1")
        await pilot.pause()
        await pilot.press("s", "f", "y")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
    assert "B1" in app.store.stored_assessments(["B1"])
