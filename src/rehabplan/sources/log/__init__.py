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

The parts: ``fields`` (the columns and what a read log holds), ``screen`` (pass 1), ``rows``
(pass 2: the file into rows), ``values`` (pass 2: what a row's cells say) and ``template`` (the
blank log). Import them from here, ``rehabplan.sources.log``.
"""

from __future__ import annotations

from rehabplan.planning.redflags import QUESTION_COLUMNS
from rehabplan.sources.log.fields import (
    ANSWER_FIELDS,
    EXERCISE_FIELDS,
    KNOWN_FIELDS,
    MAX_BYTES,
    NO,
    OUTCOME_FIELDS,
    SESSION_FIELDS,
    YES,
    Log,
    LogEntry,
)
from rehabplan.sources.log.rows import read_log
from rehabplan.sources.log.screen import screen_log
from rehabplan.sources.log.template import exercise_log_template, items_of, log_template, session_dates, week_items
from rehabplan.sources.log.values import name_index, parse_pain, parse_rows, parse_yes_no

__all__ = [
    "ANSWER_FIELDS",
    "EXERCISE_FIELDS",
    "KNOWN_FIELDS",
    "MAX_BYTES",
    "NO",
    "OUTCOME_FIELDS",
    "QUESTION_COLUMNS",
    "SESSION_FIELDS",
    "YES",
    "Log",
    "LogEntry",
    "exercise_log_template",
    "items_of",
    "log_template",
    "name_index",
    "parse_pain",
    "parse_rows",
    "parse_yes_no",
    "read_log",
    "screen_log",
    "session_dates",
    "week_items",
]
