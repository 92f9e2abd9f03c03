"""The progression rules (progression.RULES), one test per rule: doses in, doses out."""

from __future__ import annotations

import pytest

import rehabplan
from rehabplan.models import Rule
from rehabplan.planning.progression import (
    RULES,
    Context,
    Dose,
    deload,
    start_dose,
    step,
    trade,
)

LIBRARY = rehabplan.load_library()


def ctx(**changes) -> Context:
    base = dict(
        exercises=LIBRARY.exercises,
        allowed=lambda ex_id: True,
        loads_available=lambda ex: max(1, len(ex.dosage.load_options)),
        older_adult=False,
    )
    return Context(**{**base, **changes})


def walk(dose: Dose, name: str, n: int, c: Context | None = None, **rule) -> list[Dose]:
    out = [dose]
    for _ in range(n):
        dose, _note = step(dose, Rule(name=name, **rule), c or ctx())
        out.append(dose)
    return out


def dose_of(ex_id: str, **changes) -> Dose:
    return start_dose(LIBRARY[ex_id], ctx(), gentle=False)._replace(**changes)


def test_every_rule_is_tested_here():
    tested = {"steady", "lp", "lp_hold", "lp_minutes", "dp", "sets", "tempo", "ladder", "home", "pyramid", "hold_ladder", "glide"}
    assert set(RULES) == tested | {"load_ladder"}  # tested below


def test_steady_keeps_the_dose():
    d = dose_of("cat-cow")
    assert step(d, Rule(name="steady"), ctx()) == (d, None)


def test_lp_adds_reps_then_slows_the_tempo_then_adds_a_set():
    doses = walk(dose_of("dead-bug", sets=1, reps=10), "lp", 6)
    assert [d.reps for d in doses[:3]] == [10, 12, 12]
    assert doses[2].tempo != doses[0].tempo  # reps ran out: slower lowering
    assert doses[-1].sets == 2


def test_lp_hold_lengthens_stretch_holds_to_30_s_for_adults_and_60_s_for_older_adults():
    adult = walk(dose_of("figure-four-stretch", hold_s=20), "lp_hold", 6)
    assert max(d.hold_s for d in adult) == 30 and all(d.reps == adult[0].reps for d in adult)
    older = walk(dose_of("figure-four-stretch", hold_s=30), "lp_hold", 10, ctx(older_adult=True))
    assert max(d.hold_s for d in older) == 60


def test_lp_minutes_adds_minutes_up_to_the_top():
    doses = walk(dose_of("walking-program"), "lp_minutes", 20, minutes_step=3)
    assert doses[1].minutes == doses[0].minutes + 3 and doses[-1].minutes == 40


def test_dp_resets_reps_only_when_the_band_gets_firmer():
    d = dose_of("seated-banded-hip-external-rotation", reps=15)
    new, note = step(d, Rule(name="dp"), ctx())
    assert new.load_index == 1 and new.reps == 8 and "medium band" in note


def test_one_more_set_keeps_the_reps_near_the_middle_and_never_cuts_the_total():
    d = dose_of("clamshell", sets=2, reps=15)
    new, note = step(d, Rule(name="home"), ctx(loads_available=lambda ex: 1))
    assert note == "one more set" and new.sets == 3 and 10 <= new.reps <= 12
    assert new.sets * new.reps >= d.sets * d.reps


def test_sets_adds_a_set_then_reps():
    doses = walk(dose_of("seated-sciatic-slider", sets=1, reps=8), "sets", 3)
    assert [(d.sets, d.reps) for d in doses] == [(1, 8), (2, 8), (3, 8), (3, 10)]


def test_tempo_slows_the_lowering_first():
    doses = walk(dose_of("dead-bug"), "tempo", 2)
    assert doses[1].tempo.lower_s == doses[0].tempo.lower_s + 1


def test_ladder_moves_to_the_harder_variant_at_the_bottom_of_its_ranges_keeping_the_sets():
    d = dose_of("glute-bridge", sets=3, reps=15)
    new, note = step(d, Rule(name="ladder"), ctx())
    assert new.exercise == "single-leg-bridge" and new.sets == 3 and new.reps == 8 and note.startswith("harder version")


def test_load_ladder_goes_up_to_the_weights_then_loads_them_with_the_acsm_rule():
    # A trained patient with weights: the hip hinge first takes its own loads (a bag to hold:
    # a load step may go on in a week that brings another change), then the Romanian deadlift.
    rule = Rule(name="load_ladder", reps_step=3)
    hinge = dose_of("hip-hinge", sets=3, reps=12)
    bag, note = step(hinge, rule, ctx())
    assert bag.exercise == "hip-hinge" and bag.load_index == 1 and bag.reps == 12 and "bag" in note
    top = bag._replace(load_index=2)
    rdl, note = step(top, rule, ctx())
    assert rdl.exercise == "dumbbell-romanian-deadlift" and rdl.sets == 3 and rdl.reps == 8 and rdl.load_index == 0
    assert note == "harder version: Romanian deadlift with weights"
    # With the variant held back this week, the rung's own steps go on.
    held, _ = step(top, rule, ctx(), frozenset({"variant"}))
    assert held.exercise == "hip-hinge" and held.reps == 15
    # On the weights: reps to the top of 8-12 (1-2 over the target), then the next weight
    # with the reps back at the bottom (ACSM 2009: +2-10 %), then the single-leg version.
    doses = walk(rdl, "load_ladder", 12, reps_step=3)
    assert [(d.reps, d.load_index) for d in doses[:6]] == [(8, 0), (11, 0), (12, 0), (8, 1), (11, 1), (12, 1)]
    assert max(d.load_index for d in doses if d.exercise == rdl.exercise) == 3
    assert doses[-1].exercise == "single-leg-romanian-deadlift"
    # The glute bridge goes straight to the weighted bridge (past the single-leg bridge) once
    # its own light weight is on; a rung of holds lower down goes up first.
    bridge = dose_of("glute-bridge", sets=3, reps=15, load_index=1)
    assert step(bridge, rule, ctx())[0].exercise == "weighted-glute-bridge"
    assert step(dose_of("long-lever-bridge-hold"), rule, ctx())[0].exercise == "hip-hinge"
    # Without weights (the Romanian deadlift not allowed) the hinge keeps its own ladder.
    no_weights = ctx(allowed=lambda ex_id: ex_id != "dumbbell-romanian-deadlift", loads_available=lambda ex: 1)
    assert step(hinge, rule, no_weights)[0] == hinge._replace(reps=15)


def test_home_goes_reps_sets_band_then_variant():
    names = [
        n
        for _, n in (
            step(d, Rule(name="home"), ctx())
            for d in [
                dose_of("clamshell", sets=2, reps=10),
                dose_of("clamshell", sets=2, reps=15),
                dose_of("clamshell", sets=3, reps=15),
            ]
        )
    ]
    assert names[0].endswith("more reps") and names[1] == "one more set" and names[2].startswith("harder version")


def test_pyramid_is_mcgills_5_3_1_to_7_5_3_and_a_harder_variant_restarts_at_5_3_1():
    c = ctx(pyramid=True)
    d = start_dose(LIBRARY["front-plank-knees"], c, gentle=True)
    assert d.pyramid() == [5, 3, 1]
    doses = walk(d, "pyramid", 3, c)
    assert [x.pyramid() for x in doses[:3]] == [[5, 3, 1], [6, 4, 2], [7, 5, 3]]
    assert doses[3].exercise == "front-plank" and doses[3].pyramid() == [5, 3, 1]


def test_hold_ladder_lengthens_holds_then_moves_to_the_harder_variant():
    doses = walk(dose_of("single-leg-stance", sets=3, reps=5, hold_s=25), "hold_ladder", 2)
    assert doses[1].hold_s == 30 and doses[2].exercise == LIBRARY["single-leg-stance"].harder


def test_glide_moves_to_the_tensioner_only_when_allowed():
    d = dose_of("seated-sciatic-slider", sets=3, reps=10)
    held, note = step(d, Rule(name="glide"), ctx(tensioners=False))
    assert note is None and held == d
    new, note = step(d, Rule(name="glide"), ctx())
    assert new.exercise == "seated-sciatic-tensioner" and new.sets == 1


@pytest.mark.parametrize("factor", [0.5, 0.6, 0.7])
def test_deload_cuts_the_weeks_work_by_about_the_factor_and_never_leaves_the_bounds(factor):
    # Fewer sets first, then fewer reps down to the range's bottom, never below it (the brief:
    # a dose never leaves its exercise's bounds, in a deload or anywhere else). A dose already at
    # the bottom keeps its dose; the planner does not place a deload where the week cannot fall.
    b = LIBRARY["clamshell"].dosage
    for sets, reps in [(2, 10), (3, 15), (2, 20)]:
        d = dose_of("clamshell", sets=sets, reps=reps)
        cut = deload(d, LIBRARY["clamshell"], factor)
        ratio = cut.sets * cut.reps / (sets * reps)
        assert ratio < 1 and 1 - factor - 0.2 <= 1 - ratio <= 0.65, (sets, reps, ratio)
        assert cut.sets >= b.sets.min and cut.reps >= b.reps.min
    bottom = dose_of("clamshell", sets=int(b.sets.min), reps=int(b.reps.min))
    assert deload(bottom, LIBRARY["clamshell"], factor) == bottom


def test_when_its_rule_runs_out_a_loading_exercise_takes_a_firmer_band_then_a_slower_tempo():
    # No plateaus (TAIL): "sets" names only sets and reps; the band comes next, reps start again.
    top = dose_of("side-lying-hip-abduction", sets=3, reps=15)
    new, note = step(top, Rule(name="sets"), ctx())
    assert new.load_index == 1 and new.reps == 8 and note.startswith("switch to")
    slowest = LIBRARY["dead-bug"].dosage.tempo_slowest
    new, note = step(dose_of("dead-bug", sets=3, reps=12), Rule(name="sets"), ctx())
    assert new.tempo.rep_s > LIBRARY["dead-bug"].dosage.tempo.rep_s and note.startswith("lower more slowly")
    assert step(dose_of("dead-bug", sets=3, reps=12, tempo=slowest), Rule(name="sets"), ctx()) == (
        dose_of("dead-bug", sets=3, reps=12, tempo=slowest),
        None,
    )  # the top of everything the library allows


def test_a_trade_slows_the_tempo_with_fewer_reps_in_no_more_time():
    d = dose_of("clamshell", sets=2, reps=15)
    new, note = trade(d, Rule(name="home"), ctx())
    assert new.tempo.rep_s == d.tempo.rep_s + 1 and new.sets == 2
    assert new.reps * new.tempo.rep_s <= d.reps * d.tempo.rep_s < (new.reps + 1) * new.tempo.rep_s
    assert "same time" in note


def test_a_trade_lengthens_holds_with_fewer_holds_in_no_more_time():
    d = dose_of("seated-hip-abduction-isometric", sets=1, reps=6, hold_s=10)
    new, note = trade(d, Rule(name="home", hold_step_s=5), ctx())
    assert (new.hold_s, new.reps) == (15, 4) and "longer holds" in note


def test_a_trade_has_no_room_at_the_bottom_of_the_reps_nor_for_stretches_and_pyramids():
    assert trade(dose_of("standing-hip-external-rotation", sets=1, reps=8), Rule(name="home"), ctx()) is None
    assert trade(dose_of("figure-four-stretch"), Rule(name="lp_hold"), ctx()) is None
    plank = start_dose(LIBRARY["front-plank-knees"], ctx(pyramid=True), gentle=True)
    assert trade(plank, Rule(name="pyramid"), ctx(pyramid=True)) is None


def test_hold_ladder_progresses_its_reps_variant_before_the_next_variant():
    # Single-leg stance -> supported step-down: the step-down's reps come before the single-leg
    # step-down (not two harder versions in two weeks).
    d = dose_of("supported-step-down", sets=3, reps=5)
    new, note = step(d, Rule(name="hold_ladder"), ctx())
    assert new.exercise == "supported-step-down" and new.reps > 5 and note.endswith("more reps")


def test_replaced_makes_the_same_dose_as_namedtuples_replace():
    """Planning makes a new dose at every step with progression.replaced (faster than
    Dose._replace); it must give the very same dose for any fields changed."""
    from rehabplan.planning.progression import replaced

    dose = dose_of("clamshell")
    for changes in ({"reps": 12}, {"sets": 3, "reps": 9}, {"hold_s": 20}, {"minutes": 7}, {"load_index": 1}, {}):
        made = replaced(dose, **changes)
        assert made == dose._replace(**changes) and type(made) is Dose
