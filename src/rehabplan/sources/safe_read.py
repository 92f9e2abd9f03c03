"""Reading files safely: regular files only, a size limit while reading, and one allow-list.

Two rules live here, so that every reader follows the same ones:

- ``read_regular`` reads input files (patient, roster, log, library, config). It opens without
  blocking and reads only regular files, stopping at the size limit as it reads: a FIFO, a
  device such as ``/dev/zero`` or a file that grows while it is read can neither hang nor
  exhaust memory.
- ``read_asset`` reads every file a handout embeds or loads (drawings, logo, templates,
  stylesheets, fonts), for the HTML's ``data:`` URIs and WeasyPrint's URL fetcher alike: the
  resolved real path must lie inside an allowed folder (so a symlink cannot lead out of it),
  the file must be regular and small enough, and its content must be the type its name says.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_ASSET_BYTES = 5_000_000  # a drawing or logo is a few KiB; a font a few hundred
MAX_TEMPLATE_BYTES = 1_000_000

# What a file's name promises, by suffix, and what its first bytes must then be.
SUFFIX_KINDS = {
    ".svg": "svg",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".gif": "gif",
    ".woff": "woff",
    ".woff2": "woff2",
    ".ttf": "ttf",
    ".otf": "otf",
    ".css": "text",
    ".j2": "text",
    ".html": "text",
    ".htm": "text",
    ".jinja": "text",
    ".txt": "text",
}
MIME = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "text": "text/plain",
}
IMAGE_KINDS = ("svg", "png", "jpeg", "gif")

_SVG_START = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:<!--.*?-->|<!DOCTYPE[^>]*>)\s*)*<svg[\s>]",
    re.DOTALL | re.IGNORECASE,
)


class Refused(Exception):
    """A file rehabplan will not read, with the reason and what would fix it."""

    def __init__(self, path: Path | str, reason: str, fix: str = ""):
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason
        self.fix = fix


def read_regular(path: Path | str, max_bytes: int, *, follow: bool = True) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, or Refused (never a hang).

    ``follow=False`` refuses a final symlink (for a path already resolved: a link swapped in
    after the check is not followed).
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise Refused(path, "file not found", "check the path") from None
    except IsADirectoryError:
        raise Refused(path, "is a folder, not a file", "name a file") from None
    except OSError as exc:
        raise Refused(path, f"cannot be read: {exc.strerror}", "check permissions") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise Refused(path, "is a folder, not a file", "name a file")
        if not stat.S_ISREG(st.st_mode):
            raise Refused(path, "is not a regular file (a device, pipe or socket)", "name an ordinary file")
        if st.st_size > max_bytes:
            raise Refused(
                path, f"file is {st.st_size:,} bytes; the limit is {max_bytes:,}", "split it or remove what does not belong in it"
            )
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:  # it grew while we read it
                raise Refused(
                    path, f"file is over the limit of {max_bytes:,} bytes", "split it or remove what does not belong in it"
                )
        return b"".join(chunks)
    except OSError as exc:
        raise Refused(path, f"cannot be read: {exc.strerror}", "check permissions") from None
    finally:
        os.close(fd)


def sniff(data: bytes) -> str | None:
    """The kind of file these bytes are, from their content alone (None: not one we embed)."""
    head = data[:4096]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"wOFF"):
        return "woff"
    if head.startswith(b"wOF2"):
        return "woff2"
    if head.startswith((b"\x00\x01\x00\x00", b"true")):
        return "ttf"
    if head.startswith(b"OTTO"):
        return "otf"
    if _SVG_START.match(head):
        return "svg"
    return None


def kind_of_name(path: Path | str) -> str | None:
    return SUFFIX_KINDS.get(Path(path).suffix.lower())


def inside(path: Path | str, roots: Iterable[Path | str]) -> Path:
    """The real path of ``path`` if it lies inside one of ``roots`` (also resolved), else Refused."""
    try:
        real = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        raise Refused(path, "file not found", "check the path") from None
    except (OSError, RuntimeError) as exc:
        raise Refused(path, f"cannot be read: {getattr(exc, 'strerror', None) or exc}", "check the path") from None
    for root in roots:
        try:
            real_root = Path(os.path.realpath(root))
        except (OSError, RuntimeError):
            continue
        if real == real_root or real.is_relative_to(real_root):
            return real
    folders = ", ".join(str(r) for r in roots)
    raise Refused(
        path, f"lies outside its folder ({folders}) or is a link that leads out of it", "copy the file itself into that folder"
    )


@dataclass(frozen=True)
class Asset:
    path: Path  # the real path that was read
    kind: str
    data: bytes

    @property
    def mime(self) -> str:
        return MIME[self.kind]


def read_asset(
    path: Path | str, roots: Iterable[Path | str], kinds: Iterable[str] | None = None, max_bytes: int = MAX_ASSET_BYTES
) -> Asset:
    """Read a file a handout uses, through the one allow-list; Refused says why not.

    ``kinds`` limits what the file may be (e.g. images for a logo); whatever it is, its
    content must be the type its name says.
    """
    roots = list(roots)
    real = inside(path, roots)
    expected = kind_of_name(path)
    allowed = tuple(kinds) if kinds is not None else tuple(set(SUFFIX_KINDS.values()))
    if expected is None or expected not in allowed:
        names = ", ".join(sorted({s for s, k in SUFFIX_KINDS.items() if k in allowed}))
        raise Refused(
            path, f"is not a kind of file rehabplan uses here (allowed: {names})", "name a file with one of those endings"
        )
    data = read_regular(real, max_bytes, follow=False)
    if expected == "text":
        if b"\x00" in data[:4096]:
            raise Refused(path, "is not a text file", "name the template or stylesheet itself")
    else:
        found = sniff(data)
        if found != expected:
            what = f"a {found.upper()} file" if found else "not an image or font rehabplan can use"
            raise Refused(
                path,
                f"its name says {expected.upper()} but its content is {what}",
                f"save it as a real {expected.upper()} file or fix its name",
            )
    return Asset(real, expected, data)
