"""WeasyPrint's C declarations come pre-parsed (rehabplan/render/pango_ffi.py, issue 10: cold
build): the file matches the installed WeasyPrint, rehabplan uses it, and the PDF is the same."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from rehabplan.render.weasy import cdefs as pango_ffi
from rehabplan.render.weasy._pango_cdefs import CDEF_SHA256

REGENERATE = "python -m rehabplan.render.weasy.cdefs src/rehabplan/render/weasy/_pango_cdefs.py"


def weasyprint_ffi_source() -> str:
    return Path(importlib.util.find_spec(pango_ffi.TARGET).origin).read_text(encoding="utf-8")


def test_the_pre_parsed_declarations_are_the_installed_weasyprints():
    cdef = pango_ffi.cdef_of(weasyprint_ffi_source())
    assert cdef is not None, "WeasyPrint's ffi.py changed shape: update pango_ffi.cdef_of"
    assert pango_ffi.sha256(cdef) == CDEF_SHA256, f"WeasyPrint's declarations changed; run: {REGENERATE}"


def test_other_declarations_fall_back_to_weasyprints_own_parsing():
    source = weasyprint_ffi_source()
    assert pango_ffi.rewritten(source, "0" * 64) is None
    assert pango_ffi.rewritten(source.replace("ffi.cdef('''", "ffi.cdef(  '''"), CDEF_SHA256) is None
    new = pango_ffi.rewritten(source, CDEF_SHA256)
    assert "from rehabplan.render.weasy._pango_cdefs import ffi" in new and "ffi.cdef(" not in new


PDF_OF_TEXT = """
import sys
if sys.argv[1] == "pre-parsed":
    from rehabplan.render.weasy.cdefs import prepare
    prepare()
import weasyprint
html = "<p style='font: 14pt sans-serif'>Sit tall, <b>breathe out</b> and ﬁnd 3 × 10 reps.</p>"
sys.stdout.buffer.write(weasyprint.HTML(string=html).write_pdf(pdf_identifier=False))
sys.stderr.write(" ".join(sorted(m for m in ("pycparser", "cffi.api") if m in sys.modules)))
"""


def test_the_same_pdf_bytes_without_parsing_c_declarations():
    runs = {
        mode: subprocess.run([sys.executable, "-c", PDF_OF_TEXT, mode], capture_output=True, timeout=120)
        for mode in ("pre-parsed", "weasyprint's own")
    }
    assert runs["pre-parsed"].stdout.startswith(b"%PDF")
    assert runs["pre-parsed"].stdout == runs["weasyprint's own"].stdout
    assert runs["pre-parsed"].stderr.decode().strip() == ""  # neither pycparser nor cffi's parser loaded
    assert "pycparser" in runs["weasyprint's own"].stderr.decode()


def test_a_handout_build_loads_the_pre_parsed_declarations(tmp_path):
    code = """
import sys
from rehabplan.render.pdf import Renderer
Renderer(None)._setup(__import__("rehabplan.render.pdf", fromlist=["Fetcher"]).Fetcher([], []))
import weasyprint.text.ffi as ffi
print(type(ffi.ffi).__module__, "pycparser" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["_cffi_backend", "False"], done.stderr
