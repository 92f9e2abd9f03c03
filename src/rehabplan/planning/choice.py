"""Choosing an exercise for every slot the patient can do: equipment, exclusions, ladders, days."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from rehabplan.errors import PatientError, Problem
from rehabplan.models import (
    AgeBand,
    Category,
    DoseKind,
    Equipment,
    Exercise,
    Irritability,
    Patient,
    Protocol,
    Rule,
    Slot,
    TrainingStatus,
)
from rehabplan.planning.days import HIP_AND_LEG, DayPlan, spread
from rehabplan.planning.progression import LOAD_LADDER, LOAD_LADDER_RUNGS, ladder_reaches_weights
from rehabplan.planning.rules import EXCLUDES, HOUSEHOLD, OLDER_ADULT_AVOID, removed_tags
from rehabplan.planning.state import _Slot
from rehabplan.planning.volume import gentle_times_a_week
from rehabplan.sources.library import Library

if TYPE_CHECKING:
    from rehabplan.planning.timelines import PlannedCache, ProtocolKey


def _norm(word: str) -> str:
    return word.strip().lower().replace(" ", "-").replace("_", "-")


def _check_exclusions(library: Library, patient: Patient) -> None:
    if not patient.exclusions:
        return
    known = _known_words(library)
    bad = [x for x in patient.exclusions if _norm(x) not in known]
    if bad:
        import difflib

        problems = []
        for x in bad:
            guess = difflib.get_close_matches(_norm(x), sorted(known), n=1)
            problems.append(
                Problem(
                    None,
                    None,
                    "exclusions",
                    f"'{x}' is not a tag, equipment, category or exercise id",
                    f"did you mean '{guess[0]}'?" if guess else "e.g. floor, kneeling, band, balance",
                )
            )
        raise PatientError("the patient's exclusions are not understood", problems)


def _known_words(library: Library) -> set[str]:
    """Every word an exclusion may name: equipment, categories, the library's tags and ids."""
    words = {e.value for e in Equipment} | {c.value.replace("_", "-") for c in Category} | set(EXCLUDES)
    return words | {t for ex in library.exercises.values() for t in ex.tags} | set(library.exercises)


def _protocol_json(library: Library, protocol: Protocol) -> str:
    """The protocol as JSON for the program's digest, made once per protocol object."""
    key: ProtocolKey = ("protocol json", protocol.id)
    cache: PlannedCache = library.planned if library.planned is not None else {}
    made = cache.get(key)
    if not isinstance(made, tuple) or made[0] is not protocol:  # the same object (held here, so its id is not reused)
        made = cache[key] = (protocol, protocol.model_dump_json())
    return made[1]


def excluded(ex: Exercise, patient: Patient) -> str | None:
    """Why the patient cannot do ``ex`` (None if they can)."""
    return _excluder(patient)(ex)


class Why(NamedTuple):
    """Why an exercise is not possible, and the patient-file edits that together would allow it
    (None: no edit of the patient file can, e.g. a clinical rule for older adults)."""

    reason: str
    edits: tuple[str, ...] | None = None


def _excluder(patient: Patient) -> Callable[[Exercise], str | None]:
    """``excluded`` for one patient, with the patient's words and equipment read once."""
    why = _why_not(patient)

    def reason(ex: Exercise) -> str | None:
        answer = why(ex)
        return None if answer is None else answer.reason

    return reason


def _listed(words: Sequence[str]) -> str:
    quoted = [f"'{w}'" for w in words]
    return " and ".join(", ".join(quoted).rsplit(", ", 1))


def _why_not(patient: Patient) -> Callable[[Exercise], Why | None]:
    """Why (and how to allow it) for one patient, with the patient's words and equipment read once."""
    said = {_norm(x): x for x in patient.exclusions}  # the word as the clinician wrote it, to name in a fix
    words = set(said)
    removes = {tag: word for word in sorted(words) for tag in removed_tags(word)}  # tag -> the word that removes it
    have = set(patient.equipment) | HOUSEHOLD
    older = patient.age_band is AgeBand.older

    def reason(ex: Exercise) -> str | None:
        if ex.id in words:
            return "excluded by the clinician"
        if ex.category.value.replace("_", "-") in words:
            return f"{ex.category.value} excluded"
        for tag in ex.tags:
            if tag in removes:
                word = removes[tag]
                return f"'{word}' excluded" if word == tag else f"'{word}' excluded ({tag})"
        for eq in ex.equipment:
            if eq.value in words:
                return f"'{eq.value}' excluded"
            if eq not in have:
                return f"needs a {eq.value}"
        if older and ex.id in OLDER_ADULT_AVOID:
            return "older adults keep the knee version"
        return None

    def edits(ex: Exercise) -> tuple[str, ...] | None:
        # Every word that removes it (two words may remove one tag) and every missing item, at once.
        if older and ex.id in OLDER_ADULT_AVOID:
            return None
        names = {ex.id, ex.category.value.replace("_", "-"), *(eq.value for eq in ex.equipment)}
        hit = sorted(w for w in words if w in names or removed_tags(w) & set(ex.tags))
        missing = [eq.value for eq in ex.equipment if eq not in have]
        out = [f"take {_listed([said[w] for w in hit])} out of exclusions"] if hit else []
        return (*out, f"add {_listed(missing)} to equipment") if missing else tuple(out)

    def why(ex: Exercise) -> Why | None:
        text = reason(ex)
        return None if text is None else Why(text, edits(ex))

    return why


def _loads_available(patient: Patient) -> Callable[[Exercise], int]:
    have = set(patient.equipment) | HOUSEHOLD
    words = {_norm(x) for x in patient.exclusions}

    known: dict[str, int] = {}  # exercise id -> its count (asked at every band step)

    def count(ex: Exercise) -> int:
        n = known.get(ex.id)
        if n is None:
            n = known[ex.id] = _count(ex)
        return n

    def _count(ex: Exercise) -> int:
        # A load option that names a band or a weight needs it at home (and not excluded).
        n = 0
        for option in ex.dosage.load_options:
            text = option.lower()
            for eq in (Equipment.band, Equipment.weight):
                if eq.value in text and "no " + eq.value not in text and (eq not in have or eq.value in words):
                    return max(n, 1)
            n += 1
        return max(n, 1)

    return count


def _frequency(slot: Slot, ex: Exercise, pattern: Sequence[DayPlan], patient: Patient, daily: bool = True) -> tuple[int, bool]:
    """Times a week the slot's exercise is done, and whether it is done every day (outside the
    numbered sessions, like the nerve glide and the walk). ``daily``: a trunk hold the
    sessions are too few for may be done every day (``_daily_hold``)."""
    b = ex.dosage.sessions_per_week
    wanted = slot.sessions_per_week or (7 if slot.every_day else int(b.default))
    wanted = int(b.clamp(wanted))
    if slot.every_day:
        return wanted, True
    room = sum(1 for d in pattern if d.kind == "strength") if ex.category in HIP_AND_LEG else len(pattern)
    if daily and room < b.min and _daily_hold(slot, ex, patient):
        return 7, True
    return min(wanted, room), False


def _daily_hold(slot: Slot, ex: Exercise, patient: Patient) -> bool:
    """May a core slot's trunk hold, which the patient's sessions are too few for, be done every
    day instead? McGill's low-load holds (bird-dog, wall and counter planks) are done daily
    (brief: "daily or at least 3 times a week"), so their minimum of 3 a week is a frequency
    floor, not a reason to refuse the protocol's core work to a 1- or 2-session patient. Not
    hip and leg loading (ACSM: 48 h between), not an exercise whose library stops short of
    daily, and not a plank kept to 3 times a week for an older or highly irritable patient.
    Only core slots: a plank that is not core, added every day, came to 21 more sets a week and
    took the week's one change, so more than half of the 2-session plans it changed lost a later
    harder version (the tensioner, the single-leg bridge, the Romanian deadlift)."""
    b = ex.dosage.sessions_per_week
    if not slot.core or ex.category is not Category.core or ex.dosage.kind is not DoseKind.hold or b.max < 7:
        return False
    gentle = gentle_times_a_week(slot.progression.name, ex, patient)
    return gentle is None or gentle >= 7


def _days(ex: Exercise, per_week: int, pattern: Sequence[DayPlan]) -> tuple[int, ...]:
    strength = [d.day for d in pattern if d.kind == "strength"]
    short = [d.day for d in pattern if d.kind == "short"]
    if ex.category in HIP_AND_LEG:
        return tuple(spread(strength, per_week))
    # Core and the rest: short days first (so strength days stay short), then strength days.
    picked = (
        short[:per_week] + spread(strength, per_week - len(short[:per_week]))
        if per_week > len(short)
        else spread(short, per_week)
    )
    return tuple(sorted(picked))


def _choose(
    library: Library, protocol: Protocol, patient: Patient, pattern: Sequence[DayPlan]
) -> tuple[list[_Slot], dict[str, str]]:
    """An exercise for every slot the patient can do; a core or required slot nobody can fill,
    or a phase left without loading work, is refused with the edits that would allow it."""
    chosen: list[_Slot] = []
    dropped: dict[str, str] = {}
    problems: list[Problem] = []
    taken: dict[str, str] = {}  # exercise id -> its slot: one exercise, one slot (a fallback never doubles another)
    trained = patient.training_status is TrainingStatus.trained
    why_not = _why_not(patient)
    for order, slot in enumerate(protocol.slots):
        pick, tried = _climb(library, slot, pattern, patient, why_not, taken)
        if pick is None:
            reason = "; ".join(dict.fromkeys(f"{rung}: {why.reason}" for rung, why in tried))  # a rung reached twice once
            if slot.required or slot.core:
                # The protocol's core work cannot be planned: refuse, naming it and the edits
                # that would allow it (never a footnote).
                kind = "core" if slot.core else "required"
                problems.append(
                    Problem(
                        None, None, f"slot '{slot.id}'", f"no allowed exercise for this {kind} slot ({reason})", _fixes(tried)
                    )
                )
            elif not all(rung in taken for rung, _ in tried):
                dropped[slot.id] = f"not possible for this patient ({reason})"
            # A slot whose every exercise another slot already does is not left out: its
            # exercise is in the plan (that slot's note says it stands in there).
            continue
        ex = library.exercises[pick]
        taken[pick] = slot.id
        per_week, daily = _frequency(slot, ex, pattern, patient)
        per_week = min(per_week, gentle_times_a_week(slot.progression.name, ex, patient) or per_week)
        days = () if daily else _days(ex, per_week, pattern)
        # A fallback is news to the clinician for the protocol's core work, and when it is
        # another slot's own exercise (that slot then finds it taken and is not planned on its
        # own: the note says where the exercise went). In any other slot it is the ordinary
        # choice of an exercise the patient can do.
        first = library.exercises[slot.candidates[0]]
        doubles = any(other.candidates[0] == pick for other in protocol.slots if other is not slot)
        note = f"instead of {first.name}" if (slot.core or doubles) and pick != first.id else None
        rule = slot.progression
        if trained and rule.name != "steady":
            # Trained patients progress faster: a step every week at most, bigger rep steps.
            rule = rule.model_copy(update={"every_weeks": max(1, rule.every_weeks - 1), "reps_step": min(5, rule.reps_step + 1)})
            if _loads_up(library, rule, pick, patient, why_not):
                rule = rule.model_copy(update={"name": LOAD_LADDER})
        chosen.append(_Slot(slot, order, pick, per_week, days, note, rule, every_day=daily))
    problems += _phases_without_loading(library, protocol, chosen, dropped)
    if problems:
        raise PatientError(f"protocol '{protocol.id}' cannot be planned for this patient", problems)
    return chosen, dropped


# Rules whose ladder a trained patient with weights climbs to the rung with weights (not the
# nerve glides, stretches, walk or McGill's pyramid of holds).
CLIMBS_TO_WEIGHTS = frozenset({"ladder", "home", "hold_ladder", "dp", "lp", "sets", "tempo"})


def _loads_up(library: Library, rule: Rule, pick: str, patient: Patient, why_not: Callable[[Exercise], Why | None]) -> bool:
    """A trained patient with weights, not in a flare, whose slot's ladder reaches weights:
    the slot progresses with the load ladder (up to the weights, then the ACSM load rule)."""
    if rule.name not in CLIMBS_TO_WEIGHTS or patient.irritability is Irritability.high:
        return False
    return ladder_reaches_weights(
        pick, library.exercises, lambda ex_id: why_not(library.exercises[ex_id]) is None, LOAD_LADDER_RUNGS
    )


def _climb(
    library: Library,
    slot: Slot,
    pattern: Sequence[DayPlan],
    patient: Patient,
    why_not: Callable[[Exercise], Why | None],
    taken: Mapping[str, str],
    daily: bool = False,
) -> tuple[str | None, list[tuple[str, Why]]]:
    """The first exercise the patient can do among the slot's alternatives, each followed down
    its ladder of easier versions; and every rung tried, with why it was not possible. An
    exercise the patient's sessions can hold comes first; only when there is none does a trunk
    hold the sessions are too few for come in every day (``daily``: so a plan that was possible
    is not changed, and a 5-minute session is not asked to hold a daily bird-dog)."""
    tried: list[tuple[str, Why]] = []
    for cand in slot.candidates:
        rung: str | None = cand
        seen: set[str] = set()
        while rung and rung in library and rung not in seen:
            seen.add(rung)
            ex = library.exercises[rung]
            why = Why(f"already planned in slot '{taken[rung]}'") if rung in taken else why_not(ex)
            if why is None and ex.is_tensioner:
                why = Why("a nerve tensioner only follows a slider")
            least = ex.dosage.sessions_per_week.min
            if _frequency(slot, ex, pattern, patient, daily)[0] < least:
                # Hip and leg loading has at most 3 strength days a week (ACSM 48 h).
                more = f"set sessions_per_week to {least:g} or more" if ex.category not in HIP_AND_LEG or least <= 3 else None
                why = why or Why(f"needs at least {least:g} sessions a week", ())
                why = why._replace(edits=None if why.edits is None or more is None else (*why.edits, more))
            elif why is None:
                return rung, tried
            tried.append((rung, why))
            rung = ex.easier
    return (None, tried) if daily else _climb(library, slot, pattern, patient, why_not, taken, daily=True)


def _fixes(tried: list[tuple[str, Why]]) -> str:
    """The patient-file edits that would let one of the tried exercises be planned, each naming
    the field a clinician edits and the exercises it allows, most exercises first."""
    allows: dict[tuple[str, ...], list[str]] = {}
    for rung, why in tried:
        if why.edits and rung not in allows.setdefault(why.edits, []):
            allows[why.edits].append(rung)
    # A fix that needs more edits than another one plans nothing more for the slot.
    allows = {e: r for e, r in allows.items() if not any(set(o) < set(e) for o in allows)}
    ways = [f"{' and '.join(e)} ({', '.join(rungs)})" for e, rungs in sorted(allows.items(), key=lambda kv: -len(kv[1]))]
    other = "add an alternative to the protocol's slot, or use another protocol"
    return f"to plan it: {'; or '.join(ways)}; or {other}" if ways else other[:1].upper() + other[1:]


def _phases_without_loading(library: Library, protocol: Protocol, chosen: list[_Slot], dropped: dict[str, str]) -> list[Problem]:
    """Stretches and glides alone are not a program (clinical brief: a known pitfall)."""
    problems = []
    for phase in protocol.phases:
        if any(phase.id in c.slot.phases and library.exercises[c.start].is_loading for c in chosen):
            continue
        missing = [
            f"{s.id} ({dropped.get(s.id, 'not possible')})"
            for s in protocol.slots
            if phase.id in s.phases and s.candidates[0] in library and library.exercises[s.candidates[0]].is_loading
        ]
        problems.append(
            Problem(
                None,
                None,
                f"phase '{phase.id}'",
                "no strengthening, core or motor-control exercise is possible for this patient in this phase: "
                + "; ".join(missing),
                "change the patient's equipment or exclusions, or add an alternative the patient can do to one of these slots",
            )
        )
    return problems


# --------------------------------------------------------------------------- 3. schedule
