"""The closed loop's commands: `log-template`, `adjust` and `report` (registered in commands.py).

`adjust` reads red flags first and always reports them: the log file is screened before the
program is loaded, before any row is validated and before any file is written, and an urgent
flag makes the exit code 1 whatever else fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rehabplan.errors import PatientError, Problem, RehabplanError, UrgentFlag


def _hit_lines(hits, out, escape, released: bool = False) -> None:
    from rehabplan.planning.redflags import URGENT_ACTION

    for level, style in (("urgent", "bold red"), ("review", "yellow")):
        found = [h for h in hits if h.level == level]
        for text in dict.fromkeys(h.describe() for h in found):
            tail = URGENT_ACTION if level == "urgent" else "hold progression until you have seen the patient"
            if released:
                tail = "released with --release: you have seen the patient"
            out.print(f"[{style}]{level.upper()}[/]: {escape(text)} — {tail}")


def log_template_cmd(source: Path, output: Path, fmt: str, force: bool, program_from, err) -> None:
    from rehabplan.outputs.files import atomic_write
    from rehabplan.sources.log import log_template

    _, _, program = program_from(source)
    text = log_template(program, fmt)
    if fmt == "csv":
        from rehabplan.outputs.csv_safe import neutralise

        text = neutralise(text)
    if str(output) == "-":
        sys.stdout.write(text)
        return
    atomic_write(output, text.encode(), force)
    from rich.markup import escape

    err.print(f"[green]wrote[/] {escape(str(output))}")


def adjust_cmd(
    source: Path,
    log: Path,
    output: Path | None,
    handout: Path | None,
    from_week: int | None,
    force: bool,
    release: bool,
    clear: list[str],
    program_from,
    out,
    err,
    escape,
    status,
    max_problems: int,
) -> None:

    from rehabplan.sources.log import screen_log

    # 1. Red flags before anything else can fail.
    hits = screen_log(log)
    try:
        cfg, lib, program = program_from(source)
    except RehabplanError as exc:
        _hit_lines(hits, out, escape)
        if any(h.level == "urgent" for h in hits):
            raise UrgentFlag.wrapping(exc) from exc
        raise
    acknowledged = getattr(program, "__dict__", {}).get("acknowledged_through_week") or 0
    live = [h for h in hits if not (h.week and h.week <= acknowledged)]
    _hit_lines(live, out, escape, released=release)
    urgent = any(h.level == "urgent" for h in live) and not release
    try:
        new, used, problems = _adjusted(program, lib, log, from_week, live, release, clear, source)
        _print_problems(problems, err, escape, max_problems)
        wrote = _write_adjusted(new, program, lib, cfg, output, handout, urgent, force, status)
    except RehabplanError as exc:
        if urgent:  # the urgent flag was printed; its exit code (1) wins so scripts notice
            raise UrgentFlag.wrapping(exc) from exc
        raise
    _print_outcome(new, used, problems, urgent, handout, out, escape)
    err.print("[green]wrote[/] " + " and ".join(escape(w) for w in wrote))
    if urgent:
        raise UrgentFlag("the plan was not progressed: an urgent flag for the clinician (see URGENT above)")


def _print_problems(problems, err, escape, max_problems: int) -> None:
    """The log rows adjust skipped, the first ``max_problems`` of them, then a count."""
    for p in problems[:max_problems]:
        err.print(f"[yellow]skipped log row[/] {escape(str(p))}")
    if len(problems) > max_problems:
        err.print(
            f"[yellow]…and {len(problems) - max_problems:,} more problems in the log[/] "
            f"({len({p.line for p in problems}):,} rows skipped in all)"
        )


def _write_adjusted(new, program, lib, cfg, output, handout, urgent: bool, force: bool, status) -> list[str]:
    """The adjusted program JSON, and with --handout the new handout (or, for an urgent flag,
    the one-page stop sheet instead); what was written, for the closing line."""
    from rehabplan.outputs.export import program_json
    from rehabplan.outputs.files import atomic_write, safe_stem

    target = output or Path(f"adjusted-{safe_stem(program.patient.id)}.json")
    atomic_write(target, program_json(new).encode(), force)
    wrote = [str(target)]
    if handout and urgent:
        from rehabplan.render.stop_sheet import write_stop_sheet

        write_stop_sheet(new, cfg, handout, force)
        wrote.append(f"{handout} (a one-page sheet: stop the exercises and get assessed today)")
    elif handout:
        from rehabplan.planning.adjust import remaining
        from rehabplan.render.pdf import render_pdf

        with status(f"Rendering the new handout from week {new.adjusted_from_week}", quiet=False):
            render_pdf(remaining(new), lib, handout, cfg, force=force)
        wrote.append(str(handout))
    return wrote


def _print_outcome(new, used: int, problems, urgent: bool, handout, out, escape) -> None:
    """What adjust did, for the clinician: each exercise's light, holds, blocks and flags."""
    from rich.table import Table

    skipped = len({p.line for p in problems if not p.warning})
    table = Table(title=f"Adjusted from week {new.adjusted_from_week} ({used} log rows used, {skipped} skipped)")
    for col in ("exercise", "light", "why", "what changes"):
        table.add_column(col)
    for a in new.adjustments:
        colour = {"green": "green", "amber": "yellow", "red": "red"}[a.light]
        table.add_row(escape(a.exercise), f"[{colour}]{a.light}[/]", escape(a.reason), escape(a.change))
    out.print(table)
    for h in new.holds:
        release_how = (
            "rehabplan adjust … --release once you have seen the patient"
            if h.release == "clinician"
            else "a logged week within the pain rule"
        )
        out.print(f"[bold]HOLD ({h.level})[/]: {escape(h.reason)} — released by {release_how}")
    for b in new.blocked:
        out.print(
            f"[bold]KEPT OUT[/]: {escape(b.exercise)}: {escape(b.reason)} — rehabplan adjust … --clear tensioner lets it back"
        )
    for f in new.flags:
        if f.level == "urgent":
            continue  # printed first, above
        if f.level == "review" and f.words:
            continue  # red-flag reviews were printed first too
        rows = f" (log rows {', '.join(map(str, f.rows))})" if f.rows else ""
        out.print(f"[yellow]REVIEW[/]: {escape(f.message)}{rows}")
    if urgent:
        out.print("[bold red]URGENT[/]: the plan was not progressed" + (" and no new plan was printed" if handout else ""))


def _adjusted(program, lib, log: Path, from_week, hits, release, clear, source=None):
    from rehabplan.planning.adjust import adjust
    from rehabplan.sources.log import name_index, read_log

    read = read_log(log, program, name_index(program, lib))
    entries, problems = read.entries, read.problems
    if not entries and not [p for p in problems if p.line and p.line > 1] and from_week is None:
        raise PatientError(
            f"the log {log} has no filled-in rows yet",
            [
                Problem(
                    log,
                    None,
                    "",
                    "every row is still blank",
                    "fill in done (yes/no) and the pain scores for the sessions done so far, then run adjust again",
                )
            ],
        )
    new = adjust(program, lib, entries, from_week, source=source, hits=hits, release=release, clear=clear)
    return new, len(entries), problems


def program_json_input(path: Path, overrides: dict, program_from):
    """A program JSON given to build or preview: used as it is (options that would re-plan it are
    refused, naming the patient file to use instead)."""
    if overrides:
        options = ", ".join("--" + k.replace("_per_week", "").replace("_", "-") for k in overrides)
        raise PatientError(
            f"{options} would plan again: {path} is a program already planned",
            [Problem(path, None, "", "a program JSON is built as it is", "give the patient YAML to change the plan")],
        )
    return program_from(path)


def refuse_urgent_hold(program, fmt: str) -> None:
    """A program on hold for an urgent red flag prints no plan to follow (PDF, HTML, calendar)."""
    holds = getattr(program, "__dict__", {}).get("holds") or []
    urgent = [h for h in holds if h.level == "urgent"]
    if urgent and fmt != "json":
        raise UrgentFlag(
            "this program is on hold for an urgent red flag: no plan is printed until the clinician has seen the patient",
            [
                Problem(
                    None,
                    None,
                    "holds",
                    urgent[0].reason,
                    "see the patient today; then 'rehabplan adjust PROGRAM LOG --release' takes the plan up again",
                )
            ],
        )


def report_cmd(program_path: Path, log: Path, output: Path | None, fmt: str, force: bool, program_from, out, err, escape) -> None:
    """The clinician's one-page progress report (red flags are screened and printed first)."""
    from rehabplan.outputs.files import atomic_write, safe_stem
    from rehabplan.outputs.report import make_report, report_html, report_json_outcomes, report_pdf
    from rehabplan.planning.adjust import adjust, with_loop_fields
    from rehabplan.planning.painrule import pain_rule
    from rehabplan.sources.log import name_index, read_log, screen_log

    hits = screen_log(log)
    _hit_lines(hits, out, escape)
    _, lib, program = program_from(program_path)
    program = with_loop_fields(program)
    read = read_log(log, program, name_index(program, lib))
    for p in read.problems[:30]:
        err.print(f"[yellow]skipped log row[/] {escape(str(p))}")
    shown = program
    if not program.adjusted_from_week and read.entries:
        try:  # what adjust would change, for the report only (nothing is written)
            shown = adjust(program, lib, read.entries, hits=hits)
        except RehabplanError:
            shown = program
    report = make_report(shown, read.entries, hits, lib, report_json_outcomes(read.entries, program.reassessment_week))
    ceiling = pain_rule(program.pain).ceiling
    if fmt == "json":
        data = report.to_json().encode()
    elif fmt == "html":
        data = report_html(report, ceiling).encode()
    else:
        data = report_pdf(report, ceiling)
    target = output or Path(f"report-{safe_stem(program.patient.id)}.{fmt}")
    if str(target) == "-" and fmt != "pdf":
        sys.stdout.buffer.write(data)
        return
    atomic_write(target, data, force)
    err.print(f"[green]wrote[/] {target}")
