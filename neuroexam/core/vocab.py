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


class Grade(StrEnum):
    """A finding on the reflex scale; ``present`` is the normal response."""

    ABSENT = "absent"
    REDUCED = "reduced"
    PRESENT = "present"
    EXAGGERATED = "exaggerated"
    NOT_TESTED = "not_tested"

    @property
    def score(self) -> int | None:
        """0 absent … 3 exaggerated; None when not tested."""
        return _SCORES[self]

    @property
    def tested(self) -> bool:
        return self is not Grade.NOT_TESTED

    @property
    def responds(self) -> bool:
        """A visible response (present or exaggerated)."""
        return self in (Grade.PRESENT, Grade.EXAGGERATED)

    @property
    def marker(self) -> str:
        """A text marker that carries the meaning without colour."""
        return _MARKERS[self]


_SCORES = {
    Grade.ABSENT: 0,
    Grade.REDUCED: 1,
    Grade.PRESENT: 2,
    Grade.EXAGGERATED: 3,
    Grade.NOT_TESTED: None,
}
_MARKERS = {
    Grade.ABSENT: "0",
    Grade.REDUCED: "1",
    Grade.PRESENT: "2",
    Grade.EXAGGERATED: "3",
    Grade.NOT_TESTED: "-",
}

SCRATCH_REGIONS: tuple[str, ...] = ("ear", "neck", "shoulder", "flank", "belly")


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
