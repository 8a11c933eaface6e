"""``neuroexam exam --patient-id`` for an id on record: a name difference is a warning, a
species difference refuses to start (exit 2) unless ``--yes`` (issue 8.4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from neuroexam import cli
from neuroexam.cli import EXIT_NOT_COMPLETED as NOT_COMPLETED
from neuroexam.core.models import Exam, Patient, Species
from neuroexam.records.store import Store

ARGS = ["exam", "--patient-id", "P-23", "--breed", "Dachshund", "--age", "5"]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Exam | None]:
    """The exam NeuroExamApp would open, instead of running the TUI."""
    from neuroexam.tui.app import NeuroExamApp

    seen: list[Exam | None] = []

    def fake_run(self: NeuroExamApp, *args: object, **kwargs: object) -> None:
        seen.append(self._start_exam)

    monkeypatch.setattr(NeuroExamApp, "run", fake_run)
    return seen


@pytest.fixture(autouse=True)
def oscar() -> None:
    """P-23 on record (in the test's NEUROEXAM_HOME) as Oscar, a dog."""
    store = Store()
    store.create_exam(
        Exam(
            exam_id="E-LAST",
            exam_date=datetime(2026, 11, 2, 9, tzinfo=UTC),
            patient=Patient(patient_id="P-23", name="Oscar", species=Species.DOG),
        )
    )
    store.close()


def test_the_same_patient_starts_quietly(
    capsys: pytest.CaptureFixture[str], started: list[Exam | None]
) -> None:
    code = cli.main([*ARGS, "--name", "oscar", "--species", "dog"])
    assert code == NOT_COMPLETED  # the stand-in run completes nothing
    assert capsys.readouterr().err == ""
    assert len(started) == 1


def test_another_name_is_a_warning(
    capsys: pytest.CaptureFixture[str], started: list[Exam | None]
) -> None:
    code = cli.main([*ARGS, "--name", "Rex", "--species", "dog"])
    assert code == NOT_COMPLETED  # the stand-in run completes nothing
    assert capsys.readouterr().err == (
        "neuroexam exam: warning: patient P-23 is on record as Oscar, not Rex\n"
    )
    assert len(started) == 1


def test_another_species_refuses_to_start_without_yes(
    capsys: pytest.CaptureFixture[str], started: list[Exam | None]
) -> None:
    assert cli.main([*ARGS, "--name", "Rex", "--species", "cat", "--breed", "mixed"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "neuroexam exam: warning: patient P-23 is on record as a dog, not a cat: exams of "
        "different species are never compared; check the patient id",
        "neuroexam exam: warning: patient P-23 is on record as Oscar, not Rex",
        "neuroexam exam: not started: Known patient: Oscar, dog, breed not given, last exam "
        "2026-11-02; pass --yes to start a cat exam for this patient id anyway",
    ]
    assert started == []

    code = cli.main([*ARGS, "--name", "Oscar", "--species", "cat", "--yes"])
    assert code == NOT_COMPLETED  # the stand-in run completes nothing
    err = capsys.readouterr().err
    assert "is on record as a dog, not a cat" in err and "not started" not in err
    [exam] = started
    assert exam is not None and exam.patient.species is Species.CAT


def test_an_unknown_id_is_not_checked(
    capsys: pytest.CaptureFixture[str], started: list[Exam | None]
) -> None:
    args = ["exam", "--patient-id", "P-99", "--name", "Rex", "--species", "cat"]
    code = cli.main([*args, "--breed", "mixed", "--age", "2"])
    assert code == NOT_COMPLETED  # the stand-in run completes nothing
    assert capsys.readouterr().err == ""
    assert len(started) == 1
