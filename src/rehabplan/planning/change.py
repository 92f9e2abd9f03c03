"""One change at a time: at most one new exercise or harder variant a week, so that a flare
points at one change (clinical brief, "One change at a time").

A nerve tensioner comes in a week of its own (no other new exercise, harder variant or firmer
band that week); a reassessment week and the plan's last week bring nothing new and nothing
harder. Rep, set, band and tempo steps of exercises already in the plan go on alongside.
"""

from __future__ import annotations

from rehabplan.planning.progression import HARDER_DIMENSIONS, Context, step
from rehabplan.planning.state import SlotState, _Prop, _Slot
from rehabplan.sources.library import Library

ONE_CHANGE_WAIT = "not started before the plan ended: one new exercise or harder version a week, so a flare points at one change"


def any_change(props: dict[str, _Prop], library: Library) -> bool:
    """True when this week's proposals hold a new exercise, a harder variant or a tensioner."""
    return any(_kind(p, library) in ("new", "variant", "tensioner") for p in props.values())


def _kind(p: _Prop, library: Library) -> str | None:
    """'new', 'tensioner', 'variant', 'load' or None: what this proposal changes."""
    if p.new:
        return "new"
    prev = p.prev
    if prev is None:
        return None
    if p.dose.exercise != prev.exercise:
        return "tensioner" if library.exercises[p.dose.exercise].is_tensioner else "variant"
    if p.dose.load_index > prev.load_index:
        return "load"
    return None


_RANK = {"new": 0, "variant": 1, "tensioner": 2}


VARIANT = frozenset({"variant"})


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
    keep = None if calm else _the_change(found, states)
    alone = keep is not None and keep[2] == "tensioner"
    for s, p, kind in found:
        if keep is not None and s is keep[0]:
            continue
        if kind == "load" and not calm and not alone:
            continue  # a firmer band goes on alongside
        if waiting is not None and kind in ("variant", "new"):
            waiting.append((s, p))  # may come back this week if the chosen change does not fit
        _wait(props, states[s.id], s, p, kind, ctxs, step_back=step_back)
    if calm or alone:
        return HARDER_DIMENSIONS
    return VARIANT if keep is not None else frozenset()


def _the_change(found: list[tuple[_Slot, _Prop, str]], states: dict[str, SlotState]) -> tuple[_Slot, _Prop, str] | None:
    """The week's one change: new exercises first (a phase's work), then the harder version of
    the exercise that has stood still longest (no plateaus), then the tensioner; ties by importance."""
    firsts = [f for f in found if f[2] != "load"]
    firsts.sort(key=lambda f: (_RANK[f[2]], -states[f[0].id].same, tuple(-x for x in f[0].importance())))
    return firsts[0] if firsts else None


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
