"""Speed policies that must not change behaviour (issue 10): what a render does to the
process's garbage collector."""

from __future__ import annotations

import gc

from rehabplan.render.pdf import Renderer


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
