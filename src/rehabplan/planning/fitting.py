"""Fitting each day to the patient's minutes and the exercise cap, by named steps."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rehabplan.errors import PatientError, Problem
from rehabplan.models import (
    Category,
    DoseKind,
    Exercise,
    Patient,
)
from rehabplan.planning.progression import (
    PYRAMID_SETS,
    TIME_DIMENSIONS,
    Dose,
    replaced,
    step,
    trade,
)
from rehabplan.planning.rules import HOLD_TRANSITION_S, PLATEAU_WEEKS, SETUP_S
from rehabplan.planning.state import _Prop, _Slot
from rehabplan.planning.timing import _sides_count
from rehabplan.sources.library import Library


# ------------------------------------------------------------------ fitting: named steps
@dataclass(frozen=True)
class FitStep:
    name: str
    description: str


# Applied in this order, each to the least important slots first (not core, highest priority
# number, latest in the protocol), until every day fits the minutes and the exercise cap.
FIT_STEPS = (
    FitStep("hold", "a slot that is not core keeps last week's dose instead of a step that adds time"),
    FitStep("start-low", "a slot new this week starts at its fewest sets"),
    FitStep("wait", "a new slot that is not core is left out"),
    FitStep(
        "hold-core",
        "a core slot keeps last week's dose instead of a step that adds time (a band or a harder variant may still come)",
    ),
    FitStep("fewer-sets", "slots that are not core drop to their fewest sets"),
    FitStep("leave-out", "a slot that is not core is left out from this week"),
    FitStep("core-fewer-sets", "core slots drop to their fewest sets"),
)


def _day_load(props, slots, library, patient, pattern, cache) -> list[tuple[int, float, int]]:
    """(day, seconds, exercises) of every planned day: its slots plus every-day items (not the walk).

    ``cache``: (dose, pyramid) -> seconds for this patient (a dose is asked about several times a
    week, and most doses stand for more than one week)."""
    daily_s, daily_n = 0.0, 0
    secs_of = [0.0] * 7
    count_of = [0] * 7
    for s in slots:
        p = props.get(s.id)
        if p is None:
            continue
        secs = p.secs
        if secs < 0:
            secs = p.secs = _seconds(p.dose, s.pyramid, library, patient, cache)
        if s.every_day:
            if secs:  # the walk counts no session time (it is its own bout); everything else does
                daily_s += secs
                daily_n += 1
            continue
        for d in s.days:
            secs_of[d] += secs
            count_of[d] += 1
    return [(d.day, secs_of[d.day] + daily_s, count_of[d.day] + daily_n) for d in pattern if count_of[d.day]] or [
        (-1, daily_s, daily_n)
    ]


def _seconds(dose: Dose, pyramid: bool, library: Library, patient: Patient, cache: dict) -> float:
    """``_dose_seconds`` for this patient, each exercise's constants looked up once a plan
    (``cache``: exercise id -> (kind, aerobic, sides, rest_s, timed))."""
    info = cache.get(dose.exercise)
    if info is None:
        ex = library.exercises[dose.exercise]
        d = ex.dosage
        kind = 0 if d.kind is DoseKind.duration else 1 if d.kind is DoseKind.hold else 2
        info = cache[dose.exercise] = (
            kind,
            ex.category is Category.aerobic,
            _sides_count(ex, patient),
            int(d.rest_s.default),
            d.tempo is not None,
        )
    kind, aerobic, sides, rest_s, timed = info
    if kind == 0:
        return 0.0 if aerobic else (dose.minutes or 0) * 60.0
    if kind == 1:
        holds = sum(dose.pyramid()) if pyramid else dose.sets * dose.reps
        work = holds * ((dose.hold_s or 0) + HOLD_TRANSITION_S) * sides
    else:
        work = dose.sets * dose.reps * (timed and dose.tempo.rep_s or 0) * sides
    return work + (dose.sets - 1) * rest_s + SETUP_S


_NO_ROOM = (0.0, 0)  # a day with nothing reserved


def _fit(
    props,
    states,
    slots,
    library,
    protocol,
    patient,
    pattern,
    week,
    dropped,
    ctxs,
    cache=None,
    reserve=None,
    no_harder=frozenset(),
) -> None:
    """Apply FIT_STEPS until every day fits the patient's minutes and the exercise cap.

    Every step but the last (core slots to their fewest sets) keeps ``reserve`` free: the room
    later core slots will need, so nothing is trimmed later to make room for them.
    """
    cache = {} if cache is None else cache
    reserve = reserve or {}
    limit_s = patient.minutes * 60
    cap = protocol.max_exercises_per_session
    kept_s, kept_n = reserve.get(-1, (0.0, 0))

    def seconds(s: _Slot, dose: Dose) -> float:
        return _seconds(dose, s.pyramid, library, patient, cache)

    # Once fitting starts changing slots, each day's totals are kept up to date slot by slot
    # instead of added up again after every change (whole seconds: the same sums exactly).
    secs_of: list[float] = []
    count_of: list[int] = []
    daily = [0.0, 0]

    def count(s: _Slot, p: _Prop, sign: int) -> None:
        secs = p.secs
        if secs < 0:
            secs = p.secs = _seconds(p.dose, s.pyramid, library, patient, cache)
        if s.every_day:
            if secs:  # the walk counts no session time
                daily[0] += sign * secs
                daily[1] += sign
            return
        for d in s.days:
            secs_of[d] += sign * secs
            count_of[d] += sign

    def put(s: _Slot, new: _Prop) -> None:
        count(s, props[s.id], -1)
        props[s.id] = new
        count(s, new, 1)

    def drop(s: _Slot) -> None:
        count(s, props.pop(s.id), -1)

    def over(keep: bool = True) -> tuple[bool, bool]:
        if secs_of:
            daily_s, daily_n = daily
            loads = [(d.day, secs_of[d.day] + daily_s, count_of[d.day] + daily_n) for d in pattern if count_of[d.day]]
            loads = loads or [(-1, daily_s, daily_n)]
        else:
            loads = _day_load(props, slots, library, patient, pattern, cache)
        time = many = False
        if keep and reserve:
            for d, sec, n in loads:
                r = reserve.get(d, _NO_ROOM) if d >= 0 else _NO_ROOM
                time = time or sec > limit_s - kept_s - r[0]
                many = many or n > cap - kept_n - r[1]
            return time, many
        for _, sec, n in loads:
            time = time or sec > limit_s
            many = many or n > cap
        return time, many

    time_over, cap_over = over()
    if not (time_over or cap_over):
        return
    secs_of[:], count_of[:] = [0.0] * 7, [0] * 7
    for s in slots:
        if s.id in props:
            count(s, props[s.id], 1)
    order = sorted((s for s in slots if s.id in props), key=_Slot.importance)
    # Holding for time is shared: of equal importance, the exercise that changed most recently
    # waits first, so the one that has waited longest progresses (no plateaus).
    hold_order = sorted(order, key=lambda s: (s.core, states[s.id].same, s.importance()))
    why = lambda: (
        f"more than {cap} exercises in a session"
        if cap_over  # noqa: E731
        else f"not enough time in {patient.minutes} minutes"
    )
    for fit_step in FIT_STEPS:
        if fit_step.name == "core-fewer-sets":
            time_over, cap_over = over(keep=False)  # the last resort uses the whole session
        for s in hold_order if fit_step.name in ("hold", "hold-core") else order:
            if not (time_over or cap_over):
                return
            p = props.get(s.id)
            if p is None:
                continue
            ex = library.exercises[p.dose.exercise]
            name = fit_step.name
            if (
                name in ("hold", "hold-core")
                and time_over
                and (name == "hold") != s.core
                and not p.new
                and p.prev is not None
                and p.dose != p.prev
            ):
                if seconds(s, p.dose) > seconds(s, p.prev):
                    # Hold the dose; at the top of the rep range a step that adds no time (a
                    # firmer band, the harder variant) may still come.
                    skip = TIME_DIMENSIONS | no_harder
                    # From the middle of the rep range (ACSM: more load once the target reps
                    # are done), so a patient short of time still progresses.
                    # After weeks at one dose, from anywhere in the range.
                    r = library.exercises[p.prev.exercise].dosage.reps
                    stale = states[s.id].same >= PLATEAU_WEEKS - 1
                    # A firmer band or load first (it may go on alongside another change); the
                    # harder variant only when none is left, and never the week after another.
                    alt, note = p.prev, None
                    if r and (stale or p.prev.reps >= (r.min + r.max) / 2):
                        alt, note = step(p.prev, s.rule, ctxs[s.id], skip | {"variant"})
                        if note is None and not _recent_variant(states[s.id], week):
                            alt, note = step(p.prev, s.rule, ctxs[s.id], skip)
                    if note is None or seconds(s, alt) > seconds(s, p.prev):
                        # After weeks at one dose, a step that costs no minutes: slower reps or
                        # longer holds in the same time.
                        traded = trade(p.prev, s.rule, ctxs[s.id]) if stale else None
                        alt, note = traded or (p.prev, "same as last week, to fit your time")
                    put(s, _Prop(alt, note, False, p.prev))
            elif name == "start-low" and time_over and p.new and p.dose.sets > _fewest_sets(s, ex):
                put(s, _Prop(replaced(p.dose, sets=_fewest_sets(s, ex)), p.note, True, None))
            elif name == "wait" and p.new and not s.core and not s.slot.required:
                drop(s)
                states[s.id].left_out = dropped[s.id] = f"left out to fit: {why()}"
            elif name == "fewer-sets" and time_over and not s.core and p.dose.sets > _fewest_sets(s, ex):
                states[s.id].max_sets = _fewest_sets(s, ex)
                put(s, _Prop(replaced(p.dose, sets=_fewest_sets(s, ex)), "fewer sets, to fit your time", p.new, p.prev))
            elif name == "leave-out" and not s.core and not s.slot.required:
                drop(s)
                where = "" if week == 1 else f" from week {week}"
                states[s.id].left_out = dropped[s.id] = f"left out{where} to fit: {why()}"
            elif name == "core-fewer-sets" and time_over and p.dose.sets > _fewest_sets(s, ex):
                states[s.id].max_sets = _fewest_sets(s, ex)
                put(s, _Prop(replaced(p.dose, sets=_fewest_sets(s, ex)), "fewer sets, to fit your time", p.new, p.prev))
            else:
                continue
            time_over, cap_over = over(keep=fit_step.name != "core-fewer-sets")
    time_over, cap_over = over(keep=False)
    if time_over or cap_over:
        loads = _day_load(props, slots, library, patient, pattern, cache)
        if cap_over:
            n = max(c for _, _, c in loads)
            raise PatientError(
                f"protocol '{protocol.id}' needs {n} exercises in a session; the cap is {cap}",
                [
                    Problem(
                        None,
                        None,
                        "protocol",
                        "every exercise left is core or required",
                        "raise max_exercises_per_session or make slots optional",
                    )
                ],
            )
        need = math.ceil(max(sec for _, sec, _ in loads) / 60)
        raise PatientError(
            f"the program needs about {need} minutes a session (week {week}); the patient has {patient.minutes}",
            [
                Problem(
                    None,
                    None,
                    "minutes",
                    f"{patient.minutes} minutes is too short for the core exercises at their lightest",
                    f"allow at least {need} minutes a session, or more sessions a week, or choose another protocol",
                )
            ],
        )


def _recent_variant(st, week: int) -> bool:
    """True when the slot moved on to another exercise last week (each harder version is practised first)."""
    d1, d2 = st.timeline.get(week - 1), st.timeline.get(week - 2)
    return d1 is not None and d2 is not None and d1.exercise != d2.exercise


def _fewest_sets(s: _Slot, ex: Exercise) -> int:
    """The fewest sets fitting may leave: a pyramid keeps its three sets (5-3-1 is the base)."""
    if s.rule.name == "pyramid" and ex.dosage.kind is DoseKind.hold:
        return min(int(ex.dosage.sets.max), PYRAMID_SETS)
    return int(ex.dosage.sets.min)


def _adds_time(dims: set[str]) -> bool:
    return bool(dims & {"sets", "reps", "hold_s", "minutes", "tempo"})
