"""A user cache for work that depends only on files: the parsed exercise library.

Reading and validating the library's YAML takes a cold ``rehabplan build`` about a quarter of a
second; the result depends only on the files' bytes and on rehabplan's own code. So it is kept
in the user's cache folder, keyed by a hash of every input file (and of the code that parses
them), and reused while nothing changed. It can never change the output: any change to a file
gives another key, and a library with problems is never cached (its errors are reported from
the files every time).

Where: ``$REHABPLAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/rehabplan``, else ``~/.cache/rehabplan``.
``REHABPLAN_NO_CACHE=1`` turns it off. The folder is private to the user (0700); a cache that
cannot be read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

# The code whose behaviour the cached value depends on: a change to any of these is a new key.
_CODE = ("models.py", "library.py", "parse.py", "yaml_source.py", "errors.py", "cache.py")


def cache_dir() -> Path | None:
    if os.environ.get("REHABPLAN_NO_CACHE"):
        return None
    explicit = os.environ.get("REHABPLAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "rehabplan"


def files_key(kind: str, folders: list[Path], extra: str = "") -> str | None:
    """A hash of every file under ``folders`` (names and bytes), the parsing code and ``extra``."""
    digest = hashlib.sha256(f"{kind}\0{extra}\0".encode())
    here = Path(__file__).resolve().parent
    for name in _CODE:
        try:
            digest.update(name.encode() + b"\0" + (here / name).read_bytes())
        except OSError:
            return None
    for folder in folders:
        digest.update(b"\0folder\0" + str(Path(folder).resolve()).encode())
        if not Path(folder).is_dir():
            digest.update(b"\0missing")
            continue
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                try:
                    digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
                except OSError:
                    return None
    return digest.hexdigest()


def load(kind: str, key: str | None):
    root = cache_dir()
    if root is None or key is None:
        return None
    try:
        with open(root / f"{kind}-{key}.pickle", "rb") as fh:
            return pickle.load(fh)
    except Exception:  # missing, unreadable or from another Python: rebuild it
        return None


def store(kind: str, key: str | None, value) -> None:
    root = cache_dir()
    if root is None or key is None:
        return
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{kind}-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, root / f"{kind}-{key}.pickle")
        # Keep only the newest few entries of this kind.
        entries = sorted(root.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[8:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
