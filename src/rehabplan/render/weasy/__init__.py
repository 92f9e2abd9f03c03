"""The only place rehabplan reaches into WeasyPrint's private code. Everything else in rehabplan
uses WeasyPrint's, pydyf's, tinyhtml5's and cssselect2's public API only.

* ``cdefs.py``, speed-up ``cdefs``: WeasyPrint's C declarations come pre-parsed, not parsed by
  pycparser at every start (a cold ``rehabplan build`` only; docs/performance.md has what it
  saves). It runs only with the exact WeasyPrint it was made from (``TESTED``, constraints.txt's
  pin; tests/test_weasy.py keeps the two equal) and exactly its declarations; any exception in
  it runs WeasyPrint's own module instead.
* ``fonts.py``: the folder WeasyPrint writes a renderer's fonts into is removed when the
  renderer closes (WeasyPrint has no public way to remove it). Not a speed-up.

``REHABPLAN_SPEEDUPS=0`` switches every speed-up off; ``REHABPLAN_SPEEDUPS=cdefs`` keeps only
the ones named (benchmarks/speedups.py measures each one this way). A speed-up is kept only while
it saves more than 5 % of a warm render or of a cold build, measured alternating in one run.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("rehabplan.render")

SPEEDUPS = ("cdefs",)
ENV = "REHABPLAN_SPEEDUPS"

# The versions the code here was written and tested against (constraints.txt's pins).
TESTED = {"weasyprint": "70.0"}


def switched_on(name: str) -> bool:
    """Whether speed-up ``name`` is wanted (``REHABPLAN_SPEEDUPS``; all of them by default)."""
    value = os.environ.get(ENV, "").strip().lower()
    if value in ("", "1", "on", "all"):
        return True
    if value in ("0", "off", "none"):
        return False
    return name in {part.strip() for part in value.split(",")}


def prepare_weasyprint() -> None:
    """Call before rehabplan first imports WeasyPrint (idempotent; nothing to do once it is)."""
    from rehabplan.render.weasy import cdefs

    cdefs.prepare()
