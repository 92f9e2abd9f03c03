"""What people write in a log, read leniently: exercise names, pain scores, yes and no, dates, weeks."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rehabplan.errors import Problem
from rehabplan.models import Program
from rehabplan.planning.redflags import BY_ID, QUESTION_COLUMNS
from rehabplan.sources.log.fields import ANSWER_FIELDS, NO, OUTCOME_FIELDS, YES, Log, LogEntry
from rehabplan.sources.log.template import items_of

if TYPE_CHECKING:
    from rehabplan.sources.library import Library


def name_index(program: Program, library: Library | None = None) -> dict[str, str]:
    """Every way a patient may write an exercise of the program -> its id: the id, the name
    printed on the handout, the library's name and aliases, any case."""
    index: dict[str, str] = {}
    for p in items_of(program):
        for n in (p.exercise, p.name):
            index.setdefault(_key(n), p.exercise)
        if library is not None and p.exercise in library:
            ex = library[p.exercise]
            for n in [ex.name, *(ex.aliases or [])]:
                index.setdefault(_key(n), p.exercise)
    return index


def _key(text: str) -> str:
    return re.sub(r"[\s_\-–]+", " ", str(text).strip().lower()).strip(" .")


def parse_pain(value: str) -> int:
    """'2', '2/10', '2 out of 10', '2.5' (rounded up), '2-3' (the higher): 0-10, else ValueError."""
    t = str(value).strip().lower().replace(",", ".")
    if t in ("none", "nil", "no pain", "zero"):
        return 0
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*(?:/\s*10|out of 10|of 10)?", t)
    if not m:
        raise ValueError(value)
    n = max(float(m.group(1)), float(m.group(2) or 0))
    n = math.ceil(n)
    if not 0 <= n <= 10:
        raise ValueError(value)
    return n


def parse_yes_no(value: str) -> bool:
    t = str(value).strip().lower().rstrip(".!")
    if t in YES:
        return True
    if t in NO:
        return False
    raise ValueError(value)


def _date(text: str) -> dt.date:
    t = text.strip()
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", t)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    raise ValueError(text)


def parse_rows(  # noqa: C901 - one lenient reading per column of the row, in order
    rows: Iterable[tuple[int, dict[str, Any]]],
    program: Program,
    source: Path | str | None,
    names: dict[str, str] | None = None,
    per_session: bool | None = None,
) -> Log:
    """Rows (line, {column: value}) -> entries and problems. ``per_session`` None: decided per row
    (a row with an exercise and no red-flag columns, from a test or an old log, is per-exercise)."""
    names = names or name_index(program)
    entries: list[LogEntry] = []
    problems: list[Problem] = []
    for line, raw in rows:
        data = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in raw.items()}
        session_row = per_session if per_session is not None else not (data.get("exercise") and "sets" in data)
        n_before = len(problems)

        def bad(column: str, message: str, fix: str = "") -> None:
            problems.append(Problem(source, line, column, message, fix))

        if not any(data.get(f) for f in ANSWER_FIELDS):
            continue  # a template row not filled in yet: a session still to come, not a missed one
        week = _week_of(data, program, bad)
        date = None
        if data.get("date"):
            try:
                date = _date(data["date"])
            except ValueError:
                pass  # _week_of reported it
        session = None
        if data.get("session"):
            try:
                session = int(data["session"])
                if not 1 <= session <= program.patient.sessions_per_week:
                    bad("session", f"'{data['session']}' is not a session of the week (1-{program.patient.sessions_per_week})")
            except ValueError:
                bad("session", f"'{data['session']}' is not a number")
        ex_text = data.get("exercise", "")
        exercise = None
        if ex_text:
            exercise = names.get(_key(ex_text))
            if exercise is None and session_row:
                # The session's pain still counts (for the whole session): when in doubt, hold.
                problems.append(
                    Problem(
                        source,
                        line,
                        "exercise",
                        f"'{ex_text}' is not an exercise of this program; the session's pain counts for all its exercises",
                        "write the name printed on the handout",
                        warning=True,
                    )
                )
                n_before += 1
            elif exercise is None:
                bad("exercise", f"'{ex_text}' is not an exercise of this program", "write the name printed on the handout")
        elif not session_row:
            bad("exercise", "missing", "write the exercise's name as the handout prints it")
        done_text = data.get("done", "")
        done_list: tuple[str, ...] = ()
        try:
            done = parse_yes_no(done_text)
        except ValueError:
            parts = [p for p in re.split(r"[,;+/]| and ", done_text) if p.strip()]
            found = [names.get(_key(p)) for p in parts]
            if session_row and parts and all(found):
                done, done_list = True, tuple(dict.fromkeys(f for f in found if f))
            else:
                done = False
                bad("done", f"'{done_text}' is not yes or no", "write yes, no, or the exercises you did")
        spread = False
        try:
            spread = parse_yes_no(data.get("spread", ""))
        except ValueError:
            bad("spread", f"'{data.get('spread')}' is not yes or no")
        pains: dict[str, int | None] = {}
        for column in ("pain_during", "pain_next_morning"):
            value = data.get(column, "")
            pains[column] = None
            if value:
                try:
                    pains[column] = parse_pain(value)
                except ValueError:
                    bad(column, f"'{value}' is not a pain score from 0 to 10", "write a number, e.g. 2 or 2/10")
        if not done_text and pains["pain_during"] is not None:
            done = True  # a pain score for a session means it was done
        answers = []
        for q in QUESTION_COLUMNS:
            value = data.get(q, "")
            try:
                if parse_yes_no(value):
                    answers.append(q)
            except ValueError:
                answers.append(q)  # not a plain yes or no: the screen already reported it as a yes
                bad(q, f"'{value}' is not yes or no (read as yes: {BY_ID[q].clinician})")
        outcomes: dict[str, float | None] = {}
        for column in OUTCOME_FIELDS:
            value = data.get(column, "")
            outcomes[column] = None
            if value:
                try:
                    score = outcomes[column] = float(value.split("/")[0])
                    if not 0 <= score <= 10:
                        raise ValueError
                except ValueError:
                    bad(column, f"'{value}' is not a score from 0 to 10")
        if len(problems) > n_before:
            continue
        entries.append(
            LogEntry(
                row=line,
                week=week,
                session=session,
                exercise=exercise,
                done=done,
                pain_during=pains["pain_during"],
                pain_next_morning=pains["pain_next_morning"],
                spread=spread,
                note=data.get("note", ""),
                per_session=session_row,
                date=date,
                done_exercises=done_list,
                answers=tuple(answers),
                nprs=outcomes["nprs"],
                psfs=outcomes["psfs"],
            )
        )
    return Log(entries, problems, per_session=bool(per_session) if per_session is not None else True)


def _week_of(data: dict[str, Any], program: Program, bad: Callable[..., None]) -> int:
    week = None
    if data.get("week"):
        try:
            week = int(float(data["week"]))
        except ValueError:
            bad("week", f"'{data['week']}' is not a number")
            return 0
    if data.get("date"):
        try:
            day = _date(data["date"])
        except ValueError:
            bad("date", f"'{data['date']}' is not a date", "write YYYY-MM-DD")
            return 0
        if not program.start <= day <= program.end:
            bad("date", f"{day} is outside the program ({program.start} to {program.end})")
            return 0
        from_date = (day - program.start).days // 7 + 1
        if week is None:
            week = from_date
        elif abs(week - from_date) > 1:
            # A session a day or two off its planned week is normal; a whole week off is a typo.
            bad("week", f"week {week} does not match the date {day} (week {from_date})")
            return 0
    if week is None:
        bad("week", "missing", "give the week number or the date")
        return 0
    if not 1 <= week <= len(program.weeks):
        bad("week", f"week {week} is outside the program (1-{len(program.weeks)})")
    return week
