"""Fitting each day to the patient's minutes and the exercise cap, by named steps.

A week's proposals and everything fitting reads are one ``FitWeek``; ``Fitter`` keeps each
day's totals up to date as the steps change slots (both in ``fitter.py``); the steps
(``FIT_STEPS``) are small objects applied in order by one short loop in ``fit``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Protocol

from rehabplan.errors import PatientError, Problem
from rehabplan.models import (
    Category,
    DoseKind,
)
from rehabplan.planning.days import spread
from rehabplan.planning.fitter import Fitter, FitWeek, _day_load, _fewest_sets
from rehabplan.planning.progression import (
    STRETCH_SECONDS_A_DAY,
    TIME_DIMENSIONS,
    Dose,
    replaced,
    step,
    trade,
)
from rehabplan.planning.rules import PLATEAU_WEEKS
from rehabplan.planning.state import SlotState, _Prop, _Slot


class FitStep(Protocol):
    """One way of making a week fit, tried on one slot at a time (least important first)."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def by_waiting(self) -> bool:
        """Ordered by who waits: of equal importance, the slot that changed most recently first."""
        ...

    @property
    def whole_session(self) -> bool:
        """Uses the whole session, the room kept for later core slots included (the last resort)."""
        ...

    def apply(self, f: Fitter, s: _Slot, p: _Prop) -> bool:
        """Change slot ``s`` (proposal ``p``) if this step applies to it; True when it did."""
        ...


@dataclass(frozen=True)
class _Step:
    """What most fit steps share: a name and a description (the notes and the docs read them), not
    ordered by who waits, and not allowed the room kept for later core slots."""

    name: str
    description: str
    by_waiting: ClassVar[bool] = False
    whole_session: ClassVar[bool] = False


@dataclass(frozen=True)
class Hold(_Step):
    """Keep last week's dose instead of a step that adds time (a band or a harder variant may
    still come; after weeks at one dose, a trade that costs no minutes). ``core``: only core
    slots, or only the others (None: both); ``stale``: only slots that have stood still for
    ``PLATEAU_WEEKS`` - 1 weeks, or only the others."""

    core: bool | None
    stale: bool
    by_waiting: ClassVar[bool] = True

    def apply(self, f: Fitter, s: _Slot, p: _Prop) -> bool:
        if self.core is not None and s.core != self.core or _stale(f.job.states[s.id]) != self.stale:
            return False
        if not f.on_an_over_day(s):
            return False
        if not (f.time_over and not p.new and p.prev is not None and p.dose != p.prev):
            return False
        if f.job.seconds(s, p.dose) > f.job.seconds(s, p.prev):
            f.held.setdefault(s.id, p)
            f.job.held.setdefault(s.id, p)
            f.put(s, _held(f, s, p.prev))
        return True


@dataclass(frozen=True)
class MakeRoom(_Step):
    """Short of time, a stretch or mobility item that is not core (nor required) gives way
    before an exercise that has stood still for 3 weeks is held a 4th (no plateaus while a
    non-core item could be traded): a stretch first takes fewer holds (still 60 s a day), and
    if that is not enough the item is left out; only from a day that is over, and only while
    such a step waits."""

    def apply(self, f: Fitter, s: _Slot, p: _Prop) -> bool:
        job = f.job
        if not f.time_over or s.core or s.slot.required or job.library.exercises[p.dose.exercise].is_loading:
            return False
        if job.calm:
            return False  # a check-in week or the last week keeps the plan the patient has been doing
        if not f.on_a_day_over(s) or not any(_stale_step(f, o) for o in job.slots):
            return False
        shorter = _shorter_stretch(job, p.dose)
        if shorter is not None:
            n = shorter.reps
            f.put(s, _Prop(shorter, f"{n} holds, down from {p.dose.reps}, to fit your time", p.new, p.prev))
            f.check()
            if not f.time_over:
                return True
        week = job.week
        where = "" if week == 1 else f" from week {week}"
        f.drop(s, f"left out{where} to fit: not enough time in {job.patient.minutes} minutes for the strength work to progress")
        return True


def _shorter_stretch(job: FitWeek, dose: Dose) -> Dose | None:
    """A stretch with fewer holds that still gives 60 s a day (Garber 2011) and stays in its
    range; None when there is no such dose."""
    ex = job.library.exercises[dose.exercise]
    d = ex.dosage
    if ex.category is not Category.stretch or d.kind is not DoseKind.hold or not dose.hold_s or not d.reps:
        return None
    need = -(-STRETCH_SECONDS_A_DAY // (dose.hold_s * dose.sets))
    fewest = max(int(d.reps.min), need)
    return replaced(dose, reps=fewest) if fewest < dose.reps else None


def _stale(st: SlotState) -> bool:
    """Has the slot stood still long enough that holding it again would make a plateau?"""
    return st.same >= PLATEAU_WEEKS - 1


def _stale_step(f: Fitter, s: _Slot) -> bool:
    """Does a loading slot that has stood still for ``PLATEAU_WEEKS`` weeks (held again, this
    would be its 4th) propose a step that adds time this week?"""
    job = f.job
    p = job.props.get(s.id)
    if p is None or p.new or p.prev is None or p.dose == p.prev or job.states[s.id].same < PLATEAU_WEEKS:
        return False
    return job.library.exercises[p.dose.exercise].is_loading and job.seconds(s, p.dose) > job.seconds(s, p.prev)


def _held(f: Fitter, s: _Slot, prev: Dose) -> _Prop:
    """The dose a slot held for time takes instead of its step."""
    job, st = f.job, f.job.states[s.id]
    ctx = job.ctxs[s.id]
    assert s.rule is not None
    # Hold the dose; at the top of the rep range a step that adds no time (a firmer band, the
    # harder variant) may still come.
    skip = TIME_DIMENSIONS | f.no_harder
    # From the middle of the rep range (ACSM: more load once the target reps are done), so a
    # patient short of time still progresses. After weeks at one dose, from anywhere in the range.
    r = job.library.exercises[prev.exercise].dosage.reps
    stale = _stale(st)
    # A firmer band or load first (it may go on alongside another change); the harder variant
    # only when none is left, and never the week after another.
    alt: Dose = prev
    note: str | None = None
    if r and (stale or prev.reps >= (r.min + r.max) / 2):
        alt, note = step(prev, s.rule, ctx, skip | {"variant"})
        if note is None and not job.variant_waits(s):
            alt, note = step(prev, s.rule, ctx, skip)
    if note is None or job.seconds(s, alt) > job.seconds(s, prev):
        # After weeks at one dose, a step that costs no minutes: slower reps or longer holds in
        # the same time.
        traded = trade(prev, s.rule, ctx) if stale else None
        alt, note = traded or (prev, "same as last week, to fit your time")
    return _Prop(alt, note, False, prev)


@dataclass(frozen=True)
class ShortDays(_Step):
    """A trunk slot (core category) new this week that sits on a day that is over moves to the
    short days, if there are enough of them for it (its ``sessions_per_week`` minimum): the
    strength days keep their time and the patient gets real short days (hip and leg loading
    stays on strength days, never two in a row)."""

    def apply(self, f: Fitter, s: _Slot, p: _Prop) -> bool:
        job = f.job
        ex = job.library.exercises[p.dose.exercise]
        if not p.new or job.states[s.id].timeline or ex.category is not Category.core:
            return False  # trunk work only: a stretch-only short day does not fit the compact log's cells yet
        if (s.every_day and (s.core or s.slot.required)) or not f.on_an_over_day(s):
            return False
        short = [d.day for d in job.pattern if d.kind == "short"]
        b = ex.dosage.sessions_per_week
        wanted = len(short) if s.every_day else min(s.per_week, len(short))
        if not short or wanted < b.min or set(s.days) <= set(short) and not s.every_day:
            return False
        f.move(s, tuple(spread(short, wanted)))
        return True


# A core exercise at its top dose this many weeks (deloads aside) may drop to a maintenance dose.
MAINTAIN_AFTER_WEEKS = 2


@dataclass(frozen=True)
class Maintain(_Step):
    """Short of time, a slot that has stood at its top dose (no step left) for
    ``MAINTAIN_AFTER_WEEKS`` weeks drops to a maintenance dose, one set fewer (never below its
    fewest), and stays there, so another exercise's step fits: a bird-dog at 3 x 10 x 10 s for
    weeks does not hold the hip hinge at 2 x 8 "to fit your time" (design choice). Least
    important first: a clamshell that is not core keeps 2 x 15 before the bird-dog gives a set.
    Only when another slot on that day waits for a step that adds time; never in a check-in
    week or the last week."""

    def apply(self, f: Fitter, s: _Slot, p: _Prop) -> bool:
        job = f.job
        st = job.states[s.id]
        if not (f.time_over and p.prev is not None and p.dose == p.prev and st.same >= MAINTAIN_AFTER_WEEKS):
            return False
        if job.calm:
            return False  # not in a check-in week or the last week: the dose the clinician judges stays
        if st.maintained:
            return False  # one set fewer once: a maintenance dose, not a slide
        ex = job.library.exercises[p.dose.exercise]
        if not ex.is_loading or p.dose.sets <= _fewest_sets(s, ex) or not f.on_an_over_day(s):
            return False
        if step(p.dose, s.rule, job.ctxs[s.id], f.no_harder)[1] is not None:
            return False  # not at its top: it still has a step of its own
        if not any(o.id != s.id and _waits_for_time(f, o) and set(o.days) & set(s.days) for o in job.slots):
            return False
        st.max_sets, st.maintained = p.dose.sets - 1, True
        f.put(
            s,
            _Prop(
                replaced(p.dose, sets=p.dose.sets - 1),
                "one set fewer, to fit your time: keep this level while other work builds",
                False,
                p.prev,
            ),
        )
        return True


def _waits_for_time(f: Fitter, o: _Slot) -> bool:
    """Is loading slot ``o`` held at last week's dose for time this week, or does it propose a
    step that adds time (which a day over the minutes would hold)?"""
    job = f.job
    p = job.props.get(o.id)
    if p is None or p.prev is None or p.new or not job.library.exercises[p.dose.exercise].is_loading:
        return False
    if p.dose == p.prev:
        return bool(p.note and "to fit your time" in p.note)
    return job.seconds(o, p.dose) > job.seconds(o, p.prev)


@dataclass(frozen=True)
class StartLow(_Step):
    """A slot new this week starts at its fewest sets."""

    def apply(self, f: Fitter, s: _Slot, p: _Prop) -> bool:
        fewest = _fewest_sets(s, f.job.library.exercises[p.dose.exercise])
        if not (f.time_over and p.new and p.dose.sets > fewest) or not f.on_an_over_day(s):
            return False
        f.put(s, _Prop(replaced(p.dose, sets=fewest), p.note, True, None))
        return True


@dataclass(frozen=True)
class LeaveOut(_Step):
    """A slot that is not core (nor required) is left out: only a new one (``new_only``, it
    waits), or any from this week on."""

    new_only: bool

    def apply(self, f: Fitter, s: _Slot, p: _Prop) -> bool:
        if s.core or s.slot.required or (self.new_only and not p.new) or not f.on_an_over_day(s):
            return False
        week = f.job.week
        where = "" if self.new_only or week == 1 else f" from week {week}"
        f.drop(s, f"left out{where} to fit: {f.why()}")
        return True


@dataclass(frozen=True)
class FewerSets:
    """Slots drop to their fewest sets (and stay capped there): those that are not core, or,
    as the last resort using the whole session, every slot."""

    name: str
    description: str
    whole_session: bool
    by_waiting: ClassVar[bool] = False

    def apply(self, f: Fitter, s: _Slot, p: _Prop) -> bool:
        fewest = _fewest_sets(s, f.job.library.exercises[p.dose.exercise])
        if not f.time_over or (s.core and not self.whole_session) or p.dose.sets <= fewest:
            return False
        if not f.on_an_over_day(s):
            return False
        f.job.states[s.id].max_sets = fewest
        f.put(s, _Prop(replaced(p.dose, sets=fewest), "fewer sets, to fit your time", p.new, p.prev))
        return True


# Applied in this order, each to the least important slots first (not core, highest priority
# number, latest in the protocol), until every day fits the minutes and the exercise cap.
FIT_STEPS: tuple[FitStep, ...] = (
    Hold("hold", "a slot that is not core keeps last week's dose instead of a step that adds time", core=False, stale=False),
    StartLow("start-low", "a slot new this week starts at its fewest sets"),
    ShortDays("short-days", "a new slot that is not hip and leg loading moves to the short days"),
    LeaveOut("wait", "a new slot that is not core is left out", new_only=True),
    Hold(
        "hold-core",
        "a core slot keeps last week's dose instead of a step that adds time (a band or a harder variant may still come)",
        core=True,
        stale=False,
    ),
    Maintain(
        "maintain", "a slot at its top dose for two weeks drops a set (least important first) so another exercise's step fits"
    ),
    MakeRoom("make-room", "a stretch or mobility item that is not core is left out so a slot that has stood still can progress"),
    Hold(
        "hold-stale",
        "a slot that has stood still for two weeks is held last, and trades for a step that costs no minutes",
        core=None,
        stale=True,
    ),
    FewerSets("fewer-sets", "slots that are not core drop to their fewest sets", whole_session=False),
    LeaveOut("leave-out", "a slot that is not core is left out from this week", new_only=False),
    FewerSets("core-fewer-sets", "core slots drop to their fewest sets", whole_session=True),
)


def fit(job: FitWeek, no_harder: frozenset[str] = frozenset()) -> None:
    """Apply FIT_STEPS until every day fits the patient's minutes and the exercise cap.

    Every step but the last (core slots to their fewest sets) keeps ``job.reserve`` free: the
    room later core slots will need, so nothing is trimmed later to make room for them.
    ``no_harder``: dimensions a step may not use this week (one change at a time).
    """
    f = Fitter(job, no_harder)
    f.check()
    if f.fits:
        return
    f.start_counting()
    order = sorted((s for s in job.slots if s.id in job.props), key=_Slot.importance)
    # Holding for time is shared: of equal importance, the exercise that changed most recently
    # waits first, so the one that has waited longest progresses (no plateaus).
    hold_order = sorted(order, key=lambda s: (s.core, job.states[s.id].same, s.importance()))
    for fit_step in FIT_STEPS:
        if fit_step.whole_session:
            f.check(keep=False)
        for s in hold_order if fit_step.by_waiting else order:
            if f.fits:
                _give_back(f, order)
                return
            p = job.props.get(s.id)
            if p is not None and fit_step.apply(f, s, p):
                f.check(keep=not fit_step.whole_session)
    f.check(keep=False)
    if not f.fits:
        raise _cannot_fit(f)


def _give_back(f: Fitter, order: list[_Slot]) -> None:
    """Holding is greedy: a slot held early may fit again once later slots were held too. Each
    slot held this week that has stood still ``PLATEAU_WEEKS`` weeks (held again, this would be its
    4th) gets its step back if the days still fit (and keep the reserved room), the one that has
    stood still longest first: no plateau for a few seconds that turned out to be free."""
    job = f.job
    stale = [s for s in order if s.id in f.held and job.states[s.id].same >= PLATEAU_WEEKS and s.id in job.props]
    for s in sorted(stale, key=lambda s: -job.states[s.id].same):
        held = job.props[s.id]
        for step_back in _smaller_steps(f, s, f.held[s.id], held):
            f.put(s, step_back)
            f.check()
            if f.fits:
                break
            f.put(s, held)
            f.check()


def _smaller_steps(f: Fitter, s: _Slot, wanted: _Prop, held: _Prop) -> list[_Prop]:
    """The step a slot was held from, then, when the slot was held at last week's dose, smaller
    ones down to one more rep (or hold) a set: a slot that has stood still takes the biggest
    step that fits rather than none (2 more reps may not fit where 1 does; a harder version
    that does not fit yet leaves room for one more rep). Within the exercise's rep range; a
    McGill pyramid keeps its own steps."""
    prev = wanted.prev
    steps = [wanted]
    if prev is None or held.dose != prev or s.pyramid:
        return steps
    ex = f.job.library.exercises[prev.exercise]
    r = ex.dosage.kind is not DoseKind.duration and ex.is_loading and ex.dosage.reps
    if not r or prev.reps >= r.max:
        return steps
    top = wanted.dose.reps - 1 if wanted.dose.changed_dims(prev) == {"reps"} else prev.reps + 1
    word = "hold" if ex.dosage.kind is DoseKind.hold else "rep"
    for reps in range(min(top, int(r.max)), prev.reps, -1):
        n = reps - prev.reps
        steps.append(_Prop(replaced(prev, reps=reps), f"{n} more {word}{'s' if n > 1 else ''}", False, prev))
    return steps


def _cannot_fit(f: Fitter) -> PatientError:
    """The request is impossible: the core at its lightest does not fit."""
    job = f.job
    loads = _day_load(job.props, job.slots, job.library, job.patient, job.pattern, job.cache)
    if f.cap_over:
        n = max(c for _, _, c in loads)
        return PatientError(
            f"protocol '{job.protocol.id}' needs {n} exercises in a session; the cap is {f.cap}",
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
    minutes = job.patient.minutes
    need = math.ceil(max(sec for _, sec, _ in loads) / 60)
    return PatientError(
        f"the program needs about {need} minutes a session (week {job.week}); the patient has {minutes}",
        [
            Problem(
                None,
                None,
                "minutes",
                f"{minutes} minutes is too short for the core exercises at their lightest",
                f"allow at least {need} minutes a session, or more sessions a week, or choose another protocol",
            )
        ],
    )
