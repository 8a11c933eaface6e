"""The exam wizard as a state machine: which step is current, answer, back, jump, finish.

The session owns no storage: every method that changes the record returns what changed, and
the caller (the TUI) saves it before re-rendering. All state except the cursor and the
"continue the series" choices is derived from the exam's findings, so a session rebuilt from a
stored exam resumes exactly where the stored findings leave off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from neuroexam.core.models import Exam, Finding, Grade, Side, TestId
from neuroexam.core.protocol import ExamProtocol, SiteSpec, TestSpec
from neuroexam.core.vocab import grades_for

#: One key per grade; digits 0-4 are aliases for absent…exaggerated and clonus. Not every test
#: offers every grade: use :func:`grade_keys` for the keys of one test.
GRADE_KEYS: dict[str, Grade] = {
    "a": Grade.ABSENT,
    "r": Grade.REDUCED,
    "p": Grade.PRESENT,
    "e": Grade.EXAGGERATED,
    "n": Grade.NOT_TESTED,
    "0": Grade.ABSENT,
    "1": Grade.REDUCED,
    "2": Grade.PRESENT,
    "3": Grade.EXAGGERATED,
    "4": Grade.CLONUS,
}


def grade_keys(test: TestId) -> dict[str, Grade]:
    """The keys that grade ``test`` (FORMAT.md §1): ``4`` (clonus) only for patellar and
    withdrawal, no ``e``/``3`` for postural reactions, only absent/present for nociception."""
    offered = set(grades_for(test))
    return {key: grade for key, grade in GRADE_KEYS.items() if grade in offered}


@dataclass(frozen=True)
class Step:
    """One site on one side of one test."""

    test: TestId
    site: str
    side: Side

    @property
    def key(self) -> tuple[TestId, str, Side]:
        return (self.test, self.site, self.side)


def all_steps(protocol: ExamProtocol) -> list[Step]:
    """Every step of a protocol in exam order (tests in file order)."""
    steps: list[Step] = []
    for test in protocol.tests:
        if test.order == "side_then_site":
            steps += [Step(test.id, s.id, side) for side in test.sides for s in test.sites]
        else:
            steps += [Step(test.id, s.id, side) for s in test.sites for side in test.sides]
    return steps


@dataclass
class ExamSession:
    """Wizard state over one exam; mutate only through the methods."""

    exam: Exam
    protocol: ExamProtocol
    #: Per (test, side): the clinician chose to keep testing past the first response.
    continued: set[tuple[TestId, Side]] = field(default_factory=set)
    cursor: Step | None = None
    #: Per (test, side) of a series that stops at its first response: the site where it is
    #: expected to stop (a re-check: the previous exam's cut-off). The step counter counts
    #: up to there, not every site left (see :meth:`counted_steps`).
    expected_end: dict[tuple[TestId, Side], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._steps = all_steps(self.protocol)
        self._order = {s.key: i for i, s in enumerate(self._steps)}
        self._invalidate()
        if self.cursor is None:
            self.cursor = self.first_unanswered()

    def _invalidate(self) -> None:
        """Recompute derived state after the findings or the continued series changed."""
        self._grades = {f.key: f.grade for f in self.exam.findings}
        self._active: list[Step] | None = None
        self._active_lookup: set[Step] = set()

    # ---------------------------------------------------------------- queries

    def test_spec(self, test: TestId) -> TestSpec:
        return self.protocol.test(test)

    def site_spec(self, step: Step) -> SiteSpec:
        return self.test_spec(step.test).site(step.site)

    def grade(self, step: Step) -> Grade | None:
        return self._grades.get(step.key)

    def finding(self, step: Step) -> Finding | None:
        return next((f for f in self.exam.findings if f.key == step.key), None)

    def skipped(self, step: Step) -> bool:
        """True when the trunci series of that side already ended caudal to this level."""
        self.active_steps()
        return step not in self._active_lookup

    def active_steps(self) -> list[Step]:
        """The steps the clinician still has to consider, in exam order."""
        if self._active is None:
            self._active = [s for s in self._steps if not self._ends_before(s)]
            self._active_lookup = set(self._active)
        return list(self._active)

    def _ends_before(self, step: Step) -> bool:
        spec = self.test_spec(step.test)
        if not spec.stop_at_first_response or (step.test, step.side) in self.continued:
            return False
        if step.key in self._grades:
            return False  # never hide a recorded finding
        # The series runs caudal to cranial: a response at any level caudal to this one ends it.
        here = self._steps.index(step)
        return any(
            other.test is step.test
            and other.side is step.side
            and (grade := self._grades.get(other.key)) is not None
            and grade.responds
            for other in self._steps[:here]
        )

    def first_unanswered(self) -> Step | None:
        return next((s for s in self.active_steps() if self.grade(s) is None), None)

    @property
    def done(self) -> bool:
        return self.first_unanswered() is None

    def progress(self) -> tuple[int, int]:
        """(answered, total) over the counted steps (:meth:`counted_steps`)."""
        counted = self.counted_steps()
        return sum(self.grade(s) is not None for s in counted), len(counted)

    @property
    def estimated(self) -> bool:
        """True when the total counts some series only up to their expected end."""
        return len(self.counted_steps()) < len(self.active_steps())

    def counted_steps(self) -> list[Step]:
        """The active steps the counter counts: a series with an :attr:`expected_end` up to
        that site, or one past its most cranial recorded step (an absent response means the
        next level is due), or the cursor, whichever is most cranial; every other active step.
        """
        active = self.active_steps()
        beyond: set[Step] = set()
        for (test, side), site in self.expected_end.items():
            if (test, side) in self.continued or not self.test_spec(test).stop_at_first_response:
                continue
            series = [s for s in self._steps if (s.test, s.side) == (test, side)]
            ends = [i for i, s in enumerate(series) if s.site == site]
            if not ends:
                continue
            reach = [i + 1 for i, s in enumerate(series) if s.key in self._grades]
            reach += [i for i, s in enumerate(series) if s == self.cursor]
            beyond.update(series[max([ends[0], *reach]) + 1 :])
        return [s for s in active if s not in beyond]

    def series_ended(self, step: Step) -> bool:
        """True when the cursor's side series ended and 'continue' would make sense."""
        spec = self.test_spec(step.test)
        return (
            spec.stop_at_first_response
            and (step.test, step.side) not in self.continued
            and any(
                self.skipped(s) for s in self._steps if (s.test, s.side) == (step.test, step.side)
            )
        )

    def series_in_progress(self, test: TestId) -> set[Side]:
        """Sides of ``test`` still being worked through (some active step unanswered)."""
        return {s.side for s in self.active_steps() if s.test is test and self.grade(s) is None}

    def step_index(self, step: Step) -> int:
        """Position of a step in the full exam order (stable storage order)."""
        return self._order[step.key]

    def tests(self) -> list[TestSpec]:
        return list(self.protocol.tests)

    # ---------------------------------------------------------------- commands

    def answer(self, grade: Grade, now: datetime | None = None) -> Finding:
        """Record ``grade`` at the cursor and move to the next step; returns the finding."""
        step = self._current()
        previous = self.finding(step)
        finding = self._record(
            step, grade, previous.note if previous else "", now or datetime.now(UTC)
        )
        self.cursor = self._next_after(step)
        return finding

    def note(self, text: str, now: datetime | None = None) -> Finding:
        """Attach a note to the current step (a not-yet-graded step is saved as not_tested)."""
        step = self._current()
        previous = self.finding(step)
        if previous is None:
            return self._record(step, Grade.NOT_TESTED, text, now or datetime.now(UTC))
        return self._record(step, previous.grade, text, previous.recorded_at)

    def _current(self) -> Step:
        if self.cursor is None:
            raise ValueError("the exam has no current step")
        return self.cursor

    def _record(self, step: Step, grade: Grade, note: str, recorded_at: datetime | None) -> Finding:
        finding = Finding(
            test=step.test,
            site=step.site,
            side=step.side,
            grade=grade,
            note=note.strip(),
            recorded_at=recorded_at,
        )
        self._put(finding)
        return finding

    def back(self) -> Step | None:
        """Go back one step; stays on the first step. Returns the new cursor."""
        active = self.active_steps()
        if self.cursor is None:
            self.cursor = active[-1] if active else None
            return self.cursor
        if self.cursor in active:
            i = active.index(self.cursor)
            if i > 0:
                self.cursor = active[i - 1]
        return self.cursor

    @property
    def at_first_step(self) -> bool:
        active = self.active_steps()
        return bool(active) and self.cursor == active[0]

    def jump(self, step: Step) -> None:
        if step not in self._steps:
            raise ValueError(f"no such step: {step}")
        self.cursor = step

    def ended_series(self) -> list[tuple[TestId, Side]]:
        """(test, side) series that stopped at their first response and could go on."""
        return [
            (test.id, side)
            for test in self.protocol.tests
            if test.stop_at_first_response
            for side in test.sides
            if self.series_ended(Step(test.id, test.sites[0].id, side))
        ]

    def continue_series(self) -> Step | None:
        """Keep testing past the first response: the cursor's series if it ended, else the
        most recently answered one that ended, else the first that ended."""
        ended = self.ended_series()
        if not ended:
            return self.cursor
        last = self._last_answered()
        candidates = [s for s in (self.cursor, last) if s is not None]
        target = next(((s.test, s.side) for s in candidates if (s.test, s.side) in ended), ended[0])
        self.continued.add(target)
        self._invalidate()
        nxt = next(
            (
                s
                for s in self.active_steps()
                if (s.test, s.side) == target and self.grade(s) is None
            ),
            None,
        )
        if nxt is not None:
            self.cursor = nxt
        return self.cursor

    def clear(self, step: Step) -> Finding | None:
        """Remove the finding at ``step`` (it becomes unrecorded); the removed finding."""
        old = self.finding(step)
        if old is None:
            return None
        self.exam.findings = [f for f in self.exam.findings if f.key != step.key]
        self._invalidate()
        return old

    def beyond_end(self, test: TestId, side: Side) -> list[Step]:
        """Recorded steps of a series that stops at its first response, cranial to that
        response: left behind when a later answer moved the series' end caudally."""
        if not self.test_spec(test).stop_at_first_response or (test, side) in self.continued:
            return []
        series = [s for s in self._steps if s.test is test and s.side is side]
        for i, step in enumerate(series):
            grade = self._grades.get(step.key)
            if grade is not None and grade.responds:
                return [s for s in series[i + 1 :] if s.key in self._grades]
        return []

    def steps_missing_from(self, protocol: ExamProtocol) -> list[Finding]:
        """Recorded findings that ``protocol`` has no step for (e.g. after a species change)."""
        keep = {s.key for s in all_steps(protocol)}
        return [f for f in self.exam.findings if f.key not in keep]

    def use_protocol(self, protocol: ExamProtocol) -> None:
        """Go on with another protocol (the species was corrected); findings it lacks must
        have been cleared first."""
        self.protocol = protocol
        self._steps = all_steps(protocol)
        self._order = {s.key: i for i, s in enumerate(self._steps)}
        self._invalidate()
        if self.cursor is not None and self.cursor.key not in self._order:
            self.cursor = self.first_unanswered()

    # ---------------------------------------------------------------- internals

    def _put(self, finding: Finding) -> None:
        findings = [f for f in self.exam.findings if f.key != finding.key]
        findings.append(finding)
        findings.sort(key=lambda f: self._order.get(f.key, len(self._order)))
        self.exam.findings = findings
        self._invalidate()

    def _next_after(self, step: Step) -> Step | None:
        """The next unanswered active step after ``step``, else the first unanswered one."""
        active = self.active_steps()
        start = self._steps.index(step)
        for candidate in self._steps[start + 1 :]:
            if candidate in active and self.grade(candidate) is None:
                return candidate
        return self.first_unanswered()

    def _last_answered(self) -> Step | None:
        """The most recently recorded finding's step."""
        latest = max(
            self.exam.findings,
            key=lambda f: (f.recorded_at is not None, f.recorded_at or 0, self._order[f.key]),
            default=None,
        )
        return Step(*latest.key) if latest else None

    # ---------------------------------------------------------------- fast paths

    def remaining(self, test: TestId, side: Side | None = None) -> list[Step]:
        """Active steps of ``test`` (of one side, or both) not yet recorded, in exam order."""
        return [
            s
            for s in self.active_steps()
            if s.test is test and (side is None or s.side is side) and self.grade(s) is None
        ]

    def mark(
        self, steps: list[Step], grade: Grade, note: str = "", now: datetime | None = None
    ) -> list[Finding]:
        """Record ``grade`` (and ``note``) at each of ``steps``; the cursor goes to the first
        step still unrecorded. Returns the findings written, in order."""
        when = now or datetime.now(UTC)
        written = [self._record(step, grade, note, when) for step in steps]
        self.cursor = self.first_unanswered()
        return written

    def position(self, step: Step | None = None) -> int | None:
        """1-based position of ``step`` (default: the cursor) among the active steps."""
        step = step if step is not None else self.cursor
        counted = self.counted_steps()
        if step is None or step not in counted:
            return None
        return counted.index(step) + 1

    def stop_continuing(self, test: TestId, side: Side) -> bool:
        """Undo "continue the series" for (``test``, ``side``): it ends at its first response
        again (findings recorded past it stay). False when it was not continued."""
        if (test, side) not in self.continued:
            return False
        self.continued.discard((test, side))
        self._invalidate()
        if self.cursor is not None and self.skipped(self.cursor):
            self.cursor = self.first_unanswered()
        return True
