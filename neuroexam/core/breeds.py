"""Breed lookup: canonical names, aliases, close spellings and risk groups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz, process, utils

from neuroexam.core.models import Species
from neuroexam.core.protocol import Breed, BreedFile, RiskGroup

#: Words that mean "no particular breed": accepted silently, no breed weighting.
NO_BREED_WORDS = frozenset(
    {"", "mixed", "mixed breed", "unknown", "cross", "crossbreed", "mongrel", "mutt"}
)
#: Minimum rapidfuzz similarity ratio (0-100) for a close spelling to count as a match…
FUZZY_CUTOFF = 80
#: …and how far it must lead the best match naming another breed.
FUZZY_MARGIN = 5


class MatchKind(StrEnum):
    NAME = "name"
    ALIAS = "alias"
    CLOSE = "close spelling"
    NO_BREED = "mixed or unknown"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class BreedMatch:
    """What a typed breed resolved to."""

    typed: str
    kind: MatchKind
    breed: Breed | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    #: For an ambiguous text, the breeds it could mean.
    candidates: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The canonical name, or the text as typed when nothing matched."""
        return self.breed.name if self.breed else self.typed.strip()

    @property
    def known(self) -> bool:
        return self.breed is not None

    def in_group(self, group: str) -> bool:
        return group in self.groups


class BreedIndex:
    """Resolves typed breed names against one species' canonical names and aliases."""

    def __init__(self, breeds: BreedFile) -> None:
        self.groups: dict[str, RiskGroup] = {g.id: g for g in breeds.groups}
        self._exact: dict[tuple[Species, str], tuple[Breed, MatchKind]] = {}
        self._choices: dict[Species, dict[str, Breed]] = {s: {} for s in Species}
        for breed in breeds.breeds:
            self._exact[(breed.species, breed.name.casefold())] = (breed, MatchKind.NAME)
            self._choices[breed.species][breed.name] = breed
            for alias in breed.aliases:
                self._exact.setdefault((breed.species, alias.casefold()), (breed, MatchKind.ALIAS))
                self._choices[breed.species][alias] = breed

    def lookup(self, typed: str, species: Species) -> BreedMatch:
        text = " ".join((typed or "").split())
        if text.casefold() in NO_BREED_WORDS:
            return BreedMatch(typed=text, kind=MatchKind.NO_BREED)
        hit = self._exact.get((species, text.casefold()))
        if hit:
            breed, kind = hit
            return BreedMatch(text, kind, breed, frozenset(breed.groups))
        cleaned = utils.default_process(text)
        words = re.compile(r"\b" + re.escape(cleaned) + r"\b") if cleaned else None
        containing = sorted(
            {
                b.name
                for c, b in self._choices[species].items()
                if words and words.search(utils.default_process(c))
            }
        )
        if len(containing) > 1:
            return BreedMatch(text, MatchKind.AMBIGUOUS, candidates=tuple(containing))
        hits = process.extract(
            text,
            list(self._choices[species]),
            scorer=fuzz.ratio,
            processor=utils.default_process,
            limit=8,
        )
        if hits and hits[0][1] >= FUZZY_CUTOFF:
            breed = self._choices[species][hits[0][0]]
            rivals = [score for c, score, _ in hits if self._choices[species][c] is not breed]
            # A near tie with another breed ("Poodle": Toy or Miniature?) is no match.
            if not rivals or hits[0][1] - rivals[0] >= FUZZY_MARGIN:
                return BreedMatch(text, MatchKind.CLOSE, breed, frozenset(breed.groups))
        return BreedMatch(typed=text, kind=MatchKind.UNKNOWN)

    def names(self, species: Species) -> list[str]:
        return sorted({b.name for b in self._choices[species].values()})
