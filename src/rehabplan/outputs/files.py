"""Writing output files: atomically, never over an existing file unless asked, safe names."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
import unicodedata
from pathlib import Path

from rehabplan.errors import OutputError, OutputExistsError


def atomic_write(output: Path | str, data: bytes, force: bool = False) -> Path:
    """Write ``data`` to ``output`` all at once, or not at all.

    The bytes go to a temporary file beside ``output`` and are then linked (or, with ``force``,
    renamed) into place: a crash or a full disk leaves the old file or none, never half a
    handout, and a file that appears meanwhile is not clobbered unless ``force``.
    """
    output = Path(output)
    check_target(output, force)
    special = _special(output)
    if special == "char":
        return _stream(output, data)
    if special:
        raise OutputError(f"{output} is not a regular file ({special}); name an ordinary file")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name[:40]}.", suffix=".part", dir=output.parent)
    except OSError as exc:
        raise OutputError(f"cannot write into {output.parent}: {exc.strerror}") from None
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
            raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from None
        raise
    return output


def check_target(output: Path, force: bool = False) -> None:
    """Refuse an output that cannot or must not be written, before any work: a folder, an
    existing file without ``force``, a name the file system cannot hold (too long)."""
    try:
        if output.is_dir():
            raise OutputError(f"{output} is a folder; name a file")
        if output.exists() and not force:
            raise OutputExistsError(f"{output} exists and was kept")
        if len(os.fsencode(output.name)) > 255:
            raise OutputError(
                f"the file name {output.name[:40]}… is {len(os.fsencode(output.name))} bytes long; 255 is the most a file system holds"
            )
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from None


def _special(path: Path) -> str | None:
    """What kind of special file ``path`` is (None for a regular file or no file)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISCHR(mode):
        return "char"
    return "a pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"


def _stream(output: Path, data: bytes) -> Path:
    """Write to a character device (``-o /dev/null``) in place: renaming a temporary file
    over it would replace the device itself with a regular file."""
    try:
        fd = os.open(output, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from None
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


def write_all(
    files: list[tuple[Path, bytes]], force: bool = False, *, regenerated: frozenset[Path] = frozenset(), root: Path | None = None
) -> list[Path]:
    """Write several files all together or none of them.

    Every target is checked first (a folder, a file that exists without ``force`` — files in
    ``regenerated`` are always replaced —, a name too long, and a symlinked folder between
    ``root`` and the file: a folder the user did not name is never written through). Then all
    are written to temporary files beside their targets, and only when every one is written are
    they moved into place; a failure on the way removes the temporary files and any folder made.
    """
    files = [(Path(p), d) for p, d in files]
    for path, _ in files:
        check_target(path, force or path in regenerated)
        if _special(path):
            raise OutputError(f"{path} is not a regular file; name an ordinary file")
        if root is not None:
            _refuse_links_between(Path(root), path.parent)
    made: list[Path] = []
    temps: list[tuple[Path, Path, bool]] = []
    placed: list[Path] = []
    try:
        for path, data in files:
            for folder in reversed([path.parent, *path.parent.parents]):
                if not folder.exists():
                    folder.mkdir()
                    made.append(folder)
            fd, name = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".part", dir=path.parent)
            temps.append((Path(name), path, force or path in regenerated))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(name, 0o644)
        for tmp, path, replace in temps:
            if replace:
                os.replace(tmp, path)
            else:
                os.link(tmp, path)  # FileExistsError if it appeared meanwhile: never clobbered
                tmp.unlink()
                placed.append(path)
    except BaseException as exc:
        for tmp, _, _ in temps:
            tmp.unlink(missing_ok=True)
        for path in placed:  # new files only: nothing that was there before is removed
            path.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(exc, FileExistsError):
            raise OutputExistsError(f"{exc.filename} exists and was kept") from None
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {exc.filename or 'the files'}: {exc.strerror or exc}; nothing was written") from None
        raise
    return [path for path, _ in files]


def _refuse_links_between(root: Path, folder: Path) -> None:
    """OutputError when a folder below ``root`` on the way to ``folder`` is a symlink."""
    try:
        rel = folder.absolute().relative_to(root.absolute())
    except ValueError:
        return
    current = root.absolute()
    for part in rel.parts:
        current = current / part
        if current.is_symlink():
            raise OutputError(
                f"{current} is a symbolic link (to {os.readlink(current)}); rehabplan does not write through a link "
                "it was not given: remove it, or name the real folder"
            )
