"""Machine-readable outputs of a program: JSON (versioned schema) and iCalendar (RFC 5545)."""

from __future__ import annotations

import datetime as dt
import json

from .models import Prescription, Program


def program_json(program: Program) -> str:
    """The program as JSON; ``schema_version`` changes when a field changes meaning."""
    return json.dumps(program.model_dump(mode="json"), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def dose_text(p: Prescription) -> str:
    """One line a patient can follow: '2 sets x 10 reps, tempo 2-1-2-0, rest 60 s'."""
    if p.kind.value == "duration":
        text = f"{p.minutes} minutes"
    elif p.kind.value == "hold":
        text = f"{p.sets} set{'s' if p.sets > 1 else ''} of {p.reps_text} holds x {p.hold_s} s"
    else:
        text = f"{p.sets} set{'s' if p.sets > 1 else ''} x {p.reps_text} reps, tempo {p.tempo}"
    if p.sets > 1:
        text += f", rest {p.rest_s} s"
    if p.load:
        text += f", {p.load}"
    if p.side:
        text += f", {p.side}"
    return text


def program_ics(program: Program, hour: int = 9) -> bytes:
    """One event per session (and one daily event per week for every-day exercises)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//rehabplan//home exercise program//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Exercise program ({program.protocol_name})")
    stamp = dt.datetime.combine(program.start, dt.time(0, 0), tzinfo=dt.timezone.utc)
    pid = program.patient.id
    for week in program.weeks:
        daily = "\n".join(f"- {p.name}: {dose_text(p)}" for p in week.every_day)
        for session in week.sessions:
            # The planner's day (strength days never two in a row), read from the Program.
            day = week.start + dt.timedelta(days=session.day)
            ev = Event()
            ev.add("uid", f"{pid}-w{week.number}-s{session.number}@rehabplan")
            ev.add("dtstamp", stamp)
            ev.add("dtstart", dt.datetime.combine(day, dt.time(hour, 0)))
            ev.add("duration", dt.timedelta(minutes=max(5, round(session.minutes))))
            label = " (easier week)" if week.deload else ""
            ev.add("summary", f"Exercises: week {week.number}, {session.name.lower()}{label}")
            lines = [f"- {p.name}: {dose_text(p)}" for p in session.prescriptions]
            if daily:
                lines += ["", "Every day:", daily]
            lines += ["", "Stop and get help if you notice any red flag in your handout."]
            ev.add("description", "\n".join(lines))
            cal.add_component(ev)
    return cal.to_ical()

