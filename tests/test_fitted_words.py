"""The handout's words fit the patient: nothing tells them to do what their clinician excluded, a
patient with pain on both sides is not sent to "your painful side", the dose legends explain
only what the plan has, and the clinician's warnings are on the cover."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from rich.console import Console

import rehabplan
from rehabplan.errors import PatientError
from rehabplan.models import Patient
from rehabplan.outputs.terminal import legend, print_program
from rehabplan.render.chart import load_chart
from rehabplan.render.for_patient import fit, fit_exercise, fit_phases, phrases_for
from rehabplan.render.html import HtmlBuilder
from rehabplan.sources.patients import load_patient, patient_from_row
from tests.test_properties import LIBRARY, PROTOCOLS

BUILDER = HtmlBuilder()
PROTOCOL_IDS = sorted(PROTOCOLS.protocols)

# An instruction to stand on one leg. "Standing on one leg" is also an exercise's name, which a
# substitute's card names as what it replaces ("instead of Standing on one leg"): not an
# instruction, so that one phrase is taken out before looking.
ONE_LEG = re.compile(r"\b(stand|standing|balance|balancing) on one (leg|foot)\b", re.IGNORECASE)
# An instruction into a position the exclusion removed.
POSITION = {
    "lying": re.compile(r"\b(lie|lying) (down|on your)\b", re.IGNORECASE),
    "kneeling": re.compile(r"\b(kneel\b|kneel down|hands and knees)", re.IGNORECASE),
    "floor": re.compile(
        r"\b(lie|lying|kneel|get down) (on|onto) (the floor|a mat|your back|your side|your hands)", re.IGNORECASE
    ),
}
ONE_SIDE = re.compile(r"\b(painful|sore) (side|leg)\b", re.IGNORECASE)


def plan(**fields):
    base = dict(id="w1", name="Wren Words", start_date=dt.date(2026, 1, 5), side="right", equipment=["band"])
    patient = Patient(**{**base, **fields})
    return rehabplan.plan(LIBRARY, PROTOCOLS[patient.protocol], patient)


def handout_text(program) -> str:
    """The handout's words as a reader meets them: no markup, styles or drawings."""
    page = BUILDER.render(program, LIBRARY, preview=False)
    page = re.sub(r"<(style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def one_leg_instructions(text: str) -> list[str]:
    return ONE_LEG.findall(text.replace("instead of Standing on one leg", ""))


@pytest.mark.parametrize("protocol", PROTOCOL_IDS)
@pytest.mark.parametrize("exclusions", [["balance"], ["single-leg"], ["floor", "balance"]], ids=lambda e: "+".join(e))
def test_a_patient_who_must_not_stand_on_one_leg_is_never_told_to(protocol, exclusions):
    try:
        program = plan(protocol=protocol, exclusions=exclusions)
    except PatientError:
        pytest.skip("this protocol cannot be planned with these exclusions (refused with the fix)")
    assert one_leg_instructions(handout_text(program)) == []
    assert not any(ONE_LEG.search(ph.goal + ph.criterion) for ph in fit_phases(program))


@pytest.mark.slow
def test_the_printed_handout_never_tells_a_patient_with_balance_excluded_to_stand_on_one_leg(tmp_path):
    from pypdf import PdfReader

    from rehabplan.render.pdf import render_pdf

    program = plan(protocol="deep-gluteal-syndrome", exclusions=["balance"], weeks=12)
    render_pdf(program, LIBRARY, tmp_path / "handout.pdf")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(tmp_path / "handout.pdf").pages).split())
    assert "Split squat" in text  # the single-leg control slot's substitute, both feet down
    assert "and control your knee and hip as you stand, walk and bend your knees" in text
    assert one_leg_instructions(text) == []


def test_the_deep_gluteal_goal_fits_a_patient_who_must_not_stand_on_one_leg():
    goal = next(
        ph.goal for ph in fit_phases(plan(protocol="deep-gluteal-syndrome", exclusions=["balance"])) if ph.id == "strengthen"
    )
    assert goal.endswith("control your knee and hip as you stand, walk and bend your knees.")
    # The program keeps the protocol's own words; only what the patient reads is fitted.
    program = plan(protocol="deep-gluteal-syndrome", exclusions=["balance"])
    assert any("when you stand on one leg" in ph.goal for ph in program.phases)
    # A patient who may stand on one leg reads the protocol's goal.
    assert any("when you stand on one leg" in ph.goal for ph in fit_phases(plan(protocol="deep-gluteal-syndrome")))


@pytest.mark.parametrize("protocol", PROTOCOL_IDS)
def test_every_phase_goal_follows_a_one_leg_exclusion(protocol):
    for phase in PROTOCOLS[protocol].phases:
        patient = Patient(
            id="g", name="G H", protocol=protocol, start_date=dt.date(2026, 1, 5), side="right", exclusions=["balance"]
        )
        words = phrases_for(patient)
        assert not ONE_LEG.search(fit(phase.goal, words) + fit(phase.criterion, words)), phase.id


@pytest.mark.parametrize("protocol", PROTOCOL_IDS)
@pytest.mark.parametrize("word", sorted(POSITION))
def test_no_patient_is_told_to_get_into_a_position_their_exclusions_removed(protocol, word):
    try:
        program = plan(protocol=protocol, exclusions=[word])
    except PatientError:
        pytest.skip("refused with the fix")
    assert POSITION[word].findall(handout_text(program)) == []


@pytest.mark.parametrize("protocol", PROTOCOL_IDS)
def test_a_patient_with_pain_on_both_sides_never_reads_painful_side_alone(protocol):
    program = plan(protocol=protocol, side="both", bilateral_screened=True, weeks=12)
    text = handout_text(program)
    assert ONE_SIDE.findall(text) == []
    assert "painful side" not in text.replace("more painful side", "")


def test_no_exercise_in_the_library_sends_a_both_sided_patient_to_one_painful_side():
    both = Patient(id="b", name="B C", protocol="deep-gluteal-syndrome", start_date=dt.date(2026, 1, 5), side="both")
    for exercise in LIBRARY.exercises.values():
        fitted = fit_exercise(exercise, both)
        words = [
            fitted.starting_position,
            *fitted.instructions,
            *fitted.cues,
            *fitted.mistakes,
            *fitted.precautions,
            *fitted.stop_if,
        ]
        if fitted.illustration is not None:
            words.append(fitted.illustration.alt)
        assert not ONE_SIDE.search(" ".join(words)), exercise.id


def test_a_one_sided_patient_still_starts_with_the_painful_side():
    right = Patient(id="r", name="R S", protocol="deep-gluteal-syndrome", start_date=dt.date(2026, 1, 5), side="right")
    assert fit_exercise(LIBRARY.exercises["split-squat"], right) is LIBRARY.exercises["split-squat"]
    both = Patient(**{**right.model_dump(), "side": "both"})
    assert "Start with the side that hurts more in front." in " ".join(
        fit_exercise(LIBRARY.exercises["split-squat"], both).instructions
    )


# -- legends: only what the plan has ------------------------------------------------------------


def preview(program) -> str:
    console = Console(record=True, width=250)
    print_program(console, program)
    return console.export_text()


def test_a_plan_without_a_lighter_week_has_no_lighter_week_in_any_legend():
    program = plan(protocol="deep-gluteal-syndrome", weeks=4, irritability="moderate")
    assert program.deload_weeks == [] and not any(w.deload for w in program.weeks)
    assert "Lighter week" not in load_chart(program)
    text = handout_text(program)
    assert "lighter week" not in text.lower() and "marked “easy”" not in text
    assert "deload" not in preview(program)


def test_a_plan_with_a_lighter_week_explains_it_everywhere():
    program = plan(protocol="deep-gluteal-syndrome", weeks=8, irritability="moderate")
    assert program.deload_weeks == [4]
    assert "Lighter week" in load_chart(program)
    assert "A grey week marked “easy” is a lighter week on purpose" in handout_text(program)
    assert "wk 5D = a lighter (deload) week" in preview(program)


def test_the_hold_pyramid_is_explained_only_in_a_plan_that_has_one():
    def pyramids(program) -> bool:
        return any(len(set(rx.reps)) > 1 for w in program.weeks for s in w.sessions for rx in s.prescriptions)

    without = plan(protocol="deep-gluteal-syndrome", weeks=12, minutes=30)
    assert not pyramids(without)
    assert "A list like 5-3-1" not in handout_text(without) and "5-3-1×10s" not in preview(without)
    program = plan(protocol="deep-gluteal-syndrome", weeks=12, minutes=60)
    assert pyramids(program)
    assert "A list like 5-3-1" in handout_text(program) and "5-3-1×10s = holds of 10 seconds" in preview(program)


def test_the_preview_legend_explains_each_notation_its_grid_uses_and_no_other():
    assert legend(["2×10", "wk 1", "wk 2"]) == [
        "2×10 = 2 sets of 10 reps;",
        "days: S = strength day, s = short day, · = every-day exercises and walk only.",
    ]
    text = " ".join(legend(["2×10", "1×30s", "2×3×30s", "5-3-1×10s", "12′", "3×8*", "wk 4D", "wk 6R"]))
    for said in ("2×10 =", "3×30s =", "2×3×30s =", "5-3-1×10s =", "12′ =", "* =", "wk 5D =", "wk 6R ="):
        assert said in text
    assert "wk 5D" not in " ".join(legend(["2×10", "wk 6R"])) and "3×30s" not in " ".join(legend(["2×10"]))


def test_the_chart_legend_has_no_check_in_mark_when_no_check_in_is_drawn():
    program = plan(protocol="deep-gluteal-syndrome", weeks=12)
    later = program.model_copy(update={"weeks": [w for w in program.weeks if w.number > 8]})
    assert "Check-in with your clinician" in load_chart(program)
    assert "Check-in with your clinician" not in load_chart(later)


# -- the clinician's warnings on the cover ------------------------------------------------------


def test_fewer_exercise_days_than_asked_is_on_the_covers_clinician_box():
    program = plan(
        protocol="upper-hamstring-glute-sciatica",
        sessions_per_week=4,
        minutes=20,
        irritability="high",
        age_band="older",
        exclusions=["floor", "balance", "kneeling"],
    )
    page = BUILDER.render(program, LIBRARY, preview=False)
    box = re.search(r'<aside class="clinician-note".*?</aside>', page, re.S)
    assert box and "3 exercise days a week, not the 4 asked for" in html.unescape(box.group(0))


def test_a_plan_with_nothing_to_warn_of_has_no_clinician_box():
    assert 'class="clinician-note"' not in BUILDER.render(plan(protocol="deep-gluteal-syndrome"), LIBRARY, preview=False)


# -- numbers out of range, said as the rule -----------------------------------------------------

ROW = {"id": "R1", "name": "Rae Row", "protocol": "deep-gluteal-syndrome", "start_date": "2027-01-12", "side": "left"}


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("weeks", "30", "weeks: plans run 4 to 24 weeks, not 30"),
        ("weeks", "2", "weeks: plans run 4 to 24 weeks, not 2"),
        ("sessions_per_week", "9", "sessions_per_week: plans have 1 to 7 exercise sessions a week, not 9"),
        ("minutes", "2", "minutes: a session can take 5 to 180 minutes, not 2"),
    ],
)
def test_a_roster_number_out_of_range_names_the_range_in_plain_words(field, value, said):
    with pytest.raises(PatientError) as caught:
        patient_from_row({**ROW, field: value}, "roster.csv", 7)
    (problem,) = caught.value.problems
    assert str(problem).startswith("roster.csv:7: " + said)
    assert "Input should be" not in str(problem)


def test_a_patient_file_number_out_of_range_keeps_its_line(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "id: P1\nname: Pat File\nprotocol: deep-gluteal-syndrome\nstart_date: 2027-01-12\nside: left\nweeks: 25\n",
        encoding="utf-8",
    )
    with pytest.raises(PatientError) as caught:
        load_patient(path)
    assert [str(p) for p in caught.value.problems] == [f"{path}:6: weeks: plans run 4 to 24 weeks, not 25"]
