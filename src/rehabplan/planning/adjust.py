"""Pain-guided progression: the patient's logged sessions -> an adjusted program.

The pain-monitoring model (Silbernagel et al. 2007; traffic-light wording from NHS AHP Suffolk),
with the protocol's one pain rule (``planning.painrule``):

* green  — progress as planned;
* amber  — hold the dose for a week, then carry on (the plan slides one week later);
* red    — regress: go back two steps of the exercise's own plan (or to its easier variant
           when it is already at the start), then progress again from there.

Then the closed loop's holds (clinical brief, "The closed loop"), which win over every light:

* an URGENT red flag (cauda equina, both legs, foot drop): the remaining weeks change nothing —
  they repeat the last done doses; nothing new, nothing harder; the clinician releases it;
* a REVIEW flag (night pain, fever or weight loss, a fall; spreading symptoms twice in a week or
  in two weeks running): the same hold, released by the clinician;
* spreading symptoms once: the same hold at the last tolerated doses (nerve work back to the
  slider at its last symptom-free dose), released by a logged week that meets the pain rule; a
  tensioner that provoked spread stays out until the clinician clears it;
* a logged week that did not meet the pain rule (the phase criterion): nothing new and nothing
  harder until a logged week meets it.

Only weeks after the last logged week change; past weeks are never touched. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rehabplan.errors import PatientError, Problem
from rehabplan.models import Adjustment, Blocked, Flag, Hold, Program, Week
from rehabplan.planning.flags import clinician_flags
from rehabplan.planning.holds import check_ins, delayed, find_holds, frozen, gated, one_change_a_week, without
from rehabplan.planning.lights import Decision, decide, items_of, light_of, log_hits
from rehabplan.planning.painrule import Light, pain_rule
from rehabplan.planning.redflags import Hit
from rehabplan.planning.regress import Shifted, hold_to_fit, shift, wait_to_fit, write_shifted
from rehabplan.planning.timelines import Track, materialise, timeline_model, track_of
from rehabplan.sources.library import Library
from rehabplan.sources.log import LogEntry

# The loop's pieces live in lights (the log as traffic lights), regress (amber and red on a
# timeline), holds (the closed loop's holds and gates) and flags (what the clinician reads);
# these names are the module's API for the CLI and the tests.
__all__ = ["LOOP_FIELDS", "URGENT_MESSAGE", "adjust", "clinician_flags", "light_of", "log_hits", "remaining", "with_loop_fields"]

URGENT_MESSAGE = "a red flag was logged: contact the patient today; the plan is on hold (no progression)"

# What the patient reads beside an exercise whose light changed nothing else.
PATIENT_WORDS: dict[Light, str] = {
    "green": "carries on as planned",
    "amber": "stays the same for a week, then carries on",
    "red": "made easier for now, then built up again",
}


def adjust(
    program: Program,
    library: Library,
    entries: list[LogEntry],
    from_week: int | None = None,
    source: Path | str | None = None,
    *,
    hits: list[Hit] | None = None,
    release: bool = False,
    clear: tuple[str, ...] | list[str] = (),
) -> Program:
    """The adjusted program: weeks from ``from_week`` (default: after the last logged week).

    Each exercise's dose timeline (``Program.timelines``) is decided anew from its traffic light,
    then the holds (red flags, spreading symptoms, the phase criterion) freeze the remaining weeks
    at the last tolerated doses; the weeks are materialised by the planner's own function, so every
    printed dose, total and session time comes from the timelines. ``hits``: the red flags the
    reader screened in the whole file (default: those of ``entries``). ``release``: the clinician
    has seen the patient (review and urgent holds logged so far are released). ``clear``:
    tensioners ("tensioner" = all) the clinician lets back in after they provoked spread.
    ``source`` names the program file in errors.
    """
    program = with_loop_fields(program)
    start, last_logged = _weeks_to_adjust(program, entries, from_week, source)
    core, had, tracks = _plan_to_adjust(program, start)
    decisions = decide(program, entries)
    changes, no_easier = _apply_lights(program, library, tracks, decisions, start)
    clinician = _clinician_decisions(program, library, start, last_logged, release=release, clear=clear)
    _block_spread_tensioners(program, library, entries, clinician)
    plan_tracks = _gate(program, library, tracks, clinician, start)

    all_hits = hits if hits is not None else log_hits(entries)
    live_hits = [h for h in all_hits if (h.week or last_logged or 1) > clinician.acknowledged]
    holds = find_holds(program, entries, live_hits, clinician.acknowledged, last_logged, start, pain_rule(program.pain))
    resume_timelines = []
    if holds or clinician.blocked:
        resume_timelines = [timeline_model(t, core.get(t.id, False)) for t in plan_tracks.values()]
    if holds:
        tracks = _held(program, library, entries, decisions, tracks, had, holds, clinician, start)
    tracks = wait_to_fit(program, library, tracks, start)
    weeks = _materialised(program, library, tracks)
    return program.model_copy(
        update={
            # Past weeks are never touched: the patient has done them.
            "weeks": list(program.weeks[: start - 1]) + weeks[start - 1 :],
            "adjusted_from_week": start,
            "adjustments": _adjustments(decisions, changes, holds, library),
            "flags": clinician_flags(program, entries, live_hits, holds, library)
            + _no_easier_flags(no_easier, decisions, library),
            "timelines": [timeline_model(t, core.get(t.id, False)) for t in tracks.values()],
            "holds": holds,
            "resume_timelines": resume_timelines,
            "blocked": clinician.blocked,
            "cleared": clinician.cleared,
            "acknowledged_through_week": clinician.acknowledged or None,
            "decisions": clinician.record,
        }
    )


def _held(
    program: Program,
    library: Library,
    entries: list[LogEntry],
    decisions: dict[str, Decision],
    tracks: dict[str, Track],
    had: dict[str, Track],
    holds: list[Hold],
    clinician: _Clinician,
    start: int,
) -> dict[str, Track]:
    """The tracks frozen by ``holds`` from ``start`` at the last tolerated doses; a track left with
    no dose (a tensioner kept out) is dropped."""
    kept_out = {b.exercise for b in clinician.blocked}
    held = (
        (slot, frozen(t, had.get(slot), holds, entries, decisions, start, library, program, kept_out))
        for slot, t in tracks.items()
    )
    return {slot: t for slot, t in held if t.doses}


def _materialised(program: Program, library: Library, tracks: dict[str, Track]) -> list[Week]:
    """Every week of the program from ``tracks``, by the planner's own function."""
    return materialise(
        library,
        program.patient,
        program.phases,
        check_ins(program),
        program.deload_weeks,
        program.deload_volume_factor,
        list(tracks.values()),
    )


def _weeks_to_adjust(
    program: Program, entries: list[LogEntry], from_week: int | None, source: Path | str | None
) -> tuple[int, int]:
    """(the first week to change, the last logged week); a request with nothing to change is refused."""
    n_weeks = len(program.weeks)
    if from_week is not None and not 1 <= from_week <= n_weeks:
        raise PatientError(
            f"--from-week {from_week} is not a week of this {n_weeks}-week program",
            [Problem(None, None, "from_week", f"{from_week} is out of range", f"use a week from 1 to {n_weeks}")],
        )
    if not program.timelines:
        where = Path(source) if source is not None else None
        raise PatientError(
            f"{where or 'the program'} was written by an older rehabplan: it records no dose timelines to adjust",
            [
                Problem(
                    where,
                    None,
                    "timelines",
                    "adjust changes each exercise's planned dose timeline, which this program JSON does not record",
                    "rebuild it with this version (rehabplan build PATIENT.yaml --format json), "
                    "or give adjust the patient YAML instead",
                )
            ],
        )
    if not entries and from_week is None:
        raise PatientError("the log has no usable rows; nothing to adjust")
    last_logged = max((e.week for e in entries), default=0)
    start = from_week or last_logged + 1
    if start > n_weeks:
        raise PatientError(f"the log reaches week {last_logged}: no weeks are left to adjust")
    return start, last_logged


def _plan_to_adjust(program: Program, start: int) -> tuple[dict[str, bool], dict[str, Track], dict[str, Track]]:
    """(slot -> core, what the patient was given, the plan to adjust): after a hold, the plan
    taken up where the hold began (the held weeks pushed it later), with any exercise kept out
    of it back in, should the clinician clear it now."""
    core = {t.slot: t.core for t in program.timelines}
    had = {t.slot: track_of(t) for t in program.timelines}
    if not program.resume_timelines:
        return core, had, dict(had)
    held_from = min((h.from_week for h in program.holds), default=start)
    resume = {t.slot: track_of(t) for t in program.resume_timelines}
    core |= {t.slot: t.core for t in program.resume_timelines}
    tracks = {slot: delayed(had.get(slot), resume.get(slot), held_from, start) for slot in dict.fromkeys([*had, *resume])}
    return core, had, {slot: t for slot, t in tracks.items() if t.doses}


def _apply_lights(
    program: Program, library: Library, tracks: dict[str, Track], decisions: dict[str, Decision], start: int
) -> tuple[dict[str, str], dict[str, str]]:
    """Amber and red lights change their slots' tracks (in place) from ``start``, the weeks kept
    within their limits; returns slot -> the change, in words, for the clinician, and slot -> the
    change for each red slot whose dose that hurt is already the least its range allows."""
    shifted: dict[str, Shifted] = {}
    changes: dict[str, str] = {}
    no_easier: dict[str, str] = {}
    for slot, decision in decisions.items():
        if decision.light == "green" or slot not in tracks:
            continue
        shifted[slot] = shift(program, library, tracks[slot], start, decision.light)
        if shifted[slot].weeks:
            changes[slot] = shifted[slot].change
            if shifted[slot].no_easier:
                no_easier[slot] = shifted[slot].change
    hold_to_fit(program, library, tracks, shifted, start)
    deloads = set(program.deload_weeks)
    for slot, sh in shifted.items():
        tracks[slot] = write_shifted(tracks[slot], sh, deloads, start)
    return changes, no_easier


def _no_easier_flags(no_easier: dict[str, str], decisions: dict[str, Decision], library: Library) -> list[Flag]:
    """A red exercise already at the least its range allows cannot be made easier by the plan: the
    clinician chooses (an easier exercise, or leaving it out), and sees the patient first."""
    flags = []
    for slot, change in no_easier.items():
        d = decisions[slot]
        name = library[d.exercise].name if d.exercise in library else d.exercise
        flags.append(
            Flag(
                level="review",
                message=f"{name} ({d.exercise}) was red at the least its range allows ({change}): choose an easier exercise or leave it out",
                rows=[d.entry.row],
                weeks=[d.entry.week],
            )
        )
    return flags


def _gate(program: Program, library: Library, tracks: dict[str, Track], clinician: _Clinician, start: int) -> dict[str, Track]:
    """The tensioner gates and one change a week asked of the tracks (in place), then blocked
    tensioners kept out; returns the plan to take up again once holds and blocks are released."""
    if program.holds or any(d.startswith(f"week {start}: the clinician cleared") for d in clinician.record):
        # Taking the plan up again after a hold, or letting a tensioner back in: one new exercise
        # or harder variant a week, so that a flare points at one change.
        one_change_a_week(tracks, start, program, library)
    for slot, t in tracks.items():
        tracks[slot] = gated(t, start, program, library, set(clinician.cleared))
    plan_tracks = dict(tracks)
    for b in clinician.blocked:
        if b.slot in tracks:
            tracks[b.slot] = without(tracks[b.slot], b.exercise, start, library, program)
    return plan_tracks


@dataclass
class _Clinician:
    """The clinician's decisions, recorded in the program."""

    record: list[str]
    acknowledged: int  # red flags and reviews logged up to this week are released
    cleared: dict[str, int] = field(default_factory=dict)  # tensioner -> the week it was cleared after
    blocked: list[Blocked] = field(default_factory=list)


def _clinician_decisions(
    program: Program, library: Library, start: int, last_logged: int, *, release: bool, clear: tuple[str, ...] | list[str]
) -> _Clinician:
    """The program's record with this adjustment's release and cleared tensioners added."""
    out = _Clinician(
        list(program.decisions), program.acknowledged_through_week or 0, dict(program.cleared), list(program.blocked)
    )
    if release:
        out.acknowledged = max(out.acknowledged, last_logged)
        out.record.append(f"week {start}: the clinician released the hold on red flags and reviews logged to week {last_logged}")
    for name in clear:
        key = name.strip().lower()
        for b in list(out.blocked):
            if key in (
                "tensioner",
                "tensioners",
                "all",
                b.exercise,
                library[b.exercise].name.lower() if b.exercise in library else "",
            ):
                out.blocked.remove(b)
                out.cleared[b.exercise] = last_logged
                out.record.append(
                    f"week {start}: the clinician cleared {b.exercise} (it provoked spreading symptoms in week {b.week})"
                )
    return out


def _block_spread_tensioners(program: Program, library: Library, entries: list[LogEntry], clinician: _Clinician) -> None:
    """A tensioner in a week with spreading symptoms stays out until the clinician clears it."""
    n_weeks = len(program.weeks)
    for e in entries:
        if not e.spread or e.week < 1 or e.week > n_weeks:
            continue
        for p in items_of(program.weeks[e.week - 1]):
            ex = library[p.exercise] if p.exercise in library else None
            if ex is None or not ex.is_tensioner or e.week <= clinician.cleared.get(p.exercise, 0):
                continue
            if not any(b.exercise == p.exercise for b in clinician.blocked):
                clinician.blocked.append(
                    Blocked(
                        exercise=p.exercise,
                        slot=p.slot,
                        week=e.week,
                        reason=f"symptoms spread down the leg in week {e.week} (log row {e.row})",
                    )
                )


def _adjustments(
    decisions: dict[str, Decision], changes: dict[str, str], holds: list[Hold], library: Library
) -> list[Adjustment]:
    """Each logged slot's light, its reason and what changed, for the clinician and the patient."""
    out: list[Adjustment] = []
    for slot, (light, reason, ex, _entry) in decisions.items():
        if holds:
            first = changes.get(slot) if light == "red" else None
            change = (f"{first}; then held" if first else "held") + f": nothing new or harder ({holds[0].level} hold)"
            patient = holds[0].patient
        else:
            change = changes.get(slot, "progress as planned" if light == "green" else "no later weeks of this exercise")
            patient = PATIENT_WORDS[light]
            if slot in changes and changes[slot].startswith("easier:"):
                name = library[ex].name if ex in library else ex
                patient = f"changed to an easier version for now ({name} is hard on your symptoms at the moment)"
        out.append(Adjustment(slot=slot, exercise=ex, light=light, reason=reason, change=change, patient=patient))
    return out


LOOP_FIELDS = ("holds", "resume_timelines", "blocked", "cleared", "acknowledged_through_week", "decisions")


def with_loop_fields(program: Program) -> Program:
    """The program with the closed loop's fields set (the planner's fast path leaves them out)."""
    missing = {
        name: Program.model_fields[name].get_default(call_default_factory=True)
        for name in LOOP_FIELDS
        if name not in program.__dict__
    }
    return program.model_copy(update=missing) if missing else program


def remaining(program: Program) -> Program:
    """The adjusted program from its first changed week on: what a new handout should print
    (the patient already holds the weeks before it)."""
    if not program.adjusted_from_week:
        return program
    weeks = program.weeks[program.adjusted_from_week - 1 :]
    return program.model_copy(update={"weeks": weeks, "start": weeks[0].start})
