"""Worker processes: start-up, one job, memory, crash recovery, shutdown."""

from __future__ import annotations

import concurrent.futures as cf
import logging
import os
import time
from collections.abc import Generator, Iterable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from rehabplan.bulk.jobs import CRASHES_BEFORE_FAILING, RECYCLE_AFTER, Job, Outcome, Settings, _warnings
from rehabplan.errors import RehabplanError
from rehabplan.outputs.export import program_ics, program_json
from rehabplan.outputs.files import atomic_write, sha256_bytes
from rehabplan.planning.planner import plan
from rehabplan.process import freeze_heap, own_this_process, thaw_heap
from rehabplan.sources.library import Library, load_library
from rehabplan.sources.protocols import load_protocols

log = logging.getLogger("rehabplan.bulk.run")


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

    signal.signal(signal.SIGTERM, _on_term)
    if inherited is not None:  # forked: the parent's library and protocols, not a second copy
        _WORKER["library"], _WORKER["protocols"] = inherited
    else:
        _WORKER["library"] = load_library(*settings.library_dirs)
        _WORKER["protocols"] = load_protocols(_WORKER["library"], *settings.protocol_dirs)
    _WORKER["renderer"] = Renderer(settings.config, settings.style)
    # Every handout ends with a full collection (_release_memory), so automatic ones during a
    # render only cost time: WeasyPrint makes about a million objects a handout and each full
    # collection walks them all (~10 % of a render's CPU). What the worker holds for good (the
    # library, the renderer, the imports) is frozen: those collections never walk it either.
    import gc

    own_this_process()  # a worker is bulk's own process: its collector is bulk's to steer
    gc.disable()
    gc.collect()
    gc.freeze()


def _on_term(signum: int, frame: Any) -> None:
    """A worker stopped by the parent (an interrupted run) ends at once, unless it is writing a
    file: then it ends as soon as the file is whole (_write_whole)."""
    if _WORKER.get("writing"):
        _WORKER["stop_with"] = signum
        return
    _cleanup_worker()
    os._exit(128 + signum)


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
            if os.getppid() != parent_pid and not _WORKER.get("writing"):
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
            _write_whole(Path(out_dir) / name, data)
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


def _write_whole(path: Path, data: bytes) -> None:
    """Write one output file; a stop (SIGTERM from an interrupted run) that arrives meanwhile
    waits until the file is whole, since the stop ends the worker at once (os._exit runs no
    clean-up) and would leave the temporary file behind in the output folder."""
    _WORKER["writing"] = True
    try:
        atomic_write(path, data, force=True)
    finally:
        _WORKER["writing"] = False
        signum = _WORKER.pop("stop_with", None)
        if signum is not None:
            _cleanup_worker()
            os._exit(128 + signum)


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
            retry = yield from _run_batch(pool, batch, out, crashes)
            pending = retry + rest
    finally:
        thaw_heap(frozen)
        if first_pool is not None:
            first_pool.shutdown(wait=False, cancel_futures=True)


def _run_batch(
    pool: cf.ProcessPoolExecutor, batch: list[Job], out: Path, crashes: dict[int, int]
) -> Generator[Outcome, None, list[Job]]:
    """Render ``batch`` on ``pool`` (shut down after), yielding outcomes as they finish; returns
    the jobs to run again because a worker died under them. ``crashes`` counts deaths a row."""
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
    return retry


def _stop(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool now: end the workers and cancel what has not started, instead of waiting
    for the handouts in flight (an interrupted run must end at once; its manifest is saved)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # the executor has no public way
    for process in processes:
        try:
            process.terminate()
        except (OSError, AttributeError, ValueError):
            pass
    # With its workers gone the executor's manager thread ends at once. Waiting for it here
    # keeps it from closing its wake-up pipe while Python's exit writes to it (CPython 3.11 then
    # prints an ignored "Bad file descriptor" traceback after the run's own message).
    pool.shutdown(wait=True, cancel_futures=True)
