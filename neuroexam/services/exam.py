"""``ExamService``: one exam being edited — the wizard session, saving (with retry), the
editing lease, the audit trail and the live assessment.

Screens call its methods and re-render on the messages it posts (:mod:`.messages`). Every
finding is handed to the app's :class:`~neuroexam.services.saving.SaveQueue` the moment it is
entered: its writer thread commits the changes in order while the screen moves on, and a
finding counts as saved (:meth:`ExamService.unsaved_keys`) only once its commit returned; a
write that fails for a passing reason waits there and is retried on a timer. The assessment is
always computed from the exam in memory, so the summary shows what was entered even while
writes wait.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from neuroexam.core.ids import new_exam_id
from neuroexam.core.vocab import ExamStatus, Grade, Side, TestId
from neuroexam.records.backend import (
    IdClash,
    Lease,
    LeaseHeld,
    LeaseLost,
    RecordLocked,
    StoreError,
)
from neuroexam.services.messages import ExamChanged, ExamTakenOver, SaveStateChanged
from neuroexam.services.serial_history import SerialHistory

if TYPE_CHECKING:
    from textual.message import Message

    from neuroexam.core.models import Assessment, Exam, Finding
    from neuroexam.core.protocol import Protocols
    from neuroexam.core.session import ExamSession, Step
    from neuroexam.records.backend import FindingKey, RecordStore
    from neuroexam.services.saving import Action, SaveQueue

#: A lease lasts this long unless renewed; the app renews it every ``LEASE_RENEW`` seconds.
LEASE_TTL = 90.0
LEASE_RENEW = 30.0
#: How many times a new exam draws a fresh id after a clash before giving up.
ID_ATTEMPTS = 5
#: Leaving an exam waits this long for its changes to be committed before saying what is not.
CLOSE_WAIT = 3.0

Poster = Callable[["Message"], object]


def encode_continued(continued: set[tuple[TestId, Side]]) -> str:
    return ";".join(sorted(f"{test.value}:{side.value}" for test, side in continued))


def decode_continued(text: str) -> set[tuple[TestId, Side]]:
    out: set[tuple[TestId, Side]] = set()
    for part in filter(None, text.split(";")):
        test, _, side = part.partition(":")
        try:
            out.add((TestId(test), Side(side)))
        except ValueError:
            continue
    return out


def _ignore(_message: Message) -> None:
    return None


class ExamService:
    """The exam on the wizard: open it, record, correct, finish, close."""

    def __init__(
        self,
        store: RecordStore,
        protocols: Protocols,
        saver: SaveQueue,
        session: ExamSession,
        *,
        user: str = "",
        post: Poster = _ignore,
        history: list[Exam] | None = None,
        holder: str | None = None,
    ) -> None:
        self.store = store
        self.protocols = protocols
        self.saver = saver
        self.session = session
        self.user = user or session.exam.examiner
        self.post = post
        #: ``pid:random``: a lease left by a process of this machine that has died (killed,
        #: crashed) is taken back at once instead of asking.
        self.holder = holder or f"{os.getpid()}:{uuid.uuid4().hex}"
        self.host = socket.gethostname()
        #: The patient's other exams (for serial comparison): heads read once, whole exams
        #: loaded only where compared.
        self.serial = SerialHistory(store, protocols, session.exam, history)
        #: Bumped with every change of the exam: the live assessment is computed once per
        #: change, however many parts of the screen show it.
        self._revision = 0
        self._assessed: tuple[int, Assessment] | None = None
        #: Set while a reopened (complete) exam is amended: written with every change.
        self.reason = ""
        #: Changes the records refused after another holder took the exam over.
        self.refused: list[tuple] = []
        self.taken_over: Lease | None = None

    # ---------------------------------------------------------------- opening

    @classmethod
    def start(
        cls,
        store: RecordStore,
        protocols: Protocols,
        saver: SaveQueue,
        exam: Exam,
        *,
        user: str = "",
        post: Poster = _ignore,
        fresh_id: bool = True,
    ) -> ExamService:
        """Store a new exam (a clashing generated id is drawn again; a given one is refused)
        and hold it for editing."""
        from neuroexam.core.session import ExamSession

        for attempt in range(ID_ATTEMPTS):
            try:
                store.create_exam(exam, by=user or exam.examiner)
                break
            except IdClash:
                if not fresh_id or attempt == ID_ATTEMPTS - 1:
                    raise
                exam.exam_id = new_exam_id(exam.exam_date)
        session = ExamSession(exam, protocols.exam(exam.patient.species, exam.parts))
        service = cls(store, protocols, saver, session, user=user, post=post)
        service.acquire()
        return service

    @classmethod
    def resume(
        cls,
        store: RecordStore,
        protocols: Protocols,
        saver: SaveQueue,
        exam_id: str,
        *,
        user: str = "",
        post: Poster = _ignore,
        take_over: bool = False,
        reason: str = "",
    ) -> ExamService:
        """Open a stored exam for editing. Raises :class:`~neuroexam.records.backend.LeaseHeld`
        when another window holds it (unless ``take_over``), ``RecordLocked`` when it is
        complete or voided (reopen it first), ``StoreError`` when it is gone."""
        from neuroexam.core.session import ExamSession

        exam = store.load_exam(exam_id)
        if exam is None:
            raise StoreError(f"Exam {exam_id} is no longer in the records.")
        if exam.status is not ExamStatus.IN_PROGRESS:
            raise RecordLocked(f"exam {exam_id} is {exam.status.value.replace('_', ' ')}")
        session = ExamSession(
            exam,
            protocols.exam(exam.patient.species, exam.parts),
            continued=decode_continued(store.continued(exam_id)),
        )
        service = cls(store, protocols, saver, session, user=user, post=post)
        service.reason = reason
        try:
            service.acquire(take_over=take_over)
        except LeaseHeld as held:
            if not _left_by_dead_process(held.lease, service.host):
                raise
            service.acquire(take_over=True)
        return service

    def acquire(self, take_over: bool = False) -> Lease:
        return self.store.acquire_lease(
            self.exam_id,
            self.holder,
            host=self.host,
            user=self.user,
            ttl=LEASE_TTL,
            take_over=take_over,
        )

    def renew(self) -> bool:
        """Keep the lease while the screen is open; False (and a message) once it was taken
        over by another window or workstation."""
        if self.taken_over is not None:
            return False
        try:
            if self.store.renew_lease(self.exam_id, self.holder, LEASE_TTL):
                return True
        except StoreError:
            return True  # the records are unreachable for now; the saver reports that
        self._lost(self.store.lease(self.exam_id), "the exam was taken over")
        return False

    def close(self, wait: float = CLOSE_WAIT) -> bool:
        """Leave the exam: wait (up to ``wait`` seconds) for its changes to be committed,
        then release the lease; an exam that never held a finding or a change is discarded
        (True). Changes still unsaved stay queued (and the lease is released after them):
        :meth:`unsaved_keys` says which."""
        saved = self.saver.flush(wait)
        self.saver.deliver()
        if not saved:
            holder, exam_id = self.holder, self.exam_id
            self.saver.submit(
                ("release", exam_id), lambda store: store.release_lease(exam_id, holder)
            )
            return False
        try:
            self.store.release_lease(self.exam_id, self.holder)
            if self.saver.unsaved == 0 and not self.refused:
                return self.store.discard_if_untouched(self.exam_id)
        except StoreError:
            pass
        return False

    # ---------------------------------------------------------------- state

    @property
    def exam(self) -> Exam:
        return self.session.exam

    @property
    def exam_id(self) -> str:
        return self.session.exam.exam_id

    @property
    def unsaved(self) -> int:
        return self.saver.unsaved

    def unsaved_keys(self) -> set[FindingKey]:
        """The findings of this exam not yet committed (waiting, failing or refused): the
        wizard marks them; every other recorded finding is in the records."""
        keys = {
            key[2]
            for key in self.saver.pending_keys()
            if key[0] == "finding" and key[1] == self.exam_id
        }
        keys.update(key[2] for key in self.refused if key[0] == "finding")
        return keys

    @property
    def history(self) -> list[Exam]:
        """The patient's other exams the live assessment compares with (the previous exam,
        the PMM episode's first exam), loaded on demand."""
        return self.serial.needed(self.session.exam)

    def previous_exam(self) -> Exam | None:
        """The exam this one is compared with (its cut-offs show as "was" on the map)."""
        return self.serial.previous(self.session.exam)

    def assessment(self) -> Assessment:
        """The live assessment of the exam as entered (never a reload from the records);
        compared with the previous exam only, however long the patient's record."""
        from neuroexam.core.rules import evaluate

        if self._assessed is not None and self._assessed[0] == self._revision:
            return self._assessed[1]
        exam = self.session.exam
        found = self.serial.link(exam)
        assessment = evaluate(exam, self.serial.needed(exam, found), self.protocols, serial=found)
        self._assessed = (self._revision, assessment)
        return assessment

    # ---------------------------------------------------------------- writes

    def post_save_state(self) -> None:
        self.post(SaveStateChanged(self.saver.unsaved, self.saver.last_error))

    def _write(self, key: tuple, action: Action) -> bool:
        if self.taken_over is not None:
            self.refused.append(key)
            return False
        ok = self.saver.submit(key, action)
        self.post_save_state()
        return ok

    def refused_write(self, key: tuple, exc: RecordLocked) -> None:
        """The saver's ``on_refused`` for this exam's writes."""
        self.refused.append(key)
        lease = exc.lease if isinstance(exc, LeaseLost) else None
        self._lost(lease, str(exc))

    def _lost(self, lease: Lease | None, reason: str) -> None:
        first = self.taken_over is None
        now = datetime.now(UTC)
        self.taken_over = (
            lease or self.taken_over or Lease(self.exam_id, "", "another workstation", "", now, now)
        )
        if first:
            self.post(ExamTakenOver(self.exam_id, lease, reason))

    def _save_finding(self, step: Step, finding: Finding) -> bool:
        exam_id, seq = self.exam_id, self.session.step_index(step)
        by, reason, holder = self.user, self.reason, self.holder
        return self._write(
            ("finding", exam_id, finding.key),
            lambda store: store.record_finding(
                exam_id, finding, seq, by=by, reason=reason, holder=holder
            ),
        )

    def _changed(self) -> None:
        self._revision += 1
        self.post(ExamChanged(self.exam_id))

    def answer(self, grade: Grade) -> bool:
        """Record ``grade`` at the current step and move on; False when it waits unsaved."""
        step = self.session.cursor
        if step is None:
            return True
        finding = self.session.answer(grade)
        ok = self._save_finding(step, finding)
        self._changed()
        return ok

    def note(self, step: Step, text: str) -> bool:
        """Annotate ``step`` (the step the note names, whatever the cursor is now)."""
        cursor = self.session.cursor
        self.session.cursor = step
        try:
            finding = self.session.note(text)
        finally:
            self.session.cursor = cursor
        ok = self._save_finding(step, finding)
        self._changed()
        return ok

    def clear(self, steps: list[Step], reason: str = "") -> bool:
        """Make these steps unrecorded again, each with a ``cleared`` trail row."""
        ok = True
        why = "; ".join(x for x in (self.reason, reason) if x)
        for step in steps:
            if self.session.clear(step) is not None:
                key = ("finding", self.exam_id, step.key)
                ok = self._write(key, self._clearing(step, why)) and ok
        self._changed()
        return ok

    def _clearing(self, step: Step, reason: str) -> Action:
        exam_id, key, by, holder = self.exam_id, step.key, self.user, self.holder
        return lambda store: store.clear_finding(exam_id, key, by=by, reason=reason, holder=holder)

    def beyond_end(self, step: Step) -> list[Step]:
        """After answering ``step``: findings left cranial to its series' new end."""
        return self.session.beyond_end(step.test, step.side)

    def continue_series(self) -> bool:
        self.session.continue_series()
        exam_id, text = self.exam_id, encode_continued(self.session.continued)
        ok = self._write(("continued", exam_id), lambda store: store.set_continued(exam_id, text))
        self._changed()
        return ok

    def stop_series(self, test: TestId, side: Side) -> bool:
        """Undo :meth:`continue_series` for one side: the series ends at its first response."""
        if not self.session.stop_continuing(test, side):
            return True
        exam_id, text = self.exam_id, encode_continued(self.session.continued)
        ok = self._write(("continued", exam_id), lambda store: store.set_continued(exam_id, text))
        self._changed()
        return ok

    def findings_lost_by_species(self, exam: Exam) -> list[Finding]:
        """Recorded findings the protocol of ``exam``'s species has no step for."""
        if (exam.patient.species, exam.parts) == (self.exam.patient.species, self.exam.parts):
            return []
        protocol = self.protocols.exam(exam.patient.species, exam.parts)
        return self.session.steps_missing_from(protocol)

    def update_intake(self, edited: Exam) -> bool:
        """Write a corrected intake (species included): findings the new species' protocol
        lacks are cleared first (the screen asked), every change gets a trail row."""
        lost = self.findings_lost_by_species(edited)
        if lost:
            from neuroexam.core.session import Step

            why = f"species corrected to {edited.patient.species}"
            self.clear([Step(*f.key) for f in lost], why)
        protocol_changed = (edited.patient.species, edited.parts) != (
            self.exam.patient.species,
            self.exam.parts,
        )
        exam = self.session.exam
        exam.exam_date = edited.exam_date
        exam.examiner = edited.examiner
        exam.patient = edited.patient.model_copy()
        exam.signs = list(edited.signs)
        exam.exam_note = edited.exam_note
        exam.parts = edited.parts
        if protocol_changed:
            self.session.use_protocol(self.protocols.exam(exam.patient.species, exam.parts))
        snapshot = exam.model_copy(deep=True)
        by, reason, holder = self.user, self.reason, self.holder
        ok = self._write(
            ("intake", self.exam_id),
            lambda store: store.update_intake(snapshot, by=by, reason=reason, holder=holder),
        )
        self.serial = SerialHistory(self.store, self.protocols, exam)
        self._changed()
        return ok

    def complete(self, signed_by: str = "") -> bool:
        """Mark the exam complete (a ``completed`` trail row) and sign it off when a name is
        given. Refused while changes wait unsaved: a complete record must be the one stored."""
        saved = self.saver.flush()
        self.saver.deliver()  # a refused write marks the exam taken over
        if not saved or self.taken_over is not None:
            return False
        exam_id, by, reason, holder = self.exam_id, self.user, self.reason, self.holder
        try:
            self.store.complete_exam(exam_id, by=by, reason=reason, holder=holder)
            self.exam.status = ExamStatus.COMPLETE
            self._revision += 1
            if signed_by.strip():
                self.exam.signed_at = self.store.sign_exam(
                    exam_id, signed_by=signed_by.strip(), by=by, holder=holder
                )
                self.exam.signed_by = signed_by.strip()
        except RecordLocked as exc:
            self.refused_write(("status", exam_id), exc)
            return False
        except StoreError as exc:
            self.saver.last_error = str(exc)
            self.post(SaveStateChanged(self.saver.unsaved, str(exc)))
            return False
        self.reason = ""
        self._changed()
        return True

    def save_as_new_exam(self) -> str:
        """After a take-over: keep this window's version of the exam as a new exam (its
        intake and every finding it holds); the new exam's id."""
        from neuroexam.core.models import Exam

        copy = Exam.model_validate(self.exam.model_dump())
        copy.exam_id = new_exam_id(copy.exam_date)
        copy.status = ExamStatus.IN_PROGRESS
        copy.signed_by, copy.signed_at = "", None
        note = f"copy of exam {self.exam_id} kept after it was taken over"
        copy.exam_note = f"{copy.exam_note}\n{note}".strip()
        self.store.save_exam_with_findings(copy)
        self.refused.clear()
        return copy.exam_id

    def mark(self, steps: list[Step], grade: Grade, note: str = "") -> bool:
        """Fast path: record ``grade`` (and a reason ``note``) at each of ``steps``, each
        finding saved with its own trail row; False when any write waits unsaved."""
        ok = True
        for step, finding in zip(steps, self.session.mark(steps, grade, note), strict=True):
            ok = self._save_finding(step, finding) and ok
        self._changed()
        return ok


def _left_by_dead_process(lease: Lease, host: str) -> bool:
    """True when the lease was held by a process of this machine that no longer runs."""
    pid_text, _, _ = lease.holder.partition(":")
    if lease.host != host or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
