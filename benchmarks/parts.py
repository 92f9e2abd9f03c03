"""What each part of the handout costs a warm render: the whole handout against the same HTML with
one part left out, alternating in one process.

    python benchmarks/parts.py [--patient FILE] [--rounds N] [--only NAME,NAME]

Parts: every ``<section>`` of the handout (cover, red flags, how to use, ..., log, check-in), and
inside the log its weekly warning-sign boxes, its session lines and its form fields. Each
variant is rendered and written as a PDF with the same renderer (fonts, stylesheets and image
cache set up once, as a bulk worker has them); automatic garbage collection is off and every
render is followed by a collection, timed with it (as in a bulk worker). Prints CPU seconds,
median of ``--rounds`` (default 5), and what leaving the part out saves.

A part left out changes the pages after it, so the savings do not add up exactly; they say
where to look, and a change is then measured on its own (the same way: two variants,
alternating, median of 5-9 rounds).
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def variants(html: str) -> dict[str, str]:
    out = {"whole handout": html}
    for match in re.finditer(r'<section class="([^"]*)"[^>]*>.*?</section>', html, re.S):
        name = match.group(1).replace("page ", "").split()[0]
        out[f"without {name}"] = html[: match.start()] + html[match.end() :]
    log = re.search(r'<section class="log".*?</section>', html, re.S)
    if log:
        a, b = log.span()

        def in_log(pattern: str, repl: str = "") -> str:
            return html[:a] + re.sub(pattern, repl, html[a:b], flags=re.S) + html[b:]

        out["log without its warning-sign boxes"] = in_log(r'<div class="log-flags".*?</div>')
        out["log without its session lines"] = in_log(r'<p class="log-row[^"]*".*?</p>')
        out["log without its form fields"] = in_log(r"<input[^>]*>")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patient", type=Path, default=ROOT / "examples" / "patient.yaml")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated variant names (default: all)")
    args = parser.parse_args()

    from rehabplan.planning.planner import plan
    from rehabplan.render.html import builtin_templates
    from rehabplan.render.pdf import PDF_VARIANT, Renderer, _DocumentCache
    from rehabplan.sources.library import load_library
    from rehabplan.sources.patients import load_patient
    from rehabplan.sources.protocols import load_protocols

    library = load_library()
    protocols = load_protocols(library)
    patient = load_patient(args.patient)
    program = plan(library, protocols[patient.protocol], patient)
    renderer = Renderer(None)
    html = renderer.builder.render(program, library, preview=False)
    fetcher = renderer._fetcher(library)
    font_config, sheets, shared = renderer._setup(fetcher)
    base = builtin_templates().as_uri() + "/"
    docs = variants(html)
    if args.only:
        wanted = ["whole handout", *(n.strip() for n in args.only.split(",") if n.strip())]
        docs = {name: docs[name] for name in wanted if name in docs}

    def render(text: str) -> int:
        document = renderer._html(text, base, fetcher).render(
            font_config=font_config, stylesheets=sheets, cache=_DocumentCache(shared), pdf_variant=PDF_VARIANT, pdf_tags=True
        )
        document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True, pdf_identifier=False)
        return len(document.pages)

    gc.disable()
    pages = {name: render(text) for name, text in docs.items()}  # the first render of each sets caches up
    gc.collect()
    gc.freeze()
    spent: dict[str, list[float]] = {name: [] for name in docs}
    names = list(docs)
    for i in range(args.rounds):
        for name in names if i % 2 == 0 else reversed(names):
            t = time.process_time()
            render(docs[name])
            gc.collect()
            spent[name].append(time.process_time() - t)
    whole = statistics.median(spent["whole handout"])
    print(f"{args.patient.name}: CPU seconds, median of {args.rounds} alternating rounds")
    for name in names:
        median = statistics.median(spent[name])
        saves = "" if name == "whole handout" else f"  saves {whole - median:+.3f} s ({(whole - median) / whole:+.0%})"
        print(f"  {name:40s} {median:.3f} s  {pages[name]:2d} pages{saves}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
