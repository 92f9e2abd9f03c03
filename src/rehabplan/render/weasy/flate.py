"""The PDF's streams at zlib's level 6 instead of pydyf's hard-coded 9 (speed-up ``flate``).

pydyf (WeasyPrint's PDF writer) calls ``zlib.compressobj(level=9)`` and has no option for the
level. For the length of one write its module is lent a zlib whose ``compressobj`` uses level 6
(zlib's own default): still deterministic, so one input still gives the same bytes.
Plain path: ``document.write_pdf`` as it is (level 9).
"""

from __future__ import annotations

import threading
import zlib

from rehabplan.render.weasy import fast_or_plain

LEVEL = 6
_PYDYF_ZLIB = threading.Lock()  # one write at a time, so two threads never see each other's


class _ZlibAtLevel:
    """zlib as pydyf sees it while a handout is written: compressobj at ``level``."""

    def __init__(self, level: int):
        self.level = level

    def __getattr__(self, name):
        return getattr(zlib, name)

    def compressobj(self, level: int = -1, *args, **kwargs):
        return zlib.compressobj(self.level, *args, **kwargs)


def _write_at_level(document, kwargs: dict) -> bytes:
    import pydyf

    with _PYDYF_ZLIB:
        real = pydyf.zlib  # AttributeError when pydyf no longer imports zlib as a module
        if real is not zlib:
            raise RuntimeError("pydyf.zlib is not the zlib module")
        pydyf.zlib = _ZlibAtLevel(LEVEL)
        try:
            return document.write_pdf(**kwargs)
        finally:
            pydyf.zlib = real


def write_pdf(document, **kwargs) -> bytes:
    """``document.write_pdf(**kwargs)``, its streams compressed at ``LEVEL`` when it can."""
    return fast_or_plain(
        "flate",
        ("weasyprint", "pydyf"),
        lambda: _write_at_level(document, kwargs),
        lambda: document.write_pdf(**kwargs),
    )
