"""Python's garbage collector belongs to whoever owns the process.

rehabplan steers it (automatic collection off, the heap frozen) only in processes it owns: the
``rehabplan`` command (cli.main) and bulk's worker processes. Called as a library (``Renderer.pdf``,
``bulk_build`` from a host program, a notebook, Dask or Ray) it leaves the collector as the host
set it: it never turns collection off, never freezes the host's objects, never unfreezes what the
host froze.
"""

from __future__ import annotations

import gc

_OWNED = False


def own_this_process() -> None:
    """Say this process is rehabplan's own (cli.main, a bulk worker)."""
    global _OWNED
    _OWNED = True


def owned() -> bool:
    return _OWNED


def freeze_heap() -> bool:
    """In rehabplan's own process: collect, then freeze what is left, so forked workers never
    walk (and so copy) the parent's objects; returns whether it froze, for ``thaw_heap``."""
    if not _OWNED:
        return False
    gc.collect()
    gc.freeze()
    return True


def thaw_heap(frozen: bool) -> None:
    if frozen:
        gc.unfreeze()
