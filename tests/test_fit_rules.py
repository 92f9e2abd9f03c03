"""Fitting and weekly-volume rules a physiotherapist expects (clinical brief, "The closed loop"):
no long plateau while a non-core item could give way, gentle plank volume for older or highly
irritable patients, and a walk that climbs to its target and stays there. Each rule is a
hypothesis property over random patients plus a named case."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rehabplan
from rehabplan.models import Category, Patient, Tempo
from rehabplan.planning.change import adds_weight
from rehabplan.planning.progression import carries_weight, is_weighted
from rehabplan.planning.rules import PLATEAU_WEEKS
from rehabplan.planning.volume import GENTLE_PYRAMID_TIMES_A_WEEK
from tests.test_properties import LIBRARY, PROTOCOLS, by_slot, patients, plan_or_skip

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def real_protocols():
    return st.sampled_from([PROTOCOLS[k] for k in sorted(PROTOCOLS.protocols)])


def plan(**changes):
    base = dict(id="p", name="P", protocol="deep-gluteal-syndrome", start_date=dt.date(2026, 1, 5), side="right")
    pt = Patient(**{**base, **changes})
    return rehabplan.plan(LIBRARY, PROTOCOLS[pt.protocol], pt)


def tradeable(program, week: int, for_slot: str | None = None) -> list[str]:
    """Session items of this week that could give way to time: not core, not required, not
    loading (a stretch, mobility), and not the walk (its own bout, no session time); with
    ``for_slot``, only those done on a day that slot is done (every-day items, or a shared
    day: a stretch on the short days takes no time from the strength days)."""
    core = {t.slot: t.core for t in program.timelines}
    required = {s.id: s.required for s in PROTOCOLS[program.protocol_id].slots}
    w = program.weeks[week - 1]
    days_of: dict[str, set[int]] = {}
    for s in w.sessions:
        for p in s.prescriptions:
            days_of.setdefault(p.slot, set()).add(s.day)
    near = days_of.get(for_slot or "", set())
    return [
        slot
        for slot, p in by_slot(w).items()
        if (for_slot is None or slot not in days_of or days_of[slot] & near)
        and not core.get(slot)
        and not required.get(slot)
        and not LIBRARY[p.exercise].is_loading
        and p.category is not Category.aerobic
    ]


def plateaus_to_fit(program) -> list[tuple[str, int]]:
    """(slot, week) where a loading exercise is held "to fit your time" for a 4th week in a row
    (deloads aside) while a non-core stretch or mobility item keeps its place that week. Not in
    a check-in week or the last week: nothing leaves the plan then, not even a stretch."""
    deloads = set(program.deload_weeks)
    calm = {w.number for w in program.weeks if w.reassessment} | {len(program.weeks)}
    found = []
    for t in program.timelines:
        run, last = 0, None
        for d in (d for d in t.doses if d.week not in deloads):
            key = (d.exercise, d.sets, d.reps, d.hold_s, d.tempo, d.load_index)
            run = run + 1 if key == last else 1
            last = key
            loading = LIBRARY[d.exercise].is_loading
            if d.week in calm:
                continue
            if loading and run > PLATEAU_WEEKS and "to fit your time" in (d.note or "") and tradeable(program, d.week, t.slot):
                found.append((t.slot, d.week))
    return found


# ----------------------------------------------------------------------------- short on time
@SETTINGS
@given(real_protocols(), patients())
def test_no_4_week_plateau_to_fit_the_time_while_a_non_core_stretch_keeps_its_place(protocol, patient):
    program = plan_or_skip(protocol, patient)
    assert not plateaus_to_fit(program)


def test_a_20_minute_patient_trades_the_buttock_stretch_so_the_strength_work_progresses():
    # The case a physiotherapist found: 20 minutes, 24 weeks, high irritability; the glute bridge
    # and the clamshell stood still for seven weeks while the buttock stretch kept its place.
    program = plan(
        protocol="upper-hamstring-glute-sciatica",
        weeks=24,
        sessions_per_week=3,
        irritability="high",
        equipment=["weight"],
        exclusions=["band"],
        minutes=20,
    )
    assert not plateaus_to_fit(program)
    left = {d.slot: d.reason for d in program.dropped}
    assert "for the strength work to progress" in left.get("buttock-stretch", ""), left
    assert all(s.minutes <= 20 for w in program.weeks for s in w.sessions)


def test_short_of_time_a_stretch_first_takes_fewer_holds_but_keeps_60_seconds_a_day():
    # An older patient with 15 minutes: the piriformis stretch goes from 3 holds to 2 (still
    # 60 s a day, Garber 2011) so the strength work can progress; only when that is not enough
    # any more is it left out, and the clinician reads why.
    program = plan(
        weeks=15, sessions_per_week=2, age_band="older", side="left", equipment=["weight"], minutes=15, irritability="moderate"
    )
    stretch = next(t for t in program.timelines if t.slot == "piriformis-stretch")
    assert any("2 holds, down from 3, to fit your time" == d.note for d in stretch.doses)
    assert all(d.reps * d.sets * (d.hold_s or 0) >= 60 for d in stretch.doses)
    shortened = next(d.week for d in stretch.doses if d.note and "holds, down from" in d.note)
    assert shortened < stretch.doses[-1].week  # done with fewer holds for a while, not dropped at once
    left = {d.slot: d.reason for d in program.dropped}
    assert "piriformis-stretch" not in left or "for the strength work to progress" in left["piriformis-stretch"]


# ----------------------------------------------------------------------------- planks
def _plank_changes(program) -> list[int]:
    """Weeks in which a plank (a McGill pyramid) came in or moved to another variant."""
    weeks = []
    for t in program.timelines:
        if t.rule != "pyramid":
            continue
        before = None
        for d in t.doses:
            if before is None and d.week > 1 or before is not None and before.exercise != d.exercise:
                weeks.append(d.week)
            before = d
    return sorted(weeks)


@SETTINGS
@given(real_protocols(), patients())
def test_planks_are_gentle_for_older_or_irritable_patients_and_never_change_two_weeks_running(protocol, patient):
    program = plan_or_skip(protocol, patient)
    gentle = patient.age_band.value == "older" or patient.irritability.value == "high"
    for t in program.timelines:
        if t.rule == "pyramid" and gentle:
            assert t.per_week <= GENTLE_PYRAMID_TIMES_A_WEEK, (t.slot, t.per_week)
    training = [w.number for w in program.weeks if not w.deload]
    changes = _plank_changes(program)
    for a, b in zip(changes, changes[1:]):
        assert a != b and not (a in training and b in training and training.index(b) == training.index(a) + 1), changes


def test_an_older_highly_irritable_lumbar_patient_does_planks_three_times_a_week():
    # 6 sessions a week: two planks done 5 times a week came to 30+ plank sets a week; each
    # plank is now done 3 times (9 sets a week), and the two come in a training week apart.
    program = plan(
        protocol="lumbar-radicular-sciatica",
        weeks=17,
        sessions_per_week=6,
        irritability="high",
        training_status="trained",
        age_band="older",
        side="left",
        equipment=["band"],
        exclusions=["balance"],
        minutes=25,
    )
    planks = [t for t in program.timelines if t.rule == "pyramid"]
    assert planks and all(t.per_week == 3 for t in planks)
    for w in program.weeks:
        plank_sets = sum(p.sets * p.per_week for p in by_slot(w).values() if p.slot in {t.slot for t in planks})
        assert plank_sets <= 18, (w.number, plank_sets)
    changes = _plank_changes(program)
    assert all(b - a >= 2 for a, b in zip(changes, changes[1:])), changes


# ----------------------------------------------------------------------------- the walk
def _walk_ceiling(program, week: int, protocol=None) -> int | None:
    """The target of the current phase, or of the next phase that has one; after the last, the
    target of a later phase the plan does not reach (a short plan), else the last."""
    targets = [
        (ph.last_week, int(ph.criterion.split("walk for ")[1].split()[0])) for ph in program.phases if "walk for " in ph.criterion
    ]
    if not targets:
        return None
    planned = [ph.id for ph in program.phases]
    later = [
        ph.targets["walking"] for ph in (protocol.phases if protocol else []) if ph.id not in planned and "walking" in ph.targets
    ]
    return next((m for last, m in targets if week <= last), later[0] if later else targets[-1][1])


def _walks(program) -> list[int]:
    return [p.minutes for w in program.weeks for p in w.every_day if p.category is Category.aerobic]


@SETTINGS
@given(real_protocols(), patients())
def test_the_walk_never_goes_above_its_target_and_rises_by_20_percent_or_5_minutes(protocol, patient):
    program = plan_or_skip(protocol, patient)
    before = None
    for w in program.weeks:
        for p in w.every_day:
            if p.category is not Category.aerobic:
                continue
            ceiling = _walk_ceiling(program, w.number, protocol)
            if ceiling is not None:
                assert p.minutes <= max(ceiling, LIBRARY[p.exercise].dosage.minutes.min), (w.number, p.minutes, ceiling)
            if before is not None:
                assert p.minutes - before <= max(5, before * 0.2), (w.number, before, p.minutes)
            before = p.minutes


@SETTINGS
@given(real_protocols(), patients())
def test_the_walk_never_rises_in_a_deload_week(protocol, patient):
    program = plan_or_skip(protocol, patient)
    walks = _walks(program)
    for n in program.deload_weeks:
        assert walks[n - 1] <= walks[n - 2], (n, walks)


@SETTINGS
@given(real_protocols(), patients())
def test_a_plan_whose_walk_can_still_grow_after_its_first_phase_grows_it(protocol, patient):
    # A walk below the protocol's highest walking target (and the exercise's top) when the first
    # phase ends rises by the plan's end, if two or more weeks after it are not deloads: a short
    # plan that ends before the phase with the higher target does not hold the walk at an
    # earlier phase's figure (lumbar, 4 weeks: 10 minutes every week).
    program = plan_or_skip(protocol, patient)
    walks = _walks(program)
    if not walks:
        return
    highest = max((ph.targets.get("walking", 0) for ph in protocol.phases), default=0)
    top = min(highest or 10**6, int(LIBRARY["walking-program"].dosage.minutes.max))
    first_end = program.phases[0].last_week
    after = [w for w in range(first_end + 1, len(walks) + 1) if w not in program.deload_weeks]
    if walks[first_end - 1] < top and len(after) >= 2:
        assert walks[-1] > walks[first_end - 1], (first_end, walks)


@pytest.mark.parametrize(
    "changes",
    [
        dict(irritability="low", training_status="trained", sessions_per_week=6, minutes=45, exclusions=["kneeling"]),
        dict(irritability="moderate", training_status="trained", sessions_per_week=5, minutes=60),
    ],
)
def test_a_4_week_lumbar_plan_walks_further_each_week_after_settling(changes):
    # It held the settle phase's 10 minutes all 4 weeks: the load phase, whose target is 30
    # minutes, is not in a 4-week plan, and the walk was capped at the last target it reached.
    program = plan(protocol="lumbar-radicular-sciatica", weeks=4, side="left", equipment=["weight"], **changes)
    walks = _walks(program)
    settle = program.phases[0].last_week
    assert walks[settle - 1] == 10
    for n in range(settle + 1, 5):
        assert walks[n - 2] < walks[n - 1] <= walks[n - 2] + 5, walks


def test_the_walk_reaches_30_minutes_and_stays_there():
    # It overshot its phase target before (28, 31, 34, 37 minutes against "walk for 30 minutes").
    program = plan(
        protocol="upper-hamstring-glute-sciatica", weeks=12, training_status="trained", equipment=["weight"], minutes=20
    )
    walks = [p.minutes for w in program.weeks for p in w.every_day if p.category is Category.aerobic]
    assert max(walks) == 30 and walks[-1] == 30
    assert walks == sorted(walks)


# ----------------------------------------------------------------------------- weekly work
def test_one_big_step_waits_alone_when_the_weeks_work_would_rise_too_fast():
    # One more set of a 6 x 30 s hold added more work than every other step together, so the
    # weekly-work limit held them all, week after week (hinge, step-up and side leg lift stood
    # still from week 16 to 21). Now that one step waits, or progresses another way, alone.
    program = plan(
        protocol="upper-hamstring-glute-sciatica",
        weeks=21,
        sessions_per_week=2,
        irritability="high",
        training_status="trained",
        side="left",
        exclusions=["floor"],
        minutes=22,
    )
    for w in program.weeks[13:]:
        held = {p.slot for s in w.sessions for p in s.prescriptions if p.note and "does not rise too fast" in p.note}
        assert len(held) <= 2, (w.number, held)
    hinge = [d for d in next(t for t in program.timelines if t.slot == "hamstring-loading").doses if d.week >= 16]
    assert len({(d.exercise, d.reps, d.tempo, d.load_index) for d in hinge}) > 1


def test_a_24_week_lumbar_plan_holds_the_dead_bug_for_weeks_only_when_its_step_does_not_fit():
    # The case a physiotherapist found: lumbar, 24 weeks, 3 x 40 minutes; the dead bug (not core,
    # no harder rung, no load, its tempo at the slowest) sits at 2 x 8 for about six training
    # weeks. It is held only when the cat-cow has already given way and the sessions are full:
    # its next step (2 more reps a side) would take the session over the 40 minutes.
    program = plan(
        protocol="lumbar-radicular-sciatica", weeks=24, sessions_per_week=3, irritability="low", side="left",
        equipment=[], minutes=40,
    )  # fmt: skip
    deloads = set(program.deload_weeks)
    bug = next(t for t in program.timelines if t.slot == "dead-bug")
    run, last = 0, None
    for d in (d for d in bug.doses if d.week not in deloads):
        key = (d.sets, d.reps, str(d.tempo))
        run = run + 1 if key == last else 1
        last = key
        if run <= PLATEAU_WEEKS:
            continue
        assert "to fit your time" in (d.note or ""), (d.week, d.note)
        assert not tradeable(program, d.week, "dead-bug"), d.week
        step_min = d.sets * 2 * Tempo.parse(str(d.tempo)).rep_s * 2 / 60  # 2 more reps, both sides
        longest = max(s.minutes for s in program.weeks[d.week - 1].sessions)
        assert longest + step_min > 40, (d.week, longest, step_min)


def test_a_step_held_early_for_time_comes_back_when_later_holds_leave_room():
    # The case found: upper hamstring, 8 weeks, 2 x 15 minutes; the glute bridge stood at 1 x 8
    # from week 3 to the end "to fit your time", although after the other slots were held too the
    # sessions had more than a minute to spare and 2 more reps take 14 seconds. Holding is greedy;
    # a slot held a 4th week now gets its step back when the day still fits.
    program = plan(protocol="upper-hamstring-glute-sciatica", weeks=8, sessions_per_week=2, side="left", equipment=[], minutes=15)
    bridge = next(t for t in program.timelines if t.slot == "bridge")
    deloads = set(program.deload_weeks)
    run, last, longest = 0, None, 0
    for d in (d for d in bridge.doses if d.week not in deloads and d.week < len(program.weeks)):
        key = (d.exercise, d.sets, d.reps, d.tempo)
        run = run + 1 if key == last else 1
        last, longest = key, max(longest, run)
    assert longest <= PLATEAU_WEEKS, [(d.week, d.reps, d.note) for d in bridge.doses]
    assert all(s.minutes <= 15 for w in program.weeks for s in w.sessions)


def held_a_4th_week_with_room(program, minutes: int) -> list[tuple[str, int]]:
    """(slot, week): a loading exercise that repeats reps at a tempo, core or not, is held "to fit
    your time" a 4th week in a row (deloads, check-in weeks and the last week aside) although
    one more rep a set (its smallest step, both sides; within its rep range) would fit in the
    longest session of its days."""
    deloads = set(program.deload_weeks)
    calm = {w.number for w in program.weeks if w.reassessment} | {len(program.weeks)}
    found = []
    for t in program.timelines:
        run, last = 0, None
        for d in (d for d in t.doses if d.week not in deloads):
            key = (d.exercise, d.sets, d.reps, d.hold_s, d.tempo, d.load_index)
            run = run + 1 if key == last else 1
            last = key
            ex = LIBRARY[d.exercise]
            if run <= PLATEAU_WEEKS or d.week in calm or not ex.is_loading or d.tempo is None or d.hold_s:
                continue
            if ex.dosage.reps is None or d.reps >= ex.dosage.reps.max:
                continue  # at the top of its range: one more rep would leave its bounds
            if "to fit your time" not in (d.note or ""):
                continue
            sides = 2 if ex.laterality.value != "bilateral" else 1
            one_rep = d.sets * Tempo.parse(str(d.tempo)).rep_s * sides / 60
            days = [s for s in program.weeks[d.week - 1].sessions if any(p.slot == t.slot for p in s.prescriptions)]
            if days and max(s.minutes for s in days) + one_rep <= minutes - 0.05:
                found.append((t.slot, d.week))
    return found


@SETTINGS
@given(real_protocols(), patients())
def test_no_exercise_is_held_a_4th_week_to_fit_while_its_smallest_step_fits(protocol, patient):
    program = plan_or_skip(protocol, patient)
    assert not held_a_4th_week_with_room(program, patient.minutes)


def test_a_rep_exercise_takes_one_more_rep_when_two_do_not_fit():
    # The case found: upper hamstring, 11 weeks, 2 x 15 minutes; the clamshell stood at 2 x 8
    # from week 3 to week 9 "to fit your time": 2 more reps (56 s) did not fit, but 1 more
    # (28 s) did. Fitting now falls back to the smallest step that fits.
    program = plan(
        protocol="upper-hamstring-glute-sciatica", weeks=11, sessions_per_week=2, side="left", equipment=[], minutes=15
    )
    assert not held_a_4th_week_with_room(program, 15)
    rotators = next(t for t in program.timelines if t.slot == "hip-rotators")
    assert any(d.note == "1 more rep" for d in rotators.doses), [(d.week, d.reps, d.note) for d in rotators.doses]
    assert all(s.minutes <= 15 for w in program.weeks for s in w.sessions)


# ----------------------------------------------------------------------------- check-in weeks
def dropped_in_a_check_in_week(program) -> list[tuple[str, int]]:
    """(slot, week): a check-in week or the last week in which an exercise drops to fewer sets
    than in the last full week before it (a maintenance drop or any other cut), or a stretch
    leaves the plan to make room: the clinician judges the patient on the doses they have been
    doing."""
    deloads = set(program.deload_weeks)
    calm = {w.number for w in program.weeks if w.reassessment} | {len(program.weeks)}
    found = [(d.slot, w) for d in program.dropped for w in calm if f"from week {w} to fit" in d.reason]
    for t in program.timelines:
        last = None
        for d in t.doses:
            if d.week in deloads:
                continue
            if d.week in calm and last is not None and last.exercise == d.exercise and d.sets < last.sets:
                found.append((t.slot, d.week))
            last = d
    return found


@SETTINGS
@given(real_protocols(), patients())
def test_no_maintenance_drop_new_exercise_or_harder_version_in_a_check_in_week(protocol, patient):
    # New exercises and harder versions in calm weeks are also checked by test_one_change_at_a_time.
    program = plan_or_skip(protocol, patient)
    assert not dropped_in_a_check_in_week(program)


def test_the_maintenance_drop_waits_for_the_week_after_the_check_in():
    # The case found: lumbar, 24 weeks, 3 x 40 minutes; the bird-dog dropped to its maintenance
    # dose (one set fewer) in the week-18 check-in. It now drops the week after.
    program = plan(
        protocol="lumbar-radicular-sciatica", weeks=24, sessions_per_week=3, side="left", equipment=["band"], minutes=40
    )
    assert 18 in program.reassessment_weeks
    assert not dropped_in_a_check_in_week(program)
    bird_dog = {d.week: d for d in next(t for t in program.timelines if t.slot == "bird-dog").doses}
    drop = next(w for w, d in bird_dog.items() if d.note and d.note.startswith("one set fewer"))
    assert drop not in program.reassessment_weeks and drop != 24


# ----------------------------------------------------------------------------- loading
def weighted_while_settling(program) -> list[tuple[str, int]]:
    """(slot, week): a loaded exercise (tagged ``loaded``, or done with weights) or a load
    option that carries a weight, in the settle phase (the plan's first phase)."""
    first = program.phases[0]
    found = []
    for t in program.timelines:
        for d in t.doses:
            ex = LIBRARY[d.exercise]
            option = ex.dosage.load_options[d.load_index] if ex.dosage.load_options else ""
            if d.week <= first.last_week and (is_weighted(ex) or carries_weight(option)):
                found.append((t.slot, d.week))
    return found


@SETTINGS
@given(real_protocols(), patients())
def test_weights_come_only_from_the_strengthen_phase(protocol, patient):
    program = plan_or_skip(protocol, patient)
    assert not weighted_while_settling(program)


def test_a_trained_patient_with_weights_loads_the_bridge_after_the_settle_phase():
    # The case found: deep gluteal, moderate, trained, band and weights, 12 weeks: the glute
    # bridge with a weight came in week 2, while symptoms were still settling.
    program = plan(weeks=12, sessions_per_week=3, training_status="trained", equipment=["band", "weight"], minutes=45)
    assert not weighted_while_settling(program)
    bridge = next(t for t in program.timelines if t.slot == "bridge")
    loaded = [d.week for d in bridge.doses if d.exercise == "weighted-glute-bridge"]
    assert loaded and loaded[0] > program.phases[0].last_week


def test_a_weight_on_a_movement_the_patient_already_does_is_the_first_harder_change():
    # Same movement with a weight added: ranks ahead of a new movement's harder version.
    pairs = {
        ("glute-bridge", "weighted-glute-bridge"): True,
        ("hip-hinge", "dumbbell-romanian-deadlift"): True,
        ("clamshell", "banded-clamshell"): False,  # a band keeps the usual rank
        ("supported-step-down", "step-up"): False,  # another movement
        ("glute-bridge", "single-leg-bridge"): False,  # harder, but no weight
        ("seated-hip-abduction-isometric", "seated-banded-hip-abduction"): False,  # holds -> reps
    }
    for (prev, target), same_movement in pairs.items():
        assert adds_weight(LIBRARY[prev], LIBRARY[target]) is same_movement, (prev, target)


def test_the_weighted_bridge_for_deep_gluteal_does_not_wait_behind_every_other_change():
    # The case found: deep gluteal, trained, band and weights, 3 x 45 minutes. The weighted bridge
    # waited for a week with no other change: week 10 of 12, and never in 9 weeks (the step-up and
    # the banded clamshell took the weeks it could come).
    for weeks, age, by_week in ((9, "adult", 5), (12, "adult", 7), (9, "older", 7)):
        program = plan(
            weeks=weeks, sessions_per_week=3, age_band=age, training_status="trained", equipment=["band", "weight"], minutes=45
        )
        bridge = next(t for t in program.timelines if t.slot == "bridge")
        loaded = [d.week for d in bridge.doses if d.exercise == "weighted-glute-bridge"]
        assert loaded and loaded[0] <= by_week, (weeks, [(d.week, d.exercise, d.note) for d in bridge.doses])


def test_an_accessory_exercise_at_its_top_gives_a_set_before_a_core_one():
    # Lumbar, 23 weeks, 3 sessions, trained with weights. Short of time, the bird-dog (core)
    # dropped to 2 x 10 x 10 s while the clamshell (not core) kept 3 x 15 at its top. Now the
    # clamshell keeps a maintenance dose of 2 x 15 and says so; the bird-dog keeps its 3 sets and
    # the Romanian deadlift still steps up. (The case was found at 49 minutes; since the hinge's
    # first bag is a week's one change, that plan's deadlift steps later and its clamshell is not
    # at its top when time runs short, so the case is kept at 54 minutes, where it still arises.)
    program = plan(
        protocol="lumbar-radicular-sciatica",
        weeks=23,
        sessions_per_week=3,
        irritability="low",
        training_status="trained",
        side="left",
        equipment=["weight"],
        minutes=54,
    )
    by = {t.slot: {d.week: d for d in t.doses} for t in program.timelines}
    clamshell = by["hip-rotators"]
    drop = next(w for w, d in clamshell.items() if d.note and d.note.startswith("one set fewer"))
    assert "keep this level" in clamshell[drop].note and drop not in program.reassessment_weeks
    assert all(d.sets == 3 for w, d in by["bird-dog"].items() if w >= drop and w not in program.deload_weeks)
    assert all(s.minutes <= 54 for w in program.weeks for s in w.sessions)


def held_4_weeks_for_time(program) -> set[str]:
    """Names of loading exercises held "to fit your time" beyond PLATEAU_WEEKS weeks at one dose
    (deloads aside)."""
    deloads = set(program.deload_weeks)
    names = set()
    for t in program.timelines:
        run, last = 0, None
        for d in (d for d in t.doses if d.week not in deloads):
            key = (d.exercise, d.sets, d.reps, d.hold_s, d.tempo, d.load_index)
            run = run + 1 if key == last else 1
            last = key
            if run > PLATEAU_WEEKS and "to fit your time" in (d.note or "") and LIBRARY[d.exercise].is_loading:
                names.add(LIBRARY[d.exercise].name)
    return names


@SETTINGS
@given(real_protocols(), patients())
def test_an_exercise_the_minutes_hold_for_4_weeks_is_named_to_the_clinician(protocol, patient):
    # When nothing else can give way, the stalled exercise itself stays at its level on purpose,
    # and the clinician reads which, from when, and what would let it progress.
    program = plan_or_skip(protocol, patient)
    stalled = held_4_weeks_for_time(program)
    notes = [w for w in program.clinician_warnings if w.startswith("Short of time")]
    if not stalled:
        assert not notes
        return
    (note,) = notes
    assert all(name in note for name in stalled), (stalled, note)
    assert f"{patient.minutes} minutes" in note and "more minutes a session" in note


def test_a_28_minute_lumbar_plan_names_the_trunk_work_the_minutes_hold():
    # Lumbar, 24 weeks, 6 x 28 minutes, older: the trunk work on the short days (pelvic tilt,
    # bird-dog, dead bug, plank on knees) stands still from weeks 11-15 with nothing left to trade.
    program = plan(
        protocol="lumbar-radicular-sciatica",
        weeks=24,
        sessions_per_week=6,
        age_band="older",
        side="left",
        equipment=["weight", "band"],
        minutes=28,
    )
    (note,) = [w for w in program.clinician_warnings if w.startswith("Short of time")]
    for name in ("Bird-dog", "Pelvic tilt", "Dead bug"):
        assert name in note, note
