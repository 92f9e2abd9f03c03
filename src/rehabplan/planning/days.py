"""The week's days: strength days never two in a row (ACSM 48 h), short days for core work."""

from __future__ import annotations

from dataclasses import dataclass

from rehabplan.models import Category

# ------------------------------------------------------------------ the week's days (ACSM 48 h)
# Hip and leg loading (strength and motor control) is done on strength days, never on two days
# in a row (ACSM: 48-72 h before loading the same muscles hard again). Core work (McGill's
# short holds, pelvic tilts: the brief allows them daily) goes on short days when the patient
# has more sessions than strength days. Days count from the week's first day (0).
STRENGTH_DAYS = {1: (0,), 2: (0, 3), 3: (0, 2, 4)}
SHORT_DAY_ORDER = (5, 1, 3, 6)  # extra sessions: Saturday, then Tuesday, Thursday, Sunday
HIP_AND_LEG = frozenset({Category.strength, Category.motor_control})
DAY_NAMES = {"strength": "Strength day", "short": "Short day"}


@dataclass(frozen=True)
class DayPlan:
    day: int
    kind: str  # "strength" | "short"


def day_pattern(sessions_per_week: int) -> tuple[DayPlan, ...]:
    """The planned days of a week: strength days spread out, then short days."""
    n = max(1, sessions_per_week)
    strength = STRENGTH_DAYS[min(n, 3)]
    short = SHORT_DAY_ORDER[: max(0, n - 3)]
    days = [DayPlan(d, "strength") for d in strength] + [DayPlan(d, "short") for d in short]
    return tuple(sorted(days, key=lambda d: d.day))


def spread(items: list[int], k: int) -> list[int]:
    """k of the items, as far apart as possible (first and last included)."""
    if k >= len(items):
        return list(items)
    if k == 1:
        return [items[0]]
    return [items[round(i * (len(items) - 1) / (k - 1))] for i in range(k)]
