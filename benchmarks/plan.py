"""Planning speed: plan 1,000 random patients and print programs per second.

A benchmark, not a test: run it with `python benchmarks/plan.py` (or `make bench`).

`--against PYTHON` also times another installed release on the same patients, in the same run,
alternating rounds so that a busy machine slows both alike, and prints the ratio. The previous
release, for example (its own virtual environment, from `git archive aec53c6`):

    python benchmarks/plan.py --against /tmp/aec53c6/.venv/bin/python

The other interpreter runs this same file with `--only`, so the patients are the same (fields
every release understands); a patient that release cannot plan counts as a request too.

`--bursts K` alternates much finer on a busy machine: both versions run as workers of this file
(`--serve`), planning the same rounds of patients K at a time in turn, so a spell of other work
weighs on both alike; it prints programs per second of wall and of CPU time and both ratios
(each plan is timed on its own; making a round's library is not timed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import rehabplan
from rehabplan.errors import PatientError
from rehabplan.models import Patient


def random_patients(n: int, protocols: list[str], seed: int = 7) -> list[Patient]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        out.append(
            Patient(
                id=f"P{i:05d}",
                name=f"Patient {i}",
                protocol=rnd.choice(protocols),
                start_date=dt.date(2026, 1, 5) + dt.timedelta(days=rnd.randrange(365)),
                weeks=rnd.choice([8, 12, 12, 12, 16]),
                sessions_per_week=rnd.choice([2, 3, 3, 4]),
                irritability=rnd.choice(["high", "moderate", "low"]),
                age_band=rnd.choice(["adult", "older"]),
                side=rnd.choice(["left", "right", "both"]),
                equipment=rnd.choice([[], ["band"], ["band", "weight"]]),
                exclusions=rnd.choice([[], [], ["floor"], ["kneeling"]]),
                minutes=rnd.choice([30, 40, 45, 60]),
            )
        )
    return out


def programs_per_second(n: int, clock=time.perf_counter) -> tuple[float, int]:
    """Plan ``n`` random patients with the installed rehabplan: (programs per second, refused).

    ``clock``: wall time (``time.perf_counter``), or this process's CPU time
    (``time.process_time``), which other work on a busy machine disturbs less."""
    library = rehabplan.load_library()
    protocols = rehabplan.load_protocols(library)
    patients = random_patients(n, sorted(protocols.protocols))
    rehabplan.plan(library, protocols[patients[0].protocol], patients[0])  # warm
    start = clock()
    failed = 0
    for p in patients:
        try:
            rehabplan.plan(library, protocols[p.protocol], p)
        except PatientError:
            failed += 1
    return n / (clock() - start), failed


def serve(n: int) -> None:
    """``--serve``: plan the next patients of the round as many as each line of input asks and
    answer with their CPU and wall seconds; every ``n`` patients a new round (a new library)."""
    i = n
    print("ready", flush=True)
    for line in sys.stdin:
        cpu = wall = 0.0
        for _ in range(int(line)):
            if i == n:  # a new round, as programs_per_second's: not timed
                library = rehabplan.load_library()
                protocols = rehabplan.load_protocols(library)
                patients = random_patients(n, sorted(protocols.protocols))
                rehabplan.plan(library, protocols[patients[0].protocol], patients[0])  # warm
                i = 0
            p = patients[i]
            i += 1
            c, w = time.process_time(), time.perf_counter()
            try:
                rehabplan.plan(library, protocols[p.protocol], p)
            except PatientError:
                pass
            cpu += time.process_time() - c
            wall += time.perf_counter() - w
        print(f"{cpu} {wall}", flush=True)


def bursts(other: str, n: int, rounds: int, k: int) -> None:
    """This release and ``other`` plan the same ``rounds`` rounds of ``n`` patients, ``k`` at a
    time in turn; print both rates (wall and CPU) and the ratios."""
    pythons = {"this release": sys.executable, other: os.path.abspath(other)}  # abspath: keep the venv's symlink
    workers = {
        name: subprocess.Popen(
            [python, str(Path(__file__).resolve()), "--serve", "-n", str(n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd="/",  # each imports its own installed package, not this tree
        )
        for name, python in pythons.items()
    }
    seconds = {name: [0.0, 0.0] for name in workers}  # CPU, wall
    try:
        for w in workers.values():
            if w.stdout.readline().strip() != "ready":
                raise SystemExit("a worker did not start")
        left = n * rounds
        while left:
            size = min(k, left)
            for name, w in workers.items():
                w.stdin.write(f"{size}\n")
                w.stdin.flush()
                cpu, wall = map(float, w.stdout.readline().split())
                seconds[name][0] += cpu
                seconds[name][1] += wall
            left -= size
    finally:
        for w in workers.values():
            w.stdin.close()
            w.wait()
    total = n * rounds
    (cpu_a, wall_a), (cpu_b, wall_b) = seconds.values()
    print(f"{total:,} plans each, {rounds} rounds of {n} random patients, alternating bursts of {k}:")
    print(f"  this release: {total / wall_a:,.0f} programs/s ({total / cpu_a:,.0f} per CPU second)")
    print(f"  {other}: {total / wall_b:,.0f} programs/s ({total / cpu_b:,.0f} per CPU second)")
    print(f"  this release is {wall_b / wall_a:.2f}x as fast ({cpu_b / cpu_a:.2f}x in CPU time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="patients per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", help="another release's Python (with rehabplan installed) to compare with")
    parser.add_argument("--only", action="store_true", help="print programs/s only (used by --against)")
    parser.add_argument(
        "--cpu", action="store_true", help="programs per second of CPU time, not of wall time (for a busy machine)"
    )
    parser.add_argument("--bursts", type=int, metavar="K", help="with --against: alternate bursts of K patients")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # a --bursts worker
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    if args.serve:
        serve(args.n)
        return
    if args.bursts and args.against:
        print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
        bursts(args.against, args.n, args.rounds, args.bursts)
        return
    if args.only:
        print(f"{programs_per_second(args.n, clock)[0]:.1f}")
        return
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    ours: list[float] = []
    theirs: list[float] = []
    failed = 0
    for _ in range(args.rounds):
        rate, failed = programs_per_second(args.n, clock)
        ours.append(rate)
        if args.against:
            out = subprocess.run(
                # abspath, not resolve: a virtual environment's python is a symlink to keep.
                [os.path.abspath(args.against), str(Path(__file__).resolve()), "--only", "-n", str(args.n)]
                + (["--cpu"] if args.cpu else []),
                capture_output=True,
                text=True,
                check=True,
                cwd="/",  # import the other release's installed package, not this tree
            )
            theirs.append(float(out.stdout.strip().splitlines()[-1]))
    rate = statistics.median(ours)
    print(
        f"planned {args.n} random patients, median of {args.rounds} rounds: {rate:,.0f} programs/s"
        f"{' of CPU time' if args.cpu else ''} "
        f"({1000 / rate:.2f} ms each; {failed} impossible requests reported)"
    )
    if theirs:
        other = statistics.median(theirs)
        print(f"against {args.against}: {other:,.0f} programs/s; this release is {rate / other:.2f}x as fast")
        print(f"rounds (this / other): {', '.join(f'{a:,.0f}/{b:,.0f}' for a, b in zip(ours, theirs))}")


if __name__ == "__main__":
    main()
