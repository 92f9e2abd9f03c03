"""Many patients: a roster in, a folder of handouts out."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from rehabplan.cli.base import (
    ConfigOpt,
    LibraryOpt,
    Paper,
    ProtocolsOpt,
    _check_formats,
    _escape,
    _say_config_defaults,
    _style,
    app,
    err,
    out,
)


@app.command()
def bulk(  # long only by Typer's option declarations: the steps are _style, _progress, bulk_build, _print_report
    roster: Path = typer.Argument(..., help="Roster: CSV (header = patient fields) or YAML (a list of patients)."),
    out_dir: Path = typer.Option(..., "--out", "-o", help="Folder for the handouts and manifest.json."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: the CPU count)."),
    fmt: str = typer.Option(
        "pdf", "--format", "-f", metavar="pdf,json,html,ics", callback=_check_formats, help="Comma-separated formats."
    ),
    force: bool = typer.Option(False, "--force", help="Rebuild even when the manifest says a handout is up to date."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table (for cron); the exit code tells."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON (documented, no patient names)."),
    paper: Paper | None = typer.Option(None, "--paper", help="Paper size (default from the config: a4)."),
    large_print: bool | None = typer.Option(None, "--large-print/--normal-print", help="18 pt large print."),
    compact: bool | None = typer.Option(
        None, "--compact/--full", help="Compact edition: the same plan in about half the pages (default from the config: full)."
    ),
    templates: Path | None = typer.Option(None, "--templates", help="Clinic template folder (sandboxed)."),
    library: list[Path] | None = LibraryOpt,
    protocols: list[Path] | None = ProtocolsOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """Build a handout for every patient of a roster, in parallel; skip what is up to date.

    One bad row never stops the others. Exit code 0 = all built or skipped, 1 = some failed.
    Patient names are never printed: rows are named by number and id.

    Examples:
      rehabplan bulk examples/roster.csv --out handouts/
      rehabplan bulk examples/roster.yaml --out out/ --format pdf,json --jobs 2 --quiet
    """
    import json

    from rehabplan.bulk.run import bulk_build

    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    show = not quiet and not as_json
    from rehabplan.cli.config_notes import say_config, set_quiet
    from rehabplan.sources.config import load_config

    set_quiet(not show)
    bulk_config = load_config(config)
    look = _style(bulk_config, templates, paper, large_print, compact)
    say_config(err, bulk_config)
    if show and {"pdf", "html"} & set(formats):
        _say_config_defaults(bulk_config)
    progress, tick = _progress(show)
    with progress:
        report = bulk_build(
            roster,
            out_dir,
            jobs=jobs,
            formats=formats,
            force=force,
            config=bulk_config,
            library_dirs=library or (),
            protocol_dirs=protocols or (),
            style=look,
            progress=tick,
        )
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    elif not quiet:
        _print_report(report)
    _fail_if_any(report, table_shown=not (quiet or as_json))


def _fail_if_any(report, table_shown: bool) -> None:
    """BulkIncomplete (exit 1) when any patient failed, saying how many."""
    if report.failed:
        from rehabplan.errors import BulkIncomplete

        raise BulkIncomplete(
            (
                f"all {report.failed:,} patients failed"
                if report.failed == len(report.outcomes)
                else f"{report.failed:,} of {len(report.outcomes):,} patients failed; the others were built or up to date"
            )
            + (" (the table above gives each reason)" if table_shown else "")
        )


def _progress(show: bool):
    """The progress bar (on stderr, hidden unless ``show``) and the callback bulk_build ticks."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("[bold]building handouts"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[eta]}"),
        console=err,
        disable=not show,
        transient=False,
    )
    task = progress.add_task("bulk", total=None, rate="", eta="")
    started = time.perf_counter()
    rendered = [0]

    def tick(outcome, done, total):
        elapsed = max(time.perf_counter() - started, 1e-6)
        # From the first handout rendered on: rows skipped or failed before rendering
        # come at once and say nothing about the time the rest will take.
        if outcome.status in ("built", "failed") and outcome.seconds:
            rendered[0] += 1
        progress.update(
            task, completed=done, total=total, rate=f"{done / elapsed:.1f}/s", eta=_eta(elapsed, rendered[0], total - done)
        )

    return progress, tick


def _print_report(report) -> None:
    """The run's table on stdout (a long roster summarised) and where the files went."""
    from rich.table import Table

    table = Table(
        title=f"Bulk build: {report.built} built, {report.skipped} skipped, {report.failed} failed "
        f"in {report.seconds:.1f} s ({report.jobs} worker{'s' if report.jobs > 1 else ''})"
    )
    for col in ("row", "patient id", "status", "pages", "reason"):
        table.add_column(col)
    # A long roster is summarised: failures first, at most BULK_TABLE_ROWS rows; every
    # row is in --json (printing 50,000 rows took longer than building them).
    long = len(report.outcomes) > BULK_TABLE_ROWS
    shown = [o for o in report.outcomes if not (long and o.status == "skipped")]
    if long:
        shown = ([o for o in shown if o.status == "failed"] + [o for o in shown if o.status != "failed"])[:BULK_TABLE_ROWS]
        shown.sort(key=lambda o: o.row)
    for o in shown:
        style = {"failed": "red", "skipped": "dim"}.get(o.status, "")
        style = "bold red" if (o.reason or "").startswith("WARNING") else style
        table.add_row(
            str(o.row), _escape(o.patient_id or "—"), o.status, str(o.pages or ""), _escape(o.reason or ""), style=style
        )
    out.print(table)
    if len(shown) < len(report.outcomes):
        out.print(
            f"{len(report.outcomes) - len(shown):,} more rows not shown ({report.failed:,} failed in all); --json lists every row"
        )
    err.print(
        f"[green]wrote[/] {report.built:,} {'handout' if report.built == 1 else 'handouts'} to {_escape(str(report.out_dir))}"
        f" (list: {_escape(str(report.out_dir / 'manifest.json'))})"
    )


BULK_TABLE_ROWS = 30  # rows of the bulk table, and skipped log rows, printed before summarising


def _eta(elapsed_s: float, rendered: int, left: int) -> str:
    """'ETA 2 min 05 s' once a handout has been rendered (none before: nothing to go by)."""
    if not rendered or not left:
        return ""
    return f"ETA {_duration(elapsed_s / rendered * left)}"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
