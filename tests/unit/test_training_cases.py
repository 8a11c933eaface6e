"""The training case bank (``protocols/cases/*.toml``) and its agreement with the rules engine.

The drift test runs every case's correct exam through ``evaluate`` and demands exactly the
localisation and the (flag, strength) set the case teaches, so the case bank and the rules can
never drift apart: change a rule and the cases it affects fail here, by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from neuroexam.core.protocol import shipped
from neuroexam.core.rules import breed_index, evaluate
from neuroexam.core.signs import sign_ids
from neuroexam.core.vocab import FlagId, Side, Species, TestId
from neuroexam.training.cases import LEVELS_ORDER, Case, CtrSide, correct_exam, load_cases

CASES: list[Case] = load_cases()
GRADE_WORDS = re.compile(r"\b(absent|reduced|present|exaggerated)\b", re.IGNORECASE)


def _by_id() -> list[object]:
    return [pytest.param(case, id=case.id) for case in CASES]


def _ctr_texts(where: str, ctr: dict[Side, CtrSide]) -> Iterator[tuple[str, str]]:
    for side, spec in ctr.items():
        yield f"{where}.{side}.below", spec.below
        yield f"{where}.{side}.at_or_above", spec.at_or_above
        for level, response in spec.levels.items():
            yield f"{where}.{side}.levels.{level}", response.observed


def _observed_texts(case: Case) -> Iterator[tuple[str, str]]:
    """Every text the student sees at a test site, with where it comes from."""
    yield "normal_scratch", case.normal_scratch
    yield from _ctr_texts("ctr", case.ctr)
    for region, sides in case.scratch.items():
        for side, response in sides.items():
            yield f"scratch.{region}.{side}", response.observed
    if case.previous is not None:
        yield from _ctr_texts("previous.ctr", case.previous.ctr)
    limbs = [("limbs", case.limbs)]
    if case.previous is not None:
        limbs.append(("previous.limbs", case.previous.limbs))
    for where, entries in limbs:
        for entry in entries:
            for side in (Side.LEFT, Side.RIGHT):
                response = entry.response(side)
                yield f"{where}.{entry.test.value}.{entry.site}.{side}", response.observed


# ------------------------------------------------------------------ the bank as a whole


def test_bank_loads_with_enough_cases() -> None:
    assert len(CASES) >= 20, f"only {len(CASES)} training cases"


def test_case_ids_unique() -> None:
    ids = [case.id for case in CASES]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate case ids: {duplicates}"


def test_every_level_present() -> None:
    missing = set(LEVELS_ORDER) - {case.level for case in CASES}
    assert not missing, f"no case at level(s): {sorted(missing)}"


def test_every_flag_taught_somewhere() -> None:
    taught = {flag.id for case in CASES for flag in case.expected.flags}
    missing = sorted(f.value for f in set(FlagId) - taught)
    assert not missing, f"no case expects flag(s): {missing}"


def test_bank_has_a_cat_and_a_serial_case() -> None:
    assert any(case.species is Species.CAT for case in CASES), "no cat case"
    assert any(case.previous is not None for case in CASES), "no serial (previous exam) case"


def test_bank_has_spinal_cases_for_every_new_region_and_the_mfs() -> None:
    """Issue 11: at least 8 cases need the limb reflexes, among them L4-S3, spinal shock,
    C6-T2, PMM with pelvic reflexes lost and an MFS 0 case."""
    spinal = [case for case in CASES if case.part == "spinal"]
    assert len(CASES) >= 32 and len(spinal) >= 8
    localizations = {case.expected.localization for case in spinal}
    assert {"L4-S3", "T3-L3", "C6-T2", "C1-C5"} <= localizations
    assert any(case.expected.mfs == 0 for case in spinal)
    assert any(
        case.previous is not None and case.previous.limbs and case.expected.mfs == 0
        for case in spinal
    ), "no PMM case with pelvic reflexes lost"
    assert any("spinal shock" in case.teaching for case in spinal)


@pytest.mark.parametrize("case", [c for c in CASES if c.part == "spinal"], ids=lambda c: c.id)
def test_spinal_case_walks_every_spinal_step(case: Case) -> None:
    """The correct exam of a spinal case grades every site of the spinal part, and every
    grade is one the test offers."""
    from neuroexam.core.session import all_steps
    from neuroexam.core.vocab import grades_for

    exam, _ = correct_exam(case)
    protocol = shipped().exam(case.species, case.part)
    steps = {s.key for s in all_steps(protocol) if s.test not in (TestId.CUTANEOUS_TRUNCI,)}
    graded = {f.key for f in exam.findings if f.test is not TestId.CUTANEOUS_TRUNCI}
    assert steps == graded
    assert all(f.grade in grades_for(f.test) for f in exam.findings)


# ------------------------------------------------------------------ per case


@pytest.mark.parametrize("case", _by_id())
def test_case_matches_engine(case: Case) -> None:
    """THE drift test: the engine, fed the correct grades, reaches the taught answer."""
    exam, history = correct_exam(case)
    result = evaluate(exam, history)
    localization = result.localization or "none"
    assert localization == case.expected.localization, (
        f"case {case.id}: engine localises to {localization!r}, "
        f"the case teaches {case.expected.localization!r}"
    )
    got = sorted((f.id.value, f.strength.value) for f in result.flags)
    want = sorted((f.id.value, f.strength.value) for f in case.expected.flags)
    assert got == want, (
        f"case {case.id}: engine flags {got}, the case teaches {want} "
        f"(reasons: {[(f.id.value, f.reasons) for f in result.flags]})"
    )
    if case.expected.mfs is not None:
        mfs = result.severity.score if result.severity else "none"
        assert mfs == case.expected.mfs, (
            f"case {case.id}: engine MFS {mfs!r}, the case teaches {case.expected.mfs!r}"
        )


@pytest.mark.parametrize("case", _by_id())
def test_case_signs_exist(case: Case) -> None:
    known = shipped().sign_ids()
    used = sign_ids([*case.signs, *(case.previous.signs if case.previous else [])])
    unknown = sorted(used - known)
    assert not unknown, f"case {case.id}: unknown sign id(s) {unknown} (see signs.toml)"


@pytest.mark.parametrize("case", _by_id())
def test_case_breed_resolves(case: Case) -> None:
    match = breed_index(shipped()).lookup(case.breed, case.species)
    assert match.known, f"case {case.id}: breed {case.breed!r} ({case.species}) not in breeds.toml"


@pytest.mark.parametrize("case", _by_id())
def test_observed_texts_do_not_give_the_grade(case: Case) -> None:
    leaks = [
        f"{where}: {text!r}" for where, text in _observed_texts(case) if GRADE_WORDS.search(text)
    ]
    assert not leaks, f"case {case.id}: observed text names the grade: {leaks}"


@pytest.mark.parametrize("case", _by_id())
def test_every_expected_flag_has_a_note(case: Case) -> None:
    missing = [f.id.value for f in case.expected.flags if f.id not in case.flag_notes]
    assert not missing, f"case {case.id}: no flag_notes entry for {missing}"


def test_protocols_check_validates_the_case_bank(tmp_path, capsys) -> None:
    """A broken case file fails `neuroexam protocols check` naming the file and the field."""
    import shutil

    from neuroexam.cli import main
    from neuroexam.core.protocol import default_root

    root = tmp_path / "protocols"
    shutil.copytree(default_root(), root)
    case = sorted((root / "cases").glob("*.toml"))[0]
    case.write_text(case.read_text().replace('level = "', 'level = "expert-', 1), encoding="utf-8")
    assert main(["protocols", "check", str(root)]) == 2
    err = capsys.readouterr().err
    assert case.name in err and "level" in err

    shutil.copy(default_root() / "cases" / case.name, case)
    text = case.read_text(encoding="utf-8")
    case.write_text(text.replace("signs = [", 'signs = ["not_a_sign", ', 1), encoding="utf-8")
    assert main(["protocols", "check", str(root)]) == 2
    assert "unknown sign id 'not_a_sign'" in capsys.readouterr().err

    shutil.copy(default_root() / "cases" / case.name, case)
    assert main(["protocols", "check", str(root)]) == 0
    assert "training cases" in capsys.readouterr().out
