"""Stored assessments: each exam's :func:`~neuroexam.core.rules.evaluate` result kept in the
records, shared by every backend (the store only fetches and stores rows).

A stored row is used only while three keys still hold:

- ``exam_version``: the exam's ``version`` (bumped by every write to it: a finding, an intake
  edit, completion, sign-off, reopening, voiding);
- ``protocols_hash``: the loaded protocols and the engine's format (:func:`protocols_hash`);
- ``history_hash``: the ids and versions of the patient's exams strictly earlier than this one
  (:func:`history_hashes`): what serial comparison, the PMM episode and the record warnings
  read. A later exam, or an exam of another patient, never changes it.

Each row also carries the patient's version (:data:`~neuroexam.records.backend.AssessmentKey`:
a number the records give the patient, never given before, in the transaction of any change
to the patient's exams) as it was when the history hash was taken. While the patient is still
at that version the history hash cannot have changed, so a page of exams is checked by
primary-key look-ups alone (:func:`_sort_out`); only the exams of patients changed since are
checked by their history hash, read from the patient's exams, and a row found fresh that way
is given the patient's current version (it stays a shortcut: the history hash still decides).

Otherwise the assessment is recomputed with the patient's whole history, each patient's exams
evaluated once in date order (:func:`assess_patient`: the serial links of the patient are found
once, then each exam is given just the exams its link names), and stored again.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from neuroexam.records.backend import (
    AssessmentKey,
    ExamFilter,
    RecordStore,
    StoredAssessment,
    StoreError,
    VersionHead,
)
from neuroexam.records.formats import csv_cell
from neuroexam.records.summary_rows import assessment_cells

if TYPE_CHECKING:
    from neuroexam.core.models import Assessment, Exam
    from neuroexam.core.protocol import Protocols

#: Bump when the payload or the cells change shape or meaning: every stored row is then stale.
FORMAT = "assessment-2"
#: Patients whose exams are loaded and evaluated at a time when many are stale.
PATIENTS_PER_BATCH = 500
#: Rows written per transaction.
PUT_BATCH = 2_000

_HASHES: dict[int, tuple[Protocols, str]] = {}


def protocols_hash(protocols: Protocols) -> str:
    """A hash of the loaded protocols (not of their folder's path), this format and the
    engine (the program's version and the source of ``neuroexam/core``): any of them changing
    makes every stored assessment stale."""
    hit = _HASHES.get(id(protocols))
    if hit is None or hit[0] is not protocols:
        text = protocols.model_dump_json(exclude={"root"})
        digest = hashlib.sha256(f"{FORMAT}\n{_engine()}\n{text}".encode()).hexdigest()[:32]
        hit = _HASHES[id(protocols)] = (protocols, digest)
    return hit[1]


@functools.cache
def _engine() -> str:
    """The program's version and a digest of the clinical engine's source files, so that a
    changed rule (even without a new version number) never leaves old results in use."""
    from neuroexam import __version__, core

    digest = hashlib.sha256(__version__.encode())
    for path in sorted(Path(core.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def history_hashes(heads: Iterable[VersionHead]) -> dict[str, str]:
    """``{exam_id: history hash}`` for every head (the patients' exams, any order).

    Dated exam: a digest of ``(exam_id, version)`` of the patient's dated exams strictly
    earlier (a running digest over the patient's exams in date order: O(n) per patient after
    the sort). Undated exam: whether the patient has another exam (the only thing it reads).
    No patient id: ``""``.
    """
    by_patient: dict[str, list[tuple[datetime | None, str, int]]] = {}
    out: dict[str, str] = {}
    for exam_id, patient_id, date, version in heads:
        if not patient_id:
            out[exam_id] = ""
            continue
        by_patient.setdefault(patient_id, []).append(
            (_instant(date) if date else None, exam_id, version)
        )
    for exams in by_patient.values():
        undated = "undated:" + ("1" if len(exams) > 1 else "0")
        dated = sorted((e for e in exams if e[0] is not None), key=lambda e: (e[0], e[1]))
        running = hashlib.blake2b(digest_size=12)
        digest, instant = running.hexdigest(), None
        for when, exam_id, version in dated:
            if when != instant:  # exams at one instant share what was strictly before it
                digest, instant = running.hexdigest(), when
            out[exam_id] = digest
            running.update(f"{exam_id}\x1f{version}\x1e".encode())
        for when, exam_id, _ in exams:
            if when is None:
                out[exam_id] = undated
    return out


def encoded_cells(assessment: Assessment) -> str:
    """:func:`assessment_cells` as they stand in a summary line (CSV-encoded, comma-joined):
    what the ``cells`` column holds, so the export copies it as it is."""
    return ",".join(map(csv_cell, assessment_cells(assessment)))


def assess_patient(
    exams: Sequence[Exam], protocols: Protocols, wanted: Iterable[str] | None = None
) -> dict[str, Assessment]:
    """``evaluate`` of each of one patient's exams (or of the ``wanted`` ones) with the
    patient's whole history, as :func:`neuroexam.core.rules.evaluate` gives it, in O(n): the
    serial links are found once for all, and each exam is given just the exams its link names
    (the compared exam and the episode's first exam; for an undated exam, whether there is
    another exam, for the warning that says it was not compared)."""
    from neuroexam.core.localize import analyse_ctr
    from neuroexam.core.rules import evaluate
    from neuroexam.core.serial import head_of, links

    limits = protocols.rules.thresholds.ctr
    gap = protocols.rules.thresholds.serial.episode_gap_days
    # Each exam's trunci analysis made once, kept by id(exam) while ``exams`` holds them.
    ctrs = {id(e): analyse_ctr(e, limits) for e in exams}
    found = links((head_of(e, limits, ctrs[id(e)]) for e in exams), gap)
    by_id = {e.exam_id: e for e in exams}
    chosen = set(by_id) if wanted is None else set(wanted) & set(by_id)
    out: dict[str, Assessment] = {}
    for exam in exams:
        if exam.exam_id not in chosen:
            continue
        link = found[exam.exam_id]
        history = [by_id[x] for x in (link.previous, link.episode_start) if x and x in by_id]
        if exam.exam_date is None and exam.patient.patient_id:
            other = next((e for e in exams if e.exam_id != exam.exam_id), None)
            history += [other] if other is not None else []
        out[exam.exam_id] = evaluate(exam, history, protocols, serial=link, ctrs=ctrs)
    return out


@dataclass(frozen=True)
class Keys:
    """What a fresh stored row must carry, per exam."""

    versions: dict[str, int]
    history: dict[str, str]
    patient: dict[str, str]
    protocols: str
    #: The patients' versions, read with the heads (a patient absent: 0).
    patient_versions: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        heads: Sequence[VersionHead],
        protocols: Protocols,
        patient_versions: dict[str, int] | None = None,
    ) -> Keys:
        return cls(
            versions={h[0]: h[3] for h in heads},
            history=history_hashes(heads),
            patient={h[0]: h[1] for h in heads},
            protocols=protocols_hash(protocols),
            patient_versions=patient_versions or {},
        )

    def patient_version(self, exam_id: str) -> int | None:
        """The version of the exam's patient (None for an exam without a patient id: its
        history hash is always ``""``)."""
        pid = self.patient.get(exam_id)
        return self.patient_versions.get(pid, 0) if pid else None

    def fresh(self, row: StoredAssessment | None) -> bool:
        return (
            row is not None
            and row.exam_version == self.versions.get(row.exam_id)
            and row.protocols_hash == self.protocols
            and row.history_hash == self.history.get(row.exam_id)
        )

    def row(self, assessment: Assessment, now: str) -> StoredAssessment:
        exam_id = assessment.exam_id
        return StoredAssessment(
            exam_id=exam_id,
            exam_version=self.versions[exam_id],
            protocols_hash=self.protocols,
            history_hash=self.history[exam_id],
            cells=encoded_cells(assessment),
            payload=assessment.model_dump_json(),
            computed_at=now,
            patient_version=self.patient_version(exam_id),
        )


def _known_fresh(row: StoredAssessment, key: AssessmentKey, protocols: str) -> bool:
    """Fresh without reading the patient's exams: the exam and protocols are those of the row,
    and its patient is at the version the row's history hash was taken at (an exam without a
    patient id has the history hash ``""``, whatever else is in the records)."""
    patient_id, version, patient_version = key
    return (
        row.exam_version == version
        and row.protocols_hash == protocols
        and (row.patient_version == patient_version if patient_id else row.history_hash == "")
    )


@dataclass(frozen=True)
class _Page:
    """A page of exams sorted out by :func:`_sort_out`."""

    #: The keys of the exams not known fresh by their patient's version (and of their
    #: patients' other exams): what computing the stale ones needs.
    keys: Keys
    #: Exams to compute (in the order asked).
    stale: list[str]
    #: Rows found fresh by their history hash, with their patient's current version.
    confirmed: list[StoredAssessment]


def _sort_out(
    snap: RecordStore,
    exam_ids: Sequence[str],
    protocols: Protocols,
    usable: Callable[[StoredAssessment], bool],
    *,
    payload: bool,
) -> _Page:
    """Sort out which stored rows of these exams are fresh, all read from ``snap``.

    A row whose exam, protocols and patient version still hold is fresh (no history read).
    The others are checked by their history hash, from the heads of their patients' exams
    (:meth:`RecordStore.version_heads_of`, only for those patients). ``usable(row)`` is
    called once for every fresh row (False: recompute it all the same). Unknown ids are left
    out.
    """
    current = snap.assessment_keys(exam_ids)
    stored = snap.stored_assessments(exam_ids, payload=payload)
    digest = protocols_hash(protocols)
    doubtful: list[str] = []
    unusable: set[str] = set()
    for exam_id in dict.fromkeys(exam_ids):
        key = current.get(exam_id)
        if key is None:
            continue  # not in the records
        row = stored.get(exam_id)
        if row is not None and _known_fresh(row, key, digest):
            if usable(row):
                continue
            unusable.add(exam_id)
        doubtful.append(exam_id)
    patients = {key[0]: key[2] for key in current.values() if key[0]}
    heads = snap.version_heads_of(doubtful) if doubtful else []
    keys = Keys.of(heads, protocols, patients)
    stale: list[str] = []
    confirmed: list[StoredAssessment] = []
    for exam_id in doubtful:
        row = stored.get(exam_id)
        if exam_id not in unusable and row is not None and keys.fresh(row) and usable(row):
            version = keys.patient_version(exam_id)
            if version is not None and row.patient_version != version:
                confirmed.append(row._replace(patient_version=version))
        else:
            stale.append(exam_id)
    return _Page(keys, stale, confirmed)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


#: One patient's exams (date order) and the ids of those to assess.
Group = tuple[list["Exam"], list[str]]


def _groups(reader: RecordStore, stale: Iterable[str], keys: Keys) -> Iterator[Group]:
    """The stale exams by patient, with each patient's whole history, read a batch of
    patients at a time (``reader``: the store or a snapshot of it)."""
    patients: dict[str, list[str]] = {}
    loose: list[str] = []
    for exam_id in stale:
        pid = keys.patient.get(exam_id)
        if pid is None:
            continue  # not in the records (any more)
        if pid:
            patients.setdefault(pid, []).append(exam_id)
        else:
            loose.append(exam_id)
    order = list(patients)
    for start in range(0, len(order), PATIENTS_PER_BATCH):
        chunk = order[start : start + PATIENTS_PER_BATCH]
        for pid, exams in reader.exams_of_patients(chunk, notes=False).items():
            yield exams, patients.get(pid, [])
    for exam_id in loose:
        exam = reader.load_exam(exam_id)
        if exam is not None:
            yield [exam], [exam_id]


def _batches(groups: Iterator[Group], exams: int) -> Iterator[list[Group]]:
    """Whole patients, about ``exams`` exams to assess per batch."""
    batch: list[Group] = []
    size = 0
    for group in groups:
        batch.append(group)
        size += len(group[1])
        if size >= exams:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


#: The protocols of a worker process (set once by its initializer).
_worker_protocols: Protocols | None = None


def _init_worker(protocols: Protocols) -> None:
    global _worker_protocols
    _worker_protocols = protocols


def assess_groups(groups: list[Group], protocols: Protocols | None = None) -> dict[str, Assessment]:
    """:func:`assess_patient` of each group; in a worker process with the protocols its
    initializer received."""
    protocols = protocols or _worker_protocols
    assert protocols is not None
    out: dict[str, Assessment] = {}
    for exams, wanted in groups:
        out.update(assess_patient(exams, protocols, wanted))
    return out


def compute(
    reader: RecordStore,
    stale: Iterable[str],
    keys: Keys,
    protocols: Protocols,
    *,
    workers: int = 1,
    batch_exams: int = PUT_BATCH,
) -> Iterator[dict[str, Assessment]]:
    """Assessments of the ``stale`` exams, batch by batch: each of their patients is read once
    and evaluated once, here or by ``workers`` processes (results in the order read)."""
    batches = _batches(_groups(reader, stale, keys), batch_exams)
    if workers <= 1:
        for batch in batches:
            yield assess_groups(batch, protocols)
        return
    from neuroexam.records.parallel import ordered_map

    yield from ordered_map(assess_groups, batches, workers, _init_worker, (protocols,))


class _Writer:
    """Stores computed assessments (and confirms fresh rows) through a connection of its own,
    opened on first use: callers run in worker threads while the app writes on its own
    connection (a SQLite connection's transactions belong to one thread).

    Storing is an optimisation: when the records refuse the write (busy past their timeout,
    full disk) the results are still returned and the rest of this run stores nothing; they
    are computed again next time.
    """

    def __init__(self, store: RecordStore) -> None:
        self._store = store
        self._own: RecordStore | None = None
        self._refused: StoreError | None = None

    def _write(self, rows: list[StoredAssessment], confirm: bool) -> None:
        if not rows or self._refused is not None:
            return
        try:
            if self._own is None:
                self._own = self._store.another_connection()
            for start in range(0, len(rows), PUT_BATCH):
                batch = rows[start : start + PUT_BATCH]
                if confirm:
                    self._own.confirm_assessments(batch)
                else:
                    self._own.put_assessments(batch)
        except StoreError as exc:
            self._refused = exc

    def put(self, found: dict[str, Assessment], keys: Keys) -> None:
        now = _now()
        rows = [keys.row(a, now) for exam_id, a in found.items() if exam_id in keys.versions]
        self._write(rows, confirm=False)

    def confirm(self, rows: list[StoredAssessment]) -> None:
        """Give rows found fresh by their history hash their patient's current version."""
        self._write(rows, confirm=True)

    def close(self) -> None:
        if self._own is not None:
            self._own.close()


@contextmanager
def _storing(store: RecordStore) -> Iterator[_Writer]:
    """A :class:`_Writer` for ``store``, its connection closed at the end."""
    writer = _Writer(store)
    try:
        yield writer
    finally:
        writer.close()


class _Parsed:
    """Stored payloads already parsed, by their text (exact: the same text gives the same
    model), the most recently used :data:`PARSED` of them: pages that open again (history,
    a patient's exams) neither validate the JSON again nor make its ~20 objects per exam
    again. The models are shared by every reader, as the records' rows are: nothing changes
    an assessment once evaluated."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._models: OrderedDict[str, Assessment] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, payload: str) -> Assessment:
        """The model of ``payload`` (:class:`pydantic.ValidationError` when it is not one)."""
        from neuroexam.core.models import Assessment

        with self._lock:
            model = self._models.get(payload)
            if model is not None:
                self._models.move_to_end(payload)
                return model
        model = Assessment.model_validate_json(payload)
        with self._lock:
            self._models[payload] = model
            while len(self._models) > self._size:
                self._models.popitem(last=False)
        return model

    def clear(self) -> None:
        with self._lock:
            self._models.clear()


#: Parsed payloads kept (about two history pages).
PARSED = 1_000
_parsed = _Parsed(PARSED)


def assessments_for(
    store: RecordStore, exam_ids: Sequence[str], protocols: Protocols
) -> dict[str, Assessment]:
    """The assessments of these exams (unknown ids are absent): stored ones while fresh, the
    others computed with their patients' whole history and stored. Safe from a worker thread
    (reads one snapshot; writes through ``store``). Read-only results: a stored one may be
    the same object another reader was given (:class:`_Parsed`)."""
    from pydantic import ValidationError

    out: dict[str, Assessment] = {}

    def usable(row: StoredAssessment) -> bool:
        try:
            out[row.exam_id] = _parsed.get(row.payload)
        except ValidationError:
            return False  # written by another build of the same format: recompute it
        return True

    with store.snapshot() as snap:
        page = _sort_out(snap, exam_ids, protocols, usable, payload=True)
        with _storing(store) as writer:
            writer.confirm(page.confirmed)
            for found in compute(snap, page.stale, page.keys, protocols):
                writer.put(found, page.keys)
                out.update(found)
    return {exam_id: out[exam_id] for exam_id in exam_ids if exam_id in out}


def refresh_assessments(store: RecordStore, exam_ids: Sequence[str], protocols: Protocols) -> int:
    """Compute and store the assessments of these exams that are missing or stale (after a
    completion, an amendment or an import); returns how many were computed."""
    with store.snapshot() as snap:
        page = _sort_out(snap, exam_ids, protocols, lambda row: True, payload=False)
        done = 0
        with _storing(store) as writer:
            writer.confirm(page.confirmed)
            for found in compute(snap, page.stale, page.keys, protocols):
                writer.put(found, page.keys)
                done += len(found)
    return done


#: ``progress(exams whose assessment is ready, exams to assess)``.
Progress = Callable[[int, int], None]


def summary_cells(
    store: RecordStore,
    snap: RecordStore,
    where: ExamFilter,
    exam_ids: Sequence[str],
    protocols: Protocols,
    progress: Progress | None = None,
    *,
    workers: int = 1,
    batch_exams: int = PUT_BATCH,
) -> dict[str, str]:
    """The assessment cells of the summary layout (:func:`encoded_cells`) for ``exam_ids``
    (chosen by ``where``, read from ``snap``): stored ones while fresh, the missing or stale
    ones computed (each of their patients once, by ``workers`` processes) and stored through
    ``store``. ``progress(ready,
    len(exam_ids))`` after each computed batch (it may raise to stop)."""
    heads = snap.version_heads(where)
    patients = snap.patient_versions({h[1] for h in heads if h[1]})
    keys = Keys.of(heads, protocols, patients)
    stored = snap.stored_assessments(exam_ids, payload=False)
    out: dict[str, str] = {}
    stale: list[str] = []
    confirmed: list[StoredAssessment] = []
    for exam_id in exam_ids:
        row = stored.get(exam_id)
        if row is not None and keys.fresh(row):
            out[exam_id] = row.cells
            version = keys.patient_version(exam_id)
            if version is not None and row.patient_version != version:
                confirmed.append(row._replace(patient_version=version))
        else:
            stale.append(exam_id)
    batches = compute(snap, stale, keys, protocols, workers=workers, batch_exams=batch_exams)
    with _storing(store) as writer:
        writer.confirm(confirmed)
        for found in batches:
            writer.put(found, keys)
            for exam_id, assessment in found.items():
                out[exam_id] = encoded_cells(assessment)
            if progress is not None:
                progress(len(out), len(exam_ids))
    return out
