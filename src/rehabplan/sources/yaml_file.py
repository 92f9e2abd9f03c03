"""Safe YAML reading that remembers where every value came from.

PyYAML's safe loader never builds Python objects from tags, but it still expands aliases
(a "billion laughs" file explodes in memory) and silently keeps the last of two equal keys.
We compose the node tree with the safe loader and build plain data ourselves, so that we can
count nodes, refuse duplicate keys and record the line of every field for error messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rehabplan.errors import PatientError, Problem
from rehabplan.sources.safe_read import Refused, read_regular

# libyaml's parser (same safe rules, same node marks) is several times faster when present.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 1_000_000  # an exercise or protocol file is a few KiB; a roster a few hundred KiB
MAX_NODES = 200_000  # counts aliased nodes every time they are used: stops alias bombs


@dataclass
class Located:
    """Plain data from one YAML document, with the line (1-based) of each path."""

    data: Any
    file: Path
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def line_of(self, path: tuple[Any, ...]) -> int | None:
        """Line of the deepest known prefix of ``path`` (a missing key points at its parent)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


class _TooBig(Exception):
    pass


def read_text(path: Path, max_bytes: int = MAX_BYTES) -> tuple[str | None, Problem | None]:
    """Read a UTF-8 text file, or say plainly why it cannot be read.

    Only regular files are read, and the size limit holds while reading: a FIFO or
    ``/dev/zero`` named as an input is refused at once instead of hanging.
    """
    try:
        raw = read_regular(path, max_bytes)
    except Refused as exc:
        return None, Problem(path, None, "", exc.reason, exc.fix)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, Problem(
            path,
            line,
            "",
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            "save the file as UTF-8",
        )
    return text, None


# libyaml's parser recurses once per level of nesting and overflows the C stack (SIGSEGV, no
# message) somewhere past 20,000 levels; Python's recursion limit stops us near 1,000 anyway.
# A cheap scan refuses deeper files before the parser sees them. It over-counts rather than
# under-counts (brackets inside quotes count too): no real exercise, patient or roster file
# comes anywhere near this depth.
MAX_DEPTH = 1_000
_DEEP_BLOCK = re.compile(r"^(?:[ \t]|[-?:][ \t]){%d}" % MAX_DEPTH, re.MULTILINE)
_BRACKETS = re.compile(r"[\[\]{}]")


def too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The line where nesting first passes ``limit`` levels, or None."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, match.start()) + 1
        elif depth:
            depth -= 1
    block = _DEEP_BLOCK.search(text)
    if block:
        return text.count("\n", 0, block.start()) + 1
    return None


def load_yaml(path: Path, max_bytes: int = MAX_BYTES, partial: bool = False) -> tuple[Located | None, list[Problem]]:
    """Load one YAML document safely; return it with line numbers, or the problems found.

    With ``partial`` a document whose only problems are in some of its values (a date that
    does not exist, a '!!binary' tag) is returned too, those values as None, beside its
    problems: a list of rows (roster, log) then loses only the rows they are in.
    """
    text, problem = read_text(path, max_bytes)
    if problem or text is None:
        return None, [problem] if problem else []
    if not text.strip():
        return None, [Problem(path, None, "", "file is empty", "add the fields or delete the file")]
    deep = too_deep(text)
    if deep is not None:
        return None, [_too_deep(path, deep)]
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or str(exc)
        return None, [
            Problem(
                path,
                line,
                "",
                f"is not valid YAML: {what}",
                "fix the YAML syntax near this line (indentation, a missing colon or quote)",
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(path, None, "", f"is not valid YAML: {exc}", "fix the YAML syntax")]
    except RecursionError:
        return None, [_too_deep(path, None)]
    if node is None:
        return None, [Problem(path, None, "", "file is empty", "add the fields or delete the file")]
    located = Located(None, path)
    problems: list[Problem] = []
    budget = [MAX_NODES]
    constructor = yaml.SafeLoader("")  # resolves scalars (int, date, ...) with the safe rules
    try:
        located.data = _build(node, (), located, problems, budget, constructor)
    except _TooBig:
        return None, [
            Problem(
                path,
                None,
                "",
                f"expands to more than {MAX_NODES:,} values (YAML aliases used as a 'billion laughs' bomb?)",
                "write the values out instead of repeating aliases",
            )
        ]
    except RecursionError:
        return None, [_too_deep(path, None)]
    return (None if problems and not partial else located), problems


def load_yaml_list(
    path: Path, max_bytes: int, what: str, must_be: str, expected: str, hint: str
) -> tuple[Located, list[Problem]]:
    """A YAML file that is a list of items (a roster's patients, a log's entries): PatientError
    when the file cannot be read or is not a list; the problems of single items are returned
    (``row_of`` tells whose), so an item that cannot be read costs that item only."""
    located, problems = load_yaml(path, max_bytes, partial=True)
    if located is None or (problems and any(row_of(p) is None for p in problems)):
        raise PatientError(f"the {what} {path} cannot be read", problems)
    if not isinstance(located.data, list):
        raise PatientError(f"the {what} {path} must be {must_be}", [Problem(path, 1, "", expected, hint)])
    return located, problems


def row_of(problem: Problem) -> int | None:
    """The index of the list item a problem of a partially loaded list is in (``[3].date``: 3)."""
    match = re.match(r"\[(\d+)\]", problem.field or "")
    return int(match.group(1)) if match else None


def _too_deep(path: Path, line: int | None) -> Problem:
    return Problem(
        path, line, "", f"is nested too deeply (more than {MAX_DEPTH:,} levels of lists or mappings)", "flatten the structure"
    )


def _build(
    node: yaml.Node,
    path: tuple[Any, ...],
    located: Located,
    problems: list[Problem],
    budget: list[int],
    constructor: yaml.SafeLoader,
) -> Any:
    # The key and leaf checks are helpers that return before this recurses, so they add no
    # frame per level of nesting: MAX_DEPTH (checked on the text first) is near Python's limit.
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
    located.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
        problems.append(
            Problem(
                located.file,
                node.start_mark.line + 1,
                _dotted(path),
                f"has a tag YAML cannot read safely ({node.tag})",
                "remove the '!!' tag and write plain values",
            )
        )
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _key(key_node, path, out, located, problems, constructor)
            if key is None:
                continue
            out[key] = _build(value_node, path + (key,), located, problems, budget, constructor)
            located.lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), located, problems, budget, constructor) for i, item in enumerate(node.value)]
    return _leaf(node, path, located, problems, constructor)


def _key(
    key_node: yaml.Node,
    path: tuple[Any, ...],
    out: dict[Any, Any],
    located: Located,
    problems: list[Problem],
    constructor: yaml.SafeLoader,
) -> str | None:
    """A mapping's key as a plain word, or None with the problem noted (a merge key, a key
    that is not a plain word, a key seen before in this mapping)."""
    if key_node.tag == "tag:yaml.org,2002:merge":
        problems.append(
            Problem(
                located.file,
                key_node.start_mark.line + 1,
                _dotted(path),
                "uses a '<<' merge key",
                "write the fields out; merge keys are not supported",
            )
        )
        return None
    try:
        key = _scalar(key_node, constructor) if isinstance(key_node, yaml.ScalarNode) else None
    except (yaml.constructor.ConstructorError, ValueError, OverflowError):
        key = None
    if key is None or isinstance(key, (list, dict)):
        problems.append(
            Problem(
                located.file,
                key_node.start_mark.line + 1,
                _dotted(path),
                "has a key that is not a plain word",
                "use a plain key",
            )
        )
        return None
    key = str(key)
    if key in out:
        problems.append(
            Problem(
                located.file,
                key_node.start_mark.line + 1,
                _dotted(path + (key,)),
                f"key '{key}' appears twice",
                "keep one of them",
            )
        )
        return None
    return str(key)


def _leaf(node: yaml.Node, path: tuple[Any, ...], located: Located, problems: list[Problem], constructor: yaml.SafeLoader) -> Any:
    """A scalar's value by the safe rules, or None with the problem noted."""
    try:
        value = _scalar(node, constructor)
    except yaml.constructor.ConstructorError as exc:
        problems.append(
            Problem(
                located.file,
                node.start_mark.line + 1,
                _dotted(path),
                f"has a value YAML cannot read safely ({exc.problem})",
                "remove the '!!' tag and write a plain value",
            )
        )
        return None
    except (ValueError, OverflowError) as exc:
        # The safe constructor's own errors: a date that does not exist (2026-02-30), an
        # integer of thousands of digits (Python refuses to convert it).
        problems.append(_bad_value(located.file, node, path, exc))
        return None
    if isinstance(value, (bytes, bytearray)):
        problems.append(
            Problem(
                located.file,
                node.start_mark.line + 1,
                _dotted(path),
                "is binary data (a '!!binary' tag), not text",
                "write the value as plain text",
            )
        )
        return None
    return value


def _bad_value(file: Path, node: yaml.Node, path: tuple[Any, ...], exc: Exception) -> Problem:
    text = str(node.value)[:40]
    if "digits" in str(exc):
        return Problem(
            file,
            node.start_mark.line + 1,
            _dotted(path),
            f"is a number far too long to be meant ({len(str(node.value)):,} digits)",
            "write the number you mean",
        )
    if node.tag.endswith(":timestamp") or re.match(r"\d{4}-\d{1,2}-\d{1,2}", text):
        return Problem(
            file,
            node.start_mark.line + 1,
            _dotted(path),
            f"'{text}' is not a real date ({exc})",
            "write a date that exists, as YYYY-MM-DD",
        )
    return Problem(file, node.start_mark.line + 1, _dotted(path), f"'{text}' cannot be read ({exc})", "write a plain value")


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _scalar(node: yaml.Node, constructor: yaml.SafeLoader) -> Any:
    # The safe constructor resolves the scalar's tag (int, float, bool, date, null) and
    # refuses every tag that would build a Python object.
    return constructor.construct_object(node, deep=True)


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted
