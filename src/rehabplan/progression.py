"""Progression rules as data: each named rule is an ordered list of dose dimensions.

One step of a rule advances the first dimension that still has room; the dimensions before it
go back to their starting value (the classic double progression: reps climb to the top of the
range, then the band gets firmer and reps start again at the bottom). Sets are never reset:
weekly volume must not fall outside a deload week. The vocabulary follows Liftosaur (``lp`` =
linear progression, ``dp`` = double progression); home programs without weights progress by
reps -> sets -> band colour -> harder variant (clinical brief, ACSM 2009).

Everything here is pure: doses in, doses out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

from .models import DoseKind, Exercise, Rule, Tempo


@dataclass(frozen=True)
class RuleSpec:
    dimensions: tuple[str, ...]
    resets: bool  # whether dimensions before the advancing one go back to their start
    description: str


RULES: dict[str, RuleSpec] = {
    "steady": RuleSpec((), False, "keep the same dose"),
    "lp": RuleSpec(("reps",), False, "add reps each step up to the top of the range"),
    "lp_hold": RuleSpec(("hold_s", "holds"), False, "longer holds, then one more hold"),
    "lp_minutes": RuleSpec(("minutes",), False, "add minutes each step"),
    "dp": RuleSpec(("reps", "load", "sets"), True, "double progression: reps to the top, then more load and reps start again"),
    "sets": RuleSpec(("sets", "reps"), False, "add a set, then reps"),
    "tempo": RuleSpec(("tempo", "reps"), False, "slower lowering (more time under tension), then reps"),
    "ladder": RuleSpec(("reps", "sets", "variant"), True, "reps, then sets, then the harder variant"),
    "home": RuleSpec(("reps", "sets", "load", "variant"), True, "reps -> sets -> band colour -> harder variant"),
    "pyramid": RuleSpec(("sets", "pyramid", "variant"), True, "McGill descending pyramid of 10-s holds: up to three sets, 5-3-1 to 7-5-3, then the harder variant"),
    "hold_ladder": RuleSpec(("hold_s", "holds", "sets", "variant", "reps"), False, "longer holds, more holds, more sets, then the harder variant (and its reps)"),
}

# Older adults hold stretches 30-60 s (Garber et al., ACSM 2011).
OLDER_ADULT_STRETCH_HOLD_S = 30


class Dose(NamedTuple):
    """The dose of one slot in one week (before a deload is applied)."""

    exercise: str
    sets: int
    reps: int  # reps, holds per set, or the first set of a pyramid
    hold_s: int | None
    minutes: int | None
    tempo: Tempo | None
    load_index: int

    def pyramid(self) -> list[int]:
        """McGill's descending pyramid: each set two holds fewer than the one before."""
        return [max(1, self.reps - 2 * i) for i in range(self.sets)]


@dataclass(frozen=True)
class Context:
    """What a step may use besides the dose: the library and what the patient can do."""

    exercises: dict[str, Exercise]
    allowed: Callable[[str], bool]  # may the patient do this exercise?
    loads_available: Callable[[Exercise], int]  # how many load options the patient can use
    older_adult: bool
    max_sets: int = 99  # a cap the planner sets when a session would not fit the minutes
    tensioners: bool = True  # sliders before tensioners: none in the first phase


def hold_bounds(exercise: Exercise, older_adult: bool) -> tuple[int, int, int]:
    b = exercise.dosage.hold_s
    lo, default, hi = int(b.min), int(b.default), int(b.max)
    if older_adult and exercise.category.value == "stretch":
        lo = max(lo, min(OLDER_ADULT_STRETCH_HOLD_S, hi))
        default = max(default, lo)
    return lo, default, hi


def start_dose(exercise: Exercise, ctx: Context, gentle: bool, sets: int | None = None, hold_default: bool = False) -> Dose:
    """The first dose: library defaults, or the bottom of each range when ``gentle``."""
    d = exercise.dosage
    pick = (lambda b: int(b.min)) if gentle else (lambda b: int(b.default))
    hold = None
    if d.kind is DoseKind.hold:
        lo, default, _ = hold_bounds(exercise, ctx.older_adult)
        hold = lo if gentle and not hold_default else default
    start_sets = min(pick(d.sets) if sets is None else int(d.sets.clamp(sets)), max(ctx.max_sets, int(d.sets.min)))
    return Dose(
        exercise=exercise.id,
        sets=start_sets,
        reps=pick(d.reps) if d.reps else 1,
        hold_s=hold,
        minutes=pick(d.minutes) if d.minutes else None,
        tempo=d.tempo,
        load_index=0,
    )


def step(dose: Dose, rule: Rule, ctx: Context) -> tuple[Dose, str | None]:
    """Advance ``dose`` by one step of ``rule``; return the new dose and a note (None = no room)."""
    spec = RULES[rule.name]
    ex = ctx.exercises[dose.exercise]
    for i, dim in enumerate(spec.dimensions):
        advanced = _advance(dim, dose, rule, ex, ctx)
        if advanced is None:
            continue
        new, note = advanced
        if spec.resets and dim != "variant":
            for lower in spec.dimensions[:i]:
                new = _reset(lower, new, ex, ctx)
        return new, note
    return dose, None


def _advance(dim: str, dose: Dose, rule: Rule, ex: Exercise, ctx: Context) -> tuple[Dose, str] | None:
    d = ex.dosage
    if dim in ("holds", "hold_s") and d.kind is not DoseKind.hold:
        return None  # after a ladder step from a hold to a reps exercise
    if dim in ("reps", "holds", "pyramid"):
        top = int(d.reps.max) if d.reps else 1
        if dose.reps >= top:
            return None
        inc = rule.reps_step if dim == "reps" else 1
        new = min(top, dose.reps + inc)
        n = new - dose.reps
        if dim == "pyramid":
            return dose._replace(reps=new), "one more hold in each set"
        word = ("rep" if n == 1 else "reps") if dim == "reps" else ("hold" if n == 1 else "holds")
        return dose._replace(reps=new), f"{n} more {word}"
    if dim == "hold_s":
        _, _, hi = hold_bounds(ex, ctx.older_adult)
        if dose.hold_s is None or dose.hold_s >= hi:
            return None
        new = min(hi, dose.hold_s + rule.hold_step_s)
        return dose._replace(hold_s=new), f"hold {new - dose.hold_s} seconds longer"
    if dim == "minutes":
        if dose.minutes is None or dose.minutes >= int(d.minutes.max):
            return None
        new = min(int(d.minutes.max), dose.minutes + rule.minutes_step)
        return dose._replace(minutes=new), f"{new - dose.minutes} more minutes"
    if dim == "sets":
        if dose.sets >= min(int(d.sets.max), ctx.max_sets):
            return None
        return dose._replace(sets=dose.sets + 1), "one more set"
    if dim == "load":
        if dose.load_index + 1 >= ctx.loads_available(ex):
            return None
        new_load = d.load_options[dose.load_index + 1]
        return dose._replace(load_index=dose.load_index + 1), f"switch to the {new_load}" if "band" in new_load else f"switch to: {new_load}"
    if dim == "tempo":
        slowest = d.tempo_slowest
        t = dose.tempo
        if t is None or slowest is None:
            return None
        for name in ("lower_s", "bottom_s", "lift_s", "top_s"):
            if getattr(t, name) < getattr(slowest, name):
                new_t = t.model_copy(update={name: getattr(t, name) + 1})
                return dose._replace(tempo=new_t), f"lower more slowly: tempo {new_t}"
        return None
    if dim == "variant":
        harder = ex.harder
        if not harder or harder not in ctx.exercises or not ctx.allowed(harder):
            return None
        target = ctx.exercises[harder]
        if target.is_tensioner and not ctx.tensioners:
            return None
        # Keep the sets (volume must not fall); start the harder variant at the bottom of
        # its ranges. Refuse the step if the harder variant cannot take this many sets.
        if dose.sets > target.dosage.sets.max:
            return None
        # Holds keep their usual length (McGill's 10 s); the number of holds starts low.
        base = start_dose(target, ctx, gentle=True, sets=dose.sets, hold_default=True)
        return base._replace(sets=dose.sets), f"harder version: {target.name}"
    raise ValueError(f"unknown dimension {dim}")


def _reset(dim: str, dose: Dose, ex: Exercise, ctx: Context) -> Dose:
    d = ex.dosage
    if dim in ("reps", "holds", "pyramid") and d.reps:
        return dose._replace(reps=int(d.reps.min))
    if dim == "hold_s" and dose.hold_s is not None:
        return dose._replace(hold_s=hold_bounds(ex, ctx.older_adult)[0])
    if dim == "minutes" and d.minutes:
        return dose._replace(minutes=int(d.minutes.min))
    if dim == "tempo" and d.tempo:
        return dose._replace(tempo=d.tempo)
    # sets and load are never reset by a later dimension
    return dose


def deload(dose: Dose, ex: Exercise, factor: float, older_adult: bool = False) -> Dose:
    """A deload week: fewer sets; with one set left, fewer reps, holds or minutes instead."""
    d = ex.dosage
    sets = max(int(d.sets.min), round(dose.sets * factor))
    if sets < dose.sets:
        return dose._replace(sets=sets)
    if d.kind is DoseKind.duration and dose.minutes:
        return dose._replace(minutes=max(int(d.minutes.min), round(dose.minutes * factor)))
    if d.kind is DoseKind.hold and dose.hold_s:
        lo = hold_bounds(ex, older_adult)[0]
        reps = max(int(d.reps.min), round(dose.reps * factor))
        if reps < dose.reps:
            return dose._replace(reps=reps)
        return dose._replace(hold_s=max(lo, round(dose.hold_s * factor)))
    if d.reps:
        return dose._replace(reps=max(int(d.reps.min), round(dose.reps * factor)))
    return dose
