"""One patient: preview in the terminal, build a handout (PDF, HTML, JSON, calendar)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer

from rehabplan.cli.base import (
    ConfigOpt,
    Format,
    LibraryOpt,
    Paper,
    ProtocolsOpt,
    _complete_protocol_ids,
    _escape,
    _load_all,
    _overrides,
    _say_config_defaults,
    _status,
    _style,
    app,
    err,
    out,
)

if TYPE_CHECKING:
    from rehabplan.render.style import HandoutStyle


@app.command()
def build(  # long only by Typer's option declarations: the steps are _session_time, _planned, _file_bytes
    patient_file: Path = typer.Argument(..., help="Patient YAML file (see examples/patient.yaml), or a program JSON."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Output file ('-' = standard output for json/html/ics). Default: handout-<id>.<format>."
    ),
    fmt: Format = typer.Option("pdf", "--format", "-f", help="What to write."),
    paper: Paper | None = typer.Option(None, "--paper", help="Paper size (default from the config: a4)."),
    large_print: bool | None = typer.Option(None, "--large-print/--normal-print", help="18 pt large print."),
    compact: bool | None = typer.Option(
        None, "--compact/--full", help="Compact edition: the same plan in about half the pages (default from the config: full)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No status or messages on stderr; errors still show."),
    session_time: str | None = typer.Option(
        None,
        "--session-time",
        metavar="HH:MM",
        help="Calendar (ics): time of each session, in the config's timezone (default 09:00).",
    ),
    templates: Path | None = typer.Option(None, "--templates", help="Clinic template folder (sandboxed)."),
    protocol: str | None = typer.Option(
        None, "--protocol", help="Override the patient's protocol.", autocompletion=_complete_protocol_ids
    ),
    start_date: str | None = typer.Option(None, "--start-date", help="Override the start date (YYYY-MM-DD)."),
    weeks: int | None = typer.Option(None, "--weeks", help="Override the program length (4-24 weeks)."),
    sessions: int | None = typer.Option(None, "--sessions", help="Override sessions per week."),
    minutes: int | None = typer.Option(None, "--minutes", help="Override minutes per session."),
    irritability: Literal["high", "moderate", "low"] | None = typer.Option(
        None, "--irritability", help="Override the irritability."
    ),
    library: list[Path] | None = LibraryOpt,
    protocols: list[Path] | None = ProtocolsOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """Plan a patient's program and write the handout (PDF), or its HTML, JSON or calendar.

    Examples:
      rehabplan build examples/patient.yaml -o handout.pdf
      rehabplan build examples/patient.yaml --format json -o plan.json
      rehabplan build examples/patient.yaml --format ics --session-time 18:30 -o plan.ics
      rehabplan build examples/patient.yaml --paper letter --large-print --force
      rehabplan build examples/patient.yaml --compact -o handout-short.pdf
    """
    from rehabplan.outputs.files import atomic_write, safe_stem

    at = _session_time(session_time)
    if fmt == "pdf" and output is not None and str(output) == "-":
        raise typer.BadParameter("a PDF cannot go to standard output; name a file, e.g. -o handout.pdf", param_hint="--output")
    say = (lambda *a, **k: None) if quiet else err.print
    from rehabplan.cli.config_notes import set_quiet

    set_quiet(quiet)
    with _status(f"Planning {patient_file.name}", quiet) as status:
        overrides = _overrides(
            protocol=protocol,
            start_date=start_date,
            weeks=weeks,
            sessions_per_week=sessions,
            minutes=minutes,
            irritability=irritability,
        )
        cfg, lib, program = _planned(patient_file, fmt, config, library, protocols, overrides)
        target = output or Path(f"handout-{safe_stem(program.patient.id)}.{fmt}")
        if fmt in ("pdf", "html") and not quiet:
            _say_config_defaults(cfg)
        look = _style(cfg, templates, paper, large_print, compact) if fmt in ("pdf", "html") else None
        if fmt == "pdf":
            from rehabplan.render.pdf import render_pdf

            status(f"Rendering the handout for {program.patient.id} ({len(program.weeks)} weeks; a few seconds)")
            result = render_pdf(program, lib, target, cfg, style=look, force=force)
            say(f"[green]wrote[/] {_escape(str(result.path))} ({result.pages} pages)")
            return
        data = _file_bytes(fmt, program, lib, cfg, look, at)
        if str(target) == "-":
            sys.stdout.buffer.write(data)
            return
        atomic_write(target, data, force)
    say(f"[green]wrote[/] {_escape(str(target))}")


def _planned(patient_file: Path, fmt: str, config, library, protocols, overrides: dict):
    """The program to write: planned (or read), its safety warnings printed loud, refused while
    an urgent flag holds it, and, for a handout, from its first changed week."""
    cfg, lib, program = _load_all(patient_file, config, library, protocols, overrides)
    from rehabplan.outputs.clinician import warnings

    for warning in warnings(program):  # loud, even with --quiet: a safety warning
        err.print(f"[bold red]WARNING:[/] {_escape(warning)}")
    from rehabplan.cli.loop import refuse_urgent_hold

    refuse_urgent_hold(program, fmt)
    if fmt != "json":
        from rehabplan.planning.adjust import remaining

        program = remaining(program)  # an adjusted plan prints from its first changed week
    return cfg, lib, program


def _file_bytes(fmt: str, program, lib, cfg, look: HandoutStyle | None, at: dt.time | None) -> bytes:
    """The handout's HTML, the program JSON or the calendar, as the file's bytes."""
    if fmt == "html":
        from rehabplan.render.html import render_html

        return render_html(program, lib, cfg, style=look).encode()
    if fmt == "json":
        from rehabplan.outputs.export import program_json

        return program_json(program).encode()
    from rehabplan.outputs.export import program_ics

    return program_ics(program, session_time=at, timezone=cfg.timezone, reminder_minutes=cfg.reminder_minutes)


def _session_time(typed: str | None) -> dt.time | None:
    """--session-time as a local time of day, or a usage error that says how to write it."""
    if typed is None:
        return None
    try:
        at = dt.time.fromisoformat(typed)
    except ValueError:
        raise typer.BadParameter(f"'{typed}' is not a time; write it as HH:MM, e.g. 18:30", param_hint="--session-time") from None
    if at.tzinfo is not None:  # it would be dropped silently: the sessions follow the config's timezone
        raise typer.BadParameter(
            f"'{typed}' has a time zone offset, which a session time does not take: write the local "
            "time as HH:MM (e.g. 18:30); sessions follow 'timezone:' in the clinic configuration",
            param_hint="--session-time",
        )
    return at


@app.command()
def preview(
    patient_file: Path = typer.Argument(..., help="Patient YAML file, or a program JSON (planned or adjusted)."),
    week: int | None = typer.Option(None, "--week", "-w", min=1, max=24, help="Show one week in full."),
    library: list[Path] | None = LibraryOpt,
    protocols: list[Path] | None = ProtocolsOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """Show the program in the terminal: phases, then each week's doses.

    Example: rehabplan preview examples/patient.yaml --week 5
    """
    from rehabplan.outputs.terminal import print_program

    _, lib, program = _load_all(patient_file, config, library, protocols, {})
    if week is not None and week > len(program.weeks):
        raise typer.BadParameter(
            f"the program has {len(program.weeks)} weeks; choose 1-{len(program.weeks)}", param_hint="--week"
        )
    print_program(out, program, week)
