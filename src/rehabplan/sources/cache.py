"""A user cache for the parsed exercise library: plain data (JSON), never code.

Reading the library's YAML with line numbers is most of what `rehabplan build`, `exercises
list` and `validate` spend on it (~90 ms of ~100 ms); validating the same data with pydantic
takes ~8 ms. So the cache keeps the exercises as plain JSON data and every hit validates them
again through the same models: a cache file can only ever hold data that would pass as a
library file, and loading it runs no code of its own (no pickle).

Key: rehabplan's version, the Python version, the code that parses the files, the folder paths,
and every file's name and bytes under each library folder (the YAML files and their
illustrations). Any change is a new key, so the cache never changes the output. Only a library
without problems or warnings is kept, so every message is still reported from the files.

Safety: the folder is the user's own cache folder (platformdirs), made 0700, files 0600 and
written atomically. A file is used only when it is a regular file owned by this user and not
writable by others, under the size limit, and its recorded key and checksum match; anything
else (missing, damaged, tampered, another version's) is ignored and the library is read from
the files. ``REHABPLAN_CACHE_DIR`` names another folder; ``REHABPLAN_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1
MAX_BYTES = 20_000_000
KEEP = 8  # newest entries kept per kind
# The code the cached value depends on (relative to the package): a change to any is a new key.
_CODE = (
    "models/base.py",
    "models/exercise.py",
    "models/protocol.py",
    "sources/library.py",
    "sources/parse.py",
    "sources/yaml_file.py",
    "sources/safe_read.py",
    "errors.py",
    "sources/cache.py",
    "figures/pose.py",
)


def cache_dir() -> Path | None:
    if os.environ.get("REHABPLAN_NO_CACHE"):
        return None
    explicit = os.environ.get("REHABPLAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("rehabplan", appauthor=False))


def files_key(kind: str, folders: list[Path], extra: str = "") -> str | None:
    """A hash of everything the cached value depends on; None when a file cannot be read."""
    from rehabplan import __version__

    digest = hashlib.sha256(f"{kind}\0{FORMAT}\0{__version__}\0{sys.version}\0{extra}\0".encode())
    here = Path(__file__).resolve().parent.parent
    try:
        for name in _CODE:
            digest.update(name.encode() + b"\0" + (here / name).read_bytes())
        for folder in folders:
            folder = Path(folder)
            digest.update(b"\0folder\0" + str(folder.absolute()).encode())
            if not folder.is_dir():
                digest.update(b"\0not a folder")
                continue
            for path in sorted(folder.rglob("*")):
                if "__pycache__" in path.parts:
                    continue
                # Links and odd files are named with their kind: the checks that the loader makes
                # on them (illustrations must be regular files inside the folder) differ.
                kind_of = "f" if path.is_file() and not path.is_symlink() else "l" if path.is_symlink() else "d"
                digest.update(f"\0{kind_of}\0{path.relative_to(folder)}\0".encode())
                if kind_of == "f":
                    digest.update(path.read_bytes())
                elif kind_of == "l":
                    digest.update(os.readlink(path).encode())
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def _entry(kind: str, key: str) -> Path | None:
    root = cache_dir()
    return None if root is None else root / f"{kind}-{key}.json"


def load(kind: str, key: str | None) -> Any | None:
    """The payload stored under ``key``, or None (missing, unsafe, damaged or another key's)."""
    path = _entry(kind, key) if key else None
    if path is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
                return None
            if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
                return None  # written by someone else, or writable by others: not ours to trust
            record = json.loads(fh.read(MAX_BYTES + 1))
        payload = record["payload"]
        if (
            record.get("format") != FORMAT
            or record.get("key") != key
            or record.get("sha256") != hashlib.sha256(_canonical(payload)).hexdigest()
        ):
            return None
        return payload
    except Exception:  # noqa: BLE001 -- any problem at all: read the files instead
        return None


def store(kind: str, key: str | None, payload: Any) -> None:
    """Keep ``payload`` (plain JSON data) under ``key``; failing quietly (a read-only home)."""
    path = _entry(kind, key) if key else None
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        record = {"format": FORMAT, "key": key, "sha256": hashlib.sha256(_canonical(payload)).hexdigest(), "payload": payload}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{kind}-", suffix=".tmp")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(record, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        entries = sorted(path.parent.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        pass


def _canonical(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
