"""Every new input path is bounded: pose data, program JSON, control characters, rich markup,
spreadsheet formulas, time offsets; and multi-file writes are all or nothing, never through a
symlink the user did not name."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from cli_runner import cli_runner
from pydantic import ValidationError

from rehabplan.figures.pose import Figure

ROOT = Path(__file__).resolve().parent.parent
PATIENT = ROOT / "examples" / "patient.yaml"
run = cli_runner(200)


def _said(result) -> str:
    return " ".join(result.output.split())


# --------------------------------------------------------------------------- pose data

FRAME = {"label": "Lie down"}


@pytest.mark.parametrize(
    "extra",
    [
        {"arrows": [{"point": "knee", "push": [float("nan"), 1.0], "frames": [1]}]},
        {"arrows": [{"point": "knee", "offset": [float("inf"), 1.0]}]},
        {"props": [{"kind": "band", "at": "knee", "anchor": [1e300, 0]}]},
        {"props": [{"kind": "mat", "at": "pelvis"}] * 35_000},
        {"arrows": [{"point": "knee"}] * 1000},
        {"props": [{"kind": "mat", "at": "pelvis", "frames": list(range(1, 10_000))}]},
        {"frames": [{"label": "Lift\x1b[2J"}]},
        {"frames": [{"label": "Lift", "pitch": float("nan")}]},
        {"caption": "hold \u202eit"},
    ],
)
def test_pose_data_refuses_nonfinite_huge_or_control_values(extra):
    data = {"frames": [FRAME], **extra}
    started = time.perf_counter()
    with pytest.raises(ValidationError):
        Figure.model_validate(data)
    assert time.perf_counter() - started < 2


def test_a_nan_in_a_clinic_figure_is_a_library_error(library_copy):
    path = library_copy / "banded-clamshell.yaml"
    text = path.read_text().replace("{kind: band, at: knee, to: other_knee}", "{kind: band, at: knee, anchor: [.nan, .inf]}")
    path.write_text(text)
    result = run("validate", library_copy)
    assert result.exit_code == 3, result.output
    assert "banded-clamshell.yaml" in result.output


# --------------------------------------------------------------------------- program JSON


@pytest.fixture(scope="module")
def program_json(tmp_path_factory):
    folder = tmp_path_factory.mktemp("program")
    path = folder / "plan.json"
    assert run("build", PATIENT, "-f", "json", "-o", path, "--quiet").exit_code == 0
    return json.loads(path.read_text())


def _forge(program_json, change):
    data = json.loads(json.dumps(program_json))
    change(data)
    return data


def _first_rx(data):
    return data["weeks"][0]["sessions"][0]["prescriptions"][0]


FORGERIES = {
    "a billion reps": lambda d: _first_rx(d).update(reps=[10**9]),
    "a negative hold": lambda d: _first_rx(d).update(hold_s=-30),
    "NaN sets": lambda d: _first_rx(d).update(sets=float("nan")),
    "sets as text": lambda d: _first_rx(d).update(sets="lots"),
    "an unknown exercise": lambda d: _first_rx(d).update(exercise="no-such-exercise"),
    "a formula as exercise": lambda d: _first_rx(d).update(exercise="=cmd|' /C calc'!A0"),
    "a thousand weeks": lambda d: d.update(weeks=d["weeks"] * 100),
    "weeks out of order": lambda d: d["weeks"].reverse(),
    "no weeks key": lambda d: d.pop("weeks"),
    "a list, not an object": lambda d: (d.clear(), d.update({"x": []})),
    "a timeline dose with 10^6 reps": lambda d: d["timelines"][0]["doses"][0].update(reps=10**6),
    "an escape sequence in a name": lambda d: _first_rx(d).update(name="Clam\x1b]0;pwned\x07"),
    "deep nesting": lambda d: d.update(notes=json.loads("[" * 500 + "]" * 500)),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forged_program_is_a_patient_error_never_a_traceback(tmp_path, program_json, forgery):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_forge(program_json, FORGERIES[forgery])))
    result = run("log-template", path, "-o", tmp_path / "log.csv")
    assert result.exit_code == 4, result.output
    assert not (tmp_path / "log.csv").exists()


def test_a_huge_program_is_refused_by_its_size(tmp_path, program_json):
    path = tmp_path / "plan.json"
    data = _forge(program_json, lambda d: None)
    data["weeks"] = data["weeks"] * 80  # several MB
    path.write_text(json.dumps(data))
    started = time.perf_counter()
    result = run("log-template", path, "-o", "-")
    assert result.exit_code == 4 and "limit" in _said(result)
    assert time.perf_counter() - started < 5


def test_a_genuine_program_still_loads(tmp_path, program_json):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(program_json))
    assert run("log-template", path, "-o", tmp_path / "log.csv").exit_code == 0


# --------------------------------------------------------------------------- text that reaches a terminal, SVG, PDF or CSV


def test_control_characters_in_a_patient_file_are_refused_naming_the_field(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(PATIENT.read_text().replace("name: Alex Example", 'name: "Alex\\e[2JExample"'))
    result = run("build", path, "-f", "json", "-o", tmp_path / "p.json")
    assert result.exit_code == 4, result.output
    assert "name" in result.output and "U+001B" in _said(result)


@pytest.mark.slow
def test_a_bidi_override_in_a_clinic_exercise_is_refused(library_copy):
    path = library_copy / "clamshell.yaml"
    path.write_text(path.read_text().replace("name: Clamshell", 'name: "Clam\\u202Eshell"'))
    result = run("validate", library_copy)
    assert result.exit_code == 3 and "U+202E" in _said(result)


@pytest.mark.slow
def test_rich_markup_in_an_exercise_name_or_a_path_prints_as_written(library_copy, tmp_path):
    path = library_copy / "clamshell.yaml"
    path.write_text(path.read_text().replace("name: Clamshell", "name: '[/x] Clam [red]shell'"))
    for args in (("exercises", "show", "clamshell"), ("exercises", "list")):
        result = run(*args, "--library", library_copy)
        assert result.exit_code == 0, result.output
        assert "[/x] Clam [red]shell" in result.stdout
    out = tmp_path / "[red]plan[/x].json"
    result = run("build", PATIENT, "-f", "json", "-o", out)
    assert result.exit_code == 0 and out.exists()
    assert "[red]plan[/x].json" in _said(result)


def test_every_csv_cell_that_a_spreadsheet_would_run_is_neutralised():
    from rehabplan.outputs.csv_safe import neutralise

    text = neutralise("week,exercise\n1,=cmd|' /C calc'!A0\n2,+SUM(A1)\n3,-5\n4,@x\n5,\"\tTAB\"\n")
    rows = [line.split(",", 1)[1] for line in text.splitlines()[1:]]
    assert rows == ["'=cmd|' /C calc'!A0", "'+SUM(A1)", "-5", "'@x", "'\tTAB"]


@pytest.mark.slow
def test_a_session_time_with_an_offset_is_refused_not_dropped(tmp_path):
    result = run("build", PATIENT, "-f", "ics", "--session-time", "18:30+05:00", "-o", tmp_path / "p.ics")
    assert result.exit_code == 2 and "offset" in _said(result)
    assert not (tmp_path / "p.ics").exists()
    assert run("build", PATIENT, "-f", "ics", "--session-time", "18:30", "-o", tmp_path / "p.ics").exit_code == 0


# --------------------------------------------------------------------------- several files: all or nothing


def test_init_never_writes_through_a_planted_schemas_symlink(tmp_path):
    elsewhere = tmp_path / "victim"
    elsewhere.mkdir()
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    (clinic / "schemas").symlink_to(elsewhere)
    result = run("init", clinic / "rehabplan.yaml", "--clinic", "Riverside Physio")
    assert result.exit_code == 5, result.output
    assert "symbolic link" in _said(result)
    assert list(elsewhere.iterdir()) == [] and not (clinic / "rehabplan.yaml").exists()


def test_init_with_a_refused_config_writes_nothing_and_names_the_users_file(tmp_path):
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    result = run("init", clinic / "rehabplan.yaml", "--phone", "+44 20 0000 0000")
    assert result.exit_code == 3, result.output
    assert str(clinic / "rehabplan.yaml") in _said(result) and "/tmp/tmp" not in _said(result).replace(str(tmp_path), "")
    assert list(clinic.iterdir()) == []


def test_init_writes_the_config_and_every_schema(tmp_path):
    result = run("init", tmp_path / "rehabplan.yaml", "--clinic", "Riverside Physio")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "schemas").glob("*.schema.json"))) == 5
    first = (tmp_path / "rehabplan.yaml").read_text().splitlines()[0]
    assert first.endswith("schemas/config.schema.json")
    assert run("validate", "--config", tmp_path / "rehabplan.yaml").exit_code == 0


def test_examples_checks_every_target_first_and_writes_all_or_nothing(tmp_path):
    folder = tmp_path / "ex"
    folder.mkdir()
    (folder / "roster.csv").write_text("mine\n")  # one file in the way, late in the list
    result = run("examples", folder)
    assert result.exit_code == 6, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["roster.csv"]
    assert (folder / "roster.csv").read_text() == "mine\n"
    assert run("examples", folder, "--force").exit_code == 0
    assert len(list(folder.iterdir())) >= 8 and os.access(folder / "adjust-example.sh", os.X_OK)
