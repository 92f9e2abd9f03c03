"""What fitting works on: one week's proposals (``FitWeek``) and each day's totals, kept up to
date as the fit steps change slots (``Fitter``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rehabplan.models import (
    Category,
    DoseKind,
    Exercise,
    Patient,
)
from rehabplan.models import Protocol as RehabProtocol
from rehabplan.planning.days import DayPlan
from rehabplan.planning.progression import (
    PYRAMID_SETS,
    Context,
    Dose,
)
from rehabplan.planning.rules import HOLD_TRANSITION_S, SETUP_S
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


def _fewest_sets(s: _Slot, ex: Exercise) -> int:
    """The fewest sets fitting may leave: a pyramid keeps its three sets (5-3-1 is the base)."""
    assert s.rule is not None
    if s.rule.name == "pyramid" and ex.dosage.kind is DoseKind.hold:
        return min(int(ex.dosage.sets.max), PYRAMID_SETS)
    return int(ex.dosage.sets.min)


def _recent_variant(st: SlotState, week: int) -> bool:
    """True when the slot moved on to another exercise last week, or started then: each
    harder version is practised for a week before the next (a plank on the knees is not
    swapped for the full plank the week after it came in)."""
    d1, d2 = st.timeline.get(week - 1), st.timeline.get(week - 2)
    return d1 is not None and (d2 is None or d1.exercise != d2.exercise)
