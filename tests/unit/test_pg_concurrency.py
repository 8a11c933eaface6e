"""Two workstations on one set of records: two OS processes, each with its own connection.

Each process drives the real :class:`~neuroexam.services.exam.ExamService` (saving through a
:class:`~neuroexam.services.saving.SaveQueue`, as the app does). A finding a process was told
was saved must be in the records afterwards, as that process wrote it, with its ``recorded``
trail row; a write refused because the exam was taken over must be refused with
:class:`~neuroexam.records.backend.LeaseLost`, never written over the other holder's finding.

On PostgreSQL (the backend for several workstations) and on SQLite (several windows of one
machine) alike.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty
from typing import Any

import pytest

from neuroexam.core.models import Exam, Patient
from neuroexam.core.vocab import AuditEvent, Grade, TestId, grades_for
from neuroexam.records.audit import finding_field

WAIT = 60.0  # seconds any process waits for the other before the test fails

#: (field as named in the trail, grade) of a finding
Saved = tuple[str, str]


def _open(target: str) -> Any:
    from neuroexam.records.store import open_store

    if target.startswith("postgresql://"):
        return open_store(url=target)
    return open_store(Path(target))


def _exam(exam_id: str, examiner: str) -> Exam:
    return Exam(
        exam_id=exam_id,
        exam_date=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        examiner=examiner,
        patient=Patient(patient_id=f"P-{exam_id}", name="Rex", species="dog", breed="Beagle"),
    )


class _Station:
    """One workstation's exam service, remembering what it was told about every write."""

    def __init__(self, target: str, user: str) -> None:
        from neuroexam.core.protocol import shipped
        from neuroexam.services.saving import SaveQueue

        self.store = _open(target)
        self.protocols = shipped()
        self.user = user
        self.refusals: list[str] = []  # exception class names handed to on_refused
        self.saver = SaveQueue(self.store, on_refused=self._refused)  # writes at once
        self.service: Any = None

    def _refused(self, key: tuple, exc: Exception) -> None:
        self.refusals.append(type(exc).__name__)
        self.service.refused_write(key, exc)

    def start(self, exam_id: str) -> None:
        from neuroexam.services.exam import ExamService

        self.service = ExamService.start(
            self.store,
            self.protocols,
            self.saver,
            _exam(exam_id, self.user),
            user=self.user,
            fresh_id=False,
        )

    def resume(self, exam_id: str, take_over: bool = False) -> None:
        from neuroexam.services.exam import ExamService

        self.service = ExamService.resume(
            self.store, self.protocols, self.saver, exam_id, user=self.user, take_over=take_over
        )

    def answer(self, turn: int, grade: Grade | None = None) -> tuple[Saved, bool]:
        """Answer the current step (with ``grade``, else a grade it offers, by ``turn``);
        whether the app would say it is saved (written, not waiting, not refused)."""
        step = self.service.session.cursor
        offered = [g for g in grades_for(step.test) if g is not Grade.NOT_TESTED]
        if grade is None:  # trunci absent: its series then runs its whole length
            trunci = step.test is TestId.CUTANEOUS_TRUNCI
            grade = Grade.ABSENT if trunci else offered[turn % len(offered)]
        refused_before = len(self.service.refused)
        written = self.service.answer(grade)
        saved = written and len(self.service.refused) == refused_before
        field = finding_field(step.test.value, step.site, step.side.value)
        return (field, grade.value), saved


def _different_exam(target: str, exam_id: str, user: str, together: Any, out: Any) -> None:
    """Answer every step of a new exam of one's own, both processes starting at once."""
    station = _Station(target, user)
    station.start(exam_id)
    together.wait(WAIT)
    saved, unsaved, turn = [], [], 0
    while station.service.session.cursor is not None:
        finding, ok = station.answer(turn)
        (saved if ok else unsaved).append(finding)
        turn += 1
    out.put(
        {
            "user": user,
            "saved": saved,
            "unsaved": unsaved,
            "refusals": station.refusals,
            "waiting": station.saver.unsaved,
        }
    )
    station.store.close()


def _first_holder(target: str, exam_id: str, held: Any, taken: Any, out: Any) -> None:
    """Open the exam, answer three steps, then (after the take-over) try a fourth."""
    station = _Station(target, "first")
    station.resume(exam_id)
    saved = [station.answer(turn, Grade.ABSENT) for turn in range(3)]
    held.set()
    assert taken.wait(WAIT), "the second workstation never took over"
    after = station.answer(3, Grade.PRESENT)
    out.put(
        {
            "saved": [f for f, ok in saved if ok],
            "after": after,
            "refusals": station.refusals,
            "waiting": station.saver.unsaved,
            "taken_over": station.service.taken_over is not None,
        }
    )
    station.store.close()


def _second_holder(target: str, exam_id: str, held: Any, taken: Any, out: Any) -> None:
    """Try the exam while the first holds it (refused), take it over, answer two steps."""
    from neuroexam.records.backend import LeaseHeld

    assert held.wait(WAIT), "the first workstation never opened the exam"
    station = _Station(target, "second")
    try:
        station.resume(exam_id)
        refused_by = ""
    except LeaseHeld as exc:
        refused_by = exc.lease.user
    station.resume(exam_id, take_over=True)
    saved = [station.answer(turn, Grade.ABSENT) for turn in range(2)]
    taken.set()
    out.put(
        {
            "refused_by": refused_by,
            "saved": [f for f, ok in saved if ok],
            "refusals": station.refusals,
            "waiting": station.saver.unsaved,
        }
    )
    station.store.close()


def _run(*targets: tuple[Any, tuple]) -> list[dict]:
    """Run each function in its own process; their reports, in the order given."""
    ctx = mp.get_context("spawn")
    queues = [ctx.Queue() for _ in targets]
    procs = [
        ctx.Process(target=fn, args=(*args, queue), daemon=True)
        for (fn, args), queue in zip(targets, queues, strict=True)
    ]
    for p in procs:
        p.start()
    try:
        return [_report(queue, procs) for queue in queues]
    finally:
        for p in procs:
            p.join(WAIT)
            if p.is_alive():
                p.kill()
        assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]


def _report(queue: Any, procs: list[Any]) -> dict:
    """The next report on ``queue``; fails at once when a process died without one."""
    deadline = time.monotonic() + WAIT * 2
    while time.monotonic() < deadline:
        try:
            return queue.get(timeout=0.2)  # type: ignore[no-any-return]
        except Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            assert not dead, f"a workstation process failed (exit codes {dead}); see stderr"
    raise AssertionError("a workstation process did not report in time")


def _stored(target: str, exam_id: str) -> tuple[dict[str, str], list[Any]]:
    """The exam's findings (trail field → grade) and its audit trail, read afresh."""
    store = _open(target)
    try:
        exam = store.load_exam(exam_id)
        assert exam is not None
        findings = {
            finding_field(f.test.value, f.site, f.side.value): f.grade.value for f in exam.findings
        }
        return findings, store.audit(exam_id)
    finally:
        store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where both processes' records live: a SQLite file, or the PostgreSQL test database."""
    if request.param == "sqlite":
        target = tmp_path / "shared.db"
        _open(str(target)).close()  # created and migrated once, before two processes open it
        yield str(target)
    else:
        yield request.getfixturevalue("pg_url")


def test_two_processes_answer_different_exams_at_once(records: str) -> None:
    together = mp.get_context("spawn").Barrier(2)  # both open their exam, then answer at once
    reports = _run(
        (_different_exam, (records, "EXAM-A", "vet A", together)),
        (_different_exam, (records, "EXAM-B", "vet B", together)),
    )
    for report, exam_id in zip(reports, ("EXAM-A", "EXAM-B"), strict=True):
        assert report["unsaved"] == [] and report["waiting"] == 0 and report["refusals"] == []
        assert len(report["saved"]) >= 20
        findings, trail = _stored(records, exam_id)
        # every finding it was told was saved is stored as written, and nothing else is
        assert findings == dict(report["saved"])
        recorded = {(r.field, r.new_value, r.by) for r in trail if r.event is AuditEvent.RECORDED}
        assert recorded == {(f, g, report["user"]) for f, g in report["saved"]}
        assert {r.by for r in trail} == {report["user"]}  # the other process wrote nothing here


def test_same_exam_lease_refuses_then_take_over_refuses_the_first(records: str) -> None:
    store = _open(records)
    store.create_exam(_exam("EXAM-S", "first"), by="first")
    store.close()
    ctx = mp.get_context("spawn")
    held, taken = ctx.Event(), ctx.Event()
    first, second = _run(
        (_first_holder, (records, "EXAM-S", held, taken)),
        (_second_holder, (records, "EXAM-S", held, taken)),
    )
    # the lease refused the second workstation while the first held the exam
    assert second["refused_by"] == "first"
    # after the take-over the first one's next write was refused as LeaseLost, not retried
    (field, grade), ok = first["after"]
    assert not ok and first["refusals"] == ["LeaseLost"] and first["taken_over"]
    assert first["waiting"] == 0 and second["refusals"] == [] and second["waiting"] == 0
    assert len(first["saved"]) == 3 and len(second["saved"]) == 2
    findings, trail = _stored(records, "EXAM-S")
    told_saved = {f: g for f, g in first["saved"]} | {f: g for f, g in second["saved"]}
    assert findings == told_saved  # none lost, none overwritten
    # the refused write was the step the second workstation had answered: its grade stands
    assert field == second["saved"][0][0] and findings[field] == second["saved"][0][1]
    assert grade != findings[field]
    recorded = [(r.field, r.new_value, r.by) for r in trail if r.event is AuditEvent.RECORDED]
    assert sorted(recorded) == sorted(
        [(f, g, "first") for f, g in first["saved"]]
        + [(f, g, "second") for f, g in second["saved"]]
    )
    assert not [r for r in trail if r.event is AuditEvent.AMENDED]
