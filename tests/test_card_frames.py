"""Every built-in exercise's picture on its handout card, in the full and the compact edition,
in normal and large print: no frame is drawn less than FRAME_MIN_MM tall, and only frames wider
than tall are stacked one above the other. Read from the built HTML (the <img> sizes), so the
template and the view model agree."""

from __future__ import annotations

import re

import pytest
from conftest_render import planned_program
from test_pagination import with_every_exercise

from rehabplan.render.html import HtmlBuilder
from rehabplan.render.view import FRAME_MIN_MM

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them

CONFIGS = [(edition, large) for edition in ("full", "compact") for large in (False, True)]
IMG = re.compile(r'<img src="data:[^"]*" alt="[^"]*" style="width: ([\d.]+)mm; height: ([\d.]+)mm">')


@pytest.fixture(scope="module")
def everything():
    program, library = planned_program()
    return with_every_exercise(program, library), library


@pytest.mark.parametrize(("edition", "large"), CONFIGS)
def test_no_frame_is_drawn_too_small(everything, edition, large):
    program, library = everything
    builder = HtmlBuilder(edition=edition, large_print=large)
    cards = builder.cards(program, library)
    drawn = [card for card in cards if card.frames]
    assert len(drawn) >= 40, "every built-in exercise has a drawn picture"
    for card in drawn:
        assert card.figure_mm >= FRAME_MIN_MM, (edition, large, card.exercise.id, card.figure_mm)
        if card.figure_stacked:
            assert all(f.aspect > 1.0 for f in card.frames), (edition, large, card.exercise.id)
    sizes = [(float(w), float(h)) for w, h in IMG.findall(builder.render(program, library))]
    assert len(sizes) >= sum(len(card.frames) for card in drawn)
    for width, height in sizes:
        assert height >= FRAME_MIN_MM, (edition, large, width, height)


def test_wide_frames_too_small_side_by_side_go_one_above_the_other(everything):
    """Three wide frames across a card would be under the least height side by side: they stack."""
    import dataclasses

    program, library = everything
    card = next(c for c in HtmlBuilder().cards(program, library) if c.exercise.id == "glute-bridge")
    wide = dataclasses.replace(card.frames[0], aspect=3.0)
    card = dataclasses.replace(card, frames=[wide, wide, wide], figure_mm=0.0, figure_stacked=False, qr=None)
    card.fit_figure(178.0, 42.0, 38.0)
    assert card.figure_stacked and not card.figure_beside
    assert card.figure_mm >= FRAME_MIN_MM
    narrow = dataclasses.replace(card.frames[0], aspect=0.6)
    card = dataclasses.replace(card, frames=[narrow] * 3, figure_mm=0.0, figure_stacked=False)
    card.fit_figure(178.0, 34.0, 30.0, 28.0)
    assert not card.figure_stacked and card.figure_mm >= FRAME_MIN_MM
