"""The program in the terminal, as rich tables: phases, the weeks at a glance, one week in full."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from rehabplan.models import Prescription, Program
from rehabplan.outputs.export import dose_text


def short_dose(p: Prescription) -> str:
    if p.kind.value == "duration":
        return f"{p.minutes}′"
    if p.kind.value == "hold":
        return f"{p.reps_text}×{p.hold_s}s" if p.sets > 1 and len(set(p.reps)) > 1 else f"{p.sets}×{p.reps[0]}×{p.hold_s}s"
    return f"{p.sets}×{p.reps_text}"


def _harder(note: str | None) -> bool:
    """A change that makes each rep harder, so the reps start lower (marked * in the grid)."""
    return bool(note) and any(w in note for w in ("harder version", "switch to", "slower reps"))


def phases_table(rows) -> Table:
    """Phases as a table: (first week, last week, name, goal, criterion to move on)."""
    table = Table(title="Phases")
    for col in ("weeks", "phase", "goal", "move on when"):
        table.add_column(col)
    for first, last, name, goal, criterion in rows:
        table.add_row(str(first) if first == last else f"{first}–{last}", name, goal, criterion)
    return table


def print_program(console: Console, program: Program, week: int | None = None) -> None:
    pt = program.patient
    console.print(
        f"[bold]{program.protocol_name}[/] — {pt.weeks} weeks from {program.start} to {program.end}, "
        f"{pt.sessions_per_week} sessions a week, {pt.minutes} min each, side: {pt.side.value}"
    )
    console.print(phases_table((ph.first_week, ph.last_week, ph.name, ph.goal, ph.criterion) for ph in program.phases))
    from rehabplan.planning.painrule import pain_rule

    console.print(f"Pain rule: {pain_rule(program.pain).describe()}")
    for hold in getattr(program, "__dict__", {}).get("holds") or []:
        console.print(f"[bold]On hold ({hold.level})[/] from week {hold.from_week}: {hold.reason}")
    if week is not None:
        _print_week(console, program, week)
        return
    rows: dict[str, dict[int, str]] = {}
    names: dict[str, str] = {}
    for w in program.weeks:
        seen = {}
        for p in w.every_day + [p for s in w.sessions for p in s.prescriptions]:
            seen[p.slot] = p
        for slot, p in seen.items():
            rows.setdefault(slot, {})[w.number] = short_dose(p) + ("*" if _harder(p.note) else "")
            names.setdefault(slot, p.name)
    # As many weeks per table as the terminal holds, so nothing is cut to "…".
    name_w = max(len(n) for n in names.values()) + 4
    fits = max(2, min(len(program.weeks), (console.width - name_w) // 11))
    tables = -(-len(program.weeks) // fits)
    per_table = -(-len(program.weeks) // tables)  # equal tables: 6 + 6, not 11 + 1
    for first in range(0, len(program.weeks), per_table):
        chunk = program.weeks[first : first + per_table]
        grid = Table(title="Dose by week (sets × reps, holds × seconds, minutes); D = deload, R = reassessment")
        grid.add_column("exercise", no_wrap=True)
        for w in chunk:
            mark = "D" if w.deload else ("R" if w.reassessment else "")
            grid.add_column(f"wk {w.number}{mark}", justify="right", no_wrap=True)
        for slot, cells in rows.items():
            grid.add_row(names[slot], *[cells.get(w.number, "") for w in chunk])
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
    console.print(
        "* = harder from this week (harder variant, firmer band or load, or slower reps: the reps start lower); "
        "days: S = strength day, s = short day, · = every-day exercises and walk only"
    )
    planned = max((len(w.sessions) for w in program.weeks), default=0)
    if planned < pt.sessions_per_week:
        why = "no exercise of this plan is left for a short day" + (" (see Left out)" if program.dropped else "")
        console.print(
            f"{planned} sessions a week, not {pt.sessions_per_week}: {why}; "
            "the every-day exercises and the walk are done every day anyway"
        )
    if program.dropped:
        console.print("[yellow]Left out:[/] " + "; ".join(f"{d.slot} ({d.reason})" for d in program.dropped))


def _print_week(console: Console, program: Program, number: int) -> None:
    weeks = {w.number: w for w in program.weeks}
    if number not in weeks:
        console.print(f"[red]week {number} is not in this program (1–{len(program.weeks)})[/]")
        return
    w = weeks[number]
    flags = (" — deload week" if w.deload else "") + (" — reassessment week" if w.reassessment else "")
    console.print(f"\n[bold]Week {w.number}[/] (from {w.start}), phase {w.phase}{flags}")
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
        t = Table(title=title, title_justify="left")
        for col in ("exercise", "dose", "tempo", "TUT/set", "rest", "load", "side", "effort", "note"):
            t.add_column(col)
        for p in items:
            t.add_row(
                p.name,
                dose_text(p).split(",")[0],
                p.tempo or "",
                f"{p.tut_per_set_s}s" if p.tut_per_set_s else "",
                f"{p.rest_s}s" if p.sets > 1 else "",
                p.load or "",
                p.side or "",
                p.effort,
                p.note or "",
            )
        console.print(t)
