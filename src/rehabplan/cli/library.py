"""The library commands: validate, exercises list/show/gallery, protocols list/show, schema."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from rehabplan.cli.base import (
    CategoryName,
    ConfigOpt,
    EquipmentName,
    LibraryOpt,
    PatientSide,
    ProtocolsOpt,
    SchemaKind,
    _complete_exercise_ids,
    _complete_protocol_ids,
    _escape,
    _sources,
    app,
    err,
    exercises_app,
    out,
    protocols_app,
)
from rehabplan.errors import LibraryError


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
    from rehabplan.errors import LibraryError

    _, lib, _ = _sources(config, library)
    ex = lib[_exercise_id(lib, exercise_id)]
    _print_exercise(lib, ex)
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


def _exercise_id(lib, typed: str) -> str:
    """A clinician types what the clinic calls it: an id, or any alias ("clam"), any case."""
    import difflib

    from rehabplan.errors import LibraryError

    wanted = typed.strip().lower()
    by_name = {e.id: e.id for e in lib.exercises.values()}
    for e in lib.exercises.values():
        for alias in [*e.aliases, e.name]:
            by_name.setdefault(alias.lower(), e.id)
            by_name.setdefault(alias.lower().replace(" ", "-"), e.id)
    if wanted not in by_name:
        guess = list(dict.fromkeys(by_name[g] for g in difflib.get_close_matches(wanted, list(by_name), n=5)))[:3]
        raise LibraryError(
            f"no exercise '{typed}'" + (f"; did you mean {', '.join(guess)}?" if guess else "; see 'rehabplan exercises list'")
        )
    return by_name[wanted]


def _print_exercise(lib, ex) -> None:
    """The exercise's card for the terminal: names, steps, dosage bounds and its ladder."""
    from rich.table import Table

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
