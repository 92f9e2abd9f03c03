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

from dataclasses import dataclass, replace
from pathlib import Path

from rehabplan.errors import PatientError, Problem
from rehabplan.models import (
    Adjustment,
    AgeBand,
    Blocked,
    DoseKind,
    Flag,
    Hold,
    Prescription,
    Program,
    Week,
)
from rehabplan.planning.choice import excluded
from rehabplan.planning.gates import calm_weeks, tensioner_allowed, tensioners_unlocked
from rehabplan.planning.painrule import pain_rule
from rehabplan.planning.progression import Context, Dose, deload, start_dose
from rehabplan.planning.redflags import BY_ID, Hit, screen_cell
from rehabplan.planning.rules import volume_allowance
from rehabplan.planning.timelines import Track, materialise, timeline_model, track_of, track_seconds, track_sets
from rehabplan.sources.library import Library
from rehabplan.sources.log import QUESTION_COLUMNS, LogEntry, log_template, parse_rows, read_log  # noqa: F401

URGENT_MESSAGE = "a red flag was logged: contact the patient today; the plan is on hold (no progression)"


# --------------------------------------------------------------------------- the model


def light_of(entry: LogEntry, program: Program) -> tuple[str, str]:
    """Traffic light of one logged session, with the reason in words (the protocol's one rule)."""
    return pain_rule(program.pain).light(entry.pain_during, entry.pain_next_morning, entry.spread)


def log_hits(entries: list[LogEntry]) -> list[Hit]:
    """Red flags in used log rows: questions answered yes and notes that read as one."""
    hits: list[Hit] = []
    for e in entries:
        date = e.date.isoformat() if e.date else ""
        for q in e.answers:
            hits.append(Hit(e.row, q, q, "yes", answered=True, week=e.week, date=date))
        hits += screen_cell(e.row, "note", e.note, week=e.week, date=date)
    return hits


def _slot_of(program: Program) -> dict[str, str]:
    return {p.exercise: p.slot for w in program.weeks for p in _items(w)}


def _week_slots(program: Program, week: int) -> list[str]:
    if not 1 <= week <= len(program.weeks):
        return []
    return list(dict.fromkeys(p.slot for p in _items(program.weeks[week - 1])))


def _decide(program: Program, entries: list[LogEntry]) -> dict[str, tuple[str, str, str, LogEntry]]:
    """slot -> (light, reason, exercise, the worst session) from the latest logged week of each slot.

    A session row that names the exercise that hurt gives that exercise the session's light and
    the others of the session green; a session that hurt without naming one gives every exercise
    of the session its light (the whole week holds or regresses: which one hurt is not known)."""
    slot_of = _slot_of(program)
    order = ["green", "amber", "red"]
    per_slot: dict[str, list[tuple[int, tuple[str, str], LogEntry, str]]] = {}
    for e in entries:
        if not e.done:
            continue
        light = light_of(e, program)
        if not e.per_session:
            if e.exercise in slot_of:
                per_slot.setdefault(slot_of[e.exercise], []).append((e.week, light, e, e.exercise))
            continue
        week = program.weeks[e.week - 1] if 1 <= e.week <= len(program.weeks) else None
        if week is None:
            continue
        present = {p.slot: p.exercise for p in _items(week)}
        named = slot_of.get(e.exercise) if e.exercise else None
        for slot, ex in present.items():
            if e.done_exercises and ex not in e.done_exercises:
                continue
            if named is None and light[0] == "red":
                # Which exercise hurt is not known: every exercise holds at its last dose (none is
                # regressed on a guess) and the clinician is asked to find out (clinician_flags).
                this = ("amber", f"{light[1]}; the exercise that hurt was not named, so all hold")
            else:
                this = light if (named is None or named == slot) else ("green", "another exercise hurt")
            per_slot.setdefault(slot, []).append((e.week, this, e, ex))
    decisions = {}
    for slot, items in per_slot.items():
        latest = max(w for w, *_ in items)
        worst = max((it for it in items if it[0] == latest), key=lambda it: (order.index(it[1][0]), -it[2].row))
        _, (light, reason), entry, ex = worst
        when = f"week {latest}" + (
            f", {entry.date.isoformat()}" if entry.date else (f", session {entry.session}" if entry.session else "")
        )
        decisions[slot] = (light, f"{when}: {reason}", ex, entry)
    return decisions


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
    rule = pain_rule(program.pain)
    deloads = set(program.deload_weeks)
    core = {t.slot: t.core for t in program.timelines}
    had = {t.slot: track_of(t) for t in program.timelines}  # what the patient was given
    tracks = dict(had)
    if program.resume_timelines:
        # Take up the plan where the hold began (the held weeks pushed it later), with any
        # exercise kept out of it back in, should the clinician clear it now.
        held_from = min((h.from_week for h in program.holds), default=start)
        resume = {t.slot: track_of(t) for t in program.resume_timelines}
        core |= {t.slot: t.core for t in program.resume_timelines}
        tracks = {slot: _delayed(had.get(slot), resume.get(slot), held_from, start) for slot in dict.fromkeys([*had, *resume])}
        tracks = {slot: t for slot, t in tracks.items() if t.doses}
    decisions = _decide(program, entries)

    shifted: dict[str, _Shifted] = {}
    changes: dict[str, str] = {}
    for slot, (light, _reason, _ex, _e) in decisions.items():
        if light == "green" or slot not in tracks:
            continue
        shifted[slot] = _shift(program, library, tracks[slot], start, light)
        if shifted[slot].weeks:
            changes[slot] = shifted[slot].change
    _hold_to_fit(program, library, tracks, shifted, start)
    for slot, sh in shifted.items():
        tracks[slot] = _write(tracks[slot], sh, deloads, start)

    # The clinician's decisions, recorded in the program.
    record = list(program.decisions)
    acknowledged = program.acknowledged_through_week or 0
    if release:
        acknowledged = max(acknowledged, last_logged)
        record.append(f"week {start}: the clinician released the hold on red flags and reviews logged to week {last_logged}")
    cleared = dict(program.cleared)
    blocked = list(program.blocked)
    for name in clear:
        key = name.strip().lower()
        for b in list(blocked):
            if key in (
                "tensioner",
                "tensioners",
                "all",
                b.exercise,
                library[b.exercise].name.lower() if b.exercise in library else "",
            ):
                blocked.remove(b)
                cleared[b.exercise] = last_logged
                record.append(
                    f"week {start}: the clinician cleared {b.exercise} (it provoked spreading symptoms in week {b.week})"
                )
    # A tensioner in a week with spreading symptoms stays out until cleared.
    for e in entries:
        if not e.spread or e.week < 1 or e.week > n_weeks:
            continue
        for p in _items(program.weeks[e.week - 1]):
            ex = library[p.exercise] if p.exercise in library else None
            if ex is not None and ex.is_tensioner and e.week > cleared.get(p.exercise, 0):
                if not any(b.exercise == p.exercise for b in blocked):
                    blocked.append(
                        Blocked(
                            exercise=p.exercise,
                            slot=p.slot,
                            week=e.week,
                            reason=f"symptoms spread down the leg in week {e.week} (log row {e.row})",
                        )
                    )
    if program.holds or any(d.startswith(f"week {start}: the clinician cleared") for d in record):
        # Taking the plan up again after a hold, or letting a tensioner back in: one new exercise
        # or harder variant a week, so that a flare points at one change.
        _one_change_a_week(tracks, start, program, library)
    for slot, t in tracks.items():
        tracks[slot] = _gated(t, start, program, library, set(cleared))
    plan_tracks = dict(tracks)  # the plan to take up again once holds and blocks are released
    for b in blocked:
        if b.slot in tracks:
            tracks[b.slot] = _without(tracks[b.slot], b.exercise, start, library, program)

    all_hits = hits if hits is not None else log_hits(entries)
    live_hits = [h for h in all_hits if (h.week or last_logged or 1) > acknowledged]
    holds = _holds(program, entries, live_hits, acknowledged, last_logged, start, rule)
    resume_timelines = []
    if holds or blocked:
        resume_timelines = [timeline_model(t, core.get(t.id, False)) for t in plan_tracks.values()]
    if holds:
        kept_out = {b.exercise for b in blocked}
        tracks = {
            slot: t
            for slot, t in (
                (slot, _frozen(t, had.get(slot), holds, entries, decisions, start, library, program, kept_out))
                for slot, t in tracks.items()
            )
            if t.doses
        }
    weeks = materialise(
        library,
        program.patient,
        program.phases,
        _check_ins(program),
        program.deload_weeks,
        program.deload_volume_factor,
        list(tracks.values()),
    )
    names = {slot: library[ex].name if ex in library else ex for slot, (_l, _r, ex, _e) in decisions.items()}
    adjustments = []
    for slot, (light, reason, ex, _e) in decisions.items():
        if holds:
            first = changes.get(slot) if light == "red" else None
            change = (f"{first}; then held" if first else "held") + f": nothing new or harder ({holds[0].level} hold)"
            patient = holds[0].patient
        else:
            change = changes.get(slot, "progress as planned" if light == "green" else "no later weeks of this exercise")
            patient = {
                "green": "carries on as planned",
                "amber": "stays the same for a week, then carries on",
                "red": "made easier for now, then built up again",
            }[light]
            if slot in changes and changes[slot].startswith("easier:"):
                patient = f"changed to an easier version for now ({names[slot]} is hard on your symptoms at the moment)"
        adjustments.append(Adjustment(slot=slot, exercise=ex, light=light, reason=reason, change=change, patient=patient))
    flags = clinician_flags(program, entries, decisions, live_hits, holds, library)
    return program.model_copy(
        update={
            # Past weeks are never touched: the patient has done them.
            "weeks": list(program.weeks[: start - 1]) + weeks[start - 1 :],
            "adjusted_from_week": start,
            "adjustments": adjustments,
            "flags": flags,
            "timelines": [timeline_model(t, core.get(t.id, False)) for t in tracks.values()],
            "holds": holds,
            "resume_timelines": resume_timelines,
            "blocked": blocked,
            "cleared": cleared,
            "acknowledged_through_week": acknowledged or None,
            "decisions": record,
        }
    )


LOOP_FIELDS = ("holds", "resume_timelines", "blocked", "cleared", "acknowledged_through_week", "decisions")


def with_loop_fields(program: Program) -> Program:
    """The program with the closed loop's fields set (the planner's fast path leaves them out)."""
    missing = {
        name: Program.model_fields[name].get_default(call_default_factory=True)
        for name in LOOP_FIELDS
        if name not in program.__dict__
    }
    return program.model_copy(update=missing) if missing else program


HOLD_PATIENT = {
    "urgent": "stop these exercises until you have been checked: your clinician will contact you",
    "review": "stay at the same dose as last week until your clinician has seen you",
    "spread": "back to your last comfortable week, because your symptoms spread down your leg",
    "phase": "stay at the same dose as last week; move on after a week with pain at {c} out of 10 or less",
}


def _holds(program: Program, entries, hits: list[Hit], acknowledged: int, last: int, start: int, rule) -> list[Hold]:
    holds: list[Hold] = []
    for level in ("urgent", "review"):
        found = [h for h in hits if h.level == level]
        if found:
            what = "; ".join(dict.fromkeys(h.describe() for h in found))
            holds.append(
                Hold(
                    level=level,
                    reason=what,
                    patient=HOLD_PATIENT[level],
                    from_week=start,
                    release="clinician",
                    rows=sorted({h.row for h in found if h.row}),
                )
            )
    spread_weeks: dict[int, list[LogEntry]] = {}
    for e in entries:
        if e.spread and e.week > acknowledged:
            spread_weeks.setdefault(e.week, []).append(e)
    twice = [
        w
        for w, es in spread_weeks.items()
        if len({(x.session, x.date, x.row if x.per_session else 0) for x in es}) >= 2 and _sessions(es) >= 2
    ]
    running = [w for w in spread_weeks if w - 1 in spread_weeks]
    if twice or running:
        why = (
            f"spreading symptoms in two sessions of week {twice[0]}"
            if twice
            else f"spreading symptoms in weeks {running[0] - 1} and {running[0]}"
        )
        rows = sorted({e.row for w in (twice or [running[0] - 1, running[0]]) for e in spread_weeks.get(w, [])})
        if not any(h.level == "review" for h in holds):
            holds.append(
                Hold(level="review", reason=why, patient=HOLD_PATIENT["review"], from_week=start, release="clinician", rows=rows)
            )
        else:
            holds = [
                h.model_copy(update={"reason": h.reason + "; " + why, "rows": sorted(set(h.rows) | set(rows))})
                if h.level == "review"
                else h
                for h in holds
            ]
    elif last in spread_weeks:
        rows = [e.row for e in spread_weeks[last]]
        holds.append(
            Hold(
                level="spread",
                reason=f"spreading symptoms in week {last}: repeat the last tolerated doses, nerve work back to the slider",
                patient=HOLD_PATIENT["spread"],
                from_week=start,
                release="logged week",
                rows=rows,
            )
        )
    if not holds:
        latest = [e for e in entries if e.week == last and e.done]
        lights = [(light_of(e, program), e) for e in latest]
        missed = [(lt, e) for lt, e in lights if lt[0] != "green"]
        if missed:
            phase = next((p for p in program.phases if p.first_week <= last <= p.last_week), None)
            (_, why), e = missed[0]
            holds.append(
                Hold(
                    level="phase",
                    reason=f"week {last} did not meet the pain rule ({why}, log row {e.row})"
                    + (f": stays in '{phase.name}' (move on when: {phase.criterion})" if phase else ""),
                    patient=HOLD_PATIENT["phase"].format(c=rule.ceiling),
                    from_week=start,
                    release="logged week",
                    rows=[x.row for _, x in missed],
                )
            )
    return holds


def _sessions(es: list[LogEntry]) -> int:
    """How many sessions logged entries stand for (per-exercise rows of one session count once)."""
    return len({(e.session, e.date) if not e.per_session else e.row for e in es})


def _delayed(had: Track | None, resume: Track | None, held_from: int, start: int) -> Track:
    """The plan to resume: weeks before ``start`` as given, then the resumed plan from the week
    the hold began, pushed later by the weeks held."""
    base = had or resume
    by = start - held_from
    doses = {w: d for w, d in (had.doses.items() if had else []) if w < start}
    notes = {w: n for w, n in (had.notes.items() if had else []) if w < start}
    if resume is not None:
        last_week = max([*(had.doses if had else {}), *resume.doses], default=0)
        for w in range(start, last_week + 1):
            src = w - by
            if src in resume.doses and src >= held_from:
                doses[w], notes[w] = resume.doses[src], resume.notes.get(src)
    return replace(base, doses=doses, notes=notes)


def _without(track: Track, exercise: str, start: int, library: Library, program: Program) -> Track:
    """The track with a blocked exercise replaced, from ``start``, by the last dose before it."""
    doses, notes = dict(track.doses), dict(track.notes)
    fallback = None
    for w in sorted(doses):
        if doses[w].exercise != exercise:
            if w < start or fallback is None:
                fallback = doses[w]
            continue
        if w < start:
            continue
        if fallback is None:
            ex = library[exercise]
            fallback = _regressed(program, library, track, doses[w]) if ex.easier else doses[w]
        if fallback.exercise == exercise:
            del doses[w]
            notes.pop(w, None)
            continue
        doses[w] = fallback
        notes[w] = "keep to the slider: the harder version waits until your clinician says it is fine"
    return replace(track, doses=doses, notes=notes)


def _frozen(
    track: Track,
    had: Track | None,
    holds: list[Hold],
    entries,
    decisions,
    start: int,
    library: Library,
    program: Program,
    kept_out: set[str],
) -> Track:
    """The remaining weeks at the last tolerated dose: nothing new, nothing harder.

    The last tolerated dose is the dose of the last week logged (after spreading symptoms: the
    last week logged without them); a red light's easier dose, when it is no harder, wins; nerve
    work that was a tensioner goes back to the slider at its last symptom-free dose."""
    doses = {w: d for w, d in (had.doses.items() if had else []) if w < start}
    notes = {w: n for w, n in (had.notes.items() if had else []) if w < start}
    last = max(1, start - 1)
    deloads = set(program.deload_weeks)
    while last in deloads and last > 1:
        last -= 1  # a deload week was a lighter week: hold at the full dose done before it
    spread = any(h.level == "spread" or "spread" in h.reason for h in holds)
    base = last
    if spread:
        spread_weeks = {e.week for e in entries if e.spread}
        logged = {e.week for e in entries}
        calm = [w for w in range(1, start) if w in logged and w not in spread_weeks and w not in deloads]
        base = calm[-1] if calm else last
    if had is None or base not in had.doses:
        return replace(track, doses=doses, notes=notes)  # not started by then: nothing new
    held = had.doses[base]
    if library[held.exercise].is_tensioner and (spread or held.exercise in kept_out):
        symptom_free = [
            had.doses[w] for w in range(1, base + 1) if w in had.doses and not library[had.doses[w].exercise].is_tensioner
        ]
        held = symptom_free[-1] if symptom_free else _regressed(program, library, track, held)
    light = decisions.get(track.id, ("green",))[0]
    if (
        light in ("amber", "red")
        and start in track.doses
        and _not_harder(track.doses[start], held, library)
        and track_seconds(track, track.doses[start], library, program.patient)
        <= track_seconds(track, held, library, program.patient)
    ):
        held = track.doses[start]  # a red light's easier dose is easier still (and no longer)
    note = holds[0].patient
    for i, w in enumerate(w for w in sorted(set(track.doses) | set(had.doses)) if w >= start):
        doses[w] = held
        notes[w] = note if i == 0 else "same as last week"
    return replace(track, doses=doses, notes=notes)


GATE_NOTE = "keep to the slider: the harder version comes once the slider has felt easy for two weeks"


def _gated(track: Track, start: int, program: Program, library: Library, cleared: set[str]) -> Track:
    """The planner's tensioner gates, asked again of the adjusted plan from ``start``: never a
    tensioner for high irritability (unless the clinician unlocked it), and a tensioner the
    clinician has not cleared comes only after the slider held 2 x 10 for two weeks (moving
    weeks later can break that: then the slider's dose stays until the gate is met)."""
    is_tensioner = lambda ex_id: ex_id in library and library[ex_id].is_tensioner  # noqa: E731
    if not any(is_tensioner(d.exercise) for w, d in track.doses.items() if w >= start):
        return track
    if not tensioners_unlocked(program.patient):
        for ex in {d.exercise for w, d in track.doses.items() if w >= start and is_tensioner(d.exercise)}:
            track = _without(track, ex, start, library, program)
        return track
    doses, notes = dict(track.doses), dict(track.notes)
    for w in sorted(d for d in doses if d >= start):
        before = doses.get(w - 1)
        d = doses[w]
        if (
            is_tensioner(d.exercise)
            and d.exercise not in cleared
            and before is not None
            and not is_tensioner(before.exercise)
            and not tensioner_allowed(program.patient, doses, w, True, is_tensioner)
        ):
            doses[w], notes[w] = before, GATE_NOTE
    return replace(track, doses=doses, notes=notes)


def _check_ins(program: Program) -> list[int]:
    """Every reassessment week of the plan (programs written before plans had several: the one)."""
    return list(program.reassessment_weeks) or [program.reassessment_week]


def _one_change_a_week(tracks: dict[str, Track], start: int, program: Program, library: Library) -> None:
    """From ``start``: at most one slot a week takes up a new exercise (or a harder variant); the
    others wait a week (their dose of the week before, or nothing yet), their plan a week later.
    A tensioner comes in a week of its own; nothing new in a deload, reassessment or last week."""
    n_weeks = len(program.weeks)
    quiet = set(program.deload_weeks) | calm_weeks(_check_ins(program), n_weeks)
    for week in range(start, n_weeks + 1):
        changing = [
            slot
            for slot, t in tracks.items()
            if week in t.doses and (week - 1 not in t.doses or t.doses[week].exercise != t.doses[week - 1].exercise)
        ]
        if week == 1:
            continue
        tensioners = [s for s in changing if library[tracks[s].doses[week].exercise].is_tensioner]
        allowed = [] if week in quiet else (tensioners[:1] or changing[:1])
        for slot in changing:
            if slot in allowed:
                continue
            t = tracks[slot]
            weeks = [w for w in sorted(t.doses) if w >= week]
            doses = [t.doses[w] for w in weeks]
            notes = [t.notes.get(w) for w in weeks]
            before = t.doses.get(week - 1)
            new_doses = dict((w, d) for w, d in t.doses.items() if w < week)
            new_notes = dict((w, n) for w, n in t.notes.items() if w < week)
            if before is not None:
                new_doses[week], new_notes[week] = before, "same as last week: one change at a time"
            for w, d, n in zip(weeks[1:], doses, notes, strict=False):
                new_doses[w], new_notes[w] = d, n
            tracks[slot] = replace(t, doses=new_doses, notes=new_notes)


def _not_harder(a: Dose, b: Dose, library: Library) -> bool:
    """``a`` asks no more than ``b``: the same exercise at no higher a dose, or its easier variant."""
    if a.exercise != b.exercise:
        return library[b.exercise].easier == a.exercise
    return (
        a.sets <= b.sets
        and a.reps <= b.reps
        and (a.hold_s or 0) <= (b.hold_s or 0)
        and (a.minutes or 0) <= (b.minutes or 0)
        and a.load_index <= b.load_index
    )


AMBER_NOTE = "same as last week, because your pain went a little over your limit"
RED_NOTE = "made easier, because your pain went over your limit"
BACK_FROM_DELOAD = "back to full dose"


@dataclass
class _Shifted:
    """A slot's new doses in the weeks from ``start`` that are not deloads, in order."""

    weeks: list[int]
    doses: list[Dose]
    notes: list[str | None]
    change: str


def _shift(program: Program, library: Library, track: Track, start: int, light: str) -> _Shifted:
    """Amber holds the last done dose for a week, then the plan continues a step behind; red goes
    back two steps of the plan (below its start: the easier variant, or a lighter dose)."""
    deloads = set(program.deload_weeks)
    planned = [w for w in sorted(track.doses) if w not in deloads]
    seq = [track.doses[w] for w in planned]
    seq_notes = [track.notes.get(w) for w in planned]
    done_index = max((i for i, w in enumerate(planned) if w < start), default=0)
    weeks = [w for w in planned if w >= start]
    back = 1 if light == "amber" else 3
    doses: list[Dose] = []
    notes: list[str | None] = []
    regressed = _regressed(program, library, track, seq[0])
    for k, _week in enumerate(weeks, start=1):
        target = done_index + k - back
        if target < 0:
            dose, note = regressed, RED_NOTE
        elif target >= len(seq):
            dose, note = seq[-1], "same as last week"
        else:
            dose, note = seq[target], _strip(seq_notes[target])
            if doses and doses[-1] == regressed and regressed != seq[0] and target == 0:
                note = "back to the planned dose"
        if k == 1:
            note = AMBER_NOTE if light == "amber" else RED_NOTE
        doses.append(dose)
        notes.append(note)
    text = lambda d: _dose_text(d, library, track)  # noqa: E731
    if light == "amber":
        change = f"hold at {text(seq[done_index])} for a week, then continue"
    elif done_index - 2 >= 0:
        change = f"back to {text(seq[done_index - 2])}, then build again"
    elif regressed.exercise != seq[0].exercise:
        change = f"easier: {library[regressed.exercise].name} {text(regressed)}"
    else:
        change = f"lower dose: {text(regressed)}"
    return _Shifted(weeks, doses, notes, change)


def _strip(note: str | None) -> str | None:
    """A planned note without its "back to full dose" (which belongs to the week after a deload)."""
    if note and note.startswith(BACK_FROM_DELOAD):
        return note[len(BACK_FROM_DELOAD) :].lstrip("; ") or None
    return note


def _regressed(program: Program, library: Library, track: Track, first: Dose) -> Dose:
    """One step below the plan's first dose: the easier variant at the bottom of its ranges (when
    the patient can do it), else the first dose lightened by the protocol's deload factor."""
    ex = library[first.exercise]
    older = program.patient.age_band is AgeBand.older
    pyramid = track.rule == "pyramid" and ex.dosage.kind is DoseKind.hold
    easier = library[ex.easier] if ex.easier and ex.easier in library else None
    if easier is not None and easier.dosage.kind is ex.dosage.kind and excluded(easier, program.patient) is None:
        ctx = Context(
            exercises=library.exercises,
            allowed=lambda _id: True,
            loads_available=lambda _ex: 1,  # the lightest load: no band or weight needed
            older_adult=older,
            pyramid=pyramid,
        )
        easy = start_dose(easier, ctx, gentle=True, sets=first.sets)
        if track_seconds(track, easy, library, program.patient) > track_seconds(track, first, library, program.patient):
            easy = easy._replace(sets=int(easier.dosage.sets.min))  # easier, and never longer than the plan's start
        if track_seconds(track, easy, library, program.patient) <= track_seconds(track, first, library, program.patient):
            return easy
    factor = program.deload_volume_factor
    if pyramid:  # McGill's 5-3-1 stays; the holds get shorter
        return first._replace(hold_s=max(1, round((first.hold_s or 0) * factor)))
    return deload(first, ex, factor, older)


def _hold_to_fit(program: Program, library: Library, tracks: dict[str, Track], shifted: dict[str, _Shifted], start: int):
    """Shifting one exercise can put its step in the same week as another's: the week's loading
    sets still rise no faster than the protocol allows (the program records its limit) unless the
    week asks no more than first planned, and every session still fits the patient's minutes. An
    exercise that breaks either waits a week, drops to its fewest sets, or keeps its planned dose."""
    if not shifted:
        return
    deloads = set(program.deload_weeks)
    patient = program.patient
    limit_s = patient.minutes * 60

    def dose_at(slot: str, week: int) -> Dose | None:
        sh = shifted.get(slot)
        if sh is not None and week >= start:  # (deload weeks are not compared)
            return sh.doses[sh.weeks.index(week)] if week in sh.weeks else None
        return tracks[slot].doses.get(week)

    def volume(week: int) -> int:
        return sum(track_sets(t, d, library) for slot, t in tracks.items() if (d := dose_at(slot, week)) is not None)

    def longest_day_s(week: int) -> float:
        daily, by_day = 0.0, {}
        for slot, t in tracks.items():
            d = dose_at(slot, week)
            if d is None:
                continue
            secs = track_seconds(t, d, library, patient)
            if t.every_day:
                daily += secs
            for day in t.days:
                by_day[day] = by_day.get(day, 0.0) + secs
        return daily + max(by_day.values(), default=0.0)

    normal = [w for w in range(1, len(program.weeks) + 1) if w not in deloads]
    planned_volume = {w.number: w.volume_sets for w in program.weeks}
    for prev, week in zip(normal, normal[1:]):
        if week < start:
            continue
        last = volume(prev)
        new_per_week = max(
            (
                t.per_week
                for slot, t in tracks.items()
                if dose_at(slot, prev) is None and (d := dose_at(slot, week)) is not None and library[d.exercise].is_loading
            ),
            default=0,
        )
        allowance = volume_allowance(last, program.max_weekly_volume_increase_pct, new_per_week)
        for slot, sh in shifted.items():
            # Never more than the plan first asked of this week (it kept the limit), nor a faster rise.
            too_many = volume(week) > max(last + allowance, planned_volume[week])
            too_long = longest_day_s(week) > limit_s
            if not (too_many or too_long):
                break
            if week not in sh.weeks:
                continue
            i = sh.weeks.index(week)
            t, now = tracks[slot], sh.doses[i]
            ex = library[now.exercise]
            options: list[tuple[str, Dose]] = []
            if i > 0:
                options.append(("wait", sh.doses[i - 1]))
            if t.rule != "pyramid" and now.sets > ex.dosage.sets.min:
                options.append(("fewer sets, to fit your time", now._replace(sets=int(ex.dosage.sets.min))))
            if t.doses.get(week) is not None:
                options.append((_strip(t.notes.get(week)) or "", t.doses[week]))  # the dose first planned for this week
            for how, alt in options:
                now = sh.doses[i]
                if not (too_many or too_long):
                    break
                if (too_many and track_sets(t, alt, library) < track_sets(t, now, library)) or (
                    too_long and track_seconds(t, alt, library, patient) < track_seconds(t, now, library, patient)
                ):
                    if how == "wait":  # this exercise waits a week: the rest of its plan moves one week later
                        sh.doses.insert(i, alt)
                        sh.notes.insert(i, "same as last week, so the session and the week stay within their limits")
                        sh.doses.pop()
                        sh.notes.pop()
                    else:
                        sh.doses[i], sh.notes[i] = alt, how or None
                    too_many = volume(week) > max(last + allowance, planned_volume[week])
                    too_long = longest_day_s(week) > limit_s


def _last_before(sh: _Shifted, track: Track, week: int) -> Dose:
    """A deload week repeats the dose of the week before it (the cut is applied when materialising)."""
    earlier = [i for i, w in enumerate(sh.weeks) if w < week]
    return sh.doses[earlier[-1]] if earlier else track.doses[week]


def _write(track: Track, sh: _Shifted, deloads: set[int], start: int) -> Track:
    """The track with its new doses from ``start`` on; deload weeks repeat the week before."""
    doses = {w: d for w, d in track.doses.items() if w < start}
    notes = {w: n for w, n in track.notes.items() if w < start}
    new = dict(zip(sh.weeks, zip(sh.doses, sh.notes)))
    after_deload = False
    for week in sorted(track.doses):
        if week < start:
            after_deload = week in deloads
            continue
        if week in deloads:
            doses[week] = _last_before(sh, track, week)
            notes[week] = None
            after_deload = True
            continue
        dose, note = new[week]
        if after_deload:
            note = BACK_FROM_DELOAD + (f"; {note}" if note else "")
        doses[week], notes[week] = dose, note
        after_deload = False
    return replace(track, doses=doses, notes=notes)


def clinician_flags(
    program: Program, entries: list[LogEntry], decisions: dict, hits: list[Hit], holds: list[Hold], library: Library
) -> list[Flag]:
    """What the clinician must read: every red flag with its week, date and the patient's words,
    the holds, repeated reds with the exercise's name and the worst session, adherence, and
    no improvement by the reassessment week (only when there was pain to improve)."""
    flags: list[Flag] = []
    for level in ("urgent", "review"):
        by_cat: dict[str, list[Hit]] = {}
        for h in hits:
            if h.level == level:
                by_cat.setdefault(h.category, []).append(h)
        for cat, hs in by_cat.items():
            action = (
                "contact the patient today; the plan is on hold"
                if level == "urgent"
                else "progression holds until you have seen the patient"
            )
            flags.append(
                Flag(
                    level=level,
                    message=f"{BY_ID[cat].clinician}: {action}",
                    rows=sorted({h.row for h in hs if h.row}),
                    weeks=sorted({h.week for h in hs if h.week}),
                    words=list(dict.fromkeys(h.describe() for h in hs)),
                )
            )
    for hold in holds:
        if hold.level == "review" and "spread" in hold.reason:
            flags.append(
                Flag(level="review", message=f"{hold.reason}: review the nerve load; the plan is on hold", rows=hold.rows)
            )
    rule = pain_rule(program.pain)
    slot_of = _slot_of(program)
    reds: dict[str, list[tuple[LogEntry, str]]] = {}
    for e in entries:
        if not e.done:
            continue
        light, why = rule.light(e.pain_during, e.pain_next_morning, e.spread)
        if light != "red":
            continue
        if e.exercise:
            reds.setdefault(e.exercise, []).append((e, why))
    unnamed = [
        e
        for e in entries
        if e.done and e.per_session and not e.exercise and rule.light(e.pain_during, e.pain_next_morning, e.spread)[0] == "red"
    ]
    if unnamed:
        worst = max(unnamed, key=lambda e: (max(e.pain_during or 0, e.pain_next_morning or 0), e.spread))
        flags.append(
            Flag(
                level="review",
                message=(
                    f"{len(unnamed)} red session(s) without the exercise that hurt; worst: week {worst.week}"
                    + (f" {worst.date.isoformat()}" if worst.date else "")
                    + f", {rule.light(worst.pain_during, worst.pain_next_morning, worst.spread)[1]}: ask which exercise hurt (all are held meanwhile)"
                ),
                rows=[e.row for e in unnamed],
                weeks=sorted({e.week for e in unnamed}),
            )
        )
    for ex, items in reds.items():
        if len(items) >= program.pain.red_sessions_flag:
            worst = max(items, key=lambda it: (max(it[0].pain_during or 0, it[0].pain_next_morning or 0), it[0].spread))
            e, why = worst
            when = f"week {e.week}" + (f" {e.date.isoformat()}" if e.date else (f" session {e.session}" if e.session else ""))
            name = library[ex].name if ex in library else ex
            flags.append(
                Flag(
                    level="review",
                    message=f"{len(items)} red sessions for {name} ({ex}); worst: {when}, {why}: review the exercise choice",
                    rows=[x.row for x, _ in items],
                    weeks=sorted({x.week for x, _ in items}),
                )
            )
    if entries:
        if all(e.per_session for e in entries):
            logged = {(e.week, e.session, e.row) for e in entries}
            done = sum(1 for e in entries if e.done)
            adherence = done / len(logged)
        else:
            adherence = sum(1 for e in entries if e.done) / len(entries)
        if adherence < program.pain.adherence_flag_below:
            flags.append(
                Flag(
                    level="review",
                    message=f"adherence {adherence:.0%} of logged sessions is below {program.pain.adherence_flag_below:.0%}: talk about barriers",
                )
            )
    reassess = program.reassessment_week
    logged_weeks = sorted({e.week for e in entries if e.pain_during is not None})
    later = [w for w in logged_weeks if w >= reassess]
    if later and logged_weeks[0] < reassess:

        def mean(week: int) -> float:
            vals = [e.pain_during for e in entries if e.week == week and e.pain_during is not None]
            return sum(vals) / len(vals) if vals else 0.0

        base, now = mean(logged_weeks[0]), mean(later[0])
        # NPRS minimal important change: about 2 points or 30 % (design choice from the brief).
        if base >= 3 and base - now < 2 and (base - now) / base < 0.3:
            flags.append(
                Flag(
                    level="review",
                    message=(
                        f"no improvement in pain by week {later[0]} (week {logged_weeks[0]} {base:.1f}/10, "
                        f"week {later[0]} {now:.1f}/10; less than 2 points or 30 %): reassess "
                        "(NICE: disabling root symptoms after 6 weeks need a specialist)"
                    ),
                    weeks=[logged_weeks[0], later[0]],
                )
            )
    _ = (decisions, slot_of)
    return flags


def remaining(program: Program) -> Program:
    """The adjusted program from its first changed week on: what a new handout should print
    (the patient already holds the weeks before it)."""
    if not program.adjusted_from_week:
        return program
    weeks = program.weeks[program.adjusted_from_week - 1 :]
    return program.model_copy(update={"weeks": weeks, "start": weeks[0].start})


def _items(week: Week) -> list[Prescription]:
    return week.every_day + [p for s in week.sessions for p in s.prescriptions]


def _dose_text(dose: Dose, library: Library, track: Track) -> str:
    kind = library[dose.exercise].dosage.kind
    if kind is DoseKind.duration:
        return f"{dose.minutes} min"
    if kind is DoseKind.hold:
        holds = "-".join(map(str, dose.pyramid())) if track.rule == "pyramid" else f"{dose.sets}x{dose.reps}"
        return f"{holds}x{dose.hold_s}s"
    return f"{dose.sets}x{dose.reps}"
