"""Hand-built programs for the renderer tests.

The renderer's input contract is ``rehabplan.models.Program``. These helpers build realistic
programs without the planner, from the frozen fixture library in ``tests/golden/library`` (so
the golden HTML does not move when the built-in exercises are edited). ``planned_program``
uses the real planner and the built-in library.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rehabplan.models import (
    DoseKind,
    PainRules,
    Patient,
    PhasePlan,
    Prescription,
    Program,
    Session,
    Tempo,
    Week,
)
from rehabplan.sources.library import Library, load_library

FIXTURE_LIBRARY = Path(__file__).parent / "golden" / "library"


def fixture_library() -> Library:
    return load_library(FIXTURE_LIBRARY, builtin=False)


def _rx(
    library: Library,
    exercise_id: str,
    *,
    sets: int,
    reps=None,
    hold_s=None,
    minutes=None,
    tempo=None,
    rest_s=60,
    per_week=3,
    load=None,
    side=None,
    note=None,
    slot=None,
) -> Prescription:
    ex = library.exercises[exercise_id]
    reps = [] if reps is None else ([reps] * sets if isinstance(reps, int) else list(reps))
    tut = None
    if ex.dosage.kind is DoseKind.reps and tempo:
        tut = max(reps) * Tempo.parse(tempo).rep_s
    elif ex.dosage.kind is DoseKind.hold:
        tut = max(reps) * hold_s
    effort = {
        DoseKind.reps: "Somewhat hard by the last rep, with good form",
        DoseKind.hold: "A gentle stretch or steady effort, never sharp pain",
        DoseKind.duration: "You can still talk while you walk",
    }[ex.dosage.kind]
    return Prescription(
        slot=slot or exercise_id,
        exercise=exercise_id,
        name=ex.name,
        category=ex.category,
        kind=ex.dosage.kind,
        sets=sets,
        reps=reps,
        hold_s=hold_s,
        minutes=minutes,
        tempo=tempo,
        tut_per_set_s=tut,
        rest_s=rest_s,
        per_week=per_week,
        load=load,
        effort=effort,
        side=side,
        note=note,
    )


def build_program(
    library: Library | None = None,
    *,
    name: str = "Alex Example",
    weeks: int = 12,
    sessions_per_week: int = 3,
    nerve_related: bool = True,
    start: dt.date = dt.date(2026, 1, 5),
    clinician: str | None = "Sam Physio",
    notes: str | None = None,
) -> Program:
    """A realistic 3-phase sciatica program (or a shorter one) built by hand."""
    library = library or fixture_library()
    patient = Patient(
        id="P-001",
        name=name,
        protocol="deep-gluteal-syndrome",
        start_date=start,
        weeks=weeks,
        sessions_per_week=sessions_per_week,
        side="left",
        clinician=clinician,
        notes=notes,
    )
    third = max(1, weeks // 4)
    reassess = min(6, weeks)
    phases = [
        PhasePlan(
            id="settle",
            name="Settle and activate",
            first_week=1,
            last_week=third,
            goal="Calm your symptoms and wake up the hip muscles.",
            criterion="You can do every exercise with pain at 3 out of 10 or less.",
        ),
        PhasePlan(
            id="strengthen",
            name="Build strength",
            first_week=third + 1,
            last_week=max(third + 1, weeks // 2),
            goal="Make the hip and trunk muscles stronger.",
            criterion="Two sessions in a row at the top of the rep range, with no worse pain the next morning.",
        ),
    ]
    if weeks > phases[-1].last_week:
        phases.append(
            PhasePlan(
                id="load",
                name="Load and return to activity",
                first_week=phases[-1].last_week + 1,
                last_week=weeks,
                goal="Get back to the things you want to do.",
                criterion="You can walk for 30 minutes and manage your day with little pain.",
            )
        )
    deloads = [w for w in range(4, weeks, 4)] if weeks > 4 else []
    out_weeks = []
    for n in range(1, weeks + 1):
        phase = next(p for p in phases if p.first_week <= n <= p.last_week)
        deload = n in deloads
        step = n - 1 - len([d for d in deloads if d < n])
        bridge_reps = min(15, 10 + 2 * (step // 2))
        bridge_sets = 3 if step >= 6 else 2
        clam_reps = min(15, 10 + step)
        note = None
        if deload:
            bridge_sets, note = 1, "Lighter week: one set less so your body can catch up."
        elif n > 1 and (step // 2) != ((step - 1) // 2) and bridge_reps < 15:
            note = "2 more reps than before."
        session_rx = [
            _rx(
                library,
                "glute-bridge",
                sets=bridge_sets,
                reps=bridge_reps,
                tempo="2-1-2-0" if step < 4 else "3-1-2-0",
                rest_s=60,
                note=note,
            ),
            _rx(
                library,
                "clamshell",
                sets=1 if deload else 2,
                reps=clam_reps,
                tempo="2-1-2-1",
                rest_s=60,
                load="light band" if step >= 6 else None,
                side="each side, left first",
            ),
        ]
        if n > third:
            pyramid = [5, 3, 1] if step < 7 else [7, 5, 3]
            session_rx.append(
                _rx(
                    library,
                    "front-plank-knees",
                    sets=3,
                    reps=pyramid,
                    hold_s=10,
                    rest_s=30,
                    note="Harder pyramid: 7-5-3 holds." if step == 7 else None,
                )
            )
        every_day = [
            _rx(library, "figure-four-stretch", sets=1, reps=3, hold_s=30, rest_s=15, side="left"),
            _rx(library, "walking-program", sets=1, minutes=min(30, 10 + 2 * step), rest_s=0),
        ]
        if nerve_related and n <= max(2, weeks // 2):
            every_day.insert(1, _rx(library, "seated-sciatic-slider", sets=2, reps=10, tempo="2-0-2-0", rest_s=30, side="left"))
        for i, rx in enumerate(session_rx):
            session_rx[i] = rx.model_copy(update={"per_week": sessions_per_week})
        every_day = [rx.model_copy(update={"per_week": 7}) for rx in every_day]
        days = [d.day for d in day_pattern(sessions_per_week)]
        sessions = [Session(number=s + 1, prescriptions=session_rx, minutes=22.0, day=days[s]) for s in range(sessions_per_week)]
        loading = [rx for rx in session_rx if rx.category.value in ("strength", "core", "motor_control")]
        volume = sum(rx.sets for rx in loading)
        tut = sum(rx.sets * (rx.tut_per_set_s or 0) for rx in loading)
        out_weeks.append(
            Week(
                number=n,
                start=start + dt.timedelta(weeks=n - 1),
                phase=phase.id,
                deload=deload,
                reassessment=n == reassess,
                every_day=every_day,
                sessions=sessions,
                volume_sets=volume * sessions_per_week,
                tut_s=tut * sessions_per_week,
            )
        )
    pain = PainRules(during_max=3, amber_from=4, red_above=4, spread_is_red=True) if nerve_related else PainRules()
    return Program(
        patient=patient,
        protocol_id="deep-gluteal-syndrome",
        protocol_name="Deep gluteal syndrome",
        condition_plain="Buttock pain with an irritated sciatic nerve (deep gluteal syndrome)",
        nerve_related=nerve_related,
        start=start,
        end=start + dt.timedelta(weeks=weeks, days=-1),
        phases=phases,
        reassessment_week=reassess,
        deload_weeks=deloads,
        weeks=out_weeks,
        pain=pain,
        library_digest="0" * 64,
    )


def day_pattern(n: int):
    from rehabplan.planning.days import day_pattern as pattern

    return pattern(n)


def planned_program(name: str | None = None) -> tuple[Program, Library]:
    """The example patient planned by the real planner, with the built-in library."""
    from rehabplan.planning.planner import plan
    from rehabplan.resources import data_dir
    from rehabplan.sources.patients import load_patient
    from rehabplan.sources.protocols import load_protocols

    library = load_library()
    example = data_dir("examples") / "patient.yaml"
    protocols = load_protocols(library)
    patient = load_patient(example)
    if name is not None:
        patient = patient.model_copy(update={"name": name})
    return plan(library, protocols[patient.protocol], patient), library
