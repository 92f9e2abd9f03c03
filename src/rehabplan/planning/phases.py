"""Phases: the protocol's phases scaled to the patient's weeks, and their criteria."""

from __future__ import annotations

from rehabplan.models import (
    PhasePlan,
    Protocol,
)
from rehabplan.planning.state import SlotState, _make, _Slot


def scale_phases(protocol: Protocol, weeks: int) -> list[PhasePlan]:
    """Protocols are written for 12 weeks; other lengths stretch or shrink every phase."""
    out: list[PhasePlan] = []
    first = 1
    n = len(protocol.phases)
    for i, phase in enumerate(protocol.phases):
        remaining = n - i - 1
        last = weeks if remaining == 0 else round(phase.weeks[1] * weeks / 12)
        last = max(first, min(last, weeks - remaining))
        out.append(
            _make(
                PhasePlan,
                id=phase.id,
                name=phase.name,
                first_week=first,
                last_week=last,
                goal=phase.goal,
                criterion=phase.criterion,
            )
        )
        first = last + 1
    return out


def _phase_of(phases: list[PhasePlan], week: int) -> PhasePlan:
    for p in phases:
        if p.first_week <= week <= p.last_week:
            return p
    return phases[-1]


def _criteria(
    protocol: Protocol, phases: list[PhasePlan], slots: list[_Slot], states: dict[str, SlotState], reassessment: int
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
        check = f", and you have had your week {reassessment} check-in" if ph.first_week <= reassessment <= ph.last_week else ""
        text = text.replace("{check-in}", check)
        out.append(_make(PhasePlan, **{**ph.__dict__, "criterion": text}))
    return out


def _targets(protocol: Protocol, phases: list[PhasePlan]) -> dict[str, list[tuple[int, int]]]:
    """slot id -> [(last week of the phase, minutes to reach by then)]."""
    scaled = {p.id: p for p in phases}
    out: dict[str, list[tuple[int, int]]] = {}
    for phase in protocol.phases:
        for slot_id, minutes in phase.targets.items():
            out.setdefault(slot_id, []).append((scaled[phase.id].last_week, minutes))
    return out
