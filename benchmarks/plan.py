"""Planning speed: plan 1,000 random patients and print programs per second.

A benchmark, not a test: run it with `python benchmarks/plan.py` (or `make bench`).
"""

from __future__ import annotations

import datetime as dt
import platform
import random
import time

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


def main(n: int = 1000) -> None:
    library = rehabplan.load_library()
    protocols = rehabplan.load_protocols(library)
    patients = random_patients(n, sorted(protocols.protocols))
    rehabplan.plan(library, protocols[patients[0].protocol], patients[0])  # warm
    start = time.perf_counter()
    failed = 0
    for p in patients:
        try:
            rehabplan.plan(library, protocols[p.protocol], p)
        except PatientError:
            failed += 1
    seconds = time.perf_counter() - start
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(
        f"planned {n} random patients in {seconds:.2f} s: {n / seconds:,.0f} programs/s "
        f"({seconds / n * 1000:.2f} ms each; {failed} impossible requests reported)"
    )


if __name__ == "__main__":
    main()
