"""Praxis-style clinical case suite.

Every file in ``tests/data/cases/*.json`` is one clinical case: the exams (or raw CSV text for
bad-input cases) and the result derived *by hand* from DOMAIN.md (version 2) and
docs/CLINICAL_RULES.md, field by field. This module turns each case into a findings CSV
(FORMAT.md §2), runs ``assess_file`` on it and compares the FORMAT.md §4 document with the
expectation.

Case keys: ``id``, ``description``, ``exams`` (list), ``csv`` (raw text or null), ``expected``
(exam_id -> breed, ctr_cutoff, localization, localization_basis_contains, lesion_window, flags
(id, strength, urgency, side, follow_up as ``{test, region}``, optionally title), warnings (the
exact list, in order), severity (the MFS score or null) and serial (null or
``{previous_exam_id, hours, movement}``)), ``expected_errors`` ([{exam_id, row}]),
``expected_skipped`` (voided exam ids, optional), ``exit_status`` (0, 1 or 2) and, for exit-2
cases, ``missing_column``. An exam may carry ``spinal`` findings as ``{"test/site/side": grade}``
and a ``status`` (default ``complete``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CASE_DIR = REPO / "tests" / "data" / "cases"
CASE_FILES = sorted(CASE_DIR.glob("*.json"))
#: The texts a clinician reads for each case (reasons, basis, warnings, summary), reviewed and
#: kept as golden files: ``NEUROEXAM_UPDATE_GOLDEN=1`` rewrites them (review the diff).
TEXT_DIR = CASE_DIR / "texts"

#: FORMAT.md §2 column order (never reorder).
CSV_COLUMNS = [
    "exam_id", "exam_date", "examiner", "mode", "patient_id", "patient_name", "species", "breed",
    "age_years", "sex", "weight_kg", "signs", "test", "site", "side", "grade", "note",
    "recorded_at", "exam_status",
]  # fmt: skip

LEVELS = [f"T{n}" for n in range(1, 14)] + [f"L{n}" for n in range(1, 8)]
REGIONS = {"ear", "neck", "shoulder", "flank", "belly"}
GRADES = {"absent", "reduced", "present", "exaggerated", "not_tested"}
SPINAL_SITES = {
    "patellar": {"pelvic_limb"},
    "withdrawal": {"thoracic_limb", "pelvic_limb"},
    "perineal": {"perineum"},
    "postural": {"thoracic_limb", "pelvic_limb"},
    "nociception": {"thoracic_limb", "pelvic_limb"},
}
LOCALIZATIONS = ("T3-L3", "C6-T2", "C1-C5", "L4-S3", "C1-C5 or C6-T2", "multifocal", None)
FLAG_IDS = [
    "ivdd", "progressive_myelomalacia", "syringomyelia", "nerve_damage", "dermatologic",
    "orthopedic", "seizure",
]  # fmt: skip
STRENGTHS = ["strong", "moderate", "weak"]
URGENCIES = ["emergency", "urgent", "routine"]
FOLLOW_UPS = {
    "mri", "ct", "emg", "radiographs", "skin_cytology", "otoscopy", "neurology_referral",
    "same_day_exam", "repeat_exam",
}  # fmt: skip
CUTOFFS = {*LEVELS, "none", None}


# --------------------------------------------------------------------------- helpers
def load_case(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def case_to_csv(case: dict[str, Any]) -> str:
    """The findings CSV (FORMAT.md §2) for a case: its raw ``csv`` text when given, else one row
    per finding of each exam, exams in the order listed, CTR left, CTR right, scratch left,
    scratch right. Exam-level columns repeat on every row; signs are joined with ``;``."""
    if case.get("csv") is not None:
        return case["csv"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for exam in case["exams"]:
        head = {
            "exam_id": exam["exam_id"],
            "exam_date": exam.get("exam_date"),
            "examiner": exam.get("examiner", "Dr Praxis"),
            "mode": exam.get("mode", "clinical"),
            "patient_id": exam.get("patient_id"),
            "patient_name": exam.get("patient_name", ""),
            "species": exam["species"],
            "breed": exam.get("breed"),
            "age_years": exam.get("age_years"),
            "sex": exam.get("sex"),
            "weight_kg": exam.get("weight_kg"),
            "signs": ";".join(exam.get("signs", [])),
            "note": "",
            "recorded_at": "",
            "exam_status": exam.get("status", "complete"),
        }
        for test, key in (("cutaneous_trunci", "ctr"), ("scratch", "scratch")):
            for side in ("left", "right"):
                for site, grade in (exam.get(key) or {}).get(side, {}).items():
                    row = dict(head, test=test, site=site, side=side, grade=grade)
                    writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
        for where, grade in (exam.get("spinal") or {}).items():
            test, site, side = where.split("/")
            row = dict(head, test=test, site=site, side=side, grade=grade)
            writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()


def _engine():
    """Import the engine lazily so the suite collects before the engine exists."""
    from neuroexam.records.assess import assess_file
    from neuroexam.records.csvio import CsvInputError

    return assess_file, CsvInputError


def _write_csv(case: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / f"{case['id']}.csv"
    path.write_text(case_to_csv(case), encoding="utf-8", newline="")
    return path


def _flag_key(flag: dict[str, Any]) -> tuple:
    return (flag["id"], flag["strength"], flag["urgency"], flag["side"])


def _case_param(path: Path):
    return pytest.param(path, id=path.stem)


# --------------------------------------------------------------------------- case files
@pytest.mark.parametrize("path", [_case_param(p) for p in CASE_FILES])
def test_case_file_is_well_formed(path: Path) -> None:
    """Schema check of the hand-written case (runs without the engine)."""
    case = load_case(path)
    name = case.get("id")
    assert name == path.stem, f"{path.name}: id {name!r} must equal the file name"
    for key in ("description", "exams", "csv", "expected", "expected_errors", "exit_status"):
        assert key in case, f"{name}: missing key {key!r}"
    assert case["exit_status"] in (0, 1, 2), f"{name}: exit_status"
    if case["exit_status"] == 2:
        assert case["csv"] and case.get("missing_column"), (
            f"{name}: exit-2 case needs csv text and missing_column"
        )
        assert case["expected"] == {} and case["expected_errors"] == [], name
        return
    if case["csv"] is None:
        assert case["exams"], f"{name}: needs exams or csv"
        ids = [e["exam_id"] for e in case["exams"]]
        assert len(ids) == len(set(ids)), f"{name}: duplicate exam ids"
        voided = {e["exam_id"] for e in case["exams"] if e.get("status") == "voided"}
        assert set(case.get("expected_skipped", [])) == voided, f"{name}: expected_skipped"
        assert set(case["expected"]) == set(ids) - voided, (
            f"{name}: expected keys must equal the exam ids that are not voided"
        )
        for exam in case["exams"]:
            assert exam["species"] in ("dog", "cat"), name
            for side, findings in (exam.get("ctr") or {}).items():
                assert side in ("left", "right"), name
                assert set(findings) <= set(LEVELS), f"{name}: bad level in {findings}"
                assert set(findings.values()) <= GRADES, f"{name}: bad grade in {findings}"
            for side, findings in (exam.get("scratch") or {}).items():
                assert side in ("left", "right"), name
                assert set(findings) <= REGIONS, f"{name}: bad region in {findings}"
                assert set(findings.values()) <= GRADES, f"{name}: bad grade in {findings}"
            for where, grade in (exam.get("spinal") or {}).items():
                test, site, side = where.split("/")
                assert site in SPINAL_SITES[test] and side in ("left", "right"), f"{name}: {where}"
                assert grade in GRADES | {"clonus"}, f"{name}: bad grade {grade} at {where}"
    else:
        assert case["exams"] == [], f"{name}: raw-csv cases give no exams"
        list(csv.reader(io.StringIO(case["csv"])))  # parses
    assert (case["exit_status"] == 1) == bool(case["expected_errors"]), (
        f"{name}: exit status vs errors"
    )
    for err in case["expected_errors"]:
        assert set(err) == {"exam_id", "row"} and err["row"] >= 2, (
            f"{name}: bad expected error {err}"
        )
    for exam_id, exp in case["expected"].items():
        where = f"{name}/{exam_id}"
        for key in (
            "breed",
            "ctr_cutoff",
            "localization",
            "localization_basis_contains",
            "lesion_window",
            "flags",
            "warnings",
            "severity",
            "serial",
        ):
            assert key in exp, f"{where}: missing {key!r}"
        assert exp["ctr_cutoff"]["left"] in CUTOFFS and exp["ctr_cutoff"]["right"] in CUTOFFS, where
        assert exp["localization"] in LOCALIZATIONS, where
        assert exp["severity"] is None or exp["severity"] in range(7), where
        if exp["localization"] is None:
            assert exp["localization_basis_contains"] == [], where
        win = exp["lesion_window"]
        if win is not None:
            assert win["cranial"] in LEVELS and win["caudal"] in LEVELS, where
            assert all(level in LEVELS for level in win["most_likely"]) and len(
                win["most_likely"]
            ) in (1, 2), where
        flags = exp["flags"]
        for flag in flags:
            assert flag["id"] in FLAG_IDS and flag["strength"] in STRENGTHS, where
            assert flag["urgency"] in URGENCIES, where
            assert flag["side"] in ("left", "right", "bilateral", None), where
            assert flag["follow_up"], where
            for follow in flag["follow_up"]:
                assert set(follow) == {"test", "region"}, where
                assert follow["test"] in FOLLOW_UPS and isinstance(follow["region"], str), where
        # the expectation itself must respect the §5 sort order
        keys = [
            (URGENCIES.index(f["urgency"]), STRENGTHS.index(f["strength"]), FLAG_IDS.index(f["id"]))
            for f in flags
        ]
        assert keys == sorted(keys), f"{where}: expected flags are not in §5 order"


# --------------------------------------------------------------------------- engine
def _status(cutoff: str | None) -> str:
    """CLINICAL_RULES §1: a side's status from its cut-off."""
    if cutoff is None:
        return "not_tested"
    if cutoff == "none":
        return "absent"
    if cutoff in ("L5", "L6", "L7"):
        return "normal"
    return "borderline" if cutoff == "L4" else "abnormal"


def _check_exam(name: str, exam_id: str, got: dict[str, Any], exp: dict[str, Any]) -> None:
    where = f"[{name} / {exam_id}]"
    assert got.get("breed") == exp["breed"], (
        f"{where} breed: got {got.get('breed')!r}, expected {exp['breed']!r}"
    )
    assert got.get("ctr_cutoff") == exp["ctr_cutoff"], (
        f"{where} ctr_cutoff: got {got.get('ctr_cutoff')!r}, expected {exp['ctr_cutoff']!r}"
    )
    statuses = {side: _status(cut) for side, cut in exp["ctr_cutoff"].items()}
    assert got.get("ctr_status") == statuses, (
        f"{where} ctr_status: got {got.get('ctr_status')!r}, expected {statuses!r}"
    )
    assert got.get("localization") == exp["localization"], (
        f"{where} localization: got {got.get('localization')!r}, expected {exp['localization']!r}"
    )
    got_window = got.get("lesion_window")
    if got_window is not None:
        got_window = {**got_window, "most_likely": list(got_window.get("most_likely", []))}
    assert got_window == exp["lesion_window"], (
        f"{where} lesion_window: got {got_window!r}, expected {exp['lesion_window']!r}"
    )
    got_flags = got.get("flags", [])
    got_keys = [_flag_key(f) for f in got_flags]
    exp_keys = [_flag_key(f) for f in exp["flags"]]
    assert got_keys == exp_keys, (
        f"{where} flags (id, strength, urgency, side) in order:\n"
        f"  got      {got_keys}\n  expected {exp_keys}"
    )
    for flag, exp_flag in zip(got_flags, exp["flags"], strict=True):
        follow = [{"test": f["test"], "region": f["region"]} for f in flag.get("follow_up", [])]
        assert follow == exp_flag["follow_up"], (
            f"{where} flag {flag['id']} follow_up (test and region):\n"
            f"  got      {follow}\n  expected {exp_flag['follow_up']}"
        )
        if "title" in exp_flag:
            assert flag["title"] == exp_flag["title"], (
                f"{where} flag {flag['id']} title: got {flag['title']!r}"
            )
        assert flag.get("reasons") and all(isinstance(r, str) and r for r in flag["reasons"]), (
            f"{where} flag {flag['id']}: reasons must be a non-empty list of texts"
        )
        assert flag.get("references") and all(
            isinstance(r, str) and r for r in flag["references"]
        ), f"{where} flag {flag['id']}: references must be a non-empty list of texts"
    assert got.get("warnings") == exp["warnings"], (
        f"{where} warnings (exact, in order):\n  got      {got.get('warnings')}\n"
        f"  expected {exp['warnings']}"
    )
    severity = got.get("severity")
    score = severity["score"] if severity else None
    assert score == exp["severity"], (
        f"{where} severity (MFS): got {severity}, expected {exp['severity']}"
    )
    if severity:
        scale = (severity["scale"], severity["worst"], severity["best"])
        assert scale == ("modified_frankel", 0, 6), where
    assert got.get("serial") == exp["serial"], (
        f"{where} serial: got {got.get('serial')}, expected {exp['serial']}"
    )
    basis = got.get("localization_basis")
    assert isinstance(basis, list) and bool(basis) == (exp["localization"] is not None), (
        f"{where} localization_basis must be non-empty exactly when there is a localisation: "
        f"{basis}"
    )
    for needle in exp["localization_basis_contains"]:
        assert any(needle.lower() in b.lower() for b in basis), (
            f"{where} localization_basis: none contains {needle!r}; got {basis}"
        )


@pytest.mark.parametrize("path", [_case_param(p) for p in CASE_FILES])
def test_case(path: Path, tmp_path: Path) -> None:
    case = load_case(path)
    name = case["id"]
    assess_file, csv_input_error = _engine()
    csv_path = _write_csv(case, tmp_path)

    if case["exit_status"] == 2:
        with pytest.raises(csv_input_error) as excinfo:
            assess_file(csv_path)
        assert case["missing_column"] in str(excinfo.value), (
            f"[{name}] CsvInputError message should name column "
            f"{case['missing_column']!r}: {excinfo.value}"
        )
        return

    report = assess_file(csv_path)
    doc = json.loads(json.dumps(report.to_json_dict()))
    exams = {e["exam_id"]: e for e in doc["exams"]}
    assert sorted(exams) == sorted(case["expected"]), (
        f"[{name}] assessed exams: got {sorted(exams)}, expected {sorted(case['expected'])}"
    )
    input_patients = {e["exam_id"]: e.get("patient_id") for e in case["exams"]}
    for exam_id, exp in case["expected"].items():
        if exam_id in input_patients:
            assert exams[exam_id].get("patient_id") == input_patients[exam_id], (
                f"[{name} / {exam_id}] patient_id: got {exams[exam_id].get('patient_id')!r}"
            )
        _check_exam(name, exam_id, exams[exam_id], exp)

    assert sorted(s["exam_id"] for s in doc["skipped"]) == sorted(
        case.get("expected_skipped", [])
    ), f"[{name}] skipped: got {doc['skipped']}"
    _check_texts(name, doc)
    got_errors = sorted((e["exam_id"], e["row"]) for e in doc["errors"])
    exp_errors = sorted((e["exam_id"], e["row"]) for e in case["expected_errors"])
    assert got_errors == exp_errors, (
        f"[{name}] errors (exam_id, row): got {got_errors}, expected {exp_errors}"
    )
    for err in doc["errors"]:
        assert err.get("message"), f"[{name}] error {err} has no message"
    assert report.exit_status == case["exit_status"], (
        f"[{name}] exit status: got {report.exit_status}, expected {case['exit_status']}"
    )


def _texts(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        e["exam_id"]: {
            "localization_basis": e["localization_basis"],
            "flags": [
                {k: f[k] for k in ("id", "title", "reasons", "breed_context", "advice")}
                for f in e["flags"]
            ],
            "warnings": e["warnings"],
            "summary": e["summary"],
        }
        for e in sorted(doc["exams"], key=lambda e: e["exam_id"])
    }


def _check_texts(name: str, doc: dict[str, Any]) -> None:
    """Every text of the case equals its reviewed golden file."""
    path = TEXT_DIR / f"{name}.json"
    texts = _texts(doc)
    if os.environ.get("NEUROEXAM_UPDATE_GOLDEN"):
        TEXT_DIR.mkdir(exist_ok=True)
        path.write_text(json.dumps(texts, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    golden = json.loads(path.read_text(encoding="utf-8"))
    for exam_id, want in golden.items():
        for key, value in want.items():
            assert texts[exam_id][key] == value, (
                f"[{name} / {exam_id}] {key} differs from {path.name}:\n"
                f"  got      {texts[exam_id][key]}\n  expected {value}"
            )
    assert texts.keys() == golden.keys(), f"[{name}] exams differ from {path.name}"


CLI_CASE = CASE_DIR / "055_serial_pmm_reverse_order.json"


def test_cli_assess_json_matches_api(tmp_path: Path) -> None:
    """`python -m neuroexam assess FILE --json` prints exactly assess_file's document."""
    assess_file, _ = _engine()
    case = load_case(CLI_CASE)
    assert len(case["exams"]) > 1
    csv_path = _write_csv(case, tmp_path)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "neuroexam", "assess", str(csv_path), "--json"],
        capture_output=True, text=True, encoding="utf-8", cwd=REPO, env=env, timeout=120,
    )  # fmt: skip
    report = assess_file(csv_path)
    assert proc.returncode == report.exit_status == case["exit_status"], (
        f"exit code {proc.returncode}, API {report.exit_status}, "
        f"expected {case['exit_status']}; stderr: {proc.stderr}"
    )
    assert json.loads(proc.stdout) == json.loads(json.dumps(report.to_json_dict()))
