"""The patient's log, read from a CSV or YAML file (or a filled-in PDF form): red flags first.

One design, printed on the handout's tracking pages and written by ``rehabplan log-template``:
a row per session (``SESSION_FIELDS``) with the week's red-flag questions as yes/no columns.
The older design, a row per exercise per session (``EXERCISE_FIELDS``), is still read.

Reading happens in two passes that never share a failure:

1. ``screen_log`` reads every cell of every row as text (bad bytes replaced, unknown columns,
   extra cells, rows otherwise invalid) for red flags. It never raises.
2. ``read_log`` validates rows: what people type is read ("2/10", "Y", "✓", the handout's
   exercise names and aliases, any case); anything else is a problem naming row, column and value,
   and the rest of the log is still used.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rehabplan.errors import PatientError, Problem
from rehabplan.models import Prescription, Program, Week
from rehabplan.planning.redflags import BY_ID, QUESTION_COLUMNS, Hit, screen_cell, screen_header_cell

if TYPE_CHECKING:
    from rehabplan.sources.library import Library

SESSION_FIELDS = [
    "week",
    "session",
    "date",
    "done",
    "pain_during",
    "pain_next_morning",
    "spread",
    "exercise",
    "note",
    *QUESTION_COLUMNS,
]
EXERCISE_FIELDS = [
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
# Optional columns a clinic may add: outcome measures at the check-ins (the report shows them).
OUTCOME_FIELDS = ["nprs", "psfs"]
KNOWN_FIELDS = list(dict.fromkeys(SESSION_FIELDS + EXERCISE_FIELDS + OUTCOME_FIELDS))
# A row counts as logged once any of these is filled in: the template fills in only week,
# session and date, so the rest of a fresh template is the weeks still to come.
ANSWER_FIELDS = ("done", "sets", "reps", "hold_s", "pain_during", "pain_next_morning", "spread", "note", *QUESTION_COLUMNS)
YES = {"yes", "y", "yeah", "yep", "true", "1", "x", "✓", "✔", "☑", "✗", "done", "all", "ok", "tick", "ticked"}
NO = {"no", "n", "nope", "false", "0", "", "-", "—", "–", "none", "not done", "missed", "skipped"}
MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class LogEntry:
    """One logged row: a session (the log's design) or one exercise of a session (the older one).

    ``exercise`` is the exercise the row is about (older rows) or the one that hurt (session
    rows; None when not named)."""

    row: int
    week: int
    session: int | None
    exercise: str | None
    done: bool
    pain_during: int | None
    pain_next_morning: int | None
    spread: bool
    note: str
    per_session: bool = False
    date: dt.date | None = None
    done_exercises: tuple[str, ...] = ()  # when the done cell names what was done
    answers: tuple[str, ...] = ()  # red-flag questions answered yes
    nprs: float | None = None  # outcome measures, when the clinic logs them
    psfs: float | None = None


@dataclass
class Log:
    entries: list[LogEntry]
    problems: list[Problem]
    per_session: bool = True
    hits: list[Hit] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:  # entries, problems = read_log(...)
        return iter((self.entries, self.problems))


# --------------------------------------------------------------------------- pass 1: red flags


def _decoded(raw: bytes) -> str:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def _delimiter(header: str) -> str:
    return max((",", ";", "\t"), key=lambda d: (len(next(csv.reader([header], delimiter=d), [])), d == ","))


def screen_log(path: Path | str) -> list[Hit]:
    """Every red flag in a log file, found before (and whatever) anything else fails.

    Reads the bytes as leniently as possible; a PDF's form fields are screened by
    ``rehabplan.sources.pdf_log``. Never raises: a file that cannot even be opened has no words
    to screen (the reader reports why)."""
    import os
    import stat

    path = Path(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return []  # a FIFO or a device: the reader refuses it (and reading would block)
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES)
    except OSError:
        return []
    try:
        if raw.startswith(b"%PDF"):
            from rehabplan.sources.pdf_log import screen_pdf

            return screen_pdf(path)
        text = _decoded(raw)
        if path.suffix.lower() in (".yaml", ".yml"):
            return _screen_yaml_text(text)
        return _screen_csv_text(text)
    except Exception:  # noqa: BLE001 - screening must never be the reason a red flag is lost
        return _screen_lines(_decoded(raw))


def _screen_lines(text: str) -> list[Hit]:
    hits = []
    for n, line in enumerate(text.splitlines(), start=1):
        hits += [Hit(n, "", h.category, h.words) for h in screen_cell(n, "", line)]
    return hits


_YAML_PAIR = re.compile(r"^\s*-?\s*([A-Za-z_][\w ]*?)\s*:\s*(.*)$")


def _screen_yaml_text(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for n, line in enumerate(text.splitlines(), start=1):
        m = _YAML_PAIR.match(line)
        if m:
            key, value = m.group(1), m.group(2).strip().strip("'\"")
            if key.strip().lower() not in KNOWN_FIELDS:
                hits += screen_header_cell(n, key)
            hits += screen_cell(n, key, value)
        else:
            hits += screen_cell(n, "", line.strip().lstrip("-").strip().strip("'\""))
    return hits


def _screen_csv_text(text: str) -> list[Hit]:
    text = text or ""
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    hits: list[Hit] = []
    header: list[str] = []
    for cells in reader:
        line = reader.line_num
        if not header:
            header = [c.strip().lower() for c in cells]
            for c in cells:
                if c.strip().lower() not in KNOWN_FIELDS:
                    hits += screen_header_cell(line, c)
            continue
        at = {name: i for i, name in enumerate(header)}
        week = cells[at["week"]].strip() if "week" in at and at["week"] < len(cells) else ""
        date = cells[at["date"]].strip() if "date" in at and at["date"] < len(cells) else ""
        week_n = int(week) if week.isdigit() else None
        for i, value in enumerate(cells):
            column = header[i] if i < len(header) else "(extra cell)"
            if column in ("week", "session", "date"):
                continue
            if column == "exercise" and not value.strip():
                continue
            hits += screen_cell(line, column, value, week=week_n, date=date)
    return hits


# --------------------------------------------------------------------------- pass 2: the rows


def read_log(path: Path | str, program: Program, names: dict[str, str] | None = None) -> Log:
    """Read a CSV, YAML or filled-in PDF log. Bad rows are problems naming row, column and value;
    the rest is used. A file that cannot be read at all raises PatientError."""
    path = Path(path)
    import os
    import stat

    head = b""
    try:
        if stat.S_ISREG(os.stat(path).st_mode):
            with path.open("rb") as fh:
                head = fh.read(5)
    except OSError:
        pass
    if head.startswith(b"%PDF"):
        from rehabplan.sources.pdf_log import pdf_rows

        rows = pdf_rows(path)
        return parse_rows(rows, program, path, names, per_session=True)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _read_yaml(path, program, names)
    return _read_csv(path, program, names)


def _read_yaml(path: Path, program: Program, names: dict[str, str] | None) -> Log:
    from rehabplan.sources.yaml_file import load_yaml, row_of

    located, problems = load_yaml(path, MAX_BYTES, partial=True)
    if located is None or (problems and any(row_of(p) is None for p in problems)):
        raise PatientError(f"the log {path} cannot be read", problems)
    if not isinstance(located.data, list):
        raise PatientError(
            f"the log {path} must be a list of entries",
            [Problem(path, 1, "", "expected a YAML list", "run 'rehabplan log-template --format yaml' for the format")],
        )
    unreadable = {row_of(p): p for p in problems}
    rows = []
    extra: list[Problem] = []
    for i, r in enumerate(located.data):
        line = located.line_of((i,)) or i + 1
        if i in unreadable:
            p = unreadable[i]
            extra.append(Problem(path, line, p.field.split(".", 1)[-1], p.message, p.fix))
            continue
        if not isinstance(r, dict):
            extra.append(Problem(path, line, "", f"'{r}' is not an entry (week: …, session: …)", "see log-template"))
            continue
        rows.append((line, {str(k).strip().lower(): v for k, v in r.items()}))
    per_session = not any(k in ("sets", "reps", "hold_s") for _, r in rows for k in r)
    log = parse_rows(rows, program, path, names, per_session=per_session)
    log.problems = extra + log.problems
    return log


def _read_csv(path: Path, program: Program, names: dict[str, str] | None) -> Log:
    from rehabplan.sources.spreadsheet import read_csv_text

    text, problem = read_csv_text(path, MAX_BYTES)
    if problem:
        raise PatientError(f"the log {path} cannot be read", [problem])
    text = text or ""
    delimiter = _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [c.strip().lower() for c in next(reader, [])]
    if not any(header):
        raise PatientError(
            f"the log {path} has no header",
            [Problem(path, 1, "", "columns are " + ", ".join(SESSION_FIELDS), "run 'rehabplan log-template' for the format")],
        )
    problems: list[Problem] = []
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:  # which of the two would be meant is a guess
        raise PatientError(
            f"the log {path} names a column twice",
            [Problem(path, 1, f, "this column appears more than once", "keep one of them") for f in twice],
        )
    for h in header:
        if h and h not in KNOWN_FIELDS:
            problems.append(
                Problem(
                    path,
                    1,
                    h,
                    "is not a column of the log; its cells are ignored (they were read for red flags)",
                    "columns are " + ", ".join(SESSION_FIELDS),
                )
            )
    per_session = not any(h in ("sets", "reps", "hold_s") for h in header)
    note_at = header.index("note") if "note" in header else None
    rows = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            if note_at is not None:
                # A note with commas and no quotes: its pieces become one note again.
                k = len(cells) - len(header)
                cells = (
                    cells[:note_at] + [", ".join(c.strip() for c in cells[note_at : note_at + k + 1])] + cells[note_at + k + 1 :]
                )
            else:
                problems.append(
                    Problem(
                        path,
                        line,
                        "",
                        f"has {len(cells)} cells but the header has {len(header)}",
                        "put quotes around text with commas",
                    )
                )
                continue
        rows.append((line, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h in KNOWN_FIELDS}))
    log = parse_rows(rows, program, path, names, per_session=per_session)
    log.problems = problems + log.problems
    return log


# --------------------------------------------------------------------------- reading values


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


# --------------------------------------------------------------------------- the template


def items_of(program: Program) -> list[Prescription]:
    return [p for w in program.weeks for p in week_items(w)]


def week_items(week: Week) -> list[Prescription]:
    return week.every_day + [p for s in week.sessions for p in s.prescriptions]


def session_dates(program: Program) -> list[tuple[int, int, dt.date]]:
    """(week, session, planned date) of every session of the program."""
    out = []
    for w in program.weeks:
        for s in w.sessions:
            out.append((w.number, s.number, w.start + dt.timedelta(days=s.day)))
    return out


def log_template(program: Program, fmt: str = "csv") -> str:
    """A blank log, a row per session, with the fixed columns (``SESSION_FIELDS``)."""
    rows = [
        {"week": w, "session": s, "date": d.isoformat(), **{f: "" for f in SESSION_FIELDS[3:]}}
        for w, s, d in session_dates(program)
    ]
    if fmt == "yaml":
        lines = [
            "# rehabplan log: one entry per session. done: yes/no; pains 0-10; spread: yes/no;",
            "# exercise: the one that hurt (as the handout names it); the last seven: the weekly",
            "# red-flag questions, yes or no (see the handout's tracking pages).",
        ]
        for r in rows:
            lines.append(f"- week: {r['week']}")
            for f in SESSION_FIELDS[1:]:
                value = r[f]
                lines.append(f"  {f}: {value if value != '' else ''}".rstrip() if f != "date" else f"  date: {value}")
        return "\n".join(lines) + "\n"
    buf = io.StringIO()
    w = csv.DictWriter(buf, SESSION_FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def exercise_log_template(program: Program) -> str:
    """The older design, still read: a row per exercise per session (``EXERCISE_FIELDS``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EXERCISE_FIELDS)
    for week in program.weeks:
        for s in week.sessions:
            for p in week.every_day + s.prescriptions:
                w.writerow([week.number, s.number, "", p.exercise, "", "", "", "", "", "", "", ""])
    return buf.getvalue()
