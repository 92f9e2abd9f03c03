"""The command line: parse options, call the Python API, print with rich. Nothing else.

Heavy modules (WeasyPrint, the planner's renderers) are imported inside the commands that need
them, so ``rehabplan --help``, ``exercises list`` and ``validate`` start fast."""

from __future__ import annotations

import gc
import signal
import sys
from pathlib import Path
from typing import Literal

import typer

from rehabplan.cli.base import (
    ConfigOpt,
    LibraryOpt,
    ProtocolsOpt,
    _escape,
    _program_from,
    _status,
    app,
    err,
    exercises_app,
    out,
    patient_app,
    protocols_app,
)
from rehabplan.cli.bulk import BULK_TABLE_ROWS
from rehabplan.process import own_this_process

app.add_typer(exercises_app, name="exercises")


app.add_typer(protocols_app, name="protocols")


app.add_typer(patient_app, name="patient")


@app.command("log-template")
def log_template_cmd(
    source: Path = typer.Argument(..., help="Patient YAML or program JSON."),
    output: Path = typer.Option(Path("log.csv"), "--output", "-o", help="File to write ('-' = standard output)."),
    fmt: Literal["csv", "yaml"] = typer.Option("csv", "--format", "-f", help="csv (for a spreadsheet) or yaml."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    library: list[Path] | None = LibraryOpt,
    protocols: list[Path] | None = ProtocolsOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """Write a blank log: one row per session, the same fields as the handout's tracking pages.

    Columns: week, session, date, done (yes/no), pain_during (0-10), pain_next_morning (0-10),
    spread (yes/no: symptoms spreading down the leg), exercise (the one that hurt, as the handout
    names it), note, and the weekly red-flag questions (yes/no): numb_between_legs,
    bladder_bowel, both_legs, foot_drop, night_pain, fever_weight_loss, fall.

    Example: rehabplan log-template examples/patient.yaml -o log.csv
    """
    from rehabplan.cli.loop import log_template_cmd as run

    run(source, output, fmt, force, lambda path: _program_from(path, config, library, protocols), err)


@app.command()
def adjust(
    source: Path = typer.Argument(..., help="Patient YAML or program JSON (the plan the patient followed)."),
    log: Path = typer.Argument(..., help="The filled-in log: CSV, YAML, or the handout's PDF filled in on screen."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Adjusted program JSON (default: adjusted-<id>.json)."),
    handout: Path | None = typer.Option(None, "--handout", help="Also write a new handout PDF for the remaining weeks."),
    from_week: int | None = typer.Option(
        None, "--from-week", min=1, help="First week to change (default: the week after the last logged one)."
    ),
    release: bool = typer.Option(
        False, "--release", help="You have seen the patient: release the hold on red flags and reviews."
    ),
    clear: list[str] = typer.Option(
        [], "--clear", help="Let a nerve tensioner back in after it provoked spread ('tensioner' = all)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite existing outputs."),
    library: list[Path] | None = LibraryOpt,
    protocols: list[Path] | None = ProtocolsOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """Adjust the weeks not yet done from the patient's log (green / amber / red, and holds).

    Red flags are read first and always printed. URGENT (numbness between the legs, bladder or
    bowel, both legs, foot drop): nothing is progressed, the exit code is 1, and --handout
    writes a one-page "stop and get assessed today" sheet instead of a plan. REVIEW (night
    pain, fever or weight loss, a fall, spreading symptoms twice) holds progression until
    --release. Spreading symptoms hold the next week at the last tolerated doses. Green:
    progress as planned. Amber: hold the dose a week. Red: go back two steps or to the easier
    variant. Past weeks never change.

    Example: rehabplan adjust examples/patient.yaml examples/log-3-weeks.csv --handout adjusted.pdf
    """
    from rehabplan.cli.loop import adjust_cmd

    adjust_cmd(
        source,
        log,
        output,
        handout,
        from_week,
        force,
        release,
        clear,
        lambda path: _program_from(path, config, library, protocols),
        out,
        err,
        _escape,
        _status,
        BULK_TABLE_ROWS,
    )


@app.command()
def report(
    program: Path = typer.Argument(..., help="Program JSON (planned or adjusted) or patient YAML."),
    log: Path = typer.Argument(..., help="The patient's log: CSV, YAML, or the handout's PDF filled in on screen."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (default: report-<id>.<format>; '-' = standard output)."
    ),
    fmt: Literal["pdf", "html", "json"] = typer.Option("pdf", "--format", "-f", help="pdf (one A4 page), html or json."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    library: list[Path] | None = LibraryOpt,
    protocols: list[Path] | None = ProtocolsOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """A one-page progress report for the clinician: adherence, pain chart, spread, flags, changes.

    Example: rehabplan report adjusted.json examples/log-sessions.csv -o report.pdf
    """
    from rehabplan.cli.loop import report_cmd

    report_cmd(program, log, output, fmt, force, lambda path: _program_from(path, config, library, protocols), out, err, _escape)


# Commands that make (at most) one document and end the process (see main).
ONE_DOCUMENT_COMMANDS = frozenset({"build", "adjust"})
# Commands that talk to worker processes over pipes (see main).
WORKER_COMMANDS = frozenset({"bulk"})


def main() -> None:
    own_this_process()  # the collector is ours to steer here, never when called as a library
    _defer_unused_rich_modules()
    # `rehabplan build` makes one handout and the process ends. Python's cycle collector would
    # walk the handout's million objects twice, when the render ends and again as the
    # interpreter exits (~0.3 s of a cold build), for memory the exit returns anyway. So a build
    # runs without automatic collection and freezes what is left: the exit's last collection
    # skips frozen objects. (render_pdf removes WeasyPrint's font folder itself, not in a
    # finalizer.) Only here, the command's own process: app() called in-process is unchanged,
    # and the renderer itself never touches the collector (rehabplan/process.py).
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), "")
    one_document = command in ONE_DOCUMENT_COMMANDS
    if one_document:
        gc.disable()
    from rehabplan.cli.errors_view import terminate_as_interrupt

    terminate_as_interrupt()
    # `rehabplan --help | head`: a reader that stops early ends the command quietly, as it ends
    # any Unix tool, instead of a write error reported as a bug. Not for bulk: its workers
    # share the terminal's process group, so Ctrl-C can end one while the pool still writes to
    # it, and that write must raise (the run stops, its manifest is saved, exit 130), not kill
    # the parent with SIGPIPE. Bulk's own output to a closed pipe is Click's EPIPE exit.
    if hasattr(signal, "SIGPIPE") and command not in WORKER_COMMANDS:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app()
    except KeyboardInterrupt:  # pressed again while Python was already leaving
        from rehabplan.errors import EXIT_INTERRUPTED

        sys.exit(EXIT_INTERRUPTED)
    finally:
        if one_document:
            gc.freeze()


def _defer_unused_rich_modules() -> None:
    """typer's rich help (typer.rich_utils) imports rich.markdown (with markdown-it) and
    rich.traceback at its top: ~70 ms of a ~200 ms `rehabplan --help`, for a markup mode and
    pretty tracebacks this CLI does not use (rich_markup_mode="rich", no pretty exceptions).
    Stand-ins take their place in the command's process only; the real module is imported the
    moment anything of it is used, so nothing changes but the start-up time."""
    import importlib
    import types

    import rich

    def stand_in(name: str, classes: tuple[str, ...]) -> None:
        if name in sys.modules:
            return

        def real():
            if sys.modules.get(name) is module:
                del sys.modules[name]
            loaded = importlib.import_module(name)
            setattr(rich, name.rsplit(".", 1)[1], loaded)
            return loaded

        class Module(types.ModuleType):
            def __getattr__(self, attr):
                if attr.startswith("__"):  # the import system asks for __path__, __spec__, ...
                    raise AttributeError(attr)
                return getattr(real(), attr)

        class Meta(type):
            def __getattr__(cls, attr):  # class attributes and classmethods: Traceback.from_exception
                return getattr(getattr(real(), cls.__name__), attr)

            def __instancecheck__(cls, obj) -> bool:
                return isinstance(obj, getattr(real(), cls.__name__))

        module = Module(name)
        for class_name in classes:
            module.__dict__[class_name] = Meta(
                class_name, (), {"__new__": lambda cls, *a, **kw: getattr(real(), cls.__name__)(*a, **kw)}
            )
        sys.modules[name] = module
        setattr(rich, name.rsplit(".", 1)[1], module)

    stand_in("rich.markdown", ("Markdown",))
    stand_in("rich.traceback", ("Traceback",))


# The command modules register their commands on the app when imported.
import rehabplan.cli.bulk  # noqa: E402, F401
import rehabplan.cli.library  # noqa: E402, F401
import rehabplan.cli.plan  # noqa: E402, F401
import rehabplan.cli.setup  # noqa: E402, F401
