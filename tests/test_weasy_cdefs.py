"""Speed-up ``cdefs`` (render/weasy/cdefs.py): WeasyPrint's C declarations come pre-parsed. The
file matches the installed WeasyPrint, a handout build uses it, the PDF is the same bytes without
it, its module keeps WeasyPrint's line numbers, and any failure runs WeasyPrint's own module."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from rehabplan.render.weasy import cdefs
from rehabplan.render.weasy._pango_cdefs import CDEF_SHA256

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them

REGENERATE = "python -m rehabplan.render.weasy.cdefs src/rehabplan/render/weasy/_pango_cdefs.py"


def weasyprint_ffi_source() -> str:
    return Path(importlib.util.find_spec(cdefs.TARGET).origin).read_text(encoding="utf-8")


def run(code: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    import os

    on = {"REHABPLAN_SPEEDUPS": "1"}  # on, unless the test says otherwise
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, timeout=300, env=os.environ | on | env)


def test_the_pre_parsed_declarations_are_the_installed_weasyprints():
    cdef = cdefs.cdef_of(weasyprint_ffi_source())
    assert cdef is not None, "WeasyPrint's ffi.py changed shape: update render/weasy/cdefs.py"
    assert cdefs.sha256(cdef) == CDEF_SHA256, f"WeasyPrint's declarations changed; run: {REGENERATE}"


def test_other_declarations_are_left_to_weasyprint_and_ours_keep_every_line_number():
    source = weasyprint_ffi_source()
    assert cdefs.rewritten(source, "0" * 64) is None
    assert cdefs.rewritten(source.replace("ffi.cdef('''", "ffi.cdef(  '''"), CDEF_SHA256) is None
    new = cdefs.rewritten(source, CDEF_SHA256)
    assert "from rehabplan.render.weasy._pango_cdefs import ffi" in new and "ffi.cdef(" not in new

    def lines(text: str) -> dict[str, int]:
        code = compile(text, "ffi.py", "exec")
        return {c.co_name: c.co_firstlineno for c in code.co_consts if hasattr(c, "co_firstlineno")}

    assert lines(new) == lines(source) and len(lines(source)) >= 2


PDF_OF_TEXT = """
import sys
if sys.argv[1] == "broken":
    import rehabplan.render.weasy._pango_cdefs as pre_parsed
    del pre_parsed.ffi  # found, but the rewritten module fails as it runs
if sys.argv[1] == "untested":
    import importlib.metadata
    importlib.metadata.version = lambda name: "999.0"  # another WeasyPrint than the tested one
if sys.argv[1] != "plain":
    from rehabplan.render.weasy.cdefs import prepare
    prepare()
import weasyprint
html = "<p style='font: 14pt sans-serif'>Sit tall, <b>breathe out</b> and ﬁnd 3 × 10 reps.</p>"
sys.stdout.buffer.write(weasyprint.HTML(string=html).write_pdf(pdf_identifier=False))
sys.stderr.write(" ".join(sorted(m for m in ("pycparser",) if m in sys.modules)))
"""


def test_the_same_pdf_bytes_with_without_broken_or_untested_pre_parsed_declarations():
    runs = {mode: run(PDF_OF_TEXT, mode) for mode in ("pre-parsed", "plain", "broken", "untested")}
    runs["switched off"] = run(PDF_OF_TEXT, "pre-parsed", REHABPLAN_SPEEDUPS="0")
    assert runs["pre-parsed"].stdout.startswith(b"%PDF")
    assert runs["pre-parsed"].stderr.decode().strip() == ""  # pycparser never loaded
    for mode in ("plain", "broken", "untested", "switched off"):
        assert runs[mode].stdout == runs["pre-parsed"].stdout, (mode, runs[mode].stderr.decode()[-2000:])
        assert "pycparser" in runs[mode].stderr.decode(), mode  # WeasyPrint's own parsing ran


def test_a_handout_build_loads_the_pre_parsed_declarations():
    code = """
import sys
from rehabplan.render.pdf import Renderer, Fetcher
Renderer(None)._setup(Fetcher([], []))
import weasyprint.text.ffi as ffi
print(type(ffi.ffi).__module__, "pycparser" in sys.modules)
"""
    done = run(code)
    assert done.stdout.decode().split() == ["_cffi_backend", "False"], done.stderr.decode()
