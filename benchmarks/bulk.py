"""Bulk build speed: 100 handouts from a generated roster with --jobs 1 and --jobs 2, against a
naive loop that runs `rehabplan build` once per patient; peak memory per worker.

Run: python benchmarks/bulk.py [N] [--flat 500]
  N       handouts for the --jobs runs (default 100)
  --flat  also build that many with --jobs 2 and show each worker's peak RSS early and late
  --flat-only  only that check
"""

from __future__ import annotations

import csv
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plan import random_patients  # noqa: E402

import rehabplan  # noqa: E402
from rehabplan.bulk.run import bulk_build  # noqa: E402

NAIVE_SAMPLE = 8  # the naive loop is slow; time a sample and scale it


def write_roster(path: Path, n: int) -> None:
    lib = rehabplan.load_library()
    protos = rehabplan.load_protocols(lib)
    fields = [
        "id",
        "name",
        "protocol",
        "start_date",
        "weeks",
        "sessions_per_week",
        "irritability",
        "age_band",
        "side",
        "equipment",
        "exclusions",
        "minutes",
    ]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fields)
        w.writeheader()
        for p in random_patients(n * 2, sorted(protos.protocols)):
            try:
                rehabplan.plan(lib, protos[p.protocol], p)
            except rehabplan.PatientError:
                continue
            w.writerow(
                {
                    f: (
                        ", ".join(getattr(p, f))
                        if isinstance(getattr(p, f), list)
                        else getattr(p, f).value
                        if hasattr(getattr(p, f), "value")
                        else getattr(p, f)
                    )
                    for f in fields
                }
            )
            n -= 1
            if n == 0:
                break


def run_bulk(roster: Path, jobs: int) -> tuple[float, int, int, dict[int, float]]:
    out = Path(tempfile.mkdtemp(prefix=f"bench-j{jobs}-"))
    report = bulk_build(roster, out, jobs=jobs, force=True)
    assert report.failed == 0, [o.reason for o in report.outcomes if o.status == "failed"]
    rss: dict[int, float] = {}
    for o in report.outcomes:
        rss[o.worker_pid] = max(rss.get(o.worker_pid, 0), o.worker_peak_rss_mib or 0)
    shutil.rmtree(out)
    return report.seconds, report.built, report.pages, rss


def run_naive(roster: Path, n: int) -> float:
    exe = Path(sys.executable).with_name("rehabplan")
    rows = list(csv.DictReader(roster.open()))[:n]
    tmp = Path(tempfile.mkdtemp(prefix="bench-naive-"))
    start = time.perf_counter()
    for i, row in enumerate(rows):
        pfile = tmp / f"p{i}.yaml"
        pfile.write_text("\n".join(f"{k}: {v!r}" if v else f"{k}: null" for k, v in row.items() if v))
        subprocess.run([str(exe), "build", str(pfile), "-o", str(tmp / f"p{i}.pdf"), "--force"], check=True, capture_output=True)
    seconds = time.perf_counter() - start
    shutil.rmtree(tmp)
    return seconds / n


def main() -> None:
    args = sys.argv[1:]
    flat_only = "--flat-only" in args
    if flat_only:
        args[args.index("--flat-only")] = "--flat"
    flat = int(args[args.index("--flat") + 1]) if "--flat" in args else 0
    n = int(args[0]) if args and args[0].isdigit() else 100
    tmp = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    roster = tmp / "roster.csv"
    # Written by another process: planning the candidates here would make this process, and
    # so every worker forked from it, bigger than a real `rehabplan bulk` ever is.
    subprocess.run([sys.executable, __file__, "--write-roster", str(roster), str(max(n, flat))], check=True)
    if flat:
        rows = list(csv.DictReader(roster.open()))
        small = tmp / "small.csv"
        with small.open("w", newline="") as fh:
            w = csv.DictWriter(fh, rows[0].keys())
            w.writeheader()
            w.writerows(rows[:n])
        big = roster
        roster = small
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}"
    )
    results = {}
    for jobs in () if flat_only else (1, 2):
        seconds, built, pages, rss = run_bulk(roster, jobs)
        results[jobs] = seconds
        print(
            f"--jobs {jobs}: {built} handouts in {seconds:.1f} s = {built / seconds:.2f} handouts/s, "
            f"{pages / seconds:.1f} pages/s; peak RSS per worker: {', '.join(f'{v:.0f}' for v in rss.values())} MiB"
        )
    if not flat_only:
        naive = run_naive(roster, NAIVE_SAMPLE)
        print(
            f"naive loop (`rehabplan build` per patient, {NAIVE_SAMPLE} timed): {naive:.2f} s/handout = {1 / naive:.2f} handouts/s"
        )
        print(
            f"ratios: --jobs 2 / --jobs 1 = {results[1] / results[2]:.2f}x; bulk --jobs 2 / naive = {naive * n / results[2]:.1f}x"
        )
    if flat:
        out = Path(tempfile.mkdtemp(prefix="bench-flat-"))
        report = bulk_build(big, out, jobs=2, force=True)
        by_worker: dict[int, list] = {}
        for o in sorted(report.outcomes, key=lambda o: o.row):
            by_worker.setdefault(o.worker_pid, []).append(o)
        for pid, series in by_worker.items():
            tenth, last = series[min(9, len(series) - 1)], series[-1]
            print(
                f"flat check, worker {pid}: after its 10th handout RSS {tenth.worker_rss_mib:.0f} MiB (peak so far "
                f"{tenth.worker_peak_rss_mib:.0f}); after its last ({len(series)}th) RSS {last.worker_rss_mib:.0f} MiB "
                f"(peak {last.worker_peak_rss_mib:.0f}, largest handout {max(o.pages or 0 for o in series)} pages)"
            )
        shutil.rmtree(out)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write-roster"]:
        write_roster(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
