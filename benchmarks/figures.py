"""How long does drawing the exercise pictures take?

    python benchmarks/figures.py [--repeat 20]

Prints, for the built-in library:

* milliseconds to draw every exercise's frames and alt text once (SVG, both sides), cold and
  warm, and the slowest single exercise;
* for comparison, the seconds WeasyPrint takes to lay out the sample handout's PDF, whose
  drawings are a small part of it (the issue: drawing the pictures of a handout must cost
  much less than the PDF layout).

The drawing is pure Python (no WeasyPrint import); a renderer draws each exercise once per side
and reuses it for every handout of a roster.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF comparison")
    args = parser.parse_args()

    from rehabplan.figures import picture
    from rehabplan.sources.library import load_library

    library = load_library()
    drawn = [ex for ex in library.exercises.values() if ex.figure is not None]
    start = time.perf_counter()
    for ex in drawn:
        picture(ex.figure)
    cold = time.perf_counter() - start

    runs, slowest = [], {}
    for _ in range(args.repeat):
        start = time.perf_counter()
        for ex in drawn:
            t = time.perf_counter()
            picture(ex.figure)
            picture(ex.figure, mirror=True)
            slowest[ex.id] = max(slowest.get(ex.id, 0.0), time.perf_counter() - t)
        runs.append(time.perf_counter() - start)
    frames = sum(len(ex.figure.frames) for ex in drawn)
    worst = max(slowest, key=slowest.get)
    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}")
    print(f"exercises drawn from pose data: {len(drawn)} ({frames} frames)")
    print(f"first draw of all, right side:   {cold * 1000:7.1f} ms")
    print(
        f"all, both sides (median of {args.repeat}): {statistics.median(runs) * 1000:7.1f} ms "
        f"= {statistics.median(runs) * 1000 / (2 * frames):.2f} ms a frame"
    )
    print(f"slowest exercise (both sides):    {slowest[worst] * 1000:7.1f} ms ({worst})")

    if not args.no_pdf:
        from rehabplan.planning.planner import plan
        from rehabplan.render.pdf import Renderer
        from rehabplan.sources.patients import load_patient
        from rehabplan.sources.protocols import load_protocols

        patient = load_patient(ROOT / "examples" / "patient.yaml")
        program = plan(library, load_protocols(library)[patient.protocol], patient)
        renderer = Renderer()
        renderer.pdf_bytes(program, library)  # warm: fonts, stylesheets, the drawings' cache
        start = time.perf_counter()
        renderer.pdf_bytes(program, library)
        pdf = time.perf_counter() - start
        ids = {rx.exercise for w in program.weeks for s in w.sessions for rx in s.prescriptions}
        ids |= {rx.exercise for w in program.weeks for rx in w.every_day}
        start = time.perf_counter()
        for ex_id in ids:
            if library[ex_id].figure is not None:
                picture(library[ex_id].figure)
        handout = time.perf_counter() - start
        print(f"sample handout: drawing its {len(ids)} exercises {handout * 1000:.1f} ms, PDF layout (warm) {pdf:.2f} s")


if __name__ == "__main__":
    main()
