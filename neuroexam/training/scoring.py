"""Score a student's training exam against the case: grading, localisation, flags.

The rules (also in the README, "Training mode"):

* **Weights.** total = 50 × grading + 20 × localisation + 30 × flags, each part a fraction
  0–1, so the total is 0–100 (rounded to one decimal). A case that scores the Modified
  Frankel Score (its ``expected.mfs`` is set) weighs 45 × grading + 20 × localisation +
  25 × flags + 10 × MFS.
* **Grading** is over the sites the student graded (the trunci series ends where the student's
  own answers end it). Per site: the grade the case gives → 1; a grade one step away on the
  0–4 reflex scale (absent↔reduced, reduced↔present, present↔exaggerated, exaggerated↔clonus)
  → ½; anything else, including *not tested* where the site could be tested, → 0 (so for
  nociception, which is only absent or present, a wrong answer earns nothing).
  Grading = mean credit (0 when nothing was graded).
* **Localisation** is right (1) or wrong (0) against the case's expected localisation, among
  every region of DOMAIN.md 4.2 (T3-L3, C6-T2, C1-C5, L4-S3, "C1-C5 or C6-T2", multifocal,
  none).
* **MFS** (spinal cases): the committed score equals the case's (0–6, or "none" when it is not
  defined) → 1; one point away → ½; else 0.
* **Flags.** Each expected flag is worth 3 points: 2 for raising it and 1 more for the right
  strength. Each flag raised that the case does not expect costs 1 point. When no flag is
  expected, "no flag" is worth 3 points. Flags = max(0, earned − penalties) / possible.

Every lost point is a :class:`Miss` that carries the case's explanation: for a wrong grade, what
the student observed, the correct grade and the site's teaching note from the exam protocol; for
a flag, the case's note on that flag (else the case's teaching text); for the localisation, the
case's teaching text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from neuroexam.core.vocab import FlagId, Grade, Strength, TestId

if TYPE_CHECKING:
    from neuroexam.core.models import Exam
    from neuroexam.core.protocol import ExamProtocol
    from neuroexam.training.cases import Case

WEIGHT_GRADING = 50.0
WEIGHT_LOCALIZATION = 20.0
WEIGHT_FLAGS = 30.0
#: Weights when the case scores the Modified Frankel Score (grading, localisation, flags, MFS).
WEIGHTS_WITH_MFS = (45.0, 20.0, 25.0, 10.0)
#: Points per expected flag: raising it, and rating its strength right.
FLAG_FOUND_POINTS = 2.0
FLAG_STRENGTH_POINTS = 1.0
FLAG_POINTS = FLAG_FOUND_POINTS + FLAG_STRENGTH_POINTS
#: Points a flag the case does not expect costs.
FLAG_EXTRA_PENALTY = 1.0

LOCALIZATION_WORDS = {
    "T3-L3": "T3-L3 (thoracolumbar cord)",
    "C6-T2": "C6-T2 (brachial plexus / caudal cervical)",
    "C1-C5": "C1-C5 (cranial cervical)",
    "L4-S3": "L4-S3 (lumbosacral intumescence, cauda equina)",
    "C1-C5 or C6-T2": "C1-C5 or C6-T2 (cervical; the thoracic withdrawal cannot tell)",
    "multifocal": "multifocal (findings in more than one region)",
    "none": "none (no localising finding)",
}


def mfs_credit(given: int | str | None, correct: int | str) -> float:
    """1 for the right MFS (or "none" when it is not defined), ½ one point away, else 0."""
    if given == correct:
        return 1.0
    if isinstance(given, int) and isinstance(correct, int) and abs(given - correct) == 1:
        return 0.5
    return 0.0


def grade_credit(given: Grade, correct: Grade) -> float:
    """1 for the right grade, ½ for a neighbour on the 0–4 reflex scale, else 0."""
    if given is correct:
        return 1.0
    if given.score is None or correct.score is None:
        return 0.0
    return 0.5 if abs(given.score - correct.score) == 1 else 0.0


@dataclass(frozen=True)
class Miss:
    """One place the student lost points, and why the answer is what it is."""

    #: ``grade``, ``localization``, ``flag_missed``, ``flag_strength`` or ``flag_extra``.
    kind: str
    #: One line: what was answered and what was expected.
    title: str
    #: The case's (or the protocol's) teaching text for this point.
    explanation: str
    #: Points of 100 this miss cost (before the flag part's floor at 0).
    points: float
    #: What the student observed (grade misses only).
    observed: str = ""


@dataclass(frozen=True)
class Score:
    """Parts as fractions 0–1, the weighted total 0–100 and every miss."""

    grading: float
    localization: float
    flags: float
    total: float
    graded_sites: int
    correct_sites: int
    committed_localization: str
    expected_localization: str
    committed_flags: dict[str, str] = field(default_factory=dict)
    expected_flags: dict[str, str] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    #: The MFS part 0–1, or None when the case does not score it.
    mfs: float | None = None
    committed_mfs: int | str | None = None
    expected_mfs: int | str | None = None

    @property
    def percentages(self) -> tuple[float, float, float]:
        """(grading, localisation, flags) as percentages, one decimal."""
        return (
            round(self.grading * 100, 1),
            round(self.localization * 100, 1),
            round(self.flags * 100, 1),
        )

    def details(self) -> dict:
        """A JSON-ready record of the attempt (stored with the scores)."""
        return asdict(self)


def _site_label(protocol: ExamProtocol | None, test: TestId, site: str) -> tuple[str, str]:
    """(test name, site label) for messages, e.g. ("Cutaneous trunci", "L7 (wings …)")."""
    if protocol is None:
        return test.value.replace("_", " "), site
    spec = protocol.test(test)
    return spec.title.split(" (")[0], spec.site(site).label


def _teaching(protocol: ExamProtocol | None, test: TestId, site: str) -> str:
    if protocol is None:
        return ""
    spec = protocol.test(test)
    site_spec = spec.site(site)
    return site_spec.teaching or spec.teaching


def _grade_word(grade: Grade) -> str:
    return grade.value.replace("_", " ")


def score(
    case: Case,
    exam: Exam,
    committed_localization: str,
    committed_flags: dict[FlagId, Strength],
    protocol: ExamProtocol | None = None,
    committed_mfs: int | str | None = None,
) -> Score:
    """Score ``exam`` (the student's findings) and the committed interpretation.

    ``protocol`` (the exam protocol of the case's species and part) supplies site labels and
    teaching notes; without it the shipped protocol is used. ``committed_mfs``: the student's
    Modified Frankel Score (0–6, or ``"none"``), scored when the case sets ``expected.mfs``.
    """
    if protocol is None:
        from neuroexam.core.protocol import shipped

        protocol = shipped().exam(case.species, case.part)
    misses: list[Miss] = []

    # ------------------------------------------------------------------ grading
    graded = list(exam.findings)
    credits = 0.0
    correct_sites = 0
    per_site = WEIGHT_GRADING / len(graded) if graded else 0.0
    for finding in graded:
        response = case.response(finding.test, finding.site, finding.side)
        credit = grade_credit(finding.grade, response.grade)
        credits += credit
        if credit == 1.0:
            correct_sites += 1
            continue
        test_name, site_label = _site_label(protocol, finding.test, finding.site)
        half = " (half credit: one step away)" if credit == 0.5 else ""
        misses.append(
            Miss(
                kind="grade",
                title=(
                    f"{test_name}, {site_label}, {finding.side.value}: you graded "
                    f"{_grade_word(finding.grade)}; correct: {_grade_word(response.grade)}{half}"
                ),
                explanation=_teaching(protocol, finding.test, finding.site),
                points=round(per_site * (1 - credit), 2),
                observed=response.observed,
            )
        )
    grading = credits / len(graded) if graded else 0.0

    # ------------------------------------------------------------------ localisation
    expected_loc = case.expected.localization
    localization = 1.0 if committed_localization == expected_loc else 0.0
    if not localization:
        misses.append(
            Miss(
                kind="localization",
                title=(
                    f"Localisation: you chose "
                    f"{LOCALIZATION_WORDS.get(committed_localization, committed_localization)}; "
                    f"correct: {LOCALIZATION_WORDS.get(expected_loc, expected_loc)}"
                ),
                explanation=case.teaching,
                points=WEIGHT_LOCALIZATION,
            )
        )

    # ------------------------------------------------------------------ flags
    expected = {f.id: f.strength for f in case.expected.flags}
    committed = {FlagId(k): Strength(v) for k, v in committed_flags.items()}
    possible = FLAG_POINTS * max(1, len(expected))
    per_point = WEIGHT_FLAGS / possible
    earned = 0.0 if expected else FLAG_POINTS
    penalties = 0.0

    def note(flag: FlagId) -> str:
        return case.flag_notes.get(flag) or case.teaching

    for flag, strength in expected.items():
        given = committed.get(flag)
        if given is None:
            misses.append(
                Miss(
                    kind="flag_missed",
                    title=f"Flag {flag.value} ({strength.value}) expected; you did not raise it",
                    explanation=note(flag),
                    points=round(per_point * FLAG_POINTS, 2),
                )
            )
            continue
        earned += FLAG_FOUND_POINTS
        if given is strength:
            earned += FLAG_STRENGTH_POINTS
        else:
            misses.append(
                Miss(
                    kind="flag_strength",
                    title=(
                        f"Flag {flag.value}: you rated it {given.value}; "
                        f"correct strength: {strength.value}"
                    ),
                    explanation=note(flag),
                    points=round(per_point * FLAG_STRENGTH_POINTS, 2),
                )
            )
    for flag, given in committed.items():
        if flag in expected:
            continue
        penalties += FLAG_EXTRA_PENALTY
        misses.append(
            Miss(
                kind="flag_extra",
                title=(
                    f"Flag {flag.value} ({given.value}) raised, but the findings do not call for it"
                ),
                explanation=note(flag),
                points=round(per_point * FLAG_EXTRA_PENALTY, 2),
            )
        )
    flags = max(0.0, earned - penalties) / possible

    # ------------------------------------------------------------------ MFS
    expected_mfs = case.expected.mfs
    mfs: float | None = None
    if expected_mfs is None:
        total = WEIGHT_GRADING * grading + WEIGHT_LOCALIZATION * localization + WEIGHT_FLAGS * flags
    else:
        mfs = mfs_credit(committed_mfs, expected_mfs)
        w_grading, w_loc, w_flags, w_mfs = WEIGHTS_WITH_MFS
        total = w_grading * grading + w_loc * localization + w_flags * flags + w_mfs * mfs
        if mfs < 1.0:
            shown = "none" if committed_mfs is None else committed_mfs
            misses.append(
                Miss(
                    kind="mfs",
                    title=(
                        f"Modified Frankel Score (0 worst, 6 normal): you gave {shown}; "
                        f"correct: {expected_mfs}"
                        + (" (half credit: one point away)" if mfs == 0.5 else "")
                    ),
                    explanation=case.teaching,
                    points=round(w_mfs * (1 - mfs), 2),
                )
            )
    return Score(
        grading=grading,
        localization=localization,
        flags=flags,
        total=round(total, 1),
        graded_sites=len(graded),
        correct_sites=correct_sites,
        committed_localization=committed_localization,
        expected_localization=expected_loc,
        committed_flags={k.value: v.value for k, v in committed.items()},
        expected_flags={k.value: v.value for k, v in expected.items()},
        misses=misses,
        mfs=mfs,
        committed_mfs=committed_mfs,
        expected_mfs=expected_mfs,
    )


__all__ = [
    "LOCALIZATION_WORDS",
    "WEIGHTS_WITH_MFS",
    "WEIGHT_FLAGS",
    "WEIGHT_GRADING",
    "WEIGHT_LOCALIZATION",
    "Miss",
    "Score",
    "grade_credit",
    "mfs_credit",
    "score",
]
