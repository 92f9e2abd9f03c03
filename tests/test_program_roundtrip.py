"""A planned program survives its own JSON: program JSON -> Program.model_validate_json -> the
same JSON and an equal Program, for random patients on every built-in protocol.

The planner builds its models without re-validating them; a field that such a build leaves out
would be missing from the program JSON (and so from what `rehabplan adjust` reads back). This
property catches it: a missing field either fails validation or comes back with its default,
and the JSON differs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import PLAIN  # text a person can type

import rehabplan
from rehabplan.errors import PatientError
from rehabplan.models import Equipment, Patient, Program
from rehabplan.outputs.export import program_json

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them

LIBRARY = rehabplan.load_library()
PROTOCOLS = rehabplan.load_protocols(LIBRARY)


@st.composite
def patients(draw):
    return Patient(
        id=draw(st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True)),
        name=draw(st.text(PLAIN, min_size=1, max_size=30).filter(str.strip)),
        protocol=draw(st.sampled_from(sorted(PROTOCOLS.protocols))),
        start_date=draw(st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31))),
        weeks=draw(st.integers(4, 24)),
        sessions_per_week=draw(st.integers(2, 6)),
        irritability=draw(st.sampled_from(["high", "moderate", "low"])),
        training_status=draw(st.sampled_from(["untrained", "trained"])),
        age_band=draw(st.sampled_from(["adult", "older"])),
        side=draw(st.sampled_from(["left", "right", "both"])),
        equipment=draw(st.lists(st.sampled_from([e.value for e in Equipment]), unique=True, max_size=3)),
        minutes=draw(st.integers(15, 60)),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patient=patients())
def test_a_planned_program_round_trips_through_its_json(patient):
    try:
        program = rehabplan.plan(LIBRARY, PROTOCOLS[patient.protocol], patient)
    except PatientError:
        return  # a patient the protocol cannot serve is refused with a message, not planned
    text = program_json(program)
    again = Program.model_validate_json(text)
    assert program_json(again) == text
    assert again == program


def test_every_field_of_every_model_in_a_program_is_in_its_json(example_program):
    """The JSON names every field each model declares (a field left out of a build would be
    missing here even when it has a default)."""
    from pydantic import BaseModel

    def check(model: BaseModel, dumped: dict, path: str) -> None:
        assert set(dumped) == set(type(model).model_fields), path
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                check(value, dumped[name], f"{path}.{name}")
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, BaseModel):
                        check(item, dumped[name][i], f"{path}.{name}[{i}]")

    check(example_program, example_program.model_dump(mode="json"), "program")
