"""Phases: the protocol's phases scaled to the patient's weeks, and their criteria."""

from __future__ import annotations

from rehabplan.models import (
    Irritability,
    PhasePlan,
    Protocol,
)
from rehabplan.planning.state import SlotState, _make, _Slot

# How long the settle phase lasts, by irritability (clinical brief, "Irritability leads the
# phases": high 3-4 weeks, moderate 2-3, low 1-2), whatever the plan's length. Design choice
# within those ranges: the protocol's own settle length scaled to the plan, clamped to them.
SETTLE_WEEKS = {Irritability.high: (3, 4), Irritability.moderate: (2, 3), Irritability.low: (1, 2)}
# Strengthening starts by this week at the latest in a plan of STRENGTHEN_BY_PLAN_WEEKS or more.
STRENGTHEN_BY_WEEK = 5
STRENGTHEN_BY_PLAN_WEEKS = 8
# A plan longer than 12 weeks is reassessed about every 6 weeks (seed 001, NICE: 6 weeks).
REASSESS_EVERY_WEEKS = 6


def scale_phases(protocol: Protocol, weeks: int, irritability: Irritability = Irritability.moderate) -> list[PhasePlan]:
    """The protocol's phases (written for 12 weeks) for this patient's weeks and irritability.

    The first (settle) phase takes its length from irritability (``SETTLE_WEEKS``), not from
    the plan's length; the later phases share the weeks left in the protocol's proportions. A
    short plan shortens the later phases, never an irritable patient's settle phase: a phase
    with no week left is not in the plan (a 4-week plan for high irritability settles for 3
    weeks and strengthens for 1).
    """
    phases = protocol.phases
    if len(phases) == 1:
        return [_phase_plan(phases[0], 1, weeks)]
    lo, hi = SETTLE_WEEKS[irritability]
    own = phases[0].weeks[1] - phases[0].weeks[0] + 1
    settle = max(lo, min(hi, round(own * weeks / 12)))
    if weeks >= STRENGTHEN_BY_PLAN_WEEKS:
        settle = min(settle, STRENGTHEN_BY_WEEK - 1)
    settle = max(1, min(settle, weeks - 1))
    out = [_phase_plan(phases[0], 1, settle)]
    later = phases[1:]
    left = weeks - settle
    later = later[: max(1, min(len(later), left))]  # phases without a week left are not in the plan
    lengths = [p.weeks[1] - p.weeks[0] + 1 for p in later]
    total = sum(lengths)
    first = settle + 1
    used = 0
    for i, phase in enumerate(later):
        remaining = len(later) - i - 1
        if remaining == 0:
            last = weeks
        else:
            used += lengths[i]
            last = settle + round(used * left / total)
            last = max(first, min(last, weeks - remaining))
        out.append(_phase_plan(phase, first, last))
        first = last + 1
    return out


def _phase_plan(phase, first: int, last: int) -> PhasePlan:
    return _make(
        PhasePlan,
        id=phase.id,
        name=phase.name,
        first_week=first,
        last_week=last,
        goal=phase.goal,
        criterion=phase.criterion,
    )


def reassessment_weeks(protocol: Protocol, weeks: int) -> tuple[int, ...]:
    """The check-in weeks: the protocol's (week 6), or the last week of a shorter plan; in a
    plan longer than 12 weeks, one about every 6 weeks after it."""
    first = min(protocol.reassessment_week, weeks)
    if weeks <= 12:
        return (first,)
    return tuple(range(first, weeks + 1, REASSESS_EVERY_WEEKS))


def _phase_of(phases: list[PhasePlan], week: int) -> PhasePlan:
    for p in phases:
        if p.first_week <= week <= p.last_week:
            return p
    return phases[-1]


def _criteria(
    protocol: Protocol, phases: list[PhasePlan], slots: list[_Slot], states: dict[str, SlotState], reassessment
) -> list[PhasePlan]:
    """Print each criterion with the numbers this patient's plan reaches by the phase's end.

    "{walking}" becomes the walking minutes of the phase's last week (never a 12-week figure in
    a 4-week plan); "{check-in}" names the reassessment only in the phase that holds it.
    """
    targets = {p.id: p.targets for p in protocol.phases}
    out = []
    for ph in phases:
        text = ph.criterion
        for s in slots:
            key = "{" + s.id + "}"
            if key in text:
                reached = [d.minutes for w, d in states[s.id].timeline.items() if w <= ph.last_week and d.minutes]
                value = max(reached, default=0)
                target = targets.get(ph.id, {}).get(s.id)
                text = text.replace(key, str(min(value, target) if target else value))
        checks = [
            w for w in ((reassessment,) if isinstance(reassessment, int) else reassessment) if ph.first_week <= w <= ph.last_week
        ]
        check = ""
        if checks:
            named = " and ".join(", ".join(str(w) for w in checks).rsplit(", ", 1))
            check = f", and you have had your week {named} check-in" + ("s" if len(checks) > 1 else "")
        text = text.replace("{check-in}", check)
        out.append(_make(PhasePlan, **{**ph.__dict__, "criterion": text}))
    return out


def _targets(protocol: Protocol, phases: list[PhasePlan]) -> dict[str, list[tuple[int, int]]]:
    """slot id -> [(last week of the phase, minutes to reach by then)]."""
    scaled = {p.id: p for p in phases}
    out: dict[str, list[tuple[int, int]]] = {}
    for phase in protocol.phases:
        if phase.id not in scaled:
            continue  # a phase this short plan does not reach
        for slot_id, minutes in phase.targets.items():
            out.setdefault(slot_id, []).append((scaled[phase.id].last_week, minutes))
    return out
