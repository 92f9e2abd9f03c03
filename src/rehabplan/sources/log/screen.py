"""Pass 1: every cell of a log file read as text for red flags, before anything else can fail."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from rehabplan.planning.redflags import Hit, screen_cell, screen_header_cell
from rehabplan.sources.log.fields import KNOWN_FIELDS, MAX_BYTES


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
