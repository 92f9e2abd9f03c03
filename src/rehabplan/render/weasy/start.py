"""What rehabplan does before it first imports WeasyPrint: importing it was ~0.55 s of a cold
``rehabplan build``, most of it work that a handout never needs.

* WeasyPrint's C declarations come pre-parsed instead of parsed by pycparser (pango_ffi.py):
  ~0.3 s.
* fontTools' subsetter and variable-font instancer, which WeasyPrint imports at its top but
  calls only when HarfBuzz's subsetter is missing (or too old) or a font is variable (neither,
  for the built-in fonts on a machine set up as the README says), are stand-ins until used:
  ~0.1 s and some 80 fontTools modules (the subsetter alone imports fontTools' variable-font,
  CFF, designspace and feature-file libraries). A stand-in becomes the real module the moment
  anything of it is used, so nothing changes but the start-up time.

tests/test_weasy_start.py checks a handout build uses neither, the PDF is the same bytes, and a
stand-in works as the real module.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path

from rehabplan.render.weasy import cdefs, switched_on

# Module -> its functions that WeasyPrint imports by name (``from M import f``): a by-name
# import takes the attribute at once, so those are small functions that call the real one.
DEFERRED = {
    "fontTools.subset": (),
    "fontTools.varLib.instancer": ("instantiateVariableFont",),
}


def prepare_weasyprint() -> None:
    """Call before importing WeasyPrint (idempotent; nothing to do once it is imported)."""
    if "weasyprint" in sys.modules:
        return
    if switched_on("cdefs"):
        cdefs.prepare()
    if switched_on("fonttools"):
        for name, functions in DEFERRED.items():
            _stand_in(name, functions)


def _stand_in(name: str, functions: tuple[str, ...]) -> None:
    if name in sys.modules:
        return
    found = _locate(name)
    if found is None:  # not installed: WeasyPrint's own import will say so
        return
    parent, _, child = name.rpartition(".")

    def real():
        if sys.modules.get(name) is module:
            del sys.modules[name]
        return importlib.import_module(name)  # also sets it on its (now imported) parent

    class StandIn(types.ModuleType):
        def __getattr__(self, attr):
            if attr.startswith("__"):  # the import system asks for __path__, __spec__, ...
                raise AttributeError(attr)
            return getattr(real(), attr)

    module = StandIn(name)
    if found.is_dir():
        module.__path__ = [str(found)]  # a package: its submodules still import
    for function in functions:
        module.__dict__[function] = _calls_real(real, function)
    sys.modules[name] = module
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)


def _locate(name: str) -> Path | None:
    """The file or package folder of module ``name``, found without importing its parents
    (``importlib.util.find_spec`` would import fontTools.varLib, what is deferred here)."""
    top, *parts = name.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None
    here = Path(next(iter(spec.submodule_search_locations)))
    for i, part in enumerate(parts):
        if (here / part / "__init__.py").is_file():
            here = here / part
        elif i == len(parts) - 1 and (here / f"{part}.py").is_file():
            return here / f"{part}.py"
        else:
            return None
    return here


def _calls_real(real, function: str):
    def call(*args, **kwargs):
        return getattr(real(), function)(*args, **kwargs)

    call.__name__ = call.__qualname__ = function
    return call
