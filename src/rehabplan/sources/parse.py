"""Turn plain data into validated models, reporting every problem at once.

Pydantic already collects all errors of a document; we translate each into a Problem with
file, line, field path and a fix — including "did you mean …" for a misspelt key.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from rehabplan.errors import Problem
from rehabplan.sources.yaml_file import Located, dotted

M = TypeVar("M", bound=BaseModel)


def parse_located(located: Located, cls: type[M], prefix: tuple[Any, ...] = ()) -> tuple[M | None, list[Problem]]:
    data = located.data
    for part in prefix:
        data = data[part]
    return parse_data(data, cls, located.file, lambda loc: located.line_of(prefix + tuple(loc)), prefix)


def parse_data(
    data: Any,
    cls: type[M],
    file: Path | str | None,
    line_of: Callable[[tuple[Any, ...]], int | None] = lambda loc: None,
    prefix: tuple[Any, ...] = (),
) -> tuple[M | None, list[Problem]]:
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        kind = {"list": "a list", "str": "a piece of text", "int": "a number", "float": "a number"}.get(kind, kind)
        return None, [
            Problem(
                file,
                line_of(()),
                dotted(prefix),
                f"expected a mapping of fields (key: value), found {kind}",
                f"write the {cls.__name__.lower()} fields as 'key: value' lines",
            )
        ]
    try:
        return cls.model_validate(data), []
    except ValidationError as exc:
        return None, [_problem(err, cls, file, line_of, prefix) for err in exc.errors()]


def _problem(
    err: ErrorDetails,
    cls: type[BaseModel],
    file: Path | str | None,
    line_of: Callable[[tuple[Any, ...]], int | None],
    prefix: tuple[Any, ...],
) -> Problem:
    loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and ("[" in part or part in _UNION_TAGS)))
    field = dotted(prefix + loc)
    line = line_of(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _field_names(cls, loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        fix = f"did you mean '{guess[0]}'?" if guess else ("known fields: " + ", ".join(sorted(known)) if known else "remove it")
        return Problem(file, line, field, f"unknown field '{loc[-1]}'", fix)
    if kind == "missing":
        return Problem(file, line, field, "is required but missing", f"add '{loc[-1]}:'")
    if kind in _BOUND_WORDS and loc and isinstance(loc[-1], str):
        msg, fix = _out_of_range(err, cls, loc)
        return Problem(file, line, field, msg, fix)
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    fix = ""
    if kind == "enum" and "expected" in err.get("ctx", {}):
        fix = "use one of " + err["ctx"]["expected"]
        msg = f"{err['input']!r} is not allowed"
    elif kind == "string_pattern_mismatch":
        fix = (
            "use lower-case words joined by hyphens, e.g. glute-bridge"
            if loc and loc[-1] in ("id", "easier", "harder") or (loc and isinstance(loc[-1], int))
            else "check the format"
        )
        msg = f"{err['input']!r} has the wrong form"
    return Problem(file, line, field, msg, fix)


# A number out of its range is said as the rule it breaks, in plain words, with the whole range
# (pydantic names one end only: "Input should be less than or equal to 24"). The ends come from
# the model's own bounds, so the words cannot drift from them.
_BOUND_WORDS = {
    "less_than_equal": "{0} or less",
    "greater_than_equal": "{0} or more",
    "less_than": "less than {0}",
    "greater_than": "more than {0}",
}
_RANGE_RULES = {
    ("Patient", "weeks"): "plans run {lo} to {hi} weeks",
    ("Patient", "sessions_per_week"): "plans have {lo} to {hi} exercise sessions a week",
    ("Patient", "minutes"): "a session can take {lo} to {hi} minutes",
}


def _out_of_range(err: ErrorDetails, cls: type[BaseModel], loc: tuple[Any, ...]) -> tuple[str, str]:
    """The message and fix: ("plans run 4 to 24 weeks, not 30", "") (the range is the fix)."""
    name = str(loc[-1])
    model = _model_at(cls, loc[:-1])
    lo, hi = _bounds(model, name)
    given = err.get("input")
    if lo is None or hi is None:
        limit = next(iter(err.get("ctx", {}).values()), "")
        return f"must be {_BOUND_WORDS[err['type']].format(limit)}, not {given}", ""
    rule = _RANGE_RULES.get((getattr(model, "__name__", ""), name), "must be a number from {lo} to {hi}")
    return f"{rule.format(lo=lo, hi=hi)}, not {given}", ""


def _bounds(model: Any, name: str) -> tuple[Any, Any]:
    """The lowest and highest value a field allows (ge/le), None where it has no such bound."""
    field = getattr(model, "model_fields", {}).get(name)
    lo = hi = None
    for bound in getattr(field, "metadata", []):
        lo = getattr(bound, "ge", lo)
        hi = getattr(bound, "le", hi)
    return lo, hi


_UNION_TAGS = {"str", "list[str]", "int", "function-after", "function-before", "function-plain"}


def _field_names(cls: Any, loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model reached by following ``loc`` from ``cls`` (for suggestions)."""
    current = _model_at(cls, loc)
    return list(current.model_fields) if current is not None else []


def _model_at(cls: Any, loc: tuple[Any, ...]) -> Any:
    """The model reached by following ``loc`` from ``cls``, None when it leads elsewhere."""
    current: Any = cls
    for part in loc:
        current = _inner_model(current)
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return None
        current = field.annotation
    return _inner_model(current)


def _inner_model(tp: Any) -> Any:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in typing.get_args(tp):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
