"""Which earlier exam an exam is compared with, and the PMM episode it belongs to.

THE one implementation (DOMAIN.md 1.1 and 3.2, docs/CLINICAL_RULES.md §4), used by
:func:`neuroexam.core.rules.evaluate` and by anything that only holds lightweight exam heads
(the summary export, the history screens): it works on :class:`SerialHead` tuples, so callers
need not build whole exams.

- Exams are compared only within one non-empty ``patient_id`` and only when both are dated.
- Voided exams are never compared, neither as the later nor as the earlier exam.
- The earlier exam is the patient's latest exam strictly before this one whose trunci reflex was
  tested (on either side); of several at that instant, the first by ``exam_id``.
- A different species under one patient id is a record error: the later exam carries the
  warning and is not compared at all. A different name is warned about but still compared.
- The **episode** is the run of the patient's consecutive trunci-tested exams with an abnormal
  cut-off, broken by a tested exam without one or by a gap of more than ``gap_days``; its first
  exam's window stays the imaging window.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neuroexam.core.localize import CtrAnalysis
    from neuroexam.core.models import Exam
    from neuroexam.core.protocol import CtrThresholds

VOIDED = "voided"


@dataclass(frozen=True)
class SerialHead:
    """What serial comparison needs to know about one exam (no findings)."""

    exam_id: str
    patient_id: str
    species: str
    date: datetime | None
    #: ``in_progress``, ``complete`` or ``voided``.
    status: str = "complete"
    #: The trunci reflex was tested on at least one side.
    has_trunci: bool = False
    name: str = ""
    #: The exam has an abnormal trunci cut-off (L3 or cranial, or no response on either side).
    abnormal_cutoff: bool = False


@dataclass(frozen=True)
class SerialLink:
    """How one exam relates to the patient's earlier exams."""

    #: The exam it is compared with, or None.
    previous: str | None = None
    #: An earlier exam of this patient id recorded as another species (record error).
    species_conflict: tuple[str, str] | None = None
    #: The compared exam when its patient name differs: (exam_id, its name).
    name_differs: tuple[str, str] | None = None
    #: The first exam of the PMM episode this exam belongs to (None: not in an episode, or
    #: the episode starts here).
    episode_start: str | None = None


def head_of(exam: Exam, limits: CtrThresholds, ctr: CtrAnalysis | None = None) -> SerialHead:
    """The serial head of a whole exam; ``ctr``: its trunci analysis when already made."""
    if ctr is None:
        from neuroexam.core.localize import analyse_ctr  # not at start-up: heads need no models

        ctr = analyse_ctr(exam, limits)
    patient = exam.patient
    return SerialHead(
        exam_id=exam.exam_id,
        patient_id=patient.patient_id,
        species=patient.species.value,
        date=exam.exam_date,
        status=exam.status.value,
        has_trunci=ctr.any_tested,
        name=patient.name,
        abnormal_cutoff=ctr.abnormal,
    )


def _key(head: SerialHead) -> tuple[datetime, str]:
    """The order of a patient's exams: (date, exam_id), the date in UTC when it has an offset
    (the same instant, so the same order; dates in one zone compare many times faster)."""
    assert head.date is not None
    date = head.date if head.date.tzinfo is None else head.date.astimezone(UTC)
    return (date, head.exam_id)


def _usable(head: SerialHead) -> bool:
    return bool(head.patient_id) and head.date is not None and head.status != VOIDED


def links(heads: Iterable[SerialHead], gap_days: float = 30) -> dict[str, SerialLink]:
    """``{exam_id: SerialLink}`` for every head (heads of any patients, any order).

    Each patient's exams are sorted once by (date, exam_id); each exam's earlier exams are
    found by bisecting that order, so the whole run costs O(n log n) per patient plus the
    length of the episodes.
    """
    by_patient: dict[str, list[SerialHead]] = {}
    every = list(heads)
    for head in every:
        if _usable(head):
            by_patient.setdefault(head.patient_id, []).append(head)
    out: dict[str, SerialLink] = {}
    for mine in by_patient.values():
        keyed = sorted(((_key(h), h) for h in mine), key=_first)
        exams = [h for _, h in keyed]
        instants = [key[0] for key, _ in keyed]
        tested = [h for h in exams if h.has_trunci]
        tested_keys = [key for key, h in keyed if h.has_trunci]
        mixed = len({h.species for h in exams}) > 1
        for key, head in keyed:
            out[head.exam_id] = _link(
                head, key, exams, instants, tested, tested_keys, gap_days, mixed
            )
    for head in every:
        out.setdefault(head.exam_id, SerialLink())
    return out


def link(head: SerialHead, history: Iterable[SerialHead], gap_days: float = 30) -> SerialLink:
    """The :class:`SerialLink` of one exam against its patient's other exams."""
    if not _usable(head):
        return SerialLink()
    keyed = sorted(
        (
            (_key(h), h)
            for h in history
            if _usable(h) and h.patient_id == head.patient_id and h.exam_id != head.exam_id
        ),
        key=_first,
    )
    mine = [h for _, h in keyed]
    tested = [h for h in mine if h.has_trunci]
    tested_keys = [key for key, h in keyed if h.has_trunci]
    instants = [key[0] for key, _ in keyed]
    mixed = any(h.species != head.species for h in mine)
    return _link(head, _key(head), mine, instants, tested, tested_keys, gap_days, mixed)


def _first(pair: tuple[tuple[datetime, str], SerialHead]) -> tuple[datetime, str]:
    return pair[0]


def _link(
    head: SerialHead,
    key: tuple[datetime, str],
    exams: Sequence[SerialHead],
    instants: Sequence[datetime],
    tested: Sequence[SerialHead],
    tested_keys: Sequence[tuple[datetime, str]],
    gap_days: float,
    mixed: bool = True,
) -> SerialLink:
    """``head``'s link; ``key``: its :func:`_key`; ``exams``: the patient's other usable exams
    in that order, with their instants; ``tested`` those with a trunci test, with their keys;
    ``mixed``: whether any of them is of another species than ``head`` (else none is looked
    for)."""
    assert head.date is not None
    if mixed:
        # Every earlier exam (strictly before this instant) of the patient, any test.
        earlier = exams[: bisect_left(instants, key[0])]
        other = next((h for h in reversed(earlier) if h.species != head.species), None)
        if other is not None:
            return SerialLink(species_conflict=(other.exam_id, other.species))
    at = bisect_left(tested_keys, (key[0], "")) - 1
    if at < 0:
        return SerialLink()
    # Several exams at that latest earlier instant: the first by exam_id (as the store lists a
    # patient's history: date, then id).
    at = bisect_left(tested_keys, (tested_keys[at][0], ""))
    previous = tested[at]
    name_differs = None
    mine, theirs = head.name.strip(), previous.name.strip()
    if mine and theirs and mine.casefold() != theirs.casefold():
        name_differs = (previous.exam_id, previous.name)
    start = None
    if head.abnormal_cutoff and head.has_trunci:
        current = head
        for candidate in reversed(tested[: at + 1]):
            gap = (current.date - candidate.date).total_seconds() / 86400  # type: ignore[operator]
            if gap > gap_days or not candidate.abnormal_cutoff:
                break
            current = candidate
        if current is not head:
            start = current.exam_id
    return SerialLink(previous=previous.exam_id, name_differs=name_differs, episode_start=start)


__all__ = ["SerialHead", "SerialLink", "head_of", "link", "links"]
