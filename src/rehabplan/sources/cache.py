"""A user cache for the parsed exercise library: plain data (JSON), never code.

Reading the library's YAML with line numbers is most of what `rehabplan build`, `exercises
list` and `validate` spend on it (~90 ms of ~100 ms); validating the same data with pydantic
takes ~8 ms. So the cache keeps the exercises as plain JSON data and every hit validates them
again through the same models: a cache file can only ever hold data that would pass as a
library file, and loading it runs no code of its own (no pickle).

Key: rehabplan's version, the Python version, the code that parses the files, the folder paths,
and the name, kind, size, mtime, ctime and inode of every entry the loader can read under each
library folder (its files and its ``illustrations/``); nothing else is looked at, and no file's
bytes are read to make the key (a 3 GB file beside a library, or a ``.git`` folder, costs one
``stat``). ctime cannot be set back by a user, so an edit that keeps the size and forges the
mtime is still a new key. A folder with more than ``MAX_ENTRIES`` entries is not cached.

Integrity: every record carries an HMAC-SHA256 of its key and payload under a per-user secret
(``secret.key``, 32 random bytes, 0600, beside the entries). Someone who can write the cache but
not read the secret cannot make an entry this user accepts. A hit is also validated again
through the models and the library's cross-checks (a dangling ``harder:`` is refused exactly as
from the YAML files), and only a library without problems or warnings is kept, so every message
is still reported from the files. ``rehabplan validate`` never reads the cache.

Safety: the folder is the user's own cache folder (platformdirs), made 0700, files 0600 and
written atomically. The folder, the secret and an entry are used only when they are owned by
this user and not accessible to (secret) or writable by (entries) others, under the size limit,
and the recorded key and HMAC match; anything else (missing, damaged, tampered, another
version's) is ignored and the library is read from the files. ``REHABPLAN_CACHE_DIR`` names
another folder; ``REHABPLAN_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 2
MAX_BYTES = 20_000_000
MAX_ENTRIES = 5_000  # per library folder (and per illustrations/): more is not cached
SECRET = "secret.key"
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
    """A hash of everything the cached value depends on, from names and ``stat`` only; None
    when a folder cannot be listed or is too big to key cheaply."""
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
            for sub in (folder, folder / "illustrations"):
                digest.update(b"\0sub\0" + str(sub.relative_to(folder)).encode())
                if sub is not folder and not sub.is_dir():
                    digest.update(b"\0none")
                    continue
                if not _stat_entries(sub, digest):
                    return None
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def _stat_entries(folder: Path, digest: Any) -> bool:
    """Feed each entry's name and stat into ``digest`` (a symlink: its target and the target's
    stat). False when the folder holds more than MAX_ENTRIES entries."""
    with os.scandir(folder) as it:
        names = []
        for entry in it:
            names.append(entry.name)
            if len(names) > MAX_ENTRIES:
                return False
    for name in sorted(names):
        path = folder / name
        st = os.lstat(path)
        digest.update(f"\0{name}\0{_stamp(st)}".encode())
        if stat.S_ISLNK(st.st_mode):
            digest.update(os.readlink(path).encode())
            try:
                digest.update(_stamp(os.stat(path)).encode())
            except OSError:
                digest.update(b"dangling")
    return True


def _stamp(st: os.stat_result) -> str:
    return f"{stat.S_IFMT(st.st_mode)}:{stat.S_IMODE(st.st_mode)}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}"


def _mine(st: os.stat_result, private: bool) -> bool:
    """Owned by this user and writable (``private``: accessible) by nobody else."""
    if not hasattr(os, "getuid"):
        return True
    others = 0o077 if private else (stat.S_IWGRP | stat.S_IWOTH)
    return st.st_uid == os.getuid() and not st.st_mode & others


def _secret(root: Path, create: bool) -> bytes | None:
    """The per-user HMAC key kept beside the entries; made on first use. None = no cache."""
    path = root / SECRET
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        if not _mine(os.stat(root), private=True) or not stat.S_ISDIR(os.lstat(root).st_mode):
            return None
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            if not create:
                return None
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            except FileExistsError:
                return None  # another process is making it this moment: no cache this once
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
            fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or not _mine(st, private=True) or st.st_size != 32:
                return None
            return fh.read(32)
    except OSError:
        return None


def _sign(secret: bytes, key: str, payload: Any) -> str:
    return hmac.new(secret, key.encode() + b"\0" + _canonical(payload), hashlib.sha256).hexdigest()


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
            if not _mine(st, private=False):
                return None  # written by someone else, or writable by others: not ours to trust
            record = json.loads(fh.read(MAX_BYTES + 1))
        payload = record["payload"]
        secret = _secret(path.parent, create=False)
        if (
            secret is None
            or key is None
            or record.get("format") != FORMAT
            or record.get("key") != key
            or not isinstance(record.get("hmac"), str)
            or not hmac.compare_digest(record["hmac"], _sign(secret, key, payload))
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
        st = os.lstat(path.parent)
        if hasattr(os, "getuid") and st.st_uid == os.getuid() and stat.S_ISDIR(st.st_mode) and st.st_mode & 0o077:
            os.chmod(path.parent, 0o700)  # the user's own folder made with a wider umask: make it private
        secret = _secret(path.parent, create=True)
        if secret is None or key is None:
            return
        record = {"format": FORMAT, "key": key, "hmac": _sign(secret, key, payload), "payload": payload}
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
