"""The SOAP note: golden files, and four clean lines whatever the user typed.

After a deliberate change to the wording or to the clinical rules, regenerate the golden files
with ``NEUROEXAM_UPDATE_GOLDEN=1 python -m pytest tests/unit/test_reports_soap.py`` and review
the diff.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from neuroexam.core.models import ExamStatus
from neuroexam.core.protocol import Protocols
from neuroexam.core.vocab import AuditEvent
from neuroexam.records.store import Store
from neuroexam.reports.data import gather
from neuroexam.reports.soap import soap_text
from neuroexam.reports.words import ctr_phrase, scratch_phrase
from tests.unit import report_fixtures as fx

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("NEUROEXAM_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8", newline="\n")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs (see module docstring)"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "records.db")
    fx.save(s, fx.pmm_exams())
    fx.save(s, fx.case_exams("002_normal_beagle_l5", "B-"))
    fx.save(s, fx.case_exams("031_scratch_asymmetry_only", "S-"))
    yield s
    s.close()


@pytest.mark.parametrize(
    ("exam_id", "golden"),
    [
        ("E-PMM-2", "soap_pmm_dachshund.txt"),
        ("E-PMM-1", "soap_dachshund_first_exam.txt"),
        ("B-E1", "soap_normal_beagle.txt"),
        ("S-E1", "soap_scratch_asymmetry.txt"),
    ],
)
def test_soap_matches_golden(store: Store, protocols: Protocols, exam_id: str, golden: str) -> None:
    check_golden(golden, soap_text(gather(store, exam_id, protocols)))


class _Voided:
    """The store with the exam voided and its trail (``Store.audit``'s interface)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load_exam(self, exam_id: str):  # type: ignore[no-untyped-def]
        exam = self.store.load_exam(exam_id)
        return exam.model_copy(update={"status": ExamStatus.VOIDED}) if exam else None

    def load_exams(self, *, patient_id: str | None = None):  # type: ignore[no-untyped-def]
        return self.store.load_exams(patient_id=patient_id)

    def audit(self, exam_id: str) -> list[SimpleNamespace]:
        at = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
        return [
            SimpleNamespace(
                exam_id=exam_id, patient_id="P-42", at=at, by="Dr Vogel", event=event,
                field="", old_value="", new_value="", reason=reason,
            )
            for event, reason in (
                (AuditEvent.CREATED, ""),
                (AuditEvent.COMPLETED, ""),
                (AuditEvent.VOIDED, "entered on the wrong patient"),
            )
        ]  # fmt: skip


def test_soap_of_a_voided_exam(store: Store, protocols: Protocols) -> None:
    text = soap_text(gather(_Voided(store), "E-PMM-1", protocols))
    check_golden("soap_voided.txt", text)
    assert "VOIDED record (entered on the wrong patient)" in text
    assert text.splitlines()[-1] == "P: None from this record: it was voided."


def test_four_lines_each_with_its_letter(store: Store, protocols: Protocols) -> None:
    for exam_id in ("E-PMM-2", "B-E1", "S-E1"):
        lines = soap_text(gather(store, exam_id, protocols)).splitlines()
        assert [line[:3] for line in lines] == ["S: ", "O: ", "A: ", "P: "]


def test_typed_text_cannot_break_the_lines_or_reach_a_terminal(
    tmp_path: Path, protocols: Protocols
) -> None:
    store = Store(tmp_path / "t.db")
    patient = fx.DACHSHUND.model_copy(update={"name": "Rex\n\x1b[2JP: fake\u202e"})
    exam = fx.pmm_exams(patient)[0]
    exam = exam.model_copy(update={"exam_note": "line one\r\nline two\x07"})
    exam.findings[0] = exam.findings[0].model_copy(update={"note": "a\nb"})
    fx.save(store, [exam])
    text = soap_text(gather(store, "E-PMM-1", protocols))
    assert len(text.splitlines()) == 4
    assert not any(ch in text for ch in "\x1b\x07\r\u202e")
    assert text.startswith("S: Rex [2JP: fake (P-42)")
    store.close()


def test_compact_findings_phrases(protocols: Protocols) -> None:
    from neuroexam.core.rules import evaluate

    exams = fx.pmm_exams()
    second = evaluate(exams[1], exams, protocols)
    assert ctr_phrase(second) == "CTR cut-off T11 both sides (abnormal)"
    assert scratch_phrase(exams[1]) == "scratch exaggerated neck/shoulder left"
    assert scratch_phrase(exams[0]) == "scratch present at all 8 tested sites"
    asym = fx.case_exams("017_asymmetric_left_cranial")[0]
    assert ctr_phrase(evaluate(asym, [], protocols)) == (
        "CTR cut-off left L1 (abnormal), right L3 (abnormal)"
    )
