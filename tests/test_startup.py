"""Start-up: the fast commands load only what they use (aim: `rehabplan --help` <= 150 ms).

Timing is left to benchmarks/ (a shared machine makes timed tests flaky); these tests pin the
causes instead: which modules a command imports, and that the stand-ins for typer's unused
rich modules change nothing a user sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "patient.yaml"

PROBE = """
import sys
from rehabplan.cli import commands as cli
sys.argv = ["rehabplan", *{args!r}]
try:
    cli.{entry}()
except SystemExit:
    pass
print("\\nLOADED", *sorted(m for m in ("markdown_it", "weasyprint", "pydantic", "rehabplan.models") if m in sys.modules))
"""


def run(args: list[str], entry: str = "main") -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, entry=entry)],
        capture_output=True,
        text=True,
        env={"COLUMNS": "100", "PATH": "/usr/bin:/bin", "TERM": "dumb"}
        | {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "REHABPLAN_CACHE_DIR", "HOME", "XDG_CONFIG_HOME")},
        timeout=60,
    )
    text, _, loaded = (done.stdout + done.stderr).rpartition("\nLOADED")
    return text, set(loaded.split())


def test_help_imports_neither_markdown_nor_weasyprint_nor_the_models():
    text, loaded = run(["--help"])
    assert "Usage" in text and "build" in text
    assert loaded == set(), loaded


@pytest.mark.slow
def test_listing_exercises_draws_nothing_and_lists_the_same_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("REHABPLAN_CACHE_DIR", str(tmp_path))
    first, loaded = run(["exercises", "list"])
    assert "glute-bridge" in first and "weasyprint" not in loaded and "rehabplan.figures.draw" not in loaded
    assert list(tmp_path.glob("library-*.json"))
    assert run(["exercises", "list"])[0] == first  # from the cache, the same listing


@pytest.mark.slow
def test_the_stand_ins_change_nothing_in_help_or_in_a_usage_error():
    for args in (["--help"], ["build", "--help"], ["build", "--paper", "a5", "x.yaml"]):
        assert run(args, "main")[0] == run(args, "app")[0], args


def test_a_stand_in_becomes_the_real_module_when_used():
    code = """
import sys
from rehabplan.cli.commands import _defer_unused_rich_modules
_defer_unused_rich_modules()
assert "markdown_it" not in sys.modules
from rich.markdown import Markdown
from rich.traceback import Traceback
md = Markdown("**bold**")
import rich.markdown
assert isinstance(md, rich.markdown.Markdown) and isinstance(md, Markdown)
assert "markdown_it" in sys.modules
try:
    raise ValueError("x")
except ValueError as exc:
    assert Traceback.from_exception(type(exc), exc, exc.__traceback__)
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr


@pytest.mark.slow
def test_build_runs_without_cycle_collection_and_leaves_no_font_folder(tmp_path):
    """`rehabplan build` makes one handout and ends: no collection walks the handout's objects
    (when the render ends, at exit), and WeasyPrint's font folder is removed all the same."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    code = f"""
import gc, sys
from rehabplan.cli import commands as cli
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
sys.argv = ["rehabplan", "build", {str(EXAMPLE)!r}, "-o", {str(tmp_path / "h.pdf")!r}]
try:
    cli.main()
except SystemExit as exc:
    gc.collect()  # what the exit's last collection does: it walks no handout object
    print("EXIT", exc.code, collections[:-1] == [], len(gc.get_objects()) < 50_000)
"""
    env = {k: v for k, v in os.environ.items() if k != "TMPDIR"} | {"TMPDIR": str(temp)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.stdout.split()[-4:] == ["EXIT", "0", "True", "True"], done.stdout + done.stderr
    assert (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF")
    assert list(temp.iterdir()) == []
