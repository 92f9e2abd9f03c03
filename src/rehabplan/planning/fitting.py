"""Fitting each day to the patient's minutes and the exercise cap, by named steps.

A week's proposals and everything fitting reads are one ``FitWeek``; ``Fitter`` keeps each
day's totals up to date as the steps change slots; the steps (``FIT_STEPS``) are small objects
applied in order by one short loop in ``fit``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from rehabplan.errors import PatientError, Problem
from rehabplan.models import (
    Category,
    DoseKind,
    Exercise,
    Patient,
)
from rehabplan.models import Protocol as RehabProtocol
from rehabplan.planning.days import DayPlan, spread
from rehabplan.planning.progression import (
    PYRAMID_SETS,
    STRETCH_SECONDS_A_DAY,
    TIME_DIMENSIONS,
    Context,
    Dose,
    replaced,
    step,
    trade,
)
from rehabplan.planning.rules import HOLD_TRANSITION_S, PLATEAU_WEEKS, SETUP_S
from rehabplan.planning.state import SlotState, _Prop, _Slot
from rehabplan.planning.timing import _sides_count
from rehabplan.sources.library import Library


@dataclass
class Room:
    """Seconds and exercises kept free on one day."""

    seconds: float = 0.0
    exercises: int = 0


# exercise id -> (dose kind: 0 duration, 1 hold, 2 reps; aerobic; sides; rest_s; timed by tempo)
SecondsCache = dict[str, tuple[int, bool, int, int, bool]]
Reserve = dict[int, Room]  # day -> room kept free for later core slots (-1: every day)
DayLoad = tuple[int, float, int]  # (day, seconds, exercises)

_NO_ROOM = Room()  # a day with nothing reserved


@dataclass
class FitWeek:
    """One week of one plan as fitting sees it: the proposals (changed in place) and what they are
    fitted to. ``dropped`` and the slot states receive what fitting leaves out or caps."""

    props: dict[str, _Prop]
    states: dict[str, SlotState]
    slots: list[_Slot]
    library: Library
    protocol: RehabProtocol
    patient: Patient
    pattern: Sequence[DayPlan]
    week: int
    dropped: dict[str, str]
    ctxs: dict[str, Context]
    cache: SecondsCache = field(default_factory=dict)
    reserve: Reserve | None = None
    # Slots whose harder version waits this week whatever the steps find (a plank the training
    # week after a plank came in or got harder).
    no_variant: frozenset[str] = frozenset()
    # A check-in week or the plan's last week: nothing new, nothing harder, no maintenance drop
    # (the clinician judges the patient on the doses they have been doing).
    calm: bool = False
    # slot -> the step fitting held for time this week (the first one), for a last look once
    # the weekly limits have held other steps (volume.step_back_in).
    held: dict[str, _Prop] = field(default_factory=dict)

    def variant_waits(self, s: _Slot) -> bool:
        """May slot ``s`` not move on to its harder version this week?"""
        return s.id in self.no_variant or _recent_variant(self.states[s.id], self.week)

    def seconds(self, s: _Slot, dose: Dose) -> float:
        return _seconds(dose, s.pyramid, self.library, self.patient, self.cache)


def _day_load(
    props: dict[str, _Prop],
    slots: list[_Slot],
    library: Library,
    patient: Patient,
    pattern: Sequence[DayPlan],
    cache: SecondsCache,
) -> list[DayLoad]:
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


def _seconds(dose: Dose, pyramid: bool, library: Library, patient: Patient, cache: SecondsCache) -> float:
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
    work: float
    if kind == 1:
        holds = sum(dose.pyramid()) if pyramid else dose.sets * dose.reps
        work = holds * ((dose.hold_s or 0) + HOLD_TRANSITION_S) * sides
    else:
        rep_s = dose.tempo.rep_s if timed and dose.tempo is not None else 0
        work = dose.sets * dose.reps * (rep_s or 0) * sides
    return work + (dose.sets - 1) * rest_s + SETUP_S


class Fitter:
    """Each day's seconds and exercises, kept up to date slot by slot as the steps change the
    week (whole seconds: the same sums as adding them up again), and whether a day is over."""

    def __init__(self, job: FitWeek, no_harder: frozenset[str]) -> None:
        self.job = job
        self.no_harder = no_harder
        self.reserve: Reserve = job.reserve or {}
        self.limit_s = job.patient.minutes * 60
        self.cap = job.protocol.max_exercises_per_session
        kept = self.reserve.get(-1, _NO_ROOM)
        self.kept_s, self.kept_n = kept.seconds, kept.exercises
        self.secs_of: list[float] = []
        self.count_of: list[int] = []
        self.daily_s, self.daily_n = 0.0, 0
        self.time_over = self.cap_over = False
        self.held: dict[str, _Prop] = {}  # slot -> the step a Hold replaced this week

    @property
    def fits(self) -> bool:
        return not (self.time_over or self.cap_over)

    def start_counting(self) -> None:
        """From here on each change updates the days' totals instead of adding them up again."""
        self.secs_of[:], self.count_of[:] = [0.0] * 7, [0] * 7
        for s in self.job.slots:
            p = self.job.props.get(s.id)
            if p is not None:
                self._count(s, p, 1)

    def _count(self, s: _Slot, p: _Prop, sign: int) -> None:
        secs = p.secs
        if secs < 0:
            secs = p.secs = self.job.seconds(s, p.dose)
        if s.every_day:
            if secs:  # the walk counts no session time
                self.daily_s += sign * secs
                self.daily_n += sign
            return
        for d in s.days:
            self.secs_of[d] += sign * secs
            self.count_of[d] += sign

    def put(self, s: _Slot, new: _Prop) -> None:
        props = self.job.props
        self._count(s, props[s.id], -1)
        props[s.id] = new
        self._count(s, new, 1)

    def drop(self, s: _Slot, reason: str) -> None:
        self._count(s, self.job.props.pop(s.id), -1)
        self.job.states[s.id].left_out = self.job.dropped[s.id] = reason

    def loads(self) -> list[DayLoad]:
        job = self.job
        if not self.secs_of:
            return _day_load(job.props, job.slots, job.library, job.patient, job.pattern, job.cache)
        daily_s, daily_n = self.daily_s, self.daily_n
        loads = [
            (d.day, self.secs_of[d.day] + daily_s, self.count_of[d.day] + daily_n) for d in job.pattern if self.count_of[d.day]
        ]
        return loads or [(-1, daily_s, daily_n)]

    def check(self, keep: bool = True) -> None:
        """Is a day over the minutes or the cap? With ``keep``, the reserved room counts as used."""
        time = many = False
        if keep and self.reserve:
            for d, sec, n in self.loads():
                r = self.reserve.get(d, _NO_ROOM) if d >= 0 else _NO_ROOM
                time = time or sec > self.limit_s - self.kept_s - r.seconds
                many = many or n > self.cap - self.kept_n - r.exercises
        else:
            for _, sec, n in self.loads():
                time = time or sec > self.limit_s
                many = many or n > self.cap
        self.time_over, self.cap_over = time, many

    def on_a_day_over(self, s: _Slot, cap: bool = False) -> bool:
        """Is slot ``s`` done on a day that is over the minutes (reserved room kept)? With
        ``cap``, a day over the exercise cap counts too."""
        for d, sec, n in self.loads():
            r = self.reserve.get(d, _NO_ROOM) if d >= 0 else _NO_ROOM
            over = sec > self.limit_s - self.kept_s - r.seconds
            over = over or (cap and n > self.cap - self.kept_n - r.exercises)
            if over and (s.every_day or d < 0 or d in s.days):
                return True
        return False

    def on_an_over_day(self, s: _Slot) -> bool:
        """Would changing slot ``s`` help: is it done on a day over the minutes or the cap?
        (An exercise done only on short days is never trimmed for a strength day's time.)"""
        return self.on_a_day_over(s, cap=True)

    def move(self, s: _Slot, days: tuple[int, ...]) -> None:
        """Slot ``s`` is done on ``days`` (and no longer every day), from its first week."""
        p = self.job.props[s.id]
        self._count(s, p, -1)
        s.days, s.per_week, s.every_day = days, len(days), False
        p.volume = p.work = -1  # counted again for the new number of days
        self._count(s, p, 1)

    def why(self) -> str:
        if self.cap_over:
            return f"more than {self.cap} exercises in a session"
        return f"not enough time in {self.job.patient.minutes} minutes"


# ------------------------------------------------------------------ fitting: the steps
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


def _recent_variant(st: SlotState, week: int) -> bool:
    """True when the slot moved on to another exercise last week, or started then: each
    harder version is practised for a week before the next (a plank on the knees is not
    swapped for the full plank the week after it came in)."""
    d1, d2 = st.timeline.get(week - 1), st.timeline.get(week - 2)
    return d1 is not None and (d2 is None or d1.exercise != d2.exercise)


def _fewest_sets(s: _Slot, ex: Exercise) -> int:
    """The fewest sets fitting may leave: a pyramid keeps its three sets (5-3-1 is the base)."""
    assert s.rule is not None
    if s.rule.name == "pyramid" and ex.dosage.kind is DoseKind.hold:
        return min(int(ex.dosage.sets.max), PYRAMID_SETS)
    return int(ex.dosage.sets.min)
