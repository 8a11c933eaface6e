"""Breed lookup: names, aliases, close spellings, ambiguity, species, autocomplete (§7)."""

from __future__ import annotations

import pytest

from neuroexam.core.breeds import BreedIndex, MatchKind
from neuroexam.core.models import Exam, Patient, Species
from neuroexam.core.protocol import Protocols
from neuroexam.core.rules import breed_index, evaluate

DOG, CAT = Species.DOG, Species.CAT


@pytest.fixture(scope="module")
def index(protocols: Protocols) -> BreedIndex:
    return breed_index(protocols)


def test_breed_index_is_cached_per_protocol_set(protocols: Protocols) -> None:
    assert breed_index(protocols) is breed_index(protocols)


# ------------------------------------------------------------------ exact and alias


@pytest.mark.parametrize(
    ("typed", "species", "name"),
    [
        ("Dachshund", DOG, "Dachshund"),
        ("dachshund", DOG, "Dachshund"),
        ("  DACHSHUND  ", DOG, "Dachshund"),
        ("Cavalier   King Charles  Spaniel", DOG, "Cavalier King Charles Spaniel"),
        ("Bichon Frisé", DOG, "Bichon Frisé"),
        ("Maine Coon", CAT, "Maine Coon"),
        ("siamese", CAT, "Siamese"),
    ],
)
def test_exact_name(index: BreedIndex, typed: str, species: Species, name: str) -> None:
    match = index.lookup(typed, species)
    assert match.kind is MatchKind.NAME
    assert match.known
    assert match.name == name
    assert match.breed is not None and match.breed.species is species


@pytest.mark.parametrize(
    ("typed", "species", "name"),
    [
        ("CKCS", DOG, "Cavalier King Charles Spaniel"),
        ("cavalier", DOG, "Cavalier King Charles Spaniel"),
        ("Doxie", DOG, "Dachshund"),
        ("Miniature Dachshund", DOG, "Dachshund"),
        ("Frenchie", DOG, "French Bulldog"),
        ("Brussels Griffon", DOG, "Griffon Bruxellois"),
        ("GSD", DOG, "German Shepherd Dog"),
        ("Lab", DOG, "Labrador Retriever"),
        ("Bichon Frise", DOG, "Bichon Frisé"),
        ("DSH", CAT, "Domestic Shorthair"),
        ("BSH", CAT, "British Shorthair"),
    ],
)
def test_alias(index: BreedIndex, typed: str, species: Species, name: str) -> None:
    match = index.lookup(typed, species)
    assert match.kind is MatchKind.ALIAS
    assert match.name == name
    assert match.typed == typed.strip()


def test_groups_come_with_the_match(index: BreedIndex) -> None:
    frenchie = index.lookup("Frenchie", DOG)
    assert frenchie.groups == {"cm_sm", "chondrodystrophic"}
    assert frenchie.in_group("cm_sm") and frenchie.in_group("chondrodystrophic")
    assert not frenchie.in_group("hansen_type_2")
    assert index.lookup("Border Collie", DOG).groups == frozenset()
    assert index.lookup("Labrador", DOG).in_group("hansen_type_2")


# ------------------------------------------------------------------ close spelling


@pytest.mark.parametrize(
    ("typed", "species", "name"),
    [
        ("Daschund", DOG, "Dachshund"),
        ("Dachsund", DOG, "Dachshund"),
        ("Chihuahau", DOG, "Chihuahua"),
        ("Pekingnese", DOG, "Pekingese"),
        ("Yorkshire terier", DOG, "Yorkshire Terrier"),
        ("Pomeranain", DOG, "Pomeranian"),
        ("Beagel", DOG, "Beagle"),
        ("Mane Coon", CAT, "Maine Coon"),
    ],
)
def test_close_spelling(index: BreedIndex, typed: str, species: Species, name: str) -> None:
    match = index.lookup(typed, species)
    assert match.kind is MatchKind.CLOSE
    assert match.name == name
    assert match.typed == typed


def test_close_spelling_is_reported_as_warning(protocols: Protocols) -> None:
    a = evaluate(
        Exam(exam_id="E", patient=Patient(species="dog", breed="Daschund")), protocols=protocols
    )
    assert a.breed == "Dachshund"
    assert "breed 'Daschund' read as 'Dachshund'" in a.warnings


# ------------------------------------------------------------------ ambiguous / unknown / mixed


def test_poodle_is_ambiguous(index: BreedIndex) -> None:
    match = index.lookup("Poodle", DOG)
    assert match.kind is MatchKind.AMBIGUOUS
    assert not match.known
    assert match.name == "Poodle"
    assert match.groups == frozenset()
    assert {"Toy Poodle", "Miniature Poodle"} <= set(match.candidates)
    assert list(match.candidates) == sorted(match.candidates)


def test_ambiguous_breed_warning_lists_candidates(protocols: Protocols) -> None:
    a = evaluate(
        Exam(exam_id="E", patient=Patient(species="dog", breed="poodle")), protocols=protocols
    )
    assert a.breed == "poodle"
    warning = next(w for w in a.warnings if "poodle" in w)
    assert warning.startswith("unknown breed 'poodle'")
    assert "Toy Poodle" in warning and "Miniature Poodle" in warning
    assert "no breed weighting" in warning


@pytest.mark.parametrize("typed", ["", "   ", "mixed", "Mixed", "MIXED BREED", "unknown", "cross"])
def test_no_breed_words(index: BreedIndex, typed: str) -> None:
    for species in Species:
        match = index.lookup(typed, species)
        assert match.kind is MatchKind.NO_BREED
        assert not match.known
        assert match.groups == frozenset()


def test_no_breed_gives_no_warning_and_says_no_weighting(protocols: Protocols) -> None:
    a = evaluate(
        Exam(
            exam_id="E",
            patient=Patient(species="dog", breed="mixed"),
            signs=["phantom_scratching"],
        ),
        protocols=protocols,
    )
    assert not any("breed" in w for w in a.warnings)
    sm = next(f for f in a.flags if f.id.value == "syringomyelia")
    assert "no breed weighting" in sm.breed_context


@pytest.mark.parametrize("typed", ["Wolf", "Labrador x Poodle", "Xoloitzcuintli", "zzz", "L2"])
def test_unknown_is_kept_as_typed(index: BreedIndex, protocols: Protocols, typed: str) -> None:
    match = index.lookup(typed, DOG)
    assert match.kind is MatchKind.UNKNOWN
    assert match.name == typed
    assert match.breed is None
    a = evaluate(
        Exam(exam_id="E", patient=Patient(species="dog", breed=typed)), protocols=protocols
    )
    assert a.breed == typed
    assert f"unknown breed '{typed}': kept as typed, no breed weighting" in a.warnings


def test_regex_characters_in_breed_text_are_harmless(index: BreedIndex) -> None:
    for typed in ["(", "[a-z]+", "C++", "\\", "*", "?"]:
        assert index.lookup(typed, DOG).kind is MatchKind.UNKNOWN


@pytest.mark.parametrize("typed", ["Poodle.", "poodle!", "Poodle)"])
def test_punctuated_ambiguous_breed_is_not_read_as_another_breed(
    index: BreedIndex, typed: str
) -> None:
    """'Poodle' is ambiguous (Toy/Miniature/Standard); a trailing full stop must not turn it
    into Maltipoo (alias 'Moodle', CM/SM group) by close spelling."""
    match = index.lookup(typed, DOG)
    assert match.breed is None, f"{typed!r} read as {match.name!r}"
    assert match.kind in (MatchKind.AMBIGUOUS, MatchKind.UNKNOWN)
    assert not match.groups


# ------------------------------------------------------------------ species separation


@pytest.mark.parametrize("typed", ["Dachshund", "Beagle", "CKCS", "Daschund", "Labrador", "Pug"])
def test_dog_breed_typed_for_a_cat_is_not_a_dog_breed(index: BreedIndex, typed: str) -> None:
    match = index.lookup(typed, CAT)
    assert match.breed is None or match.breed.species is CAT
    assert match.kind is MatchKind.UNKNOWN
    assert not match.groups


@pytest.mark.parametrize("typed", ["Siamese", "Maine Coon", "DSH", "Persian", "Ragdoll"])
def test_cat_breed_typed_for_a_dog_is_not_matched(index: BreedIndex, typed: str) -> None:
    match = index.lookup(typed, DOG)
    assert match.breed is None or match.breed.species is DOG
    assert not match.known


def test_cat_with_dog_breed_gets_no_breed_weighting(protocols: Protocols) -> None:
    a = evaluate(
        Exam(
            exam_id="E",
            patient=Patient(species="cat", breed="Cavalier King Charles Spaniel"),
            signs=["phantom_scratching", "neck_pain"],
        ),
        protocols=protocols,
    )
    sm = next(f for f in a.flags if f.id.value == "syringomyelia")
    # other breed + 2 indicators → moderate (a CM/SM breed would make it strong)
    assert sm.strength.value == "moderate"
    assert any(w.startswith("unknown breed 'Cavalier King Charles Spaniel'") for w in a.warnings)


def test_names_per_species(index: BreedIndex) -> None:
    dogs, cats = index.names(DOG), index.names(CAT)
    assert dogs == sorted(dogs) and cats == sorted(cats)
    assert "Dachshund" in dogs and "Dachshund" not in cats
    assert "Siamese" in cats and "Siamese" not in dogs
    assert not set(dogs) & set(cats)
    # canonical names only, never aliases
    assert "CKCS" not in dogs and "DSH" not in cats
