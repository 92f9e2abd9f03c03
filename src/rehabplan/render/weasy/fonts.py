"""Removing the folder WeasyPrint makes for a renderer's fonts, now rather than in a finalizer.

``FontConfiguration`` writes the fonts it loads into a temporary folder and removes it in
``__del__``, which never runs when the process ends with its heap frozen (a one-handout
``rehabplan build``) or with ``os._exit`` (a bulk worker). WeasyPrint has no public way to
remove it: the folder is its private ``_folder``. Not a speed-up, so no switch; with another
WeasyPrint whose configuration has no ``_folder``, nothing is removed here and WeasyPrint's own
finalizer does what it can.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def remove_font_folder(font_config) -> None:
    try:
        folder = getattr(font_config, "_folder", None)
        if isinstance(folder, (str, Path)) and Path(folder).name.startswith("weasyprint-"):
            shutil.rmtree(folder, ignore_errors=True)
            font_config._folder = None  # its finalizer has nothing left to do
    except Exception:  # noqa: BLE001 - a clean-up must never fail a handout
        pass
