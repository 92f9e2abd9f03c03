"""The weekly loading-volume limit: counted sets and the allowed rise."""

from __future__ import annotations

from rehabplan.models import (
    DoseKind,
    Exercise,
)
from rehabplan.planning.fitting import _fewest_sets
from rehabplan.planning.progression import (
    HARDER_DIMENSIONS,
    Dose,
    replaced,
    step,
    trade,
)
from rehabplan.planning.rules import volume_allowance
from rehabplan.planning.state import _Prop, _Slot
from rehabplan.sources.library import Library


def _counted_sets(s: _Slot, sets: int, ex: Exercise) -> int:
    """Working sets for the weekly volume. A McGill pyramid (5-3-1 holds of 10 s) is one
    descending series of short holds and counts as one set (design choice)."""
    if s.rule.name == "pyramid" and ex.dosage.kind is DoseKind.hold:
        return 1
    return sets


def _volume(props: dict[str, _Prop], slots: list[_Slot], library: Library) -> int:
    total = 0
    for s in slots:
        p = props.get(s.id)
        if p is not None:
            volume = p.volume
            if volume < 0:
                ex = library.exercises[p.dose.exercise]
                volume = p.volume = _counted_sets(s, p.dose.sets, ex) * s.per_week if ex.is_loading else 0
            total += volume
    return total


def _limit_volume(props, states, slots, last, protocol, library, ctxs, week, reassessment) -> bool:
    """Weekly loading sets rise no faster than the protocol allows, phase changes included.

    Named steps, least important slot first: hold a set increase of a slot that is not core
    (retried next week; reps, tempo, band or variant may progress instead); start a new slot at
    its fewest sets (it climbs one set a week); start a new slot that is not core a week
    later; hold a core slot's set increase; start a new core slot a week later.
    """

    def within() -> bool:
        # A new exercise that starts this week may take its own smallest step; one that waits may not.
        new_per_week = max(
            (
                s.per_week
                for s in slots
                if (p := props.get(s.id)) is not None and p.new and library.exercises[p.dose.exercise].is_loading
            ),
            default=0,
        )
        return _volume(props, slots, library) <= last + volume_allowance(
            last, protocol.max_weekly_volume_increase_pct, new_per_week
        )

    if within():
        return False
    order = sorted((s for s in slots if s.id in props), key=_Slot.importance)

    def counted(s: _Slot, dose: Dose) -> int:
        ex = library.exercises[dose.exercise]
        return _counted_sets(s, dose.sets, ex) if ex.is_loading else 0

    def hold_sets(core: bool) -> bool:
        for s in order:
            p = props.get(s.id)
            if p is None or s.core != core:
                continue
            if not p.new and p.prev is not None and counted(s, p.dose) > counted(s, p.prev):
                # Progress another way (reps, tempo, band, variant) when one exists; the set waits.
                skip = frozenset({"sets"}) | (HARDER_DIMENSIONS if week == reassessment else frozenset())
                alt, note = step(p.prev, s.rule, ctxs[s.id], skip)
                if note is None or counted(s, alt) > counted(s, p.prev):
                    alt, note = trade(p.prev, s.rule, ctxs[s.id]) or (
                        p.prev,
                        "same as last week, so the total does not rise too fast",
                    )
                props[s.id] = _Prop(alt, note, False, p.prev)
                states[s.id].pending = True
                if within():
                    return True
        return False

    def start_low() -> bool:
        for s in order:
            p = props.get(s.id)
            if p is None:
                continue
            ex = library.exercises[p.dose.exercise]
            if p.new and ex.is_loading and p.dose.sets > _fewest_sets(s, ex):
                states[s.id].ramp_to = p.dose.sets
                props[s.id] = _Prop(replaced(p.dose, sets=_fewest_sets(s, ex)), p.note, True, None)
                if within():
                    return True
        return False

    def wait(core: bool) -> bool:
        for s in order:
            p = props.get(s.id)
            if p is not None and s.core == core and p.new and library.exercises[p.dose.exercise].is_loading:
                del props[s.id]  # starts next week instead
                states[s.id].waited = (
                    "not started before the plan ended: weekly loading sets may rise "
                    f"only {protocol.max_weekly_volume_increase_pct} % a week"
                )
                if within():
                    return True
        return False

    for action in (lambda: hold_sets(False), start_low, lambda: wait(False), lambda: hold_sets(True), lambda: wait(True)):
        if action():
            break
    return True
