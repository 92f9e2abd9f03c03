"""Machine-readable outputs of a program: JSON (versioned schema) and iCalendar (RFC 5545)."""

from __future__ import annotations

import datetime as dt
import json

from rehabplan.models import Prescription, Program


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


def program_ics(
    program: Program,
    hour: int = 9,
    *,
    session_time: dt.time | None = None,
    timezone: str | None = None,
    stamp: dt.datetime | None = None,
) -> bytes:
    """The program as a calendar to import (RFC 5545).

    One event per session at ``session_time`` (default ``hour``:00) in ``timezone`` (an IANA
    name such as Europe/London; without one the times float with the phone's own zone), one
    daily event per week for each every-day exercise, and the reassessment check-in as an
    all-day event. DTSTAMP is the build time, or ``$SOURCE_DATE_EPOCH`` for reproducible files.
    """
    import os
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//rehabplan//home exercise program//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Exercise program ({program.protocol_name})")
    if stamp is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        stamp = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    zone = ZoneInfo(timezone) if timezone else None
    at = session_time or dt.time(hour, 0)
    pid = program.patient.id

    def event(uid: str, summary: str, description: str, start, **extra) -> None:
        ev = Event()
        ev.add("uid", f"{pid}-{uid}@rehabplan")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", start)
        for key, value in extra.items():
            ev.add(key, value)
        ev.add("summary", summary)
        ev.add("description", description)
        cal.add_component(ev)

    stop = "Stop and get help if you notice any red flag in your handout."
    for week in program.weeks:
        label = " (easier week)" if week.deload else ""
        for session in week.sessions:
            # The planner's day (strength days never two in a row), read from the Program.
            day = week.start + dt.timedelta(days=session.day)
            lines = [f"- {p.name}: {dose_text(p)}" for p in session.prescriptions]
            event(
                f"w{week.number}-s{session.number}",
                f"Exercises: week {week.number}, {session.name.lower()}{label}",
                "\n".join(lines + ["", stop]),
                dt.datetime.combine(day, at, tzinfo=zone),
                duration=dt.timedelta(minutes=max(5, round(session.minutes))),
            )
        # Every-day exercises are their own event, each day of the week (the dose can change
        # week by week, so one repeating event per week rather than one for the program).
        for p in week.every_day:
            event(
                f"w{week.number}-daily-{p.exercise}",
                f"Every day: {p.name}{label}",
                f"- {p.name}: {dose_text(p)}\n\n{stop}",
                dt.datetime.combine(week.start, at, tzinfo=zone),
                duration=dt.timedelta(minutes=10),
                rrule={"freq": "daily", "count": 7},
            )
    check_in = next((w for w in program.weeks if w.number == program.reassessment_week), None)
    if check_in is not None:
        event(
            f"w{check_in.number}-check-in",
            f"Check-in with your clinician (week {check_in.number})",
            "Bring your exercise log. You and your clinician look at how it is going and decide what comes "
            "next (the check-in page of your handout has the questions).",
            check_in.start,
            dtend=check_in.start + dt.timedelta(days=1),
        )
    if zone is not None:
        cal.add_missing_timezones()
    return cal.to_ical()
