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
from dataclasses import dataclass, replace
from pathlib import Path

from rehabplan.errors import PatientError, Problem
from rehabplan.models import Adjustment, AgeBand, DoseKind, Flag, Prescription, Program, Week
from rehabplan.planning.progression import Context, Dose, deload, start_dose
from rehabplan.sources.library import Library
from rehabplan.sources.yaml_file import load_yaml, row_of

LOG_FIELDS = [
    "week",
    "session",
    "date",
    "exercise",
    "done",
    "sets",
    "reps",
    "hold_s",
    "pain_during",
    "pain_next_morning",
    "spread",
    "note",
]
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
from rehabplan.planning.choice import excluded
from rehabplan.planning.rules import volume_allowance
from rehabplan.planning.timelines import Track, materialise, timeline_model, track_of, track_seconds, track_sets

_UNREADABLE = "__unreadable__"  # marks a YAML log row holding a value that could not be read
URGENT_MESSAGE = (
    "a note may describe a red flag (bladder, bowel, saddle numbness, both legs, foot drop, fever): contact the patient today"
)


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
            raise PatientError(
                f"the log {path} must be a list of entries",
                [Problem(path, 1, "", "expected a YAML list", "run 'rehabplan log-template' for the format")],
            )
        # A value that cannot be read (date: 2026-02-30) costs its row only.
        unreadable = {row_of(p): p for p in problems}
        rows = [
            (
                located.line_of((i,)) or i + 1,
                (r if isinstance(r, dict) else {}) | ({_UNREADABLE: unreadable[i]} if i in unreadable else {}),
            )
            for i, r in enumerate(located.data)
        ]
    else:
        from rehabplan.sources.spreadsheet import dict_reader, read_csv_text

        text, problem = read_csv_text(path, 5_000_000)
        if problem:
            raise PatientError(f"the log {path} cannot be read", [problem])
        reader = dict_reader(text)
        unknown = [f for f in (reader.fieldnames or []) if f and f.strip() not in LOG_FIELDS]
        twice = sorted(
            {f.strip() for f in reader.fieldnames or [] if f and [g.strip() for g in reader.fieldnames].count(f.strip()) > 1}
        )
        if twice:  # csv.DictReader would silently keep the last of the two
            raise PatientError(
                f"the log {path} names a column twice",
                [Problem(path, 1, f, "this column appears more than once", "keep one of them") for f in twice],
            )
        if not reader.fieldnames or unknown:
            raise PatientError(
                f"the log {path} has {'no header' if not reader.fieldnames else 'unknown columns: ' + ', '.join(unknown)}",
                [Problem(path, 1, "", "columns are " + ", ".join(LOG_FIELDS), "run 'rehabplan log-template' for the format")],
            )
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
            bad(
                "exercise",
                f"'{ex}' is not in this program" if ex else "missing",
                "use an exercise id from the program (see log-template)",
            )
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
                problems.append(
                    UrgentNote(
                        source,
                        line,
                        "note",
                        "this row is skipped, but its note may describe a red flag",
                        "contact the patient today",
                    )
                )
            continue
        entries.append(
            LogEntry(
                line,
                week,
                session,
                ex,
                done in YES,
                pains["pain_during"],
                pains["pain_next_morning"],
                spread in YES,
                data.get("note", ""),
            )
        )
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


def adjust(
    program: Program, library: Library, entries: list[LogEntry], from_week: int | None = None, source: Path | str | None = None
) -> Program:
    """The adjusted program: weeks from ``from_week`` (default: after the last logged week).

    Each exercise's dose timeline (``Program.timelines``) is decided anew from its traffic light,
    then the weeks are materialised by the planner's own function, so every printed dose, total
    and session time comes from the new timelines (nothing is read back from printed doses).
    ``source`` names the program file in errors.
    """
    if from_week is not None and not 1 <= from_week <= len(program.weeks):
        raise PatientError(
            f"--from-week {from_week} is not a week of this {len(program.weeks)}-week program",
            [Problem(None, None, "from_week", f"{from_week} is out of range", f"use a week from 1 to {len(program.weeks)}")],
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

    tracks = {t.slot: track_of(t) for t in program.timelines}
    core = {t.slot: t.core for t in program.timelines}
    shifted: dict[str, _Shifted] = {}
    changes: dict[str, str] = {}
    for slot, (light, _reason, _) in decisions.items():
        if light == "green" or slot not in tracks:
            continue
        shifted[slot] = _shift(program, library, tracks[slot], start, light)
        if shifted[slot].weeks:
            changes[slot] = shifted[slot].change
    _hold_to_fit(program, library, tracks, shifted, start)
    for slot, sh in shifted.items():
        tracks[slot] = _write(tracks[slot], sh, set(program.deload_weeks), start)
    weeks = materialise(
        library,
        program.patient,
        program.phases,
        program.reassessment_week,
        program.deload_weeks,
        program.deload_volume_factor,
        list(tracks.values()),
    )
    adjustments = [
        Adjustment(
            slot=slot,
            exercise=ex,
            light=light,
            reason=reason,
            change=changes.get(slot, "progress as planned" if light == "green" else "no later weeks of this exercise"),
        )
        for slot, (light, reason, ex) in decisions.items()
    ]
    flags = clinician_flags(program, entries, decisions)
    return program.model_copy(
        update={
            # Past weeks are never touched: the patient has done them.
            "weeks": list(program.weeks[: start - 1]) + weeks[start - 1 :],
            "adjusted_from_week": start,
            "adjustments": adjustments,
            "flags": flags,
            "timelines": [timeline_model(t, core[t.id]) for t in tracks.values()],
        }
    )


AMBER_NOTE = "same as before: your pain said wait"
RED_NOTE = "made easier: your pain said too much"
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
            flags.append(
                Flag(level="review", message=f"{len(rows)} red sessions for {ex}: review the exercise choice", rows=rows)
            )
    logged_weeks = sorted({e.week for e in entries})
    if entries:
        # The log template has a row for every planned exercise of every session: adherence
        # is the share of those rows marked done.
        adherence = sum(1 for e in entries if e.done) / len(entries)
        if adherence < rules.adherence_flag_below:
            flags.append(
                Flag(
                    level="review",
                    message=f"adherence {adherence:.0%} of logged sessions is below {rules.adherence_flag_below:.0%}: talk about barriers",
                )
            )
    reassess = program.reassessment_week
    if reassess in logged_weeks and 1 in logged_weeks:

        def mean(week: int) -> float:
            vals = [e.pain_during for e in entries if e.week == week and e.pain_during is not None]
            return sum(vals) / len(vals) if vals else 0.0

        if mean(reassess) >= mean(1):
            flags.append(
                Flag(
                    level="review",
                    message=f"no improvement in pain by week {reassess}: reassess (NICE: disabling root symptoms after 6 weeks need a specialist)",
                )
            )
    return flags


def remaining(program: Program) -> Program:
    """The adjusted program from its first changed week on: what a new handout should print
    (the patient already holds the weeks before it)."""
    if not program.adjusted_from_week:
        return program
    weeks = program.weeks[program.adjusted_from_week - 1 :]
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


def _dose_text(dose: Dose, library: Library, track: Track) -> str:
    kind = library[dose.exercise].dosage.kind
    if kind is DoseKind.duration:
        return f"{dose.minutes} min"
    if kind is DoseKind.hold:
        holds = "-".join(map(str, dose.pyramid())) if track.rule == "pyramid" else f"{dose.sets}x{dose.reps}"
        return f"{holds}x{dose.hold_s}s"
    return f"{dose.sets}x{dose.reps}"
