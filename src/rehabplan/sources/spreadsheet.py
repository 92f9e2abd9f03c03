"""CSV files as spreadsheets save them: rosters and pain logs from Excel, LibreOffice, Numbers.

A spreadsheet in a German or French locale separates cells with ';', Excel adds a UTF-8 byte
order mark ("CSV UTF-8") or writes Windows-1252 ("CSV"), and "Unicode text" is UTF-16 with
tabs. All of these are read; anything else is refused with a message naming the encoding.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rehabplan.errors import Problem
from rehabplan.sources.safe_read import read_regular
from rehabplan.sources.yaml_file import read_text

DELIMITERS = (",", ";", "\t")


def read_csv_text(path: Path | str, max_bytes: int) -> tuple[str | None, Problem | None]:
    """The text of a CSV file in UTF-8 (with or without BOM), UTF-16 or Windows-1252."""
    path = Path(path)
    text, problem = read_text(path, max_bytes)
    if problem is None or "not UTF-8" not in problem.message:
        return text, problem
    raw = read_regular(path, max_bytes)  # the same safe read: regular file, size limit
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16"), None
        except UnicodeDecodeError:
            pass
    try:
        # Excel's plain "CSV" on a Western Windows machine: read it as the spreadsheet wrote it.
        return raw.decode("cp1252"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, Problem(
            path,
            line,
            "",
            f"is neither UTF-8 nor Windows-1252 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            "save it from the spreadsheet as 'CSV UTF-8'",
        )


def dict_reader(text: str) -> csv.DictReader[str]:
    """A DictReader with the delimiter the header row uses (',', ';' or tab)."""
    header = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=lambda d: (len(next(csv.reader([header], delimiter=d), [])), d == ","))
    return csv.DictReader(io.StringIO(text), delimiter=delimiter)
