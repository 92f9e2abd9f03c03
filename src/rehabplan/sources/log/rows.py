"""Pass 2: a CSV, YAML or filled-in PDF log file into rows for ``parse_rows``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rehabplan.errors import PatientError, Problem
from rehabplan.models import Program
from rehabplan.sources.log.fields import KNOWN_FIELDS, MAX_BYTES, SESSION_FIELDS, Log
from rehabplan.sources.log.screen import _delimiter
from rehabplan.sources.log.values import parse_rows


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
    from rehabplan.sources.yaml_file import load_yaml_list, row_of

    located, problems = load_yaml_list(
        path,
        MAX_BYTES,
        "log",
        "a list of entries",
        "expected a YAML list",
        "run 'rehabplan log-template --format yaml' for the format",
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
    problems = _header_problems(path, header)
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


def _header_problems(path: Path, header: list[str]) -> list[Problem]:
    """Raise for a header the log cannot be read by (none, a column twice); return a problem for
    each column it does not know (its cells are ignored)."""
    if not any(header):
        raise PatientError(
            f"the log {path} has no header",
            [Problem(path, 1, "", "columns are " + ", ".join(SESSION_FIELDS), "run 'rehabplan log-template' for the format")],
        )
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:  # which of the two would be meant is a guess
        raise PatientError(
            f"the log {path} names a column twice",
            [Problem(path, 1, f, "this column appears more than once", "keep one of them") for f in twice],
        )
    return [
        Problem(
            path,
            1,
            h,
            "is not a column of the log; its cells are ignored (they were read for red flags)",
            "columns are " + ", ".join(SESSION_FIELDS),
        )
        for h in header
        if h and h not in KNOWN_FIELDS
    ]
