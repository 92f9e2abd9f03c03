"""Trust like git: a rehabplan.yaml that another user owns or can change is never obeyed unless
the user names it or lists its folder under safe_folders:, and the file used is named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_runner import cli_runner

ROOT = Path(__file__).resolve().parent.parent
PATIENT = ROOT / "examples" / "patient.yaml"
run = cli_runner(200)
STRANGER = 12345
EVIL = 'clinic:\n  name: Stranger Physio\n  phone: "0906 123 4567"\nemergency_number: "09061234567"\n'

pytestmark = pytest.mark.skipif(not hasattr(os, "getuid"), reason="user ids are POSIX")


def html_of(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def build_html(*args):
    return run("build", PATIENT, "-f", "html", "-o", "-", *args)


@pytest.fixture
def shared(tmp_path, monkeypatch):
    """A shared parent folder with a stranger's rehabplan.yaml and a clinician's folder below."""
    parent = tmp_path / "shared"
    work = parent / "jo" / "patients"
    work.mkdir(parents=True)
    config = parent / "rehabplan.yaml"
    config.write_text(EVIL)
    monkeypatch.chdir(work)
    return config


def _say(result) -> str:
    return " ".join(result.output.split())


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_a_config_owned_by_another_user_is_ignored_with_a_warning_that_says_how_to_trust_it(shared):
    os.chown(shared, STRANGER, STRANGER)
    result = build_html()
    html = html_of(result)
    assert "Stranger Physio" not in html and "0906" not in html and "999" in html
    said = _say(result)
    assert f"ignored {shared}" in said and "uid 12345" in said
    assert f"--config {shared}" in said and "safe_folders" in said


@pytest.mark.parametrize("mode", [0o664, 0o646, 0o666])
def test_a_config_others_can_change_is_ignored(shared, mode):
    shared.chmod(mode)
    result = build_html()
    assert "Stranger Physio" not in html_of(result)
    assert f"ignored {shared}" in _say(result) and "can change it" in _say(result)


@pytest.mark.slow
def test_a_config_in_a_folder_others_can_write_is_ignored(shared):
    shared.parent.chmod(0o777)
    try:
        result = build_html()
        assert "Stranger Physio" not in html_of(result)
        assert "writable by others" in _say(result)
    finally:
        shared.parent.chmod(0o755)


def test_a_config_in_a_sticky_shared_folder_owned_by_the_user_is_used(shared):
    shared.parent.chmod(0o1777)  # like /tmp: others cannot replace the user's own file
    try:
        assert "Stranger Physio" in html_of(build_html())
    finally:
        shared.parent.chmod(0o755)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_a_broken_untrusted_config_breaks_nothing(shared):
    shared.write_text("clinic: [this is: not: valid\n")
    os.chown(shared, STRANGER, STRANGER)
    for args in (("validate",), ("exercises", "list"), ("protocols", "list")):
        result = run(*args)
        assert result.exit_code == 0, result.output
    html_of(build_html())


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_a_named_config_is_obeyed_whoever_owns_it(shared, monkeypatch):
    os.chown(shared, STRANGER, STRANGER)
    assert "Stranger Physio" in html_of(build_html("--config", shared))
    monkeypatch.setenv("REHABPLAN_CONFIG", str(shared))
    assert "Stranger Physio" in html_of(build_html())


def test_the_environment_variable_wins_over_a_discovered_config(shared, tmp_path, monkeypatch):
    mine = tmp_path / "mine.yaml"
    mine.write_text("clinic:\n  name: My Own Physio\n")
    monkeypatch.setenv("REHABPLAN_CONFIG", str(mine))
    html = html_of(build_html())
    assert "My Own Physio" in html and "Stranger Physio" not in html


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_safe_folders_in_the_users_own_config_trusts_a_shared_clinic_folder(shared):
    from rehabplan.sources.config import user_config_file

    os.chown(shared, STRANGER, STRANGER)
    user = user_config_file()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(f"safe_folders:\n  - {shared.parent}\n")
    assert "Stranger Physio" in html_of(build_html())
    # ...but not from a safe_folders: list in a file others can change
    user.chmod(0o666)
    assert "Stranger Physio" not in html_of(build_html())


@pytest.mark.slow
def test_safe_folders_in_a_discovered_config_does_not_trust_anything(tmp_path, monkeypatch):
    top = tmp_path / "top"
    inner = top / "inner"
    inner.mkdir(parents=True)
    (inner / "rehabplan.yaml").write_text(EVIL)
    (inner / "rehabplan.yaml").chmod(0o666)
    (top / "rehabplan.yaml").write_text(f"safe_folders: [{inner}]\nclinic:\n  name: Top Physio\n")
    monkeypatch.chdir(inner)
    html = html_of(build_html())
    assert "Top Physio" in html and "Stranger Physio" not in html


def test_discovery_stops_at_a_repository_root(tmp_path, monkeypatch):
    (tmp_path / "rehabplan.yaml").write_text("clinic:\n  name: Above The Repo\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "src").mkdir()
    monkeypatch.chdir(repo / "src")
    assert "Above The Repo" not in html_of(build_html())


@pytest.mark.slow
def test_discovery_stops_at_the_home_folder(tmp_path, monkeypatch):
    (tmp_path / "rehabplan.yaml").write_text("clinic:\n  name: Above Home\n")
    home = tmp_path / "home" / "jo"
    (home / "work").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home / "work")
    assert "Above Home" not in html_of(build_html())
    (home / "rehabplan.yaml").write_text("clinic:\n  name: At Home\n")
    assert "At Home" in html_of(build_html())


@pytest.mark.slow
def test_the_config_used_is_named_once_on_stderr_and_not_with_quiet(tmp_path, monkeypatch):
    config = tmp_path / "rehabplan.yaml"
    config.write_text("clinic:\n  name: Here Physio\n")
    monkeypatch.chdir(tmp_path)
    result = run("build", PATIENT, "-f", "html", "-o", tmp_path / "h.html")
    assert result.exit_code == 0, result.output
    assert result.stderr.count(f"config {config}") == 1, result.stderr
    assert "found in this folder" in result.stderr
    result = run("build", PATIENT, "-f", "html", "-o", tmp_path / "h2.html", "--quiet")
    assert result.exit_code == 0 and result.stderr == "", result.stderr


def test_validate_lists_every_layer_it_used(tmp_path, monkeypatch, library_copy):
    config = tmp_path / "rehabplan.yaml"
    config.write_text("clinic:\n  name: Here Physio\nlibrary: [exercises]\n")
    (tmp_path / "ignored").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("config") and str(config) in line for line in lines)
    assert sum(line.startswith("library") for line in lines) == 2
    assert any(line.startswith("library") and str(library_copy) in line for line in lines)
    assert any(line.startswith("protocols") and "(built-in)" in line for line in lines)


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_a_discovered_config_may_not_name_a_folder_another_user_controls(tmp_path, monkeypatch, library_copy):
    os.chown(library_copy, STRANGER, STRANGER)
    (tmp_path / "rehabplan.yaml").write_text("library: [exercises]\n")
    monkeypatch.chdir(tmp_path)
    result = run("exercises", "list")
    assert result.exit_code == 3, result.output
    said = _say(result)
    assert "library" in said and "uid 12345" in said and "safe_folders" in said
    # named explicitly, the user has decided
    assert run("exercises", "list", "--config", tmp_path / "rehabplan.yaml").exit_code == 0


def test_no_current_folder_means_no_discovery_not_a_traceback(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    result = run("exercises", "list")
    assert result.exit_code == 0, result.output
