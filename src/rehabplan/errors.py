"""One exception family; each kind carries the exit code the CLI returns for it.

Exit codes (also in ``rehabplan --help`` and the README):

    0  success
    1  a bulk run finished but some patients failed (the rest were built), or `adjust`
       raised an urgent flag for the clinician
    2  usage error: unknown option, missing argument, a value not among the choices (Typer/Click)
    3  library or protocol error: a YAML file is invalid
    4  patient error: a patient file, roster row or log is invalid or impossible to plan
    5  render error: the handout could not be written
    6  output exists: refused to overwrite without --force
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
            raise cls(f"{what} {len(shown)} problem(s)", shown)
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


class OutputExistsError(RehabplanError):
    exit_code = 6
    title = "Output exists"


class BulkIncomplete(RehabplanError):
    exit_code = 1
    title = "Some patients failed"
