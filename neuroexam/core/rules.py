"""``evaluate(exam, history)``: findings → localisation and flags, each with its reasons.

The engine is generic: which observations raise a flag, raise its strength or its urgency is
data (``protocols/rules.toml``); the observations are named predicates
(:mod:`neuroexam.core.observations`). The TUI summary, CSV export and ``assess`` all call this.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from neuroexam.core.breeds import BreedIndex, BreedMatch, MatchKind
from neuroexam.core.localize import (
    TlPattern,
    analyse_ctr,
    lesion_window,
    movement,
)
from neuroexam.core.models import (
    Assessment,
    CtrCutoff,
    Exam,
    Flag,
    FlagId,
    FollowUp,
    LesionWindow,
    SerialChange,
    Species,
    Strength,
    Urgency,
)
from neuroexam.core.observations import Context
from neuroexam.core.protocol import FlagSpec, Protocols, shipped

_BREED_INDEXES: dict[int, tuple[Protocols, BreedIndex]] = {}


def breed_index(protocols: Protocols) -> BreedIndex:
    """The breed index of a protocol set, built once per loaded set."""
    hit = _BREED_INDEXES.get(id(protocols))
    if hit is None or hit[0] is not protocols:
        hit = _BREED_INDEXES[id(protocols)] = (protocols, BreedIndex(protocols.breeds))
    return hit[1]


def previous_exam(exam: Exam, history: Iterable[Exam], protocols: Protocols) -> Exam | None:
    """The patient's most recent earlier exam that has a trunci cut-off on either side."""
    if not exam.patient.patient_id or exam.exam_date is None:
        return None
    limits = protocols.rules.thresholds.ctr
    earlier = [
        e
        for e in history
        if e.exam_id != exam.exam_id
        and e.patient.patient_id == exam.patient.patient_id
        and e.exam_date is not None
        and e.exam_date < exam.exam_date
        and analyse_ctr(e, limits).any_tested
    ]
    return max(earlier, key=lambda e: e.exam_date, default=None)  # type: ignore[arg-type,return-value]


def evaluate(
    exam: Exam, history: Sequence[Exam] = (), protocols: Protocols | None = None
) -> Assessment:
    """Assess one exam; ``history`` holds other exams (any patient, any order)."""
    protocols = protocols or shipped()
    rules = protocols.rules
    breed = breed_index(protocols).lookup(exam.patient.breed, exam.patient.species)
    previous = previous_exam(exam, history, protocols)
    ctx = Context(exam=exam, protocols=protocols, breed=breed, previous=previous)
    warnings = _input_warnings(ctx, history)

    flags = [flag for spec in rules.flags if (flag := _raise(spec, ctx)) is not None]
    order = {spec.id: i for i, spec in enumerate(rules.flags)}
    flags.sort(key=lambda f: (-f.urgency.rank, -f.strength.rank, order[f.id]))

    localization, window = _localize(ctx, {f.id for f in flags}, warnings)
    if window is not None:
        for flag in flags:
            if flag.id is FlagId.IVDD:
                likely = "-".join(dict.fromkeys([window.most_likely[0], window.most_likely[-1]]))
                flag.reasons.append(
                    f"suspected lesion window {window.cranial}-{window.caudal} "
                    f"(most likely {likely}): the cut-off lies 0-4 vertebrae caudal to the lesion"
                )
    serial = None
    if previous is not None:
        hours = None
        if previous.exam_date and exam.exam_date:
            hours = round((exam.exam_date - previous.exam_date).total_seconds() / 3600, 1)
        serial = SerialChange(
            previous_exam_id=previous.exam_id,
            hours=hours,
            movement=movement(ctx.previous_ctr, ctx.ctr),  # type: ignore[arg-type]
        )
    return Assessment(
        exam_id=exam.exam_id,
        patient_id=exam.patient.patient_id,
        breed=breed.name,
        ctr_cutoff=CtrCutoff(left=ctx.ctr.left.cutoff, right=ctx.ctr.right.cutoff),
        localization=localization,
        lesion_window=window,
        flags=flags,
        warnings=warnings,
        ctr_status={s.side.value: s.status.value for s in ctx.ctr.sides},
        serial=serial,
        summary=_summary(ctx, flags, serial),
    )


def evaluate_all(exams: Sequence[Exam], protocols: Protocols | None = None) -> list[Assessment]:
    """Assess many exams; each is compared with the same patient's earlier exams."""
    protocols = protocols or shipped()
    by_patient: dict[str, list[Exam]] = {}
    for exam in exams:
        by_patient.setdefault(exam.patient.patient_id, []).append(exam)
    return [
        evaluate(exam, by_patient.get(exam.patient.patient_id, []), protocols) for exam in exams
    ]


# ------------------------------------------------------------------ flags


def _raise(spec: FlagSpec, ctx: Context) -> Flag | None:
    if not all(ctx.observe(n).holds for n in spec.trigger_all):
        return None
    triggers = [ctx.observe(n) for n in spec.trigger_any]
    if spec.trigger_any and not any(e.holds for e in triggers):
        return None
    if any(ctx.observe(n).holds for n in spec.unless_any):
        return None

    reasons: list[str] = []

    def add(names: Iterable[str]) -> None:
        for name in names:
            evidence = ctx.observe(name)
            if evidence.holds:
                reasons.extend(r for r in evidence.reasons if r not in reasons)

    add(spec.trigger_all)
    add(spec.trigger_any)
    add(spec.strength.factors)
    add(spec.urgency.emergency_any)
    add(spec.urgency.urgent_any)
    add(spec.strength.cap)
    add(spec.context)

    side = next(
        (e.side for e in (ctx.observe(n) for n in spec.side_from) if e.holds and e.side),
        None,
    )
    window = _window(ctx)
    follow_up = [
        FollowUp(
            test=f.test,
            region=" ".join(
                f.region.format(window=window, side=side.value if side else "").split()
            ),
        )
        for f in spec.follow_up
        if not f.when or ctx.observe(f.when).holds
    ]
    return Flag(
        id=spec.id,
        title=spec.title,
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
    groups = {g.id: g for g in ctx.protocols.breeds.groups}
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


def _window(ctx: Context) -> str:
    window = _lesion_window(ctx)
    return f"{window.cranial}-{window.caudal}" if window else ""


def _lesion_window(ctx: Context) -> LesionWindow | None:
    if not ctx.is_dog or ctx.ctr.tl_pattern in (None, TlPattern.NO_RESPONSE):
        return None
    cutoff = ctx.ctr.cranial_cutoff
    if cutoff is None or not ctx.observe("ctr_cutoff_abnormal").holds:
        return None
    return lesion_window(cutoff, ctx.protocols.rules.thresholds.ctr)


def _localize(
    ctx: Context, raised: set[FlagId], warnings: list[str]
) -> tuple[str | None, LesionWindow | None]:
    candidates: list[tuple[str, str]] = []
    if FlagId.IVDD in raised and ctx.ctr.tl_pattern in (TlPattern.BILATERAL, TlPattern.LATERALISED):
        candidates.append(("T3-L3", "a thoracolumbar trunci cut-off"))
    if ctx.observe("ctr_efferent_dog").holds:
        candidates.append(("C6-T2", "one-sided trunci loss (brachial plexus / C8-T1)"))
    if FlagId.SYRINGOMYELIA in raised:
        candidates.append(("C1-C5", "signs of syringomyelia (cervical dorsal horn)"))
    if ctx.ctr.tl_pattern is TlPattern.NO_RESPONSE and ctx.is_dog:
        warnings.append(
            "no trunci response at any tested level on either side: extend testing cranially, "
            "or consider a bilateral C8-T1 (efferent) lesion; no localisation set"
        )
    if not candidates:
        return None, None
    for other, why in candidates[1:]:
        warnings.append(f"findings also fit {other} ({why}): more than one lesion is possible")
    localization = candidates[0][0]
    return localization, _lesion_window(ctx) if localization == "T3-L3" else None


# ------------------------------------------------------------------ texts


def _input_warnings(ctx: Context, history: Sequence[Exam]) -> list[str]:
    warnings: list[str] = []
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
    known = ctx.protocols.sign_ids()
    for sign in ctx.exam.signs:
        if sign not in known:
            warnings.append(f"unknown sign '{sign}' ignored")
    if ctx.exam.patient.species is Species.CAT and ctx.ctr.any_tested:
        warnings.append(ctx.protocols.rules.cat_ctr_caveat)
    same_patient = [
        e
        for e in history
        if e.exam_id != ctx.exam.exam_id and e.patient.patient_id == ctx.exam.patient.patient_id
    ]
    if same_patient and ctx.exam.exam_date is None:
        warnings.append("exam has no date: not compared with the patient's other exams")
    return warnings


def _summary(ctx: Context, flags: list[Flag], serial: SerialChange | None) -> str:
    parts: list[str] = []
    if not flags:
        parts.append(ctx.protocols.rules.normal_summary)
    else:
        top = flags[0]
        parts.append(
            f"{len(flags)} pattern{'s' if len(flags) > 1 else ''} flagged; most urgent: "
            f"{top.title} ({top.urgency.value}, {top.strength.value})."
        )
    normal = [
        s.label.lower()
        for s in ctx.protocols.signs.signs
        if s.normal_behaviour and s.id in ctx.exam.signs
    ]
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
