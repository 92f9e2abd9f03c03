"""One exception family; each kind carries the exit code the CLI returns for it.

Exit codes (also in ``rehabplan --help`` and docs/security.md), each raised by its own class:

    0   success
    1   BulkIncomplete: a bulk run finished but some patients failed (the rest were built);
        UrgentFlag: `adjust` raised an urgent flag for the clinician
    2   UsageError (and Typer's own usage errors): unknown option, missing argument, a value
        not among the choices, an output name of the wrong kind
    3   LibraryError, ConfigError: a library, protocol or configuration file is invalid
    4   PatientError: a patient file, roster row, program JSON or log is invalid or impossible
    5   RenderError: the handout could not be laid out; MissingDependency: WeasyPrint or its
        Pango library is missing; OutputError: an output file or folder could not be written
    6   OutputExistsError: refused to overwrite without --force
    70  InternalError: a bug in rehabplan (``--debug`` or REHABPLAN_DEBUG=1 shows the traceback)
    130 interrupted (Ctrl-C or SIGTERM); nothing half-written is left behind
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Self


def count(n: int, noun: str) -> str:
    """'1 problem', '3 problems': messages a clinician reads say it as they would."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, said so a clinician can fix it."""

    file: Path | str | None
    line: int | None
    field: str
    message: str
    fix: str = ""
    warning: bool = False

    def __str__(self) -> str:
        where = str(self.file) if self.file else ""
        if self.line:
            where += f":{self.line}"
        head = f"{where}: " if where else ""
        fld = f"{self.field}: " if self.field else ""
        tail = f" — {self.fix}" if self.fix else ""
        return f"{head}{fld}{self.message}{tail}"


class RehabplanError(Exception):
    exit_code = 1
    title = "rehabplan error"

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])

    def with_hint(self, hint: str) -> Self:
        """The same error with what to do about it, shown below the message."""
        self.hint = hint
        return self

    hint = ""

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class LibraryError(RehabplanError):
    exit_code = 3
    title = "Library problem"

    @classmethod
    def check(cls, problems: list[Problem], what: str, strict: bool = False) -> list[Problem]:
        """Raise for the errors among ``problems`` (and warnings too when ``strict``);
        otherwise return the warnings."""
        errors = [p for p in problems if not p.warning]
        warnings = [p for p in problems if p.warning]
        if errors or (strict and warnings):
            shown = problems if strict else errors
            raise cls(f"{what} {count(len(shown), 'problem')}", shown)
        return warnings


class ConfigError(LibraryError):
    """The clinic configuration (rehabplan.yaml): exit code 3 like the library it points to."""

    title = "Configuration problem"


class PatientError(RehabplanError):
    exit_code = 4
    title = "Patient problem"


class RenderError(RehabplanError):
    exit_code = 5
    title = "Render problem"


class OutputError(RenderError):
    """An output file or folder that cannot be made or written (not a render problem)."""

    title = "Cannot write the output"


class MissingDependency(RenderError):
    """WeasyPrint, or the Pango library it draws text with, cannot be loaded."""

    title = "WeasyPrint cannot start"


class UsageError(RehabplanError):
    """A command line that asks for something impossible (e.g. a picture named out.jpg)."""

    exit_code = 2
    title = "Usage problem"


class InternalError(RehabplanError):
    """A bug in rehabplan, not a problem with the input."""

    exit_code = 70
    title = "Internal error (a bug in rehabplan)"


class OutputExistsError(RehabplanError):
    exit_code = 6
    title = "Output exists"


class BulkIncomplete(RehabplanError):
    exit_code = 1
    title = "Some patients failed"


class UrgentFlag(RehabplanError):
    """`adjust` printed an urgent flag: exit 1 so scripts notice, whatever else went wrong."""

    exit_code = 1
    title = "Urgent flag"

    @classmethod
    def wrapping(cls, exc: RehabplanError) -> UrgentFlag:
        flag = cls(exc.message, exc.problems)
        flag.title = f"{exc.title} (after an urgent flag)"
        return flag


EXIT_INTERRUPTED = 130
