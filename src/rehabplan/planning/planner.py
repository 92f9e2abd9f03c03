"""Plan a program: (library, protocol, patient) -> Program. Pure: no I/O, no clock, no randomness.

Read top to bottom:
1. scale the protocol's phases to the patient's weeks; lay out the week's days (strength days
   never two in a row, short days for core work);
2. choose an exercise for every slot the patient can do (equipment, exclusions), falling back
   down its ladder; a required slot nobody can fill is an error naming the slot;
3. one pass, week by week, over explicit per-slot state: each slot's dose timeline grows by its
   progression rule; deloads, the volume limit and fitting to the minutes are transforms of
   those timelines (named steps, below), never edits of the printed result;
4. materialise: the timelines become the Program's weeks, days, sides and totals.

Design choices (clinical brief: "design choice") are named constants or data below and in
docs/planner.md, and each is protected by a test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field, replace

from rehabplan.errors import PatientError, Problem
from rehabplan.models import (
    AgeBand,
    Category,
    DoseKind,
    Dropped,
    Equipment,
    Exercise,
    Irritability,
    Laterality,
    Patient,
    PhasePlan,
    Prescription,
    Program,
    Protocol,
    Rule,
    Session,
    Side,
    SideRule,
    Slot,
    SlotTimeline,
    Tempo,
    TimelineDose,
    TrainingStatus,
    Week,
)
from rehabplan.planning.progression import (
    HARDER_DIMENSIONS,
    PYRAMID_SETS,
    TIME_DIMENSIONS,
    Context,
    Dose,
    deload,
    replaced,
    start_dose,
    step,
    trade,
)
from rehabplan.sources.library import Library

# Household items every patient is assumed to have (a bottom stair serves as a step, a rug or
# towel as a mat). Bands and weights must be listed in the patient's equipment.
HOUSEHOLD = frozenset({Equipment.mat, Equipment.chair, Equipment.wall, Equipment.towel, Equipment.step})

SETUP_S = 30  # getting into position and reading the card, per exercise
HOLD_TRANSITION_S = 3  # getting in and out of each hold
MIN_VOLUME_ALLOWANCE_SETS = 3  # one extra set of one exercise done three times a week


def volume_allowance(last_sets: int, max_increase_pct: int, new_per_week: int = 0) -> int:
    """How many loading sets a week may rise above ``last_sets``.

    The protocol's percentage is a ceiling, so it rounds down (24 sets may rise by 8, not 9).
    The smallest step a plan can take is always allowed: one more set of one exercise done
    three times a week, or one set of a new exercise at its own times a week
    (``new_per_week``); without it an exercise done every day could never start while the
    weekly total is small.
    """
    return max(last_sets * max_increase_pct // 100, MIN_VOLUME_ALLOWANCE_SETS, new_per_week)


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

# ------------------------------------------------------------------ the week's days (ACSM 48 h)
# Hip and leg loading (strength and motor control) is done on strength days, never on two days
# in a row (ACSM: 48-72 h before loading the same muscles hard again). Core work (McGill's
# short holds, pelvic tilts: the brief allows them daily) goes on short days when the patient
# has more sessions than strength days. Days count from the week's first day (0).
STRENGTH_DAYS = {1: (0,), 2: (0, 3), 3: (0, 2, 4)}
SHORT_DAY_ORDER = (5, 1, 3, 6)  # extra sessions: Saturday, then Tuesday, Thursday, Sunday
HIP_AND_LEG = frozenset({Category.strength, Category.motor_control})
DAY_NAMES = {"strength": "Strength day", "short": "Short day"}

_NO_DIMENSIONS: frozenset[str] = frozenset()

# No exercise stays at one dose for more than this many weeks in a row (deloads aside) while a
# dimension is left to progress (issue 12: no plateaus).
PLATEAU_WEEKS = 3

# Walking toward a phase criterion ("walk for 30 minutes") grows at most this much a week.
WALK_STEP_MAX_MIN = 5

# Older adults keep the knee versions of planks (a full plank is a big jump in load and a hard
# floor transfer): design choice. Listed by exercise id; a clinic library may add its own.
OLDER_ADULT_AVOID = frozenset({"front-plank", "side-plank"})


@dataclass(frozen=True)
class DayPlan:
    day: int
    kind: str  # "strength" | "short"


def day_pattern(sessions_per_week: int) -> tuple[DayPlan, ...]:
    """The planned days of a week: strength days spread out, then short days."""
    n = max(1, sessions_per_week)
    strength = STRENGTH_DAYS[min(n, 3)]
    short = SHORT_DAY_ORDER[: max(0, n - 3)]
    days = [DayPlan(d, "strength") for d in strength] + [DayPlan(d, "short") for d in short]
    return tuple(sorted(days, key=lambda d: d.day))


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


@dataclass
class _Slot:
    """A slot with the exercise chosen for this patient."""

    slot: Slot
    order: int
    start: str
    per_week: int
    days: tuple[int, ...]  # days of the week it is done (empty for every-day slots)
    fallback_note: str | None = None
    rule: Rule | None = None
    id: str = ""

    every_day: bool = False
    walk_rules: dict = field(default_factory=dict)  # minutes step -> the walk's rule toward a target
    pyramid: bool = False  # McGill's pyramid: counted as one set, timed by its holds
    rank: tuple = ()  # importance(), asked at every fitting and volume step

    def __post_init__(self) -> None:
        self.id = self.slot.id
        self.rule = self.rule or self.slot.progression
        self.every_day = self.slot.every_day
        self.pyramid = self.rule.name == "pyramid"
        self.rank = (self.slot.core, -self.slot.priority, -self.order)

    @property
    def core(self) -> bool:
        return self.slot.core

    def importance(self) -> tuple:
        """Sort key: least important first."""
        return self.rank


@dataclass
class SlotState:
    """Everything the pass knows about one slot (explicit, not parallel dicts)."""

    dose: Dose | None = None  # this week's dose before any deload
    first: Dose | None = None  # the slot's first dose
    runs: int = 0  # weeks it has run outside deloads
    pending: bool = False  # a step held back last week (volume), retried now
    ramp_to: int = 0  # sets a new slot was meant to start with (volume limit), one set a week
    max_sets: int = 99  # set by fitting: a slot trimmed to fit keeps at most this many sets
    left_out: str | None = None
    waited: str | None = None  # why a slot that has not started yet waits (the volume limit)
    same: int = 0  # weeks in a row (deloads aside) at this dose: a plateau grows here
    timeline: dict[int, Dose] = field(default_factory=dict)  # week -> dose (before deload)
    notes: dict[int, str | None] = field(default_factory=dict)
    # The dose's seconds in a session and working sets a week, once known (-1: not yet): a dose
    # held for another week need not be timed again.
    secs: float = -1.0
    volume: int = -1


@dataclass(slots=True)
class _Prop:
    """This week's proposal for one slot."""

    dose: Dose
    note: str | None
    new: bool
    prev: Dose | None
    secs: float = -1.0  # its seconds in a session, once asked (a new proposal is a new _Prop)
    volume: int = -1  # its working sets a week, once asked


def plan(library: Library, protocol: Protocol, patient: Patient) -> Program:
    """Build the patient's program. Raises PatientError when the request is impossible."""
    if patient.protocol != protocol.id:
        raise PatientError(f"patient asks for protocol '{patient.protocol}' but was given '{protocol.id}'")
    _check_exclusions(library, patient)
    phases = scale_phases(protocol, patient.weeks)
    reassessment = min(protocol.reassessment_week, patient.weeks)
    pattern = day_pattern(patient.sessions_per_week)
    slots, dropped = _choose(library, protocol, patient, pattern)
    states, deload_weeks = _schedule(library, protocol, patient, phases, reassessment, pattern, slots, dropped)
    for s in slots:  # a slot that waited for the volume limit until the end says so
        if not states[s.id].timeline and states[s.id].waited and s.id not in dropped:
            dropped[s.id] = states[s.id].waited
    phases = _criteria(protocol, phases, slots, states, reassessment)
    tracks = [_track(s, states[s.id]) for s in slots if states[s.id].timeline]
    core = {s.id: s.core for s in slots}
    weeks = materialise(library, patient, phases, reassessment, deload_weeks, protocol.deload_volume_factor, tracks)

    used = {p.exercise for w in weeks for ps in _prescription_lists(w) for p in ps}
    digest = hashlib.sha256((library.digest(used) + _protocol_json(library, protocol)).encode()).hexdigest()
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
        deload_volume_factor=protocol.deload_volume_factor,
        max_weekly_volume_increase_pct=protocol.max_weekly_volume_increase_pct,
        weeks=weeks,
        dropped=[_make(Dropped, slot=s, exercise=_start_of(slots, s), reason=r) for s, r in dropped.items()],
        pain=protocol.pain,
        library_digest=digest,
        adjusted_from_week=None,
        adjustments=[],
        flags=[],
        timelines=[timeline_model(t, core[t.id], library.planned) for t in tracks],  # (None: no cache)
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
        out.append(
            _make(
                PhasePlan,
                id=phase.id,
                name=phase.name,
                first_week=first,
                last_week=last,
                goal=phase.goal,
                criterion=phase.criterion,
            )
        )
        first = last + 1
    return out


def _phase_of(phases: list[PhasePlan], week: int) -> PhasePlan:
    for p in phases:
        if p.first_week <= week <= p.last_week:
            return p
    return phases[-1]


def _criteria(
    protocol: Protocol, phases: list[PhasePlan], slots: list[_Slot], states: dict[str, SlotState], reassessment: int
) -> list[PhasePlan]:
    """Print each criterion with the numbers this patient's plan reaches by the phase's end.

    "{walking}" becomes the walking minutes of the phase's last week (never a 12-week figure in
    a 4-week plan); "{check-in}" names the reassessment only in the phase that holds it.
    """
    targets = {p.id: p.targets for p in protocol.phases}
    out = []
    for ph in phases:
        text = ph.criterion
        for s in slots:
            key = "{" + s.id + "}"
            if key in text:
                reached = [d.minutes for w, d in states[s.id].timeline.items() if w <= ph.last_week and d.minutes]
                value = max(reached, default=0)
                target = targets.get(ph.id, {}).get(s.id)
                text = text.replace(key, str(min(value, target) if target else value))
        check = f", and you have had your week {reassessment} check-in" if ph.first_week <= reassessment <= ph.last_week else ""
        text = text.replace("{check-in}", check)
        out.append(_make(PhasePlan, **{**ph.__dict__, "criterion": text}))
    return out


def _targets(protocol: Protocol, phases: list[PhasePlan]) -> dict[str, list[tuple[int, int]]]:
    """slot id -> [(last week of the phase, minutes to reach by then)]."""
    scaled = {p.id: p for p in phases}
    out: dict[str, list[tuple[int, int]]] = {}
    for phase in protocol.phases:
        for slot_id, minutes in phase.targets.items():
            out.setdefault(slot_id, []).append((scaled[phase.id].last_week, minutes))
    return out


# --------------------------------------------------------------------------- 2. choose


def _norm(word: str) -> str:
    return word.strip().lower().replace(" ", "-").replace("_", "-")


def _check_exclusions(library: Library, patient: Patient) -> None:
    if not patient.exclusions:
        return
    known = _known_words(library)
    bad = [x for x in patient.exclusions if _norm(x) not in known]
    if bad:
        import difflib

        problems = []
        for x in bad:
            guess = difflib.get_close_matches(_norm(x), sorted(known), n=1)
            problems.append(
                Problem(
                    None,
                    None,
                    "exclusions",
                    f"'{x}' is not a tag, equipment, category or exercise id",
                    f"did you mean '{guess[0]}'?" if guess else "e.g. floor, kneeling, band, balance",
                )
            )
        raise PatientError("the patient's exclusions are not understood", problems)


def _known_words(library: Library) -> set[str]:
    """Every word an exclusion may name: equipment, categories, the library's tags and ids."""
    words = {e.value for e in Equipment} | {c.value.replace("_", "-") for c in Category}
    return words | {t for ex in library.exercises.values() for t in ex.tags} | set(library.exercises)


def _protocol_json(library: Library, protocol: Protocol) -> str:
    """The protocol as JSON for the program's digest, made once per protocol object."""
    key = ("protocol json", protocol.id)
    cache = library.planned if library.planned is not None else {}
    made = cache.get(key)
    if made is None or made[0] is not protocol:  # the same object (held here, so its id is not reused)
        made = cache[key] = (protocol, protocol.model_dump_json())
    return made[1]


def excluded(ex: Exercise, patient: Patient) -> str | None:
    """Why the patient cannot do ``ex`` (None if they can)."""
    return _excluder(patient)(ex)


def _excluder(patient: Patient):
    """``excluded`` for one patient, with the patient's words and equipment read once."""
    words = {_norm(x) for x in patient.exclusions}
    have = set(patient.equipment) | HOUSEHOLD
    older = patient.age_band is AgeBand.older

    def why(ex: Exercise) -> str | None:
        if ex.id in words:
            return "excluded by the clinician"
        if words:
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
        if older and ex.id in OLDER_ADULT_AVOID:
            return "older adults keep the knee version"
        return None

    return why


def _loads_available(patient: Patient):
    have = set(patient.equipment) | HOUSEHOLD
    words = {_norm(x) for x in patient.exclusions}

    known: dict[str, int] = {}  # exercise id -> its count (asked at every band step)

    def count(ex: Exercise) -> int:
        n = known.get(ex.id)
        if n is None:
            n = known[ex.id] = _count(ex)
        return n

    def _count(ex: Exercise) -> int:
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


def _frequency(slot: Slot, ex: Exercise, pattern: tuple[DayPlan, ...]) -> int:
    b = ex.dosage.sessions_per_week
    wanted = slot.sessions_per_week or (7 if slot.every_day else int(b.default))
    wanted = int(b.clamp(wanted))
    if not slot.every_day:
        room = sum(1 for d in pattern if d.kind == "strength") if ex.category in HIP_AND_LEG else len(pattern)
        wanted = min(wanted, room)
    return wanted


def _spread(items: list[int], k: int) -> list[int]:
    """k of the items, as far apart as possible (first and last included)."""
    if k >= len(items):
        return list(items)
    if k == 1:
        return [items[0]]
    return [items[round(i * (len(items) - 1) / (k - 1))] for i in range(k)]


def _days(ex: Exercise, per_week: int, pattern: tuple[DayPlan, ...]) -> tuple[int, ...]:
    strength = [d.day for d in pattern if d.kind == "strength"]
    short = [d.day for d in pattern if d.kind == "short"]
    if ex.category in HIP_AND_LEG:
        return tuple(_spread(strength, per_week))
    # Core and the rest: short days first (so strength days stay short), then strength days.
    picked = (
        short[:per_week] + _spread(strength, per_week - len(short[:per_week]))
        if per_week > len(short)
        else _spread(short, per_week)
    )
    return tuple(sorted(picked))


def _choose(library: Library, protocol: Protocol, patient: Patient, pattern) -> tuple[list[_Slot], dict[str, str]]:
    chosen: list[_Slot] = []
    dropped: dict[str, str] = {}
    problems: list[Problem] = []
    taken: set[str] = set()  # one exercise, one slot: a fallback never doubles another slot
    trained = patient.training_status is TrainingStatus.trained
    why_not = _excluder(patient)
    for order, slot in enumerate(protocol.slots):
        reasons: list[str] = []
        pick: tuple[str, str | None] | None = None
        for cand in slot.candidates:
            rung = cand
            seen: set[str] = set()
            while rung and rung in library and rung not in seen:
                seen.add(rung)
                why = "already used by another slot" if rung in taken else why_not(library.exercises[rung])
                if why is None and library.exercises[rung].is_tensioner:
                    why = "a nerve tensioner only follows a slider"
                if why is None:
                    if _frequency(slot, library.exercises[rung], pattern) < library.exercises[rung].dosage.sessions_per_week.min:
                        why = f"needs at least {library.exercises[rung].dosage.sessions_per_week.min:g} sessions a week"
                    else:
                        note = None if rung == slot.candidates[0] else f"instead of {library.exercises[slot.candidates[0]].name}"
                        pick = (rung, note)
                        break
                reasons.append(f"{rung}: {why}")
                rung = library.exercises[rung].easier
            if pick:
                break
        if pick is None:
            reason = "; ".join(dict.fromkeys(reasons))  # a rung reached twice (candidate and easier) once
            if slot.required:
                problems.append(
                    Problem(
                        None,
                        None,
                        f"slot '{slot.id}'",
                        f"no allowed exercise for this required slot ({reason})",
                        "change the patient's equipment or exclusions, add an alternative to the protocol, or use another protocol",
                    )
                )
            else:
                dropped[slot.id] = f"not possible for this patient ({reason})"
            continue
        ex = library.exercises[pick[0]]
        taken.add(pick[0])
        per_week = _frequency(slot, ex, pattern)
        days = () if slot.every_day else _days(ex, per_week, pattern)
        rule = slot.progression
        if trained and rule.name != "steady":
            # Trained patients progress faster: a step every week at most, bigger rep steps.
            rule = rule.model_copy(update={"every_weeks": max(1, rule.every_weeks - 1), "reps_step": min(5, rule.reps_step + 1)})
        chosen.append(_Slot(slot, order, pick[0], per_week, days, pick[1], rule))
    for phase in protocol.phases:
        # Stretches and glides alone are not a program (clinical brief: a known pitfall).
        if not any(phase.id in c.slot.phases and library.exercises[c.start].is_loading for c in chosen):
            missing = [
                f"{s.id} ({dropped.get(s.id, 'not possible')})"
                for s in protocol.slots
                if phase.id in s.phases and s.candidates[0] in library and library.exercises[s.candidates[0]].is_loading
            ]
            problems.append(
                Problem(
                    None,
                    None,
                    f"phase '{phase.id}'",
                    "no strengthening, core or motor-control exercise is possible for this patient in this phase: "
                    + "; ".join(missing),
                    "change the patient's equipment or exclusions, or add an alternative the patient can do to one of these slots",
                )
            )
    if problems:
        raise PatientError(f"protocol '{protocol.id}' cannot be planned for this patient", problems)
    return chosen, dropped


# --------------------------------------------------------------------------- 3. schedule


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


def _dose_seconds(dose: Dose, ex: Exercise, patient: Patient, pyramid: bool) -> float:
    """Estimated seconds of one slot in one session: work + rest between sets + set-up."""
    d = ex.dosage
    sides = _sides_count(ex, patient)
    if d.kind is DoseKind.duration:
        return 0.0 if ex.category is Category.aerobic else (dose.minutes or 0) * 60.0
    if d.kind is DoseKind.hold:
        holds = sum(dose.pyramid()) if pyramid else dose.sets * dose.reps
        work = holds * ((dose.hold_s or 0) + HOLD_TRANSITION_S) * sides
    else:
        work = dose.sets * dose.reps * (d.tempo and dose.tempo.rep_s or 0) * sides
    return work + (dose.sets - 1) * int(d.rest_s.default) + SETUP_S


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


def _counted_sets(s: _Slot, sets: int, ex: Exercise) -> int:
    """Working sets for the weekly volume. A McGill pyramid (5-3-1 holds of 10 s) is one
    descending series of short holds and counts as one set (design choice)."""
    if s.rule.name == "pyramid" and ex.dosage.kind is DoseKind.hold:
        return 1
    return sets


def _volume(props: dict[str, _Prop], slots: list[_Slot], library: Library) -> int:
    total = 0
    for s in slots:
        p = props.get(s.id)
        if p is not None:
            volume = p.volume
            if volume < 0:
                ex = library.exercises[p.dose.exercise]
                volume = p.volume = _counted_sets(s, p.dose.sets, ex) * s.per_week if ex.is_loading else 0
            total += volume
    return total


def _limit_volume(props, states, slots, last, protocol, library, ctxs, week, reassessment) -> bool:
    """Weekly loading sets rise no faster than the protocol allows, phase changes included.

    Named steps, least important slot first: hold a set increase of a slot that is not core
    (retried next week; reps, tempo, band or variant may progress instead); start a new slot at
    its fewest sets (it climbs one set a week); start a new slot that is not core a week
    later; hold a core slot's set increase; start a new core slot a week later.
    """

    def within() -> bool:
        # A new exercise that starts this week may take its own smallest step; one that waits may not.
        new_per_week = max(
            (
                s.per_week
                for s in slots
                if (p := props.get(s.id)) is not None and p.new and library.exercises[p.dose.exercise].is_loading
            ),
            default=0,
        )
        return _volume(props, slots, library) <= last + volume_allowance(
            last, protocol.max_weekly_volume_increase_pct, new_per_week
        )

    if within():
        return False
    order = sorted((s for s in slots if s.id in props), key=_Slot.importance)

    def counted(s: _Slot, dose: Dose) -> int:
        ex = library.exercises[dose.exercise]
        return _counted_sets(s, dose.sets, ex) if ex.is_loading else 0

    def hold_sets(core: bool) -> bool:
        for s in order:
            p = props.get(s.id)
            if p is None or s.core != core:
                continue
            if not p.new and p.prev is not None and counted(s, p.dose) > counted(s, p.prev):
                # Progress another way (reps, tempo, band, variant) when one exists; the set waits.
                skip = frozenset({"sets"}) | (HARDER_DIMENSIONS if week == reassessment else frozenset())
                alt, note = step(p.prev, s.rule, ctxs[s.id], skip)
                if note is None or counted(s, alt) > counted(s, p.prev):
                    alt, note = trade(p.prev, s.rule, ctxs[s.id]) or (
                        p.prev,
                        "same as last week, so the total does not rise too fast",
                    )
                props[s.id] = _Prop(alt, note, False, p.prev)
                states[s.id].pending = True
                if within():
                    return True
        return False

    def start_low() -> bool:
        for s in order:
            p = props.get(s.id)
            if p is None:
                continue
            ex = library.exercises[p.dose.exercise]
            if p.new and ex.is_loading and p.dose.sets > _fewest_sets(s, ex):
                states[s.id].ramp_to = p.dose.sets
                props[s.id] = _Prop(replaced(p.dose, sets=_fewest_sets(s, ex)), p.note, True, None)
                if within():
                    return True
        return False

    def wait(core: bool) -> bool:
        for s in order:
            p = props.get(s.id)
            if p is not None and s.core == core and p.new and library.exercises[p.dose.exercise].is_loading:
                del props[s.id]  # starts next week instead
                states[s.id].waited = (
                    "not started before the plan ended: weekly loading sets may rise "
                    f"only {protocol.max_weekly_volume_increase_pct} % a week"
                )
                if within():
                    return True
        return False

    for action in (lambda: hold_sets(False), start_low, lambda: wait(False), lambda: hold_sets(True), lambda: wait(True)):
        if action():
            break
    return True


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


def _fit(props, states, slots, library, protocol, patient, pattern, week, dropped, ctxs, cache=None, reserve=None) -> None:
    """Apply FIT_STEPS until every day fits the patient's minutes and the exercise cap.

    Every step but the last (core slots to their fewest sets) keeps ``reserve`` free: the room
    later core slots will need, so nothing is trimmed later to make room for them.
    """
    cache = {} if cache is None else cache
    reserve = reserve or {}
    limit_s = patient.minutes * 60
    cap = protocol.max_exercises_per_session
    reassessment = min(protocol.reassessment_week, patient.weeks)
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
                    skip = TIME_DIMENSIONS | (HARDER_DIMENSIONS if week == reassessment else frozenset())
                    # From the middle of the rep range (ACSM: more load once the target reps
                    # are done), so a patient short of time still progresses.
                    # After weeks at one dose, from anywhere in the range.
                    r = library.exercises[p.prev.exercise].dosage.reps
                    stale = states[s.id].same >= PLATEAU_WEEKS - 1
                    alt, note = (
                        step(p.prev, s.rule, ctxs[s.id], skip)
                        if r and (stale or p.prev.reps >= (r.min + r.max) / 2)
                        else (p.prev, None)
                    )
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


def _fewest_sets(s: _Slot, ex: Exercise) -> int:
    """The fewest sets fitting may leave: a pyramid keeps its three sets (5-3-1 is the base)."""
    if s.rule.name == "pyramid" and ex.dosage.kind is DoseKind.hold:
        return min(int(ex.dosage.sets.max), PYRAMID_SETS)
    return int(ex.dosage.sets.min)


def _adds_time(dims: set[str]) -> bool:
    return bool(dims & {"sets", "reps", "hold_s", "minutes", "tempo"})


# --------------------------------------------------------------------------- 4. materialise


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
    return Track(s.id, s.rule.name, s.slot.every_day, s.per_week, s.days, st.timeline, st.notes)


def timeline_model(t: Track, core: bool, cache: dict | None = None) -> SlotTimeline:
    """A track as it is written in the program JSON (``cache``: frozen doses kept between plans)."""
    cache = {} if cache is None else cache
    notes = t.notes
    doses = []
    for week, d in t.doses.items():
        note = notes.get(week)
        key = ("timeline", week, d, note)
        made = cache.get(key)
        if made is None:
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
    sets = 1 if t.rule == "pyramid" and ex.dosage.kind is DoseKind.hold else dose.sets
    return sets * t.per_week


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


def _item(library: Library, patient: Patient, deload_factor: float, t: Track, dose: Dose, note, is_deload: bool) -> _Item:
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
        factor = deload_factor
        if pyramid:
            reps = [max(1, round(r * factor)) for r in reps]
        else:
            cut = deload(dose, ex, factor, patient.age_band is AgeBand.older)
            reps, hold_s = [cut.reps] * cut.sets, cut.hold_s
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
    if kind is DoseKind.duration:
        secs = 0.0 if ex.category is Category.aerobic else (dose.minutes or 0) * 60.0
    else:
        work = sum(reps) * ((hold_s or 0) + HOLD_TRANSITION_S) if kind is DoseKind.hold else sets * (tut or 0)
        secs = work * sides + (sets - 1) * rest_s + SETUP_S
    weekly_tut = (sum(reps) * (hold_s or 0) if kind is DoseKind.hold else sets * (tut or 0)) * t.per_week
    return _Item(
        rx=rx,
        slot=t.id,
        secs=secs,
        floor="floor" in ex.tags,
        keeps_session=ex.category in (Category.strength, Category.core, Category.motor_control),
        volume=(1 if pyramid else sets) * t.per_week if loading else 0,
        tut=weekly_tut * sides if loading else 0,
    )


# Materialised items are kept on the library between plans (a clinic plans many patients with
# one library): a frozen Prescription depends only on the key below. About 2 KB an entry, so
# bounded at ~40 MB (a 1,000-patient run plans 1.6x faster than with 2,000 entries); a process
# that must stay small (a bulk worker near its memory limit) sets ``library.planned = None``.
_ITEM_CACHE_SIZE = 20_000


def materialise(
    library: Library,
    patient: Patient,
    phases: list[PhasePlan],
    reassessment: int,
    deload_weeks: list[int],
    deload_factor: float,
    tracks: list[Track],
) -> list[Week]:
    """Timelines -> weeks: days, sides, deload cuts, totals. The only place doses become text,
    used by the planner and by ``rehabplan adjust`` alike, so totals never go stale."""
    deloads = set(deload_weeks)
    pattern = day_pattern(patient.sessions_per_week)
    cache = library.planned if library.planned is not None else {}
    if len(cache) > _ITEM_CACHE_SIZE:
        for key in list(cache)[: len(cache) // 2]:  # the older half (dicts keep insertion order)
            del cache[key]
    who = (patient.side.value, patient.age_band.value, deload_factor)  # (plain strings hash faster than enums)
    n_weeks = patient.weeks
    # Each track's item of every week, found once per run of weeks with one dose and note: most
    # weeks repeat last week's dose object, so the library-wide key (which hashes the dose) is
    # built only when the dose, its note or the deload changes.
    placed: list[tuple[Track, list[_Item | None]]] = []
    for t in tracks:
        items: list[_Item | None] = [None] * (n_weeks + 1)
        notes = t.notes
        last: tuple | None = None
        it = None
        for number, dose in t.doses.items():
            if not 1 <= number <= n_weeks:
                continue
            note = notes.get(number)
            is_deload = number in deloads
            if last is None or last[0] is not dose or last[1] != note or last[2] is not is_deload:
                key = (t.id, t.rule, t.per_week, dose, note, is_deload, who)
                it = cache.get(key)
                if it is None:
                    it = cache[key] = _item(library, patient, deload_factor, t, dose, note, is_deload)
                last = (dose, note, is_deload)
            items[number] = it
        placed.append((t, items))
    weeks: list[Week] = []
    for number in range(1, n_weeks + 1):
        is_deload = number in deloads
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
                for d in t.days:
                    by_day[d].append(it)
        daily_s = sum(it.secs for it in daily)
        sessions: list[list] = []
        for d in pattern:
            items = by_day[d.day]
            keeps = floor = False
            secs = daily_s  # (whole seconds, so the order of adding does not matter)
            for it in items:
                keeps = keeps or it.keeps_session
                floor = floor or it.floor
                secs += it.secs
            # A session holds at least one exercise that is not a stretch or a glide.
            if not keeps:
                continue
            # Floor work together, so the patient gets down and up once (a stable sort).
            if floor:
                items = [it for it in items if not it.floor] + [it for it in items if it.floor]
            sessions.append([items, round(secs / 60, 1), d.day, d.kind, DAY_NAMES[d.kind]])
        if len(sessions) > 1:
            _name_sessions(sessions)
        weeks.append(
            _make(
                Week,
                number=number,
                start=patient.start_date + dt.timedelta(weeks=number - 1),
                phase=_phase_of(phases, number).id,
                deload=is_deload,
                reassessment=number == reassessment,
                every_day=[it.rx for it in daily],
                sessions=[
                    _make(
                        Session,
                        number=i,
                        prescriptions=[it.rx for it in items],
                        minutes=minutes,
                        day=day,
                        kind=kind,
                        name=name,
                    )
                    for i, (items, minutes, day, kind, name) in enumerate(sessions, start=1)
                ],
                volume_sets=volume,
                tut_s=tut,
            )
        )
    return weeks


def _name_sessions(sessions: list[list]) -> None:
    """Sessions of one kind with different exercises are told apart: Strength day A, B.
    Each session is [items, minutes, day, kind, name]."""
    for kind in ("strength", "short"):
        group = [s for s in sessions if s[3] == kind]
        if len(group) < 2 or all(s[0] == group[0][0] for s in group):  # the same items every day
            continue
        keys = [tuple([it.slot for it in s[0]]) for s in group]
        contents = list(dict.fromkeys(keys))  # in order of first appearance
        if len(contents) > 1:
            for s, key in zip(group, keys):
                s[4] = f"{DAY_NAMES[kind]} {'ABCD'[contents.index(key)]}"


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


def _prescription_lists(week) -> list[list]:
    return [week.every_day] + [s.prescriptions for s in week.sessions]


def _start_of(slots: list[_Slot], slot_id: str) -> str | None:
    for s in slots:
        if s.id == slot_id:
            return s.start
    return None
