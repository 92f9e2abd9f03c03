"""Bulk builds: a roster in, a folder of handouts out.

The unit of work is one patient -> one set of files, idempotent and recorded in a manifest with
the hash of everything that went into it. That unit is what a bigger engine (a process pool on
several hosts, a job queue) would run unchanged; here it runs on a local process pool.

Stages, top to bottom: read roster -> parse rows -> plan (in the parent: cheap, and a bad row
fails alone) -> skip what the manifest says is up to date -> render in worker processes (one
WeasyPrint set-up per worker) -> write each file atomically -> write the manifest.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rehabplan import __version__
from rehabplan.errors import PatientError, Problem, RehabplanError
from rehabplan.models import Patient, Program
from rehabplan.models.patient import DATE_FORMAT
from rehabplan.outputs.export import program_ics, program_json
from rehabplan.outputs.files import atomic_write, safe_stem, sha256_bytes
from rehabplan.planning.planner import plan
from rehabplan.process import freeze_heap, own_this_process, thaw_heap
from rehabplan.resources import data_dir
from rehabplan.sources.config import ClinicConfig, load_config
from rehabplan.sources.library import Library, load_library
from rehabplan.sources.patients import patient_from_row
from rehabplan.sources.protocols import load_protocols
from rehabplan.sources.safe_read import Refused, read_regular
from rehabplan.sources.yaml_file import load_yaml, row_of

log = logging.getLogger("rehabplan.bulk.run")

MANIFEST = "manifest.json"
FORMATS = ("pdf", "json", "html", "ics")
MAX_ROSTER_BYTES = 20_000_000
CRASHES_BEFORE_FAILING = 2  # a job in flight when a worker died twice is the one that kills it
RECYCLE_AFTER = 100  # handouts per worker before a fresh one takes over: memory stays bounded
MANIFEST_EVERY_S = 1.0  # the manifest is saved as the run goes, at most this often
MAX_MANIFEST_BYTES = 200_000_000
MAX_OUTPUT_BYTES = 200_000_000  # a handout is a few MB


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs to render, the same for every patient of a run."""

    config: ClinicConfig
    library_dirs: tuple[Path, ...] = ()
    protocol_dirs: tuple[Path, ...] = ()
    templates: Path | None = None
    paper: str | None = None
    large_print: bool | None = None
    edition: str | None = None  # "full" or "compact" (default from the config)


@dataclass(frozen=True)
class Job:
    row: int  # roster line (CSV) or item number (YAML), 1-based
    stem: str
    patient: Patient  # planned again in the worker (2 ms): a small parent forks small workers
    formats: tuple[str, ...]
    input_hash: str


@dataclass
class Outcome:
    row: int
    status: str  # built | skipped | failed
    patient_id: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # format -> file name
    sha256: dict[str, str] = field(default_factory=dict)
    pages: int | None = None
    reason: str | None = None
    seconds: float = 0.0
    worker_pid: int | None = None
    worker_peak_rss_mib: float | None = None  # the worker's peak memory after this patient
    worker_rss_mib: float | None = None  # its memory once this patient's is released


@dataclass
class BulkReport:
    out_dir: Path
    outcomes: list[Outcome]
    seconds: float
    jobs: int

    @property
    def built(self) -> int:
        return sum(o.status == "built" for o in self.outcomes)

    @property
    def skipped(self) -> int:
        return sum(o.status == "skipped" for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(o.status == "failed" for o in self.outcomes)

    @property
    def pages(self) -> int:
        return sum(o.pages or 0 for o in self.outcomes if o.status == "built")

    def to_json(self) -> dict:
        """The documented bulk summary (schema_version 1.0): row numbers and ids; a patient's
        name appears only inside the output file names."""
        return {
            "schema_version": "1.0",
            "out_dir": str(self.out_dir),
            "built": self.built,
            "skipped": self.skipped,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "jobs": self.jobs,
            "rows": [
                {
                    k: v
                    for k, v in asdict(o).items()
                    if k not in ("seconds", "worker_pid", "worker_peak_rss_mib", "worker_rss_mib")
                }
                | {"seconds": round(o.seconds, 3)}
                for o in self.outcomes
            ],
        }


# --------------------------------------------------------------------------- roster


def read_roster(path: Path | str) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a CSV (header = patient fields) or YAML (a list of patients), with row numbers."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        located, problems = load_yaml(path, MAX_ROSTER_BYTES, partial=True)
        if located is None or (problems and any(row_of(p) is None for p in problems)):
            raise PatientError(f"the roster {path} cannot be read", problems)
        if not isinstance(located.data, list):
            raise PatientError(
                f"the roster {path} must be a YAML list of patients",
                [Problem(path, 1, "", "expected a list (lines starting with '- ')", "see examples/roster.yaml")],
            )
        # A value that cannot be read (start_date: 2026-02-30) costs its row only.
        unreadable: dict[int | None, list[Problem]] = {}
        for p in problems:
            unreadable.setdefault(row_of(p), []).append(p)
        return [
            (
                located.line_of((i,)) or i + 1,
                {"__unreadable__": unreadable[i]}
                if i in unreadable
                else item
                if isinstance(item, dict)
                else {"__not_a_mapping__": item},
            )
            for i, item in enumerate(located.data)
        ]
    from rehabplan.sources.spreadsheet import dict_reader, read_csv_text  # ';', BOM, Windows-1252 as spreadsheets save

    text, problem = read_csv_text(path, MAX_ROSTER_BYTES)
    if problem or text is None:
        raise PatientError(f"the roster {path} cannot be read", [problem] if problem else [])
    reader = dict_reader(text)
    if not reader.fieldnames:
        raise PatientError(
            f"the roster {path} is empty",
            [
                Problem(
                    path, 1, "", "no header row", "the first line names the patient fields: id,name,protocol,start_date,side,…"
                )
            ],
        )
    names = [f.strip() for f in reader.fieldnames if f]
    twice = sorted({f for f in names if names.count(f) > 1})
    if twice:  # csv.DictReader would silently keep the last of the two
        raise PatientError(
            f"the roster {path} names a column twice",
            [Problem(path, 1, f, "this column appears more than once", "keep one of them") for f in twice],
        )
    unknown = [f for f in reader.fieldnames if f and f.strip() not in _FIELDS]
    if unknown:
        import difflib

        probs = []
        for f in unknown:
            guess = difflib.get_close_matches(f.strip(), _FIELDS, n=1)
            probs.append(
                Problem(
                    path, 1, f, "unknown column", f"did you mean '{guess[0]}'?" if guess else "columns are " + ", ".join(_FIELDS)
                )
            )
        raise PatientError(f"the roster {path} has unknown columns", probs)
    rows = []
    try:
        for row in reader:
            if None in row:
                row = {**row, "__extra_cells__": row.pop(None)}
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise PatientError(
            f"the roster {path} is not valid CSV", [Problem(path, reader.line_num, "", str(exc), "check quotes and commas")]
        ) from None
    return rows


_FIELDS = [
    "id",
    "name",
    "protocol",
    "start_date",
    "weeks",
    "sessions_per_week",
    "irritability",
    "training_status",
    "age_band",
    "side",
    "equipment",
    "exclusions",
    "minutes",
    "bilateral_screened",
    "tensioner_unlocked",
    "clinician",
    "notes",
]


# --------------------------------------------------------------------------- hashing


def input_hash(program: Program, formats: tuple[str, ...], settings: Settings, assets_digest: str) -> str:
    """Everything that changes the output: the program (patient, doses, library digest),
    the formats, the clinic configuration, the templates and illustrations, the version."""
    h = hashlib.sha256()
    for part in (
        program.model_dump_json(),
        ",".join(formats),
        settings.config.model_dump_json(),
        str(settings.paper),
        str(settings.large_print),
        str(settings.edition),
        assets_digest,
        __version__,
    ):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


# --------------------------------------------------------------------------- workers

# One renderer per worker process, made once by the pool's initializer: WeasyPrint's import,
# font configuration and parsed stylesheets are then shared by every patient the worker renders.
_WORKER: dict[str, Any] = {}


def _init_worker(settings: Settings, slots=None, parent_pid: int | None = None, inherited=None) -> None:
    from rehabplan.render.pdf import Renderer

    # In-flight record: this worker's slot in a shared array holds the row it is rendering
    # (0 when idle), so after a crash the parent knows which job was in flight. Shared memory,
    # not marker files: a killed run leaves nothing behind in the temporary folder.
    if slots is not None:
        with slots.get_lock():
            for i in range(len(slots)):
                if slots[i] == 0:
                    slots[i] = -1  # claimed, idle
                    _WORKER["slot"] = i
                    break
        _WORKER["slots"] = slots
    if parent_pid:
        _exit_with_parent(parent_pid)
    # A worker process ends with os._exit, so WeasyPrint's own clean-up of its font folder
    # (in a __del__) never runs: do it at exit, or every worker leaves a weasyprint-* folder.
    from multiprocessing.util import Finalize

    Finalize(None, _cleanup_worker, exitpriority=10)
    import signal

    def on_term(signum, frame) -> None:  # stopped by the parent (an interrupted run)
        _cleanup_worker()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    if inherited is not None:  # forked: the parent's library and protocols, not a second copy
        _WORKER["library"], _WORKER["protocols"] = inherited
    else:
        _WORKER["library"] = load_library(*settings.library_dirs)
        _WORKER["protocols"] = load_protocols(_WORKER["library"], *settings.protocol_dirs)
    _WORKER["renderer"] = Renderer(
        settings.config,
        templates=settings.templates,
        large_print=settings.large_print,
        paper=settings.paper,
        edition=settings.edition,
    )
    # Every handout ends with a full collection (_release_memory), so automatic ones during a
    # render only cost time: WeasyPrint makes about a million objects a handout and each full
    # collection walks them all (~10 % of a render's CPU). What the worker holds for good (the
    # library, the renderer, the imports) is frozen: those collections never walk it either.
    import gc

    own_this_process()  # a worker is bulk's own process: its collector is bulk's to steer
    gc.disable()
    gc.collect()
    gc.freeze()


def _cleanup_worker() -> None:
    renderer = _WORKER.get("renderer")
    if renderer is not None:
        renderer.close()  # removes WeasyPrint's font folder


def _exit_with_parent(parent_pid: int) -> None:
    """End this worker soon after its parent dies (SIGKILL, SIGTERM, a crash): orphaned
    workers would otherwise go on rendering for minutes with nobody to collect the results."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                _cleanup_worker()
                os._exit(3)

    threading.Thread(target=watch, name="rehabplan-parent-watch", daemon=True).start()


def _mark(row: int) -> None:
    slots = _WORKER.get("slots")
    if slots is not None and "slot" in _WORKER:
        slots[_WORKER["slot"]] = row


def _render_job(job: Job, out_dir: str) -> Outcome:
    """Render and write one patient's files. Runs in a worker; errors become a failed Outcome."""
    start = time.perf_counter()
    _mark(job.row)
    library: Library = _WORKER["library"]
    renderer = _WORKER["renderer"]
    outcome = Outcome(job.row, "built", job.patient.id)
    try:
        program = plan(library, _WORKER["protocols"][job.patient.protocol], job.patient)
        outcome.reason = _warnings(program)  # built, with the clinician's warning (side: both unscreened)
        for fmt in job.formats:
            name = f"{job.stem}.{fmt}"
            if fmt == "pdf":
                data, outcome.pages, _ = renderer.pdf(program, library)
            elif fmt == "html":
                data = renderer.html(program, library).encode()
            elif fmt == "json":
                data = program_json(program).encode()
            else:
                data = program_ics(program, timezone=renderer.config.timezone)  # the clinic's zone, as in build
            atomic_write(Path(out_dir) / name, data, force=True)
            outcome.files[fmt] = name
            outcome.sha256[fmt] = sha256_bytes(data)
    except RehabplanError as exc:
        outcome.status, outcome.reason = "failed", exc.message
    except Exception as exc:  # noqa: BLE001 - a render bug must cost one patient, not the run
        outcome.status, outcome.reason = "failed", f"{type(exc).__name__}: {exc}"
    _mark(-1)
    outcome.seconds = time.perf_counter() - start
    _forget_plans(library)
    _release_memory()
    outcome.worker_pid = os.getpid()
    outcome.worker_peak_rss_mib = _peak_rss_mib()
    outcome.worker_rss_mib = _rss_mib()
    return outcome


def _rss_mib() -> float | None:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def _forget_plans(library: Library) -> None:
    """Drop the planner's cache of materialised prescriptions (library.planned). It keeps every
    patient's items between plans (~7 MiB a hundred patients, up to 20,000 entries, ~40 MB): a worker's
    memory grew ~20 MiB over 50 handouts with it, and saving 2 ms of planning is nothing beside a
    render of seconds."""
    planned = getattr(library, "planned", None)
    if isinstance(planned, dict):
        planned.clear()


def _release_memory() -> None:
    """Give a finished handout's memory back, so a worker stays flat over hundreds of them."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc keeps freed arenas otherwise
    except (OSError, AttributeError):
        pass


def _peak_rss_mib() -> float | None:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    except (ImportError, OSError):
        return None


# --------------------------------------------------------------------------- the run


def bulk_build(  # noqa: C901 - the run's steps in order (settings, manifest, roster, workers, summary); to split with bulk/'s manifest and pool modules
    roster: Path | str,
    out_dir: Path | str,
    *,
    jobs: int | None = None,
    formats: Iterable[str] = ("pdf",),
    force: bool = False,
    config: ClinicConfig | Path | str | None = None,
    library_dirs: Iterable[Path | str] = (),
    protocol_dirs: Iterable[Path | str] = (),
    templates: Path | str | None = None,
    paper: str | None = None,
    large_print: bool | None = None,
    edition: str | None = None,
    progress: Callable[[Outcome, int, int], None] | None = None,
    start_method: str | None = None,
) -> BulkReport:
    """Build every patient of ``roster`` into ``out_dir``; one bad row never stops the others.

    Returns a BulkReport; raises only for problems with the whole run (unreadable roster,
    invalid library). ``progress(outcome, done, total)`` is called as patients finish.
    ``start_method`` is the multiprocessing start method ("fork", "spawn", "forkserver");
    by default the platform's own (fork on Linux, spawn on macOS and Windows).
    """
    started = time.perf_counter()
    formats = tuple(dict.fromkeys(formats))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        from rehabplan.errors import UsageError

        raise UsageError(f"unknown format(s) {', '.join(bad) or '(none)'}; use {', '.join(FORMATS)}")
    cfg = config if isinstance(config, ClinicConfig) else load_config(config)
    DATE_FORMAT.set(cfg.date_format)  # how the roster may write its dates (date_format:)
    lib_dirs = tuple(Path(p) for p in (list(library_dirs) or cfg.library))
    library = load_library(*lib_dirs)
    protocols = load_protocols(library, *(Path(p) for p in (list(protocol_dirs) or cfg.protocols)))
    tpl = Path(templates) if templates else cfg.templates
    proto_dirs = tuple(Path(p) for p in (list(protocol_dirs) or cfg.protocols))
    settings = Settings(cfg, lib_dirs, proto_dirs, tpl, paper, large_print, edition)
    out = Path(out_dir)
    from rehabplan.bulk.manifest import check_writable

    check_writable(out)
    from rehabplan.bulk.assets import assets_digest

    assets = assets_digest([data_dir("templates"), tpl], library, cfg.clinic.logo, out)
    manifest = _read_manifest(out)
    changed: set[str] = set()  # the entries this run wrote: merged into the manifest on disk

    rows = read_roster(roster)
    # Start the workers now, while this process is still small: a forked worker's memory is
    # whatever its parent had, and the planned programs of a long roster are not small.
    # Never more workers than cores or rows: --jobs 1000 must not start 1000 processes.
    cpus = os.cpu_count() or 1
    n_workers = max(1, min(jobs or cpus, cpus, len(rows) or 1))
    context = _context(start_method)
    first_pool = _new_pool(settings, n_workers, context, (library, protocols))
    try:
        outcomes: dict[int, Outcome] = {}
        todo: list[Job] = []
        used_stems: set[str] = set()
        for row, data in rows:
            try:
                if "__not_a_mapping__" in data:
                    raise PatientError("this item is not a mapping of patient fields")
                if "__extra_cells__" in data:
                    raise PatientError("this row has more cells than the header has columns")
                if "__unreadable__" in data:
                    raise PatientError(
                        "this item has values that cannot be read",
                        [Problem(p.file, p.line, p.field.split(".", 1)[-1], p.message, p.fix) for p in data["__unreadable__"]],
                    )
                patient = patient_from_row(data, f"row {row}", row)
                program = plan(library, protocols[patient.protocol], patient)
            except RehabplanError as exc:
                outcomes[row] = Outcome(row, "failed", _safe_id(data), reason=_reason(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - a bug in one row's planning costs that row, not the run
                outcomes[row] = Outcome(
                    row, "failed", _safe_id(data), reason=f"cannot be planned ({type(exc).__name__}: {exc})"[:300]
                )
                continue
            stem = _unique(safe_stem(patient.id, patient.name), used_stems)
            job = Job(row, stem, patient, formats, input_hash(program, formats, settings, assets))
            if not force and _up_to_date(manifest.get(stem), job, out):
                prev = manifest[stem]
                outcomes[row] = Outcome(
                    row,
                    "skipped",
                    patient.id,
                    files=prev["files"],
                    sha256=prev["sha256"],
                    pages=prev.get("pages"),
                    reason="; ".join(
                        x
                        for x in (
                            "up to date: same patient, plan, settings and files as the last run (--force rebuilds)",
                            _warnings(program),
                        )
                        if x
                    ),
                )
                continue
            todo.append(job)
    except BaseException:
        first_pool.shutdown(wait=False, cancel_futures=True)
        raise

    _forget_plans(library)  # workers forked from here later (recycled pools) stay small
    total = len(rows)
    done = len(outcomes)
    if progress:
        for o in list(outcomes.values()):
            progress(o, done, total)
    by_row = {job.row: job for job in todo}
    saved = time.monotonic()
    try:
        for outcome in _run_pool(todo, settings, out, n_workers, context, first_pool, (library, protocols)):
            outcomes[outcome.row] = outcome
            done += 1
            if outcome.status == "built":
                job = by_row[outcome.row]
                changed.add(job.stem)
                manifest[job.stem] = {
                    "row": outcome.row,
                    "input_hash": job.input_hash,
                    "files": outcome.files,
                    "sha256": outcome.sha256,
                    "pages": outcome.pages,
                }
                # Saved as the run goes (atomically, at most once a second: a long roster's
                # manifest is large), so a run that is killed redoes only the last second's work.
                if time.monotonic() - saved >= MANIFEST_EVERY_S:
                    _write_manifest(out, manifest, changed)
                    saved = time.monotonic()
            if progress:
                progress(outcome, done, total)
            log.debug("row %d: %s", outcome.row, outcome.status)
    finally:
        _write_manifest(out, manifest, changed)  # also on Ctrl-C: what was built stays recorded
    ordered = [outcomes[r] for r, _ in rows]
    report = BulkReport(out, ordered, time.perf_counter() - started, n_workers)
    log.info("bulk: %d built, %d skipped, %d failed", report.built, report.skipped, report.failed)
    return report


def _context(start_method: str | None):
    """The multiprocessing context: the platform's default unless one is named. Nothing here
    depends on fork; with fork the workers share the parent's imports and pages."""
    import multiprocessing

    return multiprocessing.get_context(start_method)


def _new_pool(settings: Settings, n_workers: int, context, loaded=None) -> cf.ProcessPoolExecutor:
    """A pool of workers, started at once (each sets up its renderer in the background).

    ``loaded`` is the parent's (library, protocols): forked workers use them as they are (the
    pages are the parent's, so a worker holds no second copy: ~3 MiB, and no reading of the
    library); workers started any other way read their own.

    Workers are recycled by running at most RECYCLE_AFTER jobs a worker on each pool (see
    _run_pool), not with the executor's max_tasks_per_child: that refuses the fork start
    method, which is what keeps a Linux worker small.
    """
    forked = context.get_start_method() == "fork"
    if forked:
        from rehabplan.render.weasy import prepare_weasyprint

        prepare_weasyprint()
        import weasyprint  # noqa: F401  -- imported once here; forked workers share it

    slots = context.Array("i", n_workers)
    pool = cf.ProcessPoolExecutor(
        max_workers=n_workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(settings, slots, os.getpid(), loaded if forked else None),
    )
    pool.slots = slots  # type: ignore[attr-defined]  # the rows in flight, one slot per worker
    pool.submit(int)  # with "fork" the executor launches every worker on the first submit
    return pool


def _run_pool(
    todo: list[Job],
    settings: Settings,
    out: Path,
    n_workers: int,
    context,
    first_pool: cf.ProcessPoolExecutor | None = None,
    loaded=None,
) -> Iterable[Outcome]:
    """Run jobs on a process pool and survive workers that die: a crash costs only its patient.

    Each worker records the row it is rendering in shared memory, so after a crash we know
    which jobs were in flight. Those run again alone (one worker) before the rest: the job
    that kills its worker twice is reported failed, and its neighbours are never blamed for it.
    """
    # Forked workers share the parent's pages until they touch them; a collection in a worker
    # would walk (and so copy) every object the parent made, the planned programs included.
    # Freezing moves them out of the collector's sight (only in rehabplan's own process).
    frozen = freeze_heap()
    crashes: dict[int, int] = {}
    pending = list(todo)
    try:
        if not todo and first_pool is not None:
            first_pool.shutdown(wait=False, cancel_futures=True)
        while pending:
            suspects = [j for j in pending if crashes.get(j.row)]
            # A pool serves at most RECYCLE_AFTER handouts a worker, then fresh workers
            # (forked from this small process) take over.
            batch, workers = (suspects, 1) if suspects else (pending[: n_workers * RECYCLE_AFTER], n_workers)
            rest = [j for j in pending if j not in batch]
            if first_pool is not None and workers == n_workers:
                pool, first_pool = first_pool, None
            else:
                pool = _new_pool(settings, min(workers, len(batch)), context, loaded)
            futures = {pool.submit(_render_job, job, str(out)): job for job in batch}
            retry: list[Job] = []
            broken = interrupted = False
            in_flight: set[int] | None = None
            try:
                for fut in cf.as_completed(futures):
                    job = futures[fut]
                    try:
                        yield fut.result()
                        continue
                    except BrokenProcessPool:
                        broken = True
                    except Exception as exc:  # noqa: BLE001 - pickling or an unexpected pool error costs one row
                        yield Outcome(job.row, "failed", job.patient.id, reason=f"{type(exc).__name__}: {exc}")
                        continue
                    if in_flight is None:  # read once: the rows the workers held when one died
                        in_flight = {row for row in pool.slots[:] if row > 0}  # type: ignore[attr-defined]
                    if job.row in in_flight:
                        crashes[job.row] = crashes.get(job.row, 0) + 1
                        if crashes[job.row] >= CRASHES_BEFORE_FAILING:
                            yield Outcome(job.row, "failed", job.patient.id, reason="the render worker crashed on this patient")
                            continue
                    retry.append(job)
            except BaseException:  # Ctrl-C, SIGTERM turned into an exception, the caller gone
                interrupted = True
                raise
            finally:
                if interrupted:
                    _stop(pool)
                else:
                    pool.shutdown(wait=not broken, cancel_futures=True)
            pending = retry + rest
    finally:
        thaw_heap(frozen)
        if first_pool is not None:
            first_pool.shutdown(wait=False, cancel_futures=True)


def _stop(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what has not started and end the workers, instead of waiting
    for the handouts in flight (an interrupted run must end at once; its manifest is saved)."""
    processes = list(getattr(pool, "_processes", {}).values())  # the executor has no public way
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.terminate()
        except (OSError, AttributeError, ValueError):
            pass


def _unique(stem: str, used: set[str]) -> str:
    candidate, n = stem, 2
    while candidate.lower() in used:
        candidate = f"{stem}-{n}"
        n += 1
    used.add(candidate.lower())
    return candidate


def _safe_id(data: dict) -> str | None:
    value = data.get("id") if isinstance(data, dict) else None
    return str(value)[:80] if value not in (None, "") else None


def _warnings(program) -> str | None:
    """The plan's warnings for the clinician, loud, for the row's reason column."""
    return "; ".join(f"WARNING: {w}" for w in program.clinician_warnings) or None


def _reason(exc: RehabplanError) -> str:
    # Problem messages name fields, never the patient's name.
    if exc.problems:
        return "; ".join(f"{p.field}: {p.message}" + (f" ({p.fix})" if p.fix else "") for p in exc.problems)
    return exc.message


def _read_manifest(out: Path) -> dict[str, dict]:
    path = out / MANIFEST
    try:
        data = json.loads(read_regular(path, MAX_MANIFEST_BYTES))
        return dict(data.get("entries", {}))
    except (Refused, OSError, ValueError, AttributeError):
        return {}  # no manifest (or a damaged one): everything is rebuilt


def _write_manifest(out: Path, entries: dict[str, dict], changed: set[str] | None = None) -> None:
    """Merge this run's ``changed`` entries into the manifest on disk, under a lock: two runs
    into one folder keep every entry. ``changed=None`` writes ``entries`` as they are."""
    from rehabplan.bulk.manifest import locked

    with locked(out):
        merged = _read_manifest(out) if changed is not None else {}
        merged.update(entries if changed is None else {k: entries[k] for k in changed if k in entries})
        data = {"schema_version": "1.0", "rehabplan": __version__, "entries": dict(sorted(merged.items()))}
        atomic_write(out / MANIFEST, (json.dumps(data, indent=2) + "\n").encode(), force=True)


def _up_to_date(entry: dict | None, job: Job, out: Path) -> bool:
    if not entry or entry.get("input_hash") != job.input_hash:
        return False
    for fmt in job.formats:
        name = entry.get("files", {}).get(fmt)
        if not name:
            return False
        path = out / name
        try:
            # Only a regular file directly in the output folder counts (a damaged manifest
            # could name a device or a path elsewhere).
            if path.parent != out or sha256_bytes(read_regular(path, MAX_OUTPUT_BYTES)) != entry["sha256"][fmt]:
                return False
        except (Refused, OSError, KeyError, TypeError):
            return False
    return True
