"""--format ics: a calendar a phone imports correctly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pytest
from typer.testing import CliRunner

from rehabplan.cli.commands import app

PATIENT = Path(__file__).resolve().parent.parent / "examples" / "patient.yaml"
runner = CliRunner(env={"COLUMNS": "200"})


def calendar(*args, env=None) -> icalendar.Calendar:
    result = runner.invoke(app, ["build", str(PATIENT), "-f", "ics", "-o", "-", *map(str, args)], env=env)
    assert result.exit_code == 0, result.output
    return icalendar.Calendar.from_ical(result.stdout)


def events(cal) -> list:
    return list(cal.walk("VEVENT"))


def test_sessions_are_at_the_session_time_in_the_clinics_time_zone(tmp_path):
    config = tmp_path / "rehabplan.yaml"
    config.write_text("timezone: Europe/London\n")
    cal = calendar("--config", config, "--session-time", "18:30")
    sessions = [e for e in events(cal) if str(e["summary"]).startswith("Exercises:")]
    assert sessions
    for e in sessions:
        start = e.decoded("dtstart")
        assert start.tzinfo is not None and str(start.tzinfo) == "Europe/London"
        assert (start.hour, start.minute) == (18, 30)
    assert any(tz["tzid"] == "Europe/London" for tz in cal.walk("VTIMEZONE"))


def test_without_a_time_zone_times_float_with_the_phone(tmp_path):
    start = next(e for e in events(calendar()) if str(e["summary"]).startswith("Exercises:")).decoded("dtstart")
    assert start.tzinfo is None and start.hour == 9


def test_the_reassessment_check_in_is_an_all_day_event():
    checks = [e for e in events(calendar()) if "Check-in" in str(e["summary"])]
    assert len(checks) == 1
    day = checks[0].decoded("dtstart")
    assert isinstance(day, dt.date) and not isinstance(day, dt.datetime)
    assert day == dt.date(2026, 1, 5) + dt.timedelta(weeks=5), "the start of week 6"


def test_every_day_exercises_are_their_own_daily_events(example_program):
    daily = [e for e in events(calendar()) if str(e["summary"]).startswith("Every day:")]
    expected = sum(len(w.every_day) for w in example_program.weeks)
    assert expected and len(daily) == expected
    for e in daily:
        assert e["rrule"]["FREQ"] == ["DAILY"] and e["rrule"]["COUNT"] == [7]
    sessions = [e for e in events(calendar()) if str(e["summary"]).startswith("Exercises:")]
    assert all("Every day" not in str(e["description"]) for e in sessions), "not repeated inside sessions"


def test_dtstamp_is_the_build_time_or_source_date_epoch():
    fixed = calendar(env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert {e.decoded("dtstamp") for e in events(fixed)} == {dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamps = {e.decoded("dtstamp") for e in events(calendar(env={"SOURCE_DATE_EPOCH": ""}))}
    assert len(stamps) == 1 and before <= stamps.pop() <= dt.datetime.now(dt.UTC)


def test_a_wrong_time_zone_or_session_time_is_refused(tmp_path):
    config = tmp_path / "rehabplan.yaml"
    config.write_text("timezone: Europe/Londn\n")
    bad_zone = runner.invoke(app, ["build", str(PATIENT), "-f", "ics", "-o", "-", "--config", str(config)])
    assert bad_zone.exit_code == 3 and "Europe/Londn" in bad_zone.output
    bad_time = runner.invoke(app, ["build", str(PATIENT), "-f", "ics", "-o", "-", "--session-time", "half six"])
    assert bad_time.exit_code == 2 and "HH:MM" in bad_time.output


def test_bulk_calendars_use_the_clinics_time_zone_too(tmp_path):
    config = tmp_path / "rehabplan.yaml"
    config.write_text("timezone: America/New_York\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join((PATIENT.parent / "roster.csv").read_text().splitlines()[:2]) + "\n")
    result = runner.invoke(
        app, ["bulk", str(roster), "--out", str(tmp_path / "out"), "--format", "ics", "--jobs", "1", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    (ics,) = (tmp_path / "out").glob("*.ics")
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    starts = [e.decoded("dtstart") for e in events(cal) if str(e["summary"]).startswith("Exercises:")]
    assert starts and all(str(s.tzinfo) == "America/New_York" for s in starts)


def _spans(cal) -> list[tuple[dt.datetime, dt.datetime, str]]:
    """(start, end, summary) of every timed event on each day it happens (daily rules expanded)."""
    out = []
    for e in events(cal):
        start = e.decoded("dtstart")
        if not isinstance(start, dt.datetime):
            continue
        length = e.decoded("duration")
        days = int(e["rrule"]["count"][0]) if "rrule" in e else 1
        for n in range(days):
            s = start + dt.timedelta(days=n)
            out.append((s, s + length, str(e["summary"])))
    return out


def test_a_days_events_follow_one_another_from_the_session_time(tmp_path):
    """The session at 18:30, then each every-day exercise after it: nothing overlaps on any day,
    and each event is as long as it takes (a 37-minute walk is 37 minutes, not 10)."""
    cal = calendar("--session-time", "18:30")
    spans = sorted(_spans(cal))
    for (s1, e1, a), (s2, _, b) in zip(spans, spans[1:]):
        if s1.date() == s2.date():
            assert e1 <= s2, f"{a} ({s1:%H:%M}-{e1:%H:%M}) overlaps {b} ({s2:%H:%M})"
    sessions = [s for s in spans if s[2].startswith("Exercises:")]
    assert all((s.hour, s.minute) == (18, 30) for s, _, _ in sessions)
    walks = [(e - s) for s, e, name in spans if "Walking" in name]
    assert walks and max(walks) >= dt.timedelta(minutes=30)


def test_a_reminder_is_set_from_the_clinic_config_and_the_check_in_is_kept(tmp_path):
    config = tmp_path / "rehabplan.yaml"
    config.write_text("reminder_minutes: 15\n")
    cal = calendar("--config", config)
    timed = [e for e in events(cal) if isinstance(e.decoded("dtstart"), dt.datetime)]
    assert timed and all(len(e.walk("VALARM")) == 1 for e in timed)
    assert all(a.decoded("trigger") == dt.timedelta(minutes=-15) for e in timed for a in e.walk("VALARM"))
    assert any("Check-in" in str(e["summary"]) for e in events(cal))
    # No reminder unless the clinic asks for one.
    assert not list(calendar().walk("VALARM"))


@pytest.mark.slow
def test_the_calendar_says_the_speed_in_words_not_a_tempo_code():
    text = "\n".join(str(e["description"]) for e in events(calendar()))
    assert "tempo" not in text
    assert "lower for" in text
