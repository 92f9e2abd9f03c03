"""A program JSON (from ``build --format json`` or ``adjust``) read back, validated like a
patient file: a size limit in bytes and in work, the schema, bounds on every number that
prints on a handout, and every exercise it names checked against the library.

A program file can come from anywhere (an e-mail, a shared folder), so nothing in it is taken
on trust: a forged file is a PatientError (exit 4) naming the field, never a traceback and
never "10^9 reps" or a negative hold on a patient's handout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from rehabplan.errors import PatientError, Problem, count
from rehabplan.sources.safe_read import Refused, read_regular

if TYPE_CHECKING:
    from rehabplan.models import Program
    from rehabplan.sources.library import Library

MAX_BYTES = 4_000_000  # a 24-week program is ~0.2-0.4 MB
MAX_DEPTH = 12
# (field, lowest, highest) of each number a prescription or a dose prints.
DOSE_BOUNDS = {
    "sets": (1, 10),
    "hold_s": (1, 300),
    "minutes": (1, 120),
    "rest_s": (0, 600),
    "per_week": (1, 7),
    "tut_per_set_s": (0, 3600),
    "load_index": (0, 50),
    "week": (1, 24),
}
REPS = (1, 100)
# The most of each list a program can hold (24 weeks of at most 7 sessions, ...).
LIST_LIMITS = {
    "weeks": 24,
    "sessions": 7,
    "prescriptions": 20,
    "every_day": 20,
    "timelines": 60,
    "doses": 24,
    "reps": 10,
    "phases": 10,
    "flags": 500,
    "adjustments": 500,
    "dropped": 100,
    "deload_weeks": 24,
    "rows": 2000,
    "days": 7,
}
FIX = "build it again with 'rehabplan build … --format json' (or 'rehabplan adjust')"


def load_program(path: Path | str, library: Library) -> Any:
    """The validated Program in ``path``, or PatientError naming every problem."""
    from rehabplan.models import Program

    path = Path(path)
    try:
        raw = read_regular(path, MAX_BYTES)
        data = json.loads(raw)
    except Refused as exc:
        raise PatientError(f"the program {path} cannot be read", [Problem(path, None, "", exc.reason, exc.fix)]) from None
    except (ValueError, RecursionError) as exc:
        raise PatientError(
            f"{path} is not a rehabplan program JSON", [Problem(path, None, "", f"not JSON: {str(exc)[:200]}", FIX)]
        ) from None
    problems: list[Problem] = []
    _walk(data, (), path, problems)
    if problems:
        raise PatientError(f"the program {path} has {count(len(problems), 'problem')}", problems[:60])
    try:
        program = Program.model_validate(data)
    except ValidationError as exc:
        found = [
            Problem(path, None, ".".join(str(p) for p in err["loc"]), err["msg"], FIX)
            for err in exc.errors(include_url=False)[:60]
        ]
        raise PatientError(f"{path} is not a rehabplan program JSON", found) from None
    except (RecursionError, TypeError, ValueError) as exc:
        raise PatientError(f"{path} is not a rehabplan program JSON", [Problem(path, None, "", str(exc)[:200], FIX)]) from None
    problems = _references(program, library, path)
    if problems:
        raise PatientError(f"the program {path} names exercises the library does not have", problems[:60])
    return program


def _walk(value: Any, where: tuple[str | int, ...], path: Path, problems: list[Problem], depth: int = 0) -> None:
    """Work limits and number bounds, on the plain data before any model sees it."""
    name = ".".join(str(p) for p in where)
    if depth > MAX_DEPTH:
        problems.append(Problem(path, None, name, "is nested deeper than any program", FIX))
        return
    if isinstance(value, dict):
        if len(value) > 64:
            problems.append(Problem(path, None, name, f"has {len(value)} keys; a program has far fewer", FIX))
            return
        for key, item in value.items():
            _walk(item, (*where, key), path, problems, depth + 1)
            if len(problems) > 60:
                return
        return
    key = next((p for p in reversed(where) if isinstance(p, str)), "")
    if isinstance(value, list):
        limit = LIST_LIMITS.get(key, 50)
        if len(value) > limit:
            problems.append(Problem(path, None, name, f"has {len(value)} items; a program has at most {limit}", FIX))
            return
        if key == "reps":
            for i, rep in enumerate(value):
                _bound(rep, REPS, f"{name}.{i}", path, problems)
            return
        for i, item in enumerate(value):
            _walk(item, (*where, i), path, problems, depth + 1)
        return
    if isinstance(value, str) and len(value) > 2000:
        problems.append(Problem(path, None, name, f"is {len(value)} characters long; a program's texts are short", FIX))
    if key in DOSE_BOUNDS and where[0] in ("weeks", "timelines") and value is not None:
        _bound(value, DOSE_BOUNDS[key], name, path, problems)
    elif key == "reps" and where[0] == "timelines" and value is not None:
        _bound(value, REPS, name, path, problems)


def _bound(value: Any, bounds: tuple[int, int], name: str, path: Path, problems: list[Problem]) -> None:
    lo, hi = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or not lo <= value <= hi:
        problems.append(Problem(path, None, name, f"{value!r} is not a dose a patient can do ({lo}-{hi})", FIX))


def _references(program: Program, library: Library, path: Path) -> list[Problem]:
    problems = []
    for w, week in enumerate(program.weeks):
        if week.number != w + 1:
            problems.append(Problem(path, None, f"weeks.{w}.number", f"is {week.number}; weeks run 1, 2, 3, …", FIX))
        groups = [("every_day", week.every_day)] + [
            (f"sessions.{s}.prescriptions", session.prescriptions) for s, session in enumerate(week.sessions)
        ]
        for where, prescriptions in groups:
            for i, p in enumerate(prescriptions):
                if p.exercise not in library:
                    problems.append(
                        Problem(path, None, f"weeks.{w}.{where}.{i}.exercise", f"unknown exercise '{p.exercise}'", FIX)
                    )
    for t, timeline in enumerate(program.timelines):
        for d, dose in enumerate(timeline.doses):
            if dose.exercise not in library:
                problems.append(
                    Problem(path, None, f"timelines.{t}.doses.{d}.exercise", f"unknown exercise '{dose.exercise}'", FIX)
                )
    return problems
