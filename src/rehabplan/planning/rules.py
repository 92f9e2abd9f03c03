"""The planner's design choices as named data: household equipment, session overheads, target
effort, plateau and walking limits, the weekly volume allowance (clinical brief: "design choice")."""

from __future__ import annotations

from rehabplan.models import (
    Category,
    Equipment,
)

# Household items every patient is assumed to have (a bottom stair serves as a step, a rug or
# towel as a mat). Bands and weights must be listed in the patient's equipment.
HOUSEHOLD = frozenset({Equipment.mat, Equipment.chair, Equipment.wall, Equipment.towel, Equipment.step})

SETUP_S = 30  # getting into position and reading the card, per exercise
HOLD_TRANSITION_S = 3  # getting in and out of each hold
MIN_VOLUME_ALLOWANCE_SETS = 3  # one extra set of one exercise done three times a week


def volume_allowance(last_sets: int, max_increase_pct: int, new_per_week: int = 0) -> int:
    """How many loading sets a week may rise above ``last_sets``.

    The protocol's percentage is a ceiling, so it rounds down (24 sets may rise by 8, not 9).
    The smallest step a plan can take is always allowed: one more set of one exercise done
    three times a week, or one set of a new exercise at its own times a week
    (``new_per_week``); without it an exercise done every day could never start while the
    weekly total is small.
    """
    return max(last_sets * max_increase_pct // 100, MIN_VOLUME_ALLOWANCE_SETS, new_per_week)


# Target effort (no ACSM source for an RPE target in rehab: design choice; a trial used
# Borg 12-13 "somewhat hard" for beginners).
EFFORT = {
    Category.strength: "Somewhat hard: you could do 2 or 3 more",
    Category.core: "Somewhat hard, with perfect form",
    Category.motor_control: "Slow and controlled; quality over speed",
    Category.stretch: "A gentle pull, never sharp pain",
    Category.neural_mobility: "No pain; mild tension that fades at once",
    Category.aerobic: "You can talk, but not sing",
}

_NO_DIMENSIONS: frozenset[str] = frozenset()

# No exercise stays at one dose for more than this many weeks in a row (deloads aside) while a
# dimension is left to progress (no plateaus).
PLATEAU_WEEKS = 3

# Walking toward a phase criterion ("walk for 30 minutes") grows at most this much a week.
WALK_STEP_MAX_MIN = 5

# Every exercise is tagged by its position and its demands (docs/planner.md, "Exclusions"):
POSITIONS = frozenset({"floor", "lying", "kneeling", "prone", "sitting", "standing"})
DEMANDS = frozenset({"single-leg", "balance", "step", "weight-bearing", "hinge", "loaded", "tensioner"})
# What an exclusion word removes, as the patient hears it (clinical brief, "Exclusions mean what
# a patient hears"): "balance" removes everything done standing on one leg, supported or not;
# "kneeling" every kneeling position (kneeling planks and side planks included); "floor" every
# floor position. Any other word removes the exercises tagged with it (or with that id,
# category or equipment).
EXCLUDES: dict[str, frozenset[str]] = {
    "balance": frozenset({"balance", "single-leg"}),
    "single-leg": frozenset({"single-leg"}),
    "kneeling": frozenset({"kneeling"}),
    "floor": frozenset({"floor", "kneeling", "prone"}),
    "lying": frozenset({"lying", "prone"}),
    "standing": frozenset({"standing", "single-leg"}),
    "weights": frozenset({"loaded"}),
    "lifting": frozenset({"loaded", "hinge"}),
}


def removed_tags(word: str) -> frozenset[str]:
    """The tags an exclusion word removes."""
    return EXCLUDES.get(word, frozenset({word}))


# Older adults keep the knee versions of planks (a full plank is a big jump in load and a hard
# floor transfer): design choice. Listed by exercise id; a clinic library may add its own.
OLDER_ADULT_AVOID = frozenset({"front-plank", "side-plank"})
