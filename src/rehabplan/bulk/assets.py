"""The part of bulk's input hash that covers files: only those a handout can use.

A handout uses the templates (built-in and clinic: templates, stylesheets and what they link),
the drawings of the exercises in the library, and the clinic logo. Those are hashed, each read
with the same size limit a render applies (a larger file cannot reach a handout: it is named
by its size and times instead of being read). Nothing else beside them is read: a 3 GB file
next to the logo, a ``.git`` folder in the template folder, an unreadable file or the output
folder inside the clinic folder change nothing and cost nothing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from rehabplan.sources.safe_read import MAX_ASSET_BYTES, Refused, read_regular

MAX_TEMPLATE_FILES = 2_000  # files hashed per template folder; more is named by count only


def _stamp(path: Path) -> bytes:
    try:
        st = os.stat(path)
    except OSError:
        return b"missing"
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}".encode()


def _file(h, path: Path, label: str) -> None:
    h.update(b"\0" + label.encode() + b"\0")
    try:
        h.update(hashlib.sha256(read_regular(path, MAX_ASSET_BYTES)).digest())
    except Refused as exc:
        h.update(b"refused:" + exc.reason.encode() + b":" + _stamp(path))


def _template_files(folder: Path, out: Path | None) -> Iterable[Path]:
    count = 0
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and d != "__pycache__" and (out is None or (here / d).resolve() != out)
        )
        for name in sorted(names):
            if name.startswith("."):
                continue
            count += 1
            if count > MAX_TEMPLATE_FILES:
                return
            yield here / name


def assets_digest(template_folders: Iterable[Path | None], library, logo: Path | None, out: Path | None = None) -> str:
    h = hashlib.sha256()
    real_out = out.resolve() if out is not None else None
    for folder in template_folders:
        if folder is None or not Path(folder).is_dir():
            continue
        folder = Path(folder)
        h.update(b"\0templates\0" + str(folder).encode())
        for path in _template_files(folder, real_out):
            _file(h, path, str(path.relative_to(folder)))
    for ex_id in sorted(library.exercises):
        art = library.illustration_path(ex_id)
        if art is not None:
            _file(h, art, f"drawing:{ex_id}")
    if logo is not None:
        _file(h, Path(logo), "logo")
    return h.hexdigest()
