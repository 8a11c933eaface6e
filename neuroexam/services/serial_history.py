"""The patient's other exams as the wizard compares with them, however long the patient's record.

Serial comparison (:mod:`neuroexam.core.serial`) needs every earlier exam's *head* (date,
species, status, whether the trunci reflex was tested) but whole exams only for the one the
exam is compared with and, during a PMM episode, the episode's exams back to its first one
(whether each has an abnormal cut-off). :class:`SerialHistory` reads the heads once (no
findings, no models) and loads a whole exam only when the rule reaches it, so a key press for a
patient with hundreds of exams costs what it costs for a patient with two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from neuroexam.core.serial import SerialHead, SerialLink, head_of, link

if TYPE_CHECKING:
    from neuroexam.core.models import Exam
    from neuroexam.core.protocol import Protocols
    from neuroexam.records.backend import RecordStore


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class SerialHistory:
    """One patient's other exams: heads for all, whole exams only where compared."""

    def __init__(
        self,
        store: RecordStore,
        protocols: Protocols,
        exam: Exam,
        history: list[Exam] | None = None,
    ) -> None:
        """The other exams of ``exam``'s patient: ``history`` when given (whole exams),
        else their heads read from ``store``."""
        self._store = store
        self._protocols = protocols
        self._exam_id = exam.exam_id
        self._gap = protocols.rules.thresholds.serial.episode_gap_days
        #: Whole exams loaded so far, by id (a test counts them).
        self.loaded: dict[str, Exam] = {}
        self._heads: dict[str, SerialHead] = {}
        self._links: dict[SerialHead, SerialLink] = {}
        if history is not None:
            for other in history:
                if other.exam_id != exam.exam_id:
                    self._keep(other)
            return
        pid = exam.patient.patient_id
        if not pid:
            return
        from neuroexam.records.backend import ExamFilter

        for row in store.serial_heads(ExamFilter(patient_id=pid, include_voided=True)):
            exam_id, patient_id, date, tested, species, status, name = row
            if exam_id == exam.exam_id or patient_id != pid:
                continue
            # abnormal_cutoff is unknown until the exam is loaded (see _unknown).
            self._heads[exam_id] = SerialHead(
                exam_id=exam_id,
                patient_id=patient_id,
                species=species,
                date=_moment(date) if date else None,
                status=status,
                has_trunci=bool(tested),
                name=name,
            )

    def __len__(self) -> int:
        """How many other exams the patient has."""
        return len(self._heads)

    def _keep(self, exam: Exam) -> Exam:
        self.loaded[exam.exam_id] = exam
        self._heads[exam.exam_id] = head_of(exam, self._protocols.rules.thresholds.ctr)
        return exam

    def _load(self, exam_id: str) -> Exam | None:
        hit = self.loaded.get(exam_id)
        if hit is not None:
            return hit
        exam = self._store.load_exam(exam_id)
        if exam is None:  # gone since the heads were read: no longer compared
            self._heads.pop(exam_id, None)
            return None
        self._links.clear()
        return self._keep(exam)

    # ---------------------------------------------------------------- the rule

    def link(self, exam: Exam) -> SerialLink:
        """``exam``'s :class:`SerialLink` (the same as against every whole exam)."""
        head = head_of(exam, self._protocols.rules.thresholds.ctr)
        hit = self._links.get(head)
        if hit is not None:
            return hit
        while True:
            found = link(head, self._heads.values(), self._gap)
            missing = self._unknown(head, found)
            if missing is None:
                break
            self._load(missing)
        self._links[head] = found
        return found

    def _unknown(self, head: SerialHead, found: SerialLink) -> str | None:
        """An exam the rule reached whose cut-off is not known yet (None: the link holds).

        Heads read from the store count as without an abnormal cut-off, so the episode walk
        stops at the first one not loaded; that one is loaded and the walk runs again."""
        if found.previous is None:
            return None
        if found.previous not in self.loaded:
            return found.previous
        if not (head.abnormal_cutoff and head.has_trunci) or found.episode_start is None:
            return None  # the walk stopped at the (loaded) previous exam
        earliest = self._heads[found.episode_start]
        before = self._tested_before(earliest, head)
        if before is None or before.exam_id in self.loaded:
            return None
        assert before.date is not None and earliest.date is not None
        if (earliest.date - before.date).total_seconds() / 86400 > self._gap:
            return None
        return before.exam_id

    def _tested_before(self, earliest: SerialHead, head: SerialHead) -> SerialHead | None:
        """The tested exam the episode walk would look at next, before ``earliest``."""
        assert earliest.date is not None
        key = (earliest.date, earliest.exam_id)
        candidates = [
            h
            for h in self._heads.values()
            if h.has_trunci
            and h.date is not None
            and h.status != "voided"
            and h.patient_id == head.patient_id
            and (h.date, h.exam_id) < key
        ]
        if not candidates:
            return None
        return max(candidates, key=lambda h: (h.date, h.exam_id))

    def needed(self, exam: Exam, found: SerialLink | None = None) -> list[Exam]:
        """The whole exams ``evaluate`` reads for ``exam``: the previous exam, the episode's
        first exam, and (an undated exam is warned about) one exam of the patient."""
        found = found if found is not None else self.link(exam)
        out: list[Exam] = []
        for exam_id in (found.previous, found.episode_start):
            if exam_id and (hit := self._load(exam_id)) is not None and hit not in out:
                out.append(hit)
        if not out and exam.exam_date is None and self._heads:
            any_one = self._load(next(iter(self._heads)))
            if any_one is not None:
                out.append(any_one)
        return out

    def previous(self, exam: Exam) -> Exam | None:
        """The exam ``exam`` is compared with, or None."""
        found = self.link(exam)
        return self._load(found.previous) if found.previous else None
