"""The only place rehabplan reaches into WeasyPrint's, pydyf's, tinyhtml5's or cssselect2's
private code. Everything else in rehabplan uses their public API.

Each reach is a speed-up (or a clean-up) with three guards:

* it runs only with the exact versions it was written and tested against (``TESTED``, the same
  pins as constraints.txt; tests/test_weasy.py keeps the two equal);
* any exception in it falls back to the plain public path, so an upstream rename costs speed,
  never a handout;
* ``REHABPLAN_SPEEDUPS=0`` switches every speed-up off; ``REHABPLAN_SPEEDUPS=flate,tree``
  keeps only the ones named (benchmarks/speedups.py measures each one this way).

The speed-ups (docs/performance.md has what each one saves):

* ``flate`` (flate.py): pydyf compresses the PDF's streams at zlib's level 6, not 9;
* ``tree`` (tree.py): the built-in templates' HTML becomes WeasyPrint's element tree through
  the standard library's parser instead of tinyhtml5;
* ``ua`` (tree.py): WeasyPrint's user-agent stylesheet without the pseudo-element rules our
  markup cannot use.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger("rehabplan.render")

SPEEDUPS = ("flate", "tree", "ua", "cdefs", "fonttools")
ENV = "REHABPLAN_SPEEDUPS"

# The versions every speed-up here was written and tested against (constraints.txt's pins).
TESTED = {
    "weasyprint": "70.0",
    "pydyf": "0.13.0",
    "tinyhtml5": "2.1.0",
    "cssselect2": "0.10.1",
}

T = TypeVar("T")


def switched_on(name: str) -> bool:
    """Whether speed-up ``name`` is wanted (``REHABPLAN_SPEEDUPS``; all of them by default)."""
    value = os.environ.get(ENV, "").strip().lower()
    if value in ("", "1", "on", "all"):
        return True
    if value in ("0", "off", "none"):
        return False
    return name in {part.strip() for part in value.split(",")}


def tested_versions(*modules: str) -> bool:
    """Whether the installed ``modules`` (imported already) are the versions in ``TESTED``."""
    for module in modules:
        loaded = sys.modules.get(module)
        if loaded is None or getattr(loaded, "__version__", None) != TESTED[module]:
            return False
    return True


def fast_or_plain(name: str, modules: tuple[str, ...], fast: Callable[[], T], plain: Callable[[], T]) -> T:
    """``fast()`` when speed-up ``name`` is on and ``modules`` are the tested versions, else
    ``plain()``; ``plain()`` also when ``fast()`` raises anything at all."""
    if switched_on(name) and tested_versions(*modules):
        try:
            return fast()
        except Exception as exc:  # an upstream change must cost speed, never the handout
            log.debug("speed-up %r fell back to the plain path: %s: %s", name, type(exc).__name__, exc)
    return plain()
