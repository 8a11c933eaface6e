"""Protocol files: shipped ones load and hold the required content; broken copies fail clearly.

Every broken copy must raise ProtocolError naming the file and the field (protocol.py module doc:
``path: field.path: what was expected``), and ``neuroexam protocols check DIR`` must print that
message to stderr and exit 2.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from neuroexam.cli import main
from neuroexam.core import levels, models
from neuroexam.core.models import SCRATCH_REGIONS, FlagId, Species
from neuroexam.core.protocol import ProtocolError, Protocols, default_root, load_protocols

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "protocols"

#: DOMAIN.md §2 (clinical reference), CM/SM predisposed breeds.
DOMAIN_CM_SM = [
    "Cavalier King Charles Spaniel",
    "King Charles Spaniel",
    "Griffon Bruxellois",
    "Chihuahua",
    "Pomeranian",
    "Yorkshire Terrier",
    "Maltese",
    "Affenpinscher",
    "Havanese",
    "Papillon",
    "Pug",
    "French Bulldog",
]
#: DOMAIN.md §2, chondrodystrophic (Hansen type I) breeds.
DOMAIN_CHONDRODYSTROPHIC = [
    "Dachshund",
    "French Bulldog",
    "Pekingese",
    "Beagle",
    "Shih Tzu",
    "Lhasa Apso",
    "Pembroke Welsh Corgi",
    "Cardigan Welsh Corgi",
    "Basset Hound",
    "American Cocker Spaniel",
    "English Cocker Spaniel",
    "Jack Russell Terrier",
    "Bichon Frisé",
    "Toy Poodle",
    "Miniature Poodle",
]
#: DOMAIN.md §2, Hansen type II examples.
DOMAIN_HANSEN_2 = ["German Shepherd Dog", "Labrador Retriever", "Dobermann"]


# ------------------------------------------------------------------ helpers


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped protocols folder."""
    target = tmp_path / "protocols"
    shutil.copytree(SHIPPED, target)
    return target


def edit(path: Path, change: Callable[[str], str]) -> None:
    before = path.read_text(encoding="utf-8")
    after = change(before)
    assert after != before, "the corruption did not change the file"
    path.write_text(after, encoding="utf-8")


def replace_once(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        return text.replace(old, new)

    return change


def append(extra: str) -> Callable[[str], str]:
    return lambda text: text + "\n" + extra + "\n"


def n_breeds(root: Path) -> int:
    return (root / "breeds.toml").read_text(encoding="utf-8").count("\n[[breeds]]")


def load_error(root: Path) -> str:
    with pytest.raises(ProtocolError) as info:
        load_protocols(root)
    return str(info.value)


# ------------------------------------------------------------------ shipped protocols


def test_shipped_protocols_load(protocols: Protocols) -> None:
    assert set(protocols.exams) == {Species.DOG, Species.CAT}
    assert {f.id for f in protocols.rules.flags} == set(FlagId)
    assert default_root().resolve() == SHIPPED.resolve()
    assert load_protocols(SHIPPED).rules == protocols.rules


def test_copy_of_shipped_protocols_loads(copy: Path) -> None:
    loaded = load_protocols(copy)
    assert loaded.root == copy


def test_cli_check_shipped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["protocols", "check"]) == 0
    out, err = capsys.readouterr()
    assert "OK" in out
    assert err == ""
    assert main(["protocols", "check", str(SHIPPED)]) == 0
    out, _ = capsys.readouterr()
    assert "OK" in out and str(SHIPPED) in out


def test_cli_check_copy(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["protocols", "check", str(copy)]) == 0
    assert "OK" in capsys.readouterr().out


# ------------------------------------------------------------------ broken copies

#: (name, file inside protocols/, change, field-path regex, other fragments the message names)
BREAKAGES: list[tuple[str, str, Callable[[str], str], str, list[str]]] = [
    (
        "breed_group_without_source",
        "breeds.toml",
        append('[[breeds]]\nname = "Test Hound"\nspecies = "dog"\ngroups = ["cm_sm"]'),
        r"breeds\.{N}\b",
        ["source"],
    ),
    (
        "unknown_risk_group",
        "breeds.toml",
        append(
            '[[breeds]]\nname = "Test Hound"\nspecies = "dog"\ngroups = ["giant_breed"]\n'
            'source = "made up"'
        ),
        r"breeds\.{N}\.groups\.0",
        ["cm_sm"],
    ),
    (
        "breed_unknown_species",
        "breeds.toml",
        append('[[breeds]]\nname = "Test Hound"\nspecies = "horse"'),
        r"breeds\.{N}\.species",
        ["dog", "cat"],
    ),
    (
        "breed_extra_key",
        "breeds.toml",
        replace_once('name = "Beagle"\n', 'name = "Beagle"\ncolour = "tricolour"\n'),
        r"breeds\.\d+\.colour",
        [],
    ),
    (
        "toml_syntax_error",
        "rules.toml",
        append("this line = = is broken"),
        r"line \d+",
        ["TOML"],
    ),
    (
        "toml_syntax_error_in_exam",
        "exam/cat.toml",
        replace_once('species = "cat"', 'species = "cat'),
        r"line \d+",
        [],
    ),
    (
        "flag_names_unknown_observation",
        "rules.toml",
        replace_once('trigger_any = ["sm_indicator"]', 'trigger_any = ["sm_indicatr"]'),
        r"flags\.2\b",
        ["sm_indicatr", "syringomyelia", "unknown observation"],
    ),
    (
        "composite_names_unknown_observation",
        "rules.toml",
        replace_once(
            'any = ["forelimb_lameness", "horner_syndrome"]', 'any = ["forelimb_lamness"]'
        ),
        r"composites\.forelimb_signs",
        ["forelimb_lamness"],
    ),
    (
        "flag_without_id",
        "rules.toml",
        replace_once('id = "seizure"\n', ""),
        r"flags\.6\.id",
        ["required"],
    ),
    (
        "flag_with_unknown_id",
        "rules.toml",
        replace_once('id = "seizure"\n', 'id = "epilepsy"\n'),
        r"flags\.6\.id",
        ["seizure"],
    ),
    (
        "exam_site_l8",
        "exam/dog.toml",
        replace_once('id = "L7"\n', 'id = "L8"\n'),
        r"tests\.0\b",
        ["L8"],
    ),
    (
        "exam_scratch_region_unknown",
        "exam/cat.toml",
        replace_once('id = "belly"\n', 'id = "tail"\n'),
        r"tests\.1\b",
        ["tail"],
    ),
    (
        "exam_wrong_species",
        "exam/cat.toml",
        replace_once('species = "cat"', 'species = "dog"'),
        r"species",
        ["cat"],
    ),
    (
        "threshold_not_a_level",
        "rules.toml",
        replace_once('borderline_cutoffs = ["L4"]', 'borderline_cutoffs = ["L 4"]'),
        r"thresholds\.ctr",
        ["L 4"],
    ),
    (
        "threshold_out_of_range",
        "rules.toml",
        replace_once("window_cranial_offset = 4", "window_cranial_offset = -1"),
        r"thresholds\.ctr\.window_cranial_offset",
        [],
    ),
    (
        "duplicated_alias_across_breeds",
        "breeds.toml",
        append('[[breeds]]\nname = "Test Hound"\nspecies = "dog"\naliases = ["doxie"]'),
        r"breeds\.\d+",
        ["doxie", "Dachshund", "Test Hound"],
    ),
]


@pytest.mark.parametrize(
    ("file", "change", "where", "fragments"),
    [b[1:] for b in BREAKAGES],
    ids=[b[0] for b in BREAKAGES],
)
def test_broken_copy_names_file_and_field(
    copy: Path,
    capsys: pytest.CaptureFixture[str],
    file: str,
    change: Callable[[str], str],
    where: str,
    fragments: list[str],
) -> None:
    where = where.replace("{N}", str(n_breeds(copy)))
    path = copy / file
    edit(path, change)
    message = load_error(copy)
    assert str(path) in message, message
    assert re.search(where, message), f"no field path /{where}/ in: {message}"
    for fragment in fragments:
        assert fragment.lower() in message.lower(), f"{fragment!r} not in: {message}"
    assert "Traceback" not in message

    assert main(["protocols", "check", str(copy)]) == 2
    out, err = capsys.readouterr()
    assert message in err
    assert "OK" not in out


def test_missing_flag_is_named(copy: Path) -> None:
    def drop_seizure(text: str) -> str:
        start = text.index('[[flags]]\nid = "seizure"')
        return text[:start]

    edit(copy / "rules.toml", drop_seizure)
    message = load_error(copy)
    assert str(copy / "rules.toml") in message
    assert "missing flags: seizure" in message


def test_missing_file_is_named(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (copy / "signs.toml").unlink()
    message = load_error(copy)
    assert str(copy / "signs.toml") in message
    assert "not found" in message
    assert main(["protocols", "check", str(copy)]) == 2
    assert "signs.toml" in capsys.readouterr().err


def test_not_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    assert str(missing) in load_error(missing)
    assert main(["protocols", "check", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "Traceback" not in err


def test_same_name_in_two_species_is_allowed(copy: Path) -> None:
    edit(copy / "breeds.toml", append('[[breeds]]\nname = "Beagle"\nspecies = "cat"'))
    loaded = load_protocols(copy)
    assert sum(b.name == "Beagle" for b in loaded.breeds.breeds) == 2


def test_every_problem_reported_on_its_own_line(copy: Path) -> None:
    edit(
        copy / "rules.toml",
        replace_once('trigger_any = ["sm_indicator"]', 'trigger_any = ["nope_one"]'),
    )
    edit(
        copy / "rules.toml", replace_once('trigger_any = ["skipping_gait"]', 'trigger_any = ["x2"]')
    )
    lines = load_error(copy).splitlines()
    assert len(lines) == 2
    assert all(line.startswith(str(copy / "rules.toml")) for line in lines)


# ------------------------------------------------------------------ content rules


def _format_sign_ids() -> set[str]:
    text = (REPO / "docs" / "FORMAT.md").read_text(encoding="utf-8")
    start = text.index("- `signs`")
    end = text.index("Unknown ids", start)
    return set(re.findall(r"`([a-z_]+)`", text[start:end])) - {"signs"}


def test_format_sign_ids_match_signs_file(protocols: Protocols) -> None:
    documented = _format_sign_ids()
    assert len(documented) >= 20  # the parse found the list
    shipped_ids = protocols.sign_ids()
    assert documented - shipped_ids == set(), "documented but not in signs.toml"
    assert shipped_ids - documented == set(), "in signs.toml but not documented"


def test_normal_behaviour_signs(protocols: Protocols) -> None:
    normal = {s.id for s in protocols.signs.signs if s.normal_behaviour}
    assert normal == {"kicks_in_sleep", "kicks_after_toileting", "excited_kicking"}


@pytest.mark.parametrize("species", list(Species))
def test_exam_protocol_sites(protocols: Protocols, species: Species) -> None:
    exam = protocols.exam(species)
    ctr = exam.test(models.TestId.CUTANEOUS_TRUNCI)
    assert [s.id for s in ctr.sites] == levels.caudal_to_cranial()
    assert len(ctr.sites) == 20 and ctr.sites[0].id == "L7" and ctr.sites[-1].id == "T1"
    assert ctr.order == "side_then_site"
    assert ctr.stop_at_first_response
    scratch = exam.test(models.TestId.SCRATCH)
    assert [s.id for s in scratch.sites] == list(SCRATCH_REGIONS)
    assert [s.value for s in ctr.sides] == [s.value for s in scratch.sides] == ["left", "right"]
    for test in (ctr, scratch):
        assert test.technique and test.normal and test.abnormal and test.references
        assert all(site.label for site in test.sites)


def test_cat_protocol_carries_the_ctr_caveat(protocols: Protocols) -> None:
    assert protocols.exam(Species.CAT).caveats
    assert "Paushter 2020" in protocols.rules.cat_ctr_caveat


def test_breed_counts(protocols: Protocols) -> None:
    breeds = protocols.breeds.breeds
    assert sum(b.species is Species.DOG for b in breeds) >= 80
    assert sum(b.species is Species.CAT for b in breeds) >= 10


def _groups(protocols: Protocols) -> dict[str, set[str]]:
    return {b.name: set(b.groups) for b in protocols.breeds.breeds if b.species is Species.DOG}


@pytest.mark.parametrize(
    ("group", "names"),
    [
        ("cm_sm", DOMAIN_CM_SM),
        ("chondrodystrophic", DOMAIN_CHONDRODYSTROPHIC),
        ("hansen_type_2", DOMAIN_HANSEN_2),
    ],
)
def test_domain_breeds_in_their_group(protocols: Protocols, group: str, names: list[str]) -> None:
    groups = _groups(protocols)
    missing = [n for n in names if n not in groups]
    assert not missing, f"not in breeds.toml: {missing}"
    outside = [n for n in names if group not in groups[n]]
    assert not outside, f"not in {group}: {outside}"


def test_domain_aliases_resolve(protocols: Protocols) -> None:
    aliases = {a for b in protocols.breeds.breeds for a in b.aliases}
    assert {"CKCS", "Cavalier", "Brussels Griffon", "Doxie", "Frenchie"} <= aliases


def test_grouped_breeds_cite_a_source(protocols: Protocols) -> None:
    assert all(b.source for b in protocols.breeds.breeds if b.groups)
    assert {g.id for g in protocols.breeds.groups} == {
        "cm_sm",
        "chondrodystrophic",
        "hansen_type_2",
    }


def test_thresholds_match_clinical_rules(protocols: Protocols) -> None:
    ctr = protocols.rules.thresholds.ctr
    assert ctr.normal_cutoffs == ["L5", "L6", "L7"]
    assert ctr.borderline_cutoffs == ["L4"]
    assert (ctr.window_cranial_offset, ctr.window_caudal_offset) == (4, 0)
    assert tuple(ctr.most_likely_offsets) == (3, 2)
    assert (ctr.migration_urgent, ctr.migration_emergency) == (1, 2)
    assert tuple(protocols.rules.thresholds.chondrodystrophic_typical_age) == (3.0, 7.0)


def test_every_flag_has_references_follow_up_and_advice(protocols: Protocols) -> None:
    for flag in protocols.rules.flags:
        assert flag.references and flag.follow_up and flag.advice and flag.title
