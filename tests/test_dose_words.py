"""Dose words on the exercise cards a patient acts on at home: the load rule in kilos, and the
speed of a rep in words wherever the card prints its time under tension or a slower step."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest

import rehabplan
from rehabplan.models import Patient
from rehabplan.render.html import render_html
from rehabplan.render.words import note_words, tempo_matters
from tests.test_properties import LIBRARY, PROTOCOLS

# Exercises with a weight to go up by (the load ladder's rungs a trained patient reaches).
WEIGHTED = ["goblet-squat", "weighted-glute-bridge", "dumbbell-romanian-deadlift", "step-up", "single-leg-romanian-deadlift"]


def plan(**fields):
    base = dict(id="d1", name="Dana Dose", start_date=dt.date(2026, 1, 5), side="left")
    pt = Patient(**{**base, **fields})
    return rehabplan.plan(LIBRARY, PROTOCOLS[pt.protocol], pt)


def card_text(page: str, name: str) -> str:
    text = re.sub(
        r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(style|svg)\b.*?</\1>", " ", page, flags=re.S)))
    )
    start = text.index(f"How much to do: {name}")
    return text[start : start + 900]


@pytest.mark.parametrize("ex_id", WEIGHTED)
def test_the_load_rule_says_how_much_heavier_in_kilos_and_when(ex_id):
    # The clinical brief's rule (ACSM: +2-10 % after 1-2 reps over target on two sessions in a
    # row), in words a patient can act on at home: no "in every 100 parts", no per cent.
    exercise = LIBRARY.exercises[ex_id]
    (rule,) = [t for t in exercise.precautions if "next time" in t]
    assert "2 more reps than your plan on two sessions in a row" in rule
    assert "go up a little next time: about half a kilo to a kilo more" in rule
    said = " ".join(exercise.precautions + exercise.cues)
    assert "100 parts" not in said and "%" not in said and "per cent" not in said


def test_a_trained_patient_with_weights_reads_the_load_rule_in_kilos():
    program = plan(
        protocol="deep-gluteal-syndrome",
        weeks=8,
        sessions_per_week=5,
        minutes=50,
        irritability="low",
        training_status="trained",
        equipment=["band", "weight"],
    )
    page = render_html(program, LIBRARY)
    assert "go up a little next time: about half a kilo to a kilo more" in " ".join(page.split())
    assert "100 parts" not in page


def test_the_supported_step_down_says_its_speed_and_a_slower_step_in_words():
    # A lowering task of motor control: its time under tension is printed, so is the speed it
    # is counted at, and a slower step says the new speed, never "tempo 3-1-2-0".
    assert tempo_matters("motor_control", "2-1-2-0")
    program = plan(protocol="deep-gluteal-syndrome", weeks=12, minutes=30, irritability="moderate", equipment=["band"])
    card = card_text(render_html(program, LIBRARY), "Supported step-down")
    assert "Time under tension" in card
    assert "Speed: weeks 4–6: lower for 2 seconds, pause 1, lift for 2; weeks 7–12: lower slowly for 3 seconds" in card
    assert "Week 7: slower reps, same time: lower slowly for 3 seconds, pause 1, lift for 2; 6 reps a set." in card
    assert not re.search(r"\d-\d-\d-\d", card)


@pytest.mark.parametrize(
    "note, said",
    [
        ("lower more slowly: tempo 3-1-2-0", "slower reps: lower slowly for 3 seconds, pause 1, lift for 2"),
        ("lower more slowly: tempo 4-1-2-2", "slower reps: lower slowly for 4 seconds, pause 1, lift for 2, pause 2"),
        (
            "slower reps, same time: tempo 3-1-2-0, 10 a set",
            "slower reps, same time: lower slowly for 3 seconds, pause 1, lift for 2; 10 reps a set",
        ),
        ("3 more reps", "3 more reps"),
    ],
)
def test_a_planners_tempo_note_reads_as_the_speed_of_a_rep(note, said):
    assert note_words(note) == said


def test_no_card_of_the_example_handouts_prints_a_tempo_code():
    for fields in (
        dict(protocol="deep-gluteal-syndrome", weeks=12, minutes=30, equipment=["band"]),
        dict(protocol="lumbar-radicular-sciatica", weeks=24, minutes=40, side="both", bilateral_screened=True),
        dict(protocol="upper-hamstring-glute-sciatica", weeks=16, minutes=45, equipment=["band", "weight"]),
    ):
        page = render_html(plan(**fields), LIBRARY)
        cards = re.findall(r"What changes:.*?</p>", page, re.S)
        assert cards
        assert not any(re.search(r"tempo \d|\d-\d-\d-\d", c) for c in cards), fields
