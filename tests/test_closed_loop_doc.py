"""docs/closed-loop.md's loop runs as written, line by line, from a copy of the project's examples."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from cli_runner import cli_runner

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them

ROOT = Path(__file__).resolve().parent.parent
run = cli_runner(200)


def loop_lines() -> list[list[str]]:
    text = (ROOT / "docs" / "closed-loop.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    lines = []
    for line in block.splitlines():
        line = line.split("  #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(shlex.split(line))
    return lines


def test_the_documented_loop_runs_as_written(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    lines = loop_lines()
    assert len(lines) == 9 and all(line[0] == "rehabplan" for line in lines)
    for line in lines:
        result = run(*line[1:])
        assert result.exit_code == 0, (line, result.output)
    for made in ("plan.json", "handout.pdf", "log.csv", "adjusted.json", "from-now.pdf", "from-now.ics", "report.pdf"):
        assert (tmp_path / made).stat().st_size > 0, made
