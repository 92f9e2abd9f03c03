"""Bulk builds: a roster in, a folder of handouts out.

The unit of work is one patient -> one set of files, idempotent and recorded in a manifest with
the hash of everything that went into it. That unit is what a bigger engine (a process pool on
several hosts, a job queue) would run unchanged; here it runs on a local process pool.

Stages, top to bottom: read roster -> parse rows -> plan (in the parent: cheap, and a bad row
fails alone) -> skip what the manifest says is up to date -> render in worker processes (one
WeasyPrint set-up per worker) -> write each file atomically -> write the manifest."""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rehabplan.bulk.jobs import (
    FORMATS,
    MAX_ROSTER_BYTES,
    BulkReport,
    Job,
    Outcome,
    Settings,
    _reason,
    _safe_id,
    _unique,
    _warnings,
)
from rehabplan.bulk.manifest import RunManifest, _read_manifest, _up_to_date, input_hash
from rehabplan.bulk.pool import _context, _forget_plans, _new_pool, _run_pool, log
from rehabplan.errors import PatientError, Problem, RehabplanError
from rehabplan.models.patient import DATE_FORMAT
from rehabplan.outputs.files import safe_stem
from rehabplan.planning.planner import plan
from rehabplan.render.style import HandoutStyle, style_of
from rehabplan.resources import data_dir
from rehabplan.sources.config import ClinicConfig, load_config
from rehabplan.sources.library import load_library
from rehabplan.sources.patients import patient_from_row
from rehabplan.sources.protocols import load_protocols
from rehabplan.sources.yaml_file import load_yaml_list, row_of


def read_roster(path: Path | str) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a CSV (header = patient fields) or YAML (a list of patients), with row numbers."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _read_yaml_roster(path)
    return _read_csv_roster(path)


def _read_yaml_roster(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """A YAML roster's items with their line numbers; an item that cannot be read is marked, not fatal."""
    located, problems = load_yaml_list(
        path,
        MAX_ROSTER_BYTES,
        "roster",
        "a YAML list of patients",
        "expected a list (lines starting with '- ')",
        "see examples/roster.yaml",
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


def _read_csv_roster(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """A CSV roster's rows with their line numbers, once its header names known columns once each."""
    from rehabplan.sources.spreadsheet import dict_reader, read_csv_text  # ';', BOM, Windows-1252 as spreadsheets save

    text, problem = read_csv_text(path, MAX_ROSTER_BYTES)
    if problem or text is None:
        raise PatientError(f"the roster {path} cannot be read", [problem] if problem else [])
    reader = dict_reader(text)
    _check_header(path, reader.fieldnames)
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


def _check_header(path: Path, fieldnames: Any) -> None:
    """PatientError for a CSV roster with no header, a column named twice or an unknown column."""
    if not fieldnames:
        raise PatientError(
            f"the roster {path} is empty",
            [
                Problem(
                    path, 1, "", "no header row", "the first line names the patient fields: id,name,protocol,start_date,side,…"
                )
            ],
        )
    names = [f.strip() for f in fieldnames if f]
    twice = sorted({f for f in names if names.count(f) > 1})
    if twice:  # csv.DictReader would silently keep the last of the two
        raise PatientError(
            f"the roster {path} names a column twice",
            [Problem(path, 1, f, "this column appears more than once", "keep one of them") for f in twice],
        )
    unknown = [f for f in fieldnames if f and f.strip() not in _FIELDS]
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


def bulk_build(  # long only by its keyword arguments and docstring: the steps are _load_settings, _prepare_output, _plan_rows, _run_pool
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
    style: HandoutStyle | None = None,
    progress: Callable[[Outcome, int, int], None] | None = None,
    start_method: str | None = None,
) -> BulkReport:
    """Build every patient of ``roster`` into ``out_dir``; one bad row never stops the others.

    Returns a BulkReport; raises only for problems with the whole run (unreadable roster,
    invalid library). ``progress(outcome, done, total)`` is called as patients finish.
    ``start_method`` is the multiprocessing start method ("fork", "spawn", "forkserver");
    by default the platform's own (fork on Linux, spawn on macOS and Windows). ``style`` (a
    HandoutStyle) or the separate templates/paper/large_print/edition say how handouts look.
    """
    started = time.perf_counter()
    formats = _checked_formats(formats)
    settings, library, protocols = _load_settings(
        config, library_dirs, protocol_dirs, style, templates=templates, large_print=large_print, paper=paper, edition=edition
    )
    out = Path(out_dir)
    assets, manifest = _prepare_output(out, settings, library)

    rows = read_roster(roster)
    # Start the workers now, while this process is still small: a forked worker's memory is
    # whatever its parent had, and the planned programs of a long roster are not small.
    # Never more workers than cores or rows: --jobs 1000 must not start 1000 processes.
    cpus = os.cpu_count() or 1
    n_workers = max(1, min(jobs or cpus, cpus, len(rows) or 1))
    context = _context(start_method)
    first_pool = _new_pool(settings, n_workers, context, (library, protocols))
    try:
        outcomes, todo = _plan_rows(rows, library, protocols, settings, assets, manifest, out, formats, force)
    except BaseException:
        first_pool.shutdown(wait=False, cancel_futures=True)
        raise

    _forget_plans(library)  # workers forked from here later (recycled pools) stay small
    total = len(rows)
    done = len(outcomes)
    if progress:
        for o in list(outcomes.values()):
            progress(o, done, total)
    with RunManifest(out, manifest) as recorder:  # saved also on Ctrl-C: what was built stays recorded
        for outcome in _run_pool(todo, settings, out, n_workers, context, first_pool, (library, protocols)):
            outcomes[outcome.row] = outcome
            done += 1
            recorder.record(outcome, todo)
            if progress:
                progress(outcome, done, total)
            log.debug("row %d: %s", outcome.row, outcome.status)
    ordered = [outcomes[r] for r, _ in rows]
    report = BulkReport(out, ordered, time.perf_counter() - started, n_workers)
    log.info("bulk: %d built, %d skipped, %d failed", report.built, report.skipped, report.failed)
    return report


def _checked_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The requested formats, each once, in order; UsageError for an unknown one or none."""
    formats = tuple(dict.fromkeys(formats))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        from rehabplan.errors import UsageError

        raise UsageError(f"unknown format(s) {', '.join(bad) or '(none)'}; use {', '.join(FORMATS)}")
    return formats


def _load_settings(
    config: ClinicConfig | Path | str | None,
    library_dirs: Iterable[Path | str],
    protocol_dirs: Iterable[Path | str],
    style: HandoutStyle | None,
    **look_options: Any,
) -> tuple[Settings, Any, Any]:
    """The run's settings (clinic config, handout look, library and protocol folders), with the
    library and protocols loaded from them."""
    cfg = config if isinstance(config, ClinicConfig) else load_config(config)
    DATE_FORMAT.set(cfg.date_format)  # how the roster may write its dates (date_format:)
    lib_dirs = tuple(Path(p) for p in (list(library_dirs) or cfg.library))
    library = load_library(*lib_dirs)
    protocols = load_protocols(library, *(Path(p) for p in (list(protocol_dirs) or cfg.protocols)))
    look_options["templates"] = look_options["templates"] or None
    look = style_of(cfg, style, **look_options)
    proto_dirs = tuple(Path(p) for p in (list(protocol_dirs) or cfg.protocols))
    return Settings(cfg, look, lib_dirs, proto_dirs), library, protocols


def _prepare_output(out: Path, settings: Settings, library: Any) -> tuple[str, dict[str, dict]]:
    """Check ``out`` can be written (before any patient is planned), then the digest of the
    files every handout uses and the manifest of the last run there."""
    from rehabplan.bulk.manifest import check_writable

    check_writable(out)
    from rehabplan.bulk.assets import assets_digest

    assets = assets_digest([data_dir("templates"), settings.style.templates], library, settings.config.clinic.logo, out)
    return assets, _read_manifest(out)


def _plan_rows(
    rows: list[tuple[int, dict[str, Any]]],
    library: Any,
    protocols: Any,
    settings: Settings,
    assets: str,
    manifest: dict[str, dict],
    out: Path,
    formats: tuple[str, ...],
    force: bool,
) -> tuple[dict[int, Outcome], list[Job]]:
    """Plan every row in this process: the rows that failed or are up to date get their outcome
    now; the others become render jobs."""
    outcomes: dict[int, Outcome] = {}
    todo: list[Job] = []
    used_stems: set[str] = set()
    for row, data in rows:
        try:
            patient, program = _plan_row(row, data, library, protocols)
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
            outcomes[row] = _skipped(row, patient.id, manifest[stem], program)
            continue
        todo.append(job)
    return outcomes, todo


def _plan_row(row: int, data: dict[str, Any], library: Any, protocols: Any) -> tuple[Any, Any]:
    """One roster row's patient and program; PatientError for a row that cannot be read."""
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
    return patient, plan(library, protocols[patient.protocol], patient)


def _skipped(row: int, patient_id: str, prev: dict, program: Any) -> Outcome:
    """The outcome of a row whose files the manifest says are up to date."""
    return Outcome(
        row,
        "skipped",
        patient_id,
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
