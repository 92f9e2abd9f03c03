"""Pain-guided progression: the log's traffic lights change only the weeks not yet done."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import icalendar
import pytest

import rehabplan
from rehabplan.errors import PatientError
from rehabplan.models import Irritability, PainRules
from rehabplan.outputs.export import program_ics
from rehabplan.planning.adjust import adjust, light_of
from rehabplan.planning.regress import lighter
from rehabplan.planning.timelines import track_of
from rehabplan.sources.log import exercise_log_template as log_template
from rehabplan.sources.log import parse_rows, read_log

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def rows_for(program, weeks, **overrides):
    """A filled-in log for ``weeks``: every exercise done, pain 1/10, unless overridden.

    ``overrides`` maps exercise id -> dict of fields for its rows (e.g. pain_during="6").
    """
    rows = []
    for i, r in enumerate(csv.DictReader(io.StringIO(log_template(program))), start=2):
        if int(r["week"]) not in weeks:
            continue
        r.update(done="yes", pain_during="1", pain_next_morning="1", spread="no")
        r.update(overrides.get(r["exercise"], {}))
        rows.append((i, r))
    return rows


def adjusted(program, library, weeks, **overrides):
    entries, problems = parse_rows(rows_for(program, weeks, **overrides), program, "log.csv")
    assert not problems
    return adjust(program, library, entries)


def slot_doses(program, slot):
    out = {}
    for w in program.weeks:
        for p in w.every_day + [p for s in w.sessions for p in s.prescriptions]:
            if p.slot == slot:
                out[w.number] = p
    return out


def test_green_log_progresses_as_planned(example_program, library):
    new = adjusted(example_program, library, {1, 2})
    assert new.adjusted_from_week == 3
    assert all(a.light == "green" for a in new.adjustments)
    assert new.weeks == example_program.weeks


def test_amber_holds_the_dose_for_a_week_then_continues(example_program, library):
    # Sciatica protocols: green 0-3, amber 4, red 5-10 (one pain rule, see planning/painrule.py)
    new = adjusted(example_program, library, {1, 2}, **{"glute-bridge": {"pain_during": "4"}})
    a = next(a for a in new.adjustments if a.exercise == "glute-bridge")
    assert a.light == "amber"
    before, after = slot_doses(example_program, "bridge"), slot_doses(new, "bridge")
    nxt = next(w for w in range(3, 13) if not new.weeks[w - 1].deload)
    assert (after[nxt].sets, after[nxt].reps) == (before[2].sets, before[2].reps)
    assert "same dose as last week" in after[nxt].note and "3 out of 10" in after[nxt].note


def test_red_regresses_and_never_changes_past_weeks(example_program, library):
    new = adjusted(example_program, library, {1, 2, 3, 4, 5}, **{"clamshell": {"pain_during": "6", "pain_next_morning": "7"}})
    a = next(a for a in new.adjustments if a.exercise == "clamshell")
    assert a.light == "red" and ("back to" in a.change or "easier" in a.change or "lower" in a.change)
    assert new.weeks[:5] == example_program.weeks[:5]
    before, after = slot_doses(example_program, "hip-rotators"), slot_doses(new, "hip-rotators")
    assert after[6].sets * after[6].reps[0] < before[6].sets * before[6].reps[0] or after[6].exercise != before[6].exercise


def test_a_red_light_the_week_before_a_lighter_week_goes_back_to_the_dose_it_names(example_program, library):
    # The sample's lighter week is week 5: a red clamshell in week 4 must not come back at the
    # dose that hurt (2 x 15), neither in the lighter week nor in the weeks the phase hold keeps.
    assert 5 in example_program.deload_weeks
    new = adjusted(example_program, library, {1, 2, 3, 4}, **{"clamshell": {"pain_during": "6", "pain_next_morning": "7"}})
    a = next(a for a in new.adjustments if a.exercise == "clamshell")
    before, after = slot_doses(example_program, "hip-rotators"), slot_doses(new, "hip-rotators")
    back = before[2]
    assert a.light == "red" and f"back to {back.sets}x{back.reps[0]}" in a.change
    assert after[5].sets <= back.sets and max(after[5].reps) <= max(back.reps)
    for week in range(6, 13):
        assert (after[week].exercise, after[week].sets, after[week].reps) == (back.exercise, back.sets, back.reps) or new.weeks[
            week - 1
        ].deload


def test_red_at_the_start_moves_to_the_easier_variant(example_program, library):
    new = adjusted(example_program, library, {1}, **{"glute-bridge": {"pain_during": "6"}})
    after = slot_doses(new, "bridge")
    assert after[2].exercise == "posterior-pelvic-tilt" and "easier" in next(
        a.change for a in new.adjustments if a.slot == "bridge"
    )


def test_nerve_protocols_are_stricter_and_spreading_symptoms_are_red(example_program):
    entry = lambda **kw: parse_rows(
        [(2, {"week": "1", "session": "1", "exercise": "clamshell", "done": "yes", "spread": "no", **kw})], example_program, "x"
    ).entries[0]
    assert example_program.nerve_related
    assert light_of(entry(pain_during="3"), example_program)[0] == "green"  # the handout's "3 out of 10 or less"
    assert light_of(entry(pain_during="4"), example_program)[0] == "amber"
    assert light_of(entry(pain_during="5"), example_program)[0] == "red"  # tendon rules would say amber
    assert light_of(entry(pain_during="1", spread="yes"), example_program)[0] == "red"
    assert light_of(entry(pain_during="2", pain_next_morning="3"), example_program)[0] == "red"  # worse next morning
    tendon = example_program.model_copy(update={"pain": PainRules(), "nerve_related": False})
    assert light_of(entry(pain_during="4"), tendon)[0] == "amber"
    assert light_of(entry(pain_during="6"), tendon)[0] == "red"
    assert light_of(entry(pain_during="3"), tendon)[0] == "green"


def test_repeated_reds_low_adherence_and_red_flag_notes_raise_flags(example_program, library):
    rows = rows_for(example_program, {1, 2}, **{"clamshell": {"pain_during": "6"}, "walking-program": {"done": "no"}})
    rows[0][1]["note"] = "Numbness around my bottom and trouble to pee since Tuesday"
    for _, r in rows[1:40]:
        if r["exercise"] != "clamshell":
            r["done"] = "no"
    entries, _ = parse_rows(rows, example_program, "log.csv")
    new = adjust(example_program, library, entries)
    levels = {f.level: f for f in new.flags}
    assert levels["urgent"].rows == [rows[0][0]]
    messages = " ".join(f.message for f in new.flags)
    assert "red sessions for Clamshell" in messages and "adherence" in messages


def test_no_improvement_by_week_6_flags_a_reassessment_only_when_there_was_pain_to_improve(example_program, library):
    weeks = {1, 2, 3, 4, 5, 6}
    everything = {
        p.exercise for w in example_program.weeks for p in w.every_day + [p for s in w.sessions for p in s.prescriptions]
    }

    def flagged(first: str, sixth: str) -> bool:
        rows = rows_for(example_program, weeks, **{ex: {"pain_during": first, "pain_next_morning": first} for ex in everything})
        for _, r in rows:
            if r["week"] == "6":
                r.update(pain_during=sixth, pain_next_morning=sixth)
        entries, problems = parse_rows(rows, example_program, "log.csv")
        assert not problems
        return any("no improvement" in f.message for f in adjust(example_program, library, entries).flags)

    assert flagged("3", "3") and flagged("6", "5")  # no change; 1 point and 17 %
    assert not flagged("0", "0") and not flagged("2", "2")  # no pain to improve (baseline under 3/10)
    assert not flagged("6", "4") and not flagged("3", "2")  # 2 points; 33 % (the NPRS minimal important change)


def test_bad_log_rows_are_reported_with_row_numbers_and_the_rest_is_used(example_program, tmp_path):
    log = tmp_path / "log.csv"
    good = rows_for(example_program, {1})
    with log.open("w", newline="") as fh:
        w = csv.DictWriter(fh, list(good[0][1].keys()))
        w.writeheader()
        w.writerow({**good[0][1], "exercise": "moonwalk"})
        w.writerow({**good[0][1], "pain_during": "11"})
        w.writerow({**good[0][1], "week": "", "date": "2030-01-01"})
        w.writerow({**good[0][1], "done": "maybe"})
        for _, r in good[1:]:
            w.writerow(r)
    entries, problems = read_log(log, example_program)
    assert [p.line for p in problems] == [2, 3, 4, 5]
    text = " ".join(str(p) for p in problems)
    assert "moonwalk" in text and "0 to 10" in text and "outside the program" in text and "yes or no" in text
    assert len(entries) == len(good) - 1


def test_a_log_beyond_the_last_week_is_a_clear_error(example_program, library):
    entries, _ = parse_rows(rows_for(example_program, set(range(1, 13))), example_program, "log")
    with pytest.raises(PatientError, match="no weeks are left"):
        adjust(example_program, library, entries)


def test_the_scripted_example_regresses_the_painful_exercise_and_flags_it(library, protocols):
    program = rehabplan.plan(library, protocols["deep-gluteal-syndrome"], rehabplan.load_patient(EXAMPLES / "patient.yaml"))
    entries, problems = read_log(EXAMPLES / "log-3-weeks.csv", program)
    assert not problems
    new = adjust(program, library, entries)
    clam = next(a for a in new.adjustments if a.exercise == "clamshell")
    assert clam.light == "red"
    assert any("clamshell" in f.message for f in new.flags)
    assert slot_doses(new, "hip-rotators")[4] != slot_doses(program, "hip-rotators")[4]


def test_calendar_has_one_event_per_session_and_parses_back(example_program):
    cal = icalendar.Calendar.from_ical(program_ics(example_program))
    everything = [c for c in cal.walk() if c.name == "VEVENT"]
    uids = {str(e["uid"]) for e in everything}
    assert len(uids) == len(everything)
    # Sessions; every-day exercises and the check-in are their own events (tests/test_calendar.py).
    events = [e for e in everything if str(e["summary"]).startswith("Exercises:")]
    assert len(events) == 12 * example_program.patient.sessions_per_week
    first = min(events, key=lambda e: e["dtstart"].dt)
    assert first["dtstart"].dt.date() == example_program.start
    # The speed of a rep is said in words, like the handout (no four-number tempo code).
    assert "Glute bridge" in str(first["description"]) and "lower for" in str(first["description"])


@pytest.mark.slow
def test_adjust_command_writes_the_program_and_a_handout_for_the_remaining_weeks(tmp_path):
    from pypdf import PdfReader
    from typer.testing import CliRunner

    from rehabplan.cli.commands import app
    from rehabplan.models import Program

    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app,
        [
            "adjust",
            str(EXAMPLES / "patient.yaml"),
            str(EXAMPLES / "log-3-weeks.csv"),
            "-o",
            str(tmp_path / "adjusted.json"),
            "--handout",
            str(tmp_path / "weeks-4-12.pdf"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "clamshell" in result.output and "red" in result.output and "REVIEW" in result.output
    program = Program.model_validate_json((tmp_path / "adjusted.json").read_text())
    assert program.adjusted_from_week == 4 and len(program.weeks) == 12
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "weeks-4-12.pdf").pages)
    assert "changed from week 4" in text and "Week 12" in text
    # No log week for the weeks already done ("Week 1 5 Jan to 11 Jan"); the check-in's
    # "Week 1" scores are the plan's start and stay.
    assert not re.search(r"Week [1-3] \d+ \w{3} to", text.replace("\n", " "))


def test_a_red_exercise_already_at_the_least_its_range_allows_is_named_to_the_clinician(library, protocols, example_patient):
    # A highly irritable lumbar patient starts the pelvic tilt at 1 x 8, its library minimum, and
    # it has no easier version: the plan cannot make it easier, so it says so and asks the clinician.
    patient = example_patient.model_copy(update={"protocol": "lumbar-radicular-sciatica", "irritability": Irritability.high})
    program = rehabplan.plan(library, protocols[patient.protocol], patient)
    new = logged_light(program, library, 2, "posterior-pelvic-tilt", "6")
    change = next(a.change for a in new.adjustments if a.exercise == "posterior-pelvic-tilt")
    assert change.startswith("no easier dose in its range: stays at 1x8")
    flag = next(f for f in new.flags if "least its range allows" in f.message)
    assert flag.level == "review" and "Pelvic tilt" in flag.message and flag.weeks == [2]


LIGHT_PATIENTS = [
    # A 15-minute plan whose red band exercise once fitted its time by going back to the band that hurt.
    dict(protocol="deep-gluteal-syndrome", weeks=12, sessions_per_week=4, irritability="low", minutes=15, equipment=["band"]),
    # Tempo and hold steps: a plan that holds sets and reps for weeks while the rep slows.
    dict(protocol="lumbar-radicular-sciatica", weeks=16, sessions_per_week=3, irritability="moderate", minutes=30),
    # Fewer, longer holds: the next step of a hold exercise, not an easier dose.
    dict(protocol="upper-hamstring-glute-sciatica", weeks=8, sessions_per_week=2, irritability="low", minutes=20),
]


def logged_light(program, library, week, exercise, pain):
    """The program adjusted after a log in which ``exercise`` scored ``pain`` in every session of
    ``week`` (everything else in weeks 1 to ``week`` at pain 1)."""
    rows = [
        (i, dict(r, pain_during=pain) if int(r["week"]) == week and r["exercise"] == exercise else r)
        for i, r in rows_for(program, set(range(1, week + 1)))
    ]
    entries, problems = parse_rows(rows, program, "log.csv")
    assert not problems
    return adjust(program, library, entries)


@pytest.mark.parametrize("fields", LIGHT_PATIENTS, ids=lambda f: f["protocol"])
def test_a_red_exercise_asks_less_the_next_week_and_an_amber_one_no_more(fields, library, protocols, example_patient):
    # Silbernagel's model: red (pain over the limit) makes the exercise easier at once, amber holds
    # it. Never the dose that hurt, or a harder one, "to fit the time"; when the exercise is
    # already at the least its range allows, the clinician is told to choose.
    patient = type(example_patient).model_validate(dict(example_patient.model_dump(mode="json"), **fields))
    program = rehabplan.plan(library, protocols[patient.protocol], patient)
    planned = {t.slot: track_of(t) for t in program.timelines}
    for week in (3, 5):
        if program.weeks[week - 1].deload:
            continue
        loading = {p.exercise: p.slot for s in program.weeks[week - 1].sessions for p in s.prescriptions}
        for exercise, slot in sorted(loading.items()):
            if not library[exercise].is_loading:
                continue
            for light, pain in (("red", "6"), ("amber", "4")):
                new = logged_light(program, library, week, exercise, pain)
                change = next(a.change for a in new.adjustments if a.slot == slot)
                after = track_of(next(t for t in new.timelines if t.slot == slot))
                later = [w for w in sorted(after.doses) if w > week and w not in new.deload_weeks]
                if not later:
                    continue
                hurt, now = planned[slot].doses[week], after.doses[later[0]]
                where = (patient.protocol, week, exercise, light, change, hurt, now)
                if light == "red" and "no easier dose" in change:
                    assert any(exercise in f.message and f.level == "review" for f in new.flags), where
                elif light == "red":
                    assert lighter(now, hurt, library, after, patient), where
                else:
                    assert not lighter(hurt, now, library, after, patient), where


def test_going_back_to_the_easier_version_after_red_never_waits_for_the_one_change_a_week(library, protocols, example_patient):
    # A 4-week plan whose last week is also its check-in, taken up again after a hold: nothing
    # new that week, but a red cat-cow must still go back to the seated one, not repeat the one
    # that hurt.
    patient = example_patient.model_copy(
        update={
            "protocol": "lumbar-radicular-sciatica",
            "weeks": 4,
            "sessions_per_week": 2,
            "irritability": Irritability.high,
            "minutes": 15,
            "equipment": [],
        }
    )
    program = rehabplan.plan(library, protocols[patient.protocol], patient)
    assert program.reassessment_weeks == [4]
    held = type(program).model_validate_json(logged_light(program, library, 1, "cat-cow", "4").model_dump_json())
    assert held.holds
    new = logged_light(held, library, 3, "cat-cow", "6")
    change = next(a.change for a in new.adjustments if a.exercise == "cat-cow")
    assert change.startswith("easier: Seated cat-cow")
    slot = next(a.slot for a in new.adjustments if a.exercise == "cat-cow")
    assert slot_doses(new, slot)[4].exercise == "seated-cat-cow"
