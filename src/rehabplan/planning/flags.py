"""What the clinician must read after ``adjust``: every red flag with its week, date and the
patient's own words, the holds, repeated red sessions with the exercise's name and the worst
session, adherence, and no improvement by the reassessment week (only when there was pain to
improve)."""

from __future__ import annotations

from rehabplan.errors import count
from rehabplan.models import Flag, Hold, Program
from rehabplan.planning.painrule import PainRule, pain_rule
from rehabplan.planning.redflags import BY_ID, Hit
from rehabplan.sources.library import Library
from rehabplan.sources.log import LogEntry

# NPRS minimal important change: about 2 points or 30 % (design choice from the brief).
NPRS_CHANGE_POINTS = 2
NPRS_CHANGE_SHARE = 0.3
# "No improvement" is asked only when there was pain to improve.
NPRS_BASELINE_TO_IMPROVE = 3


def clinician_flags(
    program: Program, entries: list[LogEntry], hits: list[Hit], holds: list[Hold], library: Library
) -> list[Flag]:
    """Every flag for the clinician, red flags first (urgent, then review)."""
    rule = pain_rule(program.pain)
    return [
        *_red_flag_flags(hits),
        *_spread_review_flags(holds),
        *_unnamed_red_flags(entries, rule),
        *_repeated_red_flags(program, entries, rule, library),
        *_adherence_flags(program, entries),
        *_no_improvement_flags(program, entries),
    ]


def _red_flag_flags(hits: list[Hit]) -> list[Flag]:
    flags: list[Flag] = []
    for level in ("urgent", "review"):
        by_cat: dict[str, list[Hit]] = {}
        for h in hits:
            if h.level == level:
                by_cat.setdefault(h.category, []).append(h)
        action = (
            "contact the patient today; the plan is on hold"
            if level == "urgent"
            else "progression holds until you have seen the patient"
        )
        for cat, hs in by_cat.items():
            flags.append(
                Flag(
                    level=level,
                    message=f"{BY_ID[cat].clinician}: {action}",
                    rows=sorted({h.row for h in hs if h.row}),
                    weeks=sorted({h.week for h in hs if h.week}),
                    words=list(dict.fromkeys(h.describe() for h in hs)),
                )
            )
    return flags


def _spread_review_flags(holds: list[Hold]) -> list[Flag]:
    return [
        Flag(level="review", message=f"{hold.reason}: review the nerve load; the plan is on hold", rows=hold.rows)
        for hold in holds
        if hold.level == "review" and "spread" in hold.reason
    ]


def _is_red(e: LogEntry, rule: PainRule) -> bool:
    return rule.light(e.pain_during, e.pain_next_morning, e.spread)[0] == "red"


def _severity(e: LogEntry) -> tuple[int, bool]:
    """How bad a session was: its worst pain, then spreading symptoms."""
    return max(e.pain_during or 0, e.pain_next_morning or 0), e.spread


def _unnamed_red_flags(entries: list[LogEntry], rule: PainRule) -> list[Flag]:
    """Red sessions that did not name the exercise that hurt (every exercise holds meanwhile)."""
    unnamed = [e for e in entries if e.done and e.per_session and not e.exercise and _is_red(e, rule)]
    if not unnamed:
        return []
    worst = max(unnamed, key=_severity)
    why = rule.light(worst.pain_during, worst.pain_next_morning, worst.spread)[1]
    return [
        Flag(
            level="review",
            message=(
                f"{count(len(unnamed), 'red session')} without the exercise that hurt; worst: week {worst.week}"
                + (f" {worst.date.isoformat()}" if worst.date else "")
                + f", {why}: ask which exercise hurt (all are held meanwhile)"
            ),
            rows=[e.row for e in unnamed],
            weeks=sorted({e.week for e in unnamed}),
        )
    ]


def _repeated_red_flags(program: Program, entries: list[LogEntry], rule: PainRule, library: Library) -> list[Flag]:
    """An exercise with as many red sessions as the protocol flags: review the exercise choice."""
    reds: dict[str, list[tuple[LogEntry, str]]] = {}
    for e in entries:
        if not e.done:
            continue
        light, why = rule.light(e.pain_during, e.pain_next_morning, e.spread)
        if light == "red" and e.exercise:
            reds.setdefault(e.exercise, []).append((e, why))
    flags: list[Flag] = []
    for ex, items in reds.items():
        if len(items) < program.pain.red_sessions_flag:
            continue
        worst, why = max(items, key=lambda it: _severity(it[0]))
        when = f"week {worst.week}" + (
            f" {worst.date.isoformat()}" if worst.date else (f" session {worst.session}" if worst.session else "")
        )
        name = library[ex].name if ex in library else ex
        flags.append(
            Flag(
                level="review",
                message=f"{len(items)} red sessions for {name} ({ex}); worst: {when}, {why}: review the exercise choice",
                rows=[x.row for x, _ in items],
                weeks=sorted({x.week for x, _ in items}),
            )
        )
    return flags


def _adherence_flags(program: Program, entries: list[LogEntry]) -> list[Flag]:
    if not entries:
        return []
    done = sum(1 for e in entries if e.done)
    if all(e.per_session for e in entries):
        adherence = done / len({(e.week, e.session, e.row) for e in entries})
    else:
        adherence = done / len(entries)
    below = program.pain.adherence_flag_below
    if adherence >= below:
        return []
    return [
        Flag(level="review", message=f"adherence {adherence:.0%} of logged sessions is below {below:.0%}: talk about barriers")
    ]


def _no_improvement_flags(program: Program, entries: list[LogEntry]) -> list[Flag]:
    """No improvement by the reassessment week: the first logged week's mean pain against the
    first at or after it, asked only when there was pain to improve."""
    reassess = program.reassessment_week
    logged_weeks = sorted({e.week for e in entries if e.pain_during is not None})
    later = [w for w in logged_weeks if w >= reassess]
    if not later or logged_weeks[0] >= reassess:
        return []

    def mean(week: int) -> float:
        vals = [e.pain_during for e in entries if e.week == week and e.pain_during is not None]
        return sum(vals) / len(vals) if vals else 0.0

    base, now = mean(logged_weeks[0]), mean(later[0])
    if not (base >= NPRS_BASELINE_TO_IMPROVE and base - now < NPRS_CHANGE_POINTS and (base - now) / base < NPRS_CHANGE_SHARE):
        return []
    return [
        Flag(
            level="review",
            message=(
                f"no improvement in pain by week {later[0]} (week {logged_weeks[0]} {base:.1f}/10, "
                f"week {later[0]} {now:.1f}/10; less than 2 points or 30 %): reassess "
                "(NICE: disabling root symptoms after 6 weeks need a specialist)"
            ),
            weeks=[logged_weeks[0], later[0]],
        )
    ]
