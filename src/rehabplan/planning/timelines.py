"""Dose timelines -> the Program's weeks, sessions, sides and totals: the one function
(``materialise``) that both the planner and ``adjust`` use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rehabplan.models import (
    AgeBand,
    Category,
    DoseKind,
    Exercise,
    Patient,
    PhasePlan,
    Prescription,
    Session,
    SlotTimeline,
    Tempo,
    TimelineDose,
    Week,
)
from rehabplan.planning.days import DAY_NAMES, DayPlan, day_pattern
from rehabplan.planning.phases import _phase_of
from rehabplan.planning.progression import (
    Dose,
    deload,
)
from rehabplan.planning.rules import EFFORT, HOLD_TRANSITION_S, SETUP_S
from rehabplan.planning.state import SlotState, _make, _Slot
from rehabplan.planning.timing import _dose_seconds, _side, _sides_count
from rehabplan.sources.library import Library

if TYPE_CHECKING:
    from rehabplan.models import Protocol


@dataclass(slots=True)
class Track:
    """One slot as materialising needs it: how often and on which days, and its dose timeline.

    The planner builds these from its pass; ``rehabplan adjust`` rebuilds them from the program
    JSON (``Program.timelines``), changes the doses and materialises again with the same code.
    """

    id: str
    rule: str  # the progression rule's name ("pyramid": one set of the weekly volume)
    every_day: bool
    per_week: int
    days: tuple[int, ...]
    doses: dict[int, Dose]  # week -> dose, before a deload week's cut
    notes: dict[int, str | None]


def _track(s: _Slot, st: SlotState) -> Track:
    return Track(s.id, s.rule.name, s.every_day, s.per_week, s.days, st.timeline, st.notes)


# The library's cache of planned pieces (``Library.planned``), kept between plans. Three kinds of
# key, each naming what its value is (keys of different kinds differ in length, so never collide):
TimelineKey = tuple[Literal["timeline"], int, Dose, str | None]  # -> the week's TimelineDose
# (slot, rule, per week, dose, note, deload week, (side, age band, deload factor)) -> an _Item
ItemKey = tuple[str, str, int, Dose, str | None, bool, tuple[str, str, float]]
ProtocolKey = tuple[Literal["protocol json"], str]  # -> (the protocol object, its JSON)
PlannedCache = dict[TimelineKey | ItemKey | ProtocolKey, "TimelineDose | _Item | tuple[Protocol, str]"]


def timeline_model(t: Track, core: bool, cache: PlannedCache | None = None) -> SlotTimeline:
    """A track as it is written in the program JSON (``cache``: frozen doses kept between plans)."""
    cache = {} if cache is None else cache
    notes = t.notes
    doses: list[TimelineDose] = []
    for week, d in t.doses.items():
        note = notes.get(week)
        key: TimelineKey = ("timeline", week, d, note)
        made = cache.get(key)
        if not isinstance(made, TimelineDose):
            made = cache[key] = _timeline_dose(week, d, note)
        doses.append(made)
    return _make(
        SlotTimeline,
        slot=t.id,
        rule=t.rule,
        core=core,
        every_day=t.every_day,
        per_week=t.per_week,
        days=list(t.days),
        doses=doses,
    )


def _timeline_dose(week: int, d: Dose, note: str | None) -> TimelineDose:
    return _make(
        TimelineDose,
        week=week,
        exercise=d.exercise,
        sets=d.sets,
        reps=d.reps,
        hold_s=d.hold_s,
        minutes=d.minutes,
        tempo=None if d.tempo is None else str(d.tempo),
        load_index=d.load_index,
        note=note,
    )


def track_of(timeline: SlotTimeline) -> Track:
    """The program JSON's timeline as a track (the inverse of ``timeline_model``)."""
    doses = {
        d.week: Dose(
            d.exercise, d.sets, d.reps, d.hold_s, d.minutes, None if d.tempo is None else Tempo.parse(d.tempo), d.load_index
        )
        for d in timeline.doses
    }
    notes = {d.week: d.note for d in timeline.doses}
    return Track(timeline.slot, timeline.rule, timeline.every_day, timeline.per_week, tuple(timeline.days), doses, notes)


def track_sets(t: Track, dose: Dose, library: Library) -> int:
    """The working sets a slot adds to the weekly volume with ``dose`` (0 if not loading)."""
    ex = library.exercises[dose.exercise]
    if not ex.is_loading:
        return 0
    return dose.sets * t.per_week  # every prescribed set (a pyramid's three count as three)


def track_seconds(t: Track, dose: Dose, library: Library, patient: Patient) -> float:
    """Estimated seconds of one slot in one session with ``dose`` (0 for the walk)."""
    return _dose_seconds(dose, library.exercises[dose.exercise], patient, t.rule == "pyramid")


@dataclass(slots=True, eq=False)  # equal only to itself: lists of items compare by identity, fast
class _Item:
    """A planned prescription with what materialising needs to know about it."""

    rx: Prescription
    slot: str
    secs: float  # estimated seconds in a session (0 for the walk)
    floor: bool
    keeps_session: bool  # strength, core or motor control: a session holds at least one
    volume: int  # working sets a week (0 if not loading)
    tut: int  # time under tension a week, both sides (0 if not loading)


def _item(
    library: Library, patient: Patient, deload_factor: float, t: Track, dose: Dose, note: str | None, is_deload: bool
) -> _Item:
    """One week's dose as the prescription the patient reads (a deload week's cut applied), with
    its seconds in a session, working sets and time under tension a week."""
    ex = library.exercises[dose.exercise]
    d = ex.dosage
    kind = d.kind
    loading = ex.is_loading
    pyramid = kind is DoseKind.hold and t.rule == "pyramid"
    reps = dose.pyramid() if pyramid else [dose.reps] * dose.sets
    hold_s = dose.hold_s
    effort = EFFORT[ex.category]
    if is_deload and loading:
        # The week's load (sets x reps x seconds) times the protocol's factor: a real cut.
        cut = deload(dose, ex, deload_factor, patient.age_band is AgeBand.older, pyramid)
        reps, hold_s = (cut.pyramid() if pyramid else [cut.reps] * cut.sets), cut.hold_s
        note = "easier week on purpose (deload)"
        effort = "Easy week: " + effort
    sets = len(reps)
    tut = None
    if kind is DoseKind.reps and dose.tempo is not None:
        tut = reps[0] * dose.tempo.rep_s
    elif kind is DoseKind.hold:
        tut = reps[0] * (hold_s or 0)
    rest_s = int(d.rest_s.default)
    rx = _make(
        Prescription,
        slot=t.id,
        exercise=ex.id,
        name=ex.name,
        category=ex.category,
        kind=kind,
        sets=sets,
        reps=reps,
        hold_s=hold_s,
        minutes=dose.minutes,
        tempo=str(dose.tempo) if dose.tempo is not None and kind is DoseKind.reps else None,
        tut_per_set_s=tut,
        rest_s=rest_s,
        per_week=t.per_week,
        load=d.load_options[dose.load_index] if d.load_options else None,
        effort=effort,
        side=_side(ex, patient),
        note=note,
    )
    sides = _sides_count(ex, patient)
    weekly_tut = (sum(reps) * (hold_s or 0) if kind is DoseKind.hold else sets * (tut or 0)) * t.per_week
    return _Item(
        rx=rx,
        slot=t.id,
        secs=_session_seconds(rx, ex, sides),
        floor="floor" in ex.tags,
        keeps_session=ex.category in (Category.strength, Category.core, Category.motor_control),
        volume=sets * t.per_week if loading else 0,
        tut=weekly_tut * sides if loading else 0,
    )


def _session_seconds(rx: Prescription, ex: Exercise, sides: int) -> float:
    """The seconds a prescription takes in one session: its work on every side, the rests
    between sets and the time to set up (aerobic work such as walking: none, it is done on its own)."""
    if rx.kind is DoseKind.duration:
        return 0.0 if ex.category is Category.aerobic else (rx.minutes or 0) * 60.0
    hold_s, tut = rx.hold_s or 0, rx.tut_per_set_s or 0
    work = sum(rx.reps) * (hold_s + HOLD_TRANSITION_S) if rx.kind is DoseKind.hold else rx.sets * tut
    return work * sides + (rx.sets - 1) * rx.rest_s + SETUP_S


# Materialised items are kept on the library between plans (a clinic plans many patients with
# one library): a frozen Prescription depends only on the key below. About 2 KB an entry, so
# bounded at ~40 MB (a 1,000-patient run plans 1.6x faster than with 2,000 entries); a process
# that must stay small (a bulk worker near its memory limit) sets ``library.planned = None``.
_ITEM_CACHE_SIZE = 20_000


def materialise(
    library: Library,
    patient: Patient,
    phases: list[PhasePlan],
    reassessment: int | Sequence[int],
    deload_weeks: list[int],
    deload_factor: float,
    tracks: list[Track],
) -> list[Week]:
    """Timelines -> weeks: days, sides, deload cuts, totals. The only place doses become text,
    used by the planner and by ``rehabplan adjust`` alike, so totals never go stale."""
    deloads = set(deload_weeks)
    checks = {reassessment} if isinstance(reassessment, int) else set(reassessment)
    pattern = day_pattern(patient.sessions_per_week)
    cache: PlannedCache = library.planned if library.planned is not None else {}
    if len(cache) > _ITEM_CACHE_SIZE:
        for key in list(cache)[: len(cache) // 2]:  # the older half (dicts keep insertion order)
            del cache[key]
    placed = [(t, _items_by_week(library, patient, deload_factor, t, deloads, cache)) for t in tracks]
    return [
        _week(number, patient, phases, pattern, placed, number in deloads, number in checks)
        for number in range(1, patient.weeks + 1)
    ]


def _week(
    number: int,
    patient: Patient,
    phases: list[PhasePlan],
    pattern: tuple[DayPlan, ...],
    placed: list[tuple[Track, list[_Item | None]]],
    is_deload: bool,
    is_check: bool,
) -> Week:
    """One week of the program: every track's item of that week, put on its days."""
    daily: list[_Item] = []
    by_day: dict[int, list[_Item]] = {d.day: [] for d in pattern}
    volume = tut = 0
    for t, items in placed:
        it = items[number]
        if it is None:
            continue
        volume += it.volume
        tut += it.tut
        if t.every_day:
            daily.append(it)
        else:
            for day in t.days:
                by_day[day].append(it)
    sessions = _sessions(pattern, daily, by_day)
    return _make(
        Week,
        number=number,
        start=patient.start_date + dt.timedelta(weeks=number - 1),
        phase=_phase_of(phases, number).id,
        deload=is_deload,
        reassessment=is_check,
        every_day=[it.rx for it in daily],
        sessions=[
            _make(
                Session,
                number=i,
                prescriptions=[x.rx for x in s.items],
                minutes=s.minutes,
                day=s.day,
                kind=s.kind,
                name=s.name,
            )
            for i, s in enumerate(sessions, start=1)
        ],
        volume_sets=volume,
        tut_s=tut,
    )


def _items_by_week(
    library: Library, patient: Patient, deload_factor: float, t: Track, deloads: set[int], cache: PlannedCache
) -> list[_Item | None]:
    """The track's item of every week (index: the week's number), found once per run of weeks
    with one dose and note: most weeks repeat last week's dose object, so the library-wide key
    (which hashes the dose) is built only when the dose, its note or the deload changes."""
    who = (patient.side.value, patient.age_band.value, deload_factor)  # (plain strings hash faster than enums)
    n_weeks = patient.weeks
    items: list[_Item | None] = [None] * (n_weeks + 1)
    notes = t.notes
    last: tuple[Dose, str | None, bool] | None = None
    it = None
    for number, dose in t.doses.items():
        if not 1 <= number <= n_weeks:
            continue
        note = notes.get(number)
        is_deload = number in deloads
        if last is None or last[0] is not dose or last[1] != note or last[2] is not is_deload:
            key: ItemKey = (t.id, t.rule, t.per_week, dose, note, is_deload, who)
            found = cache.get(key)
            if isinstance(found, _Item):
                it = found
            else:
                it = cache[key] = _item(library, patient, deload_factor, t, dose, note, is_deload)
            last = (dose, note, is_deload)
        items[number] = it
    return items


def _sessions(pattern: tuple[DayPlan, ...], daily: list[_Item], by_day: dict[int, list[_Item]]) -> list[_Day]:
    """A week's sessions on its planned days, each with its minutes (the every-day items included)."""
    daily_s = sum(it.secs for it in daily)
    sessions: list[_Day] = []
    for plan in pattern:
        today = by_day[plan.day]
        keeps = floor = False
        secs = daily_s  # (whole seconds, so the order of adding does not matter)
        for item in today:
            keeps = keeps or item.keeps_session
            floor = floor or item.floor
            secs += item.secs
        # A strength session holds at least one exercise that is not a stretch or a glide; a
        # short day holds whatever fitting moved there (a stretch off the strength days).
        if not (keeps or plan.kind == "short" and today):
            continue
        # Floor work together, so the patient gets down and up once (a stable sort).
        if floor:
            today = [x for x in today if not x.floor] + [x for x in today if x.floor]
        sessions.append(_Day(today, round(secs / 60, 1), plan.day, plan.kind, DAY_NAMES[plan.kind]))
    if len(sessions) > 1:
        _name_sessions(sessions)
    return sessions


@dataclass(slots=True)
class _Day:
    """A planned session of one week before it becomes a ``Session``."""

    items: list[_Item]
    minutes: float
    day: int
    kind: str  # "strength" | "short"
    name: str


def _name_sessions(sessions: list[_Day]) -> None:
    """Sessions of one kind with different exercises are told apart: Strength day A, B."""
    for kind in ("strength", "short"):
        group = [s for s in sessions if s.kind == kind]
        if len(group) < 2 or all(s.items == group[0].items for s in group):  # the same items every day
            continue
        keys = [tuple([it.slot for it in s.items]) for s in group]
        contents = list(dict.fromkeys(keys))  # in order of first appearance
        if len(contents) > 1:
            for s, key in zip(group, keys, strict=True):
                s.name = f"{DAY_NAMES[kind]} {'ABCD'[contents.index(key)]}"


def _prescription_lists(week: Week) -> list[list[Prescription]]:
    return [week.every_day] + [s.prescriptions for s in week.sessions]


def _start_of(slots: list[_Slot], slot_id: str) -> str | None:
    for s in slots:
        if s.id == slot_id:
            return s.start
    return None
