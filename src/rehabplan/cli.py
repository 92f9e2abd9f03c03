"""The command line: parse options, call the Python API, print with rich. Nothing else.

Heavy modules (WeasyPrint, the planner's renderers) are imported inside the commands that need
them, so ``rehabplan --help``, ``exercises list`` and ``validate`` start fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.panel import Panel

from . import __version__
from .errors import Problem, RehabplanError

EXIT_CODES = (
    "Exit codes: 0 ok · 1 bulk run with failures, or an urgent flag from adjust · 2 usage error · "
    "3 library/protocol error · 4 patient/roster/log error · 5 render error · 6 output exists (use --force)."
)

app = typer.Typer(
    name="rehabplan",
    help="Progressive 12-week home exercise programs for physiotherapists, printed as patient "
    "handouts.\n\nExample: rehabplan build examples/patient.yaml -o handout.pdf\n\n" + EXIT_CODES,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
exercises_app = typer.Typer(help="Browse the exercise library.", no_args_is_help=True)
protocols_app = typer.Typer(help="Browse the treatment protocols.", no_args_is_help=True)
patient_app = typer.Typer(help="Create patient files.", no_args_is_help=True)
app.add_typer(exercises_app, name="exercises")
app.add_typer(protocols_app, name="protocols")
app.add_typer(patient_app, name="patient")

out = Console()
err = Console(stderr=True)


def fail(exc: RehabplanError) -> None:
    body = exc.message
    if exc.problems:
        body += "\n\n" + "\n".join(f"• {p}" for p in exc.problems[:60])
        if len(exc.problems) > 60:
            body += f"\n… and {len(exc.problems) - 60} more"
    err.print(Panel(_escape(body), title=f"[bold red]{exc.title}[/]", title_align="left", border_style="red"))
    raise typer.Exit(exc.exit_code)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def version_callback(value: bool) -> None:
    if value:
        out.print(f"rehabplan {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True, help="Show the version and exit."),
) -> None:
    pass


def _sources(config: Optional[Path], library: Optional[list[Path]], protocols: Optional[list[Path]] | None = None, *, strict: bool = False):
    """Clinic configuration, library and (when asked) protocols: options win over the config."""
    from .config import load_config
    from .library import load_library

    cfg = load_config(config)
    lib = load_library(*(list(library or []) or cfg.library), strict=strict)
    if protocols is None:
        return cfg, lib, None
    from .protocols import load_protocols

    return cfg, lib, load_protocols(lib, *(list(protocols) or cfg.protocols), strict=strict)


LibraryOpt = typer.Option(None, "--library", "-L", help="A clinic exercise folder layered over the built-in library (repeatable).")
ProtocolsOpt = typer.Option(None, "--protocols", "-P", help="A clinic protocol folder layered over the built-in protocols (repeatable).")
ConfigOpt = typer.Option(None, "--config", help="Clinic configuration file (default: ./rehabplan.yaml if present).")


# --------------------------------------------------------------------------- library commands


@app.command()
def validate(
    folder: Optional[list[Path]] = typer.Argument(None, help="Clinic exercise folder(s) to check on top of the built-in library."),
    protocols: Optional[list[Path]] = ProtocolsOpt,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Check the exercise library and protocols; list every problem with file and line.

    Example: rehabplan validate my-clinic/exercises --strict
    """

    try:
        _, library, protos = _sources(config, folder, protocols or [], strict=strict)
    except RehabplanError as exc:
        fail(exc)
    for o in library.overrides:
        out.print(f"[yellow]override[/] exercise '{o.id}': {o.by} replaces {o.replaced}")
    for o in protos.overrides:
        out.print(f"[yellow]override[/] protocol '{o.id}': {o.by} replaces {o.replaced}")
    for w in library.warnings + protos.warnings:
        out.print(f"[yellow]warning[/] {_escape(str(w))}")
    out.print(
        f"[green]ok[/] {len(library.exercises)} exercises in {len(library.folders)} folder(s), "
        f"{len(protos.protocols)} protocols"
    )


@exercises_app.command("list")
def exercises_list(
    category: Optional[str] = typer.Option(None, "--category", "-c", help="stretch, neural_mobility, strength, core, motor_control, aerobic"),
    equipment: Optional[str] = typer.Option(None, "--equipment", "-e", help="Only exercises needing this equipment (or 'none')."),
    library: Optional[list[Path]] = LibraryOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """List exercises as a table.

    Example: rehabplan exercises list --category strength --equipment band
    """
    from rich.table import Table


    try:
        _, lib, _ = _sources(config, library)
    except RehabplanError as exc:
        fail(exc)
    table = Table(title="Exercise library", show_lines=False)
    for col in ("id", "name", "category", "equipment", "dose", "easier → harder"):
        table.add_column(col)
    for ex in sorted(lib.exercises.values(), key=lambda e: (e.category.value, e.id)):
        if category and ex.category.value != category:
            continue
        eq = [e.value for e in ex.equipment]
        if equipment and not ((equipment == "none" and not eq) or equipment in eq):
            continue
        d = ex.dosage
        dose = {
            "reps": lambda: f"{d.sets.default:g}×{d.reps.default:g} @ {d.tempo}",
            "hold": lambda: f"{d.sets.default:g}×{d.reps.default:g} × {d.hold_s.default:g}s hold",
            "duration": lambda: f"{d.minutes.default:g} min",
        }[d.kind.value]()
        table.add_row(ex.id, ex.name, ex.category.value, ", ".join(eq) or "none", dose, f"{ex.easier or '—'} → {ex.harder or '—'}")
    out.print(table)


@exercises_app.command("show")
def exercises_show(
    exercise_id: str = typer.Argument(..., help="Exercise id, e.g. glute-bridge."),
    library: Optional[list[Path]] = LibraryOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Show one exercise: instructions, dosage bounds and its ladder.

    Example: rehabplan exercises show clamshell
    """
    import difflib

    from rich.table import Table

    from .errors import LibraryError

    try:
        _, lib, _ = _sources(config, library)
        if exercise_id not in lib:
            guess = difflib.get_close_matches(exercise_id, list(lib.exercises), n=3)
            raise LibraryError(f"no exercise '{exercise_id}'" + (f"; did you mean {', '.join(guess)}?" if guess else "; see 'rehabplan exercises list'"))
    except RehabplanError as exc:
        fail(exc)
    ex = lib[exercise_id]
    out.print(f"[bold]{ex.name}[/]  ({ex.id}, {ex.category.value})  {lib.files[ex.id]}")
    if ex.aliases:
        out.print("Also called: " + ", ".join(ex.aliases))
    out.print(f"Equipment: {', '.join(e.value for e in ex.equipment) or 'none'}   Laterality: {ex.laterality.value}")
    out.print(f"\n[bold]Starting position[/]\n{ex.starting_position}")
    out.print("\n[bold]Steps[/]")
    for i, step in enumerate(ex.instructions, 1):
        out.print(f" {i}. {step}")
    bounds = Table(title="Dosage bounds", show_header=True)
    for col in ("field", "min", "default", "max"):
        bounds.add_column(col)
    d = ex.dosage
    for name in ("sets", "reps", "hold_s", "minutes", "rest_s", "sessions_per_week"):
        b = getattr(d, name)
        if b is not None:
            bounds.add_row(name, f"{b.min:g}", f"{b.default:g}", f"{b.max:g}")
    if d.tempo:
        bounds.add_row("tempo", "", str(d.tempo), str(d.tempo_slowest or d.tempo))
    if d.load_options:
        bounds.add_row("load", d.load_options[0], "", d.load_options[-1])
    out.print(bounds)
    ladder = lib.ladder(ex.id)
    out.print("Ladder: " + " → ".join(f"[bold]{i}[/]" if i == ex.id else i for i in ladder))


CONFIG_TEMPLATE = """\
# rehabplan clinic configuration. rehabplan reads ./rehabplan.yaml, or the file named by --config.
# Paths are relative to this file. Check it with: rehabplan validate --config rehabplan.yaml
clinic:
  name: {name}
  phone: "+44 20 0000 0000"        # printed on the cover and the red-flag page
  address: 1 High Street, Town, AB1 2CD
  # logo: logo.png                 # PNG or SVG beside this file
clinician: Your Name, physiotherapist   # default clinician on handouts
paper: a4                          # a4 | letter
units: kg                          # kg | lb
locale: en-GB                      # en-GB, en-US, en-AU, en-CA, en-IE, en-NZ: dates and the emergency number
# emergency_number: "999"          # default from locale (999, 911, 000, 112, 111)
large_print: false                 # true = 18 pt handouts
edition: full                      # full | compact (the same plan in about half the pages)
library: []                        # clinic exercise folders layered over the built-in library
protocols: []                      # clinic protocol folders layered over the built-in protocols
# templates: templates/            # clinic templates overriding the built-in ones by name
"""


@app.command()
def init(
    output: Path = typer.Argument(Path("rehabplan.yaml"), help="Where to write the configuration."),
    clinic: str = typer.Option("Your physiotherapy clinic", "--clinic", help="Clinic name."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented clinic configuration (rehabplan.yaml) to edit.

    Example: rehabplan init --clinic "Riverside Physio"
    """
    import json

    from .config import load_config
    from .files import atomic_write

    try:
        atomic_write(output, CONFIG_TEMPLATE.format(name=json.dumps(clinic)).encode(), force)
        load_config(output)
    except RehabplanError as exc:
        fail(exc)
    err.print(f"[green]wrote[/] {output}")


@app.command()
def schema(
    kind: str = typer.Argument("exercise", help="exercise, protocol, patient or program"),
) -> None:
    """Print the JSON Schema of a YAML file kind, for editors (yaml-language-server).

    Example: rehabplan schema exercise > exercise.schema.json
    """
    import json

    from . import models

    target = {"exercise": models.Exercise, "protocol": models.Protocol, "patient": models.Patient, "program": models.Program}.get(kind)
    if target is None:
        fail(RehabplanError(f"unknown kind '{kind}'; use exercise, protocol, patient or program"))
    sys.stdout.write(json.dumps(target.model_json_schema(), indent=2) + "\n")


# --------------------------------------------------------------------------- programs


def _overrides(**fields) -> dict:
    return {k: v for k, v in fields.items() if v is not None}


def _load_all(patient_file: Path, config: Optional[Path], library: Optional[list[Path]], protocols: Optional[list[Path]], overrides: dict):
    from .patients import load_patient
    from .planner import plan

    cfg, lib, protos = _sources(config, library, protocols or [])
    if "clinician" not in overrides and cfg.clinician:
        overrides = {"clinician": cfg.clinician, **overrides}
    patient = load_patient(patient_file, overrides)
    if patient.clinician is None and cfg.clinician:
        patient = patient.model_copy(update={"clinician": cfg.clinician})
    program = plan(lib, protos[patient.protocol], patient)
    return cfg, lib, program


@app.command()
def build(
    patient_file: Path = typer.Argument(..., help="Patient YAML file (see examples/patient.yaml)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Output file ('-' = standard output for json/html/ics). Default: handout-<id>.<format>."),
    fmt: str = typer.Option("pdf", "--format", "-f", help="pdf, html, json or ics."),
    paper: Optional[str] = typer.Option(None, "--paper", help="a4 or letter (default from the config: a4)."),
    large_print: Optional[bool] = typer.Option(None, "--large-print/--normal-print", help="18 pt large print."),
    compact: Optional[bool] = typer.Option(None, "--compact/--full", help="Compact edition: the same plan in about half the pages (default from the config: full)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
    templates: Optional[Path] = typer.Option(None, "--templates", help="Clinic template folder (sandboxed)."),
    protocol: Optional[str] = typer.Option(None, "--protocol", help="Override the patient's protocol."),
    start_date: Optional[str] = typer.Option(None, "--start-date", help="Override the start date (YYYY-MM-DD)."),
    weeks: Optional[int] = typer.Option(None, "--weeks", help="Override the program length (4-24 weeks)."),
    sessions: Optional[int] = typer.Option(None, "--sessions", help="Override sessions per week."),
    minutes: Optional[int] = typer.Option(None, "--minutes", help="Override minutes per session."),
    irritability: Optional[str] = typer.Option(None, "--irritability", help="Override: high, moderate or low."),
    library: Optional[list[Path]] = LibraryOpt,
    protocols: Optional[list[Path]] = ProtocolsOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Plan a patient's program and write the handout (PDF), or its HTML, JSON or calendar.

    Examples:
      rehabplan build examples/patient.yaml -o handout.pdf
      rehabplan build examples/patient.yaml --format json -o plan.json
      rehabplan build examples/patient.yaml --paper letter --large-print --force
      rehabplan build examples/patient.yaml --compact -o handout-short.pdf
    """
    from .export import program_ics, program_json
    from .files import atomic_write, safe_stem

    if fmt not in ("pdf", "html", "json", "ics"):
        fail(RehabplanError(f"unknown format '{fmt}'; use pdf, html, json or ics"))
    if paper is not None and paper not in ("a4", "letter"):
        fail(RehabplanError(f"unknown paper '{paper}'; use a4 or letter"))
    edition = None if compact is None else ("compact" if compact else "full")
    try:
        cfg, lib, program = _load_all(patient_file, config, library, protocols, _overrides(
            protocol=protocol, start_date=start_date, weeks=weeks, sessions_per_week=sessions,
            minutes=minutes, irritability=irritability,
        ))
        target = output or Path(f"handout-{safe_stem(program.patient.id)}.{fmt}")
        if fmt == "pdf":
            if str(target) == "-":
                raise RehabplanError("a PDF cannot go to standard output; name a file with -o")
            from .render.pdf import render_pdf

            result = render_pdf(program, lib, target, cfg, templates=templates or cfg.templates, large_print=large_print, paper=paper,
                                edition=edition, force=force)
            err.print(f"[green]wrote[/] {result.path} ({result.pages} pages)")
            return
        if fmt == "html":
            from .render.html import render_html

            data = render_html(program, lib, cfg, templates=templates or cfg.templates, large_print=large_print, paper=paper,
                               edition=edition).encode()
        elif fmt == "json":
            data = program_json(program).encode()
        else:
            data = program_ics(program)
        if str(target) == "-":
            sys.stdout.buffer.write(data)
            return
        atomic_write(target, data, force)
        err.print(f"[green]wrote[/] {target}")
    except RehabplanError as exc:
        fail(exc)


@app.command()
def preview(
    patient_file: Path = typer.Argument(..., help="Patient YAML file."),
    week: Optional[int] = typer.Option(None, "--week", "-w", help="Show one week in full."),
    library: Optional[list[Path]] = LibraryOpt,
    protocols: Optional[list[Path]] = ProtocolsOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Show the program in the terminal: phases, then each week's doses.

    Example: rehabplan preview examples/patient.yaml --week 5
    """
    from .preview import print_program

    try:
        _, lib, program = _load_all(patient_file, config, library, protocols, {})
    except RehabplanError as exc:
        fail(exc)
    print_program(out, program, week)


@protocols_app.command("list")
def protocols_list(
    library: Optional[list[Path]] = LibraryOpt,
    protocols: Optional[list[Path]] = ProtocolsOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """List the treatment protocols.

    Example: rehabplan protocols list
    """
    from rich.table import Table


    try:
        _, lib, protos = _sources(config, library, protocols or [])
    except RehabplanError as exc:
        fail(exc)
    table = Table(title="Protocols")
    for col in ("id", "name", "phases", "slots", "file"):
        table.add_column(col)
    for p in protos:
        table.add_row(p.id, p.name, " → ".join(ph.name for ph in p.phases), str(len(p.slots)), str(protos.files[p.id].name))
    out.print(table)


@protocols_app.command("show")
def protocols_show(
    protocol_id: str = typer.Argument(..., help="Protocol id, e.g. deep-gluteal-syndrome."),
    library: Optional[list[Path]] = LibraryOpt,
    protocols: Optional[list[Path]] = ProtocolsOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Show a protocol: phases with goals and criteria, slots with their progression rules.

    Example: rehabplan protocols show lumbar-radicular-sciatica
    """
    from rich.table import Table

    from .preview import phases_table
    from .progression import RULES

    try:
        _, lib, protos = _sources(config, library, protocols or [])
        p = protos[protocol_id]
    except RehabplanError as exc:
        fail(exc)
    out.print(f"[bold]{p.name}[/] ({p.id})\n{p.summary}\n")
    out.print(f"Deload every {p.deload_every_weeks} weeks (volume x{p.deload_volume_factor}); reassess at week {p.reassessment_week}; "
              f"at most {p.max_exercises_per_session} exercises a session; weekly sets rise at most {p.max_weekly_volume_increase_pct}%.")
    out.print(f"Pain: green below {p.pain.amber_from}/10, red above {p.pain.red_above}/10" + ("; spreading leg symptoms = red" if p.pain.spread_is_red else ""))
    out.print(phases_table((ph.weeks[0], ph.weeks[1], ph.name, ph.goal, ph.criterion) for ph in p.phases))
    slots = Table(title="Slots")
    for col in ("slot", "exercise (alternatives)", "phases", "rule", "priority", "when"):
        slots.add_column(col)
    for sl in p.slots:
        rule = sl.progression
        slots.add_row(sl.id, " | ".join(sl.candidates), ", ".join(sl.phases), f"{rule.name}: {RULES[rule.name].description}",
                      f"{sl.priority}{' required' if sl.required else ''}", "every day" if sl.every_day else "sessions")
    out.print(slots)


@patient_app.command("new")
def patient_new(
    output: Path = typer.Argument(Path("patient.yaml"), help="Where to write the patient file."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    library: Optional[list[Path]] = LibraryOpt,
    protocols: Optional[list[Path]] = ProtocolsOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Ask for the patient's details and write a patient file.

    Example: rehabplan patient new jane.yaml
    """
    from .intake import interview

    try:
        interview(out, output, force, config, library, protocols)
    except RehabplanError as exc:
        fail(exc)


@app.command()
def bulk(
    roster: Path = typer.Argument(..., help="Roster: CSV (header = patient fields) or YAML (a list of patients)."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder for the handouts and manifest.json."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: the CPU count)."),
    fmt: str = typer.Option("pdf", "--format", "-f", help="Comma-separated: pdf, json, html, ics."),
    force: bool = typer.Option(False, "--force", help="Rebuild even when the manifest says a handout is up to date."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table (for cron); the exit code tells."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON (documented, no patient names)."),
    paper: Optional[str] = typer.Option(None, "--paper", help="a4 or letter."),
    large_print: Optional[bool] = typer.Option(None, "--large-print/--normal-print", help="18 pt large print."),
    templates: Optional[Path] = typer.Option(None, "--templates", help="Clinic template folder (sandboxed)."),
    library: Optional[list[Path]] = LibraryOpt,
    protocols: Optional[list[Path]] = ProtocolsOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Build a handout for every patient of a roster, in parallel; skip what is up to date.

    One bad row never stops the others. Exit code 0 = all built or skipped, 1 = some failed.
    Patient names are never printed: rows are named by number and id.

    Examples:
      rehabplan bulk examples/roster.csv --out handouts/
      rehabplan bulk roster.yaml --out out/ --format pdf,json --jobs 2 --quiet
    """
    import json
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.table import Table

    from .bulk import bulk_build

    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    show = not quiet and not as_json
    progress = Progress(
        TextColumn("[bold]building handouts"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        console=err, disable=not show, transient=False,
    )
    try:
        with progress:
            task = progress.add_task("bulk", total=None, rate="")
            started = time.perf_counter()

            def tick(outcome, done, total):
                elapsed = max(time.perf_counter() - started, 1e-6)
                progress.update(task, completed=done, total=total, rate=f"{done / elapsed:.1f}/s")

            report = bulk_build(roster, out_dir, jobs=jobs, formats=formats, force=force, config=config,
                                library_dirs=library or (), protocol_dirs=protocols or (), templates=templates,
                                paper=paper, large_print=large_print, progress=tick)
    except RehabplanError as exc:
        fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    elif not quiet:
        table = Table(title=f"Bulk build: {report.built} built, {report.skipped} skipped, {report.failed} failed "
                            f"in {report.seconds:.1f} s ({report.jobs} worker{'s' if report.jobs > 1 else ''})")
        for col in ("row", "patient id", "status", "pages", "reason"):
            table.add_column(col)
        for o in report.outcomes:
            if o.status == "skipped" and len(report.outcomes) > 30:
                continue
            style = {"failed": "red", "skipped": "dim"}.get(o.status, "")
            table.add_row(str(o.row), _escape(o.patient_id or "—"), o.status, str(o.pages or ""), _escape(o.reason or ""), style=style)
        out.print(table)
    if report.failed:
        raise typer.Exit(1)


def _program_from(path: Path, config, library, protocols):
    """A program JSON as it is, or a patient YAML planned now."""
    from .errors import PatientError
    from .models import Program

    if path.suffix.lower() == ".json":
        from pydantic import ValidationError

        cfg, lib, _ = _sources(config, library)
        try:
            return cfg, lib, Program.model_validate_json(path.read_bytes())
        except (OSError, ValidationError) as exc:
            raise PatientError(f"{path} is not a rehabplan program JSON", [Problem(path, None, "", str(exc).splitlines()[0], "build one with 'rehabplan build … --format json'")]) from None
    return _load_all(path, config, library, protocols, {})


@app.command("log-template")
def log_template_cmd(
    source: Path = typer.Argument(..., help="Patient YAML or program JSON."),
    output: Path = typer.Option(Path("log.csv"), "--output", "-o", help="CSV to write ('-' = standard output)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    library: Optional[list[Path]] = LibraryOpt,
    protocols: Optional[list[Path]] = ProtocolsOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Write a blank log: one row per exercise per session, for the patient or clinician to fill in.

    Columns: week, session, date, exercise, done (yes/no), sets, reps, hold_s, pain_during (0-10),
    pain_next_morning (0-10), spread (yes/no: symptoms spreading down the leg), note.

    Example: rehabplan log-template examples/patient.yaml -o log.csv
    """
    from .adjust import log_template
    from .files import atomic_write

    try:
        _, _, program = _program_from(source, config, library, protocols)
        text = log_template(program)
        if str(output) == "-":
            sys.stdout.write(text)
            return
        atomic_write(output, text.encode(), force)
        err.print(f"[green]wrote[/] {output}")
    except RehabplanError as exc:
        fail(exc)


@app.command()
def adjust(
    source: Path = typer.Argument(..., help="Patient YAML or program JSON (the plan the patient followed)."),
    log: Path = typer.Argument(..., help="The filled-in log (CSV or YAML)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Adjusted program JSON (default: adjusted-<id>.json)."),
    handout: Optional[Path] = typer.Option(None, "--handout", help="Also write a new handout PDF for the remaining weeks."),
    from_week: Optional[int] = typer.Option(None, "--from-week", help="First week to change (default: the week after the last logged one)."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing outputs."),
    library: Optional[list[Path]] = LibraryOpt,
    protocols: Optional[list[Path]] = ProtocolsOpt,
    config: Optional[Path] = ConfigOpt,
) -> None:
    """Adjust the weeks not yet done from the patient's pain log (green / amber / red).

    Green: progress as planned. Amber: hold the dose a week. Red (pain over the protocol's
    limit, worse next morning, or symptoms spreading down the leg in nerve protocols): go back
    two steps or to the easier variant. Past weeks never change. Flags for the clinician are
    printed; an urgent flag exits with code 1 so scripts notice.

    Example: rehabplan adjust examples/patient.yaml examples/log-3-weeks.csv --handout adjusted.pdf
    """
    from rich.table import Table

    from .adjust import adjust as adjust_program
    from .adjust import read_log, remaining
    from .export import program_json
    from .files import atomic_write, safe_stem

    try:
        cfg, lib, program = _program_from(source, config, library, protocols)
        entries, problems = read_log(log, program)
        for p in problems:
            err.print(f"[yellow]skipped log row[/] {_escape(str(p))}")
        new = adjust_program(program, lib, entries, from_week)
        target = output or Path(f"adjusted-{safe_stem(program.patient.id)}.json")
        atomic_write(target, program_json(new).encode(), force)
        if handout:
            from .render.pdf import render_pdf

            render_pdf(remaining(new), lib, handout, cfg, force=force)
    except RehabplanError as exc:
        fail(exc)
    table = Table(title=f"Adjusted from week {new.adjusted_from_week} ({len(entries)} log rows used, {len(problems)} skipped)")
    for col in ("exercise", "light", "why", "what changes"):
        table.add_column(col)
    for a in new.adjustments:
        colour = {"green": "green", "amber": "yellow", "red": "red"}[a.light]
        table.add_row(a.exercise, f"[{colour}]{a.light}[/]", _escape(a.reason), _escape(a.change))
    out.print(table)
    for f in new.flags:
        style = "bold red" if f.level == "urgent" else "yellow"
        rows = f" (log rows {', '.join(map(str, f.rows))})" if f.rows else ""
        out.print(f"[{style}]{f.level.upper()}[/]: {_escape(f.message)}{rows}")
    err.print(f"[green]wrote[/] {target}" + (f" and {handout}" if handout else ""))
    if any(f.level == "urgent" for f in new.flags):
        raise typer.Exit(1)


def main() -> None:
    app()
