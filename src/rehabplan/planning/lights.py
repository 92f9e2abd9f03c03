"""The pain log read as traffic lights: each logged session's light by the protocol's one pain
rule (``planning.painrule``), the red flags its rows hold, and one decision per exercise slot
from the slot's latest logged week (what ``adjust`` then does to that slot's dose timeline)."""

from __future__ import annotations

from typing import NamedTuple

from rehabplan.models import Prescription, Program, Week
from rehabplan.planning.painrule import Light, pain_rule
from rehabplan.planning.redflags import Hit, screen_cell
from rehabplan.sources.log import LogEntry

# From mildest to worst: a slot's decision is its worst session of the latest logged week.
LIGHT_ORDER: tuple[Light, ...] = ("green", "amber", "red")


class Decision(NamedTuple):
    """A slot's light from its latest logged week, why (with when), the exercise, the worst session."""

    light: Light
    reason: str
    exercise: str
    entry: LogEntry


class _Logged(NamedTuple):
    """One logged session as it bears on one slot."""

    week: int
    light: Light
    reason: str
    entry: LogEntry
    exercise: str


def light_of(entry: LogEntry, program: Program) -> tuple[Light, str]:
    """Traffic light of one logged session, with the reason in words (the protocol's one rule)."""
    return pain_rule(program.pain).light(entry.pain_during, entry.pain_next_morning, entry.spread)


def log_hits(entries: list[LogEntry]) -> list[Hit]:
    """Red flags in used log rows: questions answered yes and notes that read as one."""
    hits: list[Hit] = []
    for e in entries:
        date = e.date.isoformat() if e.date else ""
        for q in e.answers:
            hits.append(Hit(e.row, q, q, "yes", answered=True, week=e.week, date=date))
        hits += screen_cell(e.row, "note", e.note, week=e.week, date=date)
    return hits


def items_of(week: Week) -> list[Prescription]:
    """Every prescription of a week: the every-day ones, then each session's."""
    return week.every_day + [p for s in week.sessions for p in s.prescriptions]


def slots_by_exercise(program: Program) -> dict[str, str]:
    """exercise -> the slot it is planned in (any week)."""
    return {p.exercise: p.slot for w in program.weeks for p in items_of(w)}


def decide(program: Program, entries: list[LogEntry]) -> dict[str, Decision]:
    """slot -> its decision from the latest logged week of that slot.

    A session row that names the exercise that hurt gives that exercise the session's light and
    the others of the session green; a session that hurt without naming one gives every exercise
    of the session its light (the whole week holds or regresses: which one hurt is not known)."""
    slot_of = slots_by_exercise(program)
    per_slot: dict[str, list[_Logged]] = {}
    for e in entries:
        if not e.done:
            continue
        if not e.per_session:
            if e.exercise is not None and e.exercise in slot_of:
                light, reason = light_of(e, program)
                per_slot.setdefault(slot_of[e.exercise], []).append(_Logged(e.week, light, reason, e, e.exercise))
            continue
        for slot, logged in _session_lights(program, e, slot_of).items():
            per_slot.setdefault(slot, []).append(logged)
    decisions = {}
    for slot, logged_items in per_slot.items():
        latest = max(it.week for it in logged_items)
        worst = max(
            (it for it in logged_items if it.week == latest),
            key=lambda it: (LIGHT_ORDER.index(it.light), -it.entry.row),
        )
        entry = worst.entry
        when = f"week {latest}" + (
            f", {entry.date.isoformat()}" if entry.date else (f", session {entry.session}" if entry.session else "")
        )
        decisions[slot] = Decision(worst.light, f"{when}: {worst.reason}", worst.exercise, entry)
    return decisions


def _session_lights(program: Program, e: LogEntry, slot_of: dict[str, str]) -> dict[str, _Logged]:
    """slot -> what one logged session says about it (the slots planned in that week)."""
    if not 1 <= e.week <= len(program.weeks):
        return {}
    session_light = light_of(e, program)
    present = {p.slot: p.exercise for p in items_of(program.weeks[e.week - 1])}
    named = slot_of.get(e.exercise) if e.exercise else None
    out: dict[str, _Logged] = {}
    for slot, ex in present.items():
        if e.done_exercises and ex not in e.done_exercises:
            continue
        light: tuple[Light, str]
        if named is None and session_light[0] == "red":
            # Which exercise hurt is not known: every exercise holds at its last dose (none is
            # regressed on a guess) and the clinician is asked to find out (clinician_flags).
            light = ("amber", f"{session_light[1]}; the exercise that hurt was not named, so all hold")
        else:
            light = session_light if (named is None or named == slot) else ("green", "another exercise hurt")
        out[slot] = _Logged(e.week, light[0], light[1], e, ex)
    return out
