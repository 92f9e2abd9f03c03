"""Importing WeasyPrint for a handout skips what a handout never uses (render/weasy_start.py,
issue 10: cold build): fontTools' subsetter and variable-font instancer are stand-ins until
used, the PDF is the same bytes, and a stand-in works as the real module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "patient.yaml"


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


BUILD = """
import hashlib, sys
if sys.argv[1] == "plain":
    import weasyprint  # first, as WeasyPrint would be imported without rehabplan's preparation
import rehabplan
from rehabplan.render.pdf import Renderer
library = rehabplan.load_library()
patient = rehabplan.load_patient(sys.argv[2])
program = rehabplan.plan(library, rehabplan.load_protocols(library)[patient.protocol], patient)
data = Renderer(None).pdf_bytes(program, library)
real = [m for m in ("fontTools.subset", "fontTools.varLib", "fontTools.varLib.instancer")
        if m in sys.modules and type(sys.modules[m]).__name__ != "StandIn"]
print(hashlib.sha256(data).hexdigest(), *real)
"""


def test_a_handout_is_built_without_fonttools_subsetter_or_instancer_and_the_same_bytes():
    runs = {
        mode: subprocess.run(
            [sys.executable, "-c", BUILD, mode, str(EXAMPLE)], capture_output=True, text=True, timeout=300
        ).stdout.split()
        for mode in ("prepared", "plain")
    }
    assert len(runs["prepared"]) == 1 and runs["prepared"] == runs["plain"][:1]  # nothing real loaded, same PDF
    assert "fontTools.subset" in runs["plain"][1:]


def test_a_stand_in_becomes_the_real_module_when_used():
    code = """
import sys
from rehabplan.render.weasy.start import prepare_weasyprint
prepare_weasyprint()
import weasyprint.pdf.fonts as fonts
assert type(sys.modules["fontTools.subset"]).__name__ == "StandIn"
options = fonts.subset.Options(hinting=False)  # WeasyPrint's fallback without HarfBuzz-subset
import fontTools.subset
assert sys.modules["fontTools.subset"] is fontTools.subset and isinstance(options, fontTools.subset.Options)
import fontTools.subset.cff  # a submodule of a stand-in package still imports
try:
    fonts.instantiateVariableFont(None, {})
except Exception:
    pass
import fontTools.varLib.instancer as instancer
assert type(instancer).__name__ == "module" and instancer.instantiateVariableFont
print("ok")
"""
    done = run(code)
    assert done.stdout.strip() == "ok", done.stderr
