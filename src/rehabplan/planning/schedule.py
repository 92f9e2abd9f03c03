"""The one pass, week by week: every slot's dose timeline grows by its rule; deloads, the
volume limit and fitting to the minutes are named transforms of those timelines."""

from __future__ import annotations

import math
from dataclasses import replace

from rehabplan.models import (
    AgeBand,
    DoseKind,
    Irritability,
    Patient,
    Rule,
    TrainingStatus,
)
from rehabplan.planning.change import VARIANT, any_change, one_change
from rehabplan.planning.choice import _excluder, _loads_available
from rehabplan.planning.days import HIP_AND_LEG
from rehabplan.planning.fitting import _fewest_sets, _fit
from rehabplan.planning.gates import calm_weeks, tensioner_allowed, tensioner_note
from rehabplan.planning.phases import _phase_of, _targets
from rehabplan.planning.progression import (
    HARDER_DIMENSIONS,
    Context,
    deload,
    replaced,
    start_dose,
    step,
    trade,
)
from rehabplan.planning.rules import _NO_DIMENSIONS, PLATEAU_WEEKS, WALK_STEP_MAX_MIN
from rehabplan.planning.state import SlotState, _Prop, _Slot
from rehabplan.planning.timing import _dose_seconds, _sides_count
from rehabplan.planning.volume import WORK_FREE_WEEKS, _limit_volume, _volume, _work, dose_work
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
    # Sliders before tensioners: from the protocol's phase (never when this plan does not reach
    # it), never for high irritability unless unlocked, and only after the slider held 2-3 x 10.
    tension_from = phase_index.get(protocol.tensioners_from_phase, len(phases)) if protocol.tensioners_from_phase else 1
    is_tensioner = lambda ex_id: library.exercises[ex_id].is_tensioner  # noqa: E731
    calm = calm_weeks(reassessment, patient.weeks)
    phase_starts = {p.first_week for p in phases}
    targets = _targets(protocol, phases)
    deload_weeks: list[int] = []
    ctx_cache: dict[tuple, Context] = {}
    seconds_cache: dict = {}  # what timing a dose needs of each exercise, for every fitting check of this plan
    start_seconds: dict[str, float] = {}  # slot -> seconds of its lightest start (reserved room)
    last_deload = 0
    last_volume: int | None = None
    last_work: float = 0.0
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
            and week not in calm
            and week != patient.weeks
            and progressed
        )
        if is_deload and _deload_cut(library, patient, protocol, slots, states) < DELOAD_MIN_CUT:
            is_deload = False  # everything near the bottom of its ranges: a deload would not be a real cut
        props: dict[str, _Prop] = {}
        now: dict[str, Context] = {}  # this week's context per slot (tensioners, set caps)
        for s in slots:
            st = states[s.id]
            if st.left_out or phase.id not in s.slot.phases:
                continue
            # Contexts are made once per (slot, tensioners allowed, set cap), not every week.
            tension = phase_index[phase.id] >= tension_from and tensioner_allowed(patient, st.timeline, week, True, is_tensioner)
            key = (s.id, tension, st.max_sets)
            ctx = ctx_cache.get(key)
            if ctx is None:
                ctx = ctxs[s.id]
                if ctx.tensioners != key[1] or ctx.max_sets != st.max_sets:
                    ctx = replace(ctx, tensioners=key[1], max_sets=st.max_sets)
                ctx_cache[key] = ctx
            now[s.id] = ctx
            if st.dose is None:
                if is_deload or week in calm:
                    if week in calm and not is_deload:
                        st.waited = st.waited or CALM_WAIT
                    continue  # nothing new starts in a lighter week, a check-in week or the last week
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
                skip = HARDER_DIMENSIONS if week in calm else _NO_DIMENSIONS
                if st.ramp_to and dose.sets < min(st.ramp_to, st.max_sets):
                    dose, note = replaced(dose, sets=dose.sets + 1), "one more set"
                elif due or st.pending:
                    dose, note = step(dose, rule, ctx, skip)
                    if note is None and st.max_sets < 99:
                        dose, note = trade(dose, rule, ctx) or (dose, "same as last week, to fit your time")
            if was_deload and not is_deload:
                note = "back to full dose" + (f"; {note}" if note else "")
            if dose is st.dose:
                props[s.id] = _Prop(dose, note, False, dose, st.secs, st.volume)
            else:
                props[s.id] = _Prop(dose, note, False, st.dose)
        # One change at a time first (other new exercises wait, other harder steps are retried
        # next week); then time (a step that does not fit is held, and says so), then the
        # weekly limits (sets and time under tension), then time again for their other steps.
        waiting: list = []
        no_harder = one_change(props, states, slots, library, now, week, week in calm, step_back=True, waiting=waiting)
        reserve = _reserve(library, patient, later, states, phases, week, level, ctxs, start_seconds, props) if later else None

        def within_limits(skip: frozenset[str]) -> None:
            # Weekly sets and work no faster than allowed; fitting after the limits may trade a
            # step for one that adds work again, so they are checked again (a few rounds settle it).
            if is_deload or last_volume is None:
                return
            limits = (last_volume, last_work if week > WORK_FREE_WEEKS else None)
            for _ in range(3):
                if not _limit_volume(props, states, slots, limits, protocol, library, now, week, skip, patient, level == "high"):
                    break
                _fit(props, states, slots, library, protocol, patient, pattern, week, dropped, now, seconds_cache, reserve, skip)

        _fit(props, states, slots, library, protocol, patient, pattern, week, dropped, now, seconds_cache, reserve, no_harder)
        within_limits(no_harder)
        if waiting and not any_change(props, library):
            # The week's chosen change did not fit (time, weekly limits): the next one waiting
            # may come instead, so one change a week does not become none.
            for s, prop in waiting:
                props[s.id] = prop
                _fit(
                    props, states, slots, library, protocol, patient, pattern, week, dropped, now, seconds_cache, reserve, VARIANT
                )
                if any_change(props, library):
                    if s.id in props and props[s.id] is prop:
                        states[s.id].pending = False
                    break
        if week > 1:  # fitting's and the limits' own steps may not add a second change either
            before = {k: p.dose for k, p in props.items()}
            one_change(props, states, slots, library, now, week, week in calm, step_back=False)
            if any(before[k] is not p.dose for k, p in props.items()) or len(before) != len(props):
                _fit(
                    props,
                    states,
                    slots,
                    library,
                    protocol,
                    patient,
                    pattern,
                    week,
                    dropped,
                    now,
                    seconds_cache,
                    reserve,
                    HARDER_DIMENSIONS,
                )
        # What came in after the limits (a waiting change, fitting's trades) may not take the
        # week's work over them either.
        within_limits(HARDER_DIMENSIONS)
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
            note = prop.note
            if library.exercises[prop.dose.exercise].is_tensioner:
                # The gate and the slider's fallback dose, beside the tensioner every week.
                slider = next((d for w, d in sorted(st.timeline.items(), reverse=True) if not is_tensioner(d.exercise)), None)
                name = library.exercises[slider.exercise].name if slider else ""
                gate = tensioner_note(protocol.tensioner_gate, name, slider)
                note = f"{note}. {gate}" if note and "harder version" in note else gate
            st.notes[week] = note
            if not is_deload:
                st.runs += 1
        volume = _volume(props, slots, library)
        if is_deload:
            deload_weeks.append(week)
            last_deload = week
        else:
            last_volume = volume
            last_work = _work(props, slots, library, patient)
        was_deload = is_deload
    return states, deload_weeks


CALM_WAIT = "not started before the plan ended: a check-in week and the last week bring nothing new"

# A deload cuts the week's work by 30-50 % (clinical brief); a week where the doses cannot
# fall that far without leaving their bounds is not made a deload (it comes a week later).
DELOAD_MIN_CUT = 0.28


def _deload_cut(library, patient, protocol, slots, states) -> float:
    """How much of the week's work (time under tension) a deload of the current doses cuts."""
    older = patient.age_band is AgeBand.older
    before = after = 0
    for s in slots:
        st = states[s.id]
        if st.dose is None or st.left_out:
            continue
        ex = library.exercises[st.dose.exercise]
        if not ex.is_loading:
            continue
        pyramid = s.pyramid and ex.dosage.kind is DoseKind.hold
        sides = _sides_count(ex, patient)
        before += dose_work(st.dose, ex, s.per_week, pyramid, sides)
        cut = deload(st.dose, ex, protocol.deload_volume_factor, older, pyramid)
        after += dose_work(cut, ex, s.per_week, pyramid, sides)
    return 1 - after / before if before else 0.0


def _reserve(library, patient, slots, states, phases, week, level, ctxs, cache, props) -> dict[int, list]:
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
        if starts <= week and s.id in props:
            continue  # starting now (or at its phase's first week): its own proposal holds the room
        # (a slot whose phase began but which waits its turn, one change at a time, keeps its room)
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
