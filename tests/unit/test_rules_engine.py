"""The generic flag engine (rules.py) on rule data it does not ship with: every feature of a
flag definition in ``rules.toml`` works as documented, not only the ones the shipped rules use."""

from __future__ import annotations

from neuroexam.core.models import Exam, Finding, FlagId, Patient
from neuroexam.core.protocol import FollowUpSpec, Protocols, TitleSpec
from neuroexam.core.rules import evaluate


def with_flag(protocols: Protocols, flag_id: FlagId, **changes: object) -> Protocols:
    """A copy of the protocols whose flag ``flag_id`` has other settings."""
    rules = protocols.rules
    flags = [f.model_copy(update=changes) if f.id is flag_id else f for f in rules.flags]
    return protocols.model_copy(update={"rules": rules.model_copy(update={"flags": flags})})


def cavalier(*signs: str, scratch_side: str | None = None) -> Exam:
    findings = []
    if scratch_side:
        exaggerated = Finding(test="scratch", site="neck", side=scratch_side, grade="exaggerated")
        findings.append(exaggerated)
    return Exam(
        exam_id="E1",
        patient=Patient(species="dog", breed="CKCS"),
        signs=list(signs),
        findings=findings,
    )


def sm_flag(exam: Exam, protocols: Protocols):  # type: ignore[no-untyped-def]
    flags = evaluate(exam, protocols=protocols).flags
    return next((f for f in flags if f.id.value == "syringomyelia"), None)


def test_unless_any_keeps_a_flag_down(protocols: Protocols) -> None:
    custom = with_flag(protocols, FlagId.SYRINGOMYELIA, unless_any=["ear_discharge"])
    assert sm_flag(cavalier("neck_pain"), custom) is not None
    assert sm_flag(cavalier("neck_pain", "ear_discharge"), custom) is None


def test_follow_up_region_fills_the_side(protocols: Protocols) -> None:
    follow = [FollowUpSpec(test="mri", region="{side} side of the neck")]
    custom = with_flag(protocols, FlagId.SYRINGOMYELIA, follow_up=follow)
    flag = sm_flag(cavalier("neck_pain", scratch_side="left"), custom)
    assert flag is not None and flag.follow_up[0].region == "left side of the neck"
    unsided = sm_flag(cavalier("neck_pain"), custom)
    assert unsided is not None and unsided.follow_up[0].region == "side of the neck"


def test_titles_by_observation(protocols: Protocols) -> None:
    titles = [TitleSpec(when="neck_pain", title="Neck pain first")]
    custom = with_flag(protocols, FlagId.SYRINGOMYELIA, titles=titles)
    assert sm_flag(cavalier("neck_pain"), custom).title == "Neck pain first"  # type: ignore[union-attr]
    other = sm_flag(cavalier("touch_aversion"), custom)
    assert other is not None and other.title == protocols.rules.flag(FlagId.SYRINGOMYELIA).title


def test_follow_up_when_and_unless(protocols: Protocols) -> None:
    follow = [
        FollowUpSpec(test="mri", region="always"),
        FollowUpSpec(test="ct", region="with neck pain", when="neck_pain"),
        FollowUpSpec(test="emg", region="without scoliosis", unless="scoliosis"),
    ]
    custom = with_flag(protocols, FlagId.SYRINGOMYELIA, follow_up=follow)
    regions = [f.region for f in sm_flag(cavalier("neck_pain"), custom).follow_up]  # type: ignore[union-attr]
    assert regions == ["always", "with neck pain", "without scoliosis"]
    regions = [f.region for f in sm_flag(cavalier("scoliosis"), custom).follow_up]  # type: ignore[union-attr]
    assert regions == ["always"]
