"""Usage errors, exit codes and --help as the README documents them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_runner import cli_runner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PATIENT = EXAMPLES / "patient.yaml"
run = cli_runner(200)


# --------------------------------------------------------------------------- usage errors = 2

USAGE_ERRORS = {
    "unknown format": (["build", PATIENT, "--format", "docx"], "docx"),
    "unknown paper": (["build", PATIENT, "--paper", "a5"], "a5"),
    "unknown schema kind": (["schema", "foo"], "foo"),
    "unknown format in a bulk list": (
        ["bulk", EXAMPLES / "roster.csv", "--out", "never-written", "--format", "pdf,docx"],
        "docx",
    ),
    "a PDF to standard output": (["build", PATIENT, "-o", "-"], "standard output"),
    "a week the program does not have": (["preview", PATIENT, "--week", "30"], "--week"),
    "a week past this program's end": (["preview", PATIENT, "--week", "13"], "12 weeks"),
    "a misspelt category": (["exercises", "list", "--category", "strenght"], "strength"),
    "a misspelt piece of equipment": (["exercises", "list", "--equipment", "bnd"], "band"),
}


@pytest.mark.parametrize("name", sorted(USAGE_ERRORS))
def test_a_usage_error_exits_with_code_2_and_says_what_was_wrong(name):
    args, expected = USAGE_ERRORS[name]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert not Path("never-written").exists()


def test_asking_for_an_unknown_protocol_is_a_library_error_not_a_patient_one():
    result = run("protocols", "show", "foo")
    assert result.exit_code == 3 and "rehabplan protocols list" in result.output
    near = run("protocols", "show", "deep-gluteal")
    assert near.exit_code == 3 and "deep-gluteal-syndrome" in near.output


# --------------------------------------------------------------------------- --help


def test_help_shows_choices_and_no_python_types():
    text = run("build", "--help").output
    assert "[pdf|html|json|ics]" in text and "[a4|letter]" in text
    for command in (["build"], ["validate"], ["bulk"], ["exercises", "list"], ["schema"], ["--"][:0]):
        shown = run(*command, "--help").output
        assert "<bool>" not in shown and "<list[" not in shown, (command, shown)
    assert "[stretch|neural_mobility|strength|core|motor_control|aerobic]" in run("exercises", "list", "--help").output
    assert "[exercise|protocol|patient|program|config]" in run("schema", "--help").output


@pytest.mark.parametrize("command", [[], ["build"], ["exercises"], ["exercises", "show"], ["patient", "new"]])
def test_dash_h_works_like_dash_dash_help(command):
    short, long = run(*command, "-h"), run(*command, "--help")
    assert short.exit_code == 0 and short.output == long.output


def test_the_declared_choices_are_the_models_vocabulary():
    from typing import get_args

    from rehabplan.cli import base
    from rehabplan.models import Category, Equipment

    assert get_args(base.CategoryName) == tuple(c.value for c in Category)
    assert get_args(base.EquipmentName) == ("none", *(e.value for e in Equipment))


# --------------------------------------------------------------------------- messages


def test_an_error_in_a_command_line_override_names_the_option_not_a_line_of_the_file(tmp_path):
    result = run("build", PATIENT, "-f", "json", "-o", tmp_path / "p.json", "--weeks", "30")
    assert result.exit_code == 4
    assert "--weeks" in result.output
    assert "patient.yaml:" not in result.output.replace("patient.yaml has", "")


def test_the_python_api_does_not_tell_callers_about_command_line_options(tmp_path):
    from rehabplan.errors import OutputExistsError
    from rehabplan.outputs.files import atomic_write

    target = tmp_path / "x.txt"
    target.write_text("keep")
    with pytest.raises(OutputExistsError) as caught:
        atomic_write(target, b"new")
    assert "--force" not in str(caught.value)
    result = run("build", PATIENT, "-f", "json", "-o", target)
    assert result.exit_code == 6 and "--force" in result.output and target.read_text() == "keep"


def test_errors_are_rendered_in_one_place():
    import rehabplan.cli

    folder = Path(rehabplan.cli.__file__).parent
    source = "".join((folder / f"{name}.py").read_text() for name in ("base", "commands", "library", "plan", "setup", "bulk"))
    assert source.count("except RehabplanError") <= 3, "render errors in RehabplanGroup.invoke, not per command"


# --------------------------------------------------------------------------- the README's table


def _readme_exit_codes() -> dict[int, str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^\| (\d) \| (.+) \|$", section, re.M)}


def _make_exit_code(code: int, tmp: Path):
    """Make exit code ``code`` happen the way the README's table describes it."""
    if code == 0:
        return run("schema", "exercise")
    if code == 1:  # adjust raised an urgent flag
        log = tmp / "log.csv"
        log.write_text(
            "week,session,date,exercise,done,sets,reps,hold_s,pain_during,pain_next_morning,spread,note\n"
            "1,1,,clamshell,yes,2,10,,2,2,no,I can't pee properly since Tuesday\n"
        )
        return run("adjust", PATIENT, log, "-o", tmp / "adjusted.json")
    if code == 2:  # unknown option, or a value that is not one of the choices
        assert run("build", PATIENT, "--no-such-option").exit_code == 2
        return run("build", PATIENT, "--format", "docx")
    if code == 3:  # library, protocol or configuration error
        config = tmp / "rehabplan.yaml"
        config.write_text("paper: a5\n")
        return run("build", PATIENT, "-f", "json", "-o", tmp / "x.json", "--config", config)
    if code == 4:  # patient error
        return run("build", tmp / "no-such-patient.yaml", "-f", "json", "-o", tmp / "x.json")
    if code == 5:  # the output could not be written
        (tmp / "a-file").write_text("")
        return run("build", PATIENT, "-f", "json", "-o", tmp / "a-file" / "x.json")
    if code == 6:  # the output exists
        (tmp / "exists.json").write_text("{}")
        return run("build", PATIENT, "-f", "json", "-o", tmp / "exists.json")
    raise AssertionError(f"the README documents exit code {code}; teach this test to make it happen")


def test_every_exit_code_in_the_readme_table_happens_as_described(tmp_path):
    codes = _readme_exit_codes()
    assert sorted(codes) == [0, 1, 2, 3, 4, 5, 6]
    for code in codes:
        folder = tmp_path / str(code)
        folder.mkdir()
        result = _make_exit_code(code, folder)
        assert result.exit_code == code, (code, codes[code], result.output)
        if code >= 2:
            assert "Traceback" not in result.output and result.output.strip()


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path):
    # `rehabplan build --help | head -1`: the pipe closes while the command still writes.
    import signal
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("rehabplan")
    proc = subprocess.Popen([str(exe), "build", "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command has written a line
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Internal error" not in err and "Traceback" not in err, err
    assert proc.returncode in (0, -signal.SIGPIPE), (proc.returncode, err)
