"""Speed policies that must not change behaviour: a render called as a library leaves the
host's garbage collector alone, and a bulk worker stays small."""

from __future__ import annotations

import csv
import gc

import pytest

from rehabplan.render.pdf import Renderer

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them


def test_a_render_called_as_a_library_leaves_the_hosts_collector_alone(example_program, library):
    """Renderer.pdf in a host program: automatic collections go on during the render (the host
    owns its collector) and the collector is as the host left it afterwards, on or off."""
    renderer = Renderer(None)
    collections = []

    def seen(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        assert gc.isenabled()
        renderer.pdf_bytes(example_program, library)
        assert collections and gc.isenabled()
        gc.disable()
        collections.clear()
        renderer.pdf_bytes(example_program, library)
        assert collections == [] and not gc.isenabled()
    finally:
        gc.enable()
        gc.callbacks.remove(seen)
        renderer.close()


def test_bulk_build_called_from_a_host_keeps_what_the_host_froze(tmp_path):
    """A host (a notebook, Dask, Ray) that froze its own objects finds them still frozen after
    bulk_build, and its collector still on."""
    from rehabplan.bulk.run import bulk_build

    path = tmp_path / "roster.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "protocol", "start_date", "side", "equipment", "minutes", "weeks"])
        w.writerow(["A1", "One", "deep-gluteal-syndrome", "2026-01-05", "right", "band", "40", "4"])
    host_objects = [[i] for i in range(10_000)]
    gc.freeze()
    try:
        report = bulk_build(path, tmp_path / "out", jobs=1, formats=("json",))
        assert report.built == 1, report.outcomes
        # Still frozen: at least the host's own objects (an unfreeze would leave none; the
        # count may drop a little as frozen objects the run frees, caches say, go).
        assert gc.get_freeze_count() >= len(host_objects) and gc.isenabled()
    finally:
        gc.unfreeze()
    del host_objects


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
