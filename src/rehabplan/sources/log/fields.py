"""The log's columns, the words read as yes and no, and what a read log holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rehabplan.errors import Problem
from rehabplan.planning.redflags import QUESTION_COLUMNS, Hit

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
