"""How fast is the handout renderer?

    python benchmarks/render.py [--repeat 5] [--paper a4|letter] [--large-print] [--patient FILE]

Prints, for the sample 12-week handout (examples/patient.yaml through the planner):

* warm seconds per handout and per page: one ``Renderer`` reused, as the bulk builder does
  (Jinja environment, fonts and stylesheets set up once; the first render is not counted);
* the time to set a Renderer up and make its first PDF in this process;
* cold ``rehabplan build`` in a fresh process (imports, planning, WeasyPrint start-up, write),
  when the command is installed.

The aim is about 0.1 s a page warm (the issue's budget). Numbers depend on the machine; the
README quotes them with the machine they came from.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sample_program(patient_file: Path):
    from rehabplan.planning.planner import plan
    from rehabplan.sources.library import load_library
    from rehabplan.sources.patients import load_patient
    from rehabplan.sources.protocols import load_protocols

    library = load_library()
    protocols = load_protocols(library)
    patient = load_patient(patient_file)
    return plan(library, protocols[patient.protocol], patient), library


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm renders to time (default 5)")
    parser.add_argument("--paper", choices=("a4", "letter"), default="a4")
    parser.add_argument("--large-print", action="store_true")
    parser.add_argument("--patient", type=Path, default=ROOT / "examples" / "patient.yaml")
    args = parser.parse_args()

    program, library = sample_program(args.patient)

    from rehabplan.render.pdf import Renderer

    t0 = time.perf_counter()
    renderer = Renderer(None, paper=args.paper, large_print=args.large_print)
    first = renderer.pdf(program, library)
    setup_and_first = time.perf_counter() - t0
    pages = first[1]

    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        data = renderer.pdf_bytes(program, library)
        times.append(time.perf_counter() - t)
        assert data == first[0], "renders differ: the PDF is not reproducible"
    warm = statistics.median(times)

    t = time.perf_counter()
    html_runs = 20
    for _ in range(html_runs):
        renderer.html(program, library)
    html_each = (time.perf_counter() - t) / html_runs

    print(f"machine: {platform.machine()} {platform.processor() or ''} Python {platform.python_version()}".rstrip())
    print(
        f"handout: {args.patient.name}, {len(program.weeks)} weeks, {pages} pages, paper {args.paper}"
        f"{', large print' if args.large_print else ''}, {len(first[0]) // 1024} KiB"
    )
    print(f"warm:    {warm:.2f} s per handout, {warm / pages:.3f} s per page (median of {args.repeat}; min {min(times):.2f} s)")
    print(f"first:   {setup_and_first:.2f} s to set up a Renderer and make its first PDF")
    print(f"html:    {html_each * 1000:.1f} ms per browser preview (no layout)")

    exe = shutil.which("rehabplan") or (Path(sys.executable).parent / "rehabplan")
    if Path(exe).exists():
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "handout.pdf"
            cmd = [str(exe), "build", str(args.patient), "-o", str(out), "--paper", args.paper]
            if args.large_print:
                cmd.append("--large-print")
            t = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            cold = time.perf_counter() - t
            if done.returncode == 0 and out.exists():
                print(f"cold:    {cold:.2f} s for `rehabplan build` in a fresh process")
            else:
                print(f"cold:    `rehabplan build` failed (exit {done.returncode}): {done.stderr.strip()[:300]}")
    else:
        print("cold:    `rehabplan` is not installed here; skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
