"""Writing output files: atomically, never over an existing file unless asked, safe names."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .errors import OutputExistsError, RenderError


def atomic_write(path: Path | str, data: bytes, force: bool = False) -> Path:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place.

    A crash or a full disk leaves either the old file or none: never half a handout.
    """
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} exists; use --force to overwrite it")
    if path.exists() and path.is_dir():
        raise RenderError(f"{path} is a folder; name a file")
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".part", dir=parent)
    except OSError as exc:
        raise RenderError(f"cannot write in {parent}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise RenderError(f"cannot write {path}: {exc.strerror}") from None
        raise
    return path


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_stem(*parts: str, max_len: int = 60) -> str:
    """A file name stem from patient fields: ASCII letters, digits, '.', '_' and '-' only.

    Path separators, '..', control characters and leading dots cannot survive; non-Latin names
    keep a short hash so two different names never collide on the same stem.
    """
    text = "-".join(p for p in parts if p)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("-", ascii_text).strip("-._")
    stem = re.sub(r"-{2,}", "-", stem)[:max_len].strip("-._")
    if not stem or ascii_text != text:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        stem = f"{stem}-{digest}" if stem else f"patient-{digest}"
    return stem


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
