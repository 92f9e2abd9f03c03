"""WeasyPrint's C declarations for Pango, HarfBuzz and fontconfig, pre-parsed when rehabplan
is made rather than at every start (speed-up ``cdefs``, a cold build only).

WeasyPrint declares the C functions it calls (``weasyprint/text/ffi.py``) as 16 kB of C text
that cffi parses with pycparser on every import. ``_pango_cdefs.py`` holds cffi's own
pre-parsed ("out-of-line ABI mode") form of the same declarations; loading it takes a few
milliseconds. It is generated from the installed WeasyPrint with::

    python -m rehabplan.render.weasy.cdefs src/rehabplan/render/weasy/_pango_cdefs.py

``prepare()``, called before rehabplan first imports WeasyPrint, installs a one-shot import
hook: when WeasyPrint imports ``weasyprint.text.ffi``, that module's own code runs with its
``ffi = cffi.FFI(); ffi.cdef(...)`` replaced by the pre-parsed FFI, on the same line numbers.
Only with the tested WeasyPrint and exactly the declarations the file was made from (their
SHA-256); any exception while the rewritten module runs (a missing Pango library, say) runs
WeasyPrint's own module instead, so its own error is what the user sees.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

from rehabplan.render.weasy import TESTED, log, switched_on

TARGET = "weasyprint.text.ffi"
_CDEF_START = "ffi = cffi.FFI()\nffi.cdef('''"
_CDEF_END = "''')\n"


def cdef_of(source: str) -> str | None:
    """The C declarations in WeasyPrint's ``text/ffi.py`` source, or None if its shape changed."""
    start = source.find(_CDEF_START)
    if start < 0 or source.find(_CDEF_START, start + 1) >= 0:
        return None
    end = source.find(_CDEF_END, start)
    return None if end < 0 else source[start + len(_CDEF_START) : end]


def sha256(cdef: str) -> str:
    return hashlib.sha256(cdef.encode()).hexdigest()


def rewritten(source: str, expected_sha256: str) -> str | None:
    """``source`` with the parsing of its declarations replaced by the pre-parsed FFI; None
    when the declarations are not the expected ones or ``cffi`` is used elsewhere in it."""
    cdef = cdef_of(source)
    if cdef is None or sha256(cdef) != expected_sha256:
        return None
    block = _CDEF_START + cdef + _CDEF_END
    # The same number of lines, so every line of the module keeps its number in a traceback.
    out = source.replace(block, "from rehabplan.render.weasy._pango_cdefs import ffi" + "\n" * block.count("\n"), 1)
    out = out.replace("\nimport cffi\n", "\n\n", 1)
    return None if "cffi" in out.replace("rehabplan.render.weasy._pango_cdefs", "") else out


class _Loader(importlib.abc.Loader):
    def __init__(self, code, plain_code):
        self.code = code
        self.plain_code = plain_code

    def create_module(self, spec):
        return None  # the default module object

    def exec_module(self, module) -> None:
        own = dict(module.__dict__)  # __name__, __spec__, __file__... as the import system set them
        try:
            exec(self.code, module.__dict__)
        except Exception as exc:  # noqa: BLE001 - a speed-up falls back to the public path on any exception
            log.debug("speed-up 'cdefs' fell back to WeasyPrint's own ffi.py: %s: %s", type(exc).__name__, exc)
            module.__dict__.clear()
            module.__dict__.update(own)
            exec(self.plain_code, module.__dict__)


class _Finder(importlib.abc.MetaPathFinder):
    """Serves ``weasyprint.text.ffi`` once, rewritten; steps aside for everything else."""

    def find_spec(self, name, path, target=None):
        if name != TARGET:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)  # one-shot: the real finders answer from now on
        try:
            return self._rewritten_spec(name, path)
        except Exception as exc:  # noqa: BLE001 - the plain import runs instead
            log.debug("speed-up 'cdefs' not used: %s: %s", type(exc).__name__, exc)
            return None

    @staticmethod
    def _rewritten_spec(name, path):
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            return None
        from rehabplan.render.weasy._pango_cdefs import CDEF_SHA256

        source = Path(spec.origin).read_text(encoding="utf-8")
        new_source = rewritten(source, CDEF_SHA256)
        if new_source is None:
            return None
        code = compile(new_source, spec.origin, "exec")
        plain_code = compile(source, spec.origin, "exec")
        return importlib.util.spec_from_file_location(name, spec.origin, loader=_Loader(code, plain_code))


def prepare() -> None:
    """Let the next import of WeasyPrint use the pre-parsed declarations (idempotent): only
    when the speed-up is on and the installed WeasyPrint is the tested one."""
    if TARGET in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path) or not switched_on("cdefs"):
        return
    try:
        from importlib.metadata import version

        if version("weasyprint") != TESTED["weasyprint"]:
            return
    except Exception:  # noqa: BLE001 - a speed-up falls back to the public path on any exception
        return
    sys.meta_path.insert(0, _Finder())


def generate(output: Path) -> str:
    """Write ``_pango_cdefs.py`` for the installed WeasyPrint; returns the declarations' SHA-256."""
    import subprocess

    import cffi

    spec = importlib.util.find_spec(TARGET)
    assert spec is not None and spec.origin is not None, f"{TARGET} is not installed"
    cdef = cdef_of(Path(spec.origin).read_text(encoding="utf-8"))
    if cdef is None:
        raise SystemExit(f"{spec.origin}: its ffi.cdef(...) block is not where it was; update render/weasy/cdefs.py")
    builder = cffi.FFI()
    builder.cdef(cdef)
    builder.set_source("rehabplan.render.weasy._pango_cdefs", None)
    builder.emit_python_code(str(output))
    digest = sha256(cdef)
    text = output.read_text(encoding="utf-8")
    header = (
        "# Generated by `python -m rehabplan.render.weasy.cdefs` from WeasyPrint's text/ffi.py: do not edit.\n"
        "# cffi's pre-parsed form of WeasyPrint's C declarations (see render/weasy/cdefs.py).\n"
    )
    output.write_text(header + text.replace("# auto-generated file\n", "", 1) + f'\nCDEF_SHA256 = "{digest}"\n')
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(output)], check=False)
    return digest


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("_pango_cdefs.py")
    print(target, generate(target))
