"""The blank log a patient fills in: a row per session (and the older row per exercise)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from rehabplan.models import Prescription, Program, Week
from rehabplan.sources.log.fields import EXERCISE_FIELDS, SESSION_FIELDS


def items_of(program: Program) -> list[Prescription]:
    return [p for w in program.weeks for p in week_items(w)]


def week_items(week: Week) -> list[Prescription]:
    return week.every_day + [p for s in week.sessions for p in s.prescriptions]


def session_dates(program: Program) -> list[tuple[int, int, dt.date]]:
    """(week, session, planned date) of every session of the program."""
    out = []
    for w in program.weeks:
        for s in w.sessions:
            out.append((w.number, s.number, w.start + dt.timedelta(days=s.day)))
    return out


def log_template(program: Program, fmt: str = "csv") -> str:
    """A blank log, a row per session, with the fixed columns (``SESSION_FIELDS``)."""
    rows = [
        {"week": w, "session": s, "date": d.isoformat(), **{f: "" for f in SESSION_FIELDS[3:]}}
        for w, s, d in session_dates(program)
    ]
    if fmt == "yaml":
        lines = [
            "# rehabplan log: one entry per session. done: yes/no; pains 0-10; spread: yes/no;",
            "# exercise: the one that hurt (as the handout names it); the last seven: the weekly",
            "# red-flag questions, yes or no (see the handout's tracking pages).",
        ]
        for r in rows:
            lines.append(f"- week: {r['week']}")
            for f in SESSION_FIELDS[1:]:
                value = r[f]
                lines.append(f"  {f}: {value if value != '' else ''}".rstrip() if f != "date" else f"  date: {value}")
        return "\n".join(lines) + "\n"
    buf = io.StringIO()
    w = csv.DictWriter(buf, SESSION_FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def exercise_log_template(program: Program) -> str:
    """The older design, still read: a row per exercise per session (``EXERCISE_FIELDS``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EXERCISE_FIELDS)
    for week in program.weeks:
        for s in week.sessions:
            for p in week.every_day + s.prescriptions:
                w.writerow([week.number, s.number, "", p.exercise, "", "", "", "", "", "", "", ""])
    return buf.getvalue()
