"""The scheduler's invariants, over random patients and random variations of the protocols."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import rehabplan
from rehabplan.errors import PatientError
from rehabplan.models import Category, DoseKind, Equipment, Patient, Tempo
from rehabplan.planning.progression import RULES, deload
from rehabplan.planning.rules import HOUSEHOLD, MIN_VOLUME_ALLOWANCE_SETS, removed_tags
from rehabplan.planning.timelines import track_of
from rehabplan.planning.timing import _sides_count
from rehabplan.planning.volume import dose_work

LIBRARY = rehabplan.load_library()
PROTOCOLS = rehabplan.load_protocols(LIBRARY)
TAGS = sorted({t for e in LIBRARY.exercises.values() for t in e.tags} | {"balance", "kneeling", "floor", "single-leg"})


# Any text a person can type: control characters and bidirectional overrides are refused by
# every model (they would drive a terminal or break the SVG), so they are not drawn.
PLAIN = st.characters(
    blacklist_categories=("Cc", "Cs"), blacklist_characters=[chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
)


@st.composite
def patients(draw, protocol_ids=tuple(PROTOCOLS.protocols)):
    return Patient(
        id=draw(st.text(PLAIN, min_size=1, max_size=12).filter(str.strip)),
        name=draw(st.text(PLAIN, min_size=1, max_size=40).filter(str.strip)),
        protocol=draw(st.sampled_from(protocol_ids)),
        start_date=draw(st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31))),
        weeks=draw(st.integers(4, 24)),
        sessions_per_week=draw(st.integers(2, 6)),
        irritability=draw(st.sampled_from(["high", "moderate", "low"])),
        training_status=draw(st.sampled_from(["untrained", "trained"])),
        age_band=draw(st.sampled_from(["adult", "older"])),
        side=draw(st.sampled_from(["left", "right", "both"])),
        equipment=draw(st.lists(st.sampled_from([e.value for e in Equipment]), unique=True, max_size=3)),
        exclusions=draw(st.lists(st.sampled_from(TAGS + ["band"]), unique=True, max_size=3)),
        minutes=draw(st.integers(15, 60)),
        bilateral_screened=draw(st.booleans()),
        tensioner_unlocked=draw(st.booleans()),
    )


@st.composite
def protocols(draw):
    base = PROTOCOLS[draw(st.sampled_from(sorted(PROTOCOLS.protocols)))]
    first = base.phases[0].id
    slots = []
    for slot in base.slots:
        ex = LIBRARY[slot.candidates[0]]
        # Keep the loading slots that start in the first phase (a valid protocol loads in
        # every phase: check_protocol); vary the rest.
        keep = ex.is_loading and first in slot.phases and (slot.required or slot.core) or draw(st.booleans())
        if not keep:
            continue
        rule = slot.progression.model_copy(
            update={
                "name": draw(st.sampled_from(sorted(RULES))),
                "every_weeks": draw(st.integers(1, 3)),
                "reps_step": draw(st.integers(1, 3)),
            }
        )
        slots.append(slot.model_copy(update={"progression": rule, "priority": draw(st.integers(1, 3))}))
    assume(any(LIBRARY[s.candidates[0]].is_loading and first in s.phases for s in slots))
    return base.model_copy(
        update={
            "slots": slots,
            "deload_every_weeks": draw(st.integers(2, 8)),
            "max_weekly_volume_increase_pct": draw(st.integers(5, 100)),
            "max_exercises_per_session": draw(st.integers(3, 12)),
            "deload_volume_factor": draw(st.sampled_from([0.5, 0.6, 0.7])),
        }
    )


def plan_or_skip(protocol, patient):
    patient = patient.model_copy(update={"protocol": protocol.id})
    try:
        return rehabplan.plan(LIBRARY, protocol, patient)
    except PatientError as exc:
        # Impossible requests are allowed, but they must say what is wrong.
        assert exc.message and (exc.problems or "minutes" in exc.message or "cap" in exc.message)
        assume(False)


def _patient_file(**fields) -> Patient:
    base = dict(id="p", name="P", start_date=dt.date(2026, 1, 5), side="left", exclusions=["floor"])
    return Patient(**{**base, **fields})


def every(program):
    for week in program.weeks:
        for p in week.every_day:
            yield week, None, p
        for s in week.sessions:
            for p in s.prescriptions:
                yield week, s, p


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
# 150 random patients a rule: seconds each. make test-fast leaves them to make test.
pytestmark = pytest.mark.slow


@SETTINGS
@given(protocols(), patients())
def test_same_input_gives_the_same_program(protocol, patient):
    a = plan_or_skip(protocol, patient)
    b = rehabplan.plan(LIBRARY, protocol, patient.model_copy(update={"protocol": protocol.id}))
    assert a.model_dump_json() == b.model_dump_json()


def fit_note(p) -> bool:
    return bool(p.note) and ("to fit your time" in p.note or "fewer sets" in p.note)


def held_note(p) -> bool:
    """Held to fit the minutes, or by the weekly limits (sets, time under tension): safety first."""
    return fit_note(p) or (bool(p.note) and ("does not rise too fast" in p.note or "keep this level" in p.note))


def real_protocols():
    return st.sampled_from([PROTOCOLS[k] for k in sorted(PROTOCOLS.protocols)])


@SETTINGS
@given(protocols(), patients())
def test_every_dose_stays_inside_the_exercise_bounds(protocol, patient):
    program = plan_or_skip(protocol, patient)
    for week, _, p in every(program):
        ex = LIBRARY[p.exercise]
        d = ex.dosage
        cut = week.deload and ex.is_loading  # a deload may go below the bottom of a range
        assert p.sets <= d.sets.max and (cut or p.sets >= d.sets.min), (p.exercise, p.sets)
        assert len(p.reps) == p.sets
        assert d.rest_s.min <= p.rest_s <= d.rest_s.max
        assert d.sessions_per_week.min <= p.per_week <= d.sessions_per_week.max
        if d.reps:
            assert p.reps[0] <= d.reps.max and max(p.reps) == p.reps[0]
            if len(set(p.reps)) == 1 and not cut:
                assert p.reps[0] >= d.reps.min
        if d.kind is DoseKind.hold:
            assert p.hold_s <= d.hold_s.max and (cut or p.hold_s >= d.hold_s.min)
            assert p.tut_per_set_s == p.reps[0] * p.hold_s
        if d.kind is DoseKind.reps:
            tempo = Tempo.parse(p.tempo)
            slowest = d.tempo_slowest or d.tempo
            assert d.tempo.rep_s <= tempo.rep_s <= slowest.rep_s
            assert p.tut_per_set_s == p.reps[0] * tempo.rep_s  # TUT = reps x tempo sum
        if d.kind is DoseKind.duration:
            assert d.minutes.min <= p.minutes <= d.minutes.max
        if d.load_options:
            assert p.load in d.load_options


@SETTINGS
@given(protocols(), patients())
def test_weekly_volume_only_falls_in_deload_weeks_and_rises_within_the_limit(protocol, patient):
    # No exception for a phase change: new slots start low, or a week later. No exception for
    # fitting either: trimming to the minutes is decided from a slot's start (docs/planner.md).
    # The percentage rounds down; the smallest step (3 sets, or one set of a new exercise at its
    # own times a week) is always allowed.
    program = plan_or_skip(protocol, patient)
    last = None
    for week in program.weeks:
        if week.deload:
            assert last is None or week.volume_sets <= last.volume_sets
            continue
        if last is not None:
            before, now = last.volume_sets, week.volume_sets
            # A core exercise at its top dose for weeks may drop one set to a maintenance dose
            # so another exercise's step fits the time (once per exercise).
            kept = sum(p.per_week for p in every_week(week) if p.note and "while other work builds" in p.note)
            assert now >= before - kept, f"week {week.number} fell from {before} to {now}"
            started = [p for slot, p in by_slot(week).items() if slot not in by_slot(last) and LIBRARY[p.exercise].is_loading]
            # a new exercise at its fewest sets (a McGill pyramid: its three sets count as three)
            new_per_week = max((p.sets * p.per_week for p in started), default=0)
            assert now - before <= before * protocol.max_weekly_volume_increase_pct // 100 or now - before <= max(
                MIN_VOLUME_ALLOWANCE_SETS, new_per_week
            ), f"week {week.number} rose {now - before} from {before}"
        last = week


@SETTINGS
@given(protocols(), patients())
def test_trimming_to_fit_never_lowers_an_exercises_work_outside_a_deload(protocol, patient):
    # A slot trimmed to fit the minutes (fewer sets, left out) is trimmed from its start: once it
    # runs, it keeps running with at least as many sets until its phases end.
    program = plan_or_skip(protocol, patient)
    phases = {s.id: set(s.phases) for s in protocol.slots}
    normal = [w for w in program.weeks if not w.deload]
    for before, week in zip(normal, normal[1:]):
        now = by_slot(week)
        for slot, p in by_slot(before).items():
            if week.phase not in phases[slot] or not LIBRARY[p.exercise].is_loading:
                continue
            assert slot in now, f"{slot} left out in week {week.number}"
            # (a core exercise at its top dose for weeks may keep a maintenance dose, one set
            # fewer, so another exercise's step fits the time)
            kept = 1 if now[slot].note and "while other work builds" in now[slot].note else 0
            assert now[slot].sets >= p.sets - kept, f"{slot} fell from {p.sets} to {now[slot].sets} sets in week {week.number}"
    for d in program.dropped:
        if " from week " in d.reason:
            # Only a stretch or mobility item gives way in the middle of a plan (no work lost),
            # so that an exercise that has stood still can progress in the patient's minutes.
            assert d.exercise is not None and not LIBRARY[d.exercise].is_loading, d
            assert "for the strength work to progress" in d.reason, d


def every_week(week):
    yield from week.every_day
    for s in week.sessions:
        yield from s.prescriptions


def by_slot(week):
    return {p.slot: p for p in every_week(week)}


@SETTINGS
@given(protocols(), patients())
def test_deloads_are_real_well_placed_and_bring_nothing_new(protocol, patient):
    program = plan_or_skip(protocol, patient)
    weeks = {w.number: w for w in program.weeks}
    first_phase = program.phases[0]
    starts = {p.first_week for p in program.phases}
    for i, n in enumerate(program.deload_weeks):
        assert weeks[n].deload
        assert n > first_phase.last_week and n not in starts
        assert n != program.reassessment_week and n != len(program.weeks)
        before, now = weeks[n - 1], weeks[n]
        assert not before.deload
        # Nothing new or harder: the same exercises as the week before (or fewer).
        assert {(p.slot, p.exercise) for p in every_week(now)} <= {(p.slot, p.exercise) for p in every_week(before)}
        # The week's load (sets x reps x seconds) falls by about the protocol's factor.
        if before.tut_s:
            cut = 1 - now.tut_s / before.tut_s
            # 30-50 % (clinical brief), by fewer sets first and never below an exercise's bounds;
            # an overdue one (more than deload_every_weeks loading weeks since the last lighter
            # week or the first phase) by what the bounds allow, at least 15 %
            since = max(program.deload_weeks[i - 1] if i else 0, first_phase.last_week)
            least = 0.15 if n - since > protocol.deload_every_weeks else 0.28
            assert least - 0.005 <= cut <= 0.6, (n, cut)


def deload_room(program, protocol, patient, week: int) -> float | None:
    """How much a deload of the doses of ``week`` would cut the week's work (time under tension),
    inside the exercises' bounds; None while every loading exercise is at its first dose."""
    before = after = 0.0
    progressed = False
    for t in map(track_of, program.timelines):
        dose = t.doses.get(week)
        if dose is None:
            continue
        ex = LIBRARY[dose.exercise]
        if not ex.is_loading:
            continue
        progressed = progressed or dose != t.doses[min(t.doses)]
        pyramid = t.rule == "pyramid" and ex.dosage.kind is DoseKind.hold
        sides = _sides_count(ex, patient)
        before += dose_work(dose, ex, t.per_week, pyramid, sides)
        cut = deload(dose, ex, protocol.deload_volume_factor, patient.age_band.value == "older", pyramid)
        after += dose_work(cut, ex, t.per_week, pyramid, sides)
    if not progressed or not before:
        return None
    return 1 - after / before


@SETTINGS
@given(real_protocols(), patients())
def test_a_lighter_week_comes_at_most_every_deload_every_weeks_plus_one_when_the_doses_allow(protocol, patient):
    # After the first phase, no more than deload_every_weeks + 1 loading weeks go by without a
    # lighter week, unless every week it could have come in was one where the doses sat too
    # near the bottom of their bounds to fall 15 % (a plan held there by short sessions), or a
    # phase's first week, a check-in week or the last week. An older, highly irritable patient
    # (one set of each exercise, reps reset by each harder version) went weeks 8-16 without one.
    program = plan_or_skip(protocol, patient)
    first_end = program.phases[0].last_week
    starts = {p.first_week for p in program.phases}
    calm = {w.number for w in program.weeks if w.reassessment} | {len(program.weeks)}
    every = protocol.deload_every_weeks
    since = first_end
    for week in program.weeks:
        n = week.number
        if n <= first_end:
            continue
        if week.deload:
            since = n
            continue
        if n - since > every + 1 and n not in starts and n not in calm:
            room = deload_room(program, protocol, patient, n - 1)
            assert room is None or room < 0.15, (n, since, room, program.deload_weeks)


@SETTINGS
@given(protocols(), patients())
def test_sessions_fit_the_minutes_and_the_exercise_cap(protocol, patient):
    program = plan_or_skip(protocol, patient)
    for week in program.weeks:
        daily = [p for p in week.every_day if p.category is not Category.aerobic]
        for s in week.sessions:
            assert s.minutes <= patient.minutes
            assert len(s.prescriptions) + len(daily) <= protocol.max_exercises_per_session


@SETTINGS
@given(protocols(), patients())
def test_no_session_is_empty_or_only_stretches_and_stretching_is_never_alone(protocol, patient):
    program = plan_or_skip(protocol, patient)
    for week in program.weeks:
        assert any(LIBRARY[p.exercise].is_loading for p in every_week(week)), week.number
        for s in week.sessions:
            # A short day may hold only a stretch that had no time on the strength days; a
            # strength day always loads, so the week is never stretching alone.
            if s.kind == "short":
                loads = any(LIBRARY[p.exercise].is_loading for p in s.prescriptions)
                assert loads or any(x.kind == "strength" for x in week.sessions), (week.number, s.name)
                continue
            assert any(LIBRARY[p.exercise].is_loading for p in s.prescriptions), (week.number, s.name)


@SETTINGS
@given(protocols(), patients())
def test_hip_and_leg_loading_is_never_on_two_days_in_a_row(protocol, patient):
    # ACSM: 48-72 h before loading the same muscles hard again, across week boundaries too.
    program = plan_or_skip(protocol, patient)
    loaded: dict[str, list[int]] = {}
    for week in program.weeks:
        for s in week.sessions:
            assert 0 <= s.day <= 6
            for p in s.prescriptions:
                if p.category in (Category.strength, Category.motor_control):
                    loaded.setdefault(p.slot, []).append((week.number - 1) * 7 + s.day)
        days = [s.day for s in week.sessions]
        assert days == sorted(set(days))
        kinds = {
            s.kind
            for s in week.sessions
            if any(p.category in (Category.strength, Category.motor_control) for p in s.prescriptions)
        }
        assert kinds <= {"strength"}
    for slot, days in loaded.items():
        assert all(b - a >= 2 for a, b in zip(days, days[1:])), (slot, days)


@SETTINGS
@given(protocols(), patients())
def test_no_excluded_or_unequipped_exercise_is_ever_prescribed(protocol, patient):
    program = plan_or_skip(protocol, patient)
    have = set(patient.equipment) | HOUSEHOLD
    words = set(patient.exclusions)
    removed = {t for w in words for t in removed_tags(w)}  # "balance" removes single-leg standing too
    for _, _, p in every(program):
        ex = LIBRARY[p.exercise]
        assert set(ex.equipment) <= have
        assert not (set(ex.tags) | {e.value for e in ex.equipment} | {ex.id}) & words
        assert not set(ex.tags) & removed, (ex.id, words)
        if p.load and "band" in p.load.lower() and "no band" not in p.load.lower():
            assert Equipment.band in have and "band" not in words


@SETTINGS
@given(protocols(), patients())
def test_a_tensioner_only_follows_a_slider_of_the_same_slot_gated_by_symptoms(protocol, patient):
    program = plan_or_skip(protocol, patient)
    phase_of = {w.number: w.phase for w in program.weeks}
    order = [p.id for p in program.phases]
    gate = (
        (order.index(protocol.tensioners_from_phase) if protocol.tensioners_from_phase in order else len(order))
        if protocol.tensioners_from_phase
        else 1
    )
    slid: set[str] = set()
    for week in program.weeks:
        for p in every_week(week):
            ex = LIBRARY[p.exercise]
            if ex.category is Category.neural_mobility and not ex.is_tensioner:
                slid.add(p.slot)
            if ex.is_tensioner:
                assert p.slot in slid, "a tensioner without a slider before it"
                assert order.index(phase_of[week.number]) >= gate


@SETTINGS
@given(real_protocols(), patients())
def test_a_nerve_related_protocol_keeps_a_glide_through_the_whole_program(protocol, patient):
    program = plan_or_skip(protocol, patient)
    if not protocol.nerve_related or not any(p.category is Category.neural_mobility for p in every_week(program.weeks[0])):
        return  # excluded (floor, chair...) for this patient: nothing to keep
    for week in program.weeks:
        assert any(p.category is Category.neural_mobility for p in every_week(week)), week.number


@SETTINGS
@given(real_protocols(), patients())
def test_core_slots_are_never_left_out_to_fit(protocol, patient):
    program = plan_or_skip(protocol, patient)
    core = {s.id for s in protocol.slots if s.core}
    assert not {d.slot for d in program.dropped if "fit" in d.reason} & core
    for slot in protocol.slots:
        if not slot.core:
            continue
        weeks = [w.number for w in program.weeks if slot.id in by_slot(w)]
        if weeks:  # possible for this patient: every week of its phases from its start
            expected = [w.number for w in program.weeks if w.phase in slot.phases and w.number >= weeks[0]]
            assert weeks == expected, (slot.id, weeks)


@SETTINGS
@given(protocols(), patients())
def test_a_step_never_cuts_work_at_the_same_load(protocol, patient):
    # Reps reset only when the band or the variant gets harder; one more set keeps the total; a
    # slower tempo (or longer holds) keeps the time under tension.
    program = plan_or_skip(protocol, patient)
    prev: dict[str, object] = {}
    for week in program.weeks:
        if week.deload:
            continue
        for slot, p in by_slot(week).items():
            q = prev.get(slot)
            if q is not None and LIBRARY[p.exercise].is_loading and not fit_note(p):
                if (q.exercise, q.load, q.hold_s) == (p.exercise, p.load, p.hold_s):
                    if p.tempo == q.tempo:
                        assert sum(p.reps) >= sum(q.reps), (week.number, slot, q.reps, p.reps)
                    else:  # a slower tempo with fewer reps keeps the time under tension (within a rep)
                        per_rep = Tempo.parse(p.tempo).rep_s
                        assert p.sets >= q.sets and p.tut_per_set_s > q.tut_per_set_s - per_rep, (week.number, slot)
            prev[slot] = p


def loads_the_patient_has(ex, patient) -> int:
    """How many of the exercise's load options the patient can use (a band or weight must be
    listed in the equipment and not excluded)."""
    have = {e.value for e in patient.equipment} | {e.value for e in HOUSEHOLD}
    n = 0
    for option in ex.dosage.load_options:
        needs = {eq for eq in ("band", "weight") if eq in option.lower() and "no " + eq not in option.lower()}
        if any(eq not in have or eq in patient.exclusions for eq in needs):
            break
        n += 1
    return max(n, 1)


def no_time_free_step_left(p, ex, patient, pyramid: bool) -> bool:
    """Nothing left that costs no minutes: no slower tempo with the same time of work (reps at
    the bottom, or the tempo at its slowest), no longer holds in the same time, no firmer band."""
    d = ex.dosage
    if d.load_options and d.load_options.index(p.load) + 1 < loads_the_patient_has(ex, patient):
        return False
    if p.kind is DoseKind.reps and p.tempo and d.tempo_slowest:
        rep_s = Tempo.parse(p.tempo).rep_s
        if rep_s < d.tempo_slowest.rep_s and p.reps[0] * rep_s // (rep_s + 1) >= d.reps.min:
            return False
    if p.kind is DoseKind.hold and not pyramid:
        top = d.hold_s.max if p.category is not Category.stretch else p.hold_s
        if p.hold_s < top and d.reps.min <= p.reps[0] * p.hold_s // (p.hold_s + 1) < p.reps[0]:
            return False
    return True


def at_the_top(p, ex, pyramid: bool) -> bool:
    """Every dimension at the top of the library's ranges (a pyramid at 7-5-3)."""
    d = ex.dosage
    slowest = d.tempo_slowest or d.tempo
    return (
        p.reps[0] >= d.reps.max
        and (pyramid or p.sets >= d.sets.max)
        and (p.kind is not DoseKind.hold or pyramid or p.hold_s >= d.hold_s.max)
        and (p.kind is not DoseKind.reps or Tempo.parse(p.tempo).rep_s >= slowest.rep_s)
    )


# Stretches, mobility (cat-cow), nerve glides and the walk are steady by design: a stretch's dose
# is the brief's maintenance dose (Garber 2011; seed 001 warns against prolonged piriformis
# stretching), glides are dosed by symptoms (10 reps, 2-3 sets a day, no standard progression),
# mobility is for movement, not load, and the walk steps to its criterion and its top.
STEADY_BY_DESIGN = (Category.stretch, Category.neural_mobility, Category.aerobic)


# Upper hamstring, 17 weeks, 2 x 15 minutes, no equipment: the hip hinge held "to fit your time"
# for 4 weeks while its first bag (a switch that costs no minutes) waited on a week's change
# that never came; at 15 weeks, while its heavier bag (a load step) waited behind another
# exercise's harder version.
HINGE_HELD = _patient_file(
    protocol="upper-hamstring-glute-sciatica", weeks=17, sessions_per_week=2, minutes=15, irritability="moderate",
    exclusions=[],
)  # fmt: skip


@SETTINGS
@given(real_protocols(), patients())
@example(PROTOCOLS["upper-hamstring-glute-sciatica"], HINGE_HELD)
@example(PROTOCOLS["upper-hamstring-glute-sciatica"], HINGE_HELD.model_copy(update={"weeks": 15}))
def test_no_exercise_stands_still_for_more_than_3_weeks(protocol, patient):
    # docs/planner.md "Plateaus": a loading exercise may stay at one dose for a 4th week (deloads
    # aside) only at the top of everything its library allows, or, held to fit the minutes, when
    # nothing that costs no minutes is left (a slower tempo or longer holds in the same time, a
    # firmer band). "Held to fit" alone is no exemption.
    program = plan_or_skip(protocol, patient)
    rules = {s.id: s.progression.name for s in protocol.slots}
    runs: dict[str, tuple[tuple, int, bool]] = {}
    for week in program.weeks:
        if week.deload:
            continue
        for slot, p in by_slot(week).items():
            if p.category in STEADY_BY_DESIGN:
                continue
            key = (p.exercise, p.sets, tuple(p.reps), p.hold_s, p.tempo, p.load)
            same, count, held = runs.get(slot, (None, 0, False))
            count, held = (count + 1, held or held_note(p)) if key == same else (1, False)
            runs[slot] = (key, count, held)
            # nothing harder in a check-in week, the last week or the tensioner's week: a band waits
            calm = (
                week.reassessment
                or week.number == len(program.weeks)
                or any(LIBRARY[q.exercise].is_tensioner and q.note and "harder version" in q.note for q in week.every_day)
            )
            if count > 3 and not calm:
                ex = LIBRARY[p.exercise]
                pyramid = rules[slot] == "pyramid" and p.kind is DoseKind.hold
                assert no_time_free_step_left(p, ex, patient, pyramid), (week.number, slot, key, p.note)
                assert held or at_the_top(p, ex, pyramid), (week.number, slot, key, p.note)


@SETTINGS
@given(real_protocols(), patients())
def test_a_harder_variant_is_never_followed_by_another_the_next_week(protocol, patient):
    # Each harder version is practised before the next (single-leg stance -> supported step-down
    # -> single-leg step-down never in two weeks running).
    program = plan_or_skip(protocol, patient)
    last: dict[str, int] = {}
    for week in program.weeks:
        for slot, p in by_slot(week).items():
            if p.note and "harder version" in p.note and LIBRARY[p.exercise].is_loading:
                assert last.get(slot, -9) < week.number - 1, (slot, week.number)
                last[slot] = week.number


def _carries_weight(option: str) -> bool:
    text = option.lower()
    return ("weight" in text or " kg" in text) and not text.startswith("no ")


def week_changes(before, now) -> list[tuple[str, str]]:
    """Every change ``now`` brings after ``before``, by slot and kind: "new" (an exercise starts),
    "variant" (another exercise of the ladder), "tensioner", "switch" (a harder version of the same
    exercise: less support, a first weight) and "load" (a firmer band or a heavier weight, which
    may go on alongside: clinical brief, "One change at a time")."""
    out = []
    last = by_slot(before)
    for slot, p in by_slot(now).items():
        q = last.get(slot)
        if q is None:
            out.append((slot, "new"))
        elif q.exercise != p.exercise:
            out.append((slot, "tensioner" if LIBRARY[p.exercise].is_tensioner else "variant"))
        elif q.load != p.load:
            options = LIBRARY[p.exercise].dosage.load_options
            i, j = options.index(q.load), options.index(p.load)
            steps = [(options[k - 1], options[k]) for k in range(i + 1, j + 1)]
            if any("band" not in b.lower() and not (_carries_weight(a) and _carries_weight(b)) for a, b in steps):
                out.append((slot, "switch"))
            elif steps:
                out.append((slot, "load"))
    return out


# The physiotherapist's two plans with two changes in one settle week: a harder variant (or a
# new exercise) and "Sit to stand: switch to: arms crossed".
B06 = _patient_file(
    protocol="deep-gluteal-syndrome", weeks=6, sessions_per_week=5, minutes=45, irritability="low",
    training_status="trained", age_band="older", equipment=["weight"],
)  # fmt: skip
B10 = _patient_file(
    protocol="upper-hamstring-glute-sciatica", weeks=4, sessions_per_week=6, minutes=50, irritability="low",
    training_status="trained", equipment=["band", "weight"],
)  # fmt: skip


@st.composite
def busy_patients(draw):
    """Patients whose plans change fast: trained or low irritability, often older, 5-6 sessions,
    short plans, with weights and bands (the load switches of sit to stand, the hinge's bag)."""
    p = draw(patients())
    return Patient.model_validate(
        {
            **p.model_dump(),
            "weeks": draw(st.integers(4, 9)),
            "sessions_per_week": draw(st.integers(5, 6)),
            "irritability": draw(st.sampled_from(["low", "moderate", "high"])),
            "training_status": draw(st.sampled_from(["trained", "trained", "untrained"])),
            "age_band": draw(st.sampled_from(["older", "adult"])),
            "equipment": draw(st.sampled_from([["weight"], ["band", "weight"], ["band"], []])),
            "minutes": draw(st.integers(30, 60)),
        }
    )


@SETTINGS
@given(real_protocols(), st.one_of(patients(), busy_patients()))
@example(PROTOCOLS["deep-gluteal-syndrome"], B06)
@example(PROTOCOLS["upper-hamstring-glute-sciatica"], B10)
def test_at_most_one_new_exercise_or_harder_version_a_week_of_every_kind(protocol, patient):
    # Clinical brief: at most one new exercise or harder variant a week, so that a flare points
    # at one change. A switch to a harder version of the same exercise ("switch to: arms crossed")
    # counts as one; rep, set, band, weight and tempo steps do not.
    program = plan_or_skip(protocol, patient)
    last = len(program.weeks)
    for before, week in zip(program.weeks, program.weeks[1:]):
        found = week_changes(before, week)
        main = [c for c in found if c[1] != "load"]
        assert len(main) <= 1, (week.number, found)
        if week.reassessment or week.number == last or week.deload:
            assert not main, (week.number, found)


@SETTINGS
@given(real_protocols(), patients())
def test_stretch_holds_stay_within_the_brief(protocol, patient):
    # Adults 2-4 x 15-30 s (at least 60 s a day); older adults 30-60 s (Garber 2011).
    program = plan_or_skip(protocol, patient)
    for _, _, p in every(program):
        if p.category is Category.stretch and p.hold_s:
            if patient.age_band.value == "older":
                assert 30 <= p.hold_s <= 60
            else:
                assert p.hold_s <= 30
            assert 2 <= p.reps[0] <= 4 and p.sets * p.reps[0] * p.hold_s >= 60


@SETTINGS
@given(real_protocols(), patients())
def test_planks_are_mcgills_descending_pyramid(protocol, patient):
    program = plan_or_skip(protocol, patient)
    rules = {s.id: s.progression.name for s in protocol.slots}
    for week, _, p in every(program):
        if rules.get(p.slot) == "pyramid" and p.kind is DoseKind.hold and not week.deload:
            # An older or highly irritable patient's plank that comes in after week 1 starts as
            # one set (5 holds) and climbs a set a week to the full pyramid.
            gentle = patient.age_band.value == "older" or patient.irritability.value == "high"
            assert p.sets == 3 or gentle and week.number > 1 and p.sets in (1, 2), (p.slot, week.number, p.sets)
            assert 5 <= p.reps[0] <= 7
            assert p.reps == [p.reps[0], p.reps[0] - 2, p.reps[0] - 4][: p.sets]


@SETTINGS
@given(protocols(), patients())
def test_the_reassessment_week_introduces_nothing_harder(protocol, patient):
    program = plan_or_skip(protocol, patient)
    r = program.reassessment_week
    if r < 2:
        return
    before, now = by_slot(program.weeks[r - 2]), by_slot(program.weeks[r - 1])
    for slot, p in now.items():
        if slot in before:
            assert (p.exercise, p.load) == (before[slot].exercise, before[slot].load), slot


@SETTINGS
@given(real_protocols(), patients())
def test_the_dose_reaches_the_criteria_printed(protocol, patient):
    program = plan_or_skip(protocol, patient)
    for phase in program.phases:
        assert "{" not in phase.criterion
        words = phase.criterion.split("walk for ")
        if len(words) > 1:
            minutes = int(words[1].split()[0])
            walked = [p.minutes for w in program.weeks if w.number <= phase.last_week for p in w.every_day if p.minutes]
            assert walked and max(walked) >= minutes
        if "check-in" in phase.criterion:
            assert phase.first_week <= program.reassessment_week <= phase.last_week


@SETTINGS
@given(real_protocols(), patients())
def test_every_slot_whose_phase_is_in_the_plan_is_done_or_its_absence_is_explained(protocol, patient):
    # A clinician reads "Left out" to know what the patient is not doing and why: nothing may
    # vanish silently (e.g. an exercise that waited for the weekly volume limit until the end).
    program = plan_or_skip(protocol, patient)
    phases = {w.phase for w in program.weeks}
    done = {slot for w in program.weeks for slot in by_slot(w)}
    explained = {d.slot for d in program.dropped if d.reason}
    # A slot whose own exercise another slot stands in with is done there, and that slot's
    # note names it ("instead of Glute bridge": "Planned with a substitute" in the preview).
    named = {
        p.exercise
        for w in program.weeks
        for p in w.every_day + [p for s in w.sessions for p in s.prescriptions]
        if p.note and "instead of" in p.note
    }
    for slot in protocol.slots:
        if set(slot.phases) & phases:
            elsewhere = slot.candidates[0] in named
            assert slot.id in done or slot.id in explained or elsewhere, f"{slot.id} is neither done nor left out with a reason"
