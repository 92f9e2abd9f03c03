"""Browsing the library from a terminal: ids whole, aliases found, the shell completes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehabplan.cli.commands import app


def run(*args, columns=80):
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result


@pytest.mark.parametrize("columns", [80, 200])
def test_ids_are_never_cut_in_the_list_tables(columns, library, protocols):
    exercises = run("exercises", "list", columns=columns)
    assert exercises.exit_code == 0
    for exercise_id in library.exercises:
        assert f" {exercise_id} " in exercises.output, exercise_id
    listed = run("protocols", "list", columns=columns)
    for protocol_id in protocols.protocols:
        assert f" {protocol_id} " in listed.output, protocol_id
    assert "…" not in exercises.output.split("dose")[0]  # the id column header row onwards


def test_ids_are_never_cut_in_a_pipe(library):
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.run(
        [sys.executable, "-c", "from rehabplan.cli.commands import main; main()", "exercises", "list"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    for exercise_id in library.exercises:
        assert f" {exercise_id} " in proc.stdout, exercise_id


@pytest.mark.parametrize("typed", ["clam", "Clam", "side-lying clamshell", "Clamshell"])
def test_exercises_show_finds_an_exercise_by_alias_or_name(typed):
    result = run("exercises", "show", typed)
    assert result.exit_code == 0, result.output
    assert "(clamshell, strength)" in result.output


def _complete(words: str) -> list[str]:
    env = {
        **os.environ,
        "_REHABPLAN_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    # The installed console script: shells complete by its name (_REHABPLAN_COMPLETE).
    script = Path(sys.executable).parent / "rehabplan"
    proc = subprocess.run([str(script)], capture_output=True, text=True, env=env)
    return proc.stdout.split()


@pytest.mark.parametrize(
    "words, expected",
    [
        ("rehabplan exercises show clam", {"clamshell"}),
        ("rehabplan protocols show lumb", {"lumbar-radicular-sciatica"}),
        ("rehabplan build p.yaml --protocol deep", {"deep-gluteal-syndrome"}),
        ("rehabplan build p.yaml --format ", {"pdf", "html", "json", "ics"}),
        ("rehabplan build p.yaml --paper ", {"a4", "letter"}),
        ("rehabplan exercises list --category str", {"strength", "stretch"}),
        ("rehabplan schema ", {"exercise", "protocol", "patient", "program", "config"}),
    ],
)
def test_the_shell_completes_ids_formats_papers_categories_and_schema_kinds(words, expected):
    assert set(_complete(words)) == expected


# --------------------------------------------------------------------------- a single build's status


def _build_with_stderr(monkeypatch, tmp_path, *, terminal: bool, quiet: bool = False) -> str:
    import io as _io

    from rich.console import Console

    import rehabplan.cli.base as base
    import rehabplan.cli.plan as plan_commands

    buffer = _io.StringIO()
    console = Console(file=buffer, force_terminal=terminal, force_interactive=terminal, width=100)
    monkeypatch.setattr(base, "err", console)
    monkeypatch.setattr(plan_commands, "err", console)
    args = [
        "build",
        Path(__file__).parent.parent / "examples" / "patient.yaml",
        "-f",
        "json",
        "-o",
        tmp_path / f"p{terminal}{quiet}.json",
    ]
    result = run(*args, *(["--quiet"] if quiet else []))
    assert result.exit_code == 0, result.output
    return buffer.getvalue()


def test_a_single_build_shows_a_status_in_a_terminal(monkeypatch, tmp_path):
    assert "Planning patient.yaml" in _build_with_stderr(monkeypatch, tmp_path, terminal=True)


def test_no_status_in_a_pipe_or_with_quiet(monkeypatch, tmp_path):
    piped = _build_with_stderr(monkeypatch, tmp_path, terminal=False)
    assert "Planning" not in piped and "wrote" in piped
    assert _build_with_stderr(monkeypatch, tmp_path, terminal=True, quiet=True) == ""
