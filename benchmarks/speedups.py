"""What each of render/weasy's speed-ups saves, measured alternating in one run.

    python benchmarks/speedups.py [--rounds 5] [--patient FILE] [--markdown]

For each speed-up, renders of the sample handout run in turn with every speed-up on and with
every speed-up but that one (``REHABPLAN_SPEEDUPS``), so a change in the machine's load falls on
both alike:

* warm: one ``Renderer`` reused in this process (what a bulk worker pays a handout), CPU
  seconds of ``Renderer.pdf`` with automatic garbage collection off and a collection after each
  render (as a bulk worker runs it);
* cold: ``rehabplan build`` in a fresh process (what one handout costs at the command line),
  the process's CPU seconds.

A speed-up is worth keeping when it saves more than 5 % of either (the median of the rounds).
``--markdown`` prints the table docs/performance.md shows.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = "REHABPLAN_SPEEDUPS"
COLD_ONLY = {"cdefs", "fonttools"}  # act while WeasyPrint is imported: nothing to measure warm


def _all_but(name: str) -> str:
    from rehabplan.render.weasy import SPEEDUPS

    return ",".join(n for n in SPEEDUPS if n != name) or "none"


def warm(names: tuple[str, ...], patient: Path, rounds: int) -> dict[str, tuple[float, float]]:
    """speed-up -> (median CPU s of a render with all on, with all but it)."""
    from rehabplan.planning.planner import plan
    from rehabplan.render.pdf import Renderer
    from rehabplan.sources.library import load_library
    from rehabplan.sources.patients import load_patient
    from rehabplan.sources.protocols import load_protocols

    library = load_library()
    patient_ = load_patient(patient)
    program = plan(library, load_protocols(library)[patient_.protocol], patient_)
    renderer = Renderer(None)
    gc.disable()
    renderer.pdf(program, library)  # set-up and the first render are not counted
    gc.collect()
    times: dict[str, dict[str, list[float]]] = {n: {"on": [], "off": []} for n in names}
    for _ in range(rounds):
        for name in names:
            for mode, value in (("on", "1"), ("off", _all_but(name))):
                os.environ[ENV] = value
                c = time.process_time()
                renderer.pdf(program, library)
                times[name][mode].append(time.process_time() - c)
                gc.collect()
    os.environ.pop(ENV, None)
    gc.enable()
    return {n: (statistics.median(t["on"]), statistics.median(t["off"])) for n, t in times.items()}


def cold(names: tuple[str, ...], patient: Path, rounds: int) -> dict[str, tuple[float, float]]:
    """speed-up -> (median CPU s of `rehabplan build` with all on, with all but it)."""
    exe = Path(sys.executable).with_name("rehabplan")
    times: dict[str, dict[str, list[float]]] = {n: {"on": [], "off": []} for n in names}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "h.pdf"
        for _ in range(rounds):
            for name in names:
                for mode, value in (("on", "1"), ("off", _all_but(name))):
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    subprocess.run(
                        [str(exe), "build", str(patient), "-o", str(out), "--force"],
                        check=True,
                        capture_output=True,
                        env=os.environ | {ENV: value},
                    )
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                    times[name][mode].append(cpu)
    return {n: (statistics.median(t["on"]), statistics.median(t["off"])) for n, t in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--patient", type=Path, default=ROOT / "examples" / "patient.yaml")
    parser.add_argument("--markdown", action="store_true", help="print docs/performance.md's table")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="measure only these speed-ups")
    parser.add_argument("--skip", choices=("warm", "cold"), help="leave out the warm or the cold measurement")
    args = parser.parse_args()
    from rehabplan.render.weasy import SPEEDUPS

    measured = tuple(args.only or SPEEDUPS)

    load = os.getloadavg()[0]
    w = {} if args.skip == "warm" else warm(tuple(n for n in measured if n not in COLD_ONLY), args.patient, args.rounds)
    c = {} if args.skip == "cold" else cold(measured, args.patient, args.rounds)
    load = max(load, os.getloadavg()[0])
    print(
        f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores, load up to {load:.1f}, "
        f"median of {args.rounds} alternating rounds, CPU seconds"
    )
    if args.markdown:
        print("| speed-up | warm render: all on | without it | saves | cold build: all on | without it | saves |")
        print("|---|---|---|---|---|---|---|")
    for name in measured:
        (won, woff), (con, coff) = w.get(name, (None, None)), c.get(name, (None, None))
        cells = (
            f"{won:.2f} s" if won is not None else "-",
            f"{woff:.2f} s" if woff is not None else "-",
            f"{(woff - won) / woff:+.0%}" if won is not None else "-",
            f"{con:.2f} s" if con is not None else "-",
            f"{coff:.2f} s" if coff is not None else "-",
            f"{(coff - con) / coff:+.0%}" if con is not None else "-",
        )
        if args.markdown:
            print(f"| `{name}` | " + " | ".join(cells) + " |")
        else:
            print(f"{name:10} warm {cells[0]} vs {cells[1]} ({cells[2]})   cold {cells[3]} vs {cells[4]} ({cells[5]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
