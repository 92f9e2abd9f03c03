"""Planning speed-ups must not change a single program: plan varied random patients and compare
each program's JSON digest with digests stored from an earlier version of the code.

    python benchmarks/identical.py --write /tmp/digests.json   # with the code before a change
    python benchmarks/identical.py --check /tmp/digests.json   # after it: exit 1 on any difference

A check, not a benchmark (nothing is timed). The patients cover every protocol, 4-24 weeks, 1-6
sessions, 5-60 minutes, each irritability, trained or not, adult or older, each side, any
equipment and the usual exclusions (floor, kneeling, balance); impossible requests are recorded by
their error message, so a change in what is refused shows too. Each patient is planned twice: with
the library's cache of materialised prescriptions shared by every plan (as in a clinic's run) and
with no cache; both must give the same program. A few programs are also adjusted from a pain log
(amber and red exercises), since ``rehabplan adjust`` materialises with the planner's code.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import json
import random
import sys

import rehabplan
from rehabplan.errors import PatientError
from rehabplan.models import Patient
from rehabplan.planning.adjust import adjust
from rehabplan.sources.log import log_template, parse_rows


def varied_patients(n: int, protocols: list[str], seed: int = 11) -> list[Patient]:
    """Random patients over every field planning reads (wider than benchmarks/plan.py's)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        out.append(
            Patient(
                id=f"V{i:05d}",
                name=f"Patient {i}",
                protocol=protocols[i % len(protocols)],
                start_date=dt.date(2026, 1, 5) + dt.timedelta(days=rnd.randrange(365)),
                weeks=rnd.randint(4, 24),
                sessions_per_week=rnd.choice([1, 2, 3, 3, 4, 5, 6]),
                irritability=rnd.choice(["high", "moderate", "low"]),
                training_status=rnd.choice(["untrained", "trained"]),
                age_band=rnd.choice(["adult", "older"]),
                side=rnd.choice(["left", "right", "both"]),
                equipment=rnd.choice([[], ["band"], ["weight"], ["band", "weight"]]),
                exclusions=rnd.choice([[], [], ["floor"], ["kneeling"], ["balance"], ["floor", "balance"], ["band"]]),
                minutes=rnd.choice([5, 10, 15, 20, 25, 30, 30, 40, 45, 60, 60]),
            )
        )
    return out


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _adjusted(program, library) -> str:
    """The program adjusted after its first weeks: the first loading exercise red, the next amber."""
    ids = []
    for p in program.weeks[0].sessions[0].prescriptions if program.weeks[0].sessions else []:
        if p.category.value in ("strength", "core", "motor_control"):
            ids.append(p.exercise)
    pain = dict(zip(ids[:2], ["6", "4"]))
    logged = set(range(1, min(3, program.reassessment_week) + 1))
    rows = []
    import csv
    import io

    for i, r in enumerate(csv.DictReader(io.StringIO(log_template(program))), start=2):
        if int(r["week"]) in logged:
            r.update(done="yes", pain_during=pain.get(r["exercise"], "1"), pain_next_morning="1", spread="no")
            rows.append((i, r))
    entries, problems = parse_rows(rows, program, "log.csv")
    if problems:
        return "log problems: " + "; ".join(str(p) for p in problems)
    try:
        return _digest(adjust(program, library, entries).model_dump_json())
    except PatientError as e:
        return "refused: " + str(e)


def digests(n: int) -> dict[str, str]:
    library = rehabplan.load_library()
    protocols = rehabplan.load_protocols(library)
    uncached = copy.copy(library)
    uncached.planned = None
    out: dict[str, str] = {}
    for i, p in enumerate(varied_patients(n, sorted(protocols.protocols))):
        protocol = protocols[p.protocol]
        try:
            program = rehabplan.plan(library, protocol, p)
        except PatientError as e:
            out[p.id] = "refused: " + str(e) + " | " + "; ".join(str(x) for x in e.problems)
            continue
        text = program.model_dump_json()
        again = rehabplan.plan(uncached, protocol, p).model_dump_json()
        if again != text:
            raise SystemExit(f"{p.id}: the program differs with and without the planning cache")
        out[p.id] = _digest(text)
        if i % 10 == 0:
            out[p.id + "/adjusted"] = _adjusted(program, library)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=800, help="patients")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", help="store the digests in this JSON file")
    group.add_argument("--check", help="compare with the digests stored in this JSON file")
    args = parser.parse_args()
    now = digests(args.n)
    if args.write:
        with open(args.write, "w") as f:
            json.dump(now, f, indent=0, sort_keys=True)
        refused = sum(v.startswith("refused") for v in now.values())
        print(f"{len(now)} digests written to {args.write} ({refused} refused requests)")
        return 0
    with open(args.check) as f:
        before = json.load(f)
    differ = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
    for k in differ[:20]:
        print(f"{k}: {before.get(k, '-')[:70]} -> {now.get(k, '-')[:70]}")
    print(f"{len(now)} programs compared: {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
