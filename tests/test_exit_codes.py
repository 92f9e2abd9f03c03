"""Errors as a contract: every documented exit code comes from its own error class, an internal
bug is a panel (--debug shows its traceback), a missing Pango is an install hint, output-folder
problems are not "some patients failed", and interrupts leave nothing behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehabplan import errors
from rehabplan.cli.commands import app

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them

ROOT = Path(__file__).resolve().parent.parent
PATIENT = ROOT / "examples" / "patient.yaml"


def invoke(*args, env=None):
    return CliRunner(env={"COLUMNS": "200", **(env or {})}).invoke(app, [str(a) for a in args])


def test_each_documented_code_has_its_own_class():
    codes = {
        errors.BulkIncomplete: 1,
        errors.UrgentFlag: 1,
        errors.UsageError: 2,
        errors.LibraryError: 3,
        errors.ConfigError: 3,
        errors.PatientError: 4,
        errors.RenderError: 5,
        errors.OutputError: 5,
        errors.MissingDependency: 5,
        errors.OutputExistsError: 6,
        errors.InternalError: 70,
    }
    for cls, code in codes.items():
        assert cls.exit_code == code, cls
    assert errors.OutputError.title != errors.RenderError.title  # a file write is not a render problem
    assert errors.RehabplanError.exit_code not in (0,)


def test_a_picture_of_the_wrong_kind_is_a_usage_error(tmp_path):
    result = invoke("exercises", "show", "clamshell", "--picture", tmp_path / "out.jpg")
    assert result.exit_code == 2, result.output
    assert "Usage problem" in result.output and ".svg or .png" in result.output


def test_an_uncreatable_bulk_folder_is_an_output_error_not_some_patients_failed(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("id,name,protocol,start_date\nA1,Ann Example,deep-gluteal-syndrome,2026-03-02\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = invoke("bulk", roster, "--out", blocker / "out")
    assert result.exit_code == 5, result.output
    assert "Cannot write the output" in result.output and "Some patients failed" not in result.output


def test_a_read_only_bulk_folder_is_an_output_error(tmp_path, monkeypatch):
    import tempfile

    roster = tmp_path / "r.csv"
    roster.write_text("id,name,protocol,start_date\nA1,Ann Example,deep-gluteal-syndrome,2026-03-02\n")
    out = tmp_path / "out"
    out.mkdir()

    def refuse(*a, **kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # root ignores mode bits: refuse as a read-only mount does
    result = invoke("bulk", roster, "--out", out)
    assert result.exit_code == 5, result.output
    assert "Permission denied" in result.output


def test_a_bulk_run_with_failures_raises_bulk_incomplete(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("id,name,protocol,start_date\nA1,Ann Example,no-such-protocol,2026-03-02\n")
    result = invoke("bulk", roster, "--out", tmp_path / "out", "--format", "json", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["failed"] == 1
    assert "Some patients failed" in result.stderr


def test_an_internal_error_is_a_panel_and_debug_shows_its_traceback(monkeypatch):
    import rehabplan.outputs.terminal as terminal

    def broken(*a, **kw):
        raise TypeError("a bug planted by the test")

    monkeypatch.setattr(terminal, "print_program", broken)
    result = invoke("preview", PATIENT)
    assert result.exit_code == 70, result.output
    assert "Internal error" in result.output and "a bug planted by the test" in result.output
    assert "Traceback" not in result.output and "--debug" in result.output
    for args, env in (((("--debug", "preview", PATIENT)), None), (("preview", PATIENT), {"REHABPLAN_DEBUG": "1"})):
        result = invoke(*args, env=env)
        assert result.exit_code == 70
        assert "Traceback" in result.stderr and "broken" in result.stderr


@pytest.mark.parametrize(
    "failure, hint",
    [
        (OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file"), "apt-get install"),
        (ModuleNotFoundError("No module named 'weasyprint'", name="weasyprint"), "reinstall"),
    ],
)
def test_a_missing_pango_or_weasyprint_is_a_panel_with_the_install_hint(monkeypatch, tmp_path, failure, hint):
    import rehabplan.render.pdf as pdf

    def missing(*a, **kw):
        raise failure

    monkeypatch.setattr(pdf, "render_pdf", missing)
    result = invoke("build", PATIENT, "-o", tmp_path / "h.pdf")
    assert result.exit_code == 5, result.output
    assert "WeasyPrint cannot start" in result.output and hint in result.output
    assert "Traceback" not in result.output


def test_an_output_name_too_long_for_the_file_system_is_an_output_error(tmp_path):
    result = invoke("build", PATIENT, "-f", "json", "-o", tmp_path / ("a" * 300 + ".json"))
    assert result.exit_code == 5, result.output
    assert "Traceback" not in result.output and "too long" in result.output.lower()


def test_a_deleted_current_folder_is_no_traceback(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    result = invoke("build", PATIENT, "-f", "json", "-o", tmp_path / "p.json")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p.json").exists()


def _start_build(tmp_path):
    exe = Path(sys.executable).with_name("rehabplan")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "REHABPLAN_NO_CACHE": "1"}
    proc = subprocess.Popen(
        [str(exe), "build", str(PATIENT), "-o", str(tmp_path / "h.pdf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(temp.glob("weasyprint-*")):
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    return proc, temp


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
def test_a_terminated_build_removes_weasyprints_temporary_folder(tmp_path):
    proc, temp = _start_build(tmp_path)
    if proc.poll() is not None:
        pytest.skip("the build ended before its font folder appeared")
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert not list(temp.glob("weasyprint-*"))
    assert not (tmp_path / "h.pdf").exists()


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_a_second_ctrl_c_is_no_traceback(tmp_path):
    proc, temp = _start_build(tmp_path)
    if proc.poll() is not None:
        pytest.skip("the build ended before it could be interrupted")
    proc.send_signal(signal.SIGINT)
    time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert not list(temp.glob("weasyprint-*"))


def test_two_bulk_runs_into_one_folder_keep_every_manifest_entry(tmp_path):
    exe = Path(sys.executable).with_name("rehabplan")
    out = tmp_path / "out"
    procs = []
    for prefix in ("A", "B"):
        roster = tmp_path / f"{prefix}.csv"
        names = ("Ann", "Bo", "Cy", "Di", "Ed", "Flo")
        rows = [f"{prefix}{i},{n} {prefix}xample,deep-gluteal-syndrome,2026-03-0{i},right" for i, n in enumerate(names, 1)]
        roster.write_text("id,name,protocol,start_date,side\n" + "\n".join(rows) + "\n")
        procs.append(
            subprocess.Popen(
                [str(exe), "bulk", str(roster), "--out", str(out), "--format", "json", "-j", "1", "--quiet"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for proc in procs:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
    entries = json.loads((out / "manifest.json").read_text())["entries"]
    assert len(entries) == 12, sorted(entries)
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".json") or p.name == "manifest.json") == ["manifest.json"]
