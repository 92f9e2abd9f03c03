"""The clinic's details on a handout: never a placeholder, the patient's clinician first, a
configuration found like git finds its own, and schemas editors can use."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from cli_runner import cli_runner
from jsonschema import Draft202012Validator

from rehabplan.resources import data_dir

ROOT = Path(__file__).resolve().parent.parent
PATIENT = ROOT / "examples" / "patient.yaml"
run = cli_runner(200)


def handout_html(*args) -> str:
    result = run("build", *args, "-f", "html", "-o", "-")
    assert result.exit_code == 0, result.output
    return result.stdout


def red_flag_page(html: str) -> str:
    page = html.split('id="red-flags"', 1)[1].split("</section>", 1)[0]
    return re.sub(r"<[^>]+>", " ", page)


# --------------------------------------------------------------------------- no placeholder on a handout


@pytest.mark.slow
def test_init_without_details_writes_examples_that_print_nothing_made_up(tmp_path):
    config = tmp_path / "rehabplan.yaml"
    assert run("init", config, "--clinic", "Riverside Physio").exit_code == 0
    html = handout_html(PATIENT, "--config", config)
    assert "Riverside Physio" in html
    for fake in ("0000", "Your Name", "High Street", "<your"):
        assert fake not in html, fake


def test_init_writes_the_details_it_is_given(tmp_path):
    config = tmp_path / "rehabplan.yaml"
    result = run(
        "init", config, "--clinic", "Riverside Physio", "--phone", "020 7946 0123", "--clinician", "Jo Park, physiotherapist"
    )
    assert result.exit_code == 0, result.output
    page = red_flag_page(handout_html(PATIENT, "--config", config))
    assert "020 7946 0123" in page and "Riverside Physio" in page


@pytest.mark.parametrize(
    "line, field",
    [
        ('clinic:\n  phone: "+44 20 0000 0000"\n', "clinic.phone"),
        ("clinician: Your Name, physiotherapist\n", "clinician"),
        ("clinic:\n  address: 1 High Street, Town, AB1 2CD\n", "clinic.address"),
        ('clinic:\n  phone: "<your clinic\'s phone number>"\n', "clinic.phone"),
    ],
)
def test_a_placeholder_left_in_the_config_is_a_configuration_error(tmp_path, line, field):
    config = tmp_path / "rehabplan.yaml"
    config.write_text("# a clinic\n" + line)
    result = run("build", PATIENT, "-f", "html", "-o", tmp_path / "h.html", "--config", config)
    assert result.exit_code == 3, result.output
    assert field in result.output and "placeholder" in result.output and "rehabplan.yaml:" in result.output
    assert "Configuration problem" in result.output and "Library problem" not in result.output
    assert not (tmp_path / "h.html").exists()


def test_the_patient_files_clinician_wins_over_the_clinic_default(tmp_path):
    config = tmp_path / "rehabplan.yaml"
    config.write_text("clinician: Dr Default, physiotherapist\n")
    html = handout_html(PATIENT, "--config", config)  # the patient file names Sam Rivera
    assert "Sam Rivera" in html and "Dr Default" not in html
    no_clinician = tmp_path / "p.yaml"
    no_clinician.write_text("\n".join(l for l in PATIENT.read_text().splitlines() if not l.startswith("clinician:")) + "\n")
    assert "Dr Default" in handout_html(no_clinician, "--config", config)


def test_without_any_config_the_red_flag_page_still_says_whom_to_call(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = red_flag_page(handout_html(PATIENT))
    assert "999" in page, "the emergency number"
    assert "your clinic" in page.lower()
    numbers = set(re.findall(r"\d[\d ]{5,}\d", page))
    assert not numbers, f"no made-up phone number: {numbers}"


# --------------------------------------------------------------------------- discovery


@pytest.mark.slow
def test_a_config_in_a_parent_folder_is_found_like_git_finds_its_own(tmp_path, monkeypatch):
    (tmp_path / "rehabplan.yaml").write_text("clinic:\n  name: Parent Folder Physio\n")
    sub = tmp_path / "patients" / "2026"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert "Parent Folder Physio" in handout_html(PATIENT)


def test_the_environment_variable_wins_over_the_user_config_folder(tmp_path, monkeypatch):
    """$REHABPLAN_CONFIG is named by the user, so it wins over anything found; the user's own
    config folder is the last place looked."""
    from rehabplan.sources.config import user_config_file

    monkeypatch.chdir(tmp_path)
    user = user_config_file()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("clinic:\n  name: From The User Folder\n")
    assert "From The User Folder" in handout_html(PATIENT)
    env_file = tmp_path / "elsewhere.yaml"
    env_file.write_text("clinic:\n  name: From The Variable\n")
    monkeypatch.setenv("REHABPLAN_CONFIG", str(env_file))
    assert "From The Variable" in handout_html(PATIENT)
    monkeypatch.setenv("REHABPLAN_CONFIG", str(tmp_path / "missing.yaml"))
    assert run("build", PATIENT, "-f", "html", "-o", "-").exit_code == 3


def test_a_run_without_config_says_which_clinic_details_are_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("build", PATIENT, "-f", "html", "-o", tmp_path / "h.html")
    said = " ".join(result.output.split())  # rich wraps long lines
    assert result.exit_code == 0
    assert "no rehabplan.yaml found" in said and "no phone number" in said and "999" in said
    (tmp_path / "rehabplan.yaml").write_text("clinic:\n  name: Here Physio\n")
    assert "no rehabplan.yaml found" not in run("build", PATIENT, "-f", "html", "-o", tmp_path / "h2.html").output


# --------------------------------------------------------------------------- schemas for editors

SHIPPED = {"exercise": ("exercises", "*.yaml"), "protocol": ("protocols", "*.yaml"), "patient": ("examples", "*.yaml")}


def _schema(kind: str) -> dict:
    result = run("schema", kind)
    assert result.exit_code == 0
    return json.loads(result.stdout)


@pytest.mark.parametrize("kind", sorted(SHIPPED))
def test_the_emitted_schema_validates_every_shipped_file(kind):
    schema = _schema(kind)
    assert schema["$schema"].startswith("https://json-schema.org/") and schema["$id"]
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    folder, pattern = SHIPPED[kind]
    files = [f for f in sorted(data_dir(folder).glob(pattern)) if "roster" not in f.name]
    assert files
    for f in files:
        data = json.loads(json.dumps(yaml.safe_load(f.read_text()), default=str))
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
        assert not errors, (f.name, errors[:3])


def _schema_target(path: Path) -> Path:
    from schema_lines import schema_target

    return schema_target(path)


@pytest.mark.parametrize("kind", sorted(SHIPPED))
def test_every_installed_file_names_a_schema_that_exists_where_it_is_installed(kind):
    folder, pattern = SHIPPED[kind]
    for f in sorted(data_dir(folder).glob(pattern)):
        if "roster" in f.name:
            continue
        target = _schema_target(f)
        assert target.is_file(), (f, target)
        assert json.loads(target.read_text())["$id"] == f"urn:rehabplan:schema:{kind}"


def test_init_writes_the_schemas_into_the_clinic_folder_and_the_config_names_them(tmp_path):
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    assert run("init", clinic / "rehabplan.yaml").exit_code == 0
    for kind in ("exercise", "protocol", "patient", "program", "config"):
        assert (clinic / "schemas" / f"{kind}.schema.json").is_file()
    target = _schema_target(clinic / "rehabplan.yaml")
    assert target == (clinic / "schemas" / "config.schema.json").resolve()
    config = yaml.safe_load((clinic / "rehabplan.yaml").read_text())
    assert not list(Draft202012Validator(json.loads(target.read_text())).iter_errors(json.loads(json.dumps(config))))
