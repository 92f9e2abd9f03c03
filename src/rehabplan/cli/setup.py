"""Getting started: examples, init (the clinic's config), patient new."""

from __future__ import annotations

from pathlib import Path

import typer

from rehabplan.cli.base import ConfigOpt, LibraryOpt, ProtocolsOpt, _escape, app, err, out, patient_app
from rehabplan.errors import LibraryError

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
                                   # (12 pt, two cards a page, the log as one table): set compact
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
    from rehabplan.errors import UsageError

    try:
        interview(out, output, force, config, library, protocols)
    except EOFError:  # Ctrl-D, or a script that runs out of answers
        raise UsageError(f"the questions ended before every answer was given, so {output} was not written").with_hint(
            "run it again at a terminal, or start the patient file from a copy of examples/patient.yaml"
        ) from None
