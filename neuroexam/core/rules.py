"""``evaluate(exam, history)``: findings → localisation and flags, each with its reasons.

The engine is generic: which observations raise a flag, raise its strength or its urgency is
data (``protocols/rules.toml``); the observations are named predicates
(:mod:`neuroexam.core.observations`). The TUI summary, CSV export and ``assess`` all call this.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from neuroexam.core import levels, spinal
from neuroexam.core.breeds import BreedIndex, BreedMatch, MatchKind
from neuroexam.core.localize import CtrAnalysis, CtrStatus, TlPattern, analyse_ctr, movement
from neuroexam.core.models import (
    Assessment,
    CtrCutoff,
    Exam,
    ExamStatus,
    Finding,
    Flag,
    FlagId,
    FollowUp,
    LesionWindow,
    SerialChange,
    Severity,
    Species,
    Strength,
    Urgency,
)
from neuroexam.core.observations import Context
from neuroexam.core.protocol import FlagSpec, Protocols, shipped
from neuroexam.core.serial import SerialHead, SerialLink, head_of, link, links
from neuroexam.core.vocab import Grade, Side, TestId

_BREED_INDEXES: dict[int, tuple[Protocols, BreedIndex]] = {}


def breed_index(protocols: Protocols) -> BreedIndex:
    """The breed index of a protocol set, built once per loaded set."""
    hit = _BREED_INDEXES.get(id(protocols))
    if hit is None or hit[0] is not protocols:
        hit = _BREED_INDEXES[id(protocols)] = (protocols, BreedIndex(protocols.breeds))
    return hit[1]


def _serial_heads(
    exam: Exam, history: Iterable[Exam], protocols: Protocols
) -> tuple[SerialHead, list[SerialHead], dict[str, Exam]]:
    limits = protocols.rules.thresholds.ctr
    pid = exam.patient.patient_id
    others = {e.exam_id: e for e in history if e.exam_id != exam.exam_id}
    mine = [e for e in others.values() if e.patient.patient_id == pid]  # "" is never compared
    return head_of(exam, limits), [head_of(e, limits) for e in mine], others


def serial_link(exam: Exam, history: Iterable[Exam], protocols: Protocols) -> SerialLink:
    """How ``exam`` relates to the patient's earlier exams (:mod:`neuroexam.core.serial`)."""
    head, heads, _ = _serial_heads(exam, history, protocols)
    return link(head, heads, protocols.rules.thresholds.serial.episode_gap_days)


def previous_exam(exam: Exam, history: Iterable[Exam], protocols: Protocols) -> Exam | None:
    """The exam ``exam`` is compared with (same patient and species, not voided, earlier, with
    a tested trunci reflex), or None."""
    head, heads, others = _serial_heads(exam, history, protocols)
    found = link(head, heads).previous  # the episode (and its gap) does not matter here
    return others.get(found) if found else None


def evaluate(
    exam: Exam,
    history: Sequence[Exam] = (),
    protocols: Protocols | None = None,
    serial: SerialLink | None = None,
    ctrs: dict[int, CtrAnalysis] | None = None,
) -> Assessment:
    """Assess one exam; ``history`` holds other exams (any patient, any order). ``serial``:
    the exam's link when the caller already computed it (:func:`evaluate_all`). ``ctrs``: a
    dict the caller shares between calls, where trunci analyses are kept by ``id(exam)``
    (only while those exams live on unchanged, e.g. one patient's exams assessed together)."""
    protocols = protocols or shipped()
    if serial is None:
        serial = serial_link(exam, history, protocols)
    return _assess(exam, history, protocols, serial, ctrs=ctrs)


@dataclass
class _Patient:
    """One patient's exams as :func:`evaluate_all` hands them to :func:`_assess`, indexed once
    (instead of once per exam: O(n) per patient, not O(n²))."""

    #: The patient's exams by id (the last of a repeated id, as a dict built from the list).
    by_id: dict[str, Exam]
    #: How many of the patient's exams carry each id.
    ids: Counter[str]
    size: int
    #: Each exam's MFS assessed on its own (:func:`_mfs_alone`), by ``id(exam)``, computed once.
    mfs_alone: dict[int, int | None] = field(default_factory=dict)
    #: Trunci analyses by ``id(exam)``, shared by every context of the call.
    ctrs: dict[int, CtrAnalysis] = field(default_factory=dict)
    #: The context each exam was assessed in, by ``id(exam)`` (its link-free parts serve the
    #: exam again as a later exam's previous one).
    contexts: dict[int, Context] = field(default_factory=dict)
    #: Breed matches by (typed breed, species) (:meth:`breed_of`).
    breeds: dict[tuple[str, Species], BreedMatch] = field(default_factory=dict)

    @classmethod
    def of(cls, exams: Sequence[Exam], ctrs: dict[int, CtrAnalysis] | None = None) -> _Patient:
        return cls(
            {e.exam_id: e for e in exams},
            Counter(e.exam_id for e in exams),
            len(exams),
            ctrs=ctrs if ctrs is not None else {},
        )

    def breed_of(self, exam: Exam, protocols: Protocols) -> BreedMatch:
        """The breed match of ``exam``, looked up once per typed breed and species."""
        key = (exam.patient.breed, exam.patient.species)
        found = self.breeds.get(key)
        if found is None:
            found = self.breeds[key] = breed_index(protocols).lookup(*key)
        return found

    def others(self, exam: Exam) -> bool:
        """Whether the patient has an exam with another id than ``exam``'s."""
        return self.size - self.ids[exam.exam_id] > 0


def _assess(
    exam: Exam,
    history: Sequence[Exam],
    protocols: Protocols,
    serial: SerialLink,
    patient: _Patient | None = None,
    ctrs: dict[int, CtrAnalysis] | None = None,
) -> Assessment:
    """``patient``: ``history`` indexed, when every exam of ``history`` is of ``exam``'s
    (non-empty) patient id (:func:`evaluate_all`)."""
    rules = protocols.rules
    if patient is not None:
        by_id = patient.by_id
        breed = patient.breed_of(exam, protocols)
    else:
        by_id = {e.exam_id: e for e in history} if serial.previous or serial.episode_start else {}
        breed = breed_index(protocols).lookup(exam.patient.breed, exam.patient.species)
    previous = by_id.get(serial.previous) if serial.previous else None
    start = by_id.get(serial.episode_start) if serial.episode_start else None
    ctx = Context(
        exam=exam,
        protocols=protocols,
        breed=breed,
        previous=previous,
        episode_start=start,
        link=serial,
        ctrs=patient.ctrs if patient is not None else ctrs,
    )
    if patient is not None:
        patient.contexts[id(exam)] = ctx
    warnings = _input_warnings(ctx, history, patient)

    flags = [flag for spec in rules.flags if (flag := _raise(spec, ctx)) is not None]
    # A stable sort: flags of equal urgency and strength keep the order of ``rules.flags``.
    flags.sort(key=lambda f: (-f.urgency.rank, -f.strength.rank))

    placed = ctx.placement
    window = _lesion_window(ctx)
    warnings += placed.warnings
    warnings += _pattern_warnings(ctx)
    if window is not None:
        for flag in flags:
            if flag.id is FlagId.IVDD:
                flag.reasons.append(
                    f"suspected lesion window {window.cranial}-{window.caudal} "
                    f"(most likely {_likely(window)}): the cut-off lies 0-4 vertebrae caudal to "
                    "the lesion"
                )
    mfs = _severity(ctx, {f.id for f in flags}, placed.region, warnings)
    change = None
    if previous is not None:
        assert previous.exam_date is not None and exam.exam_date is not None  # serial.py rule
        hours = round((exam.exam_date - previous.exam_date).total_seconds() / 3600, 1)
        if patient is None:
            before = _mfs_alone(previous, protocols, ctrs=ctrs)
        else:
            known = patient.mfs_alone
            if id(previous) not in known:
                known[id(previous)] = _mfs_alone(
                    previous, protocols, patient.contexts.get(id(previous)), patient.ctrs
                )
            before = known[id(previous)]
        change = SerialChange(
            previous_exam_id=previous.exam_id,
            hours=hours,
            movement=movement(ctx.previous_ctr, ctx.ctr),  # type: ignore[arg-type]
            previous_mfs=before,
        )
    return Assessment(
        exam_id=exam.exam_id,
        patient_id=exam.patient.patient_id,
        breed=breed.name,
        ctr_cutoff=CtrCutoff(left=ctx.ctr.left.cutoff, right=ctx.ctr.right.cutoff),
        localization=placed.region,
        lesion_window=window,
        flags=flags,
        warnings=warnings,
        ctr_status={s.side.value: s.status.value for s in ctx.ctr.sides},
        serial=change,
        summary=_summary(ctx, flags, change, mfs),
        localization_basis=list(placed.basis) if placed.region else [],
        severity=Severity(score=mfs) if mfs is not None else None,
    )


def evaluate_all(exams: Sequence[Exam], protocols: Protocols | None = None) -> list[Assessment]:
    """Assess many exams (voided ones are left out: :func:`skipped`); each is compared with
    the same patient's earlier exams, found once for all by :func:`neuroexam.core.serial.links`."""
    protocols = protocols or shipped()
    limits = protocols.rules.thresholds.ctr
    kept = [e for e in exams if e.status is not ExamStatus.VOIDED]
    gap = protocols.rules.thresholds.serial.episode_gap_days
    # Each exam's trunci analysis made once (by id: ``kept`` holds every exam for the call).
    ctrs = {id(e): analyse_ctr(e, limits) for e in kept}
    found = links((head_of(e, limits, ctrs[id(e)]) for e in kept), gap)
    by_patient: dict[str, list[Exam]] = {}
    for exam in kept:
        by_patient.setdefault(exam.patient.patient_id, []).append(exam)
    # Each patient indexed once; exams without a patient id are never compared (serial.py).
    indexed = {pid: _Patient.of(group, ctrs) for pid, group in by_patient.items() if pid}
    return [
        _assess(
            exam,
            by_patient[exam.patient.patient_id],
            protocols,
            found[exam.exam_id],
            indexed.get(exam.patient.patient_id),
        )
        for exam in kept
    ]


def _mfs_alone(
    exam: Exam,
    protocols: Protocols,
    own: Context | None = None,
    ctrs: dict[int, CtrAnalysis] | None = None,
) -> int | None:
    """The MFS of ``exam`` assessed on its own, without history: a later exam's
    ``previous_mfs``. The score of ``_assess(exam, (), protocols, SerialLink())`` without its
    texts: only whether the two presentation flags are raised matters. ``own``: the context
    ``exam`` was assessed in (with its history, :meth:`Context.alone`), whose parts that
    depend on the exam alone are taken over instead of computed again."""
    if own is None:
        breed = breed_index(protocols).lookup(exam.patient.breed, exam.patient.species)
        own = Context(exam=exam, protocols=protocols, breed=breed, link=SerialLink(), ctrs=ctrs)
    ctx = own.alone()
    # The localisation and flags only decide whether the exam is a pelvic limb or back
    # presentation: when the score is the same either way (tetraparesis, a presentation sign),
    # it is the score.
    score = ctx.mfs(True).score
    if score == ctx.mfs(False).score:
        return score
    raised = {
        spec.id
        for spec in protocols.rules.flags
        if spec.id in _PRESENTATION_FLAGS and _triggered(spec, ctx)
    }
    return _severity(ctx, raised, ctx.placement.region, [])


def skipped(exams: Iterable[Exam]) -> list[dict[str, str]]:
    """The exams :func:`evaluate_all` leaves out on purpose (FORMAT.md §4 ``skipped``)."""
    return [
        {"exam_id": e.exam_id, "reason": "voided: a voided exam is not assessed"}
        for e in exams
        if e.status is ExamStatus.VOIDED
    ]


# ------------------------------------------------------------------ flags


def _triggered(spec: FlagSpec, ctx: Context) -> bool:
    """Whether the flag is raised (:func:`_raise` returns a flag exactly when this holds)."""
    observe = ctx.observe
    for name in spec.trigger_all:
        if not observe(name).holds:
            return False
    for name in spec.unless_any:
        if observe(name).holds:
            return False
    if not spec.trigger_any:
        return True
    return any(observe(name).holds for name in spec.trigger_any)


def _raise(spec: FlagSpec, ctx: Context) -> Flag | None:
    if not _triggered(spec, ctx):
        return None

    reasons: list[str] = []
    strength, urgency = spec.strength, spec.urgency
    for names in (
        spec.trigger_all,
        spec.trigger_any,
        strength.factors,
        urgency.emergency_any,
        urgency.urgent_any,
        strength.cap,
        spec.context,
    ):
        for name in names:
            evidence = ctx.observe(name)
            if evidence.holds:
                reasons.extend(r for r in evidence.reasons if r not in reasons)

    side = next(
        (e.side for e in (ctx.observe(n) for n in spec.side_from) if e.holds and e.side),
        None,
    )
    window = _window(ctx)
    imaging = _imaging(ctx, window)
    follow_up = [
        FollowUp(
            test=f.test,
            region=" ".join(
                f.region.format(
                    window=window, side=side.value if side else "", imaging=imaging
                ).split()
            ),
        )
        for f in spec.follow_up
        if (not f.when or ctx.observe(f.when).holds)
        and not (f.unless and ctx.observe(f.unless).holds)
    ]
    title = next((t.title for t in spec.titles if ctx.observe(t.when).holds), spec.title)
    return Flag(
        id=spec.id,
        title=title,
        strength=_strength(spec, ctx),
        urgency=_urgency(spec, ctx),
        side=side,
        follow_up=follow_up,
        reasons=reasons,
        references=list(spec.references),
        breed_context=_breed_context(spec, ctx),
        advice=spec.advice,
    )


def _strength(spec: FlagSpec, ctx: Context) -> Strength:
    rule = spec.strength
    score = sum(ctx.observe(n).holds for n in rule.factors)
    rank = 2 if score >= rule.strong_at else 1 if score >= rule.moderate_at else 0
    rank = max(rank, rule.base.rank)
    if rank == 2 and not all(ctx.observe(n).holds for n in rule.strong_requires):
        rank = 1
    for name, cap in rule.cap.items():
        if ctx.observe(name).holds:
            rank = min(rank, cap.rank)
    return Strength.from_rank(rank)


def _urgency(spec: FlagSpec, ctx: Context) -> Urgency:
    rule = spec.urgency
    if any(ctx.observe(n).holds for n in rule.emergency_any):
        return Urgency.EMERGENCY
    if rule.base is Urgency.ROUTINE and any(ctx.observe(n).holds for n in rule.urgent_any):
        return Urgency.URGENT
    return rule.base


def _breed_context(spec: FlagSpec, ctx: Context) -> str:
    breed = ctx.breed
    if breed.kind is MatchKind.NO_BREED:
        return "breed mixed or unknown: no breed weighting applied"
    if breed.kind in (MatchKind.UNKNOWN, MatchKind.AMBIGUOUS):
        return f"breed '{breed.typed}' not recognised: no breed weighting applied"
    if not spec.breed_groups:
        return f"{breed.name}: breed does not weigh on this pattern"
    groups = breed_index(ctx.protocols).groups
    parts = [
        f"{breed.name}: {groups[g].label}. {groups[g].description}"
        for g in spec.breed_groups
        if breed.in_group(g)
    ]
    if not parts:
        labels = "; ".join(groups[g].label for g in spec.breed_groups)
        return f"{breed.name}: not in a risk group for this pattern ({labels})"
    if breed.breed and breed.breed.note:
        parts.append(breed.breed.note)
    return " ".join(parts)


# ------------------------------------------------------------------ localisation


def _likely(window: LesionWindow) -> str:
    return "-".join(dict.fromkeys([window.most_likely[0], window.most_likely[-1]]))


def _window(ctx: Context) -> str:
    window = _lesion_window(ctx)
    return f"{window.cranial}-{window.caudal}" if window else ""


def _lesion_window(ctx: Context) -> LesionWindow | None:
    """The exam's window (dogs, T3-L3 or multifocal with an abnormal cut-off); in a PMM
    episode the window of its first abnormal exam (DOMAIN.md 1.1)."""
    if ctx.placement.region not in (spinal.T3_L3, spinal.MULTIFOCAL):
        return None
    if ctx.ctr.tl_pattern in (None, TlPattern.NO_RESPONSE):
        return None
    return ctx.kept_window or ctx.window.window


def _imaging(ctx: Context, window: str) -> str:
    """The imaging region that follows the localisation (DOMAIN.md 4.2)."""
    regions = ctx.protocols.rules.imaging_regions
    placed = ctx.placement
    region = placed.region if placed.cord or placed.region == spinal.T3_L3 else None
    if region == spinal.L4_S3:
        text = regions.lumbosacral
    elif region in spinal.CERVICAL:
        text = regions.cervical
    elif region == spinal.MULTIFOCAL:
        text = regions.multifocal
    elif region is None and ctx.observe("tetraparesis_signs").holds:
        text = regions.cervical
    elif region is None and "lumbosacral_pain" in ctx.sign_ids and "back_pain" not in ctx.sign_ids:
        text = regions.lumbosacral
    else:
        text = regions.thoracolumbar
    return text.format(window=window)


def _pattern_warnings(ctx: Context) -> list[str]:
    messages = ctx.protocols.rules.messages
    warnings: list[str] = []
    if ctx.ctr.tl_pattern is TlPattern.NO_RESPONSE and ctx.is_dog:
        warnings.append(
            "no trunci response at any tested level on either side: extend testing cranially, "
            "or consider a bilateral C8-T1 (efferent) lesion; no localisation set"
        )
    if ctx.is_dog and ctx.ctr.tl_pattern is TlPattern.OTHER_SIDE_UNTESTED:
        missing = ctx.ctr.left if ctx.ctr.left.cutoff is None else ctx.ctr.right
        warnings.append(messages.untested_side.format(side=missing.side.value))
    if ctx.window.apart and ctx.kept_window is None:
        cranial, caudal = sorted(ctx.ctr.sides, key=lambda s: levels.index(s.cutoff or "L7"))
        warnings.append(
            messages.windows_apart.format(
                cranial=cranial.cutoff,
                cranial_side=cranial.side.value,
                caudal=caudal.cutoff,
                caudal_side=caudal.side.value,
            )
        )
    return warnings


#: The flags that make an exam a pelvic limb or back presentation for the MFS.
_PRESENTATION_FLAGS = frozenset({FlagId.IVDD, FlagId.PROGRESSIVE_MYELOMALACIA})


def _severity(
    ctx: Context, raised: set[FlagId], region: str | None, warnings: list[str]
) -> int | None:
    """The exam's MFS; ``raised``: the ids of the flags raised for it."""
    presentation = bool({FlagId.IVDD, FlagId.PROGRESSIVE_MYELOMALACIA} & raised) and (
        region not in spinal.CERVICAL
    )
    presentation = presentation or region in (spinal.T3_L3, spinal.L4_S3)
    mfs = ctx.mfs(presentation)
    if mfs.nociception_missing:
        warnings.append(ctx.protocols.rules.messages.nociception_missing)
    return mfs.score


# ------------------------------------------------------------------ texts


def _input_warnings(
    ctx: Context, history: Sequence[Exam], patient: _Patient | None = None
) -> list[str]:
    warnings: list[str] = []
    messages = ctx.protocols.rules.messages
    if ctx.exam.patient.species is Species.CAT and ctx.ctr.any_tested:
        warnings.append(ctx.protocols.rules.cat_ctr_caveat)  # the caveat comes first
    breed: BreedMatch = ctx.breed
    if breed.kind is MatchKind.UNKNOWN:
        warnings.append(f"unknown breed '{breed.typed}': kept as typed, no breed weighting")
    elif breed.kind is MatchKind.AMBIGUOUS:
        warnings.append(
            f"unknown breed '{breed.typed}': could be {', '.join(breed.candidates)}; "
            "kept as typed, no breed weighting"
        )
    elif breed.kind is MatchKind.CLOSE:
        warnings.append(f"breed '{breed.typed}' read as '{breed.name}'")
    known = ctx.protocols.signs_by_id
    for token in ctx.signs:
        if token.id not in known:
            warnings.append(f"unknown sign '{token.id}' ignored")
        elif token.bad_side:
            warnings.append(
                f"sign '{token.id}:{token.bad_side}': the side must be left or right; "
                f"read as '{token.id}' without a side"
            )
    if ctx.exam.exam_date is None and _has_other_exams(ctx.exam, history, patient):
        warnings.append("exam has no date: not compared with the patient's other exams")
    if ctx.link.species_conflict is not None:
        other, species = ctx.link.species_conflict
        warnings.append(
            messages.species_conflict.format(
                patient=ctx.exam.patient.patient_id,
                exam=other,
                other=species,
                species=ctx.exam.patient.species.value,
            )
        )
    if ctx.link.name_differs is not None:
        other, name = ctx.link.name_differs
        warnings.append(
            messages.name_differs.format(
                name=ctx.exam.patient.name.strip(),
                other_name=name.strip(),
                exam=other,
                patient=ctx.exam.patient.patient_id,
            )
        )
    return warnings


def _has_other_exams(exam: Exam, history: Sequence[Exam], patient: _Patient | None) -> bool:
    """Whether ``history`` holds another exam (another id) of ``exam``'s non-empty patient id."""
    pid = exam.patient.patient_id
    if not pid:
        return False
    if patient is not None:
        return patient.others(exam)
    return any(e.exam_id != exam.exam_id and e.patient.patient_id == pid for e in history)


def _not_tested(ctx: Context) -> list[str]:
    """What of the two reflexes was not tested, in words (empty: both tested both sides)."""
    missing = []
    ctr = [s.side.value for s in ctx.ctr.sides if s.cutoff is None]
    if len(ctr) == 2:
        missing.append("trunci reflex")
    elif ctr:
        missing.append(f"trunci reflex ({ctr[0]} side)")
    tested = {
        f.side for f in ctx.exam.findings if f.test is _SCRATCH and f.grade is not _NOT_TESTED
    }
    scratch = [side.value for side in _SIDES if side not in tested]
    if len(scratch) == 2:
        missing.append("scratch reflex")
    elif scratch:
        missing.append(f"scratch reflex ({scratch[0]} side)")
    return missing


def _abnormal_marks(ctx: Context) -> list[str]:
    """Findings or signs shown as abnormal although no flag was raised."""
    # Without a flag only a dog's L4 beside an untested side, or a cat's trunci, is not normal.
    marks = [
        f"trunci {s.side.value} {s.cutoff}"
        for s in ctx.ctr.sides
        if s.status is not CtrStatus.NORMAL and s.cutoff is not None
    ]
    shown = [
        f
        for f in ctx.exam.findings
        if f.grade in _BRISK or (f.test not in _REFLEX_SERIES and f.grade.lowered)
    ]
    marks += [
        f"{f.test.value.replace('_', ' ')} {f.site.replace('_', ' ')} {f.side.value} "
        f"{'delayed' if (f.test, f.grade) == (TestId.POSTURAL, Grade.REDUCED) else f.grade.value}"
        for f in sorted(shown, key=_finding_order)
    ]
    marks += [s.label.lower() for s in ctx.recorded_signs if not s.normal_behaviour]
    return list(dict.fromkeys(marks))


#: Enum members that per-finding loops compare with, bound once (in Python 3.11 looking a
#: member up on its enum class costs more than the comparison itself).
_SCRATCH, _NOT_TESTED = TestId.SCRATCH, Grade.NOT_TESTED
_BRISK = (Grade.EXAGGERATED, Grade.CLONUS)
#: The two reflex series (not limb findings).
_REFLEX_SERIES = (TestId.CUTANEOUS_TRUNCI, TestId.SCRATCH)
_TEST_RANK = {test: i for i, test in enumerate(TestId)}
#: ``Side`` in its order, as a tuple: iterating an enum class is slow.
_SIDES = tuple(Side)
_SIDE_RANK = {side: i for i, side in enumerate(_SIDES)}


def _finding_order(f: Finding) -> tuple[int, int, str, int]:
    """A fixed order for findings in texts (signs and findings are sets)."""
    level = levels.index(f.site) if f.test is TestId.CUTANEOUS_TRUNCI else 0
    return (_TEST_RANK[f.test], level, f.site, _SIDE_RANK[f.side])


def _summary(ctx: Context, flags: list[Flag], serial: SerialChange | None, mfs: int | None) -> str:
    messages = ctx.protocols.rules.messages
    parts: list[str] = []
    if flags:
        top = flags[0]
        parts.append(
            f"{len(flags)} pattern{'s' if len(flags) > 1 else ''} flagged; most urgent: "
            f"{top.title} ({top.urgency.value}, {top.strength.value})."
        )
    elif ctx.exam.patient.species is Species.CAT and any(
        s.status is not CtrStatus.NORMAL and s.cutoff is not None for s in ctx.ctr.sides
    ):
        parts.append(messages.cat_ctr_not_interpretable)
        marks = [m for m in _abnormal_marks(ctx) if not m.startswith("trunci ")]
        if marks:
            parts.append(messages.outside_normal.format(marks=", ".join(marks)))
    elif marks := _abnormal_marks(ctx):
        parts.append(messages.not_all_normal.format(marks=", ".join(marks)))
    elif missing := _not_tested(ctx):
        parts.append(messages.no_pattern_in_tests_done.format(missing=", ".join(missing)))
    else:
        parts.append(ctx.protocols.rules.normal_summary)
    if mfs is not None:
        labels = ctx.protocols.rules.severity.labels
        parts.append(f"MFS {mfs}/6 (0 worst, 6 normal): {labels[mfs]}.")
        if mfs == 0 and ctx.ctr.abnormal and ctx.is_dog:
            parts.append(messages.mfs_zero_with_cutoff)
    normal = [s.label.lower() for s in ctx.recorded_signs if s.normal_behaviour]
    if normal:
        parts.append(f"Reported {', '.join(normal)}: normal behaviour.")
    if serial is not None:
        improved = [side for side, moved in serial.movement.items() if moved and moved < 0]
        if improved:
            parts.append(
                f"The {' and '.join(improved)} cut-off moved caudally since exam "
                f"{serial.previous_exam_id}: consistent with improvement."
            )
    return " ".join(parts)
