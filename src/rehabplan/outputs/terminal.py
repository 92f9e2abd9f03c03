"""The program in the terminal, as rich tables: phases, the weeks at a glance, one week in full."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table

from rehabplan.models import Prescription, Program, Week
from rehabplan.outputs import clinician
from rehabplan.outputs.export import dose_text
from rehabplan.render.for_patient import fit_phases


def short_dose(p: Prescription) -> str:
    if p.kind.value == "duration":
        return f"{p.minutes}′"
    if p.kind.value == "hold":
        if p.sets > 1 and len(set(p.reps)) > 1:
            return f"{p.reps_text}×{p.hold_s}s"
        return f"{p.reps[0]}×{p.hold_s}s" if p.sets == 1 else f"{p.sets}×{p.reps[0]}×{p.hold_s}s"
    return f"{p.sets}×{p.reps_text}"


# Every notation the dose grid can use, each explained under it only when the grid uses it:
# (pattern of a cell or week heading, its explanation).
LEGEND = (
    (re.compile(r"^\d+×\d+(-\d+)*\*?$"), "2×10 = 2 sets of 10 reps"),
    (re.compile(r"^\d+×\d+s\*?$"), "3×30s = 3 holds of 30 seconds"),
    (re.compile(r"^\d+×\d+×\d+s\*?$"), "2×3×30s = 2 sets of 3 holds of 30 seconds"),
    (re.compile(r"^\d+(-\d+)+×\d+s\*?$"), "5-3-1×10s = holds of 10 seconds in sets of 5, 3 and 1, a short rest between sets"),
    (re.compile(r"′"), "12′ = 12 minutes"),
    (re.compile(r"\*$"), "* = harder from this week (harder variant, firmer band or load, or slower reps: the reps start lower)"),
    (re.compile(r"^wk \d+D$"), "wk 5D = a lighter (deload) week"),
    (re.compile(r"^wk \d+R$"), "wk 6R = the reassessment week"),
)
DAYS_LEGEND = "days: S = strength day, s = short day, · = every-day exercises and walk only."


def legend(cells: Iterable[str], width: int = 100) -> list[str]:
    """The legend of a grid with these cells and week headings: what it uses, in LEGEND's order,
    in lines of about ``width`` characters."""
    cells = set(cells)
    lines: list[str] = []
    for words in [words for pattern, words in LEGEND if any(pattern.search(c) for c in cells)] + [DAYS_LEGEND]:
        if lines and len(lines[-1]) + 1 + len(words) < width:
            lines[-1] += " " + words
        else:
            lines.append(words)
        if words != DAYS_LEGEND:
            lines[-1] += ";"
    return lines


def criterion_text(protocol, phase) -> str:
    """A protocol phase's "move on when" with its placeholders filled from the protocol itself
    (a patient's plan fills them from its own weeks): {walking} the phase's walking target in
    minutes, {check-in} the reassessment when the phase holds it."""
    text = phase.criterion
    for slot, minutes in phase.targets.items():
        text = text.replace("{" + slot + "}", str(minutes))
    first, last = phase.weeks
    week = protocol.reassessment_week
    text = text.replace("{check-in}", f", and you have had your week {week} check-in" if first <= week <= last else "")
    # A slot with no target in this phase: say it in words rather than print a brace.
    return re.sub(r"\{[a-z0-9-]+\}", "the planned number of", text)


def _harder(note: str | None) -> bool:
    """A change that makes each rep harder, so the reps start lower (marked * in the grid)."""
    return note is not None and any(w in note for w in ("harder version", "switch to", "slower reps"))


def phases_table(rows) -> Table:
    """Phases as a table: (first week, last week, name, goal, criterion to move on)."""
    table = Table(title="Phases")
    for col in ("weeks", "phase", "goal", "move on when"):
        table.add_column(col)
    for first, last, name, goal, criterion in rows:
        table.add_row(str(first) if first == last else f"{first}–{last}", escape(name), escape(goal), escape(criterion))
    return table


def print_program(console: Console, program: Program, week: int | None = None) -> None:
    pt = program.patient
    days, asked = clinician.planned_days(program), pt.sessions_per_week
    console.print(
        f"[bold]{escape(program.protocol_name)}[/] — {pt.weeks} weeks from {program.start} to {program.end}, "
        f"{days} sessions a week{f' ({asked} asked for)' if days < asked else ''}, {pt.minutes} min each, "
        f"side: {pt.side.value}"
    )
    for warning in clinician.warnings(program, preview=True):
        console.print(f"[bold red]WARNING:[/] {escape(warning)}")
    # The goals as the patient reads them (fitted to their exclusions and side).
    console.print(phases_table((ph.first_week, ph.last_week, ph.name, ph.goal, ph.criterion) for ph in fit_phases(program)))
    from rehabplan.planning.painrule import pain_rule

    console.print(f"Pain rule: {pain_rule(program.pain).describe()}")
    for hold in getattr(program, "__dict__", {}).get("holds") or []:
        console.print(f"[bold]On hold ({hold.level})[/] from week {hold.from_week}: {hold.reason}")
    if week is not None:
        _print_week(console, program, week)
        return
    rows, names = _dose_rows(program)
    _print_grid(console, program, rows, names)
    _print_notes(console, program, rows)


def _dose_rows(program: Program) -> tuple[dict[tuple[str, str], dict[int, str]], dict[tuple[str, str], str]]:
    """The grid's rows: (slot, exercise) -> week -> short dose, and each row's exercise name."""
    # One row per exercise actually done (a slot that moves on to a harder or easier exercise
    # gets a row for each, next to each other), so every cell names what the patient does.
    rows: dict[tuple[str, str], dict[int, str]] = {}
    names: dict[tuple[str, str], str] = {}
    for w in program.weeks:
        seen = {}
        for p in w.every_day + [p for s in w.sessions for p in s.prescriptions]:
            seen[p.slot] = p
        for slot, p in seen.items():
            key = (slot, p.exercise)
            if key not in rows:
                # next to the slot's other rows
                after = [k for k in rows if k[0] == slot]
                if after:
                    items = list(rows.items())
                    at = max(i for i, (k, _) in enumerate(items) if k[0] == slot) + 1
                    items.insert(at, (key, {}))
                    rows.clear()
                    rows.update(items)
                else:
                    rows[key] = {}
            rows[key][w.number] = short_dose(p) + ("*" if _harder(p.note) else "")
            names.setdefault(key, p.name)
    return rows, names


def _print_grid(
    console: Console, program: Program, rows: dict[tuple[str, str], dict[int, str]], names: dict[tuple[str, str], str]
) -> None:
    """The dose grid, in as many tables as the terminal's width needs."""

    # As many weeks per table as the terminal holds, so nothing is cut to "…": a week's column
    # is as wide as its widest cell, the names wrap from 22 characters, and the weeks are dealt
    # into equal tables (6 + 6 at 80 columns, not 11 + 1).
    def col_w(w) -> int:
        cells = [rows[slot].get(w.number, "") for slot in rows] + [_week_heading(w), str(w.volume_sets)]
        return max(len(c) for c in cells) + 4  # the cell, its padding, the rule after it, and a spare

    def fits_in(n: int, name_w: int) -> bool:
        per = -(-len(program.weeks) // n)
        chunks = [program.weeks[i : i + per] for i in range(0, len(program.weeks), per)]
        return all(1 + name_w + 3 + sum(col_w(w) for w in chunk) <= console.width for chunk in chunks)

    def tables_for(name_w: int) -> int:
        return next((n for n in range(1, len(program.weeks) + 1) if fits_in(n, name_w)), len(program.weeks))

    # Names whole in a wide terminal; in a narrow one (80 columns) they wrap from 22 characters,
    # so that twelve weeks take two tables, not three.
    full = max(len(n) for n in names.values())
    name_w = full if console.width >= 100 else min(full, 22)
    tables = tables_for(name_w)
    per_table = -(-len(program.weeks) // tables)
    for first in range(0, len(program.weeks), per_table):
        chunk = program.weeks[first : first + per_table]
        grid = Table(title="Dose by week (legend below)")
        grid.add_column("exercise", no_wrap=True) if name_w == full else grid.add_column("exercise", max_width=name_w)
        for w in chunk:
            grid.add_column(_week_heading(w), justify="right", no_wrap=True)
        for row_key, cells in rows.items():
            grid.add_row(escape(names[row_key]), *[cells.get(w.number, "") for w in chunk])
        grid.add_row("weekly sets", *[str(w.volume_sets) for w in chunk], style="bold")
        grid.add_row("session min", *[f"{max((s.minutes for s in w.sessions), default=0):.0f}" for w in chunk], style="dim")
        grid.add_row(
            "days",
            *[
                "".join(
                    ("S" if s.kind == "strength" else "s")
                    if any(s.day == d for s in w.sessions) and (s := next(x for x in w.sessions if x.day == d))
                    else "·"
                    for d in range(7)
                )
                for w in chunk
            ],
            style="dim",
        )
        console.print(grid)


def _week_heading(week: Week) -> str:
    """'wk 5D' (a lighter week), 'wk 6R' (the reassessment week), 'wk 7'."""
    return f"wk {week.number}" + ("D" if week.deload else ("R" if week.reassessment else ""))


def _print_notes(console: Console, program: Program, rows: dict[tuple[str, str], dict[int, str]]) -> None:
    """The grid's legend, then what the plan could not do as asked: substitutes, left out (fewer
    exercise days than asked is a warning at the top, with the header's count)."""
    cells = [cell for row in rows.values() for cell in row.values()] + [_week_heading(w) for w in program.weeks]
    console.print("\n".join(legend(cells)))
    if substitutes := clinician.substitutes(program):
        console.print("[yellow]Planned with a substitute:[/] " + escape("; ".join(substitutes)))
    if program.dropped:
        console.print("[yellow]Left out:[/] " + escape("; ".join(f"{d.slot} ({d.reason})" for d in program.dropped)))


def _print_week(console: Console, program: Program, number: int) -> None:
    weeks = {w.number: w for w in program.weeks}
    if number not in weeks:
        console.print(f"[red]week {number} is not in this program (1–{len(program.weeks)})[/]")
        return
    w = weeks[number]
    flags = (" — deload week" if w.deload else "") + (" — reassessment week" if w.reassessment else "")
    phase = next((ph.name for ph in program.phases if ph.id == w.phase), w.phase)
    console.print(f"\n[bold]Week {w.number}[/] (from {w.start}), phase: {escape(phase)}{flags}")
    import datetime as dt

    def day(s) -> str:
        return (w.start + dt.timedelta(days=getattr(s, "day", 0))).strftime("%A")

    groups = [("Every day", w.every_day)] + [
        (
            f"{getattr(s, 'name', 'Session')}, {day(s)} (~{s.minutes:.0f} min with the every-day exercises, not the walk)",
            s.prescriptions,
        )
        for s in w.sessions
    ]
    for title, items in groups:
        if not items:
            continue
        if console.width < 110:
            # Nine columns in a narrow terminal cut every cell to "Somew…": a few lines an
            # exercise instead, each part named.
            console.print(f"\n[bold]{escape(title)}[/]")
            for p in items:
                parts = [dose_text(p).split(",")[0]]
                parts += [f"tempo {p.tempo}"] if p.tempo else []
                parts += [f"TUT {p.tut_per_set_s}s a set"] if p.tut_per_set_s else []
                parts += [f"rest {p.rest_s}s"] if p.sets > 1 else []
                parts += [x for x in (p.load, p.side) if x]
                console.print(Padding(f"[bold]{escape(p.name)}[/]: " + escape(" · ".join(parts)), (0, 0, 0, 2), expand=False))
                more = f"effort: {escape(p.effort)}" + (f"; note: {escape(p.note)}" if p.note else "")
                console.print(Padding(more, (0, 0, 0, 4), expand=False))
            continue
        t = Table(title=title, title_justify="left")
        for col in ("exercise", "dose", "tempo", "TUT/set", "rest", "load", "side", "effort", "note"):
            t.add_column(col)
        for p in items:
            t.add_row(
                *map(
                    escape,
                    (
                        p.name,
                        dose_text(p).split(",")[0],
                        p.tempo or "",
                        f"{p.tut_per_set_s}s" if p.tut_per_set_s else "",
                        f"{p.rest_s}s" if p.sets > 1 else "",
                        p.load or "",
                        p.side or "",
                        p.effort,
                        p.note or "",
                    ),
                )
            )
        console.print(t)
