"""Pagination invariants, measured on WeasyPrint's own layout boxes (tests/support/pagination.py).

Over every built-in exercise and a clinic exercise with twice the usual text, on A4 and
Letter, in normal and large print, and over the sample handout:

* no card's dose table is on a page without a heading that names its exercise, and no dose
  table splits; a card's picture is on the page of its heading;
* the warning signs come straight after the cover, and neither of their boxes splits;
* no page except the last of a section is more than 30 % blank, and no page but the handout's
  last more than half blank (the last at least 15 % used);
* nothing overflows the page box.

The rules hold for any card height (a larger drawing, a longer translation): WeasyPrint breaks
the pages by the stylesheet's rules; nothing is estimated from character counts. Each
configuration is laid out once (module fixtures) and every rule is checked on that layout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest_render import planned_program
from support.layout_rules import paper_breaches
from support.pagination import breaches, page_facts

from rehabplan.models import DoseKind, Program
from rehabplan.render.pdf import Renderer
from rehabplan.resources import data_dir
from rehabplan.sources.library import load_library

# Every configuration is a whole handout laid out by WeasyPrint: seconds each.
pytestmark = pytest.mark.slow

LONG_ID = "clinic-long-clamshell"
CONFIGS = [("a4", False), ("a4", True), ("letter", False), ("letter", True)]
IDS = ["a4", "a4-large-print", "letter", "letter-large-print"]


def clinic_folder_with_a_long_exercise(folder: Path) -> Path:
    """A clinic library holding the clamshell with every text twice as long."""
    source = yaml.safe_load((data_dir("exercises") / "clamshell.yaml").read_text(encoding="utf-8"))
    doubled = dict(source, id=LONG_ID, name="Clamshell, the clinic's long version")
    doubled["starting_position"] = f"{source['starting_position']} {source['starting_position']}"
    for key in ("instructions", "cues", "mistakes", "precautions", "stop_if"):
        doubled[key] = [f"{item} {item}" for item in source[key]]
    for key in ("harder", "easier", "aliases"):
        doubled.pop(key, None)
    art = data_dir("exercises") / "illustrations" / source["illustration"]["file"]
    (folder / "illustrations").mkdir(parents=True, exist_ok=True)
    (folder / "illustrations" / art.name).write_bytes(art.read_bytes())
    (folder / f"{LONG_ID}.yaml").write_text(yaml.safe_dump(doubled, sort_keys=False), encoding="utf-8")
    return folder


def with_every_exercise(program: Program, library) -> Program:
    """The planned sample program with every exercise of ``library`` in its sessions.

    Each exercise takes the dose of the program's own exercise of the same kind that week, so
    the dose grids, notes and deloads are the planner's. The exercises are dealt out over the
    week's sessions (a third each), so the log stays a realistic length.
    """
    last: dict[DoseKind, object] = {}
    weeks = []
    for week in program.weeks:
        own = [*(rx for s in week.sessions for rx in s.prescriptions), *week.every_day]
        for rx in own:
            last.setdefault(rx.kind, rx)
        by_kind = {rx.kind: rx for rx in reversed(own)}
        by_kind = {**last, **by_kind}
        added = []
        for ex_id in sorted(library.exercises):
            ex = library.exercises[ex_id]
            model = by_kind.get(ex.dosage.kind)
            if model is None:
                continue
            update = {"exercise": ex_id, "name": ex.name, "category": ex.category, "slot": ex_id, "note": None}
            added.append(model.model_copy(update=update))
        n = len(week.sessions)
        sessions = [s.model_copy(update={"prescriptions": added[i::n]}) for i, s in enumerate(week.sessions)]
        weeks.append(week.model_copy(update={"sessions": sessions, "every_day": []}))
    return program.model_copy(update={"weeks": weeks})


@pytest.fixture(scope="module")
def sample():
    return planned_program()


@pytest.fixture(scope="module")
def everything(sample, tmp_path_factory):
    program, _ = sample
    library = load_library(clinic_folder_with_a_long_exercise(tmp_path_factory.mktemp("clinic")))
    return with_every_exercise(program, library), library


@pytest.fixture(scope="module")
def every_card_layouts(everything):
    """Every card, laid out once per configuration: {(paper, large print): [PageFacts]}."""
    program, library = everything
    return {
        (paper, large): page_facts(Renderer(None, paper=paper, large_print=large).layout(program, library))
        for paper, large in CONFIGS
    }


def assert_well_paginated(pages, label: str) -> None:
    found = breaches(pages)
    assert not found, f"{label}:\n" + "\n".join(str(b) for b in found)


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_every_exercise_card_paginates_by_the_rules(every_card_layouts, everything, config):
    """Every built-in card and a card with twice the text: headings with their dose tables and
    pictures, no page more than 30 % blank within a section or half blank anywhere but at the
    end, nothing outside the page, the warning signs straight after the cover."""
    _, library = everything
    pages = every_card_layouts[config]
    assert_well_paginated(pages, f"every card, {config}")
    tables = {ex for page in pages for ex in page.dose_tables}
    assert set(library.exercises) <= tables  # every card was laid out, the long one too
    assert LONG_ID in tables


@pytest.mark.parametrize("config", CONFIGS, ids=IDS)
def test_sample_handout_paginates_by_the_rules(sample, config):
    program, library = sample
    paper, large = config
    document = Renderer(None, paper=paper, large_print=large).layout(program, library)
    assert_well_paginated(page_facts(document), f"sample {config}")
    # The writing parts: log rows and tick boxes never wrap, write-in boxes at least 8 mm, the
    # check-in table with its instructions.
    found = paper_breaches(document)
    assert not found, f"sample {config}:\n" + "\n".join(found)


def test_a_card_or_week_that_runs_onto_the_next_page_is_named_in_its_header(every_card_layouts, everything):
    """The running header names what a page continues ("Clamshell (continued)", "Week 3
    (continued)") and nothing else: a page that opens with a card's heading names no card."""
    _, library = everything
    names = {ex.name for ex in library.exercises.values()}
    for config, pages in every_card_layouts.items():
        continued = [p.header.split(" · ", 1)[1] for p in pages if " · " in p.header]
        assert continued, f"{config}: no card runs over a page in a {len(names)}-card handout?"
        for text in continued:
            assert text.endswith(" (continued)"), (config, text)
            what = text.removesuffix(" (continued)")
            assert what in names or what.startswith("Week "), (config, text)
        for page in pages:
            if " · " in page.header and page.header.endswith(" (continued)"):
                name = page.header.split(" · ", 1)[1].removesuffix(" (continued)")
                card = next((ex.id for ex in library.exercises.values() if ex.name == name), None)
                # The card began on an earlier page: its picture is not on this one.
                assert card is None or card not in page.pictures, (config, page.number, name)


def test_the_pictures_grow_back_on_flowing_cards(everything):
    """Cards flow, so no drawing shrinks to keep a card to one page (long cards once had
    19-26 mm frames): every frame is at least 30 mm tall, or 80 mm wide when the figure lies
    down, in both print sizes, and twice the text leaves the picture as it is."""
    from rehabplan.render.html import HtmlBuilder

    program, library = everything
    for large in (False, True):
        cards = HtmlBuilder(large_print=large).cards(program, library)
        for card in cards:
            for frame in card.frames:
                assert card.figure_mm >= 30.0 or card.figure_mm * frame.aspect >= 80.0, (large, card.exercise.id)
        long_card = next(card for card in cards if card.exercise.id == LONG_ID)
        plain = next(card for card in cards if card.exercise.id == "clamshell")
        assert long_card.figure_mm == plain.figure_mm


def test_no_character_count_estimator_is_left():
    from rehabplan.render import html, view

    for gone in ("estimated_lines", "section_lines", "split", "density", "figure_lines"):
        assert not hasattr(view.Card, gone), gone
    assert not hasattr(html.HtmlBuilder, "_PAGE_LINES")


# Edge patients, each in the editions a clinic would give them: an older patient on 24 weeks in
# large print, five 15-minute sessions a week, a bilateral patient. (patient fields, edition,
# large print, paper)
EDGES = {
    "older-24-weeks-large-print": (
        {"age_band": "older", "weeks": 24, "irritability": "high", "protocol": "lumbar-radicular-sciatica", "side": "left"},
        "full",
        True,
        "a4",
    ),
    "older-24-weeks-compact-large-print-letter": (
        {"age_band": "older", "weeks": 24, "irritability": "high", "protocol": "lumbar-radicular-sciatica", "side": "left"},
        "compact",
        True,
        "letter",
    ),
    "five-15-minute-sessions-compact": (
        {"sessions_per_week": 5, "minutes": 15, "protocol": "upper-hamstring-glute-sciatica", "irritability": "low"},
        "compact",
        False,
        "a4",
    ),
    "five-15-minute-sessions-large-print-letter": (
        {"sessions_per_week": 5, "minutes": 15, "protocol": "upper-hamstring-glute-sciatica", "irritability": "low"},
        "full",
        True,
        "letter",
    ),
    "bilateral-full-letter": ({"side": "both", "equipment": ["band", "weight"]}, "full", False, "letter"),
    # A full-edition page once ended 31 % blank before a dose table for this patient on Letter.
    "older-24-weeks-full-letter": (
        {"age_band": "older", "weeks": 24, "irritability": "high", "protocol": "lumbar-radicular-sciatica", "side": "left"},
        "full",
        False,
        "letter",
    ),
    # A real five-session log (the lumbar plan keeps five days a week: strength and short days):
    # five cells a week in the compact table, the every-day boxes on a row of their own.
    "five-15-minute-lumbar-sessions-compact": (
        {"sessions_per_week": 5, "minutes": 15, "protocol": "lumbar-radicular-sciatica", "irritability": "low"},
        "compact",
        False,
        "a4",
    ),
    "five-15-minute-lumbar-sessions-compact-large-print-letter": (
        {"sessions_per_week": 5, "minutes": 15, "protocol": "lumbar-radicular-sciatica", "irritability": "low"},
        "compact",
        True,
        "letter",
    ),
    "bilateral-screened-lumbar-compact-letter": (
        {"side": "both", "bilateral_screened": True, "protocol": "lumbar-radicular-sciatica", "equipment": ["band", "weight"]},
        "compact",
        False,
        "letter",
    ),
}


@pytest.mark.parametrize("edge", list(EDGES), ids=list(EDGES))
def test_edge_patients_paginate_and_keep_their_writing_parts_whole(edge):
    """The page rules, and the writing parts' rules (log rows and tick boxes never wrap, write-in
    boxes at least 8 mm, the check-in table with its instructions), for patients unlike the
    sample."""
    from rehabplan.planning.planner import plan
    from rehabplan.sources.protocols import load_protocols

    planned = planned_program()
    if planned is None:
        pytest.skip("the planner is not available")
    fields, edition, large, paper = EDGES[edge]
    program, library = planned
    patient = type(program.patient).model_validate({**program.patient.model_dump(), **fields})
    program = plan(library, load_protocols(library)[patient.protocol], patient)
    if "lumbar-sessions" in edge:
        assert max(len(w.sessions) for w in program.weeks) == 5  # a real five-session log
    document = Renderer(None, paper=paper, large_print=large, edition=edition).layout(program, library)
    assert_well_paginated(page_facts(document), edge)
    found = paper_breaches(document)
    assert not found, f"{edge}:\n" + "\n".join(found)
