"""The current code against the previous release, in one run, as ratios (the performance aims).

    python benchmarks/compare.py [--quick] [--previous COMMIT] [--flat N]

The previous release (commit aec53c6, tagged v0.1.0) is installed once into its own venv under
``.bench-cache/`` (git-ignored): ``git archive`` of the commit, ``pip install --no-deps``, and
a ``.pth`` line that lends it this venv's dependencies (the same pinned versions). Both
versions then measure the same patients on the same machine in the same run, alternating, so
that the other work on a shared machine weighs on both alike.

Printed, with their aims:

* warm render of the sample patient's full handout: time ratio (>= 2x) and pages/s (>= 1.5x);
  beside it, CPU seconds with the collector as rehabplan's own processes run it, and the same
  handout without its tracking log (what the log costs, and what the rest costs);
* bulk of 100 handouts with --jobs 2: handouts per hour (>= 2x), and against a naive loop of
  ``rehabplan build`` per patient (>= 3x); beside it, CPU seconds a handout, and the same with
  the tracking log left out (a clinic template folder with an empty log template);
* cold ``rehabplan build`` (>= 1.5x);
* planning, programs per second (>= 4x);
* peak memory per bulk worker (<= 150 MiB) and flat over the run (``--flat 500``: a separate,
  longer bulk run of 500 handouts for the flatness check);
* cold start of ``rehabplan --help`` (<= 150 ms) and ``rehabplan exercises list``.

A full run takes about half an hour on two cores (two bulk runs of 100, a naive loop of 10);
``--quick`` is a short one (20 handouts, 4 naive builds, fewer repeats). CI does not run
benchmarks. The current tree's library cache (rehabplan/cache.py) is warm for its cold builds
after the first, as it is on a clinic's machine after the first build.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
CACHE = ROOT / ".bench-cache"
PREVIOUS = "aec53c6"
SAMPLE = ROOT / "examples" / "patient.yaml"


def previous_python(commit: str) -> Path:
    """A venv with the previous release installed (made once, then reused)."""
    home = CACHE / f"prev-{commit}"
    python = home / "venv" / "bin" / "python"
    if (home / "installed").exists() and python.exists():
        return python
    shutil.rmtree(home, ignore_errors=True)
    (home / "src").mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(home / "src")], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True)
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # This venv's packages (WeasyPrint and the rest, same pins) come after the old rehabplan.
    (site / "zz-current-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", str(home / "src")], check=True
    )
    (home / "installed").write_text(commit + "\n")
    return python


def measure(python: Path, *args: str) -> dict:
    done = subprocess.run(
        [str(python), str(HERE / "_measure.py"), *map(str, args)], capture_output=True, text=True, cwd=tempfile.gettempdir()
    )
    if done.returncode != 0:
        raise SystemExit(f"{python}: {' '.join(map(str, args))} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_build(python: Path, repeat: int) -> dict:
    """Best wall and CPU seconds of a fresh `rehabplan build` of the sample patient."""
    exe = python.with_name("rehabplan")
    times, cpu = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            t, c = time.perf_counter(), children_cpu()
            subprocess.run(
                [str(exe), "build", str(SAMPLE), "-o", f"{tmp}/h.pdf", "--force"], check=True, capture_output=True, cwd=tmp
            )
            times.append(time.perf_counter() - t)
            cpu.append(children_cpu() - c)
    return {"seconds": min(times), "cpu_seconds": min(cpu)}


def naive_loop(python: Path, roster: Path, n: int) -> float:
    """Seconds per handout for `rehabplan build` run once per roster row."""
    import csv

    exe = python.with_name("rehabplan")
    rows = list(csv.DictReader(roster.open()))[:n]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        for i, row in enumerate(rows):
            patient = Path(tmp) / f"p{i}.yaml"
            patient.write_text("\n".join(f"{k}: {v!r}" for k, v in row.items() if v) + "\n")
            subprocess.run(
                [str(exe), "build", str(patient), "-o", f"{tmp}/p{i}.pdf", "--force"], check=True, capture_output=True, cwd=tmp
            )
        return (time.perf_counter() - t) / len(rows)


def startup(python: Path, args: list[str], repeat: int) -> float:
    """Median seconds of a fresh ``rehabplan ARGS`` process (output to a pipe)."""
    exe = python.with_name("rehabplan")
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([str(exe), *args], check=True, capture_output=True, env={**os.environ, "COLUMNS": "120"})
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def bulk(python: Path, roster: Path, jobs: int, templates: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(python, "bulk", roster, tmp, jobs, *([templates] if templates else []))
    assert result["failed"] == 0, result
    return result


def verdict(ok: bool) -> str:
    return "meets its aim" if ok else "MISSES its aim"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (smaller counts, fewer repeats)")
    parser.add_argument("--previous", default=PREVIOUS, help=f"the commit to compare with (default {PREVIOUS})")
    parser.add_argument("--flat", type=int, default=0, metavar="N", help="also a bulk run of N handouts for the memory check")
    args = parser.parse_args()
    quick = args.quick
    n_bulk, n_naive = (20, 4) if quick else (100, 10)
    n_flat = args.flat
    repeat = 3 if quick else 5
    n_plan = 200 if quick else 1000

    current = Path(sys.executable)
    previous = previous_python(args.previous)
    versions = {"previous": previous, "current": current}
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; previous = {args.previous}, current = this tree"
        f"{' (quick run)' if quick else ''}; load average at the start {os.getloadavg()[0]:.1f}"
    )

    results: dict[str, dict] = {name: {} for name in versions}
    # Alternate the versions so that a busy moment of the shared machine hits both.
    for name, python in versions.items():
        results[name]["plan"] = measure(python, "plan", n_plan)["programs_per_s"]
    for name, python in versions.items():
        results[name]["render"] = measure(python, "render", SAMPLE, repeat)
    for name, python in versions.items():
        results[name]["cold"] = cold_build(python, repeat)
    for name, python in versions.items():
        results[name]["help"] = startup(python, ["--help"], 3 * repeat)
        results[name]["list"] = startup(python, ["exercises", "list"], 3 * repeat)
    work = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    try:
        roster = work / "roster.csv"
        flat_roster = work / "flat.csv"
        # Patients both versions can plan: the current one writes twice as many, the previous
        # one keeps those it can plan too (a newer protocol rule may make some plannable).
        measure(current, "roster", roster, 2 * n_bulk)
        measure(previous, "keep", roster, n_bulk)
        # The same roster with the tracking log left out (a clinic template folder whose log
        # template is empty, in both versions): what the rest of a handout costs in bulk.
        no_log = work / "no-log-templates"
        no_log.mkdir()
        (no_log / "log.html.j2").write_text("")
        for name, python in versions.items():
            results[name]["bulk"] = bulk(python, roster, 2)
            results[name]["bulk_no_log"] = bulk(python, roster, 2, no_log)
        results["current"]["naive"] = naive_loop(current, roster, n_naive)
        if n_flat:
            measure(current, "roster", flat_roster, n_flat)
            results["current"]["flat"] = bulk(current, flat_roster, 2)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    prev, cur = results["previous"], results["current"]
    lines = []
    r_warm = prev["render"]["seconds"] / cur["render"]["seconds"]
    pps_prev = prev["render"]["pages"] / prev["render"]["seconds"]
    pps_cur = cur["render"]["pages"] / cur["render"]["seconds"]
    lines.append(
        f"warm render, sample handout: {prev['render']['seconds']:.2f} s ({prev['render']['pages']} pages) -> "
        f"{cur['render']['seconds']:.2f} s ({cur['render']['pages']} pages) = {r_warm:.2f}x faster "
        f"[aim >= 2x: {verdict(r_warm >= 2)}]"
    )
    r_pps = pps_cur / pps_prev
    lines.append(f"pages per second: {pps_prev:.1f} -> {pps_cur:.1f} = {r_pps:.2f}x [aim >= 1.5x: {verdict(r_pps >= 1.5)}]")
    lines.append(
        f"  (CPU seconds of that render, steadier on a busy machine: {prev['render']['cpu_seconds']:.2f} -> "
        f"{cur['render']['cpu_seconds']:.2f} = {prev['render']['cpu_seconds'] / cur['render']['cpu_seconds']:.2f}x)"
    )
    po, co = prev["render"], cur["render"]
    lines.append(
        f"  (CPU seconds with the collector as rehabplan's own processes run it, median: "
        f"{po['owned_cpu_seconds']:.2f} -> {co['owned_cpu_seconds']:.2f} = "
        f"{po['owned_cpu_seconds'] / co['owned_cpu_seconds']:.2f}x; the handout without its tracking log: "
        f"{po['without_log_cpu_seconds']:.2f} ({po['without_log_pages']} pages) -> "
        f"{co['without_log_cpu_seconds']:.2f} ({co['without_log_pages']} pages) = "
        f"{po['without_log_cpu_seconds'] / co['without_log_cpu_seconds']:.2f}x; the log itself: "
        f"{po['owned_cpu_seconds'] - po['without_log_cpu_seconds']:.2f} ({po['owned_pages'] - po['without_log_pages']} pages) -> "
        f"{co['owned_cpu_seconds'] - co['without_log_cpu_seconds']:.2f} ({co['owned_pages'] - co['without_log_pages']} pages))"
    )
    hph = {k: results[k]["bulk"]["built"] / results[k]["bulk"]["seconds"] * 3600 for k in versions}
    r_bulk = hph["current"] / hph["previous"]
    lines.append(
        f"bulk {n_bulk} handouts --jobs 2: {hph['previous']:,.0f} -> {hph['current']:,.0f} handouts/hour = "
        f"{r_bulk:.2f}x [aim >= 2x: {verdict(r_bulk >= 2)}]"
    )
    cpu = {k: results[k]["bulk"]["cpu_s"] / results[k]["bulk"]["built"] for k in versions}
    lines.append(
        f"  (CPU seconds a handout in those runs, steadier on a busy machine: {cpu['previous']:.2f} -> {cpu['current']:.2f} "
        f"= {cpu['previous'] / cpu['current']:.2f}x)"
    )
    cpu_nl = {k: results[k]["bulk_no_log"]["cpu_s"] / results[k]["bulk_no_log"]["built"] for k in versions}
    lines.append(
        f"  (the same bulk with the tracking log left out, CPU seconds a handout: {cpu_nl['previous']:.2f} -> "
        f"{cpu_nl['current']:.2f} = {cpu_nl['previous'] / cpu_nl['current']:.2f}x; the log itself: "
        f"{cpu['previous'] - cpu_nl['previous']:.2f} -> {cpu['current'] - cpu_nl['current']:.2f} s a handout)"
    )
    naive_hph = 3600 / cur["naive"]
    r_naive = hph["current"] / naive_hph
    lines.append(
        f"bulk --jobs 2 against a naive loop of `rehabplan build` ({n_naive} timed): {naive_hph:,.0f} -> "
        f"{hph['current']:,.0f} handouts/hour = {r_naive:.2f}x [aim >= 3x: {verdict(r_naive >= 3)}]"
    )
    r_cold = prev["cold"]["seconds"] / cur["cold"]["seconds"]
    lines.append(
        f"cold `rehabplan build`: {prev['cold']['seconds']:.2f} s -> {cur['cold']['seconds']:.2f} s = {r_cold:.2f}x "
        f"[aim >= 1.5x: {verdict(r_cold >= 1.5)}] (CPU {prev['cold']['cpu_seconds']:.2f} -> "
        f"{cur['cold']['cpu_seconds']:.2f} s = {prev['cold']['cpu_seconds'] / cur['cold']['cpu_seconds']:.2f}x)"
    )
    r_plan = cur["plan"] / prev["plan"]
    lines.append(
        f"planning: {prev['plan']:,.0f} -> {cur['plan']:,.0f} programs/s = {r_plan:.2f}x [aim >= 4x: {verdict(r_plan >= 4)}]"
    )
    lines.append(
        f"`rehabplan --help`: {prev['help'] * 1000:.0f} ms -> {cur['help'] * 1000:.0f} ms "
        f"[aim <= 150 ms: {verdict(cur['help'] <= 0.150)}]; `rehabplan exercises list`: "
        f"{prev['list'] * 1000:.0f} ms -> {cur['list'] * 1000:.0f} ms"
    )
    flat = cur.get("flat", cur["bulk"])
    n_flat = n_flat or n_bulk
    workers = flat["workers"]
    peak = max(w["peak"] for w in workers)
    growth = max(w["rss_last"] - w["rss_10th"] for w in workers)
    flat_ok = growth <= 20
    lines.append(
        f"bulk workers over {n_flat} handouts: peak {peak:.0f} MiB per worker "
        f"[aim <= 150 MiB: {verdict(peak <= 150)}]; resident memory after the 10th and the last handout "
        + ", ".join(f"{w['rss_10th']:.0f} -> {w['rss_last']:.0f} MiB ({w['handouts']} handouts)" for w in workers)
        + f" [aim flat (within 20 MiB): {verdict(flat_ok)}]"
    )
    prev_peak = max(w["peak"] for w in prev["bulk"]["workers"])
    cur_peak = max(w["peak"] for w in cur["bulk"]["workers"])
    lines.append(f"peak per worker in the {n_bulk}-handout runs: {prev_peak:.0f} -> {cur_peak:.0f} MiB")
    lines.append(f"load average at the end: {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[2]:.1f} (15 min)")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
