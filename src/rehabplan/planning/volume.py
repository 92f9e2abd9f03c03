"""The weekly loading-volume limit: counted sets and the allowed rise."""

from __future__ import annotations

from rehabplan.models import (
    DoseKind,
    Exercise,
)
from rehabplan.planning.fitting import _fewest_sets, _recent_variant
from rehabplan.planning.progression import (
    TIME_DIMENSIONS,
    Dose,
    replaced,
    step,
    trade,
)
from rehabplan.planning.rules import PLATEAU_WEEKS, volume_allowance
from rehabplan.planning.state import _Prop, _Slot
from rehabplan.planning.timing import _sides_count
from rehabplan.sources.library import Library

# Weekly work (time under tension of the loading exercises) rises at most this much a week
# after the first WORK_FREE_WEEKS weeks (clinical brief, "Weekly work ... rises gradually":
# ~30 %, ~20 % for high irritability), plus the one new exercise of the week at its lightest
# start (one change at a time: at most one a week).
WORK_FREE_WEEKS = 2
WORK_RISE = 0.30
WORK_RISE_HIGH_IRRITABILITY = 0.20


def _counted_sets(s: _Slot, sets: int, ex: Exercise) -> int:
    """Working sets for the weekly volume: every set prescribed (a McGill pyramid's three sets
    count as three, so ``volume_sets`` is the sum of the week's prescribed sets)."""
    return sets


def dose_work(dose: Dose, ex: Exercise, per_week: int, pyramid: bool, sides: int) -> int:
    """Weekly time under tension of one slot's dose, both sides (0 if not loading): reps x
    tempo, or holds x seconds; the same number ``materialise`` writes into ``tut_s``."""
    if not ex.is_loading:
        return 0
    d = ex.dosage
    if d.kind is DoseKind.hold:
        holds = sum(dose.pyramid()) if pyramid else dose.sets * dose.reps
        per_session = holds * (dose.hold_s or 0)
    elif d.kind is DoseKind.reps and dose.tempo is not None:
        per_session = dose.sets * dose.reps * dose.tempo.rep_s
    else:
        per_session = 0
    return per_session * per_week * sides


def _prop_work(s: _Slot, p: _Prop, library: Library, patient) -> int:
    if p.work < 0:
        ex = library.exercises[p.dose.exercise]
        p.work = dose_work(p.dose, ex, s.per_week, s.pyramid and ex.dosage.kind is DoseKind.hold, _sides_count(ex, patient))
    return p.work


def _work(props: dict[str, _Prop], slots: list[_Slot], library: Library, patient) -> int:
    """The week's work: time under tension of every loading exercise (the walk is limited apart)."""
    total = 0
    for s in slots:
        p = props.get(s.id)
        if p is not None:
            total += _prop_work(s, p, library, patient)
    return total


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


def _limit_volume(props, states, slots, limits, protocol, library, ctxs, week, no_harder, patient, high=False) -> bool:
    """Weekly loading sets rise no faster than the protocol allows, phase changes included, and
    weekly work (time under tension) no faster than ``WORK_RISE`` (``limits``: last week's sets
    and work; work None in the first weeks).

    Named steps, least important slot first: hold a set increase of a slot that is not core
    (retried next week; reps, tempo, band or variant may progress instead); start a new slot at
    its fewest sets (it climbs one set a week); start a new slot that is not core a week
    later; hold a core slot's set increase; start a new core slot a week later.
    """

    last, last_work = limits
    rise = WORK_RISE_HIGH_IRRITABILITY if high else WORK_RISE

    def new_loading():
        for s in slots:
            p = props.get(s.id)
            if p is not None and p.new and library.exercises[p.dose.exercise].is_loading:
                yield s, p

    def work_over() -> bool:
        if last_work is None:
            return False
        new_work = max((_prop_work(s, p, library, patient) for s, p in new_loading()), default=0)
        return _work(props, slots, library, patient) > last_work * (1 + rise) + new_work

    def within() -> bool:
        # A new exercise that starts this week may take its own smallest step; one that waits may not.
        new_per_week = max((p.dose.sets * s.per_week for s, p in new_loading()), default=0)
        sets_ok = _volume(props, slots, library) <= last + volume_allowance(
            last, protocol.max_weekly_volume_increase_pct, new_per_week
        )
        return sets_ok and not work_over()

    if within():
        return False
    order = sorted((s for s in slots if s.id in props), key=_Slot.importance)

    def work_of(s: _Slot, dose: Dose) -> int:
        ex = library.exercises[dose.exercise]
        return dose_work(dose, ex, s.per_week, s.pyramid and ex.dosage.kind is DoseKind.hold, _sides_count(ex, patient))

    def counted(s: _Slot, dose: Dose) -> int:
        ex = library.exercises[dose.exercise]
        return _counted_sets(s, dose.sets, ex) if ex.is_loading else 0

    # Holding is shared: of equal importance, the slot whose dose changed most recently waits
    # first, so the one that has waited longest progresses (no plateaus).
    # A slot that has stood still for PLATEAU_WEEKS - 1 weeks is held last (no plateaus).
    hold_order = sorted(order, key=lambda s: (states[s.id].same >= PLATEAU_WEEKS - 1, s.core, states[s.id].same, s.importance()))

    def hold_sets(group: int) -> bool:
        # group 0: not core; 1: core; 2: slots that have stood still PLATEAU_WEEKS - 1 weeks (last)
        for s in hold_order:
            p = props.get(s.id)
            stale = states[s.id].same >= PLATEAU_WEEKS - 1
            if p is None or (2 if stale else int(s.core)) != group:
                continue
            over_work = work_over()
            more_work = over_work and p.prev is not None and _prop_work(s, p, library, patient) > work_of(s, p.prev)
            if stale and more_work and not p.new and p.prev.changed_dims(p.dose) == {"reps"} and p.dose.reps > p.prev.reps + 1:
                # A slot that has stood still takes a smaller step rather than none (fewer added
                # reps or holds), so the work still rises gradually and it does not plateau.
                for reps in range(p.dose.reps - 1, p.prev.reps, -1):
                    n = reps - p.prev.reps
                    word = "hold" if library.exercises[p.dose.exercise].dosage.kind is DoseKind.hold else "rep"
                    props[s.id] = _Prop(replaced(p.dose, reps=reps), f"{n} more {word}{'s' if n > 1 else ''}", False, p.prev)
                    if within():
                        return True
                p = props[s.id]
            if not p.new and p.prev is not None and (counted(s, p.dose) > counted(s, p.prev) or more_work):
                # Progress another way (reps, tempo, band, variant) when one exists; the set waits.
                skip = frozenset({"sets"}) | no_harder
                if _recent_variant(states[s.id], week):
                    skip |= {"variant"}  # each harder version is practised a week before the next
                if over_work:
                    skip |= TIME_DIMENSIONS  # only a step that adds no work (a firmer band, the harder variant)
                alt, note = step(p.prev, s.rule, ctxs[s.id], skip)
                if note is None or counted(s, alt) > counted(s, p.prev) or (over_work and work_of(s, alt) > work_of(s, p.prev)):
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

    # A new exercise (at most one a week) starts before core steps go on: core slots hold their
    # step that week rather than the new one waiting (one change at a time).
    def hold_work() -> bool:
        # The last resort: a slot whose step (or trade) still adds work keeps last week's dose,
        # least important first, until the week's work is within the limit.
        for s in hold_order:
            p = props.get(s.id)
            if p is None or p.new or p.prev is None or _prop_work(s, p, library, patient) <= work_of(s, p.prev):
                continue
            props[s.id] = _Prop(p.prev, "same as last week, so the total does not rise too fast", False, p.prev)
            states[s.id].pending = True
            if within():
                return True
        return False

    for action in (
        lambda: hold_sets(0),
        start_low,
        lambda: hold_sets(1),
        lambda: wait(False),
        lambda: hold_sets(2),
        lambda: wait(True),
        hold_work,
    ):
        if action():
            break
    return True
