"""The wizard's assessment of a long-followed patient: the same as against every exam, from the
previous exam (and the PMM episode's exams) only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from neuroexam.core.models import Exam, ExamStatus
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import evaluate
from neuroexam.core.session import ExamSession
from neuroexam.records.store import Store
from neuroexam.services.exam import ExamService
from neuroexam.services.saving import SaveQueue
from tests.tui.records_seed import OSCAR, save_exam

START = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def _long_patient(store: Store, count: int, episode: list[str], usual: str = "L5") -> datetime:
    """``count`` normal exams a week apart (every fifth one voided, every seventh without a
    trunci series), then an episode: exams 12 hours apart with the cut-offs ``episode``."""
    when = START
    for i in range(count):
        status = ExamStatus.VOIDED if i % 5 == 4 else ExamStatus.COMPLETE
        save_exam(store, f"E{i:03}", when, OSCAR, None if i % 7 == 6 else usual, status=status)
        when += timedelta(days=7)
    for j, cutoff in enumerate(episode):
        save_exam(store, f"X{j}", when, OSCAR, cutoff)
        when += timedelta(hours=12)
    return when


def _service(store: Store, protocols: Protocols, when: datetime) -> ExamService:
    exam = Exam(exam_id="NOW", exam_date=when, examiner="Dr Vogel", patient=OSCAR)
    store.create_exam(exam)
    session = ExamSession(exam, protocols.exam(exam.patient.species, exam.parts))
    return ExamService(store, protocols, SaveQueue(store), session)


def _answer_trunci(service: ExamService, absent: int) -> None:
    """Left then right series: ``absent`` levels absent, then present."""
    from neuroexam.core.vocab import Grade, TestId

    for _side in range(2):
        for _ in range(absent):
            service.answer(Grade.ABSENT)
        service.answer(Grade.PRESENT)
    cursor = service.session.cursor
    assert cursor is None or cursor.test is not TestId.CUTANEOUS_TRUNCI


@pytest.mark.parametrize(
    ("episode", "absent"),
    [
        ([], 2),  # compared with a normal exam, no episode
        (["L1", "T13", "T12"], 7),  # an episode of three, this exam climbs further
        (["L1"], 0),  # this exam is normal again: no episode
    ],
)
def test_assessment_of_a_long_patient_loads_only_the_compared_exams(
    tmp_path: Path, protocols: Protocols, episode: list[str], absent: int
) -> None:
    store = Store(tmp_path / "a.db")
    when = _long_patient(store, 120, episode)
    service = _service(store, protocols, when)
    _answer_trunci(service, absent)
    live = service.assessment()
    everything = [e for e in store.load_exams(patient_id=OSCAR.patient_id) if e.exam_id != "NOW"]
    assert live == evaluate(service.exam, everything, protocols)
    # the previous exam, and the episode's exams back to its first one: never the 120 others
    assert len(service.serial.loaded) <= len(episode) + 2
    assert len(service.serial) == 120 + len(episode)
    if episode and absent > 6:
        assert live.serial is not None and live.serial.previous_exam_id == f"X{len(episode) - 1}"


def test_an_undated_exam_is_warned_about_with_one_exam_loaded(
    tmp_path: Path, protocols: Protocols
) -> None:
    store = Store(tmp_path / "a.db")
    _long_patient(store, 30, [])
    exam = Exam(exam_id="NOW", exam_date=None, examiner="Dr Vogel", patient=OSCAR)
    store.create_exam(exam)
    session = ExamSession(exam, protocols.exam(exam.patient.species, exam.parts))
    service = ExamService(store, protocols, SaveQueue(store), session)
    everything = [e for e in store.load_exams(patient_id=OSCAR.patient_id) if e.exam_id != "NOW"]
    assert service.assessment() == evaluate(exam, everything, protocols)
    assert any("no date" in w for w in service.assessment().warnings)
    assert len(service.serial.loaded) == 1


def test_an_episode_as_long_as_the_record_is_walked_to_its_start(
    tmp_path: Path, protocols: Protocols
) -> None:
    """Weekly exams all abnormal (L3): the episode reaches back to the first exam."""
    store = Store(tmp_path / "a.db")
    when = _long_patient(store, 40, ["T13"], usual="L3")
    service = _service(store, protocols, when)
    _answer_trunci(service, 8)
    everything = [e for e in store.load_exams(patient_id=OSCAR.patient_id) if e.exam_id != "NOW"]
    assert service.assessment() == evaluate(service.exam, everything, protocols)
