"""What every command shares: the Typer app and its sub-apps, the one error panel, shared options, and loading the sources a command needs."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer
from rich.console import Console
from rich.panel import Panel
from typer.core import TyperGroup

from rehabplan import __version__
from rehabplan.errors import OutputExistsError, Problem, RehabplanError

if TYPE_CHECKING:
    from rehabplan.render.style import HandoutStyle
    from rehabplan.sources.config import ClinicConfig

EXIT_CODES = (
    "Exit codes: 0 ok · 1 bulk run with failures, or an urgent flag from adjust · 2 usage error · "
    "3 library/protocol/config error · 4 patient/roster/program/log error · 5 render or output-writing error "
    "(or WeasyPrint/Pango missing) · 6 output exists (use --force) · 70 internal error (--debug shows it) · 130 interrupted."
)


# Choices are declared as choices, so the CLI framework itself shows them in --help, completes
# them in the shell and answers a wrong one as a usage error (exit code 2).
Format = Literal["pdf", "html", "json", "ics"]


Paper = Literal["a4", "letter"]


SchemaKind = Literal["exercise", "protocol", "patient", "program", "config"]


# Spelled out (not built from models' enums) so --help needs no models import; a test keeps them equal.
CategoryName = Literal["stretch", "neural_mobility", "strength", "core", "motor_control", "aerobic"]


PatientSide = Literal["right", "left"]


EquipmentName = Literal["none", "mat", "band", "chair", "step", "wall", "weight", "towel"]


HELP = {"help_option_names": ["-h", "--help"]}


# First the workflow (try, set up, one patient, many patients), then the library commands.
WORKFLOW_ORDER = (
    "examples",
    "init",
    "patient",
    "preview",
    "build",
    "log-template",
    "adjust",
    "report",
    "bulk",
    "validate",
    "exercises",
    "protocols",
    "schema",
)


class RehabplanGroup(TyperGroup):
    """Every command runs inside this group's invoke: an input error from anywhere below is
    rendered here, in one place, as one panel and its documented exit code — never a traceback."""

    def invoke(self, ctx):
        from typer.exceptions import TyperException

        try:
            return super().invoke(ctx)
        except RehabplanError as exc:
            fail(exc)
        except KeyboardInterrupt:
            interrupted()
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except Exception as exc:  # noqa: BLE001 -- the contract: a panel and a documented code
            from rehabplan.cli.errors_view import classify

            fail(classify(exc))

    def list_commands(self, ctx):
        """--help lists the commands in the order a clinician uses them, then the library's."""
        names = super().list_commands(ctx)
        order = {name: i for i, name in enumerate(WORKFLOW_ORDER)}
        return sorted(names, key=lambda n: (order.get(n, len(order)), names.index(n)))

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _plain_help(command, ctx)
        return command

    def format_help(self, ctx, formatter):
        _plain_help(self, ctx)
        return super().format_help(ctx, formatter)


def _plain_help(command, ctx) -> None:
    """--help shows what to type: nothing after a flag, PATH... for a repeatable path, choices as
    [a|b]; never the Python types (<bool>, <list[Path]>) Typer prints by default."""
    params = list(command.params)
    helper = command.get_help_option(ctx)
    for param in params + ([helper] if helper is not None else []):
        if getattr(param, "_plain", False):
            continue
        param._plain = True
        shown = param.display_type_rich(ctx) if hasattr(param, "display_type_rich") else None
        if getattr(param, "is_flag", False) or shown == "<bool>":
            param.display_type_rich = lambda ctx: None
        elif shown and shown.startswith("<list[") and shown.rstrip(".").endswith("]>"):
            inner = shown.rstrip(".")[6:-2].upper()
            param.display_type_rich = lambda ctx, inner=inner: f"{inner}..."
        elif shown and "|" in shown:
            param.display_type_rich = lambda ctx, shown=shown: "[" + shown.strip("<>") + "]"


app = typer.Typer(
    cls=RehabplanGroup,
    context_settings=HELP,
    name="rehabplan",
    help="Progressive home exercise programs (4-24 weeks) for physiotherapists, printed as patient "
    "handouts.\n\nBuilt-in protocols: deep gluteal (piriformis) syndrome, lumbar radicular sciatica, and "
    "sciatica felt in the upper hamstring and glute. A clinic can add its own protocols and exercises "
    "in YAML.\n\nExamples (the first copies the example files, so the others work from any folder):\n\n"
    "  rehabplan examples examples/\n\n"
    "  rehabplan build examples/patient.yaml -o handout.pdf\n\n" + EXIT_CODES,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


exercises_app = typer.Typer(help="Browse the exercise library.", no_args_is_help=True, context_settings=HELP, cls=RehabplanGroup)


protocols_app = typer.Typer(
    help="Browse the treatment protocols.", no_args_is_help=True, context_settings=HELP, cls=RehabplanGroup
)


patient_app = typer.Typer(help="Create patient files.", no_args_is_help=True, context_settings=HELP, cls=RehabplanGroup)


out = Console()


err = Console(stderr=True)


def fail(exc: RehabplanError) -> None:
    """Render an input error as one panel on stderr and exit with its code (the only place)."""
    body = exc.message
    if isinstance(exc, OutputExistsError):
        body += "; add --force to overwrite it"  # the API's message does not speak of options
    if exc.problems:
        body += "\n\n" + "\n".join(f"• {p}" for p in exc.problems[:60])
        if len(exc.problems) > 60:
            body += f"\n… and {len(exc.problems) - 60} more"
    if exc.hint:
        body += "\n\n" + exc.hint
    from rehabplan.cli.errors_view import traceback_text

    trace = traceback_text(exc)
    if trace:
        err.print(_escape(trace), highlight=False, soft_wrap=True)
    err.print(Panel(_escape(body), title=f"[bold red]{_escape(exc.title)}[/]", title_align="left", border_style="red"))
    raise typer.Exit(exc.exit_code)


def interrupted() -> None:
    """Ctrl-C (or SIGTERM): say so, ignore further presses while cleaning up, exit 130."""
    from rehabplan.cli.errors_view import ignore_further_interrupts
    from rehabplan.errors import EXIT_INTERRUPTED

    ignore_further_interrupts()
    err.print("[yellow]interrupted[/]: nothing half-written was kept")
    raise typer.Exit(EXIT_INTERRUPTED)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def version_callback(value: bool) -> None:
    if value:
        out.print(f"rehabplan {__version__}")
        raise typer.Exit()


@app.callback(cls=RehabplanGroup)
def main_callback(
    version: bool = typer.Option(False, "--version", callback=version_callback, is_eager=True, help="Show the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an internal error (or set REHABPLAN_DEBUG=1)."),
) -> None:
    from rehabplan.cli.errors_view import set_debug

    set_debug(debug)


def _sources(
    config: Path | None,
    library: list[Path] | None,
    protocols: list[Path] | None | None = None,
    *,
    strict: bool = False,
    use_cache: bool = True,
):
    """Clinic configuration, library and (when asked) protocols: options win over the config."""
    from rehabplan.cli.config_notes import say_config
    from rehabplan.sources.config import load_config
    from rehabplan.sources.library import load_library

    cfg = load_config(config)
    say_config(err, cfg)
    lib = load_library(*(list(library or []) or cfg.library), strict=strict, use_cache=use_cache)
    if protocols is None:
        return cfg, lib, None
    from rehabplan.sources.protocols import load_protocols

    return cfg, lib, load_protocols(lib, *(list(protocols) or cfg.protocols), strict=strict)


def _complete_exercise_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion: exercise ids (and aliases' ids) of the built-in and configured library."""
    try:
        _, lib, _ = _sources(ctx.params.get("config"), ctx.params.get("library"))
    except RehabplanError:
        return []
    return [i for i in sorted(lib.exercises) if i.startswith(incomplete)]


def _complete_protocol_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    try:
        _, _, protos = _sources(ctx.params.get("config"), ctx.params.get("library"), ctx.params.get("protocols") or [])
    except RehabplanError:
        return []
    return [i for i in sorted(protos.protocols) if i.startswith(incomplete)]


def _check_formats(value: str) -> str:
    """bulk --format takes a comma-separated list; each item must be a format (else exit 2)."""
    known = ("pdf", "json", "html", "ics")
    items = [f.strip() for f in value.split(",") if f.strip()]
    wrong = [f for f in items if f not in known]
    if wrong or not items:
        raise typer.BadParameter(
            f"unknown format {', '.join(repr(w) for w in wrong) or 'list'}; use a comma-separated list of {', '.join(known)}"
        )
    return value


LibraryOpt = typer.Option(
    None, "--library", "-L", metavar="DIR", help="A clinic exercise folder layered over the built-in library (repeatable)."
)


ProtocolsOpt = typer.Option(
    None, "--protocols", "-P", metavar="DIR", help="A clinic protocol folder layered over the built-in protocols (repeatable)."
)


ConfigOpt = typer.Option(
    None,
    "--config",
    help="Clinic configuration file (default: $REHABPLAN_CONFIG, else rehabplan.yaml here or in a parent folder "
    "if it is yours and nobody else can change it, else the user config folder's).",
)


@contextlib.contextmanager
def _status(message: str, quiet: bool):
    """A spinner on stderr while one build works, so a terminal never looks stuck; nothing in a
    pipe, a log file or with --quiet. Yields a function that changes the message."""
    if quiet or not err.is_terminal:
        yield lambda text: None
        return
    with err.status(message) as status:
        yield lambda text: status.update(text)


def _say_config_defaults(cfg) -> None:
    """A run without any clinic configuration says which details are defaults (on stderr)."""
    from rehabplan.sources.config import config_note

    note = config_note(cfg)
    if note:
        err.print(f"[yellow]note[/] {_escape(note)}")


def _overrides(**fields) -> dict:
    return {k: v for k, v in fields.items() if v is not None}


# Patient field -> the command-line option that overrides it, so an error names what was typed.
OVERRIDE_OPTIONS = {
    "protocol": "--protocol",
    "start_date": "--start-date",
    "weeks": "--weeks",
    "sessions_per_week": "--sessions",
    "minutes": "--minutes",
    "irritability": "--irritability",
}


def _load_all(patient_file: Path, config: Path | None, library: list[Path] | None, protocols: list[Path] | None, overrides: dict):
    from rehabplan.errors import PatientError
    from rehabplan.planning.planner import plan
    from rehabplan.sources.patients import load_patient

    if patient_file.suffix.lower() == ".json":  # a program JSON, planned or adjusted: used as it is
        from rehabplan.cli.loop import program_json_input

        return program_json_input(patient_file, overrides, lambda path: _program_from(path, config, library, protocols))
    cfg, lib, protos = _sources(config, library, protocols or [])
    try:
        patient = load_patient(patient_file, overrides)
    except PatientError as exc:
        # A problem in a field given on the command line is the option's, not a line of the file.
        exc.problems = [
            Problem(None, None, OVERRIDE_OPTIONS.get(p.field, p.field), p.message, p.fix, p.warning)
            if p.field in overrides
            else p
            for p in exc.problems
        ]
        raise
    # The clinic's clinician is a default: the patient file's own clinician wins.
    if patient.clinician is None and cfg.clinician:
        patient = patient.model_copy(update={"clinician": cfg.clinician})
    program = plan(lib, protos[patient.protocol], patient)
    return cfg, lib, program


def _style(
    cfg: ClinicConfig, templates: Path | None, paper: str | None, large_print: bool | None, compact: bool | None
) -> HandoutStyle:
    """The handout's look, once: each option given (--compact / --full as the edition) over the
    clinic configuration over the defaults."""
    from rehabplan.render.style import HandoutStyle

    edition = None if compact is None else ("compact" if compact else "full")
    return HandoutStyle.of(cfg, templates=templates, large_print=large_print, paper=paper, edition=edition)


def _program_from(path: Path, config, library, protocols):
    """A program JSON as it is, or a patient YAML planned now."""

    if path.suffix.lower() == ".json":
        from rehabplan.sources.programs import load_program

        cfg, lib, _ = _sources(config, library)
        return cfg, lib, load_program(path, lib)
    return _load_all(path, config, library, protocols, {})
