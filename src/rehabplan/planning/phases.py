"""Phases: the protocol's phases scaled to the patient's weeks, and their criteria."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rehabplan.models import (
    Irritability,
    Phase,
    PhasePlan,
    Protocol,
)
from rehabplan.planning.state import SlotState, _Slot

# How long the settle phase lasts, by irritability (clinical brief, "Irritability leads the
# phases": high 3-4 weeks, moderate 2-3, low 1-2), whatever the plan's length. Design choice
# within those ranges: the protocol's own settle length scaled to the plan, clamped to them.
SETTLE_WEEKS = {Irritability.high: (3, 4), Irritability.moderate: (2, 3), Irritability.low: (1, 2)}
# Strengthening starts by this week at the latest in a plan of STRENGTHEN_BY_PLAN_WEEKS or more.
STRENGTHEN_BY_WEEK = 5
STRENGTHEN_BY_PLAN_WEEKS = 8
# Every phase after the settle phase lasts at least this long where the plan allows (a 1-week
# phase cannot build what its goal promises). Design choice.
LATER_PHASE_MIN_WEEKS = 2
# A plan longer than 12 weeks is reassessed about every 6 weeks (seed 001, NICE: 6 weeks).
REASSESS_EVERY_WEEKS = 6


def scale_phases(protocol: Protocol, weeks: int, irritability: Irritability = Irritability.moderate) -> list[PhasePlan]:
    """The protocol's phases (written for 12 weeks) for this patient's weeks and irritability.

    The first (settle) phase takes its length from irritability (``SETTLE_WEEKS``), not from
    the plan's length; the later phases share the weeks left in the protocol's proportions. A
    short plan shortens the later phases, never an irritable patient's settle phase: a phase
    with no week left is not in the plan, and neither is a phase whose every week is a
    check-in or the last week, since nothing new or harder may start in those weeks (a 4-week
    plan for high irritability settles for all 4 weeks; ``short_plan_note`` says so).
    """
    phases = protocol.phases
    if len(phases) == 1:
        return [_phase_plan(phases[0], 1, weeks)]
    hi = SETTLE_WEEKS[irritability][1]
    settle = _settle_weeks(phases[0], weeks, irritability)
    out = [_phase_plan(phases[0], 1, settle)]
    left = weeks - settle
    later = phases[1:][: max(1, min(len(phases) - 1, left))]  # phases without a week left are not in the plan
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
    out = _later_phases_at_least(out, SETTLE_WEEKS[irritability][0])
    out = _fold_calm_phases(out, calm_of(protocol, weeks), hi)
    if len(out) == 1:
        out[0] = out[0].model_copy(update={"goal": f"{out[0].goal} {_stays_gentle(protocol, weeks, irritability)}"})
    return out


def _later_phases_at_least(phases: list[PhasePlan], settle_min: int) -> list[PhasePlan]:
    """Every phase after the settle phase lasts ``LATER_PHASE_MIN_WEEKS`` where the plan allows:
    a short phase takes a week from the longest later phase that can spare one, else from the
    settle phase while it stays inside irritability's range; when neither can, the last phase
    is not in the plan and the phase before it takes its weeks (a 6-week plan for high
    irritability settles, then strengthens, rather than strengthening for one week)."""
    lengths = [p.last_week - p.first_week + 1 for p in phases]
    while len(lengths) > 1:
        short = next((i for i in range(1, len(lengths)) if lengths[i] < LATER_PHASE_MIN_WEEKS), None)
        if short is None:
            break
        donors = [i for i in range(1, len(lengths)) if lengths[i] > LATER_PHASE_MIN_WEEKS]
        if donors:
            lengths[max(donors, key=lambda i: (lengths[i], i))] -= 1
        elif lengths[0] > settle_min:
            lengths[0] -= 1
        elif len(lengths) > 2:
            last = lengths.pop()
            lengths[-1] += last
            continue
        else:
            break  # settle and one later phase, both as short as they may be
        lengths[short] += 1
    out, first = [], 1
    for phase, n in zip(phases, lengths):
        out.append(phase.model_copy(update={"first_week": first, "last_week": first + n - 1}))
        first += n
    return out


def _stays_gentle(protocol: Protocol, weeks: int, irritability: Irritability) -> str:
    """The patient's words for a plan that never leaves its settle phase: why, and what comes next."""
    why = "your pain flares up easily" if irritability is Irritability.high else "this plan is short"
    check = max(reassessment_weeks(protocol, weeks))
    return (
        f"Because {why}, all {weeks} weeks of this plan stay gentle. "
        f"You start the next step ({protocol.phases[1].name}) after your week {check} check-in."
    )


def _settle_weeks(phase: Phase, weeks: int, irritability: Irritability) -> int:
    """The settle phase's length: the protocol's own, scaled to the plan, inside irritability's range."""
    lo, hi = SETTLE_WEEKS[irritability]
    own = phase.weeks[1] - phase.weeks[0] + 1
    settle = max(lo, min(hi, round(own * weeks / 12)))
    if weeks >= STRENGTHEN_BY_PLAN_WEEKS:
        settle = min(settle, STRENGTHEN_BY_WEEK - 1)
    return max(1, min(settle, weeks - 1))


def calm_of(protocol: Protocol, weeks: int) -> frozenset[int]:
    """The weeks in which nothing new or harder starts: every check-in week and the last week."""
    return frozenset(reassessment_weeks(protocol, weeks)) | {weeks}


def _fold_calm_phases(phases: list[PhasePlan], calm: frozenset[int], settle_max: int) -> list[PhasePlan]:
    """A later phase whose every week is calm could start none of its exercises, and its goal
    would promise what the plan cannot give: its weeks join the phase before (the settle phase
    only while it stays inside irritability's range)."""
    out = phases[:1]
    for phase in phases[1:]:
        prev = out[-1]
        weeks = range(phase.first_week, phase.last_week + 1)
        longest = settle_max if len(out) == 1 else phase.last_week
        if all(w in calm for w in weeks) and phase.last_week - prev.first_week + 1 <= longest:
            out[-1] = prev.model_copy(update={"last_week": phase.last_week})
        else:
            out.append(phase)
    return out


def short_plan_note(protocol: Protocol, phases: Sequence[PhasePlan], slots: Iterable[_Slot], weeks: int) -> str | None:
    """The clinician's note when a plan this short never leaves its first phase (a highly
    irritable patient's settle phase fills a 4-week plan): the exercises that start later."""
    if len(phases) > 1 or len(protocol.phases) == 1:
        return None
    planned = {phases[0].id}
    later = [s.id for s in slots if not planned.intersection(s.slot.phases)]
    waits = f" ({', '.join(later)})" if later else ""
    check = max(reassessment_weeks(protocol, weeks))
    return (
        f"This {weeks}-week plan is all '{phases[0].name}': the settle phase for this irritability fills it, and nothing "
        f"new starts in a check-in week or the last week. The later phases' exercises{waits} start after the week {check} "
        f"check-in: plan the next weeks then, or give the plan more weeks."
    )


def _phase_plan(phase: Phase, first: int, last: int) -> PhasePlan:
    return PhasePlan.model_construct(
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
    protocol: Protocol,
    phases: list[PhasePlan],
    slots: list[_Slot],
    states: Mapping[str, SlotState],
    reassessment: int | Sequence[int],
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
        out.append(ph.model_copy(update={"criterion": text}))
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


def _targets_beyond(protocol: Protocol, phases: list[PhasePlan]) -> dict[str, int]:
    """slot id -> the first target of a phase this short plan does not reach, after the slot's
    last target it does reach (lumbar, 4 weeks: the load phase's 30 walking minutes after the
    settle phase's 10). Past that last target the walk goes on at its own pace toward this one
    rather than holding at an earlier phase's figure for the rest of the plan."""
    reached = {p.id for p in phases}
    out: dict[str, int] = {}
    seen: set[str] = set()
    for phase in protocol.phases:
        for slot_id, minutes in phase.targets.items():
            if phase.id in reached:
                seen.add(slot_id)
                out.pop(slot_id, None)
            elif slot_id in seen:
                out.setdefault(slot_id, minutes)
    return out
