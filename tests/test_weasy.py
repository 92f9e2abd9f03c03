"""render/weasy: the one place that reaches into WeasyPrint's private code. Its gate (the tested
versions, REHABPLAN_SPEEDUPS), a handout built the same with the speed-ups off, and the upstream
changes that once made every build fail (tinyhtml5 renaming an attribute table, pydyf importing
zlib's functions by name) now cost nothing: rehabplan uses neither."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from rehabplan.render import weasy
from rehabplan.render.pdf import Renderer

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "patient.yaml"


def test_the_tested_versions_are_constraints_txts_pins():
    pins = dict(
        line.split("==")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert weasy.TESTED == {name: pins[name] for name in weasy.TESTED}


@pytest.mark.parametrize(
    ("value", "on"),
    [("", {"cdefs"}), ("1", {"cdefs"}), ("0", set()), ("off", set()), ("cdefs", {"cdefs"}), ("other", set())],
)
def test_speedups_are_switched_by_the_environment(monkeypatch, value, on):
    monkeypatch.setenv("REHABPLAN_SPEEDUPS", value)
    assert {name for name in weasy.SPEEDUPS if weasy.switched_on(name)} == on


def test_rehabplan_build_gives_the_same_pdf_with_every_speedup_off(tmp_path):
    pdfs = {}
    for value in ("1", "0"):
        out = tmp_path / f"{value}.pdf"
        done = subprocess.run(
            [str(Path(sys.executable).with_name("rehabplan")), "build", str(EXAMPLE), "-o", str(out)],
            capture_output=True,
            text=True,
            timeout=600,
            env=os.environ | {"REHABPLAN_SPEEDUPS": value},
        )
        assert done.returncode == 0, done.stderr
        pdfs[value] = out.read_bytes()
    assert pdfs["1"].startswith(b"%PDF") and pdfs["1"] == pdfs["0"]


def test_tinyhtml5_renaming_its_svg_attribute_table_changes_nothing(example_program, library, monkeypatch):
    import tinyhtml5.constants

    renderer = Renderer(None)
    try:
        before = renderer.pdf_bytes(example_program, library)
        monkeypatch.delattr(tinyhtml5.constants, "adjust_svg_attributes")
        assert renderer.pdf_bytes(example_program, library) == before
    finally:
        renderer.close()


PYDYF_BY_NAME = """
import sys
import rehabplan
from rehabplan.render.pdf import Renderer
import pydyf
assert pydyf.__file__.startswith(sys.argv[1]) and not hasattr(pydyf, "zlib")
library = rehabplan.load_library()
patient = rehabplan.load_patient(sys.argv[2])
program = rehabplan.plan(library, rehabplan.load_protocols(library)[patient.protocol], patient)
print(Renderer(None).pdf_bytes(program, library).hex())
"""


def test_pydyf_importing_zlibs_functions_by_name_changes_nothing(example_program, library):
    """pydyf importing compressobj by name (no ``pydyf.zlib``) once made every build fail."""
    import pydyf

    source = Path(pydyf.__file__).read_text(encoding="utf-8")
    changed = source.replace("import zlib\n", "from zlib import compress, compressobj as new_compressobj\n", 1)
    changed = changed.replace("zlib.compressobj(", "new_compressobj(").replace("zlib.compress(", "compress(")
    assert "zlib." not in changed and changed != source
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "pydyf"
        shutil.copytree(Path(pydyf.__file__).parent, package)
        (package / "__init__.py").write_text(changed, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-c", PYDYF_BY_NAME, tmp, str(ROOT / "examples" / "patient.yaml")],
            capture_output=True,
            text=True,
            timeout=600,
            env={"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin", "HOME": tmp}
            | {k: v for k, v in os.environ.items() if k == "SOURCE_DATE_EPOCH"},
        )
    renderer = Renderer(None)
    try:
        assert bytes.fromhex(done.stdout.strip()) == renderer.pdf_bytes(example_program, library), done.stderr[-2000:]
    finally:
        renderer.close()


def test_a_renderer_removes_weasyprints_font_folder_when_closed(example_program, library, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    renderer = Renderer(None)
    renderer.pdf_bytes(example_program, library)
    assert any(p.name.startswith("weasyprint-") for p in tmp_path.iterdir())
    renderer.close()
    assert not any(p.name.startswith("weasyprint-") for p in tmp_path.iterdir())
