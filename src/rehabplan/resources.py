"""Where the built-in exercises, protocols, templates and examples are.

In an installed wheel they live inside the package (``rehabplan/_data``); in a source checkout
(an editable install or running the tests from the tree) they are the repository's own folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The built-in folder ``name`` (exercises, protocols, templates, examples)."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / name
