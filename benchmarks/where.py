"""Where a handout's time goes, by stage, in one fresh process (no profiler overhead).

    python benchmarks/where.py [--patient FILE] [--warm N]

Times, for the sample patient: importing rehabplan's CLI and WeasyPrint, reading the library
and protocols, planning, the handout HTML, WeasyPrint's stylesheet set-up, layout, painting
(of which the pose-figure SVGs), the PDF structure tags and the PDF file writing (pydyf,
compression). The first render is the cold one (what `rehabplan build` pays); then ``--warm``
renders with the same Renderer (what a bulk worker pays per handout).

Painting, tags and writing are measured by wrapping WeasyPrint's own functions with a timer;
the wrappers add a few microseconds a call. Every render runs as the ``rehabplan`` command and a
bulk worker run it (no automatic garbage collection, render/weasy's speed-ups as
``REHABPLAN_SPEEDUPS`` says), and a warm render is followed, as in a bulk worker, by the collection of its garbage (WeasyPrint's
boxes and styles form cycles: ~200,000 objects a handout), timed on its own line. With automatic
collection left on, full collections land in whichever stage runs (earlier versions of this
script showed the PDF/UA tags at 0.5 s warm against 0.08 s cold: collections, not tags).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPENT: dict[str, float] = defaultdict(float)


def timed(owner, name: str, label: str) -> None:
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SPENT[label] += time.perf_counter() - t

    setattr(owner, name, wrapper)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patient", type=Path, default=ROOT / "examples" / "patient.yaml")
    parser.add_argument("--warm", type=int, default=3, help="warm renders after the first (default 3)")
    args = parser.parse_args()
    rows: list[tuple[str, float]] = []

    def stage(label: str, t: float) -> float:
        now = time.perf_counter()
        rows.append((label, now - t))
        return now

    import gc

    gc.disable()  # as in the rehabplan command's process and in a bulk worker
    t = time.perf_counter()
    import rehabplan.cli.commands  # noqa: F401

    t = stage("import rehabplan.cli.commands", t)
    from rehabplan.render.weasy import prepare_weasyprint

    prepare_weasyprint()  # as rehabplan does before it imports WeasyPrint
    import weasyprint  # noqa: F401

    t = stage("import weasyprint", t)
    import pydyf
    import weasyprint.document
    import weasyprint.pdf
    import weasyprint.pdf.tags
    import weasyprint.svg

    timed(weasyprint.svg.SVG, "draw", "  of which pose-figure SVG drawing")
    timed(weasyprint.document.Page, "paint", "paint (drawing operators)")
    timed(weasyprint.pdf.tags, "add_tags", "PDF/UA structure tags")
    timed(weasyprint.pdf, "add_tags", "PDF/UA structure tags")
    timed(pydyf.PDF, "write", "write the PDF file (pydyf, zlib)")

    from rehabplan.planning.planner import plan
    from rehabplan.render.pdf import Renderer
    from rehabplan.sources.library import load_library
    from rehabplan.sources.patients import load_patient
    from rehabplan.sources.protocols import load_protocols

    t = stage("import planner, renderer", t)
    library = load_library()
    t = stage("read and validate the library", t)
    protocols = load_protocols(library)
    t = stage("read the protocols", t)
    patient = load_patient(args.patient)
    program = plan(library, protocols[patient.protocol], patient)
    t = stage("read the patient, plan", t)
    renderer = Renderer(None)
    renderer.builder.render(program, library, preview=False)
    t = stage("handout HTML (templates, figures)", t)
    renderer._setup(renderer._fetcher(library))
    t = stage("stylesheets and fonts set up", t)
    document, _ = renderer._document(program, library)
    t = stage("layout (WeasyPrint render)", t)
    SPENT.clear()
    from rehabplan.render.pdf import PDF_VARIANT

    data = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True, pdf_identifier=False)
    total_write = time.perf_counter() - t
    t = stage("write_pdf", t)
    rows.pop()
    for label in (
        "paint (drawing operators)",
        "  of which pose-figure SVG drawing",
        "PDF/UA structure tags",
        "write the PDF file (pydyf, zlib)",
    ):
        rows.append((label, SPENT[label]))
    rows.append(
        ("rest of write_pdf (fonts, links, metadata)", total_write - sum(SPENT[k] for k in SPENT if not k.startswith(" ")))
    )
    cold = sum(s for label, s in rows if not label.startswith(" "))
    pages = len(document.pages)
    print(f"cold, in-process: {cold:.2f} s, {pages} pages, {len(data) // 1024} KiB")
    for label, seconds in rows:
        print(f"  {label:45s} {seconds * 1000:7.0f} ms")

    if args.warm:
        del document
        gc.collect()
        gc.freeze()  # what the process holds for good, as a bulk worker freezes it
        warm_rows: dict[str, float] = defaultdict(float)
        collected = 0.0
        for _ in range(args.warm):
            SPENT.clear()
            t = time.perf_counter()
            renderer.builder.render(program, library, preview=False)
            t = time.perf_counter() - t
            warm_rows["handout HTML (templates, figures)"] += t
            t = time.perf_counter()
            document, _ = renderer._document(program, library)
            warm_rows["layout (incl. HTML again)"] += time.perf_counter() - t
            t = time.perf_counter()
            document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True, pdf_identifier=False)
            total_write = time.perf_counter() - t
            del document
            t = time.perf_counter()
            gc.collect()
            collected += time.perf_counter() - t
            for k, v in SPENT.items():
                warm_rows[k] += v
            warm_rows["rest of write_pdf"] += total_write - sum(v for k, v in SPENT.items() if not k.startswith(" "))
        warm_rows["garbage collection after it (as in bulk)"] = collected
        total = sum(v for k, v in warm_rows.items() if not k.startswith(" ") and not k.startswith("handout"))
        print(f"warm, mean of {args.warm}: {total / args.warm:.2f} s a handout ({pages / (total / args.warm):.1f} pages/s)")
        for label, seconds in warm_rows.items():
            print(f"  {label:45s} {seconds / args.warm * 1000:7.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
