"""The closed loop's safety rules (clinical brief, "The closed loop") as properties of `adjust`
over random patients and random pain logs: red asks less, amber no more; spreading symptoms,
red flags and a missed phase criterion bring nothing new and nothing harder; every dose stays in
its exercise's bounds and every session in the patient's minutes; and all of it again when an
adjusted program is adjusted with a longer log."""

from __future__ import annotations

from typing import NamedTuple

from hypothesis import given
from hypothesis import strategies as st

from rehabplan.models import DoseKind, Program, Tempo
from rehabplan.outputs.export import program_json
from rehabplan.planning.adjust import adjust
from rehabplan.planning.lights import decide, items_of
from rehabplan.planning.painrule import pain_rule
from rehabplan.planning.progression import Dose, deload
from rehabplan.planning.redflags import QUESTION_COLUMNS
from rehabplan.planning.regress import lighter, not_harder
from rehabplan.planning.timelines import Track, track_of
from rehabplan.sources.log import LogEntry
from tests.test_adjust_timelines import LIBRARY, SETTINGS, assert_totals_match_the_sessions, planned_programs

URGENT = QUESTION_COLUMNS[:4]
REVIEW = QUESTION_COLUMNS[4:]
# Session scores: (pain during, the next morning, spread) in the sciatica protocols' rule.
KINDS = {
    "red": (7, 7, False),
    "amber": (4, 4, False),
    "worse-next-morning": (2, 3, False),
    "spread": (2, 2, True),
}


class Planned:
    """A random patient's program, shown by its patient when a property fails."""

    def __init__(self, program: Program) -> None:
        self.program = program

    def __repr__(self) -> str:
        return f"plan({self.program.patient!r})"


class Event(NamedTuple):
    """One session that did not go well: which week (counted back from the last logged one),
    which session, how, and whether it names an exercise (an index into the week's exercises)."""

    back: int
    session: int
    kind: str
    named: int | None


class Script(NamedTuple):
    """A log to write against a program: the weeks logged, the sessions that did not go well,
    a red-flag answer or note, and the clinician's release."""

    last: int
    events: list[Event]
    flag: str | None
    release: bool


@st.composite
def scripts(draw, last_from: int = 1) -> Script:
    return Script(
        last=draw(st.integers(last_from, last_from + 12)),
        events=draw(
            st.lists(
                st.builds(
                    Event,
                    st.integers(0, 2),
                    st.integers(0, 5),
                    st.sampled_from(sorted(KINDS)),
                    st.one_of(st.none(), st.integers(0, 20)),
                ),
                max_size=3,
            )
        ),
        flag=draw(st.sampled_from([None, None, None, *URGENT, *REVIEW, "note: my foot slaps when I walk", "note: I fell"])),
        release=draw(st.booleans()),
    )


def log_of(program: Program, script: Script, entries: list[LogEntry] = ()) -> tuple[int, list[LogEntry]]:
    """(the last logged week, the entries): ``entries`` kept, then every session of the weeks
    after them to ``script.last`` done at 1/10 but for the script's events."""
    n = len(program.weeks)
    done = max((e.week for e in entries), default=0)
    last = min(max(script.last, done + 1), n - 1)
    out = list(entries)
    row = max((e.row for e in entries), default=1)
    bad = {(last - ev.back, ev.session % max(1, len(program.weeks[last - ev.back - 1].sessions))): ev for ev in script.events}
    for week in range(done + 1, last + 1):
        items = items_of(program.weeks[week - 1])
        for s in range(len(program.weeks[week - 1].sessions)):
            row += 1
            pain, morning, spread, named, note, answers = 1, 1, False, None, "", ()
            ev = bad.get((week, s))
            if ev is not None:
                pain, morning, spread = KINDS[ev.kind]
                named = items[ev.named % len(items)].exercise if ev.named is not None and items else None
            if week == last and s == 0 and script.flag:
                note, answers = (script.flag[6:], ()) if script.flag.startswith("note:") else ("", (script.flag,))
            out.append(LogEntry(row, week, s + 1, named, True, pain, morning, spread, note, True, None, (), answers))
    return last, out


def tracks(program: Program) -> dict[str, Track]:
    return {t.slot: track_of(t) for t in program.timelines}


def full_weeks_from(program: Program, week: int) -> list[int]:
    return [w for w in range(week, len(program.weeks) + 1) if w not in program.deload_weeks]


def done_dose(program: Program, track: Track, week: int) -> Dose:
    """The dose the patient did in ``week``: a lighter week's cut applied."""
    dose = track.doses[week]
    ex = LIBRARY[dose.exercise]
    if week in program.deload_weeks and ex.is_loading:
        pyramid = track.rule == "pyramid" and ex.dosage.kind is DoseKind.hold
        return deload(dose, ex, program.deload_volume_factor, program.patient.age_band.value == "older", pyramid)
    return dose


def tolerated_week(program: Program, entries: list[LogEntry], start: int, spread: bool) -> int:
    """The week a hold keeps: the last full week before ``start`` (after spreading symptoms, the
    last full week logged without them)."""
    full = [w for w in range(1, start) if w not in program.deload_weeks] or [1]
    if spread:
        spread_weeks = {e.week for e in entries if e.spread}
        calm = [w for w in full if w not in spread_weeks]
        return calm[-1] if calm else full[-1]
    return full[-1]


def assert_nothing_new_or_harder(before: Program, after: Program, entries: list[LogEntry], spread: bool) -> None:
    start = after.adjusted_from_week
    base = tolerated_week(before, entries, start, spread)
    had, now = tracks(before), tracks(after)
    for slot, t in now.items():
        for week in (w for w in sorted(t.doses) if w >= start):
            d = t.doses[week]
            where = (slot, week, base, d, had.get(slot) and had[slot].doses.get(base))
            assert slot in had and base in had[slot].doses, ("new", *where)
            assert not LIBRARY[d.exercise].is_tensioner or not spread, ("tensioner", *where)
            assert not_harder(d, had[slot].doses[base], LIBRARY) or lighter(
                d, had[slot].doses[base], LIBRARY, t, before.patient
            ), ("harder", *where)


def assert_in_bounds_and_minutes(after: Program) -> None:
    for week in after.weeks[after.adjusted_from_week - 1 :]:
        for s in week.sessions:
            assert s.minutes <= after.patient.minutes, (week.number, s.name, s.minutes)
        for p in items_of(week):
            ex = LIBRARY[p.exercise]
            d = ex.dosage
            cut = week.deload and ex.is_loading  # a lighter week may go below the bottom of a range
            where = (week.number, p.exercise, p.sets, p.reps, p.hold_s, p.minutes)
            assert p.sets <= d.sets.max and (cut or p.sets >= d.sets.min), where
            if d.reps and len(set(p.reps)) == 1:
                assert p.reps[0] <= d.reps.max and (cut or p.reps[0] >= d.reps.min), where
            if d.kind is DoseKind.hold:
                assert p.hold_s <= d.hold_s.max, where
            if d.kind is DoseKind.reps and p.tempo:
                slowest = d.tempo_slowest or d.tempo
                assert d.tempo.rep_s <= Tempo.parse(p.tempo).rep_s <= slowest.rep_s, where
            if d.kind is DoseKind.duration:
                assert d.minutes.min <= p.minutes <= d.minutes.max, where
            if d.load_options:
                assert p.load in d.load_options, where


def assert_red_asks_less_and_amber_no_more(before: Program, after: Program, entries: list[LogEntry], last: int) -> None:
    start = after.adjusted_from_week
    had, now = tracks(before), tracks(after)
    nxt = full_weeks_from(after, start)
    for slot, decision in decide(before, entries).items():
        if decision.light == "green" or decision.entry.week != last or slot not in had or slot not in now or not nxt:
            continue
        if nxt[0] not in now[slot].doses or last not in had[slot].doses:
            continue
        hurt, then = done_dose(before, had[slot], last), now[slot].doses[nxt[0]]
        where = (slot, decision.light, last, nxt[0], hurt, then)
        if decision.light == "red":
            flagged = any(decision.exercise in f.message and f.level == "review" for f in after.flags)
            assert lighter(then, hurt, LIBRARY, now[slot], before.patient) or flagged, where
        else:
            assert not lighter(hurt, then, LIBRARY, now[slot], before.patient), where


def check(before: Program, after: Program, entries: list[LogEntry], last: int, released: bool) -> None:
    start = after.adjusted_from_week
    assert start == last + 1
    assert after.weeks[: start - 1] == before.weeks[: start - 1]  # past weeks never change
    assert_totals_match_the_sessions(after)
    assert_in_bounds_and_minutes(after)
    assert_red_asks_less_and_amber_no_more(before, after, entries, last)
    levels = [h.level for h in after.holds]
    latest = [e for e in entries if e.week == last]
    rule = pain_rule(before.pain)
    if not released and any(set(e.answers) & set(URGENT) or "foot slaps" in e.note for e in latest):
        assert levels[:1] == ["urgent"], levels
    if levels:
        spread = any(h.level == "spread" or "spread" in h.reason for h in after.holds)
        assert_nothing_new_or_harder(before, after, entries, spread)
    elif any(rule.light(e.pain_during, e.pain_next_morning, e.spread)[0] != "green" for e in latest):
        raise AssertionError(f"week {last} missed the pain rule and nothing holds")
    for b in after.blocked:  # a tensioner that provoked spread stays out until cleared
        assert all(p.exercise != b.exercise for w in after.weeks[start - 1 :] for p in items_of(w)), b


def adjusted(program: Program, script: Script, entries: list[LogEntry] = ()) -> tuple[Program, list[LogEntry], int]:
    last, log = log_of(program, script, entries)
    release = script.release and bool(entries)  # the clinician saw the patient after the first log
    new = adjust(program, LIBRARY, log, release=release)
    check(program, new, log, last, release)
    return new, log, last


@SETTINGS
@given(planned_programs().map(Planned), scripts())
def test_an_adjusted_program_keeps_the_loops_safety_rules(planned, script):
    adjusted(planned.program, script)


@SETTINGS
@given(planned_programs().map(Planned), scripts(), scripts())
def test_an_adjusted_program_adjusted_again_with_a_longer_log_keeps_them(planned, first, second):
    program = planned.program
    once, log, last = adjusted(program, first)
    if last + 1 >= len(program.weeks):
        return
    once = Program.model_validate_json(program_json(once))
    adjusted(once, second._replace(last=last + 1 + second.last % 6), log)


def _plan(**fields) -> Program:
    import datetime as dt

    import rehabplan
    from rehabplan.models import Patient
    from tests.test_adjust_timelines import PROTOCOLS

    base = dict(id="P", name="Pat", start_date=dt.date(2026, 1, 5), side="left", bilateral_screened=True)
    patient = Patient(**{**base, **fields})
    return rehabplan.plan(LIBRARY, PROTOCOLS[patient.protocol], patient)


def test_amber_in_a_lighter_week_holds_the_lighter_dose_not_the_full_one_before_it():
    # A 5-week deep gluteal plan lightens week 4; pain at 4/10 that week means the lighter dose
    # was already a little too much, so week 5 must not go back up to week 3's longer holds.
    program = _plan(protocol="deep-gluteal-syndrome", weeks=5, sessions_per_week=2, irritability="moderate", minutes=15)
    assert 4 in program.deload_weeks
    last, log = log_of(program, Script(last=4, events=[Event(0, 0, "amber", None)], flag=None, release=False))
    new = adjust(program, LIBRARY, log)
    check(program, new, log, last, False)
    turn_out = tracks(new)["hip-external-rotation"].doses[5]
    assert turn_out.hold_s == done_dose(program, tracks(program)["hip-external-rotation"], 4).hold_s == 10


def test_a_plan_taken_up_again_after_a_hold_still_fits_the_patients_minutes():
    # A 15-minute plan held a week by an amber week 1, then taken up again after a green week 3:
    # one change a week moved the exercises' plans by different weeks, and week 12 joined steps
    # the planner never put together (15.5 minutes). A step that does not fit waits a week.
    program = _plan(protocol="deep-gluteal-syndrome", weeks=12, sessions_per_week=2, irritability="moderate", minutes=15)
    once, log, _ = adjusted(program, Script(last=1, events=[Event(0, 0, "amber", None)], flag=None, release=False))
    once = Program.model_validate_json(program_json(once))
    twice, _, _ = adjusted(once, Script(last=3, events=[], flag=None, release=False), log)
    assert not twice.holds
    assert all(s.minutes <= 15 for w in twice.weeks for s in w.sessions)
