"""The closed loop's holds and gates on an adjusted plan (clinical brief, "The closed loop").

* an URGENT red flag (cauda equina, both legs, foot drop) and a REVIEW flag (night pain, fever or
  weight loss, a fall; spreading symptoms twice in a week or in two weeks running) freeze the
  remaining weeks at the last done doses until the clinician releases them;
* spreading symptoms once: the same hold at the last tolerated doses (nerve work back to the
  slider at its last symptom-free dose), released by a logged week that meets the pain rule;
* a logged week that did not meet the pain rule (the phase criterion): nothing new and nothing
  harder until a logged week meets it;
* a tensioner comes only through its gates, and one new exercise or harder variant a week.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from rehabplan.models import Hold, Program
from rehabplan.planning.gates import calm_weeks, tensioner_allowed, tensioners_unlocked
from rehabplan.planning.lights import Decision, light_of
from rehabplan.planning.painrule import PainRule
from rehabplan.planning.progression import switched_version
from rehabplan.planning.redflags import Hit
from rehabplan.planning.regress import a_week_later, lighter, regressed
from rehabplan.planning.timelines import Track
from rehabplan.sources.library import Library
from rehabplan.sources.log import LogEntry

HOLD_PATIENT = {
    "urgent": "stop these exercises until you have been checked: your clinician will contact you",
    "review": "stay at the same dose as last week until your clinician has seen you",
    "spread": "back to your last comfortable week, because your symptoms spread down your leg",
    "phase": "stay at the same dose as last week; move on after a week with pain at {c} out of 10 or less",
}
GATE_NOTE = "keep to the slider: the harder version comes once the slider has felt easy for two weeks"
SLIDER_NOTE = "keep to the slider: the harder version waits until your clinician says it is fine"


def find_holds(
    program: Program, entries: list[LogEntry], hits: list[Hit], acknowledged: int, last: int, start: int, rule: PainRule
) -> list[Hold]:
    """The holds on the weeks from ``start``: red flags first, then spreading symptoms, then (only
    when nothing else holds) a logged week ``last`` that did not meet the pain rule."""
    holds = _flag_holds(hits, start)
    holds = _spread_holds(holds, entries, acknowledged, last, start)
    if not holds:
        holds = _phase_holds(program, entries, last, start, rule)
    return holds


def _flag_holds(hits: list[Hit], start: int) -> list[Hold]:
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
    return holds


def _spread_holds(holds: list[Hold], entries: list[LogEntry], acknowledged: int, last: int, start: int) -> list[Hold]:
    """Spreading symptoms twice in a week or in two weeks running: a review (joined to one already
    there); once, in the last logged week: a spread hold."""
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
            return [
                *holds,
                Hold(level="review", reason=why, patient=HOLD_PATIENT["review"], from_week=start, release="clinician", rows=rows),
            ]
        return [
            h.model_copy(update={"reason": h.reason + "; " + why, "rows": sorted(set(h.rows) | set(rows))})
            if h.level == "review"
            else h
            for h in holds
        ]
    if last in spread_weeks:
        return [
            *holds,
            Hold(
                level="spread",
                reason=f"spreading symptoms in week {last}: repeat the last tolerated doses, nerve work back to the slider",
                patient=HOLD_PATIENT["spread"],
                from_week=start,
                release="logged week",
                rows=[e.row for e in spread_weeks[last]],
            ),
        ]
    return holds


def _phase_holds(program: Program, entries: list[LogEntry], last: int, start: int, rule: PainRule) -> list[Hold]:
    """The phase criterion: a last logged week with a session that was not green holds the plan."""
    latest = [e for e in entries if e.week == last and e.done]
    missed = [(light, e) for light, e in ((light_of(e, program), e) for e in latest) if light[0] != "green"]
    if not missed:
        return []
    phase = next((p for p in program.phases if p.first_week <= last <= p.last_week), None)
    (_, why), e = missed[0]
    return [
        Hold(
            level="phase",
            reason=f"week {last} did not meet the pain rule ({why}, log row {e.row})"
            + (f": stays in '{phase.name}' (move on when: {phase.criterion})" if phase else ""),
            patient=HOLD_PATIENT["phase"].format(c=rule.ceiling),
            from_week=start,
            release="logged week",
            rows=[x.row for _, x in missed],
        )
    ]


def _sessions(es: list[LogEntry]) -> int:
    """How many sessions logged entries stand for (per-exercise rows of one session count once)."""
    return len({(e.session, e.date) if not e.per_session else e.row for e in es})


def delayed(had: Track | None, resume: Track | None, held_from: int, start: int) -> Track:
    """The plan to resume: weeks before ``start`` as given, then the resumed plan from the week
    the hold began, pushed later by the weeks held."""
    base = had or resume
    if base is None:
        raise ValueError("a slot to resume needs the plan it was given or the plan to resume")
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


def without(track: Track, exercise: str, start: int, library: Library, program: Program) -> Track:
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
            fallback = regressed(program, library, track, doses[w]) if ex.easier else doses[w]
        if fallback.exercise == exercise:
            del doses[w]
            notes.pop(w, None)
            continue
        doses[w] = fallback
        notes[w] = SLIDER_NOTE
    return replace(track, doses=doses, notes=notes)


def frozen(
    track: Track,
    had: Track | None,
    holds: list[Hold],
    entries: list[LogEntry],
    decisions: Mapping[str, Decision],
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
    spread = any(h.level == "spread" or "spread" in h.reason for h in holds)
    base = _tolerated_week(program, entries, start, spread)
    if had is None or base not in had.doses:
        return replace(track, doses=doses, notes=notes)  # not started by then: nothing new
    held = had.doses[base]
    if library[held.exercise].is_tensioner and (spread or held.exercise in kept_out):
        symptom_free = [
            had.doses[w] for w in range(1, base + 1) if w in had.doses and not library[had.doses[w].exercise].is_tensioner
        ]
        held = symptom_free[-1] if symptom_free else regressed(program, library, track, held)
    decision = decisions.get(track.id)
    deloads = set(program.deload_weeks)
    # The light's own dose: the first full week from ``start`` (a deload week holds a cut copy).
    easier = next((track.doses[w] for w in sorted(track.doses) if w >= start and w not in deloads), track.doses.get(start))
    if (
        decision is not None
        and decision.light in ("amber", "red")
        and easier is not None
        and (easier == held or lighter(easier, held, library, track, program.patient))
    ):
        held = easier  # a red light's easier dose is easier still (and no longer)
    note = holds[0].patient
    for i, w in enumerate(w for w in sorted(set(track.doses) | set(had.doses)) if w >= start):
        doses[w] = held
        notes[w] = note if i == 0 else "same as last week"
    return replace(track, doses=doses, notes=notes)


def _tolerated_week(program: Program, entries: list[LogEntry], start: int, spread: bool) -> int:
    """The week whose dose a hold keeps: the last full week before ``start`` (after spreading
    symptoms: the last logged week without them)."""
    last = max(1, start - 1)
    deloads = set(program.deload_weeks)
    while last in deloads and last > 1:
        last -= 1  # a deload week was a lighter week: hold at the full dose done before it
    if not spread:
        return last
    spread_weeks = {e.week for e in entries if e.spread}
    logged = {e.week for e in entries}
    calm = [w for w in range(1, start) if w in logged and w not in spread_weeks and w not in deloads]
    return calm[-1] if calm else last


def gated(track: Track, start: int, program: Program, library: Library, cleared: set[str]) -> Track:
    """The planner's tensioner gates, asked again of the adjusted plan from ``start``: never a
    tensioner for high irritability (unless the clinician unlocked it), and a tensioner the
    clinician has not cleared comes only after the slider held 2 x 10 for two weeks (moving
    weeks later can break that: then the slider's dose stays until the gate is met)."""

    def is_tensioner(ex_id: str) -> bool:
        return ex_id in library and library[ex_id].is_tensioner

    if not any(is_tensioner(d.exercise) for w, d in track.doses.items() if w >= start):
        return track
    if not tensioners_unlocked(program.patient):
        for ex in {d.exercise for w, d in track.doses.items() if w >= start and is_tensioner(d.exercise)}:
            track = without(track, ex, start, library, program)
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


def check_ins(program: Program) -> list[int]:
    """Every reassessment week of the plan (programs written before plans had several: the one)."""
    return list(program.reassessment_weeks) or [program.reassessment_week]


def one_change_a_week(tracks: dict[str, Track], start: int, program: Program, library: Library) -> None:
    """From ``start``: at most one slot a week takes up a new exercise (or a harder variant, or a
    switch to a harder version of the same one); the others wait a week (their dose of the week
    before, or nothing yet), their plan a week later.
    A tensioner comes in a week of its own; nothing new in a deload, reassessment or last week."""
    n_weeks = len(program.weeks)
    quiet = set(program.deload_weeks) | calm_weeks(check_ins(program), n_weeks)
    for week in range(start, n_weeks + 1):
        changing = [slot for slot, t in tracks.items() if week in t.doses and _changes(t, week, library)]
        if week == 1:
            continue
        tensioners = [s for s in changing if library[tracks[s].doses[week].exercise].is_tensioner]
        allowed = [] if week in quiet else (tensioners[:1] or changing[:1])
        for slot in changing:
            if slot not in allowed:
                tracks[slot] = a_week_later(tracks[slot], week, "same as last week: one change at a time")


def _changes(t: Track, week: int, library: Library) -> bool:
    """Does the track bring a change in ``week``: a new exercise, a harder variant, or a switch
    to a harder version of the same one (arms crossed, a first weight)? A firmer band or a
    heavier weight goes on alongside. Going back to the easier version (after a red light) is a
    step down, not a change: it never waits."""
    before, now = t.doses.get(week - 1), t.doses[week]
    if before is None:
        return True
    if now.exercise != before.exercise:
        return library[before.exercise].easier != now.exercise
    return switched_version(library[now.exercise], before.load_index, now.load_index)
