"""The command line: parse options, call the Python API, print with rich. Nothing else.

Heavy modules (WeasyPrint, the planner's renderers) are imported inside the commands that need
them, so ``rehabplan --help``, ``exercises list`` and ``validate`` start fast.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from pathlib import Path
from typing import Any, Literal

import typer
from rich.console import Console
from rich.panel import Panel
from typer.core import TyperGroup

from rehabplan import __version__
from rehabplan.errors import LibraryError, OutputExistsError, Problem, RehabplanError
from rehabplan.process import own_this_process

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
app.add_typer(exercises_app, name="exercises")
app.add_typer(protocols_app, name="protocols")
app.add_typer(patient_app, name="patient")

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


# --------------------------------------------------------------------------- library commands


@app.command()
def validate(
    folder: list[Path] | None = typer.Argument(None, help="Clinic exercise folder(s) to check on top of the built-in library."),
    protocols: list[Path] | None = ProtocolsOpt,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    config: Path | None = ConfigOpt,
) -> None:
    """Check the exercise library and protocols; list every problem with file and line.

    Examples:
      rehabplan validate --strict
      rehabplan validate my-clinic/exercises --strict
    """

    from rehabplan.sources.config import check_logo

    cfg, library, protos = _sources(config, folder, protocols or [], strict=strict, use_cache=False)
    logo_problems = check_logo(cfg)
    if logo_problems:
        raise LibraryError("the clinic logo cannot be used", logo_problems)
    for o in library.overrides:
        out.print(f"[yellow]override[/] exercise '{o.id}': {_escape(str(o.by))} replaces {_escape(str(o.replaced))}")
    for o in protos.overrides:
        out.print(f"[yellow]override[/] protocol '{o.id}': {_escape(str(o.by))} replaces {_escape(str(o.replaced))}")
    for w in library.warnings + protos.warnings:
        out.print(f"[yellow]warning[/] {_escape(str(w))}")
    from rehabplan.cli.config_notes import layers

    for line in layers(cfg, library, list(protocols or []) or cfg.protocols):
        out.print(line, soft_wrap=True)
    out.print(
        f"[green]ok[/] {len(library.exercises)} exercises in {len(library.folders)} folder(s), {len(protos.protocols)} protocols"
    )


@exercises_app.command("list")
def exercises_list(
    category: CategoryName | None = typer.Option(None, "--category", "-c", help="Only this category."),
    equipment: EquipmentName | None = typer.Option(
        None, "--equipment", "-e", help="Only exercises needing this equipment (or none)."
    ),
    library: list[Path] | None = LibraryOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """List exercises as a table.

    Example: rehabplan exercises list --category strength --equipment band
    """
    from rich.table import Table

    _, lib, _ = _sources(config, library)
    table = Table(title="Exercise library", show_lines=False)
    # Ids are what a clinician copies into a patient file: never cut ("walking-p…") or broken,
    # at 80 columns or in a pipe; the other columns wrap (or fold) to make room.
    table.add_column("id", no_wrap=True, min_width=max(map(len, lib.exercises), default=2))
    wide = out.width >= 120  # a narrow terminal or a pipe (80) keeps the columns that fit
    columns = ("name", "category", "equipment", "dose", "easier → harder") if wide else ("category", "equipment", "dose")
    for col in columns:
        table.add_column(col, overflow="fold" if col == "easier → harder" else "ellipsis")
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
        cells = {
            "name": _escape(ex.name),
            "category": ex.category.value,
            "equipment": ", ".join(eq) or "none",
            "dose": dose,
            "easier → harder": f"{ex.easier or '—'} → {ex.harder or '—'}",
        }
        table.add_row(ex.id, *(cells[c] for c in columns))
    out.print(table)


@exercises_app.command("show")
def exercises_show(
    exercise_id: str = typer.Argument(
        ..., help="Exercise id or alias, e.g. glute-bridge or clam.", autocompletion=_complete_exercise_ids
    ),
    picture_file: Path | None = typer.Option(None, "--picture", help="Also write its drawing: out.svg or out.png."),
    side: PatientSide = typer.Option("right", "--side", help="Draw the picture for a right- or left-sided patient."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing picture file."),
    library: list[Path] | None = LibraryOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """Show one exercise: instructions, dosage bounds and its ladder (and its picture).

    Example: rehabplan exercises show clamshell --picture clamshell.png
    """
    import difflib

    from rich.table import Table

    from rehabplan.errors import LibraryError

    _, lib, _ = _sources(config, library)
    # A clinician types what the clinic calls it: an id, or any alias ("clam"), any case.
    wanted = exercise_id.strip().lower()
    by_name = {e.id: e.id for e in lib.exercises.values()}
    for e in lib.exercises.values():
        for alias in [*e.aliases, e.name]:
            by_name.setdefault(alias.lower(), e.id)
            by_name.setdefault(alias.lower().replace(" ", "-"), e.id)
    if wanted not in by_name:
        guess = list(dict.fromkeys(by_name[g] for g in difflib.get_close_matches(wanted, list(by_name), n=5)))[:3]
        raise LibraryError(
            f"no exercise '{exercise_id}'"
            + (f"; did you mean {', '.join(guess)}?" if guess else "; see 'rehabplan exercises list'")
        )
    ex = lib[by_name[wanted]]
    out.print(f"[bold]{_escape(ex.name)}[/]  ({ex.id}, {ex.category.value})  {_escape(str(lib.files[ex.id]))}")
    if ex.aliases:
        out.print("Also called: " + _escape(", ".join(ex.aliases)))
    out.print(f"Equipment: {', '.join(e.value for e in ex.equipment) or 'none'}   Laterality: {ex.laterality.value}")
    out.print(f"\n[bold]Starting position[/]\n{_escape(ex.starting_position)}")
    out.print("\n[bold]Steps[/]")
    for i, step in enumerate(ex.instructions, 1):
        out.print(f" {i}. {_escape(step)}")
    bounds = Table(title="Dosage bounds", show_header=True)
    for col in ("field", "min", "default", "max"):
        bounds.add_column(col)
    d = ex.dosage
    for name in ("sets", "reps", "hold_s", "minutes", "rest_s", "sessions_per_week"):
        b = getattr(d, name)
        if b is not None:
            bounds.add_row(name, f"{b.min:g}", f"{b.default:g}", f"{b.max:g}")
    if d.tempo:
        bounds.add_row("tempo", "", _escape(str(d.tempo)), _escape(str(d.tempo_slowest or d.tempo)))
    if d.load_options:
        bounds.add_row("load", _escape(d.load_options[0]), "", _escape(d.load_options[-1]))
    out.print(bounds)
    ladder = lib.ladder(ex.id)
    out.print("Ladder: " + " → ".join(f"[bold]{i}[/]" if i == ex.id else i for i in ladder))
    if picture_file is not None:
        from rehabplan.figures.gallery import write_picture
        from rehabplan.outputs.files import atomic_write

        if ex.figure is None:
            raise LibraryError(f"'{ex.id}' has no pose data to draw (figure:); its drawing is {lib.illustration_path(ex.id)}")
        if picture_file.suffix.lower() not in (".svg", ".png"):
            from rehabplan.errors import UsageError

            raise UsageError(f"cannot write '{picture_file.name}': name an .svg or .png file")
        atomic_write(picture_file, write_picture(lib, ex.id, picture_file, mirror=side == "left"), force)
        err.print(f"[green]wrote[/] {_escape(str(picture_file))}")


@exercises_app.command("gallery")
def exercises_gallery(
    output: Path = typer.Option(Path("gallery.pdf"), "--output", "-o", help="PDF to write."),
    side: PatientSide = typer.Option("right", "--side", help="Draw for a right- or left-sided patient."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
    library: list[Path] | None = LibraryOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """Print every exercise's picture frames with names and alt text, to review a library.

    Example: rehabplan exercises gallery -o gallery.pdf
    """
    from rehabplan.figures.gallery import gallery_pdf
    from rehabplan.outputs.files import atomic_write

    _, lib, _ = _sources(config, library)
    atomic_write(output, gallery_pdf(lib, mirror=side == "left"), force)
    err.print(f"[green]wrote[/] {_escape(str(output))} ({len(lib.exercises)} exercises)")


CONFIG_TEMPLATE = """\
{schema_line}# rehabplan clinic configuration. rehabplan finds it here or in a parent folder (like git),
# or reads the file named by --config. Paths are relative to this file.
# Check it with: rehabplan validate --config rehabplan.yaml
# Lines starting with # are examples: remove the # and write your clinic's real details.
# Anything left out is simply not printed; nothing made up ever reaches a handout.
clinic:
  name: {name}
{phone}{address}{email}  # logo: logo.png                 # PNG or SVG beside this file
{clinician}paper: a4                          # a4 | letter
units: kg                          # kg | lb
locale: en-GB                      # en-GB, en-US, en-AU, en-CA, en-IE, en-NZ: dates and the emergency number
# emergency_number: "999"          # default from locale (999, 911, 000, 112, 111)
large_print: false                 # true = 18 pt handouts
edition: full                      # full | compact: the same plan in about half the pages
                                   # (12 pt, two cards a page, a one-page log): set compact
                                   # to make it every handout's default, or use build --compact
library: []                        # clinic exercise folders layered over the built-in library
protocols: []                      # clinic protocol folders layered over the built-in protocols
# templates: templates/            # clinic templates overriding the built-in ones by name
# timezone: Europe/London          # calendar (--format ics) session times; without it they follow the phone
# reminder_minutes: 15             # calendar: a reminder this many minutes before each exercise event
date_format: iso                   # dates in patient files and rosters: iso (2026-12-31), dmy (31/12/2026) or mdy (12/31/2026)
"""


def _config_line(key: str, value: str | None, example: str, comment: str, indent: str = "") -> str:
    """A config line: the real value when given, else a commented example that prints nothing."""
    import json

    if value:
        return f"{indent}{key}: {json.dumps(value, ensure_ascii=False)}   # {comment}\n"
    return f"{indent}# {key}: {example}   # {comment}\n"


@app.command()
def init(
    output: Path = typer.Argument(Path("rehabplan.yaml"), help="Where to write the configuration."),
    clinic: str = typer.Option("Your physiotherapy clinic", "--clinic", help="Clinic name."),
    phone: str | None = typer.Option(None, "--phone", help="Clinic phone number, printed on the cover and the red-flag page."),
    address: str | None = typer.Option(None, "--address", help="Clinic address, printed on the cover."),
    email: str | None = typer.Option(None, "--email", help="Clinic email, printed on the cover."),
    clinician: str | None = typer.Option(None, "--clinician", help="Default clinician (a patient file's own clinician wins)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented clinic configuration (rehabplan.yaml) and the JSON Schemas editors use.

    Details not given as options are written as commented examples, so nothing made up prints.

    Example: rehabplan init --clinic "Riverside Physio" --phone "020 7946 0123"
    """
    import json

    from rehabplan.outputs.files import write_all
    from rehabplan.outputs.schemas import FOLDER, KINDS, schema_text
    from rehabplan.sources.config import load_config

    text = CONFIG_TEMPLATE.format(
        schema_line=f"# yaml-language-server: $schema={FOLDER}/config.schema.json\n",  # written beside it below
        name=json.dumps(clinic, ensure_ascii=False),
        phone=_config_line("phone", phone, '"<your clinic\'s phone number>"', "printed on the cover and the red-flag page", "  "),
        address=_config_line("address", address, '"<street, town, postcode>"', "printed on the cover", "  "),
        email=_config_line("email", email, '"<reception@your-clinic>"', "printed on the cover", "  "),
        clinician=_config_line(
            "clinician", clinician, '"<name, physiotherapist>"', "default clinician; a patient file's own clinician wins"
        ),
    )
    # Check before writing: a config that later commands reject is never written, and neither
    # are its schemas. Then the config and every schema are written together or not at all,
    # never through a schemas/ symlink that someone else planted.
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / output.name
        trial.write_text(text, encoding="utf-8")
        try:
            load_config(trial)
        except LibraryError as exc:  # name the file the user asked for, not the trial copy
            import dataclasses

            exc.message = exc.message.replace(str(trial), str(output))
            exc.problems = [dataclasses.replace(p, file=output) if p.file else p for p in exc.problems]
            raise
    folder = output.parent / FOLDER
    schema_files = [(folder / f"{kind}.schema.json", schema_text(kind).encode()) for kind in KINDS]
    write_all(
        [(output, text.encode()), *schema_files],
        force,
        regenerated=frozenset(p for p, _ in schema_files),
        root=output.parent,
    )
    schemas = [p for p, _ in schema_files]
    err.print(f"[green]wrote[/] {_escape(str(output))} and {len(schemas)} schemas in {_escape(str(schemas[0].parent))}")


@app.command()
def schema(
    kind: SchemaKind = typer.Argument("exercise", help="The kind of file."),
) -> None:
    """Print the JSON Schema of a YAML file kind, for editors (yaml-language-server).

    'rehabplan init' also writes all of them into the clinic folder's schemas/.

    Example: rehabplan schema exercise > exercise.schema.json
    """
    from rehabplan.outputs.schemas import schema_text

    sys.stdout.write(schema_text(kind))


# --------------------------------------------------------------------------- programs


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


def _edition(compact: bool | None) -> str | None:
    """--compact / --full as an edition name; None = the config's."""
    return None if compact is None else ("compact" if compact else "full")


@app.command()
def build(
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
    from rehabplan.outputs.export import program_ics, program_json
    from rehabplan.outputs.files import atomic_write, safe_stem

    at = None
    if session_time is not None:
        import datetime as dt

        try:
            at = dt.time.fromisoformat(session_time)
        except ValueError:
            raise typer.BadParameter(
                f"'{session_time}' is not a time; write it as HH:MM, e.g. 18:30", param_hint="--session-time"
            ) from None
        if at.tzinfo is not None:  # it would be dropped silently: the sessions follow the config's timezone
            raise typer.BadParameter(
                f"'{session_time}' has a time zone offset, which a session time does not take: write the local "
                "time as HH:MM (e.g. 18:30); sessions follow 'timezone:' in the clinic configuration",
                param_hint="--session-time",
            )
    if fmt == "pdf" and output is not None and str(output) == "-":
        raise typer.BadParameter("a PDF cannot go to standard output; name a file, e.g. -o handout.pdf", param_hint="--output")
    say = (lambda *a, **k: None) if quiet else err.print
    from rehabplan.cli.config_notes import set_quiet

    set_quiet(quiet)
    with _status(f"Planning {patient_file.name}", quiet) as status:
        cfg, lib, program = _load_all(
            patient_file,
            config,
            library,
            protocols,
            _overrides(
                protocol=protocol,
                start_date=start_date,
                weeks=weeks,
                sessions_per_week=sessions,
                minutes=minutes,
                irritability=irritability,
            ),
        )
        for warning in program.clinician_warnings:  # loud, even with --quiet: a safety warning
            err.print(f"[bold red]WARNING:[/] {_escape(warning)}")
        from rehabplan.cli.loop import refuse_urgent_hold

        refuse_urgent_hold(program, fmt)
        if fmt != "json":
            from rehabplan.planning.adjust import remaining

            program = remaining(program)  # an adjusted plan prints from its first changed week
        target = output or Path(f"handout-{safe_stem(program.patient.id)}.{fmt}")
        if fmt in ("pdf", "html") and not quiet:
            _say_config_defaults(cfg)
        # How the handout looks, the same for the PDF and its HTML.
        look: dict[str, Any] = dict(
            templates=templates or cfg.templates, large_print=large_print, paper=paper, edition=_edition(compact)
        )
        if fmt == "pdf":
            from rehabplan.render.pdf import render_pdf

            status(f"Rendering the handout for {program.patient.id} ({len(program.weeks)} weeks; a few seconds)")
            result = render_pdf(program, lib, target, cfg, force=force, **look)
            say(f"[green]wrote[/] {_escape(str(result.path))} ({result.pages} pages)")
            return
        if fmt == "html":
            from rehabplan.render.html import render_html

            data = render_html(program, lib, cfg, **look).encode()
        elif fmt == "json":
            data = program_json(program).encode()
        else:
            data = program_ics(program, session_time=at, timezone=cfg.timezone, reminder_minutes=cfg.reminder_minutes)
        if str(target) == "-":
            sys.stdout.buffer.write(data)
            return
        atomic_write(target, data, force)
    say(f"[green]wrote[/] {_escape(str(target))}")


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


@protocols_app.command("list")
def protocols_list(
    library: list[Path] | None = LibraryOpt,
    protocols: list[Path] | None = ProtocolsOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """List the treatment protocols.

    Example: rehabplan protocols list
    """
    from rich.table import Table

    _, lib, protos = _sources(config, library, protocols or [])
    table = Table(title="Protocols")
    table.add_column("id", no_wrap=True, min_width=max(map(len, protos.protocols), default=2))  # never cut: see exercises list
    for col in ("name", "phases", "slots", "file"):
        table.add_column(col, overflow="fold" if col == "file" else "ellipsis")
    for p in protos:
        table.add_row(
            p.id,
            _escape(p.name),
            _escape(" → ".join(ph.name for ph in p.phases)),
            str(len(p.slots)),
            _escape(protos.files[p.id].name),
        )
    out.print(table)


@protocols_app.command("show")
def protocols_show(
    protocol_id: str = typer.Argument(
        ..., help="Protocol id, e.g. deep-gluteal-syndrome.", autocompletion=_complete_protocol_ids
    ),
    library: list[Path] | None = LibraryOpt,
    protocols: list[Path] | None = ProtocolsOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """Show a protocol: phases with goals and criteria, slots with their progression rules.

    Example: rehabplan protocols show lumbar-radicular-sciatica
    """
    from rich.table import Table

    from rehabplan.outputs.terminal import criterion_text, phases_table
    from rehabplan.planning.progression import RULES

    _, lib, protos = _sources(config, library, protocols or [])
    if protocol_id not in protos:
        # Asking for a protocol that is not in the library is a library question (3), not a
        # patient's problem (4) as an unknown protocol in a patient file is.
        import difflib

        from rehabplan.errors import LibraryError

        guess = difflib.get_close_matches(protocol_id, list(protos.protocols), n=3)
        raise LibraryError(
            f"no protocol '{protocol_id}'"
            + (f"; did you mean {', '.join(guess)}?" if guess else "; see 'rehabplan protocols list'")
        )
    from rehabplan.planning.painrule import pain_rule

    p = protos[protocol_id]
    out.print(f"[bold]{_escape(p.name)}[/] ({p.id})\n{_escape(p.summary)}\n")
    out.print(
        f"Deload every {p.deload_every_weeks} weeks (volume x{p.deload_volume_factor}); reassess at week {p.reassessment_week}; "
        f"at most {p.max_exercises_per_session} exercises a session; weekly sets rise at most {p.max_weekly_volume_increase_pct}%."
    )
    out.print(f"Pain: {pain_rule(p.pain).describe()}")
    out.print(phases_table((ph.weeks[0], ph.weeks[1], ph.name, ph.goal, criterion_text(p, ph)) for ph in p.phases))
    slots = Table(title="Slots")
    for col in ("slot", "exercise (alternatives)", "phases", "rule", "priority", "when"):
        slots.add_column(col)
    for sl in p.slots:
        rule = sl.progression
        slots.add_row(
            sl.id,
            " | ".join(sl.candidates),
            ", ".join(sl.phases),
            f"{rule.name}: {RULES[rule.name].description}",
            f"{sl.priority}{' required' if sl.required else ''}",
            "every day" if sl.every_day else "sessions",
        )
    out.print(slots)


@app.command()
def examples(
    folder: Path = typer.Argument(Path("examples"), help="Folder to copy the examples into (created if needed)."),
    force: bool = typer.Option(False, "--force", help="Overwrite files that exist."),
) -> None:
    """Copy the example patients, roster and pain log into a folder, to try every command.

    After 'pip install' / 'pipx install' the examples travel inside the package; this puts them
    where the README's commands expect them.

    Example: rehabplan examples examples/ && rehabplan preview examples/patient.yaml
    """
    from rehabplan.outputs.files import write_all
    from rehabplan.outputs.schemas import schema_line
    from rehabplan.resources import data_dir
    from rehabplan.sources.config import find_config

    config = find_config()
    files = []
    for source in sorted(data_dir("examples").iterdir()):
        if not source.is_file():
            continue
        target = folder / source.name
        data = source.read_bytes()
        first, _, rest = data.partition(b"\n")
        if first.startswith(b"# yaml-language-server: $schema="):
            # The shipped line points into the package's own tree; point it at a schema that
            # exists from the copy's folder (the clinic's schemas/, else the installed one).
            data = schema_line("patient", target, config).encode() + rest
        files.append((target, data))
    write_all(files, force)  # every file checked first, then all written or none
    for target, _ in files:
        if target.suffix == ".sh":
            target.chmod(0o755)
    written = [target.name for target, _ in files]
    err.print(f"[green]wrote[/] {len(written)} files in {_escape(str(folder))}: {', '.join(written)}")


@patient_app.command("new")
def patient_new(
    output: Path = typer.Argument(Path("patient.yaml"), help="Where to write the patient file."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    library: list[Path] | None = LibraryOpt,
    protocols: list[Path] | None = ProtocolsOpt,
    config: Path | None = ConfigOpt,
) -> None:
    """Ask for the patient's details and write a patient file.

    Example: rehabplan patient new jane.yaml
    """
    from rehabplan.cli.intake import interview

    interview(out, output, force, config, library, protocols)


@app.command()
def bulk(
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
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from rehabplan.bulk.run import bulk_build

    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    show = not quiet and not as_json
    from rehabplan.cli.config_notes import say_config, set_quiet
    from rehabplan.sources.config import load_config

    set_quiet(not show)
    bulk_config = load_config(config)
    say_config(err, bulk_config)
    if show and {"pdf", "html"} & set(formats):
        _say_config_defaults(bulk_config)
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
    with progress:
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

        report = bulk_build(
            roster,
            out_dir,
            jobs=jobs,
            formats=formats,
            force=force,
            config=bulk_config,
            library_dirs=library or (),
            protocol_dirs=protocols or (),
            templates=templates,
            paper=paper,
            large_print=large_print,
            edition=_edition(compact),
            progress=tick,
        )
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    elif not quiet:
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
                f"{len(report.outcomes) - len(shown):,} more rows not shown "
                f"({report.failed:,} failed in all); --json lists every row"
            )
        err.print(
            f"[green]wrote[/] {report.built:,} handout(s) to {_escape(str(report.out_dir))}"
            f" (list: {_escape(str(report.out_dir / 'manifest.json'))})"
        )
    if report.failed:
        from rehabplan.errors import BulkIncomplete

        raise BulkIncomplete(
            (
                f"all {report.failed:,} patients failed"
                if report.failed == len(report.outcomes)
                else f"{report.failed:,} of {len(report.outcomes):,} patients failed; the others were built or up to date"
            )
            + ("" if quiet or as_json else " (the table above gives each reason)")
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


def _program_from(path: Path, config, library, protocols):
    """A program JSON as it is, or a patient YAML planned now."""

    if path.suffix.lower() == ".json":
        from rehabplan.sources.programs import load_program

        cfg, lib, _ = _sources(config, library)
        return cfg, lib, load_program(path, lib)
    return _load_all(path, config, library, protocols, {})


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
    one_document = len(sys.argv) > 1 and sys.argv[1] in ONE_DOCUMENT_COMMANDS
    if one_document:
        gc.disable()
    from rehabplan.cli.errors_view import terminate_as_interrupt

    terminate_as_interrupt()
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
