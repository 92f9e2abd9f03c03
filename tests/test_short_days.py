"""Real short days for a 4-6 session request: work that is not hip and leg loading (trunk,
stretches) goes on the short days when the strength days have no time for it, and strength
days are never two in a row (ACSM 48 h). Hypothesis properties plus the cases a
physiotherapist found."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rehabplan
from rehabplan.models import Patient
from rehabplan.planning.days import HIP_AND_LEG
from tests.test_properties import LIBRARY, PROTOCOLS, patients, plan_or_skip

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def real_protocols():
    return st.sampled_from([PROTOCOLS[k] for k in sorted(PROTOCOLS.protocols)])


def plan(**changes):
    base = dict(id="p", name="P", protocol="deep-gluteal-syndrome", start_date=dt.date(2026, 1, 5), side="right")
    pt = Patient(**{**base, **changes})
    return rehabplan.plan(LIBRARY, PROTOCOLS[pt.protocol], pt)


@SETTINGS
@given(real_protocols(), patients())
def test_short_days_hold_no_hip_and_leg_loading_and_strength_days_are_never_two_in_a_row(protocol, patient):
    program = plan_or_skip(protocol, patient)
    for week in program.weeks:
        strength = sorted(s.day for s in week.sessions if s.kind == "strength")
        assert all(b - a >= 2 for a, b in zip(strength, strength[1:])), (week.number, strength)
        assert len(week.sessions) <= patient.sessions_per_week
        for s in week.sessions:
            assert s.prescriptions and s.minutes <= patient.minutes + 0.5, (week.number, s.day, s.minutes)
            if s.kind == "short":
                assert not {p.exercise for p in s.prescriptions if LIBRARY[p.exercise].category in HIP_AND_LEG}


@SETTINGS
@given(real_protocols(), patients())
def test_a_slot_on_short_days_is_there_from_its_first_week_to_its_last(protocol, patient):
    # A slot moved to the short days is moved from its first week: its timeline and the weeks
    # agree (the handout's days never change under the patient).
    program = plan_or_skip(protocol, patient)
    for t in program.timelines:
        if t.every_day or not t.days:
            continue
        for d in t.doses:
            week = program.weeks[d.week - 1]
            days = {s.day for s in week.sessions for p in s.prescriptions if p.slot == t.slot}
            assert days == set(t.days), (t.slot, d.week, days, t.days)


def test_deep_gluteal_6_sessions_of_40_minutes_does_the_side_plank_on_the_short_days():
    # The case found: 5-6 sessions x 40 minutes, the side plank "left out to fit" while Tue,
    # Thu and Sat were empty. With 6 sessions it goes on the three short days (3 a week is
    # its least); the strength days keep their time.
    program = plan(sessions_per_week=6, minutes=40, equipment=["band"])
    assert "side-plank" not in {d.slot for d in program.dropped}
    plank = next(t for t in program.timelines if t.slot == "side-plank")
    assert plank.days == [1, 3, 5] and plank.per_week == 3
    last = program.weeks[-1]
    assert [(s.day, s.kind) for s in last.sessions] == [
        (0, "strength"),
        (1, "short"),
        (2, "strength"),
        (3, "short"),
        (4, "strength"),
        (5, "short"),
    ]


def test_deep_gluteal_5_sessions_of_40_minutes_says_plainly_why_3_days():
    # Two short days are too few for the side plank (at least 3 a week): it is left out and
    # the plan has 3 exercise days, which the handout says (test_closed_loop checks the words).
    program = plan(sessions_per_week=5, minutes=40, equipment=["band"])
    assert max(len(w.sessions) for w in program.weeks) == 3
    assert "side-plank" in {d.slot for d in program.dropped}


# ----------------------------------------------------------------------------- gentle starts
def _gentle(patient) -> bool:
    return patient.age_band.value == "older" or patient.irritability.value == "high"


@pytest.mark.slow
@SETTINGS
@given(real_protocols(), patients())
def test_older_or_irritable_patients_start_a_later_exercise_at_its_fewest_sets(protocol, patient):
    program = plan_or_skip(protocol, patient)
    if not _gentle(patient):
        return
    for t in program.timelines:
        first = t.doses[0]
        if first.week > 1 and LIBRARY[first.exercise].is_loading:
            assert first.sets == int(LIBRARY[first.exercise].dosage.sets.min), (t.slot, first.week, first.sets)


@pytest.mark.slow
@SETTINGS
@given(real_protocols(), patients())
def test_older_or_irritable_patients_weekly_sets_never_jump_when_an_exercise_comes_in(protocol, patient):
    # Weekly sets rise at most the protocol's percentage (about 30 %), or the smallest step (3
    # sets), or the new exercise at its fewest sets: never a +50 % jump the week a plank comes in.
    program = plan_or_skip(protocol, patient)
    if not _gentle(patient):
        return
    pct = protocol.max_weekly_volume_increase_pct
    last = None
    for week in program.weeks:
        if week.deload:
            continue
        if last is not None:
            new = [t for t in program.timelines if t.doses[0].week == week.number and LIBRARY[t.doses[0].exercise].is_loading]
            new_sets = sum(int(LIBRARY[t.doses[0].exercise].dosage.sets.min) * t.per_week for t in new)
            allowed = max(last * pct // 100, 3, new_sets)
            assert week.volume_sets - last <= allowed, (week.number, last, week.volume_sets)
        last = week.volume_sets


def test_an_older_highly_irritable_lumbar_patient_starts_the_front_plank_gently():
    # The case found: 5 x 30 minutes, weekly sets 17 -> 26 (+53 %) the week the front plank on
    # the knees came in at 5-3-1. It now starts as one set of 5 holds and adds a set a week.
    program = plan(
        protocol="lumbar-radicular-sciatica", sessions_per_week=5, minutes=30, irritability="high", age_band="older",
        equipment=["band"],
    )  # fmt: skip
    plank = next(t for t in program.timelines if t.doses[0].exercise == "front-plank-knees")
    first = plank.doses[0]
    assert first.sets == 1
    before = program.weeks[first.week - 2]
    assert program.weeks[first.week - 1].volume_sets <= before.volume_sets * 1.3
    # One set, then a set a week (the plan may end before the third: a second set of the pelvic
    # tilt went on first, so the plank comes in a week later).
    ramp = [d.sets for d in plank.doses if not program.weeks[d.week - 1].deload][:3]
    assert len(ramp) >= 2 and ramp == [1, 2, 3][: len(ramp)], ramp


def test_an_older_highly_irritable_lumbar_patient_adds_a_second_set_when_time_and_work_allow():
    # The case found: older, high irritability, 5 x 30 minutes; every exercise stayed at one set
    # for 12 weeks while sessions used 5-21 of the 30 minutes: each week's set limit went to the
    # week's new exercise, and a second set (the biggest step) was always the one held for the
    # work limit. A second set now goes on before a new exercise that is not core (which waits a
    # week), within the weekly sets and the 20 % work rise.
    program = plan(
        protocol="lumbar-radicular-sciatica", sessions_per_week=5, minutes=30, irritability="high", age_band="older",
    )  # fmt: skip
    loading = [t for t in program.timelines if LIBRARY[t.doses[0].exercise].is_loading]
    second = {t.slot: min((d.week for d in t.doses if d.sets >= 2), default=99) for t in loading if t.rule != "pyramid"}
    assert min(second.values()) <= 8, second
    assert sum(w <= 12 for w in second.values()) >= 2, second
    assert all(s.minutes <= 30 for w in program.weeks for s in w.sessions)


# ----------------------------------------------------------------------------- maintenance
def _key(d):
    return (d.exercise, d.sets, d.reps, d.hold_s, d.tempo, d.load_index)


def _at_top(d) -> bool:
    b = LIBRARY[d.exercise].dosage
    return (
        d.sets == int(b.sets.max)
        and d.reps == int(b.reps.max)
        and (d.hold_s is None or b.hold_s is None or d.hold_s == int(b.hold_s.max))
    )


def core_held_beside_a_top_core(program) -> list[tuple[str, int, str]]:
    """(held slot, week, top slot): a core loading exercise held "to fit your time" for a 4th
    week in a row (deloads aside) while another core loading exercise, done on a day it is, has
    stood at its top dose for 2+ weeks with more than its fewest sets."""
    deloads = set(program.deload_weeks)
    core = [t for t in program.timelines if t.core and not t.every_day]
    runs: dict[str, dict[int, int]] = {}
    for t in core:
        run, last, runs[t.slot] = 0, None, {}
        for d in (d for d in t.doses if d.week not in deloads):
            run = run + 1 if _key(d) == last else 1
            last = _key(d)
            runs[t.slot][d.week] = run
    found = []
    for t in core:
        for d in t.doses:
            if d.week in deloads or not LIBRARY[d.exercise].is_loading or "to fit your time" not in (d.note or ""):
                continue
            if runs[t.slot].get(d.week, 0) <= 3:
                continue
            for o in core:
                od = next((x for x in o.doses if x.week == d.week), None)
                if o is t or od is None or not set(o.days) & set(t.days) or not LIBRARY[od.exercise].is_loading:
                    continue
                if _at_top(od) and runs[o.slot].get(d.week, 0) >= 3 and od.sets > int(LIBRARY[od.exercise].dosage.sets.min):
                    found.append((t.slot, d.week, o.slot))
    return found


@SETTINGS
@given(real_protocols(), patients())
def test_no_core_exercise_is_held_4_weeks_to_fit_while_another_sits_at_its_top_dose(protocol, patient):
    program = plan_or_skip(protocol, patient)
    assert not core_held_beside_a_top_core(program)


def test_a_24_week_lumbar_plan_keeps_the_bird_dog_at_a_maintenance_dose_so_the_hinge_builds():
    # The case found: 24 weeks, 40 minutes; bird-dog 3 x 10 x 10 s from week 15 to 24 while the
    # hip hinge was held at 2 x 8 for weeks 19-24 "to fit the time".
    program = plan(protocol="lumbar-radicular-sciatica", weeks=24, minutes=40, equipment=["band"])
    bird = next(t for t in program.timelines if t.slot == "bird-dog")
    top = [d.week for d in bird.doses if d.sets == 3 and d.reps == 10 and d.hold_s == 10]
    assert len(top) <= 4, top
    maintained = [d for d in bird.doses if d.note and "keep this level" in d.note]
    assert maintained and all(d.sets == 2 for d in maintained)  # one set fewer, once
    hinge = next(t for t in program.timelines if t.slot == "hinge-and-lift")
    # It builds in the weeks that may bring a step (deloads and check-ins aside): a heavier bag,
    # then more reps. (Four doses when the hinge's first bag came beside another change; that
    # bag is now a week's one change and comes later, so there are three doses here.)
    late = [d for d in hinge.doses if d.week >= 19 and d.week not in program.deload_weeks + program.reassessment_weeks]
    keys = [_key(d) for d in late]
    assert len(set(keys)) >= 3 and keys[-1] != keys[0], keys
