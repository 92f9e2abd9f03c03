"""One measurement of one installed rehabplan, printed as JSON (run by benchmarks/compare.py).

    python _measure.py render PATIENT_YAML REPEAT
    python _measure.py plan N
    python _measure.py bulk ROSTER OUT_DIR JOBS [TEMPLATES_DIR]
    python _measure.py roster OUT_CSV N
    python _measure.py keep ROSTER_CSV N     (keeps the first N rows this version can plan too)

It uses only the public API that the previous release has too (load_library, load_protocols,
load_patient, plan, Renderer, bulk_build), so the same script measures both versions.
"""

from __future__ import annotations

import csv
import json
import sys
import time

from plan import random_patients  # this folder is on sys.path: the script runs from it


def render(patient_file: str, repeat: str) -> dict:
    import rehabplan
    from rehabplan.render.pdf import Renderer

    library = rehabplan.load_library()
    protocols = rehabplan.load_protocols(library)
    patient = rehabplan.load_patient(patient_file)
    program = rehabplan.plan(library, protocols[patient.protocol], patient)
    renderer = Renderer(None)
    data, pages, _ = renderer.pdf(program, library)  # the first render sets fonts and styles up
    times, cpu = [], []
    for _ in range(int(repeat)):
        t, c = time.perf_counter(), time.process_time()
        again = renderer.pdf_bytes(program, library)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        assert again == data, "renders differ: not reproducible"
    result = {"seconds": min(times), "median": sorted(times)[len(times) // 2], "cpu_seconds": min(cpu), "pages": pages}
    result.update(owned(renderer, program, library, int(repeat)))
    return result


def owned(renderer, program, library, repeat: int) -> dict:
    """The same warm render with the collector run as rehabplan's own processes run it (a bulk
    worker, `rehabplan build`): automatic collection off, what the process holds frozen, one
    collection after each handout, timed with it. A release that switched collection off inside
    its render (d8620a9 did) is then measured with its collections too, like any other.

    Alternating with it, the same handout without its tracking log (the ``<section
    class="log">`` cut from the HTML), to tell what the log costs from what the rest costs."""
    import gc
    import re

    whole = renderer.builder.render

    def without_log(*args, **kwargs):
        return re.sub(r'<section class="log".*?</section>', "", whole(*args, **kwargs), flags=re.S)

    variants = {"owned": whole, "without_log": without_log}
    pages = {}
    for name, build in variants.items():  # each variant's first render sets its pages up
        renderer.builder.render = build
        pages[name] = renderer.pdf(program, library)[1]
    gc.disable()
    gc.collect()
    gc.freeze()
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for i in range(repeat):
        for name in variants if i % 2 == 0 else reversed(variants):
            renderer.builder.render = variants[name]
            c = time.process_time()
            renderer.pdf_bytes(program, library)
            gc.collect()
            cpu[name].append(time.process_time() - c)
    renderer.builder.render = whole
    gc.unfreeze()
    gc.enable()
    return {f"{name}_cpu_seconds": sorted(v)[len(v) // 2] for name, v in cpu.items()} | {
        f"{name}_pages": pages[name] for name in variants
    }


def plan(n: str) -> dict:
    import rehabplan
    from rehabplan.errors import PatientError

    library = rehabplan.load_library()
    protocols = rehabplan.load_protocols(library)
    patients = random_patients(int(n), sorted(protocols.protocols))
    rehabplan.plan(library, protocols[patients[0].protocol], patients[0])
    best = None
    for _ in range(3):  # the best of three: the machine is shared
        t = time.perf_counter()
        for p in patients:
            try:
                rehabplan.plan(library, protocols[p.protocol], p)
            except PatientError:
                pass
        seconds = time.perf_counter() - t
        best = seconds if best is None else min(best, seconds)
    return {"programs_per_s": int(n) / best}


def roster(out_csv: str, n: str) -> dict:
    # Only the current version writes rosters (compare.py); benchmarks/bulk.py has the writer.
    from pathlib import Path

    from bulk import write_roster

    write_roster(Path(out_csv), int(n))
    with open(out_csv, newline="") as fh:
        return {"rows": sum(1 for _ in csv.DictReader(fh))}


def keep(roster_csv: str, n: str) -> dict:
    """Drop the rows this version cannot plan (a protocol or rule it does not have), keep N."""
    import rehabplan

    try:
        from rehabplan.sources.patients import patient_from_row
    except ImportError:  # a release from before the stages became packages (0.1.0)
        from rehabplan.patients import patient_from_row  # type: ignore[no-redef]

    library = rehabplan.load_library()
    protocols = rehabplan.load_protocols(library)
    with open(roster_csv, newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    kept = []
    for i, row in enumerate(rows):
        try:
            patient = patient_from_row({k: v for k, v in row.items() if v}, f"row {i}", i)
            rehabplan.plan(library, protocols[patient.protocol], patient)
        except Exception:  # noqa: BLE001 -- any failure: the row is not comparable
            continue
        kept.append(row)
    with open(roster_csv, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        writer.writerows(kept[: int(n)])
    return {"rows": len(kept[: int(n)])}


def bulk(roster_csv: str, out_dir: str, jobs: str, templates: str | None = None) -> dict:
    import resource

    from rehabplan import bulk_build  # the public name, in every release

    def cpu() -> float:  # this process and its finished workers: steadier than wall time under load
        return sum(
            getattr(resource.getrusage(w), f)
            for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            for f in ("ru_utime", "ru_stime")
        )

    t, c = time.perf_counter(), cpu()
    report = bulk_build(roster_csv, out_dir, jobs=int(jobs), force=True, templates=templates)
    seconds, cpu_s = time.perf_counter() - t, cpu() - c
    workers: dict[int, list] = {}
    for o in sorted(report.outcomes, key=lambda o: o.row):
        workers.setdefault(o.worker_pid, []).append(
            (getattr(o, "worker_rss_mib", None) or 0, getattr(o, "worker_peak_rss_mib", None) or 0)
        )
    return {
        "seconds": seconds,
        "cpu_s": cpu_s,
        "built": report.built,
        "failed": report.failed,
        "pages": report.pages,
        "workers": [
            {"handouts": len(s), "rss_10th": s[min(9, len(s) - 1)][0], "rss_last": s[-1][0], "peak": max(p for _, p in s)}
            for s in workers.values()
        ],
    }


if __name__ == "__main__":
    task, *args = sys.argv[1:]
    print(json.dumps({"render": render, "plan": plan, "roster": roster, "keep": keep, "bulk": bulk}[task](*args)))
