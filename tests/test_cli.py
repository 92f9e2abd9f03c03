"""The command line: clear messages and documented exit codes, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import cli_runner

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
run = cli_runner(250)


def test_help_lists_the_commands_and_the_exit_codes():
    result = run("--help")
    assert result.exit_code == 0
    for word in ("build", "preview", "validate", "exercises", "protocols", "bulk", "Exit codes"):
        assert word in result.output


def test_help_lists_the_commands_in_the_order_a_clinician_works_and_names_the_conditions():
    said = " ".join(run("--help").output.split())
    workflow = ["examples", "init", "patient", "preview", "build", "log-template", "adjust", "bulk", "validate"]
    at = [said.index(f"│ {name} ") for name in workflow]
    assert at == sorted(at), dict(zip(workflow, at))
    for condition in ("deep gluteal", "lumbar radicular sciatica", "upper hamstring"):
        assert condition in said


def test_protocols_show_fills_in_its_placeholders():
    for protocol in ("deep-gluteal-syndrome", "lumbar-radicular-sciatica", "upper-hamstring-glute-sciatica"):
        result = run("protocols", "show", protocol)
        assert result.exit_code == 0, result.output
        assert "{" not in result.output and "}" not in result.output, protocol


def test_preview_names_the_phase_and_explains_each_dose_notation_its_grid_uses():
    week = " ".join(run("preview", str(EXAMPLES / "patient.yaml"), "--week", "6").output.split())
    assert "phase: Build strength" in week and "phase strengthen" not in week
    grid = run("preview", str(EXAMPLES / "patient.yaml")).output
    for notation in ("2×10 =", "3×30s =", "12′ =", "* =", "wk 5D =", "wk 6R =", "S = strength"):
        assert notation in grid, notation
    # The example's grid has no sets of holds and no hold pyramid: nothing explains them.
    assert "2×3×30s" not in grid and "5-3-1×10s" not in grid


def test_preview_at_80_columns_is_two_tables_that_fit():
    grid = cli_runner(80)("preview", str(EXAMPLES / "patient.yaml")).output
    assert grid.count("Dose by week") == 2
    assert max(len(line) for line in grid.splitlines()) <= 80


def test_preview_of_a_week_at_80_columns_cuts_nothing():
    """A week at 80 columns: a few lines an exercise, never a nine-column table of "Somew…"."""
    week = cli_runner(80)("preview", str(EXAMPLES / "patient.yaml"), "--week", "7").output
    assert "…" not in week
    assert "effort: " in week and "tempo " in week
    assert max(len(line) for line in week.splitlines()) <= 80


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and "rehabplan" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("args", [["--help"], ["exercises", "list"], ["validate"], ["protocols", "list"]])
def test_fast_commands_never_import_weasyprint(args):
    code = (
        "import sys\nfrom rehabplan.cli.commands import app\n"
        "try:\n    app(%r)\nexcept SystemExit:\n    pass\n"
        "assert 'weasyprint' not in sys.modules, 'weasyprint was imported'\n" % (args,)
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_validate_passes_on_the_builtin_library():
    result = run("validate", "--strict")
    assert result.exit_code == 0 and "ok" in result.output


def test_validate_reports_a_broken_clinic_folder_with_exit_code_3(library_copy):
    p = library_copy / "clamshell.yaml"
    p.write_text(p.read_text().replace("category: strength", "category: strenght"))
    result = run("validate", library_copy)
    assert result.exit_code == 3
    assert "clamshell.yaml" in result.output and "strenght" in result.output


def test_validate_reports_an_override(tmp_path, library):
    clinic = tmp_path / "clinic"
    (clinic / "illustrations").mkdir(parents=True)
    (clinic / "glute-bridge.yaml").write_text(Path(library.files["glute-bridge"]).read_text())
    (clinic / "illustrations" / "glute-bridge.svg").write_text(library.illustration_path("glute-bridge").read_text())
    result = run("validate", clinic)
    assert result.exit_code == 0 and "override" in result.output and "glute-bridge" in result.output


def test_exercises_list_filters_by_category_and_equipment():
    result = run("exercises", "list", "--category", "strength", "--equipment", "band")
    assert result.exit_code == 0
    assert "banded-clamshell" in result.output and "figure-four-stretch" not in result.output


def test_exercises_show_gives_bounds_and_ladder():
    result = run("exercises", "show", "clamshell")
    assert result.exit_code == 0
    assert "Dosage bounds" in result.output and "banded-clamshell" in result.output


def test_exercises_show_unknown_id_suggests_one():
    result = run("exercises", "show", "clamshel")
    assert result.exit_code == 3 and "clamshell" in result.output


@pytest.mark.parametrize("kind", ["exercise", "protocol", "patient", "program"])
def test_schema_prints_json_schema(kind):
    result = run("schema", kind)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["type"] == "object" and "properties" in schema


def test_build_json_writes_a_versioned_program(tmp_path):
    out = tmp_path / "plan.json"
    result = run("build", EXAMPLES / "patient.yaml", "--format", "json", "-o", out)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["schema_version"] == "1.0" and len(data["weeks"]) == 12


def test_build_options_override_single_fields(tmp_path):
    out = tmp_path / "plan.json"
    result = run(
        "build", EXAMPLES / "patient.yaml", "-f", "json", "-o", out, "--weeks", "8", "--protocol", "lumbar-radicular-sciatica"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert len(data["weeks"]) == 8 and data["protocol_id"] == "lumbar-radicular-sciatica"


def test_build_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "plan.json"
    out.write_text("keep me")
    result = run("build", EXAMPLES / "patient.yaml", "-f", "json", "-o", out)
    assert result.exit_code == 6 and out.read_text() == "keep me"
    assert run("build", EXAMPLES / "patient.yaml", "-f", "json", "-o", out, "--force").exit_code == 0


@pytest.mark.parametrize("protocol", sorted(p.stem for p in (EXAMPLES.parent / "protocols").glob("*.yaml")))
def test_there_is_an_example_patient_for_every_shipped_protocol(protocol, tmp_path):
    files = [p for p in EXAMPLES.glob("*.yaml") if f"protocol: {protocol}" in p.read_text() and "roster" not in p.name]
    assert files, protocol
    for f in files:
        assert run("build", f, "-f", "json", "-o", tmp_path / f"{f.stem}.json").exit_code == 0


def test_preview_shows_phases_and_the_weekly_grid():
    result = run("preview", EXAMPLES / "patient.yaml")
    assert result.exit_code == 0
    assert "Phases" in result.output and "weekly sets" in result.output
    week = run("preview", EXAMPLES / "patient.yaml", "--week", "5")
    assert "Strength day, Monday" in week.output and "tempo" in week.output


BAD_PATIENTS = {
    "unknown-protocol": ("protocol: deep-gluteal", "did you mean 'deep-gluteal-syndrome'"),
    "zero-sessions": ("sessions_per_week: 0", "sessions_per_week"),
    "weeks-out-of-range": ("weeks: 30", "weeks"),
    "not-a-date": ("start_date: next monday", "YYYY-MM-DD"),
    "negative-minutes": ("minutes: -10", "minutes"),
    "misspelt-field": ("irritabilty: high", "did you mean 'irritability'"),
}


@pytest.mark.parametrize("name", sorted(BAD_PATIENTS))
def test_bad_patient_input_gets_a_clear_message_and_exit_code_4(tmp_path, name):
    line, expected = BAD_PATIENTS[name]
    key = line.split(":")[0]
    text = (EXAMPLES / "patient.yaml").read_text()
    lines = [l for l in text.splitlines() if not l.startswith(key.replace("irritabilty", "irritability") + ":")]
    (tmp_path / "p.yaml").write_text("\n".join(lines + [line]) + "\n")
    result = run("build", tmp_path / "p.yaml", "-f", "json", "-o", tmp_path / "x.json")
    assert result.exit_code == 4, result.output
    assert expected in result.output
    assert not (tmp_path / "x.json").exists()


def test_a_missing_patient_file_is_a_patient_error():
    result = run("build", "no-such-patient.yaml", "-f", "json", "-o", "-")
    assert result.exit_code == 4 and "not found" in result.output


def test_unknown_format_is_a_usage_error():
    result = run("build", EXAMPLES / "patient.yaml", "--format", "docx")
    assert result.exit_code == 2 and "docx" in result.output and "pdf" in result.output


def test_init_writes_a_config_that_loads(tmp_path):
    from rehabplan.sources.config import load_config

    target = tmp_path / "rehabplan.yaml"
    assert run("init", target, "--clinic", "Riverside <Physio>").exit_code == 0
    cfg = load_config(target)
    assert cfg.clinic.name == "Riverside <Physio>" and cfg.paper == "a4"
    assert run("init", target).exit_code == 6


@pytest.mark.parametrize("kind", ["exercise", "protocol", "patient", "program", "config"])
def test_the_schema_files_in_docs_are_current(kind):
    shipped = json.loads((EXAMPLES.parent / "docs" / f"{kind}.schema.json").read_text())
    assert shipped == json.loads(run("schema", kind).stdout), "run: rehabplan schema KIND > docs/KIND.schema.json"


def test_patient_new_asks_with_choices_and_defaults_and_writes_a_valid_file(tmp_path):
    from rehabplan.sources.patients import load_patient

    answers = (
        "\n".join(
            [
                "EX-9",
                "Dana Example",
                "lumbar-radicular-sciatica",
                "2026-05-04",
                "",
                "",
                "high",
                "",
                "older",
                "left",
                "band",
                "kneeling",
                "35",
                "Sam Rivera",
                "y",
            ]
        )
        + "\n"
    )
    target = tmp_path / "dana.yaml"
    result = run("patient", "new", target, input=answers)
    assert result.exit_code == 0, result.output
    patient = load_patient(target)
    assert (patient.protocol, patient.weeks, patient.sessions_per_week) == ("lumbar-radicular-sciatica", 12, 3)
    assert patient.irritability.value == "high" and patient.exclusions == ["kneeling"]
    assert run("build", target, "-f", "json", "-o", tmp_path / "dana.json").exit_code == 0


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["init"],
        ["schema"],
        ["build"],
        ["preview"],
        ["bulk"],
        ["log-template"],
        ["adjust"],
        ["exercises", "list"],
        ["exercises", "show"],
        ["protocols", "list"],
        ["protocols", "show"],
        ["patient", "new"],
        ["examples"],
    ],
)
def test_every_command_has_help_with_an_example(command):
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Example" in result.output


@pytest.mark.slow
def test_build_html_and_ics_go_to_standard_output():
    html = run("build", EXAMPLES / "patient.yaml", "-f", "html", "-o", "-")
    assert html.exit_code == 0 and "<html" in html.stdout and "Alex Example" in html.stdout
    ics = run("build", EXAMPLES / "patient.yaml", "-f", "ics", "-o", "-")
    assert ics.exit_code == 0 and ics.stdout.startswith("BEGIN:VCALENDAR")


def test_a_pdf_cannot_go_to_standard_output():
    result = run("build", EXAMPLES / "patient.yaml", "-o", "-")
    assert result.exit_code == 2 and "standard output" in result.output


@pytest.mark.slow
def test_build_compact_option_and_config_edition(tmp_path):
    """--compact picks the compact edition; `edition: compact` in rehabplan.yaml does too; --full wins."""
    patient = EXAMPLES / "patient.yaml"
    out = tmp_path / "h.html"
    assert run("build", patient, "--format", "html", "--compact", "-o", out).exit_code == 0
    assert "edition-compact" in out.read_text()
    config = tmp_path / "rehabplan.yaml"
    config.write_text("edition: compact\n")
    assert run("build", patient, "--format", "html", "--config", config, "-o", out, "--force").exit_code == 0
    assert "edition-compact" in out.read_text()
    assert run("build", patient, "--format", "html", "--config", config, "--full", "-o", out, "--force").exit_code == 0
    assert "edition-full" in out.read_text()
