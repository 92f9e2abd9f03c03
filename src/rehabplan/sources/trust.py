"""Whose file is this? The trust rule for a clinic configuration found by discovery.

A ``rehabplan.yaml`` found in the working folder or a parent folder is obeyed only when it is
safe from other users, the way git refuses a repository of "dubious ownership":

- the file (and a symlink to it) is owned by the current user or by root, and is not writable
  by group or others;
- its folder is owned by the current user or by root, and is not writable by group or others
  unless the sticky bit keeps others from replacing the file (as in ``/tmp``).

A folder listed under ``safe_folders:`` in the user's own configuration
(``~/.config/rehabplan/rehabplan.yaml``) is trusted as it is, and so is a file the user names
(``--config FILE`` or ``$REHABPLAN_CONFIG``). Paths a discovered configuration names (library,
protocols, templates, logo) must pass the same check.

Discovery walks up from the working folder and stops after the home folder, a repository root
(a folder holding ``.git``), a filesystem boundary, or a folder named in
``$REHABPLAN_CEILING_DIRECTORIES`` (``os.pathsep``-separated, like git's
``GIT_CEILING_DIRECTORIES``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

CEILING_VAR = "REHABPLAN_CEILING_DIRECTORIES"


def _owner_name(uid: int) -> str:
    try:
        import pwd

        return f"user '{pwd.getpwuid(uid).pw_name}' (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def untrusted_reason(path: Path) -> str | None:
    """Why ``path`` (a file or folder) is not safe from other users; None when it is.

    On a system without user ids (Windows) every file is trusted."""
    if not hasattr(os, "getuid"):
        return None
    me = os.getuid()
    path = Path(path)
    try:
        link = os.lstat(path)
        target = os.stat(path)
        real = path.resolve()
        folder = os.stat(real.parent)
    except (OSError, RuntimeError, ValueError):
        return None  # missing or unreadable: the loader reports it
    for what, st in (("it", link), ("it", target)):
        if st.st_uid not in (me, 0):
            return f"{what} is owned by {_owner_name(st.st_uid)}, not by you"
    if target.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        who = "others" if target.st_mode & stat.S_IWOTH else "its group"
        return f"{who} can change it (mode {stat.S_IMODE(target.st_mode):o})"
    if real.parent == real:
        return None
    if folder.st_uid not in (me, 0):
        return f"its folder {real.parent} is owned by {_owner_name(folder.st_uid)}, not by you"
    if folder.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not folder.st_mode & stat.S_ISVTX:
        return f"others can replace it: its folder {real.parent} is writable by others (mode {stat.S_IMODE(folder.st_mode):o})"
    return None


def under_any(path: Path, folders: Iterable[Path]) -> bool:
    """Is ``path`` one of ``folders`` or inside one (both resolved)?"""
    try:
        real = Path(path).resolve()
    except (OSError, RuntimeError):
        return False
    for folder in folders:
        try:
            base = Path(folder).expanduser().resolve()
        except (OSError, RuntimeError):
            continue
        if real == base or base in real.parents:
            return True
    return False


def _ceilings() -> list[Path]:
    found = []
    for item in os.environ.get(CEILING_VAR, "").split(os.pathsep):
        if item.strip():
            try:
                found.append(Path(item).expanduser().resolve())
            except (OSError, RuntimeError):
                continue
    return found


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (OSError, RuntimeError, KeyError):
        return None


def discovery_folders(start: Path | None = None) -> Iterator[Path]:
    """The folders discovery looks in, nearest first; nothing when the working folder is gone."""
    try:
        here = (start or Path.cwd()).resolve()
    except (OSError, RuntimeError):
        return  # the working folder was deleted: there is nothing to discover
    stops = {p for p in [_home(), *_ceilings()] if p is not None}
    folder = here
    while True:
        yield folder
        if folder in stops or (folder / ".git").exists():
            return
        parent = folder.parent
        if parent == folder:
            return
        try:
            if os.stat(parent).st_dev != os.stat(folder).st_dev:
                return  # a filesystem boundary (a mount point)
        except OSError:
            return
        folder = parent
