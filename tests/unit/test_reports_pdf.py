"""The PDF exam report, read back with pypdf: text, page count and size, the drawn spine, the
VOIDED watermark, embedded fonts and the serial-course page."""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from neuroexam.core import levels
from neuroexam.core.models import ExamStatus
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import evaluate
from neuroexam.records.store import Store
from neuroexam.reports.data import gather
from neuroexam.reports.pdf import render_pdf
from neuroexam.reports.pdfkit import printable
from neuroexam.settings import Settings
from tests.unit import report_fixtures as fx

A4 = (595.3, 841.9)
LETTER = (612.0, 792.0)


def settings(page_size: str = "A4") -> Settings:
    return Settings(
        clinic={"name": "Tierklinik Müller", "address": "Hauptstraße 1; Berlin", "phone": "030 1"},
        page_size=page_size,
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "records.db")
    fx.save(s, fx.pmm_exams())
    fx.save(s, fx.case_exams("002_normal_beagle_l5", "B-"))
    yield s
    s.close()


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader, page: int | None = None) -> str:
    pages = reader.pages if page is None else [reader.pages[page]]
    return " ".join(" ".join((p.extract_text() or "").split()) for p in pages)


def operators(reader: PdfReader, page: int = 0) -> list[bytes]:
    content = ContentStream(reader.pages[page].get_contents(), reader)
    return [op for _, op in content.operations]


def size_of(reader: PdfReader, page: int = 0) -> tuple[float, float]:
    box = reader.pages[page].mediabox
    return (round(float(box.width), 1), round(float(box.height), 1))


def flat(text: str) -> str:
    """As printed: whitespace folded, symbols the font lacks replaced (→ as ->)."""
    return " ".join(printable(text).split())


def test_report_carries_name_flags_window_and_disclaimer(
    store: Store, protocols: Protocols
) -> None:
    data = gather(store, "E-PMM-2", protocols, settings())
    reader = read(render_pdf(data))
    page1 = text_of(reader, 0)
    assert "Zoë Łöwenherz" in page1  # accented name, extracted from the embedded font
    assert "Tierklinik Müller" in page1 and "Hauptstraße 1, Berlin" in page1
    assert "Patient P-42" in page1 and "Dachshund" in page1
    assert "Exam E-PMM-2 · 2026-03-01 15:00 UTC" in page1
    assert "Examiner: Dr Ito" in page1 and "Status: complete" in page1
    a = evaluate(data.exam, [*fx.pmm_exams()], protocols)
    assert a.flags, "the PMM case raises flags"
    for flag in a.flags:  # every flag with its strength, reasons, follow-up and references
        assert flag.title in page1
        assert f"Strength: {flag.strength.value}" in page1
        for reason in flag.reasons:
            assert flat(reason) in page1
        for ref in flag.references:
            assert ref in page1
    window = a.lesion_window
    assert window is not None
    assert f"Suspected lesion window: {window.cranial}-{window.caudal}" in page1
    assert flat(protocols.rules.disclaimer) in text_of(reader, 0)
    assert flat(protocols.rules.disclaimer) in text_of(reader, 1)  # on every page
    assert "!!! EMERGENCY" in page1
    assert "Signature" in page1  # not signed yet: a line to sign by hand
    assert "Notes: Carprofen given at 09:30; cage rest since admission." in page1  # exam note
    assert "cutaneous trunci L7 left: no twitch, repeated" in page1
    # the engine's severity score, its scale and direction, and its change since E-PMM-1
    assert "Severity: Modified Frankel Score (MFS) 2 on 0-6 (0 worst, 6 normal)" in page1
    assert "MFS 3 -> 2 since exam E-PMM-1" in page1


@pytest.mark.parametrize(("page_size", "expected"), [("A4", A4), ("Letter", LETTER)])
def test_one_page_without_history_in_each_paper_size(
    store: Store, protocols: Protocols, page_size: str, expected: tuple[float, float]
) -> None:
    reader = read(render_pdf(gather(store, "B-E1", protocols, settings(page_size))))
    assert len(reader.pages) == 1
    assert size_of(reader) == expected
    text = text_of(reader)
    assert "No flags" in text
    assert "Serial course" not in text


@pytest.mark.parametrize(("page_size", "expected"), [("A4", A4), ("Letter", LETTER)])
def test_earlier_exams_add_the_serial_course_page(
    store: Store, protocols: Protocols, page_size: str, expected: tuple[float, float]
) -> None:
    reader = read(render_pdf(gather(store, "E-PMM-2", protocols, settings(page_size))))
    assert len(reader.pages) == 2
    assert all(size_of(reader, i) == expected for i in range(2))
    course = text_of(reader, 1)
    assert "Serial course: Zoë Łöwenherz (P-42), 2 exams" in course
    assert "PMM !!!" in course  # the alert is marked on the chart
    assert "E-PMM-1" in course and "E-PMM-2" in course
    assert "L1 ABN" in course and "T11 ABN" in course
    assert "L +3 R +3" in course  # moved three vertebrae cranially on each side
    assert "page 2 of 2" in course


def test_the_first_exam_of_a_course_has_no_course_page(store: Store, protocols: Protocols) -> None:
    reader = read(render_pdf(gather(store, "E-PMM-1", protocols, settings())))
    assert len(reader.pages) == 1


def test_the_spine_is_drawn_as_vector_shapes(store: Store, protocols: Protocols) -> None:
    reader = read(render_pdf(gather(store, "E-PMM-2", protocols, settings())))
    ops = operators(reader, 0)
    tested = len([f for f in fx.pmm_exams()[1].findings if f.test.value == "cutaneous_trunci"])
    # 20 vertebral bodies and one box per tested trunci level, as rectangles
    assert ops.count(b"re") >= len(levels.LEVELS) + tested
    assert ops.count(b"c") >= 20  # the body outline: Bézier curves
    assert ops.count(b"l") >= 60  # leader lines, cut-off bars and the window's hatching
    text = text_of(reader, 0)
    assert all(re.search(rf"\b{name}\b", text) for name in levels.LEVELS)
    assert "cut-off T11" in text and "was L1" in text
    assert "neck 3 EXAG" in text and "shoulder 3 EXAG" in text  # grades as text marks
    assert "suspected lesion window" in text and "most likely" in text


def test_lesion_window_hatching_only_when_there_is_a_window(
    store: Store, protocols: Protocols
) -> None:
    with_window = operators(read(render_pdf(gather(store, "E-PMM-2", protocols))))
    without = operators(read(render_pdf(gather(store, "B-E1", protocols))))
    # clipping paths of the hatches (the legend's swatches and the window on the map)
    assert with_window.count(b"W*") >= 4
    assert without.count(b"W*") == 0


def test_voided_exam_is_watermarked_on_every_page(tmp_path: Path, protocols: Protocols) -> None:
    store = Store(tmp_path / "v.db")
    first, second = fx.pmm_exams()
    fx.save(store, [first, second.model_copy(update={"status": ExamStatus.VOIDED})])
    reader = read(render_pdf(gather(store, "E-PMM-2", protocols, settings())))
    for i in range(len(reader.pages)):
        assert "VOIDED" in text_of(reader, i)
        assert b"Tr" in operators(reader, i)  # the outlined watermark text
    assert "Status: VOIDED" in text_of(reader, 0)
    assert "do not act on it" in text_of(reader, 0)
    store.close()


def test_fonts_are_embedded(store: Store, protocols: Protocols) -> None:
    reader = read(render_pdf(gather(store, "E-PMM-2", protocols)))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
        assert "BitstreamVeraSans" in font["/BaseFont"]


def test_letters_the_font_lacks_lose_only_their_accent(
    tmp_path: Path, protocols: Protocols
) -> None:
    store = Store(tmp_path / "a.db")
    patient = fx.DACHSHUND.model_copy(update={"name": "Dvořák"})
    fx.save(store, fx.pmm_exams(patient)[:1])
    text = text_of(read(render_pdf(gather(store, "E-PMM-1", protocols))))
    assert "Dvorák" in text
    store.close()


def test_a_long_course_is_charted_and_the_table_keeps_the_newest(
    tmp_path: Path, protocols: Protocols
) -> None:
    store = Store(tmp_path / "long.db")
    fx.save(store, fx.long_course(50))
    reader = read(render_pdf(gather(store, "E-LONG-050", protocols, settings())))
    assert len(reader.pages) == 2
    course = text_of(reader, 1)
    assert "50 exams" in course
    assert "E-LONG-050" in course and "E-LONG-031" in course
    assert "E-LONG-030 " not in course
    assert "The 30 earlier exams are on the chart and not listed." in course
    store.close()


class _TrailStore:
    """A store with an audit trail (the interface of ``Store.audit``)."""

    def __init__(self, store: Store, rows: list[SimpleNamespace]) -> None:
        self._store, self._rows = store, rows

    def load_exam(self, exam_id: str):  # type: ignore[no-untyped-def]
        return self._store.load_exam(exam_id)

    def load_exams(self, *, patient_id: str | None = None):  # type: ignore[no-untyped-def]
        return self._store.load_exams(patient_id=patient_id)

    def audit(self, exam_id: str) -> list[SimpleNamespace]:
        return [r for r in self._rows if r.exam_id == exam_id]


def _row(event: str, field: str = "", old: str = "", new: str = "", reason: str = ""):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from neuroexam.core.vocab import AuditEvent

    return SimpleNamespace(
        exam_id="E-PMM-1",
        patient_id="P-42",
        at=datetime(2026, 3, 1, 10, 5, tzinfo=UTC),
        by="Dr Vogel",
        event=AuditEvent(event),
        field=field,
        old_value=old,
        new_value=new,
        reason=reason,
    )


def test_amendments_since_completion_come_from_the_trail(
    store: Store, protocols: Protocols
) -> None:
    rows = [
        _row("created"),
        _row("recorded", "cutaneous_trunci/L1/left", "", "absent"),
        _row("completed"),
        _row("signed"),
        _row("amended", "cutaneous_trunci/L1/left", "absent", "present", "typing error"),
        _row("intake_changed", "weight_kg", "7", "7.4", "weighed again"),
    ]
    reader = read(render_pdf(gather(_TrailStore(store, rows), "E-PMM-1", protocols)))
    text = text_of(reader)
    assert "Amendments since completion (2)" in text
    assert "cutaneous trunci L1 left: absent -> present (reason: typing error)" in text
    assert "weight kg: 7 -> 7.4 (reason: weighed again)" in text
    assert "recorded" not in text.split("Amendments since completion")[1]  # before completion


def test_no_amendments_is_said_when_the_trail_is_there(store: Store, protocols: Protocols) -> None:
    rows = [_row("created"), _row("completed")]
    text = text_of(read(render_pdf(gather(_TrailStore(store, rows), "E-PMM-1", protocols))))
    assert "Amendments since completion: none." in text


def test_severity_is_shown_with_scale_and_direction(
    store: Store, protocols: Protocols, monkeypatch: pytest.MonkeyPatch
) -> None:
    import neuroexam.reports.data as data_module

    real = data_module.evaluate

    def with_severity(exam, history=(), protocols=None):  # type: ignore[no-untyped-def]
        assessment = real(exam, history, protocols)
        score = 3 if exam.exam_id == "E-PMM-1" else 1
        severity = {"scale": "modified_frankel", "score": score, "worst": 0, "best": 6}
        object.__setattr__(assessment, "severity", severity)
        return assessment

    monkeypatch.setattr(data_module, "evaluate", with_severity)
    reader = read(render_pdf(gather(store, "E-PMM-2", protocols)))
    page1 = text_of(reader, 0)
    assert "Severity: Modified Frankel Score (MFS) 1 on 0-6 (0 worst, 6 normal)" in page1
    course = text_of(reader, 1)
    assert "MFS 3" in course and "MFS 1" in course
    assert "severity score (MFS: 0 worst at top, 6 normal)" in course


def test_amendments_since_completion_come_from_the_stores_trail(
    tmp_path: Path, protocols: Protocols
) -> None:
    from neuroexam.core.models import Exam, Finding, Patient

    store = Store(tmp_path / "trail.db")
    exam = Exam(exam_id="E-A", examiner="Dr Ito", patient=Patient(species="dog", name="Rex"))
    store.create_exam(exam)
    finding = Finding(test="cutaneous_trunci", site="L7", side="left", grade="absent")
    store.record_finding("E-A", finding, by="Dr Ito")
    store.complete_exam("E-A", by="Dr Ito")
    assert "Amendments since completion: none." in text_of(
        read(render_pdf(gather(store, "E-A", protocols, settings())))
    )
    store.reopen_exam("E-A", by="Dr Vogel", reason="L7 re-tested")
    present = Finding(test="cutaneous_trunci", site="L7", side="left", grade="present")
    store.record_finding("E-A", present, by="Dr Vogel", reason="L7 re-tested")
    store.complete_exam("E-A", by="Dr Vogel")
    page = text_of(read(render_pdf(gather(store, "E-A", protocols, settings()))), 0)
    assert re.search(r"Amendments since completion \(\d+\)", page)
    assert "L7 re-tested" in page and "absent" in page and "present" in page
