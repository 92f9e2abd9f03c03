"""The templates' filters: dates, seconds, plurals, doses, how often, week ranges, in plain words."""

from __future__ import annotations

import datetime as dt

from rehabplan.models import DoseKind, Prescription

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def long_date(day: dt.date, locale: str = "en-GB") -> str:
    """Monday 5 January 2026 (en-US: Monday, January 5, 2026)."""
    if locale in ("en-US", "en-CA"):
        return f"{_DAYS[day.weekday()]}, {_MONTHS[day.month - 1]} {day.day}, {day.year}"
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def short_date(day: dt.date, locale: str = "en-GB") -> str:
    """5 Jan (en-US: Jan 5)."""
    month = _MONTHS[day.month - 1][:3]
    return f"{month} {day.day}" if locale in ("en-US", "en-CA") else f"{day.day} {month}"


def day_label(day: dt.date, locale: str = "en-GB") -> str:
    """Mon 5 (en-US: Mon 5 as well: the month is in the week heading)."""
    return f"{_DAYS[day.weekday()][:3]} {day.day}"


def join_and(words) -> str:
    """['Monday', 'Wednesday', 'Friday'] -> 'Monday, Wednesday and Friday'."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else ""


def seconds(value: int | float | None) -> str:
    """Rest and hold times as people say them: 45 s, 1 min, 1 min 30 s."""
    if value is None:
        return ""
    value = int(round(value))
    if value < 60:
        return f"{value} s"
    minutes, rest = divmod(value, 60)
    return f"{minutes} min" if rest == 0 else f"{minutes} min {rest} s"


def nobreak(text) -> str:
    """Words that stay on one line ("2 × 10 reps"): no-break spaces instead of a nowrap span,
    which WeasyPrint would lay out as a box of its own on every line."""
    return str(text).replace(" ", "\u00a0")


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def dose(rx: Prescription) -> str:
    """The amount in words: '2 sets of 10 reps', '3 sets: 5, 3, 1 holds of 10 s', '20 minutes'."""
    if rx.kind is DoseKind.duration:
        bout = plural(rx.minutes or 0, "minute")
        return bout if rx.sets <= 1 else f"{rx.sets} times {bout}"
    unit = "rep" if rx.kind is DoseKind.reps else "hold"
    tail = f" of {seconds(rx.hold_s)}" if rx.kind is DoseKind.hold and rx.hold_s else ""
    if not rx.reps:
        return plural(rx.sets, "set")
    if len(set(rx.reps)) > 1:
        return f"{rx.sets} sets: {', '.join(str(r) for r in rx.reps)} {unit}s{tail}"
    reps = rx.reps[0]
    if rx.sets == 1:
        return f"{plural(reps, unit)}{tail}"
    return f"{rx.sets} sets of {plural(reps, unit)}{tail}"


def dose_short(rx: Prescription) -> str:
    """Compact form for tables and the log: '2 × 10 reps', '5-3-1 holds of 10 s', '20 min'."""
    if rx.kind is DoseKind.duration:
        return f"{rx.minutes} min" if rx.sets <= 1 else f"{rx.sets} × {rx.minutes} min"
    if not rx.reps:
        return plural(rx.sets, "set")
    unit = "rep" if rx.kind is DoseKind.reps else "hold"
    tail = f" of {seconds(rx.hold_s)}" if rx.kind is DoseKind.hold and rx.hold_s else ""
    if len(set(rx.reps)) > 1:
        return f"{'-'.join(str(r) for r in rx.reps)} {unit}s{tail}"
    amount = plural(rx.reps[0], unit) + tail
    return f"{rx.sets} × {amount}" if rx.sets > 1 else amount


def how_often(per_week: int | None) -> str:
    if not per_week:
        return ""
    if per_week >= 7:
        return "Every day"
    return {1: "Once a week", 2: "Twice a week"}.get(per_week, f"{per_week} times a week")


def weeks_label(first: int, last: int) -> str:
    return f"Week {first}" if first == last else f"Weeks {first}\u2013{last}"


def _amount(rx: Prescription) -> str:
    if rx.kind is DoseKind.duration:
        return str(rx.minutes) if rx.sets <= 1 else f"{rx.sets}×{rx.minutes}"
    if len(set(rx.reps)) > 1:
        return "-".join(str(r) for r in rx.reps)
    # No spaces: twelve weeks of "2×10" must fit across an A4 card at 12 pt.
    return f"{rx.sets}×{rx.reps[0]}" if rx.reps else str(rx.sets)


def _short_seconds(value: int | None) -> str:
    return "" if value is None else f"{value} s"


def day_name(day: dt.date, locale: str = "en-GB") -> str:
    return _DAYS[day.weekday()]


def _range(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}\u2013{pair[1]}"


def _emergency_place(locale: str) -> str:
    return {
        "en-GB": "A&E (the emergency department)",
        "en-IE": "the emergency department",
        "en-US": "the emergency room",
        "en-CA": "the emergency room",
    }.get(locale, "the emergency department")
