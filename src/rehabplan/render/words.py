"""Dose elements in a patient's words: the speed of a rep, singular and plural, where "your plan
gives you" finds its number, and the every-day exercises as what is done now and what replaces
it later.

The handout's reading level is grade 6-8 (clinical brief, patient-facing text): no four-number
tempo code, one name for time under tension, and a number wherever the text points at the plan.
"""

from __future__ import annotations

import re

from rehabplan.models import DoseKind, Prescription, Program, Tempo


def tempo_matters(category: str, tempo: Tempo | str | None) -> bool:
    """Whether the speed of a rep is worth printing (design choice).

    Slow lowering is part of the dose in strength work (ACSM: slow to moderate speed for the
    untrained), in the lowering tasks of motor control (a step-down, a split squat, a step-up:
    the slow lowering is the control, and the plan slows it down as a step), and in trunk work
    when the lowering takes 3 seconds or more. For stretches, nerve glides, balance holds and
    small trunk moves such as a pelvic tilt, the steps already say "slowly": four numbers there
    are only something more to decode.
    """
    if tempo is None:
        return False
    t = Tempo.parse(tempo) if isinstance(tempo, str) else tempo
    category = getattr(category, "value", category)
    if category in ("strength", "motor_control"):
        return True
    return category == "core" and not t.explosive_lower and t.lower_s >= 3


def tempo_words(tempo: Tempo | str) -> str:
    """'3-1-2-0' -> 'lower slowly for 3 seconds, pause 1, lift for 2'."""
    t = Tempo.parse(tempo) if isinstance(tempo, str) else tempo
    parts = []
    if t.explosive_lower:
        parts.append("lower quickly but under control")
    else:
        slow = "slowly " if t.lower_s >= 3 else ""
        parts.append(f"lower {slow}for {seconds_word(t.lower_s)}")
    if t.bottom_s:
        parts.append(f"pause {t.bottom_s}")
    parts.append("lift quickly but under control" if t.explosive_lift else f"lift for {t.lift_s}")
    if t.top_s:
        parts.append(f"pause {t.top_s}")
    return ", ".join(parts)


_TEMPO_CODE = re.compile(r"\btempo ([0-9X]+-[0-9]+-[0-9X]+-[0-9]+)(,)?", re.IGNORECASE)


def note_words(note: str) -> str:
    """A planner's note in a patient's words: a tempo code becomes the speed of a rep.

    'lower more slowly: tempo 3-1-2-0' -> 'slower reps: lower slowly for 3 seconds, pause 1,
    lift for 2'; 'slower reps, same time: tempo 3-1-2-0, 10 a set' -> 'slower reps, same time:
    lower slowly for 3 seconds, pause 1, lift for 2; 10 reps a set'. (A slower tempo may slow the
    lift or a pause too, so "lower more slowly" becomes "slower reps".)
    """
    note = note.replace("lower more slowly: tempo ", "slower reps: tempo ")
    # The note may go on after the tempo ("…, 10 a set"): a semicolon keeps the parts apart.
    note = _TEMPO_CODE.sub(lambda m: tempo_words(m.group(1)) + (";" if m.group(2) else ""), note)
    return re.sub(r"; (\d+) a set\b", r"; \1 reps a set", note)


def seconds_word(n: int) -> str:
    return f"{n} second" if n == 1 else f"{n} seconds"


_ONE_PLURAL = re.compile(r"\b1 (second|minute|rep|hold|set|time|week|day|step)s\b")


def singular_one(text: str) -> str:
    """'hold 1 seconds longer' -> 'hold 1 second longer' (notes written by the planner)."""
    return _ONE_PLURAL.sub(lambda m: f"1 {m.group(1)}", text)


_PLAN_GIVES = re.compile(r"(?:the )?(count|seconds|time|number of steps|reps?) your plan gives you", re.IGNORECASE)


def first_amount(rx: Prescription | None) -> str:
    """The number a step points at, in week 1 of the exercise: '30 seconds', '10 reps'."""
    if rx is None:
        return ""
    if rx.kind is DoseKind.hold and rx.hold_s:
        return seconds_word(rx.hold_s)
    if rx.kind is DoseKind.duration and rx.minutes:
        return f"{rx.minutes} minute" + ("" if rx.minutes == 1 else "s")
    if rx.reps:
        unit = "rep" if rx.kind is DoseKind.reps else "hold"
        n = rx.reps[0]
        return f"{n} {unit}" + ("" if n == 1 else "s")
    return ""


def point_at_number(step: str, rx: Prescription | None) -> str:
    """'Hold for the seconds your plan gives you.' -> '... your plan gives you (30 seconds at
    the start: see “How much to do”).' A step never points at a plan without saying the number."""
    if rx is None or "your plan gives you" not in step:
        return step
    if rx.kind is DoseKind.reps and step.startswith("Hold") and "the count your plan gives you" in step:
        # A rep's hold is the pause at the top of its speed, not a number of reps.
        top = Tempo.parse(rx.tempo).top_s if rx.tempo else 0
        return step.replace("the count your plan gives you", f"a count of {top}" if top else "a moment", 1)
    if rx.kind is DoseKind.reps and "the time your plan gives you" in step and rx.tempo:
        lower = Tempo.parse(rx.tempo).lower_s
        return step.replace("the time your plan gives you", f"about {seconds_word(lower)}", 1)
    amount = first_amount(rx)
    if not amount:
        return step
    return step.replace("your plan gives you", f"your plan gives you ({amount} at first: see “How much to do”)", 1)


def daily_ladders(program: Program) -> list[str]:
    """The every-day exercises as the patient meets them: one entry per every-day slot, what is
    done first, then what replaces it and from which week.

    "Lying sciatic nerve slider (weeks 1-4), then Seated sciatic nerve slider (weeks 5-7), then
    Seated sciatic nerve tensioner (from week 8)", not five names that read as five daily tasks.
    """
    runs: dict[str, list[list]] = {}
    last_week = program.weeks[-1].number if program.weeks else 0
    for week in program.weeks:
        for rx in week.every_day:
            slot = runs.setdefault(rx.slot or rx.exercise, [])
            if slot and slot[-1][0] == rx.name and slot[-1][2] == week.number - 1:
                slot[-1][2] = week.number
            else:
                slot.append([rx.name, week.number, week.number])
    out = []
    for slot in runs.values():
        if len(slot) == 1 and slot[0][1] == 1 and slot[0][2] == last_week:
            out.append(slot[0][0])
            continue
        parts = []
        for i, (name, first, last) in enumerate(slot):
            if last == last_week and i:
                when = f"from week {first}"
            elif first == last:
                when = f"week {first}"
            else:
                when = f"weeks {first}\u2013{last}"
            parts.append(f"{name} ({when})")
        out.append(", then ".join(parts))
    return out


def notation(program: Program) -> frozenset[str]:
    """What the handout's "How to read your exercise dose" needs to explain for this plan, and
    nothing more: "holds" (an exercise held still), "pyramid" (holds in sets of 5-3-1, McGill's
    descending pyramid) and "lighter" (a lighter week, marked "easy" in the dose tables)."""
    out: set[str] = set()
    for week in program.weeks:
        if week.deload:
            out.add("lighter")
        for rx in [*week.every_day, *(rx for s in week.sessions for rx in s.prescriptions)]:
            if rx.kind is DoseKind.hold:
                out.add("holds")
                if len(set(rx.reps)) > 1:
                    out.add("pyramid")
    return frozenset(out)
