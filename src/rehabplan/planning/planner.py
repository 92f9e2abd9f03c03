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

from rehabplan.errors import PatientError
from rehabplan.models import (
    Dropped,
    Patient,
    Program,
    Protocol,
)
from rehabplan.planning.choice import _check_exclusions, _choose, _protocol_json
from rehabplan.planning.days import day_pattern
from rehabplan.planning.gates import check_bilateral
from rehabplan.planning.phases import _criteria, reassessment_weeks, scale_phases, short_plan_note
from rehabplan.planning.rules import PLATEAU_WEEKS
from rehabplan.planning.schedule import Schedule
from rehabplan.planning.state import SlotState, _make, _Slot
from rehabplan.planning.timelines import _prescription_lists, _start_of, _track, materialise, timeline_model
from rehabplan.sources.library import Library


def plan(library: Library, protocol: Protocol, patient: Patient) -> Program:
    """Build the patient's program. Raises PatientError when the request is impossible."""
    if patient.protocol != protocol.id:
        raise PatientError(f"patient asks for protocol '{patient.protocol}' but was given '{protocol.id}'")
    _check_exclusions(library, patient)
    warnings = check_bilateral(protocol, patient)
    phases = scale_phases(protocol, patient.weeks, patient.irritability)
    reassessment = reassessment_weeks(protocol, patient.weeks)
    pattern = day_pattern(patient.sessions_per_week)
    slots, dropped = _choose(library, protocol, patient, pattern)
    warnings += filter(None, [short_plan_note(protocol, phases, slots, patient.weeks)])  # the later phases wait
    states, deload_weeks = Schedule(library, protocol, patient, phases, reassessment, pattern, slots, dropped).run()
    warnings += filter(None, [held_for_time_note(library, patient, slots, states, deload_weeks)])
    for s in slots:  # a slot that waited for the volume limit until the end says so
        waited = states[s.id].waited
        if not states[s.id].timeline and waited and s.id not in dropped:
            dropped[s.id] = waited
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
        reassessment_week=reassessment[0],
        reassessment_weeks=list(reassessment),
        clinician_warnings=warnings,
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
        # The closed loop's fields, empty until `rehabplan adjust` holds or blocks something.
        holds=[],
        resume_timelines=[],
        blocked=[],
        acknowledged_through_week=None,
        cleared={},
        decisions=[],
    )


def held_for_time_note(
    library: Library, patient: Patient, slots: list[_Slot], states: dict[str, SlotState], deload_weeks: list[int]
) -> str | None:
    """The clinician's note when the minutes hold a loading exercise at one dose for more than
    ``PLATEAU_WEEKS`` weeks (deloads aside) after every trade fitting could make (fewer stretch
    holds, a stretch left out, an exercise at its top giving a set, one more rep): the exercise
    stays at that level on purpose, and the note says which, from when, and what would let it
    progress. None when nothing stalls for time."""
    deloads = set(deload_weeks)
    stalled: dict[str, int] = {}  # exercise name -> the first week of its longest stall
    for s in slots:
        st = states[s.id]
        run, last, start = 0, None, 0
        for week in sorted(w for w in st.timeline if w not in deloads):
            dose = st.timeline[week]
            if dose != last:
                run, last, start = 1, dose, week
                continue
            run += 1
            held = "to fit your time" in (st.notes.get(week) or "")
            if run > PLATEAU_WEEKS and held and library.exercises[dose.exercise].is_loading:
                name = library.exercises[dose.exercise].name
                stalled.setdefault(name, start)
    if not stalled:
        return None
    names = ", ".join(f"{name} (from week {week})" for name, week in sorted(stalled.items(), key=lambda kv: (kv[1], kv[0])))
    return (
        f"Short of time: at {patient.minutes} minutes a session, these stay at one dose for {PLATEAU_WEEKS + 1} weeks "
        f"or more after every trade the plan can make: {names}. They are kept at that level on purpose; "
        "more minutes a session, or fewer exercises, would let them progress."
    )
