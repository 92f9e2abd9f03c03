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

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from rehabplan.errors import count
from rehabplan.models import Bounds, DoseKind, Exercise, Rule, Tempo


@dataclass(frozen=True)
class RuleSpec:
    dimensions: tuple[str, ...]
    resets: bool  # whether dimensions before the advancing one go back to their start
    description: str


RULES: dict[str, RuleSpec] = {
    "steady": RuleSpec((), False, "keep the same dose"),
    "lp": RuleSpec(
        ("reps", "tempo", "sets"), False, "add reps each step up to the top of the range, then lower more slowly, then a set"
    ),
    "lp_hold": RuleSpec(
        ("hold_s",), False, "longer holds up to the brief's limit (adults 30 s, older adults 60 s), then the same dose"
    ),
    "lp_minutes": RuleSpec(("minutes",), False, "add minutes each step"),
    "dp": RuleSpec(
        ("reps", "load", "sets", "tempo"),
        True,
        "double progression: reps to the top, then more load and reps start again; then a set, then a slower tempo",
    ),
    "sets": RuleSpec(("sets", "reps"), False, "add a set, then reps"),
    "tempo": RuleSpec(("tempo", "reps", "sets"), False, "slower lowering (more time under tension), then reps, then a set"),
    "ladder": RuleSpec(
        ("reps", "sets", "variant", "tempo"), True, "reps, then sets, then the harder variant, then a slower tempo"
    ),
    "home": RuleSpec(
        ("reps", "sets", "load", "variant", "tempo"), True, "reps -> sets -> band colour -> harder variant -> slower tempo"
    ),
    "pyramid": RuleSpec(
        ("pyramid", "variant"),
        True,
        "McGill descending pyramid of 10-s holds: 5-3-1, 6-4-2, 7-5-3, then the harder variant from 5-3-1",
    ),
    "hold_ladder": RuleSpec(
        ("hold_s", "holds", "sets", "variant", "reps", "tempo"),
        False,
        "longer holds, more holds, more sets, then the harder variant (and its reps, then its tempo)",
    ),
    "load_ladder": RuleSpec(
        ("reps", "load", "variant", "sets", "tempo"),
        True,
        "a trained patient with weights: up the ladder to the rung with weights, then the ACSM load rule "
        "(reps to the top of the range, then more weight and the reps start again)",
    ),
    "glide": RuleSpec(
        ("sets", "reps", "variant"),
        False,
        "nerve glide: add a set, then reps; the tensioner only from the protocol's tensioner phase, gated by the symptom criterion",
    ),
}

# When a loading exercise's own rule has run out, these dimensions still progress it, in this
# order (no plateaus: a firmer band, the harder variant, a slower tempo, longer holds).
TAIL = ("load", "variant", "tempo", "hold_s")

# A trained patient with weights climbs the ladder to its rung with weights first (the rungs
# below it teach the movement), then loads it: reps to the top of the 8-12 range ("1-2 reps
# over the target"), then the next weight, the reps back to the bottom (ACSM 2009: +2-10 %).
# The harder variant is a change of its own (one a week), a heavier weight is a load step
# that may go on alongside; neither comes in a check-in week or the last week.
LOAD_LADDER = "load_ladder"
# A slot climbs this way only when its weights are at most this many rungs above its start: a
# slot that starts further down (a pelvic tilt under the bridges) is about another quality and
# keeps its own rule. Design choice.
LOAD_LADDER_RUNGS = 2

# Dimensions whose step makes the exercise harder at the same amount of work: only these send
# the reps back to the bottom of the range (a progression step never cuts work at the same load).
HARDER_DIMENSIONS = frozenset({"load", "variant"})
# Not a dimension: in a ``skip``, the load steps that switch to a harder version of the exercise
# (less support, a first weight), which count as the week's one change as a variant does.
SWITCH = "switch"
# Dimensions whose step makes a session longer; fitting to the minutes may skip them.
TIME_DIMENSIONS = frozenset({"reps", "holds", "hold_s", "sets", "minutes", "tempo", "pyramid"})
# McGill's descending pyramid: three sets, each two holds fewer (5-3-1, 6-4-2, 7-5-3).
PYRAMID_SETS = 3
PYRAMID_BASE = 5

# Stretch holds (Garber et al., ACSM 2011): most adults 10-30 s, 2-4 times (at least 60 s a
# day in total); older adults 30-60 s. No endless growth (seed 001 warns against prolonged
# piriformis stretching).
OLDER_ADULT_STRETCH_HOLD_S = 30
OLDER_ADULT_STRETCH_HOLD_MAX_S = 60
ADULT_STRETCH_HOLD_MAX_S = 30
STRETCH_SECONDS_A_DAY = 60


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

    def changed_dims(self, other: Dose) -> set[str]:
        return {f for f in self._fields if getattr(self, f) != getattr(other, f)}


_DOSE_FIELD = {name: i for i, name in enumerate(Dose._fields)}


def replaced(dose: Dose, **changes: str | int | Tempo | None) -> Dose:
    """``dose._replace(**changes)``, several times faster (namedtuple's goes through map and
    pop, and planning makes a new dose at every step)."""
    values = list(dose)
    for name, value in changes.items():
        values[_DOSE_FIELD[name]] = value
    return tuple.__new__(Dose, values)


@dataclass(frozen=True)
class Context:
    """What a step may use besides the dose: the library and what the patient can do."""

    exercises: dict[str, Exercise]
    allowed: Callable[[str], bool]  # may the patient do this exercise?
    loads_available: Callable[[Exercise], int]  # how many load options the patient can use
    older_adult: bool
    max_sets: int = 99  # a cap the planner sets when a session would not fit the minutes
    tensioners: bool = True  # sliders before tensioners: only from the protocol's tensioner phase
    pyramid: bool = False  # the slot's rule is McGill's pyramid (a harder variant restarts at 5-3-1)
    # External weight may come in (a loaded exercise or a load step to a weight): only from the
    # strengthen phase, never while symptoms settle (design choice).
    weights: bool = True


def needed(b: Bounds | None, exercise: Exercise, name: str) -> Bounds:
    """A range the exercise's dosage kind requires (``Dosage`` validates that it is there: a hold
    has reps and hold_s, reps have reps and a tempo, a duration has minutes)."""
    if b is None:
        raise ValueError(f"exercise '{exercise.id}': a '{exercise.dosage.kind.value}' dosage needs {name}")
    return b


def hold_bounds(exercise: Exercise, older_adult: bool) -> tuple[int, int, int]:
    b = needed(exercise.dosage.hold_s, exercise, "hold_s")
    lo, default, hi = int(b.min), int(b.default), int(b.max)
    if exercise.category.value == "stretch":
        if older_adult:
            lo = max(lo, min(OLDER_ADULT_STRETCH_HOLD_S, hi))
            hi = min(hi, max(lo, OLDER_ADULT_STRETCH_HOLD_MAX_S))
        else:
            hi = min(hi, max(lo, ADULT_STRETCH_HOLD_MAX_S))
            lo = min(lo, hi)
        default = max(lo, min(default, hi))
    return lo, default, hi


def start_dose(
    exercise: Exercise, ctx: Context, gentle: bool, sets: int | None = None, hold_default: bool = False, level: str | None = None
) -> Dose:
    """The first dose, by ``level``: "high" irritability starts at the bottom of every range,
    "moderate" at the library default, "low" a little above it, "trained" at the upper part of
    the ranges with one more set. ``gentle`` is the old name for "high"."""
    level = level or ("high" if gentle else "moderate")
    d = exercise.dosage

    def pick(b: Bounds) -> int:
        lo, default, hi = int(b.min), int(b.default), int(b.max)
        if level == "high":
            return lo
        if level == "low":
            return min(hi, default + max(1, (hi - default) // 3))
        if level == "trained":
            return min(hi, default + max(1, (hi - default) // 2))
        return default

    hold = None
    if d.kind is DoseKind.hold:
        lo, default, hi = hold_bounds(exercise, ctx.older_adult)
        hold = lo if level == "high" and not hold_default else default
    wanted_sets = int(d.sets.default) + (1 if level == "trained" else 0)
    wanted_sets = int(d.sets.min) if level == "high" else wanted_sets
    start_sets = int(d.sets.clamp(wanted_sets if sets is None else sets))
    start_sets = min(start_sets, max(ctx.max_sets, int(d.sets.min)))
    reps = pick(d.reps) if d.reps else 1
    if d.kind is DoseKind.hold and exercise.category.value == "stretch" and hold:
        # At least 60 s a day in total per stretch (Garber 2011).
        need = -(-STRETCH_SECONDS_A_DAY // (hold * start_sets))
        reps = int(needed(d.reps, exercise, "reps").clamp(max(reps, need)))
    if ctx.pyramid and d.kind is DoseKind.hold:
        start_sets = min(int(d.sets.max), PYRAMID_SETS)
        reps = int(needed(d.reps, exercise, "reps").clamp(PYRAMID_BASE))
        hold = default if hold is not None else None
    return Dose(
        exercise=exercise.id,
        sets=start_sets,
        reps=reps,
        hold_s=hold,
        minutes=pick(d.minutes) if d.minutes else None,
        tempo=d.tempo,
        load_index=0,
    )


def step(dose: Dose, rule: Rule, ctx: Context, skip: frozenset[str] = frozenset()) -> tuple[Dose, str | None]:
    """Advance ``dose`` by one step of ``rule``; return the new dose and a note (None = no room).

    ``skip`` names dimensions not to use this time (a session at its minutes skips the ones
    that add time; a reassessment week skips the harder ones). ``SWITCH`` skips only the load
    steps that switch to a harder version (``switches_version``: one change a week); "load"
    skips them all.
    """
    spec = RULES[rule.name]
    ex = ctx.exercises[dose.exercise]
    dims = dimensions(rule, ex)
    if rule.name == LOAD_LADDER and not with_weights(ex):
        dims = _below_weights(ex, ctx)
    for i, dim in enumerate(dims):
        if dim in skip:
            continue
        if dim == "load" and SWITCH in skip and switches_version(ex, dose.load_index + 1):
            continue  # a switch to a harder version is the week's one change: taken already
        advanced = _advance(dim, dose, rule, ex, ctx)
        if advanced is None:
            continue
        new, note = advanced
        if dim == "load":
            # A firmer band: the reps start again at the bottom of the range.
            for lower in dims[:i] if spec.resets else ("reps", "holds"):
                new = _reset(lower, new, ex, ctx)
        return new, note
    return dose, None


def dimensions(rule: Rule, ex: Exercise) -> tuple[str, ...]:
    """The rule's dimensions, then (for a loading exercise) the ``TAIL`` it does not name."""
    return _dimensions(rule.name, ex.is_loading, ex.dosage.kind is DoseKind.hold)


def with_weights(ex: Exercise) -> bool:
    """An exercise done holding weights (its equipment names them)."""
    return any(e.value == "weight" for e in ex.equipment)


def ladder_reaches_weights(start: str, exercises: dict[str, Exercise], allowed: Callable[[str], bool], within: int = 99) -> bool:
    """True when the ladder up from ``start`` reaches a rung with weights the patient may do,
    ``within`` rungs up at most (rungs the patient may not do are skipped and not counted, as
    a variant step skips them)."""
    seen: set[str] = set()
    rung: str | None = start
    climbed = 0
    while rung and rung in exercises and rung not in seen and climbed <= within:
        seen.add(rung)
        if allowed(rung) and with_weights(exercises[rung]):
            return True
        rung = exercises[rung].harder
        climbed += bool(rung) and rung in exercises and allowed(rung)
    return False


# A hold ladder that has reached its reps variant (single-leg stance -> supported step-down)
# progresses that variant's reps before the next variant, like any ladder.
REPS_VARIANT_OF_A_HOLD_LADDER = ("reps", "sets", "variant", "tempo")


@cache
def _dimensions(rule_name: str, loading: bool, holds: bool) -> tuple[str, ...]:
    own = RULES[rule_name].dimensions
    if rule_name == "hold_ladder" and not holds:
        own = REPS_VARIANT_OF_A_HOLD_LADDER
    if not own or not loading:
        return own
    return own + tuple(d for d in TAIL if d not in own)


def trade(dose: Dose, rule: Rule, ctx: Context) -> tuple[Dose, str] | None:
    """A step that costs no minutes, for a session at its time limit: a slower tempo with fewer
    reps, or longer holds with fewer holds, never more seconds of work than before (design
    choice: harder reps or holds in the same time; docs/planner.md). None when there is no room
    (tempo at its slowest or reps at the bottom; holds at their longest or fewest)."""
    ex = ctx.exercises[dose.exercise]
    d = ex.dosage
    if not ex.is_loading:
        return None  # stretches, glides and the walk are steady by design
    if d.kind is DoseKind.reps and dose.tempo is not None and d.reps:
        slower = _advance("tempo", dose, rule, ex, ctx)
        new = slower[0] if slower is not None else None
        if new is not None and new.tempo is not None:
            reps = dose.reps * dose.tempo.rep_s // new.tempo.rep_s
            if reps >= d.reps.min and new.tempo.rep_s > dose.tempo.rep_s:
                return replaced(new, reps=reps), f"slower reps, same time: tempo {new.tempo}, {reps} a set"
    if d.kind is DoseKind.hold and dose.hold_s and d.reps and not ctx.pyramid:
        _, _, hi = hold_bounds(ex, ctx.older_adult)
        for more in range(min(rule.hold_step_s, hi - dose.hold_s), 0, -1):
            holds = dose.reps * dose.hold_s // (dose.hold_s + more)
            if d.reps.min <= holds < dose.reps:
                return replaced(
                    dose, hold_s=dose.hold_s + more, reps=holds
                ), f"longer holds, same time: {dose.hold_s + more} seconds, {holds} a set"
    return None


def last_dimension(dose: Dose, rule: Rule, ctx: Context) -> bool:
    """True when no dimension of the rule has room left (the top of the library's ranges)."""
    return step(dose, rule, ctx)[1] is None


Advanced = tuple[Dose, str] | None  # the dose one step on and its note; None: no room


def _advance(dim: str, dose: Dose, rule: Rule, ex: Exercise, ctx: Context) -> Advanced:
    if dim in ("holds", "hold_s") and ex.dosage.kind is not DoseKind.hold:
        return None  # after a ladder step from a hold to a reps exercise
    advance = _ADVANCE.get(dim)
    if advance is None:
        raise ValueError(f"unknown dimension {dim}")
    return advance(dim, dose, rule, ex, ctx)


def _more_reps(dim: str, dose: Dose, rule: Rule, ex: Exercise, ctx: Context) -> Advanced:
    """reps, holds (per set) and pyramid: up toward the top of the reps range."""
    d = ex.dosage
    top = int(d.reps.max) if d.reps else 1
    if dose.reps >= top:
        return None
    inc = rule.reps_step if dim == "reps" else 1
    new = min(top, dose.reps + inc)
    n = new - dose.reps
    if dim == "pyramid":
        return replaced(dose, reps=new), "one more hold in each set"
    word = ("rep" if n == 1 else "reps") if dim == "reps" else ("hold" if n == 1 else "holds")
    return replaced(dose, reps=new), f"{n} more {word}"


def _longer_hold(dim: str, dose: Dose, rule: Rule, ex: Exercise, ctx: Context) -> Advanced:
    _, _, hi = hold_bounds(ex, ctx.older_adult)
    if dose.hold_s is None or dose.hold_s >= hi:
        return None
    new = min(hi, dose.hold_s + rule.hold_step_s)
    return replaced(dose, hold_s=new), f"hold {new - dose.hold_s} seconds longer"


def _more_minutes(dim: str, dose: Dose, rule: Rule, ex: Exercise, ctx: Context) -> Advanced:
    top = int(needed(ex.dosage.minutes, ex, "minutes").max) if dose.minutes is not None else 0
    if dose.minutes is None or dose.minutes >= top:
        return None
    new = min(top, dose.minutes + rule.minutes_step)
    return replaced(dose, minutes=new), count(new - dose.minutes, "more minute")


def _one_more_set(dim: str, dose: Dose, rule: Rule, ex: Exercise, ctx: Context) -> Advanced:
    d = ex.dosage
    if dose.sets >= min(int(d.sets.max), ctx.max_sets):
        return None
    new_sets = dose.sets + 1
    if d.kind is DoseKind.duration or not d.reps or not ex.is_loading:
        return replaced(dose, sets=new_sets), "one more set"
    # One more set keeps the reps near the middle of the range and never cuts the total
    # (2 x 15 -> 3 x 12, not 3 x 8: same load, so no less work).
    lo, hi = int(d.reps.min), int(d.reps.max)
    middle = -(-(lo + hi) // 2)
    reps = max(min(dose.reps, middle), -(-(dose.sets * dose.reps) // new_sets))
    reps = max(lo, min(hi, reps))
    return replaced(dose, sets=new_sets, reps=reps), "one more set"


def is_weighted(ex: Exercise) -> bool:
    """An exercise done with external weight: tagged ``loaded`` or its equipment names weights."""
    return "loaded" in ex.tags or with_weights(ex)


def carries_weight(load_option: str) -> bool:
    """A load option that puts a weight in the hand or on the body ("holding a light weight",
    "a shopping bag with about 2 kg"), unlike a band, a hand on the counter or "no weight"."""
    text = load_option.lower()
    return ("weight" in text or " kg" in text) and not text.startswith("no ")


def switches_version(ex: Exercise, to_index: int) -> bool:
    """Is the load step up to option ``to_index`` a harder version of the exercise, a change of
    its own (one a week), rather than a load step that goes on alongside? A firmer band and a
    heavier weight where one is already carried (ACSM: about +2-10 %) are load steps; less
    support (hands on the armrests -> arms crossed, a hand -> fingertips on the counter) and a
    first weight (no load -> a shopping bag of about 2 kg, arms crossed -> holding a light weight)
    make the exercise another one for the patient, as a harder variant does."""
    options = ex.dosage.load_options
    if not 0 < to_index < len(options):
        return False
    before, after = options[to_index - 1], options[to_index]
    if "band" in after.lower():
        return False
    return not (carries_weight(before) and carries_weight(after))


def switched_version(ex: Exercise, before: int, after: int) -> bool:
    """Does a load step from option ``before`` to option ``after`` pass a switch to a harder
    version (``switches_version``) on the way?"""
    return any(switches_version(ex, i) for i in range(before + 1, after + 1))


def _more_load(dim: str, dose: Dose, rule: Rule, ex: Exercise, ctx: Context) -> Advanced:
    if dose.load_index + 1 >= ctx.loads_available(ex):
        return None
    new_load = ex.dosage.load_options[dose.load_index + 1]
    if not ctx.weights and carries_weight(new_load):
        return None  # a weight only from the strengthen phase
    return replaced(
        dose, load_index=dose.load_index + 1
    ), f"switch to the {new_load}" if "band" in new_load else f"switch to: {new_load}"


def _slower_tempo(dim: str, dose: Dose, rule: Rule, ex: Exercise, ctx: Context) -> Advanced:
    slowest = ex.dosage.tempo_slowest
    t = dose.tempo
    if t is None or slowest is None:
        return None
    for name in ("lower_s", "bottom_s", "lift_s", "top_s"):
        if getattr(t, name) < getattr(slowest, name):
            new_t = t.model_copy(update={name: getattr(t, name) + 1})
            return replaced(dose, tempo=new_t), f"lower more slowly: tempo {new_t}"
    return None


def _next_rung(ex: Exercise, ctx: Context) -> Exercise | None:
    """The next rung the patient can do: an excluded rung (a floor bridge for a patient who
    cannot get down) is skipped, and the ladder goes on to the one after it."""
    harder = ex.harder
    seen = {ex.id}
    while harder and harder in ctx.exercises and harder not in seen and not ctx.allowed(harder):
        seen.add(harder)
        harder = ctx.exercises[harder].harder
    if not harder or harder not in ctx.exercises or harder in seen or not ctx.allowed(harder):
        return None
    return ctx.exercises[harder]


def _below_weights(ex: Exercise, ctx: Context) -> tuple[str, ...]:
    """A load ladder's dimensions on a rung without weights.

    A rung of reps goes on to the weights (its variant step goes straight to the first rung
    with weights above it), after the loads it has itself (a bag to hold: the first bag is a
    week's one change, a heavier one goes on alongside other changes, where a new rung must
    wait its week). A rung of holds goes on up
    first (the rungs teach the movement; a trained patient need not stay on them). Its own
    steps come in the weeks the next rung must wait. A rung above the weights (a single-leg
    version) progresses as any ladder does."""
    holds = ex.dosage.kind is DoseKind.hold
    ladder = _dimensions("hold_ladder" if holds else "ladder", ex.is_loading, holds)
    nxt = _next_rung(ex, ctx)
    if nxt is None or not ladder_reaches_weights(nxt.id, ctx.exercises, ctx.allowed):
        return ladder
    first = ("variant",) if holds else ("load", "variant")
    return (*first, *(d for d in ladder if d not in first))


def _weights_rung(ex: Exercise, ctx: Context) -> Exercise | None:
    """A load ladder's next rung from a reps exercise: the first rung with weights above it,
    past the body-weight rungs between (a trained patient with weights loads the glute bridge
    rather than first learning it on one leg). None when no rung with weights is above."""
    rung = _next_rung(ex, ctx)
    seen = {ex.id}
    while rung is not None and rung.id not in seen and not with_weights(rung):
        seen.add(rung.id)
        rung = _next_rung(rung, ctx)
    return rung if rung is not None and with_weights(rung) else None


def _harder_variant(dim: str, dose: Dose, rule: Rule, ex: Exercise, ctx: Context) -> Advanced:
    target = None
    if rule.name == LOAD_LADDER and ex.dosage.kind is DoseKind.reps and not with_weights(ex):
        target = _weights_rung(ex, ctx)
    target = target or _next_rung(ex, ctx)
    if target is None:
        return None
    if not ctx.weights and is_weighted(target):
        return None  # a loaded exercise only from the strengthen phase
    if target.is_tensioner and not ctx.tensioners:
        return None
    if not target.is_loading:
        # A nerve glide or stretch: the harder one starts at its own gentle dose.
        return start_dose(target, ctx, gentle=True), f"harder version: {target.name}"
    # Keep the sets (volume must not fall); start the harder variant at the bottom of
    # its ranges. Refuse the step if the harder variant cannot take this many sets.
    if dose.sets > target.dosage.sets.max:
        return None
    # Holds keep their usual length (McGill's 10 s); the number of holds starts low, and a
    # pyramid restarts at its base (5-3-1).
    base = start_dose(target, ctx, gentle=True, sets=dose.sets, hold_default=True)
    if not ctx.pyramid:
        base = replaced(base, sets=dose.sets)
    return base, f"harder version: {target.name}"


# One step of each dose dimension a rule may name.
_ADVANCE: dict[str, Callable[[str, Dose, Rule, Exercise, Context], Advanced]] = {
    "reps": _more_reps,
    "holds": _more_reps,
    "pyramid": _more_reps,
    "hold_s": _longer_hold,
    "minutes": _more_minutes,
    "sets": _one_more_set,
    "load": _more_load,
    "tempo": _slower_tempo,
    "variant": _harder_variant,
}


def _reset(dim: str, dose: Dose, ex: Exercise, ctx: Context) -> Dose:
    d = ex.dosage
    if dim in ("reps", "holds", "pyramid") and d.reps:
        return replaced(dose, reps=int(d.reps.min))
    if dim == "hold_s" and dose.hold_s is not None:
        return replaced(dose, hold_s=hold_bounds(ex, ctx.older_adult)[0])
    if dim == "minutes" and d.minutes:
        return replaced(dose, minutes=int(d.minutes.min))
    if dim == "tempo" and d.tempo:
        return replaced(dose, tempo=d.tempo)
    # sets and load are never reset by a later dimension
    return dose


def deload(dose: Dose, ex: Exercise, factor: float, older_adult: bool = False, pyramid: bool = False) -> Dose:
    """A deload week's dose: the week's work (sets x reps x seconds) times ``factor``, never
    outside the exercise's own bounds (clinical brief: a dose never leaves them, in a deload or
    anywhere else).

    Fewer sets first; then fewer reps or holds down to the bottom of the range; then shorter
    holds down to theirs. A pyramid steps down toward its base (7-5-3 -> 5-3-1), then shortens
    its holds. An exercise already at the bottom of everything keeps its dose (the planner
    places a deload only where the week's work can fall by 30-50 %).
    """
    d = ex.dosage
    if d.kind is DoseKind.duration:
        lo = int(d.minutes.min) if d.minutes else 1
        return replaced(dose, minutes=max(lo, round((dose.minutes or 0) * factor)))
    hold = dose.hold_s if d.kind is DoseKind.hold and dose.hold_s else 1
    hold_lo = hold_bounds(ex, older_adult)[0] if d.kind is DoseKind.hold and dose.hold_s else 1
    reps_lo = int(d.reps.min) if d.reps else 1
    if pyramid and d.kind is DoseKind.hold:
        target = sum(dose.pyramid()) * hold * factor
        new = dose
        while new.reps > max(PYRAMID_BASE, reps_lo) and sum(new.pyramid()) * hold > target * 1.15:
            new = replaced(new, reps=new.reps - 1)
        if sum(new.pyramid()) * hold > target * 1.15 and dose.hold_s:
            new = replaced(new, hold_s=max(hold_lo, min(dose.hold_s, round(target / sum(new.pyramid())))))
        return new
    target = dose.sets * dose.reps * hold * factor
    sets = max(int(d.sets.min), min(dose.sets, round(dose.sets * factor)))
    reps = dose.reps
    if sets * reps * hold > target * 1.15:
        reps = max(reps_lo, min(dose.reps, round(target / (sets * hold))))
    new = replaced(dose, sets=sets, reps=reps)
    if d.kind is DoseKind.hold and dose.hold_s and sets * reps * hold > target * 1.15:
        new = replaced(new, hold_s=max(hold_lo, min(dose.hold_s, round(target / (sets * reps)))))
    return new
