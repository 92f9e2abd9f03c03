"""Speed policies that must not change behaviour: what a render does to the
process's garbage collector."""

from __future__ import annotations

import gc

import pytest

from rehabplan.render.pdf import Renderer


@pytest.mark.slow
def test_a_render_pauses_automatic_collection_and_restores_it(example_program, library):
    """Renders run without automatic collections (~10 % of their CPU) and leave the collector
    as they found it: on for ordinary callers, off for a caller (a bulk worker) that turned it off."""
    renderer = Renderer(None)
    seen = []
    original = renderer._document

    def spy(*args):
        seen.append(gc.isenabled())
        return original(*args)

    renderer._document = spy
    assert gc.isenabled()
    renderer.pdf_bytes(example_program, library)
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        renderer.pdf_bytes(example_program, library)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_bulk_drops_the_planners_cache_between_handouts(library, protocols, example_patient):
    """A bulk worker plans one patient a handout; the planner's cache of materialised
    prescriptions (library.planned) would otherwise grow by ~7 MiB a hundred patients."""
    import copy

    from rehabplan.bulk.run import _forget_plans
    from rehabplan.planning.planner import plan

    own = copy.copy(library)
    own.planned = {}
    first = plan(own, protocols[example_patient.protocol], example_patient)
    assert own.planned
    _forget_plans(own)
    assert own.planned == {}
    assert plan(own, protocols[example_patient.protocol], example_patient) == first
