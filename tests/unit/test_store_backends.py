"""The store's basic promises on each backend: a write is committed (another connection sees
it) when it returns, a finding saved again replaces it, filters, all-or-nothing imports, and a
lease left by a dead process taken back only on its own host."""

from __future__ import annotations

import socket
import subprocess
import sys
from typing import Any, cast

import pytest

from neuroexam.core.models import Exam, Finding, Patient
from neuroexam.core.protocol import Protocols
from neuroexam.core.vocab import ExamStatus, Grade, Mode
from neuroexam.records.backend import IdClash, LeaseHeld, RecordStore, StoreError
from tests.backends import Backend


def exam(exam_id: str = "E1", patient_id: str = "P1") -> Exam:
    return Exam(exam_id=exam_id, patient=Patient(species="dog", patient_id=patient_id))


def finding(site: str = "L7", grade: str = "absent") -> Finding:
    return Finding(test="cutaneous_trunci", site=site, side="left", grade=grade)


def test_a_new_store_is_at_its_latest_schema(record_store: RecordStore) -> None:
    assert record_store.schema_version >= 5
    assert record_store.count_exams() == 0 and record_store.listings() == []


def test_a_finding_is_committed_when_save_returns(backend: Backend) -> None:
    writer, reader = backend.open(), backend.open()  # another workstation's connection
    writer.create_exam(exam())
    writer.record_finding("E1", finding())
    loaded = reader.load_exam("E1")
    assert loaded is not None and [f.grade for f in loaded.findings] == [Grade.ABSENT]


def test_saving_a_finding_again_replaces_it(record_store: RecordStore) -> None:
    record_store.create_exam(exam())
    record_store.record_finding("E1", finding(grade="absent"))
    record_store.record_finding("E1", finding(grade="present"))
    loaded = record_store.load_exam("E1")
    assert loaded is not None and [f.grade for f in loaded.findings] == [Grade.PRESENT]


def test_load_exams_filters(record_store: RecordStore) -> None:
    done = exam("E1")
    done.status = ExamStatus.COMPLETE
    record_store.create_exam(done)
    record_store.create_exam(exam("E2", patient_id="P2"))
    training = exam("E3")
    training.mode = Mode.TRAINING
    record_store.create_exam(training)
    assert [e.exam_id for e in record_store.load_exams(include_unfinished=False)] == ["E1"]
    assert [e.exam_id for e in record_store.load_exams(patient_id="P2")] == ["E2"]
    assert [e.exam_id for e in record_store.load_exams(mode=Mode.TRAINING)] == ["E3"]
    assert [x.exam_id for x in record_store.listings(mode=Mode.TRAINING)] == ["E3"]


def test_a_whole_exam_is_written_all_or_nothing(record_store: RecordStore) -> None:
    record_store.create_exam(exam("E1"))
    clash = exam("E1")
    clash.findings = [finding()]
    with pytest.raises(IdClash):
        record_store.save_exam_with_findings(clash)
    loaded = record_store.load_exam("E1")
    assert loaded is not None and loaded.findings == []
    with pytest.raises(StoreError, match="not in the records"):
        record_store.record_finding("NOPE", finding())


def test_a_dead_process_lease_is_taken_back_only_on_its_own_host(
    backend: Backend, protocols: Protocols
) -> None:
    from neuroexam.services.exam import ExamService

    store = backend.open()
    store.create_exam(exam())
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process of this machine that no longer runs
    here = socket.gethostname()
    saver = cast(Any, None)  # opening an exam saves nothing
    store.acquire_lease("E1", f"{gone.pid}:a", host=here, user="A", ttl=600)
    service = ExamService.resume(store, protocols, saver, "E1", user="B")
    lease = store.lease("E1")
    assert lease is not None and lease.holder == service.holder  # taken back, no question
    other = f"{gone.pid}:b"  # the same pid on another workstation says nothing about it
    store.acquire_lease("E1", other, host="reception", user="C", ttl=600, take_over=True)
    with pytest.raises(LeaseHeld, match="open on reception"):
        ExamService.resume(backend.open(), protocols, saver, "E1", user="B")
    lease = store.lease("E1")
    assert lease is not None and lease.holder == other
