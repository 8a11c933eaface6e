"""Report files: names, private atomic writes, the service, the ``report`` command and the
referral letter for the Dachshund whose cut-off climbs L1 → T11."""

from __future__ import annotations

import io
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from neuroexam.cli import main
from neuroexam.core.models import Exam, ExamStatus, Patient
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import evaluate
from neuroexam.records.store import Store
from neuroexam.reports import ReportError
from neuroexam.reports.data import gather
from neuroexam.reports.naming import report_name, safe_part, write_private
from neuroexam.reports.pdfkit import printable
from neuroexam.reports.referral import render_referral
from neuroexam.services.reports import ReportService
from neuroexam.settings import Settings
from tests.unit import report_fixtures as fx


def text_of(pdf: bytes | Path) -> str:
    raw = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    reader = PdfReader(io.BytesIO(raw))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def flat(text: str) -> str:
    return " ".join(printable(text).split())


# ---------------------------------------------------------------- names and writes


def test_report_name_follows_format() -> None:
    exam = fx.pmm_exams()[1]
    assert report_name(exam) == "P-42_2026-03-01_E-PMM-2.pdf"
    assert report_name(exam, "referral") == "P-42_2026-03-01_E-PMM-2_referral.pdf"


def test_report_name_is_safe_on_every_platform() -> None:
    patient = Patient(patient_id="../a/b:c*?", species="dog")
    exam = Exam(exam_id="CON", patient=patient)
    name = report_name(exam)
    assert name == "a-b-c_undated__CON.pdf"
    assert "/" not in name and "\\" not in name and ":" not in name
    assert safe_part("  ") == "unknown"
    assert safe_part(".hidden") == "hidden"
    assert safe_part("Zoë Łöwe") == "Zo-we"
    assert len(safe_part("x" * 200)) == 60
    when = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert report_name(Exam(exam_id="E", exam_date=when, patient=Patient(species="cat"))) == (
        "no-patient-id_2026-03-01_E.pdf"
    )


def test_written_privately_and_atomically(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "r.pdf"
    write_private(target, b"%PDF-1.4 first")
    assert target.read_bytes() == b"%PDF-1.4 first"
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    write_private(target, b"%PDF-1.4 second")  # replaces
    assert target.read_bytes() == b"%PDF-1.4 second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["r.pdf"]


def test_a_failed_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.pdf"
    write_private(target, b"old")

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_private(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]


# ---------------------------------------------------------------- the service


@pytest.fixture
def records(_isolated_home: Path) -> Store:
    """The default store (in NEUROEXAM_HOME), with the PMM Dachshund."""
    store = Store()
    fx.save(store, fx.pmm_exams())
    yield store
    store.close()


def test_service_writes_into_the_report_folder(records: Store, _isolated_home: Path) -> None:
    service = ReportService(records)
    path = service.pdf("E-PMM-2")
    assert path == _isolated_home / "NeuroExam reports" / "P-42_2026-03-01_E-PMM-2.pdf"
    assert path.read_bytes().startswith(b"%PDF")
    letter = service.referral("E-PMM-2")
    assert letter.name == "P-42_2026-03-01_E-PMM-2_referral.pdf"
    assert service.soap("E-PMM-2").startswith("S: Zoë Łöwenherz (P-42)")


def test_service_uses_the_settings_file(records: Store, _isolated_home: Path) -> None:
    folder = _isolated_home / "elsewhere"
    (_isolated_home / "settings.toml").write_text(
        f'report_folder = "{folder.as_posix()}"\npage_size = "Letter"\n'
        '[clinic]\nname = "Clinique Vétérinaire"\n',
        encoding="utf-8",
    )
    path = ReportService(records).pdf("E-PMM-1")
    assert path.parent == folder
    reader = PdfReader(path)
    assert float(reader.pages[0].mediabox.width) == 612
    assert "Clinique Vétérinaire" in text_of(path)


def test_service_errors_are_one_line(records: Store, tmp_path: Path) -> None:
    service = ReportService(records, settings=Settings(report_folder=tmp_path / "f"))
    with pytest.raises(ReportError, match=r"^no exam 'E-404' in the records$"):
        service.pdf("E-404")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportError, match=r"^cannot write .*file/sub/r\.pdf: "):
        service.pdf("E-PMM-1", out=blocker / "sub" / "r.pdf")


# ---------------------------------------------------------------- the command


def test_cli_text_prints_the_soap_note(records: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "E-PMM-2", "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert [line[:2] for line in out.splitlines()] == ["S:", "O:", "A:", "P:"]


def test_cli_pdf_and_referral(
    records: Store, _isolated_home: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["report", "E-PMM-2"]) == 0
    out = capsys.readouterr().out.strip()
    written = _isolated_home / "NeuroExam reports" / "P-42_2026-03-01_E-PMM-2.pdf"
    assert out == f"wrote {written}"
    assert written.exists()
    target = tmp_path / "letter.pdf"
    assert main(["report", "E-PMM-2", "--format", "referral", "--out", str(target)]) == 0
    assert "Referral to a veterinary neurologist" in text_of(target)
    soap = tmp_path / "note.txt"
    assert main(["report", "E-PMM-1", "--format", "text", "--out", str(soap)]) == 0
    assert soap.read_text(encoding="utf-8").startswith("S: ")


def test_cli_unknown_exam_is_one_line_exit_2(
    records: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "E-404"]) == 2
    err = capsys.readouterr().err
    assert err == "neuroexam report: no exam 'E-404' in the records\n"


def test_cli_unwritable_folder_is_one_line_exit_2(
    records: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    assert main(["report", "E-PMM-1", "--out", str(blocker / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"neuroexam report: cannot write {blocker / 'r.pdf'}: ")
    assert err.count("\n") == 1


def test_cli_bad_settings_name_the_file_exit_2(
    records: Store, _isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (_isolated_home / "settings.toml").write_text('page_size = "A5"\n', encoding="utf-8")
    assert main(["report", "E-PMM-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"neuroexam report: {_isolated_home / 'settings.toml'}: page_size: ")
    assert err.count("\n") == 1


def test_cli_voided_exam_is_written_with_the_watermark(
    _isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store()
    first = fx.pmm_exams()[0].model_copy(update={"status": ExamStatus.VOIDED})
    fx.save(store, [first])
    store.close()
    assert main(["report", "E-PMM-1"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("(a voided exam: watermarked VOIDED)\n")
    path = _isolated_home / "NeuroExam reports" / "P-42_2026-03-01_E-PMM-1.pdf"
    assert "VOIDED" in text_of(path)


# ---------------------------------------------------------------- the referral letter


def test_referral_letter_for_the_dachshund_pmm_case(records: Store, protocols: Protocols) -> None:
    data = gather(records, "E-PMM-2", protocols, Settings(clinic={"name": "Tierklinik Süd"}))
    text = text_of(render_referral(data))
    assert "Referral to a veterinary neurologist" in text
    assert "Re: Zoë Łöwenherz (P-42), dog · Dachshund · 5 y · FS · 7.4 kg" in text
    assert "Dear colleague," in text
    exams = fx.pmm_exams()
    assessment = evaluate(exams[1], exams, protocols)
    ids = {f.id.value for f in assessment.flags}
    assert {"ivdd", "progressive_myelomalacia"} <= ids
    assert "Findings that raised each flag" in text
    for flag in assessment.flags:  # each flag with the findings that raised it
        assert flat(flag.title) in text
        for reason in flag.reasons:
            assert flat(reason) in text
    # the serial course: both exams, the cut-off L1 then T11, the PMM alert on the chart
    assert "Serial course (2 exams)" in text
    assert "L1 ABN" in text and "T11 ABN" in text and "PMM !!!" in text
    # what was done
    assert "What was done" in text
    assert "2 reflex exams over 6 h" in text
    assert "trunci reflex tested L7 to T11 on the left, L7 to T11 on the right" in text
    assert "Note: cutaneous trunci L7 left: no twitch, repeated" in text
    assert "Follow-up the findings point to" in text
    assert "Yours sincerely, Dr Ito Tierklinik Süd" in text
    assert flat(protocols.rules.disclaimer) in text
