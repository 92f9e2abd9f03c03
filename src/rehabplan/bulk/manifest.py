"""The output folder of a bulk run: checked before any work, and the manifest's lock."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from rehabplan.errors import OutputError


def check_writable(out: Path) -> None:
    """Make ``out`` and prove a file can be written in it, or OutputError (exit 5) before any
    patient is planned: a read-only folder is not "some patients failed"."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {out}: {exc.strerror or exc}") from None
    if not out.is_dir():
        raise OutputError(f"the output folder {out} is not a folder")
    try:
        fd, name = tempfile.mkstemp(prefix=".write-test-", dir=out)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise OutputError(f"cannot write into the output folder {out}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """An exclusive lock on the output folder itself (POSIX ``flock`` on the folder, so no lock
    file is left beside the handouts) for as long as the block runs; where there is none, or
    the folder cannot be opened for it, no lock."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    try:
        fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
