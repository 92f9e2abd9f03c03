"""The one pass, week by week: every slot's dose timeline grows by its rule; deloads, the
volume limit and fitting to the minutes are named transforms of those timelines."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

from rehabplan.models import (
    AgeBand,
    DoseKind,
    Exercise,
    Irritability,
    Patient,
    PhasePlan,
    Protocol,
    Rule,
    TrainingStatus,
)
from rehabplan.planning.change import VARIANT, any_change, one_change
from rehabplan.planning.choice import _excluder, _loads_available
from rehabplan.planning.days import HIP_AND_LEG, DayPlan
from rehabplan.planning.fitter import FitWeek, Reserve, Room, SecondsCache, _fewest_sets
from rehabplan.planning.fitting import fit
from rehabplan.planning.gates import calm_weeks, tensioner_allowed, tensioner_note
from rehabplan.planning.phases import _phase_of, _targets, _targets_beyond
from rehabplan.planning.progression import (
    HARDER_DIMENSIONS,
    Context,
    Dose,
    deload,
    replaced,
    start_dose,
    step,
    trade,
)
from rehabplan.planning.rules import _NO_DIMENSIONS, PLATEAU_WEEKS, WALK_STEP_MAX_MIN
from rehabplan.planning.state import SlotState, _Prop, _Slot
from rehabplan.planning.timing import _dose_seconds, _sides_count
from rehabplan.planning.volume import WORK_FREE_WEEKS, _volume, _work, dose_work, limit_volume, step_back_in
from rehabplan.sources.library import Library

CALM_WAIT = "not started before the plan ended: a check-in week and the last week bring nothing new"

PLANK_WAIT = "not started before the plan ended: one new or harder plank at a time, a week apart"

# A deload cuts the week's work by 30-50 % (clinical brief); a week where the doses cannot
# fall that far without leaving their bounds is not made a deload (it comes a week later).
DELOAD_MIN_CUT = 0.28
# Once a deload is overdue (its week has passed: the cut was too small, or a check-in or a
# phase's first week was in the way), the first week it may come is lighter by what the bounds
# allow, if that is at least this much (design choice). An older or highly irritable patient does
# one set of each exercise and each harder version starts at the bottom of its reps, so the week
# rarely can fall 28 %: waiting for it gave 9 weeks of loading without a lighter week.
DELOAD_OVERDUE_MIN_CUT = 0.15


def _context(
    library: Library,
    patient: Patient,
    s: _Slot,
    others: set[str],
    strength_days: set[int],
    why_not: Callable[[Exercise], str | None] | None = None,
    loads_available: Callable[[Exercise], int] | None = None,
) -> Context:
    on_short_days = any(d not in strength_days for d in s.days)
    excluded: Callable[[Exercise], str | None] = why_not or _excluder(patient)
    answers: dict[str, bool] = {}  # exercise id -> allowed (asked at every variant step)

    def allowed(ex_id: str) -> bool:
        answer = answers.get(ex_id)
        if answer is None:
            answer = answers[ex_id] = _allowed(ex_id)
        return answer

    def _allowed(ex_id: str) -> bool:
        ex = library.exercises[ex_id]
        b = ex.dosage.sessions_per_week
        if (on_short_days or s.every_day) and ex.category in HIP_AND_LEG:
            return False  # a core slot on short days or every day never turns into hip and leg loading
        return ex_id not in others and excluded(ex) is None and b.min <= s.per_week <= b.max

    return Context(
        exercises=library.exercises,
        allowed=allowed,
        loads_available=loads_available or _loads_available(patient),
        older_adult=patient.age_band is AgeBand.older,
        pyramid=s.rule is not None and s.rule.name == "pyramid",
    )


def _start_level(patient: Patient) -> str:
    if patient.irritability is Irritability.high:
        return "high"  # irritability wins: a trained patient in a flare still starts gently
    if patient.training_status is TrainingStatus.trained:
        return "trained"
    return str(patient.irritability.value)


class Schedule:
    """The one pass that writes every slot's dose timeline, week by week: the state between
    weeks, and each week's stages: propose (each slot's step by its rule), fit (one change at a
    time, the minutes, the weekly limits), commit. ``run()`` returns the slots' states and the
    deload weeks."""

    def __init__(
        self,
        library: Library,
        protocol: Protocol,
        patient: Patient,
        phases: list[PhasePlan],
        reassessment: Sequence[int],
        pattern: Sequence[DayPlan],
        slots: list[_Slot],
        dropped: dict[str, str],
    ) -> None:
        self.library, self.protocol, self.patient = library, protocol, patient
        self.phases, self.pattern, self.slots, self.dropped = phases, pattern, slots, dropped
        self.level = _start_level(patient)
        # Older or highly irritable patients: an exercise that comes in after week 1 starts at
        # its fewest sets (a plank's 5-3-1 starts as 5 holds and climbs a set a week; the others
        # add sets by their own rule), so the week it comes in does not jump the weekly sets
        # (design choice).
        self.gentle = patient.age_band is AgeBand.older or patient.irritability is Irritability.high
        self.states = {s.id: SlotState() for s in slots}
        starts = {s.start for s in slots}
        strength_days = {d.day for d in pattern if d.kind == "strength"}
        why_not = _excluder(patient)
        loads = _loads_available(patient)
        self.ctxs = {s.id: _context(library, patient, s, starts - {s.start}, strength_days, why_not, loads) for s in slots}
        self.phase_index = {p.id: i for i, p in enumerate(phases)}
        # Sliders before tensioners: from the protocol's phase (never when this plan does not
        # reach it), never for high irritability unless unlocked, and only after the slider
        # held 2-3 x 10.
        tension_phase = protocol.tensioners_from_phase
        self.tension_from = self.phase_index.get(tension_phase, len(phases)) if tension_phase else 1
        self.calm = calm_weeks(reassessment, patient.weeks)
        self.phase_starts = {p.first_week for p in phases}
        self.targets = _targets(protocol, phases)
        self.beyond = _targets_beyond(protocol, phases)
        self.deload_weeks: list[int] = []
        self.ctx_cache: dict[tuple[str, bool, int, bool], Context] = {}
        # What timing a dose needs of each exercise, for every fitting check of this plan.
        self.seconds_cache: SecondsCache = {}
        self.start_seconds: dict[str, float] = {}  # slot -> seconds of its lightest start (reserved room)
        self.last_deload = 0
        self.last_volume: int | None = None
        self.last_work: float = 0.0
        self.was_deload = self.progressed = False
        # Core and required slots that start after week 1: fitting keeps their room (_reserve).
        self.first_week = {s.id: min((p.first_week for p in phases if p.id in s.slot.phases), default=0) for s in slots}
        self.later = [s for s in slots if (s.core or s.slot.required) and self.first_week[s.id] > 1]

    def is_tensioner(self, ex_id: str) -> bool:
        return self.library.exercises[ex_id].is_tensioner

    def run(self) -> tuple[dict[str, SlotState], list[int]]:
        for week in range(1, self.patient.weeks + 1):
            self.week(week)
        return self.states, self.deload_weeks

    def week(self, week: int) -> None:
        phase = _phase_of(self.phases, week)
        first_phase = self.phase_index[phase.id] == 0
        is_deload = self._is_deload(week, first_phase)
        props, now = self._propose(week, phase, first_phase, is_deload)
        self._fit(week, props, now, is_deload)
        self._commit(week, props, is_deload)
        volume = _volume(props, self.slots, self.library)
        if is_deload:
            self.deload_weeks.append(week)
            self.last_deload = week
        else:
            self.last_volume = volume
            self.last_work = _work(props, self.slots, self.library, self.patient)
        self.was_deload = is_deload

    def _is_deload(self, week: int, first_phase: bool) -> bool:
        # No deload while every loading exercise is still at its first dose.
        self.progressed = self.progressed or any(
            st.dose is not None and st.dose != st.first and self.library.exercises[st.dose.exercise].is_loading
            for st in self.states.values()
        )
        if not (
            week - self.last_deload >= self.protocol.deload_every_weeks
            and not first_phase
            and week not in self.phase_starts
            and week not in self.calm
            and week != self.patient.weeks
            and self.progressed
        ):
            return False
        # Everything near the bottom of its ranges: a deload would not be a real cut.
        cut = _deload_cut(self.library, self.patient, self.protocol, self.slots, self.states)
        # Overdue: more loading weeks than deload_every_weeks since the last lighter week, or
        # since the first phase (no deload in it: it is light already).
        overdue = week - max(self.last_deload, self.phases[0].last_week) > self.protocol.deload_every_weeks
        return cut >= (DELOAD_OVERDUE_MIN_CUT if overdue else DELOAD_MIN_CUT)

    # ------------------------------------------------------------------ propose
    def _propose(
        self, week: int, phase: PhasePlan, first_phase: bool, is_deload: bool
    ) -> tuple[dict[str, _Prop], dict[str, Context]]:
        props: dict[str, _Prop] = {}
        now: dict[str, Context] = {}  # this week's context per slot (tensioners, set caps)
        for s in self.slots:
            st = self.states[s.id]
            if st.left_out or phase.id not in s.slot.phases:
                continue
            ctx = now[s.id] = self._context_now(s, st, phase, week)
            if st.dose is None:
                prop = self._start(s, st, ctx, week, is_deload)
            else:
                prop = self._progress(s, st, st.dose, ctx, week, first_phase, is_deload)
            if prop is not None:
                props[s.id] = prop
        return props, now

    def _context_now(self, s: _Slot, st: SlotState, phase: PhasePlan, week: int) -> Context:
        # Contexts are made once per (slot, tensioners allowed, set cap), not every week.
        in_phase = self.phase_index[phase.id] >= self.tension_from
        tension = in_phase and tensioner_allowed(self.patient, st.timeline, week, True, self.is_tensioner)
        weights = self.phase_index[phase.id] > 0  # external weight only after the settle phase
        key = (s.id, tension, st.max_sets, weights)
        ctx = self.ctx_cache.get(key)
        if ctx is None:
            ctx = self.ctxs[s.id]
            if ctx.tensioners != tension or ctx.max_sets != st.max_sets or ctx.weights != weights:
                ctx = replace(ctx, tensioners=tension, max_sets=st.max_sets, weights=weights)
            self.ctx_cache[key] = ctx
        return ctx

    def _start(self, s: _Slot, st: SlotState, ctx: Context, week: int, is_deload: bool) -> _Prop | None:
        if is_deload or week in self.calm:
            if week in self.calm and not is_deload:
                st.waited = st.waited or CALM_WAIT
            return None  # nothing new starts in a lighter week, a check-in week or the last week
        # Training status is about resistance work: stretches, glides and the walk start at the
        # usual dose for a trained patient.
        level = self.level
        own = "moderate" if level == "trained" and not self.library.exercises[s.start].is_loading else level
        dose = start_dose(self.library.exercises[s.start], ctx, gentle=False, level=own)
        targets = self.targets.get(s.id)
        if targets and dose.minutes is not None:
            # The walk starts no higher than its target (nor below the exercise's own minimum).
            lowest = self.library.exercises[s.start].dosage.minutes
            floor = int(lowest.min) if lowest else 1
            ceiling = _walk_ceiling(targets, week, self.beyond.get(s.id))
            dose = replaced(dose, minutes=max(floor, min(dose.minutes, ceiling)))
        ex = self.library.exercises[s.start]
        fewest = int(ex.dosage.sets.min)
        if week > 1 and self.gentle and ex.is_loading and dose.sets > fewest:
            if s.pyramid:  # a pyramid's rule steps its holds, not its sets: it climbs a set a week
                st.ramp_to = max(st.ramp_to, dose.sets)
            dose = replaced(dose, sets=fewest)
        note = "new this week" if week > 1 else None
        if s.fallback_note:
            note = s.fallback_note if note is None else f"{note} ({s.fallback_note})"
        return _Prop(dose, note, True, None)

    def _progress(
        self, s: _Slot, st: SlotState, last: Dose, ctx: Context, week: int, first_phase: bool, is_deload: bool
    ) -> _Prop:
        dose, note = last, None
        if not is_deload:
            assert s.rule is not None
            # High irritability: the first phase progresses half as often (design choice); after
            # its criterion week the patient progresses normally. Never more than 3 weeks at one
            # dose (no plateaus).
            every = s.rule.every_weeks
            target = self.targets.get(s.id)
            high = self.level == "high"
            if high and first_phase and not target:
                every = min(2 * every, max(every, PLATEAU_WEEKS))
            due = st.runs > 0 and st.runs % every == 0
            # A walk with a target steps every week, by just enough to reach it in time (high
            # irritability: no more than that, so 5 minutes become 7, 9, 10 rather than 5, 5, 10).
            beyond = self.beyond.get(s.id)
            rule = _walk_rule(s, st, target, week, self.protocol.deload_every_weeks, high, beyond) if target else s.rule
            skip = HARDER_DIMENSIONS if week in self.calm else _NO_DIMENSIONS
            if rule is None:
                pass  # the walk is at its target: it holds there
            elif st.ramp_to and dose.sets < min(st.ramp_to, st.max_sets):
                dose, note = replaced(dose, sets=dose.sets + 1), "one more set"
            elif due or st.pending:
                dose, note = step(dose, rule, ctx, skip)
                if note is None and st.maintained:
                    dose, note = trade(dose, rule, ctx) or (dose, "same as last week: keep this level")
                elif note is None and st.max_sets < 99:
                    dose, note = trade(dose, rule, ctx) or (dose, "same as last week, to fit your time")
        if self.was_deload and not is_deload:
            note = "back to full dose" + (f"; {note}" if note else "")
        if dose is last:
            return _Prop(dose, note, False, dose, st.secs, st.volume)
        return _Prop(dose, note, False, last)

    # ------------------------------------------------------------------ fit
    def _fit(self, week: int, props: dict[str, _Prop], now: dict[str, Context], is_deload: bool) -> None:
        """One change at a time first (other new exercises wait, other harder steps are retried
        next week); then time (a step that does not fit is held, and says so), then the weekly
        limits (sets and time under tension), then time again for their other steps."""
        states, library = self.states, self.library
        calm = week in self.calm
        waiting: list[tuple[_Slot, _Prop]] = []
        no_variant = self._space_planks(week, props, now)
        no_harder = one_change(props, states, self.slots, library, now, week, calm, step_back=True, waiting=waiting)
        reserve = self._reserve(week, props) if self.later else None
        job = FitWeek(
            props, states, self.slots, library, self.protocol, self.patient, self.pattern, week, self.dropped, now,
            self.seconds_cache, reserve, no_variant, calm,
        )  # fmt: skip
        fit(job, no_harder)
        self._within_limits(job, is_deload, no_harder)
        if waiting and not any_change(props, library):
            # The week's chosen change did not fit (time, weekly limits): the next one waiting
            # may come instead, so one change a week does not become none.
            for s, prop in waiting:
                props[s.id] = prop
                fit(job, VARIANT)
                if any_change(props, library):
                    if s.id in props and props[s.id] is prop:
                        states[s.id].pending = False
                    break
        if week > 1:  # fitting's and the limits' own steps may not add a second change either
            before = {k: p.dose for k, p in props.items()}
            kept = one_change(props, states, self.slots, library, now, week, calm, step_back=False)
            if any(before[k] is not p.dose for k, p in props.items()) or len(before) != len(props):
                # No second change, but a firmer band or a heavier weight may still go on
                # alongside (none in a calm week or the tensioner's week).
                fit(job, kept | VARIANT)
        # What came in after the limits (a waiting change, fitting's trades) may not take the
        # week's work over them either.
        self._within_limits(job, is_deload, HARDER_DIMENSIONS)
        if job.held and not is_deload:
            limits = (
                (self.last_volume, self.last_work if week > WORK_FREE_WEEKS else None) if self.last_volume is not None else None
            )
            step_back_in(job, limits, self.level == "high")

    def _space_planks(self, week: int, props: dict[str, _Prop], now: dict[str, Context]) -> frozenset[str]:
        """No new plank (a McGill pyramid slot) or harder plank in the training week right after
        a plank (this one or another) came in or got harder: two new planks back to back load
        the same trunk muscles twice over before the first has settled (design choice).
        Returns the slots whose harder version waits this week."""
        last = week - 1 if week - 1 not in self.deload_weeks else week - 2
        planks = [s for s in self.slots if s.pyramid]
        if not any(_came_in_or_harder(self.states[s.id], last) for s in planks):
            return frozenset()
        for s in planks:
            p = props.get(s.id)
            if p is None:
                continue
            st = self.states[s.id]
            if p.new:
                del props[s.id]
                st.waited = st.waited or PLANK_WAIT
            elif p.prev is not None and p.dose.exercise != p.prev.exercise:
                assert s.rule is not None
                alt, note = step(p.prev, s.rule, now[s.id], HARDER_DIMENSIONS)
                props[s.id] = _Prop(alt if note is not None else p.prev, note, False, p.prev)
                st.pending = True
        return frozenset(s.id for s in planks)  # nor may fitting's or the limits' own steps make one harder

    def _within_limits(self, job: FitWeek, is_deload: bool, skip: frozenset[str]) -> None:
        # Weekly sets and work no faster than allowed; fitting after the limits may trade a step
        # for one that adds work again, so they are checked again (a few rounds settle it).
        if is_deload or self.last_volume is None:
            return
        limits = (self.last_volume, self.last_work if job.week > WORK_FREE_WEEKS else None)
        for _ in range(3):
            if not limit_volume(job, limits, skip, self.level == "high"):
                break
            fit(job, skip)

    def _reserve(self, week: int, props: dict[str, _Prop]) -> Reserve:
        """Seconds and exercises per day kept free this week for the core (and required) slots
        that start in a later phase, at their lightest start. Trimming to fit is decided with
        this room kept, so a slot trimmed to make room is trimmed from its start, never in the
        middle of the plan (weekly work never falls outside a deload)."""
        reserve: Reserve = {}
        for s in self.later:
            st = self.states[s.id]
            if st.dose is not None or st.left_out:
                continue
            if self.first_week[s.id] <= week and s.id in props:
                continue  # starting now (or at its phase's first week): its own proposal holds the room
            # (a slot whose phase began but which waits its turn, one change at a time, keeps its room)
            secs = self.start_seconds.get(s.id)
            if secs is None:
                secs = self.start_seconds[s.id] = self._start_seconds(s)
            for d in s.days or (-1,):  # -1: an every-day slot, on every day
                room = reserve.setdefault(d, Room())
                room.seconds += secs
                room.exercises += 1
        return reserve

    def _start_seconds(self, s: _Slot) -> float:
        assert s.rule is not None
        ex = self.library.exercises[s.start]
        own = "moderate" if self.level == "trained" and not ex.is_loading else self.level
        first = start_dose(ex, self.ctxs[s.id], gentle=False, level=own)
        first = replaced(first, sets=_fewest_sets(s, ex))
        return _dose_seconds(first, ex, self.patient, s.rule.name == "pyramid")

    # ------------------------------------------------------------------ commit
    def _commit(self, week: int, props: dict[str, _Prop], is_deload: bool) -> None:
        """The week's proposals become each slot's dose, timeline and note."""
        for s in self.slots:
            st = self.states[s.id]
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
            if self.is_tensioner(prop.dose.exercise):
                gate = self._tensioner_gate(st)
                note = f"{note}. {gate}" if note and "harder version" in note else gate
            st.notes[week] = note
            if not is_deload:
                st.runs += 1

    def _tensioner_gate(self, st: SlotState) -> str:
        """The gate and the slider's fallback dose, beside the tensioner every week."""
        slider = next((d for w, d in sorted(st.timeline.items(), reverse=True) if not self.is_tensioner(d.exercise)), None)
        name = self.library.exercises[slider.exercise].name if slider else ""
        return tensioner_note(self.protocol.tensioner_gate, name, slider)


def _came_in_or_harder(st: SlotState, week: int) -> bool:
    """Did the slot start, or move on to another exercise, in ``week``?"""
    dose = st.timeline.get(week)
    if dose is None:
        return False
    before = st.timeline.get(week - 1)
    return before is None or before.exercise != dose.exercise


def _deload_cut(
    library: Library, patient: Patient, protocol: Protocol, slots: list[_Slot], states: dict[str, SlotState]
) -> float:
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


def _walk_ceiling(targets: list[tuple[int, int]], week: int, beyond: int | None = None) -> int:
    """The most the walk may reach in ``week``: the target of the current phase, or of the next
    phase that has one (clinical brief: walking never above its target); after the last
    target's phase, the target of a later phase this short plan does not reach (``beyond``),
    else that last target."""
    for last, minutes in targets:
        if week <= last:
            return minutes
    return beyond if beyond is not None else targets[-1][1]


def _walk_rule(
    s: _Slot,
    st: SlotState,
    targets: list[tuple[int, int]] | None,
    week: int,
    every: int,
    gentle: bool = False,
    beyond: int | None = None,
) -> Rule | None:
    """A walking slot with a phase target ("walk for 30 minutes") steps just enough to reach it,
    by at least the slot's own step (``gentle``: only what it needs), at most
    ``WALK_STEP_MAX_MIN`` a week, and never beyond it: None once it is there (the walk holds).
    Past the last target this plan reaches, toward a target the plan ends before (``beyond``),
    it steps by its own rule: there is no date to reach that target by."""
    assert s.rule is not None
    if not targets or st.dose is None or st.dose.minutes is None:
        return s.rule
    ceiling = _walk_ceiling(targets, week, beyond)
    if st.dose.minutes >= ceiling:
        return None
    if week > targets[-1][0]:
        size = min(WALK_STEP_MAX_MIN, s.rule.minutes_step, ceiling - st.dose.minutes)
    else:
        last = next(last for last, minutes in targets if week <= last)
        weeks_left = last - week + 1
        weeks_left -= weeks_left // max(2, every)  # deloads hold the walk
        need = math.ceil((ceiling - st.dose.minutes) / max(1, weeks_left))
        size = min(WALK_STEP_MAX_MIN, need if gentle else max(s.rule.minutes_step, need), ceiling - st.dose.minutes)
    rule: Rule | None = s.walk_rules.get(size)
    if rule is None:
        rule = s.walk_rules[size] = s.rule.model_copy(update={"minutes_step": size, "every_weeks": 1})
    return rule
