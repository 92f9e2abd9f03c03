"""Pain-guided progression: the patient's filled-in log -> an adjusted program.

The pain-monitoring model (Silbernagel et al. 2007; traffic-light wording from NHS AHP Suffolk;
thresholds are the protocol's ``pain`` rules, design choices documented there):

* green  — progress as planned;
* amber  — hold the dose for a week, then carry on (the plan slides one week later);
* red    — regress: go back two steps of the exercise's own plan (or to its easier variant
           when it is already at the start), then progress again from there.

Only weeks after the last logged week change; past weeks are never touched. Flags for the
clinician: repeated reds, low adherence, no improvement by the reassessment week, and any
note that sounds like a red flag (urgent).

Everything here is pure except ``read_log``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import PatientError, Problem
from .library import Library
from .models import Adjustment, DoseKind, Flag, Prescription, Program, Session, Tempo, Week
from .progression import Dose, deload
from .yaml_source import load_yaml, row_of

LOG_FIELDS = ["week", "session", "date", "exercise", "done", "sets", "reps", "hold_s",
              "pain_during", "pain_next_morning", "spread", "note"]
# A row counts as logged once any of these is filled in; the template fills in only week,
# session and exercise, so the rest of a fresh template is the weeks still to come.
ANSWER_FIELDS = ("done", "sets", "reps", "hold_s", "pain_during", "pain_next_morning", "spread", "note")
YES = {"yes", "y", "true", "1", "x", "✓"}
NO = {"no", "n", "false", "0", ""}

# Words in a free note that may mean a red flag (clinical brief: cauda equina and serious
# pathology). Any match makes an urgent flag: a person must read the note today.
RED_FLAG_WORDS = re.compile(
    r"both legs|saddle|genital|groin numb|numb(ness)? (around|between|in) (my )?(bottom|back passage|privates)|"
    r"bladder|bowel|can'?t (pee|wee|urinate)|cannot (pee|wee|urinate)|wet myself|incontinen|pee|poo|"
    r"foot drop|drop(ping)? my foot|fever|weight loss|night pain|cancer",
    re.IGNORECASE,
)


_UNREADABLE = "__unreadable__"  # marks a YAML log row holding a value that could not be read
URGENT_MESSAGE = ("a note may describe a red flag (bladder, bowel, saddle numbness, both legs, foot drop, fever): "
                  "contact the patient today")


@dataclass(frozen=True)
class LogEntry:
    row: int
    week: int
    session: int | None
    exercise: str
    done: bool
    pain_during: int | None
    pain_next_morning: int | None
    spread: bool
    note: str


# --------------------------------------------------------------------------- reading the log


def read_log(path: Path | str, program: Program) -> tuple[list[LogEntry], list[Problem]]:
    """Read a CSV or YAML log. Bad rows are reported with their row numbers; the rest is used."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        located, problems = load_yaml(path, 5_000_000, partial=True)
        if located is None or (problems and any(row_of(p) is None for p in problems)):
            raise PatientError(f"the log {path} cannot be read", problems)
        if not isinstance(located.data, list):
            raise PatientError(f"the log {path} must be a list of entries", [Problem(path, 1, "", "expected a YAML list", "run 'rehabplan log-template' for the format")])
        # A value that cannot be read (date: 2026-02-30) costs its row only.
        unreadable = {row_of(p): p for p in problems}
        rows = [(located.line_of((i,)) or i + 1,
                 (r if isinstance(r, dict) else {}) | ({_UNREADABLE: unreadable[i]} if i in unreadable else {}))
                for i, r in enumerate(located.data)]
    else:
        from .spreadsheet import dict_reader, read_csv_text

        text, problem = read_csv_text(path, 5_000_000)
        if problem:
            raise PatientError(f"the log {path} cannot be read", [problem])
        reader = dict_reader(text)
        unknown = [f for f in (reader.fieldnames or []) if f and f.strip() not in LOG_FIELDS]
        twice = sorted({f.strip() for f in reader.fieldnames or [] if f and [g.strip() for g in reader.fieldnames].count(f.strip()) > 1})
        if twice:  # csv.DictReader would silently keep the last of the two
            raise PatientError(f"the log {path} names a column twice", [
                Problem(path, 1, f, "this column appears more than once", "keep one of them") for f in twice])
        if not reader.fieldnames or unknown:
            raise PatientError(f"the log {path} has {'no header' if not reader.fieldnames else 'unknown columns: ' + ', '.join(unknown)}",
                               [Problem(path, 1, "", "columns are " + ", ".join(LOG_FIELDS), "run 'rehabplan log-template' for the format")])
        rows = []
        for r in reader:
            rows.append((reader.line_num, {k.strip(): v for k, v in r.items() if k}))
    return parse_rows(rows, program, path)


def parse_rows(rows, program: Program, source) -> tuple[list[LogEntry], list[Problem]]:
    exercises = {p.exercise for w in program.weeks for p in _items(w)}
    entries: list[LogEntry] = []
    problems: list[Problem] = []
    for line, raw in rows:
        def bad(field: str, message: str, fix: str = "") -> None:
            problems.append(Problem(source, line, field, message, fix))

        n_before = len(problems)
        data = {k: ("" if v is None else str(v).strip()) for k, v in raw.items() if k != _UNREADABLE}
        # Red-flag words first, on every row: a note about bladder or saddle numbness on a row
        # with a typo elsewhere must still reach the clinician today.
        urgent = bool(RED_FLAG_WORDS.search(data.get("note", "")))
        if _UNREADABLE in raw:
            p = raw[_UNREADABLE]
            bad(p.field.split(".", 1)[-1], p.message, p.fix)
        elif not any(data.get(f) for f in ANSWER_FIELDS):
            continue  # a template row not filled in yet: a session still to come, not a missed one
        ex = data.get("exercise", "")
        if ex not in exercises:
            bad("exercise", f"'{ex}' is not in this program" if ex else "missing", "use an exercise id from the program (see log-template)")
        week = _week_of(data, program, bad)
        session = None
        if data.get("session"):
            try:
                session = int(data["session"])
                if not 1 <= session <= program.patient.sessions_per_week:
                    bad("session", f"{session} is not a session of the week (1-{program.patient.sessions_per_week})")
            except ValueError:
                bad("session", f"'{data['session']}' is not a number")
        done = data.get("done", "").lower()
        if done not in YES | NO:
            bad("done", f"'{data.get('done')}' is not yes or no")
        spread = data.get("spread", "").lower()
        if spread not in YES | NO:
            bad("spread", f"'{data.get('spread')}' is not yes or no")
        pains = {}
        for field in ("pain_during", "pain_next_morning"):
            value = data.get(field, "")
            if value == "":
                pains[field] = None
                continue
            try:
                pains[field] = int(value)
                if not 0 <= pains[field] <= 10:
                    raise ValueError
            except ValueError:
                bad(field, f"'{value}' is not a pain score from 0 to 10")
        if len(problems) > n_before:
            if urgent:
                problems.append(UrgentNote(source, line, "note", "this row is skipped, but its note may describe a red flag",
                                           "contact the patient today"))
            continue
        entries.append(LogEntry(line, week, session, ex, done in YES, pains["pain_during"], pains["pain_next_morning"], spread in YES, data.get("note", "")))
    return entries, problems


@dataclass(frozen=True)
class UrgentNote(Problem):
    """A log row that could not be used but whose note may describe a red flag."""


def urgent_rows(problems: list[Problem]) -> list[int]:
    """Rows skipped as invalid whose notes still need the clinician today."""
    return [p.line for p in problems if isinstance(p, UrgentNote) and p.line is not None]


def with_urgent_rows(program: Program, rows: list[int]) -> Program:
    """Add the skipped rows with red-flag notes to the program's urgent flag."""
    if not rows:
        return program
    flags = list(program.flags)
    for i, flag in enumerate(flags):
        if flag.level == "urgent":
            flags[i] = flag.model_copy(update={"rows": sorted(set(flag.rows) | set(rows))})
            break
    else:
        flags.insert(0, Flag(level="urgent", message=URGENT_MESSAGE, rows=sorted(rows)))
    return program.model_copy(update={"flags": flags})


def _week_of(data: dict, program: Program, bad) -> int:
    week = None
    if data.get("week"):
        try:
            week = int(data["week"])
        except ValueError:
            bad("week", f"'{data['week']}' is not a number")
            return 0
    if data.get("date"):
        try:
            day = dt.date.fromisoformat(data["date"])
        except ValueError:
            bad("date", f"'{data['date']}' is not a date", "write YYYY-MM-DD")
            return 0
        if not program.start <= day <= program.end:
            bad("date", f"{day} is outside the program ({program.start} to {program.end})")
            return 0
        from_date = (day - program.start).days // 7 + 1
        if week is not None and week != from_date:
            bad("week", f"week {week} does not match the date {day} (week {from_date})")
            return 0
        week = from_date
    if week is None:
        bad("week", "missing", "give the week number or the date")
        return 0
    if not 1 <= week <= len(program.weeks):
        bad("week", f"week {week} is outside the program (1-{len(program.weeks)})")
    return week


# --------------------------------------------------------------------------- the model


def light_of(entry: LogEntry, program: Program) -> tuple[str, str]:
    """Traffic light of one logged session, with the reason in words."""
    rules = program.pain
    during, morning = entry.pain_during, entry.pain_next_morning
    if rules.spread_is_red and entry.spread:
        return "red", "symptoms spread down the leg"
    if during is not None and during > rules.red_above:
        return "red", f"pain {during}/10 during (limit {rules.red_above})"
    if morning is not None and morning > rules.red_above:
        return "red", f"pain {morning}/10 the next morning (limit {rules.red_above})"
    if rules.next_morning_worse_is_red and during is not None and morning is not None and morning > during:
        return "red", f"worse the next morning ({during} -> {morning}/10)"
    if (during or 0) >= rules.amber_from or (morning or 0) >= rules.amber_from:
        return "amber", f"pain {max(during or 0, morning or 0)}/10 (modify from {rules.amber_from})"
    return "green", "pain within the safe range"


def adjust(program: Program, library: Library, entries: list[LogEntry], from_week: int | None = None) -> Program:
    """The adjusted program: weeks from ``from_week`` (default: after the last logged week)."""
    if from_week is not None and not 1 <= from_week <= len(program.weeks):
        raise PatientError(f"--from-week {from_week} is not a week of this {len(program.weeks)}-week program",
                           [Problem(None, None, "from_week", f"{from_week} is out of range", f"use a week from 1 to {len(program.weeks)}")])
    if not entries and from_week is None:
        raise PatientError("the log has no usable rows; nothing to adjust")
    last_logged = max((e.week for e in entries), default=0)
    start = from_week or last_logged + 1
    if start > len(program.weeks):
        raise PatientError(f"the log reaches week {last_logged}: no weeks are left to adjust")
    by_slot_exercise = {p.exercise: p.slot for w in program.weeks for p in _items(w)}

    decisions: dict[str, tuple[str, str, str]] = {}  # slot -> (light, reason, exercise)
    for slot in dict.fromkeys(by_slot_exercise[e.exercise] for e in entries):
        slot_entries = [e for e in entries if by_slot_exercise[e.exercise] == slot and e.done]
        if not slot_entries:
            continue
        latest = max(e.week for e in slot_entries)
        lights = [(light_of(e, program), e) for e in slot_entries if e.week == latest]
        worst = max(lights, key=lambda le: ["green", "amber", "red"].index(le[0][0]))
        decisions[slot] = (worst[0][0], f"week {latest}: {worst[0][1]}", worst[1].exercise)

    new_weeks = list(program.weeks[: start - 1])
    adjustments: list[Adjustment] = []
    timelines = {slot: _timeline(program, slot) for slot in decisions}
    changes: dict[str, str] = {}
    for week in program.weeks[start - 1:]:
        swap: dict[str, Prescription | None] = {}
        for slot, (light, reason, _) in decisions.items():
            if light == "green" or not any(p.slot == slot for p in _items(week)):
                continue
            rx, change = _shifted(program, library, slot, week, start, light, timelines[slot])
            swap[slot] = rx
            changes.setdefault(slot, change)
        new_weeks.append(_replace_in_week(week, swap, library, program) if swap else week)
    for slot, (light, reason, ex) in decisions.items():
        adjustments.append(Adjustment(slot=slot, exercise=ex, light=light, reason=reason,
                                      change=changes.get(slot, "progress as planned" if light == "green" else "no later weeks of this exercise")))
    flags = clinician_flags(program, entries, decisions)
    return program.model_copy(update={
        "weeks": new_weeks, "adjusted_from_week": start, "adjustments": adjustments, "flags": flags,
    })


def _timeline(program: Program, slot: str) -> list[tuple[int, Prescription]]:
    """The slot's planned doses in the weeks that are not deloads, in order."""
    out = []
    for week in program.weeks:
        if week.deload:
            continue
        for p in _items(week):
            if p.slot == slot:
                out.append((week.number, p))
                break
    return out


def _shifted(program: Program, library: Library, slot: str, week: Week, start: int, light: str, timeline) -> tuple[Prescription, str]:
    """The dose for ``slot`` in ``week``: amber slides the plan one step, red two steps back."""
    index = {n: i for i, (n, _) in enumerate(timeline)}
    done_index = max((i for n, i in index.items() if n < start), default=0)
    steps_done = sum(1 for w in program.weeks[start - 1: week.number] if not w.deload)
    if light == "amber":
        # hold: this week repeats the last done dose; then the plan continues a step behind
        target = done_index + steps_done - 1
        change = f"hold at {_dose(timeline[done_index][1])} for a week, then continue"
    else:
        target = done_index + steps_done - 3
        change = f"back to {_dose(timeline[max(done_index - 2, 0)][1])}, then build again"
    if target < 0:
        rx = _regress(timeline[0][1], library)
        change = f"easier: {rx.name} {_dose(rx)}" if rx.exercise != timeline[0][1].exercise else f"lower dose: {_dose(rx)}"
    else:
        rx = timeline[min(target, len(timeline) - 1)][1]
    note = "same as before: your pain said wait" if light == "amber" else "made easier: your pain said too much"
    if week.deload:
        rx = _deload_rx(rx, library, program)
        note = "easier week on purpose (deload)"
    return rx.model_copy(update={"note": note}), change


def _regress(rx: Prescription, library: Library) -> Prescription:
    """One step below the plan's first dose: the easier variant, or the bottom of the ranges."""
    ex = library[rx.exercise]
    easier = ex.easier
    if easier and easier in library and library[easier].dosage.kind is ex.dosage.kind:
        target = library[easier]
        d = target.dosage
        sets = int(d.sets.clamp(rx.sets))
        reps = int(d.reps.min) if d.reps else 1
        tempo = d.tempo
        return rx.model_copy(update={
            "exercise": target.id, "name": target.name, "category": target.category, "sets": sets,
            "reps": [reps] * sets, "tempo": str(tempo) if tempo and d.kind is DoseKind.reps else None,
            "tut_per_set_s": reps * tempo.rep_s if tempo and d.kind is DoseKind.reps else (reps * rx.hold_s if rx.hold_s else None),
            "rest_s": int(d.rest_s.default), "load": d.load_options[0] if d.load_options else None,
        })
    return _deload_rx(rx, library, None, factor=0.6)


def _deload_rx(rx: Prescription, library: Library, program: Program | None, factor: float | None = None) -> Prescription:
    ex = library[rx.exercise]
    d = ex.dosage
    tempo = Tempo.parse(rx.tempo) if rx.tempo else d.tempo
    load_index = d.load_options.index(rx.load) if rx.load in d.load_options else 0
    dose = Dose(rx.exercise, rx.sets, rx.reps[0], rx.hold_s, rx.minutes, tempo, load_index)
    older = program is not None and program.patient.age_band.value == "older"
    new = deload(dose, ex, factor or 0.6, older)
    reps = [max(1, r - (dose.reps - new.reps)) for r in rx.reps[: new.sets]]
    tut = rx.tut_per_set_s
    if d.kind is DoseKind.reps and tempo:
        tut = reps[0] * tempo.rep_s
    elif d.kind is DoseKind.hold and new.hold_s:
        tut = reps[0] * new.hold_s
    return rx.model_copy(update={"sets": new.sets, "reps": reps, "hold_s": new.hold_s, "minutes": new.minutes, "tut_per_set_s": tut})


def _replace_in_week(week: Week, swap: dict[str, Prescription], library: Library, program: Program) -> Week:
    daily = [swap.get(p.slot, p) for p in week.every_day]
    sessions = [
        Session(number=s.number, prescriptions=[swap.get(p.slot, p) for p in s.prescriptions], minutes=s.minutes)
        for s in week.sessions
    ]
    volume = sum(p.sets * p.per_week for p in {p.slot: p for p in daily + [p for s in sessions for p in s.prescriptions]}.values()
                 if library[p.exercise].is_loading)
    return week.model_copy(update={"every_day": daily, "sessions": sessions, "volume_sets": volume})


def clinician_flags(program: Program, entries: list[LogEntry], decisions: dict) -> list[Flag]:
    rules = program.pain
    flags: list[Flag] = []
    urgent = [e.row for e in entries if e.note and RED_FLAG_WORDS.search(e.note)]
    if urgent:
        flags.append(Flag(level="urgent", message=URGENT_MESSAGE, rows=urgent))
    reds: dict[str, list[int]] = {}
    for e in entries:
        if e.done and light_of(e, program)[0] == "red":
            reds.setdefault(e.exercise, []).append(e.row)
    for ex, rows in reds.items():
        if len(rows) >= rules.red_sessions_flag:
            flags.append(Flag(level="review", message=f"{len(rows)} red sessions for {ex}: review the exercise choice", rows=rows))
    logged_weeks = sorted({e.week for e in entries})
    if entries:
        # The log template has a row for every planned exercise of every session: adherence
        # is the share of those rows marked done.
        adherence = sum(1 for e in entries if e.done) / len(entries)
        if adherence < rules.adherence_flag_below:
            flags.append(Flag(level="review", message=f"adherence {adherence:.0%} of logged sessions is below {rules.adherence_flag_below:.0%}: talk about barriers"))
    reassess = program.reassessment_week
    if reassess in logged_weeks and 1 in logged_weeks:
        def mean(week: int) -> float:
            vals = [e.pain_during for e in entries if e.week == week and e.pain_during is not None]
            return sum(vals) / len(vals) if vals else 0.0
        if mean(reassess) >= mean(1):
            flags.append(Flag(level="review", message=f"no improvement in pain by week {reassess}: reassess (NICE: disabling root symptoms after 6 weeks need a specialist)"))
    return flags


def remaining(program: Program) -> Program:
    """The adjusted program from its first changed week on: what a new handout should print
    (the patient already holds the weeks before it)."""
    if not program.adjusted_from_week:
        return program
    weeks = program.weeks[program.adjusted_from_week - 1:]
    return program.model_copy(update={"weeks": weeks, "start": weeks[0].start})


def log_template(program: Program) -> str:
    """A CSV the patient or clinician fills in: one row per exercise per session."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LOG_FIELDS)
    for week in program.weeks:
        for s in week.sessions:
            for p in week.every_day + s.prescriptions:
                w.writerow([week.number, s.number, "", p.exercise, "", "", "", "", "", "", "", ""])
    return buf.getvalue()


def _items(week: Week) -> list[Prescription]:
    return week.every_day + [p for s in week.sessions for p in s.prescriptions]


def _dose(p: Prescription) -> str:
    if p.kind is DoseKind.duration:
        return f"{p.minutes} min"
    if p.kind is DoseKind.hold:
        return f"{p.sets}x{p.reps_text}x{p.hold_s}s"
    return f"{p.sets}x{p.reps_text}"
