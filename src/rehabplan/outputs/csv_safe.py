"""Spreadsheet formula injection: a CSV cell that a spreadsheet would run as a formula.

Every CSV rehabplan writes passes through ``neutralise``: a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (and that is not a plain number) gets a leading
apostrophe, so Excel, LibreOffice and Sheets show it as text instead of running it
(``=cmd|' /C calc'!A0``, ``=HYPERLINK(…)``).
"""

from __future__ import annotations

import csv
import io
import re

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def safe_cell(cell: str) -> str:
    if cell.startswith(_TRIGGERS) and not _NUMBER.match(cell):
        return "'" + cell
    return cell


def neutralise(text: str) -> str:
    """The same CSV with every formula-like cell made plain text."""
    rows = list(csv.reader(io.StringIO(text)))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buf.getvalue()
