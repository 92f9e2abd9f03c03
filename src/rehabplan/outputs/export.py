"""Machine-readable outputs of a program: JSON (versioned schema) and iCalendar (RFC 5545)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from rehabplan.models import Prescription, Program, Week


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
        from rehabplan.render.words import tempo_matters, tempo_words

        text = f"{p.sets} set{'s' if p.sets > 1 else ''} x {p.reps_text} reps"
        if p.tempo is not None and tempo_matters(p.category, p.tempo):
            text += f", {tempo_words(p.tempo)}"
    if p.sets > 1:
        text += f", rest {p.rest_s} s"
    if p.load:
        text += f", {p.load}"
    if p.side:
        text += f", {p.side}"
    return text


def minutes_of(p: Prescription) -> int:
    """How long one exercise takes, in whole minutes (at least 1): a walk its minutes; reps and
    holds their time under tension, or reps and holds counted, with the rests between sets."""
    if p.kind.value == "duration":
        return max(1, (p.minutes or 0) * max(1, p.sets))
    reps = sum(p.reps) if p.reps else p.sets
    if p.kind.value == "hold":
        work = reps * (p.hold_s or 5) * (1 if len(p.reps) > 1 else max(1, p.sets))
    else:
        work = (p.tut_per_set_s or 4 * (p.reps[0] if p.reps else 10)) * max(1, p.sets)
    rest = (p.rest_s or 0) * max(0, p.sets - 1)
    return max(1, -(-(work + rest) // 60))


def program_ics(
    program: Program,
    hour: int = 9,
    *,
    session_time: dt.time | None = None,
    timezone: str | None = None,
    stamp: dt.datetime | None = None,
    reminder_minutes: int | None = None,
) -> bytes:
    """The program as a calendar to import (RFC 5545).

    Each day's events follow one another from ``session_time`` (default ``hour``:00) in
    ``timezone`` (an IANA name such as Europe/London; without one the times float with the
    phone's own zone), each as long as it really takes: the session first (its planned
    minutes), then each every-day exercise (a walk its minutes), starting after the week's
    longest session so that nothing overlaps on any day. An every-day exercise is one event a
    week repeating daily (its dose can change week by week). The week-N check-in is an all-day
    event. With ``reminder_minutes`` each timed event carries a reminder (VALARM) that many
    minutes before. DTSTAMP is the build time, or ``$SOURCE_DATE_EPOCH`` for reproducible files.
    """
    import os
    from zoneinfo import ZoneInfo

    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//rehabplan//home exercise program//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Exercise program ({program.protocol_name})")
    if stamp is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        stamp = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    zone = ZoneInfo(timezone) if timezone else None
    at = session_time or dt.time(hour, 0)
    events = _Events(cal, program.patient.id, stamp, reminder_minutes)
    for week in program.weeks:
        _week_events(events, week, at, zone)
    for check_in in (w for w in program.weeks if w.number in program.check_in_weeks):
        events.add(
            f"w{check_in.number}-check-in",
            f"Check-in with your clinician (week {check_in.number})",
            "Bring your exercise log. You and your clinician look at how it is going and decide what comes "
            "next (the check-in page of your handout has the questions).",
            check_in.start,
            remind=False,
            dtend=check_in.start + dt.timedelta(days=1),
        )
    if zone is not None:
        cal.add_missing_timezones()
    return cal.to_ical()


_STOP = "Stop and get help if you notice any red flag in your handout."


@dataclass
class _Events:
    """Adds events to one calendar, each with the patient's uid, the stamp and the reminder."""

    cal: Any
    pid: str
    stamp: dt.datetime
    reminder_minutes: int | None

    def add(self, uid: str, summary: str, description: str, start: Any, *, remind: bool = True, **extra: Any) -> None:
        from icalendar import Alarm, Event

        ev = Event()
        ev.add("uid", f"{self.pid}-{uid}@rehabplan")
        ev.add("dtstamp", self.stamp)
        ev.add("dtstart", start)
        for key, value in extra.items():
            ev.add(key, value)
        ev.add("summary", summary)
        ev.add("description", description)
        if remind and self.reminder_minutes is not None:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", dt.timedelta(minutes=-self.reminder_minutes))
            ev.add_component(alarm)
        self.cal.add_component(ev)


def _week_events(events: _Events, week: Week, at: dt.time, zone: dt.tzinfo | None) -> None:
    """A week's sessions on their days, then its every-day exercises after the longest session."""
    label = " (easier week)" if week.deload else ""
    longest = 0
    for session in week.sessions:
        # The planner's day (strength days never two in a row), read from the Program.
        day = week.start + dt.timedelta(days=session.day)
        lines = [f"- {p.name}: {dose_text(p)}" for p in session.prescriptions]
        minutes = max(5, round(session.minutes))
        longest = max(longest, minutes)
        events.add(
            f"w{week.number}-s{session.number}",
            f"Exercises: week {week.number}, {session.name.lower()}{label}",
            "\n".join(lines + ["", _STOP]),
            dt.datetime.combine(day, at, tzinfo=zone),
            duration=dt.timedelta(minutes=minutes),
        )
    # Every-day exercises follow the session, one after another, each its real length.
    start = dt.datetime.combine(week.start, at, tzinfo=zone) + dt.timedelta(minutes=longest)
    for p in week.every_day:
        length = minutes_of(p)
        events.add(
            f"w{week.number}-daily-{p.exercise}",
            f"Every day: {p.name}{label}",
            f"- {p.name}: {dose_text(p)}\n\n{_STOP}",
            start,
            duration=dt.timedelta(minutes=length),
            rrule={"freq": "daily", "count": 7},
        )
        start += dt.timedelta(minutes=length)
