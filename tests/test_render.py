"""The handout HTML: filters, view model, escaping, clinic templates, wording, golden output.

Fast: nothing here lays out a PDF (see test_pdf.py for that).

Golden files: ``tests/golden/*.html``. After an intended change to the templates, refresh them
with ``make goldens`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest_render import build_program, fixture_library, planned_program

from rehabplan.errors import RenderError
from rehabplan.models import DoseKind
from rehabplan.models.patient import Side
from rehabplan.render import filters, sandbox, view
from rehabplan.render.chart import load_chart
from rehabplan.render.html import HtmlBuilder, render_html
from rehabplan.render.qr import qr_svg
from rehabplan.sources.config import ClinicConfig

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = '<img src="file:///etc/passwd"><link rel=attachment href="file:///etc/passwd">{{ 7*7 }}'
CLINIC = ClinicConfig(
    clinic={"name": "Riverside Physio", "phone": "01632 960 123", "address": "12 River Road\nTownsville"},
    clinician="Sam Physio",
)


@pytest.fixture(scope="module")
def library():
    return fixture_library()


@pytest.fixture(scope="module")
def program(library):
    return build_program(library)


@pytest.fixture(scope="module")
def page(program, library):
    return render_html(program, library, CLINIC)


def text_of(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    fragment = re.sub(r"<(style|svg)\b.*?</\1>", " ", fragment, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def section(page: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


# --------------------------------------------------------------------------- filters


def test_dates_follow_the_clinic_locale():
    day = dt.date(2026, 1, 5)
    assert filters.long_date(day, "en-GB") == "Monday 5 January 2026"
    assert filters.long_date(day, "en-US") == "Monday, January 5, 2026"
    assert filters.short_date(day, "en-GB") == "5 Jan"
    assert filters.short_date(day, "en-US") == "Jan 5"


def test_rest_and_hold_times_read_as_people_say_them():
    assert filters.seconds(45) == "45 s"
    assert filters.seconds(60) == "1 min"
    assert filters.seconds(90) == "1 min 30 s"
    assert filters.seconds(None) == ""


def test_doses_in_words_and_in_short(program):
    week = program.weeks[9]  # week 10: 3 sets of 15 bridges, plank pyramid 7-5-3
    bridge = next(rx for rx in week.sessions[0].prescriptions if rx.exercise == "glute-bridge")
    plank = next(rx for rx in week.sessions[0].prescriptions if rx.exercise == "front-plank-knees")
    walk = next(rx for rx in week.every_day if rx.kind is DoseKind.duration)
    stretch = next(rx for rx in week.every_day if rx.exercise == "figure-four-stretch")
    assert filters.dose(bridge) == "3 sets of 15 reps"
    assert filters.dose_short(bridge) == "3 × 15 reps"
    assert filters.dose(plank) == "3 sets: 7, 5, 3 holds of 10 s"
    assert filters.dose_short(plank) == "7-5-3 holds of 10 s"
    assert filters.dose(stretch) == "3 holds of 30 s"
    assert filters.dose(walk) == f"{walk.minutes} minutes"
    assert filters.how_often(7) == "Every day" and filters.how_often(3) == "3 times a week"


def test_week_lists_are_short():
    assert view._week_list([2, 4, 5, 6, 9]) == "weeks 2, 4\u20136 and 9"
    assert view._week_list([3]) == "week 3"


# --------------------------------------------------------------------------- view model


def test_one_card_per_distinct_exercise_in_order_of_first_use(program, library):
    cards = HtmlBuilder(CLINIC).cards(program, library)
    ids = [card.exercise.id for card in cards]
    used = []
    for week in program.weeks:
        for rx in [*(rx for s in week.sessions for rx in s.prescriptions), *week.every_day]:
            if rx.exercise not in used:
                used.append(rx.exercise)
    assert ids == used


def test_dose_grid_marks_changed_weeks_and_lighter_weeks(program, library):
    card = next(c for c in HtmlBuilder(CLINIC).cards(program, library) if c.exercise.id == "glute-bridge")
    assert [d.week for d in card.doses] == list(range(1, 13))
    # Twelve weeks to a strip; a tempo that changes (seven characters, wider than a week's
    # cell) is said by weeks above the grid instead of doubling it.
    assert [len(g.weeks) for g in card.grids] == [12]
    if len({d.rx.tempo for d in card.doses}) > 1:
        assert any(label == "Speed" and "weeks" in value for label, value in card.constants)
    weeks = [d for g in card.grids for d in g.weeks]
    amount = [cell for g in card.grids for row in g.rows if row.heading == "Sets × reps" for cell in row.cells]
    assert amount[0] == ("2×10", False)
    assert amount[2] == ("2×12", True)  # week 3: two more reps, printed bold
    assert [d.week for d in weeks if d.deload] == program.deload_weeks
    # Rest never changes: said once above the grid, not a row.
    assert ("Rest between sets", "1 min") in card.constants
    assert all(row.heading != "Rest" for g in card.grids for row in g.rows)
    # The planner's notes are listed with their weeks.
    assert any("2 more reps" in note for _, note in card.notes)


def test_twelve_weeks_fit_one_strip_unless_cells_are_wide_or_print_is_large(program, library):
    cards = {c.exercise.id: c for c in HtmlBuilder(CLINIC).cards(program, library)}
    assert [len(g.weeks) for g in cards["clamshell"].grids] == [12]
    large = {c.exercise.id: c for c in HtmlBuilder(CLINIC, large_print=True).cards(program, library)}
    assert [len(g.weeks) for g in large["clamshell"].grids] == [6, 6]


def test_pain_traffic_light_uses_program_thresholds(library):
    general = view.pain_bands(build_program(library, nerve_related=False))
    assert (general.green, general.amber, general.red) == ((0, 3), (4, 5), (6, 10))
    nerve = view.pain_bands(build_program(library, nerve_related=True))  # the sciatica rule: ceiling 3/10
    assert (nerve.green, nerve.amber, nerve.red) == ((0, 3), (4, 4), (5, 10))


def test_time_created_is_the_program_start_or_source_date_epoch(program):
    assert view.created_at(program, None) == "2026-01-05T00:00:00Z"
    assert view.created_at(program, "1700000000") == "2023-11-14T22:13:20Z"


def test_program_naming_an_unknown_exercise_is_a_render_error(program):
    empty = fixture_library()
    empty.exercises.pop("clamshell")
    with pytest.raises(RenderError, match="not in the library"):
        render_html(program, empty)


def test_unknown_paper_is_refused():
    with pytest.raises(RenderError, match="paper"):
        HtmlBuilder(ClinicConfig(), paper="a5")


# --------------------------------------------------------------------------- the page


def test_page_carries_every_section_in_order(page):
    ids = re.findall(r'<section class="[^"]*" id="([a-z-]+)"', page)
    assert ids == ["cover", "red-flags", "how-to-use", "education", "plan", "exercises", "log", "check-in"]


def test_cover_names_patient_condition_dates_clinician_and_clinic(page, program):
    cover = text_of(section(page, "cover"))
    for expected in (
        "Alex Example",
        program.condition_plain,
        "Monday 5 January 2026",
        "Sunday 29 March 2026",
        "Sam Physio",
        "Riverside Physio",
        "01632 960 123",
        "This handout supports, but does not replace, your clinician's advice.",
    ):
        assert expected in cover
    assert "Get help now" in cover and "999" in cover  # the short repeat of the red flags


def test_red_flags_use_the_clinic_locale(program, library):
    gb = text_of(section(render_html(program, library, ClinicConfig(locale="en-GB")), "red-flags"))
    us = text_of(section(render_html(program, library, ClinicConfig(locale="en-US")), "red-flags"))
    assert "Call 999" in gb and "NHS 111" in gb
    assert "Call 911" in us and "urgent care" in us
    for flag in (
        "Sciatica in both legs",
        "both legs",
        "genitals",
        "bottom",
        "pee",
        "poo",
        "fever",
        "cancer",
        "fall",
        "night",
        "Foot drop",
    ):
        assert flag in gb


def test_the_warning_signs_give_one_instruction_for_each_sign(page, program, library):
    """Cauda equina and both-leg signs: call the emergency number now. Foot drop: get checked
    today, the same on the warning-sign page and in the log's weekly box (never "call now" in
    one place and "soon" in another)."""
    flags, log = text_of(section(page, "red-flags")), text_of(section(page, "log"))
    assert "Foot drop: your foot slaps or drags as you walk. Get checked today." in flags
    assert "Yes to any of the first three: call 999 now." in log
    assert "A foot that drags or slaps when you walk: get checked today" in log
    assert "first four" not in page
    assert "New or worse weakness or numbness in both legs" in log


def test_a_patient_with_both_legs_screened_is_not_told_to_call_for_what_they_have(program, library):
    """Sciatica in both legs is a sign to call now, except for the patient planned with it
    (screened by the clinician): for them the sign is that it gets worse."""
    both = program.model_copy(
        update={"patient": program.patient.model_copy(update={"side": Side.both, "bilateral_screened": True})}
    )
    assert "Sciatica in both legs that is getting worse." in text_of(section(render_html(both, library), "red-flags"))
    assert "Sciatica in both legs." in text_of(section(render_html(program, library), "red-flags"))


def test_how_to_use_explains_tempo_holds_rest_and_time_under_tension(page):
    how = text_of(section(page, "how-to-use"))
    for expected in (
        "Strength days: Monday, Wednesday and Friday",
        "Never do them two days in a row",
        "2 × 10 reps",
        "Speed",
        "The numbers are seconds",
        "lower for 2 seconds, pause 1, lift for 2",
        "Time under tension",
        "You can check it by counting",
        "10 × 5 = 50 seconds",
        "5-3-1",
        "next morning",
    ):
        assert expected in how, expected


def test_nerve_related_program_prints_the_stricter_ceiling_and_spread_rule(page):
    how = text_of(section(page, "how-to-use"))
    assert "3 out of 10 or less" in how
    assert "spreads further down your leg" in how
    assert "0–3 out of 10" in how and "5–10 out of 10" in how  # the sciatica rule: green 0-3, amber 4, red 5-10


def test_general_program_prints_the_usual_traffic_light(library):
    how = text_of(section(render_html(build_program(library, nerve_related=False), library), "how-to-use"))
    assert "0–3 out of 10" in how and "4–5 out of 10" in how and "6–10 out of 10" in how
    assert "spreads further down your leg" not in how


def test_no_medication_advice(page):
    text = text_of(page).lower()
    assert "your doctor may discuss other options" in text
    for word in (
        "ibuprofen",
        "paracetamol",
        "acetaminophen",
        "nsaid",
        "naproxen",
        "gabapentin",
        "pregabalin",
        "opioid",
        "steroid",
        "injection",
        "tablet",
        " mg ",
        "painkiller",
        "medicine to take",
    ):
        assert word not in text, word


def test_check_in_page_has_free_measures_only(page, program):
    check = text_of(section(page, "check-in"))
    assert f"Week {program.reassessment_week} check-in" in check
    assert "0 means no pain" in check and "Three things you find hard" in check
    assert "Patient-Specific Functional Scale" in check
    for licensed in ("Oswestry", "HAGOS", "iHOT", "Bothersomeness"):
        assert licensed not in page


def test_log_has_every_week_and_session(page, program):
    log = section(page, "log") if "<section" in page else ""
    for week in program.weeks:
        assert f'id="log-week-{week.number}"' in log
    # One written line per session (block layout, no table per week), with its day and date.
    assert log.count('class="log-row"') == sum(len(w.sessions) for w in program.weeks)
    # (the words of a label are joined by no-break spaces: read the text, not the markup)
    text = text_of(log)
    assert "Pain during" in text and "Next morning" in text and "0 (no pain) to 10" in text


def test_exercise_cards_carry_steps_cues_mistakes_stop_and_video_qr(page, library):
    cards = section(page, "exercises")
    for ex_id in ("glute-bridge", "clamshell", "front-plank-knees", "figure-four-stretch", "walking-program"):
        ex = library[ex_id]
        card = re.search(rf'<article[^>]*data-card="{ex_id}".*?</article>', cards, re.S).group(0)
        text = text_of(card)
        for line in [*ex.instructions, *ex.cues, *ex.mistakes, *ex.stop_if]:
            # A step that points at the plan carries its number instead of the bare pointer.
            line = line.partition("the count your plan gives you")[0].partition("your plan gives you")[0]
            assert htmllib.unescape(line) in text
        assert 'src="data:image/svg+xml;base64,' in card
        # Every "your plan gives you" is followed by a number (or said as one).
        for after in re.findall(r"your plan gives you(.{0,20})", text):
            assert re.match(r" \(\d", after), after
        assert ('class="qr"' in card) == bool(ex.video_url)


def test_readability_of_the_static_patient_text(page):
    import textstat

    # Plain-language rule (brief: grade 6-8, NIH: below 8th), on the fixed education text.
    for section_id in ("education", "how-to-use", "red-flags", "check-in"):
        text = text_of(section(page, section_id))
        fk = textstat.flesch_kincaid_grade(text)
        smog = textstat.smog_index(text)
        assert fk <= 8.0, (section_id, fk)
        assert smog <= 9.0, (section_id, smog)
    education = text_of(section(page, "education"))
    assert 2.0 <= textstat.flesch_kincaid_grade(education) <= 8.0
    assert textstat.flesch_reading_ease(education) >= 60


def test_no_italics_underline_or_capitals_for_emphasis():
    css = (sandbox.builtin_templates() / "handout.css").read_text()
    assert "font-style: italic" not in css and "text-transform: uppercase" not in css
    assert "text-decoration: underline" not in css


# --------------------------------------------------------------------------- safety


def test_hostile_patient_fields_are_escaped_text(library):
    program = build_program(library, name=HOSTILE, clinician=HOSTILE, notes="<script>alert(1)</script>")
    page = render_html(program, library)
    assert '<img src="file:///etc/passwd"' not in page
    assert "<link rel=attachment" not in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in page
    assert "{{ 7*7 }}" in page and ">49<" not in page  # data, never evaluated


def test_clinic_template_overrides_a_built_in_one_by_name(tmp_path, program, library):
    (tmp_path / "cover.html.j2").write_text(
        '<section class="page cover" id="cover"><h1>Welcome to {{ clinic.name }}</h1>'
        '<p class="patient-name">{{ patient.name }}</p></section>'
    )
    page = render_html(program, library, CLINIC, templates=tmp_path)
    assert "Welcome to Riverside Physio" in page
    assert "Your home exercise plan" not in page
    assert 'id="red-flags"' in page  # the rest is still the built-in handout


def test_clinic_templates_are_sandboxed(tmp_path, program, library):
    (tmp_path / "cover.html.j2").write_text("{{ program.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(RenderError, match="template"):
        render_html(program, library, templates=tmp_path)
    (tmp_path / "cover.html.j2").write_text("{{ config.__init__.__globals__ }}")
    with pytest.raises(RenderError):
        render_html(program, library, templates=tmp_path)


def test_clinic_templates_are_autoescaped_whatever_their_name(tmp_path, library):
    (tmp_path / "cover.html.j2").write_text('<section id="cover"><p>{{ patient.name }}</p></section>')
    page = render_html(build_program(library, name="<b>Bo</b>"), library, templates=tmp_path)
    assert "&lt;b&gt;Bo&lt;/b&gt;" in page


def test_template_syntax_error_names_file_and_line(tmp_path, program, library):
    (tmp_path / "plan.html.j2").write_text("<section>\n{% if %}\n</section>")
    with pytest.raises(RenderError) as info:
        render_html(program, library, templates=tmp_path)
    problem = info.value.problems[0]
    assert problem.file.endswith("plan.html.j2") and problem.line == 2


def test_clinic_logo_is_embedded_and_a_missing_one_is_a_clear_error(tmp_path, program, library):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), "#0b5c7a").save(logo)
    config = ClinicConfig(clinic={"name": "Riverside Physio", "logo": logo})
    cover = section(render_html(program, library, config), "cover")
    assert '<img class="logo" src="data:image/png;base64,' in cover and 'alt="Riverside Physio logo"' in cover
    with pytest.raises(RenderError, match="logo"):
        render_html(program, library, ClinicConfig(clinic={"logo": tmp_path / "missing.png"}))


def test_missing_template_folder_is_a_clear_error(tmp_path, program, library):
    with pytest.raises(RenderError, match="does not exist"):
        render_html(program, library, templates=tmp_path / "nope")


def test_preview_html_stands_alone(page):
    assert "file:" not in page
    assert not re.search(r'(src|href)="https?:|url\(["\']?https?:', page)
    assert re.search(r'url\("data:[a-z/+-]*woff[^"]*;base64,', page)
    assert "</style>" in page and page.count("<style>") == 1


@pytest.mark.slow
def test_html_renderer_does_not_import_weasyprint():
    code = (
        "import sys; sys.path.insert(0, 'tests')\n"
        "from conftest_render import build_program, fixture_library\n"
        "from rehabplan.render.html import render_html\n"
        "from rehabplan.render.pdf import Renderer, render_pdf\n"
        "lib = fixture_library(); prog = build_program(lib)\n"
        "Renderer().html(prog, lib); render_html(prog, lib)\n"
        "assert 'weasyprint' not in sys.modules, 'weasyprint imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


# --------------------------------------------------------------------------- chart and QR


def test_load_chart_shows_every_week_lighter_weeks_and_check_in(program):
    svg = load_chart(program)
    root = ET.fromstring(svg)  # well-formed
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for r in root.iter(f"{ns}rect") if "bar" in (r.get("class") or "").split()]
    assert len(bars) == len(program.weeks)
    dashed = [r for r in bars if r.get("stroke-dasharray")]
    assert len(dashed) == len(program.deload_weeks)
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "Check-in" in texts and [str(w.number) for w in program.weeks] == [t for t in texts if t and t.isdigit()][-12:]
    assert root.get("role") == "img" and "Check-in: week 6" in root.get("aria-label")
    # Taller bars for more sets: week 10 (24 sets) outgrows week 1 (12 sets).
    heights = [float(r.get("height")) for r in bars]
    assert heights[9] > heights[0]


def test_qr_code_is_local_deterministic_svg():
    a = qr_svg("https://example.org/videos/figure-four-stretch")
    assert a == qr_svg("https://example.org/videos/figure-four-stretch")
    root = ET.fromstring(a)
    assert root.get("class") == "qr" and "http" not in (root.find("{http://www.w3.org/2000/svg}path").get("d"))
    # The drawn modules are the qrcode package's matrix.
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data("https://example.org/videos/figure-four-stretch")
    code.make(fit=True)
    dark = sum(sum(row) for row in code.get_matrix())
    runs = re.findall(r"M(\d+) (\d+)h(\d+)", root.find("{http://www.w3.org/2000/svg}path").get("d"))
    assert sum(int(w) for _, _, w in runs) == dark


# --------------------------------------------------------------------------- real programs


@pytest.mark.slow
def test_planned_program_renders_every_exercise():
    program, library = planned_program()
    page = render_html(program, library, CLINIC)
    names = {rx.name for w in program.weeks for rx in [*(r for s in w.sessions for r in s.prescriptions), *w.every_day]}
    for name in names:
        assert htmllib.escape(name, quote=True) in page or name in page


# --------------------------------------------------------------------------- golden


def _normalise(page: str) -> str:
    # The stylesheet (with its embedded fonts) is checked elsewhere; the golden file is the page.
    return re.sub(r"<style>.*?</style>", "<style>…</style>", page, flags=re.S)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("small-program.html", {}),
        ("small-program-large-print-letter.html", {"large_print": True, "paper": "letter"}),
    ],
)
def test_golden_html(name, kwargs, library, update_goldens):
    program = build_program(library, weeks=4, sessions_per_week=2, name="Jo Golden")
    page = _normalise(render_html(program, library, CLINIC, **kwargs))
    path = GOLDEN / name
    if update_goldens or not path.exists():
        path.write_text(page, encoding="utf-8")
        if not update_goldens:
            pytest.fail(f"wrote missing golden file {path}; review and commit it")
    assert page == path.read_text(encoding="utf-8"), (
        f"{name} changed; if intended, refresh with `make goldens` and review the diff"
    )


def test_a_long_plan_names_every_check_in_on_the_cover_the_chart_and_the_check_in_page():
    from rehabplan.planning.planner import plan
    from rehabplan.sources.library import load_library
    from rehabplan.sources.patients import load_patient
    from rehabplan.sources.protocols import load_protocols

    library = load_library()
    protocols = load_protocols(library)
    patient = load_patient(Path(__file__).parent / "data" / "edge" / "dgs-24wk-moderate.yaml")
    program = plan(library, protocols[patient.protocol], patient)
    assert program.reassessment_weeks == [6, 12, 18, 24]
    text = " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", render_html(program, library))).split())

    assert "Check-ins Weeks 6, 12, 18 and 24" in text  # the cover
    assert "In weeks 6, 12, 18 and 24 you check in with your clinician" in text  # the chart's caption
    assert "Your check-ins In weeks 6, 12, 18 and 24 (the first from Monday 9 February 2026)" in text
    for week in (1, 6, 12, 18, 24):  # a pain score and a column of the activity scores each
        assert f"Week {week} 0 1 2 3 4 5 6 7 8 9 10" in text
    assert "Activity Week 1 Week 6 Week 12 Week 18 Week 24 1." in text
    assert load_chart(program).count(">Check-in</text>") == 4


def test_a_long_plan_s_calendar_has_every_check_in(tmp_path):
    from rehabplan.outputs.export import program_ics
    from rehabplan.planning.planner import plan
    from rehabplan.sources.library import load_library
    from rehabplan.sources.patients import load_patient
    from rehabplan.sources.protocols import load_protocols

    library = load_library()
    patient = load_patient(Path(__file__).parent / "data" / "edge" / "dgs-24wk-moderate.yaml")
    program = plan(library, load_protocols(library)[patient.protocol], patient)
    ics = program_ics(program).decode()
    assert [int(n) for n in re.findall(r"Check-in with your clinician \(week (\d+)\)", ics)] == [6, 12, 18, 24]


def test_a_check_in_in_the_last_week_is_one_score_column_not_two(library):
    program = build_program(library, weeks=4, sessions_per_week=2)
    assert program.reassessment_week == program.weeks[-1].number == 4
    text = " ".join(re.sub(r"<[^>]+>", " ", render_html(program, library)).split())
    assert "in weeks 1 and 4." in text and "Activity Week 1 Week 4 1." in text
