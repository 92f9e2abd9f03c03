"""Choosing an exercise for every slot the patient can do: equipment, exclusions, ladders, days."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rehabplan.errors import PatientError, Problem
from rehabplan.models import (
    AgeBand,
    Category,
    Equipment,
    Exercise,
    Patient,
    Protocol,
    Slot,
    TrainingStatus,
)
from rehabplan.planning.days import HIP_AND_LEG, DayPlan
from rehabplan.planning.rules import EXCLUDES, HOUSEHOLD, OLDER_ADULT_AVOID, removed_tags
from rehabplan.planning.state import _Slot
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


def _excluder(patient: Patient):
    """``excluded`` for one patient, with the patient's words and equipment read once."""
    words = {_norm(x) for x in patient.exclusions}
    removes = {tag: word for word in sorted(words) for tag in removed_tags(word)}  # tag -> the word that removes it
    have = set(patient.equipment) | HOUSEHOLD
    older = patient.age_band is AgeBand.older

    def why(ex: Exercise) -> str | None:
        if ex.id in words:
            return "excluded by the clinician"
        if words:
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

    return why


def _loads_available(patient: Patient):
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


def _frequency(slot: Slot, ex: Exercise, pattern: tuple[DayPlan, ...]) -> int:
    b = ex.dosage.sessions_per_week
    wanted = slot.sessions_per_week or (7 if slot.every_day else int(b.default))
    wanted = int(b.clamp(wanted))
    if not slot.every_day:
        room = sum(1 for d in pattern if d.kind == "strength") if ex.category in HIP_AND_LEG else len(pattern)
        wanted = min(wanted, room)
    return wanted


def _spread(items: list[int], k: int) -> list[int]:
    """k of the items, as far apart as possible (first and last included)."""
    if k >= len(items):
        return list(items)
    if k == 1:
        return [items[0]]
    return [items[round(i * (len(items) - 1) / (k - 1))] for i in range(k)]


def _days(ex: Exercise, per_week: int, pattern: tuple[DayPlan, ...]) -> tuple[int, ...]:
    strength = [d.day for d in pattern if d.kind == "strength"]
    short = [d.day for d in pattern if d.kind == "short"]
    if ex.category in HIP_AND_LEG:
        return tuple(_spread(strength, per_week))
    # Core and the rest: short days first (so strength days stay short), then strength days.
    picked = (
        short[:per_week] + _spread(strength, per_week - len(short[:per_week]))
        if per_week > len(short)
        else _spread(short, per_week)
    )
    return tuple(sorted(picked))


def _choose(library: Library, protocol: Protocol, patient: Patient, pattern) -> tuple[list[_Slot], dict[str, str]]:
    chosen: list[_Slot] = []
    dropped: dict[str, str] = {}
    problems: list[Problem] = []
    taken: set[str] = set()  # one exercise, one slot: a fallback never doubles another slot
    trained = patient.training_status is TrainingStatus.trained
    why_not = _excluder(patient)
    for order, slot in enumerate(protocol.slots):
        reasons: list[str] = []
        pick: tuple[str, str | None] | None = None
        for cand in slot.candidates:
            rung = cand
            seen: set[str] = set()
            while rung and rung in library and rung not in seen:
                seen.add(rung)
                why = "already used by another slot" if rung in taken else why_not(library.exercises[rung])
                if why is None and library.exercises[rung].is_tensioner:
                    why = "a nerve tensioner only follows a slider"
                if why is None:
                    if _frequency(slot, library.exercises[rung], pattern) < library.exercises[rung].dosage.sessions_per_week.min:
                        why = f"needs at least {library.exercises[rung].dosage.sessions_per_week.min:g} sessions a week"
                    else:
                        note = None if rung == slot.candidates[0] else f"instead of {library.exercises[slot.candidates[0]].name}"
                        pick = (rung, note)
                        break
                reasons.append(f"{rung}: {why}")
                rung = library.exercises[rung].easier
            if pick:
                break
        if pick is None:
            reason = "; ".join(dict.fromkeys(reasons))  # a rung reached twice (candidate and easier) once
            if slot.required or slot.core:
                # The protocol's core work cannot be planned: refuse, naming it (never a footnote).
                problems.append(
                    Problem(
                        None,
                        None,
                        f"slot '{slot.id}'",
                        f"no allowed exercise for this {'core' if slot.core else 'required'} slot ({reason})",
                        "change the patient's equipment or exclusions, add an alternative to the protocol, or use another protocol",
                    )
                )
            else:
                dropped[slot.id] = f"not possible for this patient ({reason})"
            continue
        ex = library.exercises[pick[0]]
        taken.add(pick[0])
        per_week = _frequency(slot, ex, pattern)
        days = () if slot.every_day else _days(ex, per_week, pattern)
        rule = slot.progression
        if trained and rule.name != "steady":
            # Trained patients progress faster: a step every week at most, bigger rep steps.
            rule = rule.model_copy(update={"every_weeks": max(1, rule.every_weeks - 1), "reps_step": min(5, rule.reps_step + 1)})
        chosen.append(_Slot(slot, order, pick[0], per_week, days, pick[1], rule))
    for phase in protocol.phases:
        # Stretches and glides alone are not a program (clinical brief: a known pitfall).
        if not any(phase.id in c.slot.phases and library.exercises[c.start].is_loading for c in chosen):
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
    if problems:
        raise PatientError(f"protocol '{protocol.id}' cannot be planned for this patient", problems)
    return chosen, dropped


# --------------------------------------------------------------------------- 3. schedule
