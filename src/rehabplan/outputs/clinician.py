"""What the clinician reads about a program beside its weeks: the plan's own warnings, and what
the plan could not do as asked (fewer exercise days, an exercise standing in for another), in
plain words with no slot ids. Derived from the program as it is, so a program JSON says the same."""

from __future__ import annotations

from rehabplan.models import Category, Program


def planned_days(program: Program) -> int:
    """The exercise days of the plan's fullest week (the week's every-day exercises aside)."""
    return max((len(w.sessions) for w in program.weeks), default=0)


def fewer_days(program: Program, *, preview: bool = False) -> str | None:
    """ "3 exercise days a week, not the 4 asked for: <why>" when the plan has fewer exercise
    days than the patient file asks for; None when it has them all. In the preview, which
    lists what is left out below the weeks, it points there."""
    asked, planned = program.patient.sessions_per_week, planned_days(program)
    if planned >= asked:
        return None
    in_sessions = [p for w in program.weeks for s in w.sessions for p in s.prescriptions]
    trunk = sorted({p.name for p in in_sessions if p.category is Category.core})
    if planned >= 3:
        why = "hip and leg strength work needs a rest day in between (3 strength days a week at most), and "
        if trunk:
            why += f"the plan's trunk work ({', '.join(trunk)}) stays on the strength days"
        else:
            why += "this plan has no trunk exercise left for a short day in between"
        why += " (see Left out)" if preview and program.dropped else ""
    else:
        why = "no exercise of this plan is left for the other days" + (" (see Left out)" if preview and program.dropped else "")
    return (
        f"{planned} exercise days a week, not the {asked} asked for: {why}; "
        "the every-day exercises and the walk are done every day anyway"
    )


def fewer_days_brief(program: Program) -> str | None:
    """``fewer_days`` in one line, for the handout cover's box (a cover in large print has no room
    for the whole reason; preview and build give it)."""
    asked, planned = program.patient.sessions_per_week, planned_days(program)
    if planned >= asked:
        return None
    why = "hip and leg strength work needs a rest day in between" if planned >= 3 else "no exercise is left for the other days"
    return f"{planned} exercise days a week, not the {asked} asked for: {why}."


def cover_warnings(program: Program) -> list[str]:
    """``warnings`` as the handout cover's box for the clinician prints them."""
    fewer = fewer_days_brief(program)
    return [*program.clinician_warnings, *([fewer] if fewer else [])]


def warnings(program: Program, *, preview: bool = False) -> list[str]:
    """Everything the clinician is warned of before the handout is given: the plan's own
    warnings, then fewer exercise days than asked."""
    fewer = fewer_days(program, preview=preview)
    return [*program.clinician_warnings, *([fewer] if fewer else [])]


def substitutes(program: Program) -> list[str]:
    """Each exercise the plan uses in place of the protocol's own, once, as "Long bridge hold →
    Chair hamstring bridge" (the planner notes "instead of ..." where that is news)."""
    out: dict[str, str] = {}
    for w in program.weeks:
        for p in list(w.every_day) + [p for s in w.sessions for p in s.prescriptions]:
            if p.slot in out or not p.note or "instead of " not in p.note:
                continue
            original = p.note.split("instead of ", 1)[1]
            for end in (")", ";"):
                original = original.split(end, 1)[0]
            out[p.slot] = f"{original.strip()} → {p.name}"
    return list(out.values())
