"""Score: the student's marks, every miss explained, then the engine's real summary and the
case's teaching text (the summary is revealed only here, after the commit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Footer, Header, Static

from neuroexam.core.report import follow_up_text
from neuroexam.core.rules import evaluate
from neuroexam.core.text import safe_text
from neuroexam.training.scoring import (
    LOCALIZATION_WORDS,
    WEIGHT_FLAGS,
    WEIGHT_GRADING,
    WEIGHT_LOCALIZATION,
    WEIGHTS_WITH_MFS,
    Miss,
    Score,
)
from neuroexam.tui.screens.summary import (
    bullet,
    cutoff_line,
    flag_heading,
)
from neuroexam.tui.typed import NeuroScreen
from neuroexam.tui.widgets.spine_map import SpineMap

if TYPE_CHECKING:
    from neuroexam.core.models import Assessment, Flag
    from neuroexam.training.cases import Case

MISS_MARK = {
    "grade": "✗ grade",
    "localization": "✗ localisation",
    "flag_missed": "✗ flag missed",
    "flag_strength": "✗ flag strength",
    "flag_extra": "✗ extra flag",
}


def flags_text(flags: dict[str, str]) -> str:
    return ", ".join(f"{k} ({v})" for k, v in flags.items()) or "no flag"


def score_lines(result: Score) -> list[str]:
    """The marks in words: total, the three parts, the answer against the expected one."""
    right = "right" if result.localization else "wrong"
    w_grading, w_loc, w_flags = (
        WEIGHTS_WITH_MFS[:3]
        if result.mfs is not None
        else (WEIGHT_GRADING, WEIGHT_LOCALIZATION, WEIGHT_FLAGS)
    )
    grading = round(result.grading * w_grading, 1)
    localization = round(result.localization * w_loc, 1)
    flags = round(result.flags * w_flags, 1)
    return [
        f"Score {result.total:g}/100",
        f"Grading {grading:g}/{w_grading:g} ({result.correct_sites} of "
        f"{result.graded_sites} sites right) · localisation {localization:g}/"
        f"{w_loc:g} ({right}) · flags {flags:g}/{w_flags:g}",
        f"You: {result.committed_localization}; {flags_text(result.committed_flags)}",
        f"Expected: {result.expected_localization}; {flags_text(result.expected_flags)}",
        *mfs_lines(result),
    ]


def mfs_lines(result: Score) -> list[str]:
    """The MFS part (cases that score it): the marks, the answer and the expected score."""
    if result.mfs is None:
        return []
    weight = WEIGHTS_WITH_MFS[3]
    return [
        f"MFS (0 worst, 6 normal) {round(result.mfs * weight, 1):g}/{weight:g}: "
        f"you {result.committed_mfs}, expected {result.expected_mfs}"
    ]


class ScoreScreen(NeuroScreen[None]):
    """Scores first, then why; the engine's assessment is the same one the summary shows."""

    DEFAULT_CSS = """
    ScoreScreen #score { padding: 0 1; }
    ScoreScreen #score-total { text-style: bold; }
    ScoreScreen .section { margin-top: 1; text-style: bold; }
    ScoreScreen .miss { height: auto; margin-top: 1; }
    ScoreScreen .miss-head { text-style: bold; }
    ScoreScreen .detail { padding-left: 2; }
    ScoreScreen .flag { height: auto; margin-top: 1; }
    ScoreScreen .flag-head { text-style: bold; }
    ScoreScreen .bullet { height: auto; }
    ScoreScreen .bullet-mark { width: 4; padding-left: 2; }
    ScoreScreen .bullet-text { width: 1fr; }
    ScoreScreen #disclaimer { margin-top: 1; text-style: italic; }
    """

    BINDINGS = [
        Binding("h,escape", "home", "Home", id="score.home"),
        Binding("p", "progress", "Progress", id="score.progress"),
        Binding("t", "training", "Another case", id="score.training"),
    ]

    def __init__(self, case: Case, exam_id: str, result: Score, student: str) -> None:
        super().__init__()
        self.case = case
        self.exam_id = exam_id
        self.result = result
        self.student = student
        self.assessment: Assessment | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="score")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"training score · {safe_text(self.student)}"
        body = self.query_one("#score", VerticalScroll)
        body.mount_all(self._widgets())
        body.focus()

    # ---------------------------------------------------------------- content

    def _widgets(self) -> list[Widget]:
        lines = score_lines(self.result)
        out: list[Widget] = [
            Static(Content(f"{self.case.title} · {self.case.level}"), id="score-case"),
            Static(Content(lines[0]), id="score-total"),
            Static(Content("\n".join(lines[1:])), id="score-parts"),
        ]
        misses = self.result.misses
        if misses:
            out.append(Static(Content(f"What you missed ({len(misses)})"), classes="section"))
            shown: set[str] = set()
            for i, miss in enumerate(misses):
                out.append(self._miss(i, miss, repeat=miss.explanation in shown))
                shown.add(miss.explanation)
        else:
            out.append(
                Static(
                    Content("No misses: every grade, the localisation and the flags are right."),
                    classes="section",
                    id="no-misses",
                )
            )
        out += self._engine()
        out.append(Static(Content("About this case"), classes="section"))
        out.append(Static(Content(self.case.teaching), id="case-teaching"))
        out.append(
            Static(Content(f"References: {'; '.join(self.case.references)}"), id="case-refs")
        )
        disclaimer = self.napp.protocols.rules.disclaimer
        out.append(Static(Content(disclaimer), id="disclaimer"))
        return out

    def _miss(self, index: int, miss: Miss, repeat: bool = False) -> Widget:
        parts: list[Widget] = [
            Static(
                Content(f"{MISS_MARK.get(miss.kind, '✗')}  {miss.title}  (−{miss.points:g})"),
                classes="miss-head",
            )
        ]
        if miss.observed:
            parts.append(Static(Content(f"You observed: {miss.observed}"), classes="detail"))
        if miss.explanation:
            why = "the same reason as above." if repeat else miss.explanation
            parts.append(Static(Content(f"Why: {why}"), classes="detail"))
        return Vertical(*parts, classes=f"miss miss-{miss.kind}", id=f"miss-{index}")

    def _engine(self) -> list[Widget]:
        """The engine's assessment of the student's own findings, as the summary shows it."""
        app = self.napp
        exam = app.records.exam(self.exam_id)
        if exam is None:
            return [Static(Content(f"Exam {self.exam_id} is no longer in the records."))]
        history = app.records.history_of(exam)
        a = evaluate(exam, history, app.protocols)
        self.assessment = a
        out: list[Widget] = [
            Static(Content("What the engine makes of your findings"), classes="section"),
            Static(Content(a.summary), id="engine-summary"),
            Static(Content(cutoff_line(a)), id="engine-cutoffs"),
        ]
        where = a.localization or "none"
        where = f"Localisation: {LOCALIZATION_WORDS.get(where, where)}"
        if a.lesion_window:
            w = a.lesion_window
            where += f" · suspected lesion window {w.cranial}-{w.caudal}"
        out.append(Static(Content(where), id="engine-localisation"))
        spine = SpineMap(id="map")
        spine.show(exam, app.protocols.rules.thresholds.ctr, window=a.lesion_window)
        out.append(spine)
        out += [self._flag(flag) for flag in a.flags]
        return out

    def _flag(self, flag: Flag) -> Widget:
        parts: list[Widget] = flag_heading(flag)
        parts += [bullet(reason) for reason in flag.reasons]
        if flag.follow_up:
            follow = "; ".join(follow_up_text(f) for f in flag.follow_up)
            parts.append(Static(Content(f"Follow-up: {follow}"), classes="detail"))
        return Vertical(*parts, classes="flag", id=f"engine-flag-{flag.id.value}")

    # ---------------------------------------------------------------- keys

    def action_home(self) -> None:
        self.napp.go_home()

    def action_progress(self) -> None:
        self.napp.show_progress(self.student)

    def action_training(self) -> None:
        self.napp.go_home()
        self.napp.show_training()
