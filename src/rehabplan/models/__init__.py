"""Plain data: the exercise library, protocols, patients and the programs built from them.

Every model is frozen and forbids unknown keys, so a typo in a clinic's YAML is an error
with a suggestion, not a silently ignored field. Names match the YAML keys, the JSON keys and
the handout's words (``sets``, ``reps``, ``hold_s``, ``rest_s``, ``tempo``).
"""

from __future__ import annotations

from rehabplan.models.base import (
    PROGRAM_SCHEMA_VERSION,
    Id,
    Model,
    Text,
)
from rehabplan.models.exercise import (
    LOADING_CATEGORIES,
    TEMPO_RE,
    Bounds,
    Category,
    Dosage,
    DoseKind,
    Equipment,
    Exercise,
    Illustration,
    Laterality,
    Reference,
    SideRule,
    Tempo,
)
from rehabplan.models.patient import (
    AgeBand,
    Irritability,
    Patient,
    Side,
    TrainingStatus,
)
from rehabplan.models.program import (
    Adjustment,
    Blocked,
    Dropped,
    Flag,
    Hold,
    PhasePlan,
    Prescription,
    Program,
    Session,
    SlotTimeline,
    TimelineDose,
    Week,
)
from rehabplan.models.protocol import (
    PainRules,
    Phase,
    Protocol,
    Rule,
    Slot,
)

__all__ = [
    "Adjustment",
    "Blocked",
    "Hold",
    "AgeBand",
    "Bounds",
    "Category",
    "Dosage",
    "DoseKind",
    "Dropped",
    "Equipment",
    "Exercise",
    "Flag",
    "Id",
    "Illustration",
    "Irritability",
    "LOADING_CATEGORIES",
    "Laterality",
    "Model",
    "PROGRAM_SCHEMA_VERSION",
    "PainRules",
    "Patient",
    "Phase",
    "PhasePlan",
    "Prescription",
    "Program",
    "Protocol",
    "Reference",
    "Rule",
    "Session",
    "Side",
    "SideRule",
    "Slot",
    "SlotTimeline",
    "TEMPO_RE",
    "Tempo",
    "Text",
    "TimelineDose",
    "TrainingStatus",
    "Week",
]
