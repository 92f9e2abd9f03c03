"""One change at a time: at most one new exercise or harder variant a week, so that a flare
points at one change (clinical brief, "One change at a time").

A nerve tensioner comes in a week of its own (no other new exercise, harder variant or firmer
band that week); a reassessment week and the plan's last week bring nothing new and nothing
harder. Rep, set, band and tempo steps of exercises already in the plan go on alongside.
"""

from __future__ import annotations

from rehabplan.models import Equipment, Exercise
from rehabplan.planning.progression import HARDER_DIMENSIONS, SWITCH, Context, carries_weight, step, switched_version
from rehabplan.planning.rules import POSITIONS
from rehabplan.planning.state import SlotState, _Prop, _Slot
from rehabplan.sources.library import Library

ONE_CHANGE_WAIT = "not started before the plan ended: one new exercise or harder version a week, so a flare points at one change"


def any_change(props: dict[str, _Prop], library: Library) -> bool:
    """True when this week's proposals hold a new exercise, a harder variant or a tensioner."""
    return any(_kind(p, library) in CHANGES for p in props.values())


# What counts as the week's one change: a new exercise, a harder variant (another exercise of
# the ladder, or a switch to a harder version of the same one: less support or a first weight)
# or a tensioner. A firmer band or a heavier weight ("load") goes on alongside.
CHANGES = frozenset({"new", "variant", "switch", "tensioner"})


def _kind(p: _Prop, library: Library) -> str | None:
    """'new', 'tensioner', 'variant', 'switch', 'load' or None: what this proposal changes."""
    if p.new:
        return "new"
    prev = p.prev
    if prev is None:
        return None
    if p.dose.exercise != prev.exercise:
        return "tensioner" if library.exercises[p.dose.exercise].is_tensioner else "variant"
    if p.dose.load_index > prev.load_index:
        if switched_version(library.exercises[p.dose.exercise], prev.load_index, p.dose.load_index):
            return "switch"  # arms crossed, fingertips on the counter, a first weight: a harder version
        return "load"
    return None


_RANK = {"new": 0, "weight": 1, "variant": 2, "switch": 2, "tensioner": 3}


def adds_weight(prev: Exercise, target: Exercise) -> bool:
    """Is ``target`` the same movement as ``prev`` with a weight added: the same dose kind and
    positions, no demand ``prev`` does not have (``loaded`` aside), and weights ``prev`` does not
    need (a glute bridge -> the bridge with a weight; a hip hinge -> the Romanian deadlift with
    weights)? A band variant (clamshell -> clamshell with a band) keeps the usual rank."""
    if prev.dosage.kind is not target.dosage.kind:
        return False
    if Equipment.weight not in target.equipment or Equipment.weight in prev.equipment:
        return False
    mine, theirs = set(prev.tags), set(target.tags) - {"loaded"}
    return mine & POSITIONS == theirs & POSITIONS and theirs - POSITIONS <= mine


# Once the week's change is taken: no harder variant, and no switch to a harder version either.
VARIANT = frozenset({"variant", SWITCH})


def one_change(
    props: dict[str, _Prop],
    states: dict[str, SlotState],
    slots: list[_Slot],
    library: Library,
    ctxs: dict[str, Context],
    week: int,
    calm: bool,
    *,
    step_back: bool,
    waiting: list[tuple[_Slot, _Prop]] | None = None,
) -> frozenset[str]:
    """Keep at most one new exercise or harder variant in this week's proposals; the others wait
    (a new slot starts later; a harder step is retried next week, another dimension may
    progress instead when ``step_back``). Returns the dimensions fitting's and the weekly
    limits' own steps must not use this week (the harder variant once one change is taken; a
    firmer band too in a calm week or the tensioner's week)."""
    if week == 1:
        return HARDER_DIMENSIONS  # the first week is all new: no step may add a harder change on top
    found: list[tuple[_Slot, _Prop, str]] = []
    for s in slots:
        p = props.get(s.id)
        if p is None:
            continue
        kind = _kind(p, library)
        if kind is not None:
            found.append((s, p, kind))
    if not found:
        return HARDER_DIMENSIONS if calm else frozenset()
    keep = None if calm else _the_change(found, states, library)
    alone = keep is not None and keep[2] == "tensioner"
    for s, p, kind in found:
        if keep is not None and s is keep[0]:
            continue
        if kind == "load" and not calm and not alone:
            continue  # a firmer band goes on alongside
        if waiting is not None and kind in ("variant", "switch", "new"):
            waiting.append((s, p))  # may come back this week if the chosen change does not fit
        _wait(props, states[s.id], s, p, kind, ctxs, step_back=step_back)
    if waiting:
        # The changes that waited may come instead of one that does not fit, in the same order.
        waiting.sort(key=lambda w: _rank(w[0], w[1], _kind(w[1], library) or "variant", states, library))
    if calm or alone:
        return HARDER_DIMENSIONS
    return VARIANT if keep is not None else frozenset()


def _the_change(
    found: list[tuple[_Slot, _Prop, str]], states: dict[str, SlotState], library: Library
) -> tuple[_Slot, _Prop, str] | None:
    """The week's one change: new exercises first (a phase's work), then a weight added to a
    movement the patient already does, then the harder version of the exercise that has stood
    still longest (no plateaus), then the tensioner; ties by importance."""
    firsts = [f for f in found if f[2] != "load"]
    firsts.sort(key=lambda f: _rank(f[0], f[1], f[2], states, library))
    return firsts[0] if firsts else None


def _rank(s: _Slot, p: _Prop, kind: str, states: dict[str, SlotState], library: Library) -> tuple[int, int, tuple[int, ...]]:
    return (_RANK[_weight_first(p, kind, library)], -states[s.id].same, tuple(-x for x in s.importance()))


def _weight_first(p: _Prop, kind: str, library: Library) -> str:
    """A harder version that is the same movement with a weight (ACSM: more load once
    the reps are done) ranks ahead of a new movement's harder version: the patient's loading
    does not wait behind every other change of a short plan."""
    if kind == "variant" and p.prev is not None:
        if adds_weight(library.exercises[p.prev.exercise], library.exercises[p.dose.exercise]):
            return "weight"
    if kind == "switch" and p.prev is not None:
        options = library.exercises[p.dose.exercise].dosage.load_options
        if carries_weight(options[p.dose.load_index]) and not carries_weight(options[p.prev.load_index]):
            return "weight"  # sit to stand, arms crossed -> holding a light weight
    return kind


def _wait(
    props: dict[str, _Prop], st: SlotState, s: _Slot, p: _Prop, kind: str, ctxs: dict[str, Context], *, step_back: bool
) -> None:
    """A change that is not the week's one waits: a new slot starts later; a harder step is
    retried next week (another dimension may progress instead when ``step_back``)."""
    if kind == "new":
        del props[s.id]
        st.waited = st.waited or ONE_CHANGE_WAIT
        return
    prev = p.prev
    if prev is None:  # (only a new slot has no dose before this week, and it waits above)
        return
    alt, note = prev, None
    if step_back:
        alt, note = step(prev, s.rule, ctxs[s.id], HARDER_DIMENSIONS)
        if note is None:
            alt = prev
    props[s.id] = _Prop(alt, note, False, prev)
    st.pending = True
