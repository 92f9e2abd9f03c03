"""The handout's tracking pages filled in on screen: PDF form fields read back as log rows (pypdf).

Field names (templates/log.html.j2): ``w<week>s<session>.<field>`` for a session's done,
pain_during, pain_next_morning, spread, exercise and note; ``w<week>.<question>.yes`` / ``.no``
for the weekly red-flag questions; ``w<week>.note`` for the week's notes. A row's number in
problems is the week (a PDF has no rows); the column names the field.
"""

from __future__ import annotations

import re
from pathlib import Path

from rehabplan.errors import PatientError, Problem
from rehabplan.planning.redflags import QUESTION_COLUMNS, Hit, screen_cell

_SESSION = re.compile(r"^w(\d+)s(\d+)\.(\w+)$")
_WEEK = re.compile(r"^w(\d+)\.(\w+?)(?:\.(yes|no))?$")


def _fields(path: Path) -> dict[str, str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    fields = reader.get_fields() or {}
    out: dict[str, str] = {}
    for name, field in fields.items():
        value = field.get("/V")
        if value is None:
            continue
        text = str(value)
        if field.get("/FT") == "/Btn":
            text = "" if text in ("/Off", "Off", "") else "yes"
        out[name] = text.strip()
    return out


def pdf_rows(path: Path | str) -> list[tuple[int, dict[str, str]]]:
    """The filled-in form as log rows (line = the week), one per session with anything filled in;
    the week's questions and notes go on its first such row (or a row of their own)."""
    sessions, weeks = _by_session_and_week(_log_fields(Path(path)))
    return _rows(sessions, weeks)


def _log_fields(path: Path) -> dict[str, str]:
    """The form's fields, or a PatientError when the file is no PDF form with a tracking log."""
    try:
        fields = _fields(path)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds for a damaged file
        raise PatientError(
            f"the log {path} cannot be read as a PDF form",
            [
                Problem(
                    path,
                    None,
                    "",
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                    "save the filled-in handout as PDF again",
                )
            ],
        ) from None
    if not any(_SESSION.match(k) or _WEEK.match(k) for k in fields):
        raise PatientError(
            f"the log {path} has no tracking-log fields",
            [
                Problem(
                    path,
                    None,
                    "",
                    "this PDF is not a rehabplan handout with a fillable log",
                    "fill in the handout's tracking pages",
                )
            ],
        )
    return fields


def _by_session_and_week(fields: dict[str, str]) -> tuple[dict[tuple[int, int], dict[str, str]], dict[int, dict[str, str]]]:
    """Each session's fields, and each week's answers (a tick in "yes" wins) and note."""
    sessions: dict[tuple[int, int], dict[str, str]] = {}
    weeks: dict[int, dict[str, str]] = {}
    for name, value in fields.items():
        if m := _SESSION.match(name):
            sessions.setdefault((int(m.group(1)), int(m.group(2))), {})[m.group(3)] = value
        elif m := _WEEK.match(name):
            week, what, answer = int(m.group(1)), m.group(2), m.group(3)
            row = weeks.setdefault(week, {})
            if what in QUESTION_COLUMNS and answer:
                if value == "yes":
                    # A tick in "yes" wins over a tick in "no": when in doubt, ask.
                    if answer == "yes" or row.get(what) != "yes":
                        row[what] = answer
            elif what == "note" and value:
                row["note"] = value
    return sessions, weeks


def _rows(sessions: dict[tuple[int, int], dict[str, str]], weeks: dict[int, dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    """Log rows in week order; a week's answers and note ride on its first filled-in session."""
    rows: list[tuple[int, dict[str, str]]] = []
    for week in sorted({w for w, _ in sessions} | set(weeks)):
        extra = weeks.get(week, {})
        placed = False
        for (w, s), data in sorted(sessions.items()):
            if w != week or not any(data.values()):
                continue
            row = {"week": str(w), "session": str(s), **data}
            if not placed and extra:
                note = " · ".join(x for x in (data.get("note", ""), extra.get("note", "")) if x)
                row.update({k: v for k, v in extra.items() if k != "note"})
                row["note"] = note
                placed = True
            rows.append((w, row))
        if not placed and any(extra.values()):
            rows.append((week, {"week": str(week), **extra}))
    return rows


def screen_pdf(path: Path | str) -> list[Hit]:
    """Red flags in a filled-in form: every text field read, every question ticked yes."""
    hits: list[Hit] = []
    for name, value in _fields(Path(path)).items():
        if not value:
            continue
        week = None
        column = name
        if m := _SESSION.match(name):
            week, column = int(m.group(1)), m.group(3)
            if column in ("done", "spread", "pain_during", "pain_next_morning") and value == "yes":
                continue
        elif m := _WEEK.match(name):
            week, column = int(m.group(1)), m.group(2)
            if m.group(3) == "no":
                continue
        hits += screen_cell(week, column, value, week=week)
    return hits


def fill_form(source: Path | str, target: Path | str, values: dict[str, str | bool]) -> None:
    """Fill the handout's log fields as a patient would on screen (for examples and tests):
    text fields take strings, tick boxes True."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(str(source), incremental=True)  # the handout as it was, plus the filled-in fields
    for page in writer.pages:
        for annot in page.get("/Annots", []) or []:
            field = annot.get_object()
            name = field.get("/T")
            if name not in values:
                continue
            value = values[name]
            if field.get("/FT") == "/Btn":
                state = NameObject("/on" if value else "/Off")
                field[NameObject("/V")] = state
                field[NameObject("/AS")] = state
            else:
                from pypdf.generic import TextStringObject

                field[NameObject("/V")] = TextStringObject(str(value))
    writer.set_need_appearances_writer(True)
    with open(target, "wb") as fh:
        writer.write(fh)
