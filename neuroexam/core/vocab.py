"""The FORMAT.md vocabulary as plain enums (no pydantic: cheap to import at start-up)."""

from __future__ import annotations

from enum import StrEnum


class Species(StrEnum):
    DOG = "dog"
    CAT = "cat"


class Sex(StrEnum):
    M = "M"
    MN = "MN"
    F = "F"
    FS = "FS"
    UNKNOWN = "unknown"


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"

    @property
    def other(self) -> Side:
        return Side.RIGHT if self is Side.LEFT else Side.LEFT


class TestId(StrEnum):
    __test__ = False  # not a pytest test class

    CUTANEOUS_TRUNCI = "cutaneous_trunci"
    SCRATCH = "scratch"
    # Version 2: the optional spinal exam (DOMAIN.md 4.1).
    PATELLAR = "patellar"
    WITHDRAWAL = "withdrawal"
    PERINEAL = "perineal"
    POSTURAL = "postural"
    NOCICEPTION = "nociception"


class Grade(StrEnum):
    """A finding on the reflex scale; ``present`` is the normal response."""

    ABSENT = "absent"
    REDUCED = "reduced"
    PRESENT = "present"
    EXAGGERATED = "exaggerated"
    NOT_TESTED = "not_tested"
    #: Version 2: sustained rhythmic jerks (patellar and withdrawal only), 4 on the scale.
    CLONUS = "clonus"

    @property
    def score(self) -> int | None:
        """0 absent … 3 exaggerated, 4 clonus; None when not tested."""
        return _SCORES[self]

    @property
    def tested(self) -> bool:
        return self is not Grade.NOT_TESTED

    @property
    def responds(self) -> bool:
        """A visible response (present, exaggerated or clonus)."""
        return self in (Grade.PRESENT, Grade.EXAGGERATED, Grade.CLONUS)

    @property
    def lowered(self) -> bool:
        """Reduced or absent (a lower motor neuron sign on a spinal reflex)."""
        return self in (Grade.ABSENT, Grade.REDUCED)

    @property
    def marker(self) -> str:
        """A text marker that carries the meaning without colour."""
        return _MARKERS[self]


_SCORES = {
    Grade.ABSENT: 0,
    Grade.REDUCED: 1,
    Grade.PRESENT: 2,
    Grade.EXAGGERATED: 3,
    Grade.CLONUS: 4,
    Grade.NOT_TESTED: None,
}
_MARKERS = {
    Grade.ABSENT: "0",
    Grade.REDUCED: "1",
    Grade.PRESENT: "2",
    Grade.EXAGGERATED: "3",
    Grade.CLONUS: "4",
    Grade.NOT_TESTED: "-",
}

SCRATCH_REGIONS: tuple[str, ...] = ("ear", "neck", "shoulder", "flank", "belly")
THORACIC_LIMB = "thoracic_limb"
PELVIC_LIMB = "pelvic_limb"
PERINEUM = "perineum"
LIMBS: tuple[str, ...] = (THORACIC_LIMB, PELVIC_LIMB)
#: The spinal exam's tests (DOMAIN.md 4.1) and the sites each one has (FORMAT.md §1).
SPINAL_SITES: dict[TestId, tuple[str, ...]] = {
    TestId.PATELLAR: (PELVIC_LIMB,),
    TestId.WITHDRAWAL: LIMBS,
    TestId.PERINEAL: (PERINEUM,),
    TestId.POSTURAL: LIMBS,
    TestId.NOCICEPTION: LIMBS,
}
SPINAL_TESTS: tuple[TestId, ...] = tuple(SPINAL_SITES)

_REFLEX_SCALE = (Grade.ABSENT, Grade.REDUCED, Grade.PRESENT, Grade.EXAGGERATED)
_GRADES: dict[TestId, tuple[Grade, ...]] = {
    TestId.CUTANEOUS_TRUNCI: (*_REFLEX_SCALE, Grade.NOT_TESTED),
    TestId.SCRATCH: (*_REFLEX_SCALE, Grade.NOT_TESTED),
    TestId.PATELLAR: (*_REFLEX_SCALE, Grade.CLONUS, Grade.NOT_TESTED),
    TestId.WITHDRAWAL: (*_REFLEX_SCALE, Grade.CLONUS, Grade.NOT_TESTED),
    TestId.PERINEAL: (*_REFLEX_SCALE, Grade.NOT_TESTED),
    # Postural reactions: normal, delayed (``reduced``) or absent.
    TestId.POSTURAL: (Grade.ABSENT, Grade.REDUCED, Grade.PRESENT, Grade.NOT_TESTED),
    # Nociception (deep pain): a behavioural response or none.
    TestId.NOCICEPTION: (Grade.ABSENT, Grade.PRESENT, Grade.NOT_TESTED),
}


def grades_for(test: TestId) -> tuple[Grade, ...]:
    """The grades a test offers (FORMAT.md §1): clonus only for patellar and withdrawal,
    no exaggerated for postural reactions, only absent/present for nociception."""
    return _GRADES[test]


class Mode(StrEnum):
    CLINICAL = "clinical"
    TRAINING = "training"


class ExamStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    VOIDED = "voided"


class AuditEvent(StrEnum):
    """What one row of the audit trail records (FORMAT.md §5)."""

    CREATED = "created"
    RECORDED = "recorded"
    AMENDED = "amended"
    CLEARED = "cleared"
    INTAKE_CHANGED = "intake_changed"
    COMPLETED = "completed"
    SIGNED = "signed"
    REOPENED = "reopened"
    VOIDED = "voided"
    IMPORTED = "imported"


class Strength(StrEnum):
    STRONG = "strong"
    MODERATE = "moderate"
    WEAK = "weak"

    @property
    def rank(self) -> int:
        """Higher is stronger."""
        return {"weak": 0, "moderate": 1, "strong": 2}[self.value]

    @classmethod
    def from_rank(cls, rank: int) -> Strength:
        return [cls.WEAK, cls.MODERATE, cls.STRONG][max(0, min(2, rank))]


class Urgency(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """Higher is more urgent."""
        return {"routine": 0, "urgent": 1, "emergency": 2}[self.value]


class FlagId(StrEnum):
    IVDD = "ivdd"
    PROGRESSIVE_MYELOMALACIA = "progressive_myelomalacia"
    SYRINGOMYELIA = "syringomyelia"
    NERVE_DAMAGE = "nerve_damage"
    DERMATOLOGIC = "dermatologic"
    ORTHOPEDIC = "orthopedic"
    SEIZURE = "seizure"


class FollowUpTest(StrEnum):
    MRI = "mri"
    CT = "ct"
    EMG = "emg"
    RADIOGRAPHS = "radiographs"
    SKIN_CYTOLOGY = "skin_cytology"
    OTOSCOPY = "otoscopy"
    NEUROLOGY_REFERRAL = "neurology_referral"
    SAME_DAY_EXAM = "same_day_exam"
    REPEAT_EXAM = "repeat_exam"


class FlagSide(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"
