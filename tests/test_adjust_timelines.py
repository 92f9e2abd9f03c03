"""`rehabplan adjust` on dose timelines: the program JSON records each slot's dose of every week;
adjust decides each slot's new timeline and materialises the weeks with the planner's own
function, so no printed dose is read back and no total goes stale."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from cli_runner import cli_runner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import rehabplan
from rehabplan.errors import PatientError
from rehabplan.models import Category, DoseKind, Patient, Program
from rehabplan.outputs.export import program_json
from rehabplan.planning.adjust import adjust
from rehabplan.planning.progression import deload
from rehabplan.planning.rules import HOLD_TRANSITION_S, MIN_VOLUME_ALLOWANCE_SETS, SETUP_S
from rehabplan.planning.timelines import materialise, track_of
from rehabplan.sources.log import exercise_log_template as log_template
from rehabplan.sources.log import parse_rows, read_log

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LIBRARY = rehabplan.load_library()
PROTOCOLS = rehabplan.load_protocols(LIBRARY)


def log_rows(program, weeks, pain: dict[str, str] | None = None):
    """Every exercise of ``weeks`` done with pain 1/10, or the pain given per exercise id."""
    rows = []
    for i, r in enumerate(csv.DictReader(io.StringIO(log_template(program))), start=2):
        if int(r["week"]) in weeks:
            r.update(done="yes", pain_during=(pain or {}).get(r["exercise"], "1"), pain_next_morning="1", spread="no")
            rows.append((i, r))
    return rows


def adjusted(program, weeks, pain=None):
    entries, problems = parse_rows(log_rows(program, weeks, pain), program, "log.csv")
    assert not problems
    return adjust(program, LIBRARY, entries)


def sides(p) -> int:
    return 2 if p.side and p.side.startswith("each side") else 1


def seconds(p) -> float:
    """A prescription's minutes in a session, recomputed from what it prints (docs/planner.md)."""
    if p.kind is DoseKind.duration:
        return 0.0 if p.category is Category.aerobic else p.minutes * 60.0
    work = sum(p.reps) * (p.hold_s + HOLD_TRANSITION_S) if p.kind is DoseKind.hold else p.sets * p.tut_per_set_s
    return work * sides(p) + (p.sets - 1) * p.rest_s + SETUP_S


def assert_totals_match_the_sessions(program: Program) -> None:
    for week in program.weeks:
        once = {p.slot: p for p in week.every_day + [p for s in week.sessions for p in s.prescriptions]}
        loading = [p for p in once.values() if LIBRARY[p.exercise].is_loading]
        # every prescribed set counts (a McGill pyramid's three sets count as three)
        assert week.volume_sets == sum(p.sets * p.per_week for p in loading), week.number
        tut = sum(
            (sum(p.reps) * p.hold_s if p.kind is DoseKind.hold else p.sets * p.tut_per_set_s) * p.per_week * sides(p)
            for p in loading
        )
        assert week.tut_s == tut, week.number
        daily_s = sum(seconds(p) for p in week.every_day)
        for s in week.sessions:
            assert s.minutes == round((sum(seconds(p) for p in s.prescriptions) + daily_s) / 60, 1), (week.number, s.name)


def test_the_example_log_changes_the_dose_and_every_total_with_it(library, protocols):
    # The example that showed the bug: before timelines, week 4's volume_sets changed (18 -> 15) while its
    # time under tension and the session minutes stayed those of the old dose.
    program = rehabplan.plan(library, protocols["deep-gluteal-syndrome"], rehabplan.load_patient(EXAMPLES / "patient.yaml"))
    entries, _ = read_log(EXAMPLES / "log-3-weeks.csv", program)
    new = adjust(program, library, entries)
    assert_totals_match_the_sessions(new)
    before, after = program.weeks[3], new.weeks[3]
    assert after.tut_s < before.tut_s
    assert after.sessions[0].minutes < before.sessions[0].minutes
    assert new.weeks[:3] == program.weeks[:3]


def test_the_adjusted_json_records_the_timelines_its_weeks_are_made_from(example_program, library):
    new = adjusted(example_program, {1, 2, 3}, {"clamshell": "5", "glute-bridge": "3"})
    again = Program.model_validate_json(program_json(new))
    weeks = materialise(
        library,
        again.patient,
        again.phases,
        again.reassessment_week,
        again.deload_weeks,
        again.deload_volume_factor,
        [track_of(t) for t in again.timelines],
    )
    assert [w.model_dump() for w in weeks[3:]] == [w.model_dump() for w in again.weeks[3:]]


def test_amber_repeats_the_last_done_dose_then_follows_the_plan_a_week_behind(example_program):
    # 4/10 is amber in the sciatica protocols (green 0-3). A week that missed the pain rule also
    # holds the whole plan until a logged week meets it: the plan to resume is recorded.
    new = adjusted(example_program, {1, 2}, {"glute-bridge": "4"})
    old = {t.slot: t for t in example_program.timelines}["bridge"]
    now = {t.slot: t for t in new.timelines}["bridge"]
    resume = {t.slot: t for t in new.resume_timelines}["bridge"]
    deloads = set(example_program.deload_weeks)
    planned = [(d.exercise, d.sets, d.reps) for d in old.doses if d.week not in deloads]
    shifted = [(d.exercise, d.sets, d.reps) for d in resume.doses if d.week not in deloads]
    held = [(d.exercise, d.sets, d.reps) for d in now.doses if d.week not in deloads]
    assert shifted[:2] == planned[:2] == held[:2]  # the weeks done
    assert shifted[2] == planned[1]  # held a week
    assert shifted[3:] == planned[2:-1]  # then the plan, a week behind
    assert set(held[2:]) == {planned[1]}  # and until a week meets the pain rule, nothing harder
    assert [h.level for h in new.holds] == ["phase"]
    assert "same dose as last week" in next(d.note for d in now.doses if d.week == 3)


def test_a_red_at_the_start_without_an_easier_variant_lightens_the_dose_by_the_protocols_factor(library, example_patient):
    # Not a literal 0.6: the protocol's deload factor (0.5-0.7), recorded in the program.
    for factor in (0.5, 0.7):
        protocol = PROTOCOLS["deep-gluteal-syndrome"].model_copy(update={"deload_volume_factor": factor})
        program = rehabplan.plan(library, protocol, example_patient)
        assert program.deload_volume_factor == factor
        new = adjusted(program, {1}, {"clamshell": "6"})
        first = next(t for t in program.timelines if t.slot == "hip-rotators").doses[0]
        track = track_of(next(t for t in program.timelines if t.slot == "hip-rotators"))
        want = deload(track.doses[first.week], library["clamshell"], factor)
        week2 = next(p for s in new.weeks[1].sessions for p in s.prescriptions if p.slot == "hip-rotators")
        assert (week2.exercise, week2.sets, week2.reps[0]) == ("clamshell", want.sets, want.reps)
        assert "lower dose" in next(a.change for a in new.adjustments if a.slot == "hip-rotators")


def test_an_adjusted_program_can_be_adjusted_again(example_program):
    once = adjusted(example_program, {1, 2}, {"clamshell": "3"})
    once = Program.model_validate_json(program_json(once))
    twice = adjusted(once, {1, 2, 3, 4}, {"glute-bridge": "3"})
    assert twice.adjusted_from_week == 5
    assert twice.weeks[:4] == once.weeks[:4]
    assert_totals_match_the_sessions(twice)


def test_a_reps_dose_recorded_without_a_tempo_is_timed_as_it_prints(example_program):
    # A program JSON may record a reps exercise's doses without a tempo (its library had none
    # when it was planned). The session-time rule then counts no tempo seconds, as the printed
    # prescription does, instead of failing on the missing tempo.
    data = json.loads(program_json(example_program))
    bridge = next(t for t in data["timelines"] if t["slot"] == "bridge")
    assert LIBRARY["glute-bridge"].dosage.tempo is not None
    for d in bridge["doses"]:
        d["tempo"] = None
    program = Program.model_validate(data)
    held = adjusted(program, {1}, {"glute-bridge": "4"})  # amber: the same dose, timed as printed
    later = [p for w in held.weeks[1:] for s in w.sessions for p in s.prescriptions if p.slot == "bridge"]
    assert later and all((p.exercise, p.tempo, p.tut_per_set_s) == ("glute-bridge", None, None) for p in later)
    easier = adjusted(program, {1}, {"glute-bridge": "6"})  # red: the easier variant is timed against it
    assert next(a.change for a in easier.adjustments if a.slot == "bridge").startswith("easier: Pelvic tilt")


def test_an_old_program_json_without_timelines_is_refused_naming_the_file_and_the_fix(tmp_path, example_program):
    old = json.loads(program_json(example_program))
    del old["timelines"]
    path = tmp_path / "old-plan.json"
    path.write_text(json.dumps(old))
    program = Program.model_validate_json(path.read_text())
    entries, _ = parse_rows(log_rows(program, {1}), program, "log.csv")
    try:
        adjust(program, LIBRARY, entries, source=path)
        raise AssertionError("an old program was adjusted")
    except PatientError as exc:
        assert "older rehabplan" in exc.message and str(path) in exc.message
        assert "rebuild" in exc.problems[0].fix
    log = tmp_path / "log.csv"
    log.write_text(log_template(program))
    rows = log.read_text().splitlines()
    rows[1] = rows[1].replace(",,,,,,,,", ",yes,,,,1,1,no,")
    log.write_text("\n".join(rows) + "\n")
    result = cli_runner()("adjust", path, log, "-o", tmp_path / "out.json")
    assert result.exit_code != 0
    text = " ".join(result.output.split())
    assert "old-plan.json" in text and "rebuild" in text and "Traceback" not in text


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@st.composite
def planned_programs(draw):
    """A random patient's program: every protocol, 4-24 weeks, 2-6 sessions, 15-60 minutes, each
    irritability, trained or not, older or not, with or without equipment and exclusions."""
    protocol = PROTOCOLS[draw(st.sampled_from(sorted(PROTOCOLS.protocols)))]
    patient = Patient(
        id="P",
        name="Pat",
        protocol=protocol.id,
        start_date=dt.date(2026, 1, 5),
        weeks=draw(st.integers(4, 24)),
        sessions_per_week=draw(st.integers(2, 6)),
        irritability=draw(st.sampled_from(["high", "moderate", "low"])),
        training_status=draw(st.sampled_from(["untrained", "trained"])),
        age_band=draw(st.sampled_from(["adult", "older"])),
        side=draw(st.sampled_from(["left", "right", "both"])),
        equipment=draw(st.sampled_from([[], ["band"], ["band", "weight"]])),
        exclusions=draw(st.sampled_from([[], ["floor"], ["kneeling"], ["balance"], ["lying", "lifting"]])),
        minutes=draw(st.integers(15, 60)),
        bilateral_screened=True,
        tensioner_unlocked=draw(st.booleans()),
    )
    try:
        return rehabplan.plan(LIBRARY, protocol, patient)
    except PatientError:
        assume(False)


@st.composite
def logged_programs(draw):
    program = draw(planned_programs())
    logged = draw(st.integers(1, program.patient.weeks - 1))
    exercises = sorted({p.exercise for w in program.weeks for s in w.sessions for p in s.prescriptions})
    pain = {ex: draw(st.sampled_from(["1", "1", "3", "6"])) for ex in exercises}
    return program, set(range(1, logged + 1)), pain


@SETTINGS
@given(logged_programs())
def test_any_adjusted_program_keeps_its_past_its_totals_its_minutes_and_its_volume_limit(case):
    program, weeks, pain = case
    new = adjusted(program, weeks, pain)
    start = new.adjusted_from_week
    assert new.weeks[: start - 1] == program.weeks[: start - 1]
    assert_totals_match_the_sessions(new)
    for week in new.weeks[start - 1 :]:
        for s in week.sessions:
            assert s.minutes <= program.patient.minutes, (week.number, s.minutes)
    # Weekly sets rise within the protocol's limit, or ask no more than the plan first did.
    normal = [w for w in new.weeks if not w.deload]
    for before, week in zip(normal, normal[1:]):
        if week.number >= start:
            had = {p.slot for p in before.every_day + [p for s in before.sessions for p in s.prescriptions]}
            started = [p for p in week.every_day + [p for s in week.sessions for p in s.prescriptions] if p.slot not in had]
            new_per_week = max((p.sets * p.per_week for p in started if LIBRARY[p.exercise].is_loading), default=0)
            allowance = max(
                before.volume_sets * new.max_weekly_volume_increase_pct // 100, MIN_VOLUME_ALLOWANCE_SETS, new_per_week
            )
            planned = program.weeks[week.number - 1].volume_sets
            assert week.volume_sets - before.volume_sets <= allowance or week.volume_sets <= planned, week.number
