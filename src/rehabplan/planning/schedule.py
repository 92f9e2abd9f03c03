"""The one pass, week by week: every slot's dose timeline grows by its rule; deloads, the
volume limit and fitting to the minutes are named transforms of those timelines."""

from __future__ import annotations

import math
from dataclasses import replace

from rehabplan.models import (
    AgeBand,
    Irritability,
    Patient,
    Rule,
    TrainingStatus,
)
from rehabplan.planning.choice import _excluder, _loads_available
from rehabplan.planning.days import HIP_AND_LEG
from rehabplan.planning.fitting import _fewest_sets, _fit
from rehabplan.planning.phases import _phase_of, _targets
from rehabplan.planning.progression import (
    HARDER_DIMENSIONS,
    Context,
    replaced,
    start_dose,
    step,
    trade,
)
from rehabplan.planning.rules import _NO_DIMENSIONS, PLATEAU_WEEKS, WALK_STEP_MAX_MIN
from rehabplan.planning.state import SlotState, _Prop, _Slot
from rehabplan.planning.timing import _dose_seconds
from rehabplan.planning.volume import _limit_volume, _volume
from rehabplan.sources.library import Library


def _context(
    library: Library, patient: Patient, s: _Slot, others: set[str], strength_days: set[int], why_not=None, loads_available=None
) -> Context:
    on_short_days = any(d not in strength_days for d in s.days)
    why_not = why_not or _excluder(patient)
    answers: dict[str, bool] = {}  # exercise id -> allowed (asked at every variant step)

    def allowed(ex_id: str) -> bool:
        answer = answers.get(ex_id)
        if answer is None:
            answer = answers[ex_id] = _allowed(ex_id)
        return answer

    def _allowed(ex_id: str) -> bool:
        ex = library.exercises[ex_id]
        b = ex.dosage.sessions_per_week
        if on_short_days and ex.category in HIP_AND_LEG:
            return False  # a core slot on short days never turns into hip and leg loading
        return ex_id not in others and why_not(ex) is None and b.min <= s.per_week <= b.max

    return Context(
        exercises=library.exercises,
        allowed=allowed,
        loads_available=loads_available or _loads_available(patient),
        older_adult=patient.age_band is AgeBand.older,
        pyramid=s.rule.name == "pyramid",
    )


def _start_level(patient: Patient) -> str:
    if patient.irritability is Irritability.high:
        return "high"  # irritability wins: a trained patient in a flare still starts gently
    if patient.training_status is TrainingStatus.trained:
        return "trained"
    return patient.irritability.value


def _schedule(
    library, protocol, patient, phases, reassessment, pattern, slots, dropped
) -> tuple[dict[str, SlotState], list[int]]:
    """The one pass: every slot's dose timeline, week by week, with its named transforms."""
    level = _start_level(patient)
    states = {s.id: SlotState() for s in slots}
    starts = {s.start for s in slots}
    strength_days = {d.day for d in pattern if d.kind == "strength"}
    why_not = _excluder(patient)
    loads = _loads_available(patient)
    ctxs = {s.id: _context(library, patient, s, starts - {s.start}, strength_days, why_not, loads) for s in slots}
    phase_index = {p.id: i for i, p in enumerate(phases)}
    tension_from = phase_index.get(protocol.tensioners_from_phase or "", 1)
    phase_starts = {p.first_week for p in phases}
    targets = _targets(protocol, phases)
    deload_weeks: list[int] = []
    ctx_cache: dict[tuple, Context] = {}
    seconds_cache: dict = {}  # what timing a dose needs of each exercise, for every fitting check of this plan
    start_seconds: dict[str, float] = {}  # slot -> seconds of its lightest start (reserved room)
    last_deload = 0
    last_volume: int | None = None
    was_deload = progressed = False
    # Core and required slots that start after week 1: fitting keeps their room (_reserve).
    first_week = {s.id: min((p.first_week for p in phases if p.id in s.slot.phases), default=0) for s in slots}
    later = [s for s in slots if (s.core or s.slot.required) and first_week[s.id] > 1]
    for week in range(1, patient.weeks + 1):
        phase = _phase_of(phases, week)
        first_phase = phase_index[phase.id] == 0
        # No deload while every loading exercise is still at its first dose.
        progressed = progressed or any(
            st.dose is not None and st.dose != st.first and library.exercises[st.dose.exercise].is_loading
            for st in states.values()
        )
        is_deload = (
            week - last_deload >= protocol.deload_every_weeks
            and not first_phase
            and week not in phase_starts
            and week != reassessment
            and week != patient.weeks
            and progressed
        )
        props: dict[str, _Prop] = {}
        now: dict[str, Context] = {}  # this week's context per slot (tensioners, set caps)
        for s in slots:
            st = states[s.id]
            if st.left_out or phase.id not in s.slot.phases:
                continue
            # Contexts are made once per (slot, tensioners allowed, set cap), not every week.
            key = (s.id, phase_index[phase.id] >= tension_from, st.max_sets)
            ctx = ctx_cache.get(key)
            if ctx is None:
                ctx = ctxs[s.id]
                if ctx.tensioners != key[1] or ctx.max_sets != st.max_sets:
                    ctx = replace(ctx, tensioners=key[1], max_sets=st.max_sets)
                ctx_cache[key] = ctx
            now[s.id] = ctx
            if st.dose is None:
                if is_deload:
                    continue  # nothing new starts in a lighter week
                # Training status is about resistance work: stretches, glides and the walk
                # start at the usual dose for a trained patient.
                own = "moderate" if level == "trained" and not library.exercises[s.start].is_loading else level
                dose = start_dose(library.exercises[s.start], ctx, gentle=False, level=own)
                note = "new this week" if week > 1 else None
                if s.fallback_note:
                    note = s.fallback_note if note is None else f"{note} ({s.fallback_note})"
                props[s.id] = _Prop(dose, note, True, None)
                continue
            dose, note = st.dose, None
            if not is_deload:
                # High irritability: the first phase progresses half as often (design choice);
                # after its criterion week the patient progresses normally.
                # Never more than 3 weeks at one dose (no plateaus).
                every = s.rule.every_weeks
                if level == "high" and first_phase:
                    every = min(2 * every, max(every, PLATEAU_WEEKS))
                due = st.runs > 0 and st.runs % every == 0
                target = targets.get(s.id)
                rule = _walk_rule(s, st, target, week, protocol.deload_every_weeks) if target else s.rule
                skip = HARDER_DIMENSIONS if week == reassessment else _NO_DIMENSIONS
                if st.ramp_to and dose.sets < min(st.ramp_to, st.max_sets):
                    dose, note = replaced(dose, sets=dose.sets + 1), "one more set"
                elif due or st.pending:
                    dose, note = step(dose, rule, ctx, skip)
                    if note is None and st.max_sets < 99:
                        dose, note = trade(dose, rule, ctx) or (dose, "same as last week, to fit your time")
                    if note and "harder version" in note and library.exercises[dose.exercise].is_tensioner:
                        note = f"{note}, {protocol.tensioner_gate}"
            if was_deload and not is_deload:
                note = "back to full dose" + (f"; {note}" if note else "")
            if dose is st.dose:
                props[s.id] = _Prop(dose, note, False, dose, st.secs, st.volume)
            else:
                props[s.id] = _Prop(dose, note, False, st.dose)
        # Time first (a step that does not fit is held, and says so), then the volume limit,
        # then time again for the volume limit's other steps (reps, tempo).
        reserve = _reserve(library, patient, later, states, phases, week, level, ctxs, start_seconds) if later else None
        _fit(props, states, slots, library, protocol, patient, pattern, week, dropped, now, seconds_cache, reserve)
        if not is_deload and last_volume is not None:
            if _limit_volume(props, states, slots, last_volume, protocol, library, now, week, reassessment):
                _fit(props, states, slots, library, protocol, patient, pattern, week, dropped, now, seconds_cache, reserve)
        for s in slots:
            st = states[s.id]
            prop = props.get(s.id)
            if prop is None:
                continue
            if prop.new:
                st.first = prop.dose
            if not is_deload:
                st.same = st.same + 1 if prop.dose == st.dose else 1
            st.dose = prop.dose
            st.secs, st.volume = prop.secs, prop.volume
            st.timeline[week] = prop.dose
            st.notes[week] = prop.note
            if not is_deload:
                st.runs += 1
        volume = _volume(props, slots, library)
        if is_deload:
            deload_weeks.append(week)
            last_deload = week
        else:
            last_volume = volume
        was_deload = is_deload
    return states, deload_weeks


def _reserve(library, patient, slots, states, phases, week, level, ctxs, cache) -> dict[int, list]:
    """[seconds, exercises] per day kept free this week for the core (and required) slots that start in a
    later phase, at their lightest start. Trimming to fit is decided with this room kept, so a
    slot trimmed to make room is trimmed from its start, never in the middle of the plan
    (weekly work never falls outside a deload)."""
    reserve: dict[int, list] = {}
    for s in slots:
        st = states[s.id]
        if st.dose is not None or st.left_out or not (s.core or s.slot.required):
            continue
        starts = cache.get(("starts", s.id))
        if starts is None:
            starts = cache[("starts", s.id)] = min((p.first_week for p in phases if p.id in s.slot.phases), default=0)
        if starts <= week:
            continue
        secs = cache.get(s.id)
        if secs is None:
            ex = library.exercises[s.start]
            own = "moderate" if level == "trained" and not ex.is_loading else level
            first = start_dose(ex, ctxs[s.id], gentle=False, level=own)
            first = replaced(first, sets=_fewest_sets(s, ex))
            secs = cache[s.id] = _dose_seconds(first, ex, patient, s.rule.name == "pyramid")
        for d in s.days or [-1]:  # -1: an every-day slot, on every day
            room = reserve.setdefault(d, [0.0, 0])
            room[0] += secs
            room[1] += 1
    return reserve


def _walk_rule(s: _Slot, st: SlotState, targets: list[tuple[int, int]] | None, week: int, every: int) -> Rule:
    """A walking slot with a phase target ("walk for 30 minutes") steps just enough to reach it."""
    if not targets or st.dose is None or st.dose.minutes is None:
        return s.rule
    for last, minutes in targets:
        if week <= last and st.dose.minutes < minutes:
            weeks_left = last - week + 1
            weeks_left -= weeks_left // max(2, every)  # deloads hold the walk
            need = math.ceil((minutes - st.dose.minutes) / max(1, weeks_left))
            size = min(WALK_STEP_MAX_MIN, max(s.rule.minutes_step, need))
            rule = s.walk_rules.get(size)
            if rule is None:
                rule = s.walk_rules[size] = s.rule.model_copy(update={"minutes_step": size, "every_weeks": 1})
            return rule
    return s.rule
