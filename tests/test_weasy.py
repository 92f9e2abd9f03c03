"""render/weasy's speed-ups, each tested both ways: on, off (REHABPLAN_SPEEDUPS), with an
untested version and with the upstream change that breaks it. A handout is always built, and it
looks the same: the same pages, text and page content, and the same bytes where only the
compression level could differ.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pypdf
import pytest

from rehabplan.render import weasy
from rehabplan.render.pdf import Renderer
from rehabplan.render.weasy import tree

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def renderer():
    made = Renderer(None)
    yield made
    made.close()


@pytest.fixture(scope="module")
def handouts(renderer, example_program, library):
    """The sample handout with every speed-up on, and with all of them off."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REHABPLAN_SPEEDUPS", "1")
        on = renderer.pdf_bytes(example_program, library)
        mp.setenv("REHABPLAN_SPEEDUPS", "0")
        off = renderer.pdf_bytes(example_program, library)
    return {"on": on, "off": off}


def looks(data: bytes) -> list[tuple[str, bytes]]:
    """What a reader sees of a PDF: each page's text and its (decompressed) drawing operators."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [(page.extract_text(), page.get_contents().get_data()) for page in reader.pages]


def test_the_tested_versions_are_constraints_txts_pins():
    pins = dict(
        line.split("==")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert weasy.TESTED == {name: pins[name] for name in weasy.TESTED}


@pytest.mark.parametrize(
    ("value", "on"),
    [("", set(weasy.SPEEDUPS)), ("1", set(weasy.SPEEDUPS)), ("0", set()), ("off", set()), ("flate, tree", {"flate", "tree"})],
)
def test_speedups_are_switched_by_the_environment(monkeypatch, value, on):
    monkeypatch.setenv("REHABPLAN_SPEEDUPS", value)
    assert {name for name in weasy.SPEEDUPS if weasy.switched_on(name)} == on


def test_with_every_speedup_off_the_handout_looks_the_same(handouts, renderer, example_program, library, monkeypatch):
    assert handouts["on"].startswith(b"%PDF") and handouts["off"].startswith(b"%PDF")
    assert looks(handouts["on"]) == looks(handouts["off"])
    monkeypatch.setenv("REHABPLAN_SPEEDUPS", "0")
    assert renderer.pdf_bytes(example_program, library) == handouts["off"]  # still reproducible


@pytest.mark.parametrize("off", ["tree", "ua"])
def test_the_tree_and_ua_speedups_change_no_byte(handouts, renderer, example_program, library, monkeypatch, off):
    monkeypatch.setenv("REHABPLAN_SPEEDUPS", ",".join(n for n in weasy.SPEEDUPS if n != off))
    assert renderer.pdf_bytes(example_program, library) == handouts["on"]


def test_the_flate_speedup_writes_smaller_level_6_streams(handouts):
    import zlib

    for data, level in ((handouts["on"], 6), (handouts["off"], 9)):
        streams = re.findall(rb"/Filter /FlateDecode[^>]*>>\nstream\n(.*?)\nendstream", data, re.S)
        assert len(streams) > 20
        assert all(zlib.compress(zlib.decompress(s), level) == s for s in streams)


def test_tinyhtml5_renaming_its_svg_attribute_table_falls_back_to_its_parser(
    handouts, renderer, example_program, library, monkeypatch
):
    """tinyhtml5 renaming constants.adjust_svg_attributes once made every build fail."""
    import tinyhtml5.constants

    monkeypatch.setenv("REHABPLAN_SPEEDUPS", "1")
    monkeypatch.delattr(tinyhtml5.constants, "adjust_svg_attributes")
    assert renderer.pdf_bytes(example_program, library) == handouts["on"]


def test_another_user_agent_stylesheet_falls_back_to_weasyprints_own(handouts, renderer, example_program, library, monkeypatch):
    import weasyprint.html

    monkeypatch.setenv("REHABPLAN_SPEEDUPS", "1")
    monkeypatch.setattr(weasyprint.html, "UA", weasyprint.html.UA + "\n::marker { font-variant-numeric: normal }\n")
    tree.lean_ua_stylesheet.cache_clear()
    try:
        assert renderer.pdf_bytes(example_program, library) == handouts["on"]
    finally:
        tree.lean_ua_stylesheet.cache_clear()


@pytest.mark.parametrize("module", ["pydyf", "weasyprint"])
def test_an_untested_version_takes_the_plain_path(handouts, renderer, example_program, library, monkeypatch, module):
    monkeypatch.setenv("REHABPLAN_SPEEDUPS", "1")
    monkeypatch.setattr(sys.modules[module], "__version__", "999.0")
    tree.lean_ua_stylesheet.cache_clear()
    try:
        assert renderer.pdf_bytes(example_program, library) == handouts["off"]
    finally:
        tree.lean_ua_stylesheet.cache_clear()


PYDYF_BY_NAME = """
import hashlib, os, sys
import rehabplan
from rehabplan.render.pdf import Renderer
import pydyf
assert pydyf.__file__.startswith(sys.argv[1]) and not hasattr(pydyf, "zlib")
library = rehabplan.load_library()
patient = rehabplan.load_patient(sys.argv[2])
program = rehabplan.plan(library, rehabplan.load_protocols(library)[patient.protocol], patient)
renderer = Renderer(None)
on = renderer.pdf_bytes(program, library)
os.environ["REHABPLAN_SPEEDUPS"] = "0"
print(on == renderer.pdf_bytes(program, library), on[:5].decode())
"""


def test_pydyf_importing_zlibs_functions_by_name_falls_back_to_its_own_level():
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
            env={"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin", "HOME": tmp},
        )
    assert done.stdout.split() == ["True", "%PDF-"], done.stderr


def test_a_renderer_removes_weasyprints_font_folder_when_closed(example_program, library, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    renderer = Renderer(None)
    renderer.pdf_bytes(example_program, library)
    assert any(p.name.startswith("weasyprint-") for p in tmp_path.iterdir())
    renderer.close()
    assert not any(p.name.startswith("weasyprint-") for p in tmp_path.iterdir())
