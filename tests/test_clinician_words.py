"""What the clinician reads beside the plan, in plain words: what the plan could not do as asked
(fewer exercise days, an exercise standing in for another) is said where the warnings go, with
exercise names, not slot ids or nested brackets."""

from __future__ import annotations

import datetime as dt

import pytest
from rich.console import Console

import rehabplan
from rehabplan.bulk.jobs import _warnings
from rehabplan.models import Patient
from rehabplan.outputs.clinician import fewer_days, planned_days, substitutes, warnings
from rehabplan.outputs.terminal import print_program
from tests.test_properties import LIBRARY, PROTOCOLS


def plan(**fields):
    base = dict(id="c1", name="Casey Test", start_date=dt.date(2026, 1, 5), side="left")
    pt = Patient(**{**base, **fields})
    return rehabplan.plan(LIBRARY, PROTOCOLS[pt.protocol], pt)


def preview(program) -> str:
    console = Console(record=True, width=250)
    print_program(console, program)
    return console.export_text()


# The cases a physiotherapist flagged.
NO_FLOOR_TRAINED = dict(
    protocol="upper-hamstring-glute-sciatica",
    weeks=4,
    sessions_per_week=6,
    minutes=50,
    irritability="low",
    training_status="trained",
    equipment=["band", "weight"],
    exclusions=["floor"],
)
OLDER_FLARE = dict(
    protocol="upper-hamstring-glute-sciatica",
    weeks=12,
    sessions_per_week=4,
    minutes=20,
    irritability="high",
    age_band="older",
    side="right",
    equipment=["band"],
    exclusions=["floor", "balance", "kneeling"],
)


def test_an_exercise_planned_as_another_slots_substitute_is_not_left_out():
    # No floor: the glute bridge slot stands in with sit to stand, the sit-to-stand slot's own
    # exercise. Sit to stand is in the plan, so nothing is "left out"; the clinician reads
    # "Glute bridge → Sit to stand" with the other substitutes.
    program = plan(**NO_FLOOR_TRAINED)
    text = preview(program)
    assert "Glute bridge → Sit to stand" in substitutes(program)
    substitute_line = next(line for line in text.splitlines() if line.startswith("Planned with a substitute:"))
    assert "Glute bridge → Sit to stand" in substitute_line
    assert "Long bridge hold → Chair hamstring bridge" in substitute_line
    assert "Left out" not in text
    assert "already planned in slot" not in text and "((" not in text and "))" not in text


@pytest.mark.parametrize(
    "fields, asked",
    [(OLDER_FLARE, 4), (NO_FLOOR_TRAINED, 6), (dict(protocol="deep-gluteal-syndrome", sessions_per_week=5, minutes=15), 5)],
    ids=["upper-hamstring-4", "upper-hamstring-6", "deep-gluteal-5"],
)
def test_fewer_exercise_days_than_asked_is_said_wherever_the_warnings_go(fields, asked):
    program = plan(**fields)
    assert planned_days(program) == 3 < asked
    said = f"3 exercise days a week, not the {asked} asked for: hip and leg strength work needs a rest day in between"
    assert fewer_days(program).startswith(said)
    text = preview(program)
    # The header counts the days planned, and the warning says why, before the weeks.
    assert f"3 sessions a week ({asked} asked for)" in text and f"{asked} sessions a week," not in text
    assert f"WARNING: {said}" in " ".join(text.split())
    assert said in warnings(program)[-1]
    assert said in _warnings(program)  # a bulk row's reason column
    # Only the preview has a "Left out" list to point at.
    assert "see Left out" not in _warnings(program)
    if program.dropped:
        assert "(see Left out)" in " ".join(text.split())
    # The program itself is unchanged: its own warnings are the planner's.
    assert not any(said in w for w in program.clinician_warnings)


def test_a_plan_with_every_day_asked_for_has_no_such_warning():
    program = plan(protocol="lumbar-radicular-sciatica", sessions_per_week=5, minutes=40, equipment=["band"])
    assert planned_days(program) == 5
    assert fewer_days(program) is None
    assert "asked for" not in preview(program)


def test_build_prints_the_fewer_days_warning_loud(tmp_path):
    from tests.cli_runner import cli_runner

    path = tmp_path / "p.yaml"
    path.write_text(
        "id: w1\nname: Few Days\nprotocol: upper-hamstring-glute-sciatica\nstart_date: 2026-01-05\n"
        "sessions_per_week: 4\nminutes: 20\nirritability: high\nage_band: older\nside: right\n"
        "equipment: [band]\nexclusions: [floor, balance, kneeling]\n",
        encoding="utf-8",
    )
    result = cli_runner()("build", path, "--format", "json", "-o", tmp_path / "p.json", "--force")
    assert result.exit_code == 0, result.output
    assert "WARNING: 3 exercise days a week, not the 4 asked for" in " ".join(result.output.split())
