"""Plan a program: (library, protocol, patient) -> Program. Pure: no I/O, no clock, no randomness.

Read top to bottom:
1. scale the protocol's phases to the patient's weeks; place deloads and the reassessment;
2. choose an exercise for every slot the patient can do (equipment, exclusions), falling back
   down its ladder; a required slot nobody can fill is an error naming the slot;
3. schedule week by week: start doses from irritability, step each slot's progression rule,
   hold a step when weekly volume would rise faster than the protocol allows, apply deloads;
4. fit: drop lowest-priority slots (or cap sets) until every session fits the patient's
   minutes and the protocol's exercise cap, then build the Program.

Design choices (clinical brief: "design choice") are named constants below and in
docs/planner.md, and each is protected by a test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field, replace

from .errors import PatientError, Problem
from .library import Library
from .models import (
    Category,
    DoseKind,
    Dropped,
    Equipment,
    Exercise,
    Irritability,
    Laterality,
    AgeBand,
    Patient,
    PhasePlan,
    Prescription,
    Program,
    Protocol,
    Session,
    SideRule,
    Side,
    Slot,
    Week,
)
from .progression import Context, Dose, deload, start_dose, step

# Household items every patient is assumed to have (a bottom stair serves as a step, a rug or
# towel as a mat). Bands and weights must be listed in the patient's equipment.
HOUSEHOLD = frozenset({Equipment.mat, Equipment.chair, Equipment.wall, Equipment.towel, Equipment.step})

SETUP_S = 30  # getting into position and reading the card, per exercise
HOLD_TRANSITION_S = 3  # getting in and out of each hold
MIN_VOLUME_ALLOWANCE_SETS = 3  # one extra set of one exercise done three times a week

# Target effort (no ACSM source for an RPE target in rehab: design choice; a trial used
# Borg 12-13 "somewhat hard" for beginners).
EFFORT = {
    Category.strength: "Somewhat hard: you could do 2 or 3 more",
    Category.core: "Somewhat hard, with perfect form",
    Category.motor_control: "Slow and controlled; quality over speed",
    Category.stretch: "A gentle pull, never sharp pain",
    Category.neural_mobility: "No pain; mild tension that fades at once",
    Category.aerobic: "You can talk, but not sing",
}


@dataclass
class _Slot:
    """A slot with the exercise chosen for this patient."""

    slot: Slot
    order: int
    start: str
    per_week: int
    sessions: tuple[int, ...]  # 1-based session numbers (empty for every-day slots)
    fallback_note: str | None = None
    id: str = ""

    def __post_init__(self) -> None:
        self.id = self.slot.id


@dataclass
class _Fit:
    dropped: dict[str, str] = field(default_factory=dict)  # slot id -> reason
    max_sets: dict[str, int] = field(default_factory=dict)


def plan(library: Library, protocol: Protocol, patient: Patient) -> Program:
    """Build the patient's program. Raises PatientError when the request is impossible."""
    if patient.protocol != protocol.id:
        raise PatientError(f"patient asks for protocol '{patient.protocol}' but was given '{protocol.id}'")
    _check_exclusions(library, patient)
    phases = scale_phases(protocol, patient.weeks)
    deload_weeks = place_deloads(protocol.deload_every_weeks, patient.weeks, phases)
    reassessment = min(protocol.reassessment_week, patient.weeks)

    slots, fit = _choose(library, protocol, patient)
    while True:
        weeks = _schedule(library, protocol, patient, phases, deload_weeks, reassessment, slots, fit)
        if not _refit(weeks, slots, fit, protocol, patient, library):
            break

    used = {p.exercise for w in weeks for p in _all(w)}
    weeks = _freeze(weeks)
    digest = hashlib.sha256((library.digest(used) + protocol.model_dump_json()).encode()).hexdigest()
    return _make(
        Program,
        schema_version="1.0",
        patient=patient,
        protocol_id=protocol.id,
        protocol_name=protocol.name,
        condition_plain=protocol.condition_plain,
        nerve_related=protocol.nerve_related,
        start=patient.start_date,
        end=patient.start_date + dt.timedelta(weeks=patient.weeks, days=-1),
        phases=phases,
        reassessment_week=reassessment,
        deload_weeks=deload_weeks,
        weeks=weeks,
        dropped=[_make(Dropped, slot=s, exercise=_start_of(slots, s), reason=r) for s, r in fit.dropped.items()],
        pain=protocol.pain,
        library_digest=digest,
        adjusted_from_week=None,
        adjustments=[],
        flags=[],
    )


# --------------------------------------------------------------------------- 1. phases


def scale_phases(protocol: Protocol, weeks: int) -> list[PhasePlan]:
    """Protocols are written for 12 weeks; other lengths stretch or shrink every phase."""
    out: list[PhasePlan] = []
    first = 1
    n = len(protocol.phases)
    for i, phase in enumerate(protocol.phases):
        remaining = n - i - 1
        last = weeks if remaining == 0 else round(phase.weeks[1] * weeks / 12)
        last = max(first, min(last, weeks - remaining))
        out.append(_make(
            PhasePlan, id=phase.id, name=phase.name, first_week=first, last_week=last,
            goal=phase.goal, criterion=phase.criterion,
        ))
        first = last + 1
    return out


def place_deloads(every: int, weeks: int, phases: list[PhasePlan]) -> list[int]:
    """Every ``every``-th week, never the last week, never a phase's first week.

    A phase brings new exercises; they should not start in an easy week, so a deload that
    falls on a phase's first week moves one week earlier, to close the phase before it.
    """
    starts = {p.first_week for p in phases}
    out: list[int] = []
    for w in range(every, weeks, every):
        if w in starts and w - 1 > 1 and (w - 1) not in out:
            w -= 1
        if w not in starts:
            out.append(w)
    return out


def _phase_of(phases: list[PhasePlan], week: int) -> PhasePlan:
    for p in phases:
        if p.first_week <= week <= p.last_week:
            return p
    return phases[-1]


# --------------------------------------------------------------------------- 2. choose


def _norm(word: str) -> str:
    return word.strip().lower().replace(" ", "-").replace("_", "-")


def _check_exclusions(library: Library, patient: Patient) -> None:
    known = {e.value for e in Equipment} | {c.value.replace("_", "-") for c in Category}
    known |= {t for ex in library.exercises.values() for t in ex.tags} | set(library.exercises)
    bad = [x for x in patient.exclusions if _norm(x) not in known]
    if bad:
        import difflib

        problems = []
        for x in bad:
            guess = difflib.get_close_matches(_norm(x), sorted(known), n=1)
            problems.append(Problem(None, None, "exclusions", f"'{x}' is not a tag, equipment, category or exercise id", f"did you mean '{guess[0]}'?" if guess else "e.g. floor, kneeling, band, balance"))
        raise PatientError("the patient's exclusions are not understood", problems)


def excluded(ex: Exercise, patient: Patient) -> str | None:
    """Why the patient cannot do ``ex`` (None if they can)."""
    words = {_norm(x) for x in patient.exclusions}
    have = set(patient.equipment) | HOUSEHOLD
    if ex.id in words:
        return "excluded by the clinician"
    if ex.category.value.replace("_", "-") in words:
        return f"{ex.category.value} excluded"
    for tag in ex.tags:
        if tag in words:
            return f"'{tag}' excluded"
    for eq in ex.equipment:
        if eq.value in words:
            return f"'{eq.value}' excluded"
        if eq not in have:
            return f"needs a {eq.value}"
    return None


def _loads_available(patient: Patient):
    have = set(patient.equipment) | HOUSEHOLD
    words = {_norm(x) for x in patient.exclusions}

    def count(ex: Exercise) -> int:
        # A load option that names a band or a weight needs it at home (and not excluded).
        n = 0
        for option in ex.dosage.load_options:
            text = option.lower()
            for eq in (Equipment.band, Equipment.weight):
                if eq.value in text and "no " + eq.value not in text and (eq not in have or eq.value in words):
                    return max(n, 1)
            n += 1
        return max(n, 1)

    return count


def _frequency(slot: Slot, ex: Exercise, patient: Patient) -> int:
    b = ex.dosage.sessions_per_week
    wanted = slot.sessions_per_week or (7 if slot.every_day else int(b.default))
    wanted = int(b.clamp(wanted))
    if not slot.every_day:
        wanted = min(wanted, patient.sessions_per_week)
    return wanted


def _spread(per_week: int, sessions: int) -> tuple[int, ...]:
    """Spread an exercise over the week's sessions, as far apart as possible (48-72 h rule)."""
    return tuple(sorted({1 + math.floor(i * sessions / per_week) for i in range(per_week)}))


def _choose(library: Library, protocol: Protocol, patient: Patient) -> tuple[list[_Slot], _Fit]:
    chosen: list[_Slot] = []
    fit = _Fit()
    problems: list[Problem] = []
    taken: set[str] = set()  # one exercise, one slot: a fallback never doubles another slot
    for order, slot in enumerate(protocol.slots):
        reasons: list[str] = []
        pick: tuple[str, str | None] | None = None
        for cand in slot.candidates:
            rung = cand
            seen: set[str] = set()
            while rung and rung in library and rung not in seen:
                seen.add(rung)
                why = "already used by another slot" if rung in taken else excluded(library[rung], patient)
                if why is None:
                    if _frequency(slot, library[rung], patient) < library[rung].dosage.sessions_per_week.min:
                        why = f"needs at least {library[rung].dosage.sessions_per_week.min:g} sessions a week"
                    else:
                        note = None if rung == slot.candidates[0] else f"instead of {library[slot.candidates[0]].name}"
                        pick = (rung, note)
                        break
                reasons.append(f"{rung}: {why}")
                rung = library[rung].easier
            if pick:
                break
        if pick is None:
            reason = "; ".join(reasons)
            if slot.required:
                problems.append(Problem(None, None, f"slot '{slot.id}'", f"no allowed exercise for this required slot ({reason})", "change the patient's equipment or exclusions, or use another protocol"))
            else:
                fit.dropped[slot.id] = f"not possible for this patient ({reason})"
            continue
        ex = library[pick[0]]
        taken.add(pick[0])
        per_week = _frequency(slot, ex, patient)
        sessions = () if slot.every_day else _spread(per_week, patient.sessions_per_week)
        chosen.append(_Slot(slot, order, pick[0], per_week, sessions, pick[1]))
    if problems:
        raise PatientError(f"protocol '{protocol.id}' cannot be planned for this patient", problems)
    return chosen, fit


# --------------------------------------------------------------------------- 3. schedule


@dataclass(slots=True)
class _P:
    """A prescription while planning: the fields of models.Prescription, built cheaply.

    Fitting re-plans a program a few times; pydantic models are made once, at the end.
    """

    slot: str
    exercise: str
    name: str
    category: Category
    kind: DoseKind
    sets: int
    reps: list[int]
    hold_s: int | None
    minutes: int | None
    tempo: str | None
    tut_per_set_s: int | None
    rest_s: int
    per_week: int
    load: str | None
    effort: str
    side: str | None
    note: str | None
    secs: float = 0.0  # estimated seconds in a session (not part of the model)


_PRESCRIPTION_FIELDS = tuple(Prescription.model_fields)


@dataclass(slots=True)
class _RawSession:
    number: int
    prescriptions: list[_P]
    minutes: float


@dataclass(slots=True)
class _RawWeek:
    number: int
    start: dt.date
    phase: str
    deload: bool
    reassessment: bool
    every_day: list[_P]
    sessions: list[_RawSession]
    volume_sets: int
    tut_s: int


@dataclass(frozen=True)
class _Rx:
    """One slot's prescription in one week, before it becomes a model."""

    slot: _Slot
    dose: Dose
    note: str | None


def _context(library: Library, patient: Patient, s: _Slot, fit: _Fit, others: set[str]) -> Context:
    def allowed(ex_id: str) -> bool:
        ex = library[ex_id]
        b = ex.dosage.sessions_per_week
        return ex_id not in others and excluded(ex, patient) is None and b.min <= s.per_week <= b.max

    return Context(
        exercises=library.exercises,
        allowed=allowed,
        loads_available=_loads_available(patient),
        older_adult=patient.age_band is AgeBand.older,
        max_sets=fit.max_sets.get(s.id, 99),
    )


def _volume(rxs: list[_Rx], library: Library) -> int:
    return sum(r.dose.sets * r.slot.per_week for r in rxs if library[r.dose.exercise].is_loading)


def _schedule(library, protocol, patient, phases, deload_weeks, reassessment, slots, fit) -> list[_RawWeek]:
    gentle = patient.irritability is Irritability.high
    # High irritability: progress half as often (design choice, documented in docs/planner.md).
    slow = 2 if gentle else 1
    active = [s for s in slots if s.id not in fit.dropped]
    starts = {s.start for s in active}
    ctxs = {s.id: _context(library, patient, s, fit, starts - {s.start}) for s in active}
    state: dict[str, Dose] = {}
    counted: dict[str, int] = {}  # non-deload weeks each slot has run
    pending: set[str] = set()  # steps held back by the volume limit, retried next week
    ramp: dict[str, int] = {}  # sets a new slot was meant to start with, reached one set a week
    last_volume: int | None = None
    was_deload = False
    weeks: list[_RawWeek] = []
    memo: dict = {}
    for number in range(1, patient.weeks + 1):
        phase = _phase_of(phases, number)
        first_phase = phase.id == phases[0].id
        is_deload = number in deload_weeks
        proposals: list[_Rx] = []
        for s in active:
            if phase.id not in s.slot.phases:
                continue
            ctx = replace(ctxs[s.id], tensioners=False) if first_phase else ctxs[s.id]
            if s.id not in state:
                dose = start_dose(library[s.start], ctx, gentle)
                note = "new this week" if number > 1 else None
                if s.fallback_note:
                    note = s.fallback_note if note is None else f"{note} ({s.fallback_note})"
                proposals.append(_Rx(s, dose, note))
                continue
            dose, note = state[s.id], None
            runs = counted.get(s.id, 0)
            due = runs > 0 and runs % (s.slot.progression.every_weeks * slow) == 0
            if not is_deload and s.id in ramp and dose.sets < ramp[s.id]:
                # A slot that started below its sets (volume limit) climbs back first.
                dose, note = dose._replace(sets=dose.sets + 1), "one more set"
            elif not is_deload and (due or s.id in pending):
                dose, note = step(dose, s.slot.progression, ctx)
            if was_deload and not is_deload:
                note = "back to full dose" + (f"; {note}" if note else "")
            proposals.append(_Rx(s, dose, note))
        if not is_deload:
            wanted = {rx.slot.id: rx.dose.sets for rx in proposals if rx.slot.id not in state}
            proposals = _limit_volume(proposals, state, last_volume, protocol, library, pending)
            for rx in proposals:
                if rx.slot.id in wanted and rx.dose.sets < wanted[rx.slot.id]:
                    ramp[rx.slot.id] = wanted[rx.slot.id]
        for rx in proposals:
            state[rx.slot.id] = rx.dose
            if not is_deload:
                counted[rx.slot.id] = counted.get(rx.slot.id, 0) + 1
        weeks.append(_week(library, patient, protocol, number, phase, is_deload, number == reassessment, proposals, memo))
        if not is_deload:
            last_volume = weeks[-1].volume_sets
        was_deload = is_deload
    return weeks


def _limit_volume(proposals: list[_Rx], state: dict[str, Dose], last: int | None, protocol: Protocol, library: Library, pending: set[str]) -> list[_Rx]:
    """Hold back set increases (lowest priority first) so weekly sets rise no faster than allowed.

    New slots of a phase start at their lowest sets when the rise would be too steep; if those
    minimum sets alone exceed the allowance, they are still added (a documented exception).
    """
    pending.clear()
    if last is None:
        return proposals
    allowance = max(math.ceil(last * protocol.max_weekly_volume_increase_pct / 100), MIN_VOLUME_ALLOWANCE_SETS)
    if _volume(proposals, library) <= last + allowance:
        return proposals
    out = list(proposals)
    order = sorted(range(len(out)), key=lambda i: (-out[i].slot.slot.priority, -out[i].slot.order))
    for i in order:
        rx = out[i]
        prev = state.get(rx.slot.id)
        if prev is not None and rx.dose.sets > prev.sets and library[rx.dose.exercise].is_loading:
            out[i] = _Rx(rx.slot, prev, "same as last week, so the total does not rise too fast")
            pending.add(rx.slot.id)
            if _volume(out, library) <= last + allowance:
                return out
    for i in order:
        rx = out[i]
        ex = library[rx.dose.exercise]
        if rx.slot.id not in state and ex.is_loading and rx.dose.sets > ex.dosage.sets.min:
            out[i] = _Rx(rx.slot, rx.dose._replace(sets=int(ex.dosage.sets.min)), rx.note)
            if _volume(out, library) <= last + allowance:
                return out
    return out


def _side(ex: Exercise, patient: Patient) -> str | None:
    if ex.laterality is Laterality.both_sides:
        return None
    if ex.sides is SideRule.affected and patient.side is not Side.both:
        return f"{patient.side.value} side"
    if patient.side is Side.both:
        return "each side"
    return f"each side, {patient.side.value} first"


def _sides_count(ex: Exercise, patient: Patient) -> int:
    if ex.laterality is Laterality.both_sides:
        return 1
    if ex.sides is SideRule.affected and patient.side is not Side.both:
        return 1
    return 2


def _seconds(rx: _P, ex: Exercise, patient: Patient) -> float:
    sides = _sides_count(ex, patient)
    if rx.kind is DoseKind.duration:
        return 0.0 if ex.category is Category.aerobic else (rx.minutes or 0) * 60.0
    if rx.kind is DoseKind.hold:
        work = sum(rx.reps) * ((rx.hold_s or 0) + HOLD_TRANSITION_S) * sides
    else:
        work = rx.sets * (rx.tut_per_set_s or 0) * sides
    return work + (rx.sets - 1) * rx.rest_s + SETUP_S


def _prescription(library: Library, patient: Patient, protocol: Protocol, rx: _Rx, is_deload: bool) -> _P:
    ex = library[rx.dose.exercise]
    dose = deload(rx.dose, ex, protocol.deload_volume_factor, patient.age_band is AgeBand.older) if is_deload else rx.dose
    note = rx.note
    if is_deload:
        note = "easier week on purpose (deload)"
    d = ex.dosage
    if d.kind is DoseKind.hold and rx.slot.slot.progression.name == "pyramid":
        reps = dose.pyramid()
    else:
        reps = [dose.reps] * dose.sets
    tut = None
    if d.kind is DoseKind.reps and dose.tempo is not None:
        tut = dose.reps * dose.tempo.rep_s
    elif d.kind is DoseKind.hold:
        tut = reps[0] * (dose.hold_s or 0)
    return _P(
        slot=rx.slot.id,
        exercise=ex.id,
        name=ex.name,
        category=ex.category,
        kind=d.kind,
        sets=dose.sets,
        reps=reps,
        hold_s=dose.hold_s,
        minutes=dose.minutes,
        tempo=str(dose.tempo) if dose.tempo is not None and d.kind is DoseKind.reps else None,
        tut_per_set_s=tut,
        rest_s=int(d.rest_s.default),
        per_week=rx.slot.per_week,
        load=d.load_options[dose.load_index] if d.load_options else None,
        effort=("Easy week: " if is_deload else "") + EFFORT[ex.category],
        side=_side(ex, patient),
        note=note,
    )


def _weekly_tut(p: _P) -> int:
    if p.kind is DoseKind.hold:
        return sum(p.reps) * (p.hold_s or 0) * p.per_week
    return p.sets * (p.tut_per_set_s or 0) * p.per_week


def _week(library, patient, protocol, number, phase, is_deload, reassess, rxs: list[_Rx], memo: dict) -> _RawWeek:
    daily: list[_P] = []
    by_session: dict[int, list[_P]] = {n: [] for n in range(1, patient.sessions_per_week + 1)}
    volume = 0
    tut = 0
    seconds_daily = 0.0
    session_seconds = {n: 0.0 for n in by_session}
    for rx in sorted(rxs, key=lambda r: r.slot.order):
        # The same dose with the same note recurs across weeks and fitting passes: build once.
        key = (rx.slot.id, rx.dose, rx.note, is_deload)
        p = memo.get(key)
        if p is None:
            p = memo[key] = _prescription(library, patient, protocol, rx, is_deload)
            p.secs = _seconds(p, library[p.exercise], patient)
        ex = library[p.exercise]
        secs = p.secs
        if ex.is_loading:
            volume += p.sets * p.per_week
            tut += _weekly_tut(p) * _sides_count(ex, patient)
        if rx.slot.slot.every_day:
            daily.append(p)
            seconds_daily += secs
        else:
            for n in rx.slot.sessions:
                by_session[n].append(p)
                session_seconds[n] += secs
    sessions = [
        _RawSession(number=n, prescriptions=ps, minutes=round((session_seconds[n] + seconds_daily) / 60, 1))
        for n, ps in by_session.items()
    ]
    return _RawWeek(
        number=number,
        start=patient.start_date + dt.timedelta(weeks=number - 1),
        phase=phase.id,
        deload=is_deload,
        reassessment=reassess,
        every_day=daily,
        sessions=sessions,
        volume_sets=volume,
        tut_s=tut,
    )


# --------------------------------------------------------------------------- 4. fit


def _refit(weeks: list[_RawWeek], slots: list[_Slot], fit: _Fit, protocol: Protocol, patient: Patient, library: Library) -> bool:
    """Find the first session over the cap or the minutes; drop or cap one slot. True = re-plan."""
    for week in weeks:
        daily = [p for p in week.every_day if p.category is not Category.aerobic]
        for session in week.sessions:
            count = len(session.prescriptions) + len(daily)
            over_cap = count > protocol.max_exercises_per_session
            over_time = session.minutes > patient.minutes
            if not (over_cap or over_time):
                continue
            in_session = {p.slot for p in session.prescriptions} | {p.slot for p in daily}
            live = [s for s in slots if s.id in in_session and s.id not in fit.dropped]
            why = (f"more than {protocol.max_exercises_per_session} exercises in a session" if over_cap
                   else f"session would take {session.minutes:g} min; {patient.minutes} min available")
            if over_cap:
                victim = _lowest(live, max_priority=3, floor=2)
                if victim is None:
                    raise PatientError(
                        f"protocol '{protocol.id}' needs {count} exercises in a session; the cap is {protocol.max_exercises_per_session}",
                        [Problem(None, None, "protocol", "every exercise left is required or core", "raise max_exercises_per_session or make slots optional")],
                    )
                fit.dropped[victim.id] = f"left out to fit: {why}"
                return True
            # Time: the least important work goes first, and fewer sets before fewer exercises
            # (design choice): drop priority 3, cap every exercise at two sets, drop priority 2,
            # then cap anything above its minimum sets. Several steps at once when the session
            # is far over (estimated from each item's seconds); the re-plan checks the result.
            items = session.prescriptions + daily
            secs = {p.slot: p.secs for p in items}
            sets = {p.slot: p.sets for p in items}
            excess = (session.minutes - patient.minutes) * 60
            changed = False
            while excess > 0:
                step_done = False
                for action in ("drop3", "cap2", "drop2", "capmin"):
                    if action.startswith("drop"):
                        victim = _lowest(live, max_priority=3, floor=int(action[-1]))
                        if victim is not None:
                            fit.dropped[victim.id] = f"left out to fit: {why}"
                            live.remove(victim)
                            excess -= secs.get(victim.id, 0)
                            step_done = True
                            break
                        continue
                    floor = 2 if action == "cap2" else 0
                    ids = {s.id for s in live}
                    capped = [p for p in items if p.slot in ids and sets[p.slot] > max(floor, library[p.exercise].dosage.sets.min)]
                    if capped:
                        biggest = max(capped, key=lambda p: (sets[p.slot], p.slot))
                        excess -= secs[biggest.slot] / sets[biggest.slot]
                        sets[biggest.slot] -= 1
                        fit.max_sets[biggest.slot] = sets[biggest.slot]
                        step_done = True
                        break
                if not step_done:
                    break
                changed = True
            if changed:
                return True
            need = math.ceil(session.minutes)
            raise PatientError(
                f"the program needs about {need} minutes a session (week {week.number}); the patient has {patient.minutes}",
                [Problem(None, None, "minutes", f"{patient.minutes} is too short for the core exercises", f"allow at least {need} minutes, or choose another protocol")],
            )
    return False


def _lowest(live: list[_Slot], max_priority: int, floor: int) -> _Slot | None:
    """The least important optional slot with priority >= floor (later in the protocol first)."""
    pool = [s for s in live if not s.slot.required and floor <= s.slot.priority <= max_priority]
    return max(pool, key=lambda s: (s.slot.priority, s.order), default=None)


def _make(cls, **fields):
    """Build a model from values the planner has already checked, without re-validating.

    pydantic's model_construct does the same but costs four times as much; planning speed is
    a product requirement (benchmarks/plan.py).
    """
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", fields)
    object.__setattr__(obj, "__pydantic_fields_set__", set(fields))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def _freeze(weeks: list[_RawWeek]) -> list[Week]:
    """The planned weeks as models (one Prescription per planned item, shared by its sessions)."""
    made: dict[int, Prescription] = {}

    def rx(p: _P) -> Prescription:
        key = id(p)
        if key not in made:
            made[key] = _make(Prescription, **{f: getattr(p, f) for f in _PRESCRIPTION_FIELDS})
        return made[key]

    return [
        _make(
            Week, number=w.number, start=w.start, phase=w.phase, deload=w.deload, reassessment=w.reassessment,
            every_day=[rx(p) for p in w.every_day],
            sessions=[_make(Session, number=s.number, prescriptions=[rx(p) for p in s.prescriptions], minutes=s.minutes) for s in w.sessions],
            volume_sets=w.volume_sets, tut_s=w.tut_s,
        )
        for w in weeks
    ]


def _all(week) -> list:
    return week.every_day + [p for s in week.sessions for p in s.prescriptions]


def _start_of(slots: list[_Slot], slot_id: str) -> str | None:
    for s in slots:
        if s.id == slot_id:
            return s.start
    return None
