"""Pagination invariants, measured on WeasyPrint's own layout boxes (render/pagination.py).

Over every built-in exercise and a clinic exercise with twice the usual text, on A4 and
Letter, in normal and large print:

* no card's dose table is on a page without a heading that names its exercise, and no dose
  table splits;
* the red-flag page never splits (and it is the last page);
* no page except the last of a section is more than 30 % blank;
* nothing overflows the page box.

The rules hold for any card height (a larger drawing, a longer translation): WeasyPrint breaks
the pages by the stylesheet's rules; nothing is estimated from character counts.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")

from conftest_render import planned_program  # noqa: E402
from rehabplan.library import load_library  # noqa: E402
from rehabplan.models import DoseKind, Program  # noqa: E402
from rehabplan.render.pagination import breaches, page_facts  # noqa: E402
from rehabplan.render.pdf import Renderer  # noqa: E402
from rehabplan.resources import data_dir  # noqa: E402

LONG_ID = "clinic-long-clamshell"


def clinic_folder_with_a_long_exercise(folder: Path) -> Path:
    """A clinic library holding the clamshell with every text twice as long."""
    source = yaml.safe_load((data_dir("exercises") / "clamshell.yaml").read_text(encoding="utf-8"))
    doubled = dict(source, id=LONG_ID, name="Clamshell, the clinic's long version")
    for key in ("starting_position",):
        doubled[key] = f"{source[key]} {source[key]}"
    for key in ("instructions", "cues", "mistakes", "precautions", "stop_if"):
        doubled[key] = [f"{item} {item}" for item in source[key]]
    doubled.pop("harder", None)
    doubled.pop("easier", None)
    (folder / "illustrations").mkdir(parents=True, exist_ok=True)
    art = data_dir("exercises") / "illustrations" / source["illustration"]["file"]
    (folder / "illustrations" / art.name).write_bytes(art.read_bytes())
    (folder / f"{LONG_ID}.yaml").write_text(yaml.safe_dump(doubled, sort_keys=False), encoding="utf-8")
    return folder


def with_every_exercise(program: Program, library) -> Program:
    """The planned sample program with every exercise of ``library`` in its sessions.

    Each exercise takes the dose of the program's own exercise of the same kind that week, so
    the dose grids, notes and deloads are the planner's.
    """
    last: dict[DoseKind, object] = {}
    weeks = []
    for week in program.weeks:
        own = [*(rx for s in week.sessions for rx in s.prescriptions), *week.every_day]
        for rx in own:
            last.setdefault(rx.kind, rx)
        by_kind = {rx.kind: rx for rx in reversed(own)} | {k: v for k, v in last.items() if k not in {r.kind for r in own}}
        added = []
        for ex_id in sorted(library.exercises):
            ex = library.exercises[ex_id]
            model = by_kind.get(ex.dosage.kind)
            if model is None:
                continue
            added.append(model.model_copy(update={"exercise": ex_id, "name": ex.name, "category": ex.category,
                                                  "slot": ex_id, "note": None}))
        sessions = [s.model_copy(update={"prescriptions": added}) for s in week.sessions]
        weeks.append(week.model_copy(update={"sessions": sessions, "every_day": []}))
    return program.model_copy(update={"weeks": weeks})


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    planned = planned_program()
    if planned is None:
        pytest.skip("the planner is not available")
    program, _ = planned
    library = load_library(clinic_folder_with_a_long_exercise(tmp_path_factory.mktemp("clinic")))
    return with_every_exercise(program, library), library


@pytest.fixture(scope="module")
def sample():
    planned = planned_program()
    if planned is None:
        pytest.skip("the planner is not available")
    return planned


def assert_well_paginated(document, label: str) -> list:
    pages = page_facts(document)
    found = breaches(pages)
    assert not found, f"{label}:\n" + "\n".join(str(b) for b in found)
    return pages


@pytest.mark.parametrize("large_print", [False, True], ids=["normal", "large-print"])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_exercise_card_paginates_by_the_rules(everything, paper, large_print):
    """Every built-in card and a card with twice the text: headings with their dose tables,
    no half-empty pages, nothing outside the page, the red-flag page whole and last."""
    program, library = everything
    document = Renderer(None, paper=paper, large_print=large_print).layout(program, library)
    pages = assert_well_paginated(document, f"{paper} large_print={large_print}")
    tables = {ex for page in pages for ex in page.dose_tables}
    assert set(library.exercises) <= tables  # every card was laid out, the long one too
    assert LONG_ID in tables


@pytest.mark.parametrize("large_print", [False, True], ids=["normal", "large-print"])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_sample_handout_paginates_by_the_rules(sample, paper, large_print):
    program, library = sample
    assert_well_paginated(Renderer(None, paper=paper, large_print=large_print).layout(program, library),
                          f"sample {paper} large_print={large_print}")


def test_a_card_that_runs_onto_the_next_page_is_named_there(everything):
    """The running header says which card a page continues ("Clamshell (continued)")."""
    program, library = everything
    data = Renderer(None).pdf_bytes(program, library)
    texts = [re.sub(r"\s+", " ", p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(data)).pages]
    continued = [m.group(1) for t in texts for m in [re.search(r"· ([^·]+?) \(continued\)", t)] if m]
    assert continued, "no card runs over a page in a 28-card handout?"
    names = {ex.name for ex in library.exercises.values()}
    assert set(continued) <= names
    for i, text in enumerate(texts):
        for m in re.finditer(r"· ([^·]+?) \(continued\)", text):
            name = m.group(1)
            # The card began on an earlier page and its dose block is on this page or later.
            dose_page = next(j for j, t in enumerate(texts) if f"How much to do: {name} (week" in t)
            assert dose_page >= i, (name, i)


def test_no_character_count_estimator_is_left():
    from rehabplan.render import html

    assert not hasattr(html.Card, "estimated_lines") and not hasattr(html.Card, "section_lines")
