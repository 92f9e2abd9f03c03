"""Errors the CLI did not expect, turned into the documented contract: a missing WeasyPrint or
Pango is a panel with the install hint (exit 5), any other exception is an internal error
(exit 70), Ctrl-C or SIGTERM exits 130, and ``--debug`` (or REHABPLAN_DEBUG=1) shows the
traceback of whatever caused an error."""

from __future__ import annotations

import os
import signal
import traceback
from collections.abc import Iterator

from rehabplan.errors import InternalError, MissingDependency, RehabplanError

_debug = [False]

PANGO_HINT = (
    "rehabplan draws handouts with WeasyPrint, which needs the Pango text library. Install it, "
    "then run the command again:\n"
    "  Debian/Ubuntu: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0\n"
    "  Fedora: sudo dnf install pango    macOS: brew install pango\n"
    "  Windows: see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html"
)
WEASYPRINT_HINT = "WeasyPrint is not installed with rehabplan: reinstall it (pipx reinstall rehabplan, or pip install rehabplan)."
_NATIVE = ("pango", "gobject", "harfbuzz", "fontconfig", "cairo", "libgobject", "glib")


def set_debug(on: bool) -> None:
    _debug[0] = on


def debug() -> bool:
    return _debug[0] or os.environ.get("REHABPLAN_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


def _chain(first: BaseException) -> Iterator[BaseException]:
    seen = set()
    exc: BaseException | None = first
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def missing_dependency(exc: BaseException) -> MissingDependency | None:
    """A MissingDependency when ``exc`` (or its cause) is WeasyPrint or Pango failing to load."""
    for link in _chain(exc):
        text = str(link).lower()
        if isinstance(link, ModuleNotFoundError) and (link.name or "").split(".")[0] in (
            "weasyprint",
            "pydyf",
            "tinyhtml5",
            "cffi",
        ):
            return MissingDependency(f"a library rehabplan needs is missing: {link.name}", []).with_hint(WEASYPRINT_HINT)
        if isinstance(link, OSError | ImportError) and any(n in text for n in _NATIVE):
            return MissingDependency(f"the Pango library cannot be loaded ({link})").with_hint(PANGO_HINT)
    return None


def classify(exc: Exception) -> RehabplanError:
    """The documented error for an exception no command turned into one."""
    found = missing_dependency(exc)
    if found is not None:
        return found
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    at = f" at {os.path.basename(where[0].filename)}:{where[0].lineno}" if where else ""
    error = InternalError(
        f"{type(exc).__name__}: {exc}{at}. This is a bug in rehabplan, not a problem with your files; "
        "run the command again with --debug (or REHABPLAN_DEBUG=1) to see the traceback, and report it."
    )
    error.__cause__ = exc
    return error


def traceback_text(exc: BaseException) -> str | None:
    """The traceback of what caused ``exc`` (or of ``exc`` itself), with --debug only."""
    if not debug():
        return None
    cause = exc.__cause__ or exc
    return "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))


def ignore_further_interrupts() -> None:
    """After the first Ctrl-C, the next ones must not interrupt the clean-up."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # not the main thread
        pass


def terminate_as_interrupt() -> None:
    """SIGTERM unwinds like Ctrl-C, so every ``finally`` (temporary files, WeasyPrint's font
    folder) runs before the process ends."""

    def on_term(signum, frame):
        raise KeyboardInterrupt

    try:
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, on_term)
    except (ValueError, OSError, AttributeError):
        pass
