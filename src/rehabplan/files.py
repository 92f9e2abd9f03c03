"""Writing output files: atomically, never over an existing file unless asked, safe names."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .errors import OutputExistsError, RenderError


def atomic_write(output: Path | str, data: bytes, force: bool = False) -> Path:
    """Write ``data`` to ``output`` all at once, or not at all.

    The bytes go to a temporary file beside ``output`` and are then linked (or, with ``force``,
    renamed) into place: a crash or a full disk leaves the old file or none, never half a
    handout, and a file that appears meanwhile is not clobbered unless ``force``.
    """
    output = Path(output)
    if output.is_dir():
        raise RenderError(f"{output} is a folder; name a file")
    if output.exists() and not force:
        raise OutputExistsError(f"{output} exists and was kept")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name[:40]}.", suffix=".part", dir=output.parent)
    except OSError as exc:
        raise RenderError(f"cannot write into {output.parent}: {exc.strerror}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a handout is an ordinary document
        if force:
            os.replace(tmp, output)
        else:
            # link() fails if output appeared meanwhile: never clobber a file we were not told to.
            try:
                os.link(tmp, output)
            except FileExistsError:
                raise OutputExistsError(f"{output} exists and was kept") from None
            except OSError:
                if output.exists():
                    raise OutputExistsError(f"{output} exists and was kept") from None
                os.replace(tmp, output)  # file systems without hard links
            finally:
                if tmp.exists():
                    tmp.unlink()
    except BaseException as exc:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise RenderError(f"cannot write {output}: {exc.strerror or exc}") from None
        raise
    return output


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
