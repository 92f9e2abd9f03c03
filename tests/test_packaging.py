"""Installing rehabplan: ranges that fit beside other tools, exact versions for the tests, and
the README's commands run verbatim in a fresh clone and a pipx-style install."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _requirements() -> list[Requirement]:
    project = PYPROJECT["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_dependencies_are_ranges_that_fit_beside_other_tools():
    for req in _requirements():
        assert not any(s.operator == "==" for s in req.specifier), f"{req}: a range, the pin goes in constraints.txt"
        assert any(s.operator == "<" for s in req.specifier), f"{req}: an upper bound at the next breaking release"
    rich = next(r for r in _requirements() if r.name == "rich")
    assert rich.specifier.contains("14.3.4"), "another tool's rich<15 must resolve"


def test_constraints_pin_every_dependency_inside_its_range():
    pins = _constraints()
    for req in _requirements():
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{name} has no exact version in constraints.txt"
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {req.specifier}"


def test_make_installs_the_constrained_versions():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"pip install .*-c constraints\.txt", makefile)
    assert "constraints.txt" in makefile.split("SOURCES :=", 1)[1].split("\n", 1)[0], "a new pin reinstalls"


# --------------------------------------------------------------------------- the README, verbatim

CHECK = os.environ.get("REHABPLAN_INSTALL_CHECK") == "1"
README = (ROOT / "README.md").read_text()


def _block_after(heading: str) -> list[str]:
    section = README.split(heading, 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def _sh(line: str, cwd: Path, env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=900)


PATIENT_ANSWERS = "\n".join(["JD-1", "Jane Doe", "1", "2026-03-02", "", "", "", "", "", "left", "band", "", "", "", "y"]) + "\n"


def _fill_log(path: Path, weeks: set[int]) -> None:
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    for row in rows:
        if int(row["week"]) in weeks:
            row.update(done="yes", pain_during="2", pain_next_morning="1", spread="no")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue())


@pytest.mark.skipif(not CHECK, reason="slow (two installs): .ci/run sets REHABPLAN_INSTALL_CHECK=1")
def test_the_readme_commands_work_verbatim_in_a_fresh_clone_and_a_pipx_style_install(tmp_path):
    from pypdf import PdfReader

    env = {k: v for k, v in os.environ.items() if k not in ("REHABPLAN_INSTALL_CHECK", "VIRTUAL_ENV", "PYTHONPATH")}
    env["HOME"] = str(tmp_path / "home")  # no personal clinic configuration
    env["XDG_CONFIG_HOME"] = str(tmp_path / "home" / ".config")

    # A fresh clone, and the developer's first command exactly as the README gives it.
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    make_sample = next(line for line in _block_after("## Quick start") if line.startswith("make sample"))
    done = _sh(make_sample, clone, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(PdfReader(clone / "sample" / "handout.pdf").pages) > 10

    # pipx-style: the package alone in a fresh environment, resolving its own ranges (no
    # constraints), then the clinician's commands from an empty folder elsewhere.
    install = _block_after("## Install")
    assert install[0].startswith("pipx install .")
    venv = tmp_path / "pipx-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(clone)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert pip.returncode == 0, pip.stderr
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    assert shutil.which("rehabplan", path=env["PATH"]) == str(venv / "bin" / "rehabplan")
    work = tmp_path / "clinic-desk"
    work.mkdir()
    for line in install[1:] + _block_after("## The weekly cycle"):
        command = line.split("  #")[0].strip()
        if command.startswith("rehabplan adjust"):
            _fill_log(work / "jane-log.csv", {1, 2})  # "fill in the weeks done so far"
        done = _sh(command, work, env, PATIENT_ANSWERS if "patient new" in command else "")
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
        assert "Traceback" not in done.stderr
    assert len(PdfReader(work / "jane.pdf").pages) > 10
    assert (work / "handouts" / "manifest.json").is_file()
    assert (work / "schemas" / "patient.schema.json").is_file()
    assert (work / "jane.yaml").read_text().startswith("# yaml-language-server: $schema=schemas/patient.schema.json")
