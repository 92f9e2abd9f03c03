"""`rehabplan patient new`: every answer checked as typed; never a file later commands reject."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehabplan.cli.commands import app
from rehabplan.sources.patients import load_patient

runner = CliRunner(env={"COLUMNS": "200"})


def interview(target: Path, answers: list[str]):
    result = runner.invoke(app, ["patient", "new", str(target)], input="\n".join(answers) + "\n")
    assert "Traceback" not in result.output, result.output
    return result


GOOD = ["EX-9", "Dana Example", "2", "2026-05-04", "", "", "high", "", "older", "left", "band", "kneeling", "35", "", "y"]


def test_choices_take_a_number_or_the_word_in_any_case(tmp_path):
    answers = list(GOOD)
    answers[2], answers[6], answers[9] = "LUMBAR", "High", "LEFT"
    result = interview(tmp_path / "p.yaml", answers)
    assert result.exit_code == 0, result.output
    patient = load_patient(tmp_path / "p.yaml")
    assert (patient.protocol, patient.irritability.value, patient.side.value) == ("lumbar-radicular-sciatica", "high", "left")
    by_number = interview(tmp_path / "q.yaml", GOOD)
    assert by_number.exit_code == 0 and load_patient(tmp_path / "q.yaml").protocol == "lumbar-radicular-sciatica"


def test_a_wrong_answer_is_asked_again_with_what_would_be_right(tmp_path):
    answers = [
        "",
        "EX-9",
        "Dana Example",
        "lumbr-sciatica",
        "9",
        "2",
        "2026-02-30",
        "2026-05-04",
        "30",
        "12",
        "",
        "",
        "high",
        "",
        "older",
        "middle",
        "left",
        "bnd",
        "band",
        "kneling",
        "kneeling",
        "35",
        "",
        "y",
    ]
    result = interview(tmp_path / "p.yaml", answers)
    said = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "cannot be empty" in said
    assert "Please type a number from 1 to 3" in said
    assert "YYYY-MM-DD" in said and "from 4 to 24" in said
    assert "did you mean 'band'" in said and "did you mean 'kneeling'" in said
    patient = load_patient(tmp_path / "p.yaml")
    assert patient.equipment[0].value == "band" and patient.exclusions == ["kneeling"] and patient.weeks == 12


def test_answers_that_cannot_be_planned_write_nothing_and_say_why_in_a_sentence(tmp_path):
    answers = list(GOOD)
    answers[11] = "aerobic"  # the sciatica protocol requires the walking program
    target = tmp_path / "p.yaml"
    result = interview(target, answers)
    said = " ".join(result.output.split())
    assert result.exit_code == 4
    assert "nothing was written" in said and "walking" in said
    assert "validation error" not in said.lower() and "pydantic" not in said.lower()
    assert not target.exists()


def test_the_written_file_builds_and_names_its_schema(tmp_path):
    target = tmp_path / "p.yaml"
    assert interview(target, GOOD).exit_code == 0
    from schema_lines import schema_target

    assert schema_target(target).is_file()
    built = runner.invoke(app, ["build", str(target), "-f", "json", "-o", str(tmp_path / "p.json")])
    assert built.exit_code == 0, built.output


def test_in_a_clinic_folder_the_schema_line_points_at_the_clinics_schemas(tmp_path, monkeypatch):
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    assert runner.invoke(app, ["init", str(clinic / "rehabplan.yaml")]).exit_code == 0
    (clinic / "patients").mkdir()
    monkeypatch.chdir(clinic / "patients")
    assert interview(Path("dana.yaml"), GOOD).exit_code == 0
    first = (clinic / "patients" / "dana.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/patient.schema.json"


def test_in_a_real_terminal_the_interview_writes_a_file_build_accepts(tmp_path):
    """Through a pseudo-terminal, as a clinician at a keyboard (rich prompts, echo, Enter)."""
    import os
    import pty
    import select
    import sys
    import time

    script = Path(sys.executable).parent / "rehabplan"
    target = tmp_path / "tty.yaml"
    pid, fd = pty.fork()
    if pid == 0:  # the child: the installed command, in the terminal
        os.execv(str(script), [str(script), "patient", "new", str(target)])
    answers = ["", "EX-7", "Tia Example", "3", "2026-06-01", "", "", "low", "2", "", "BOTH", "", "", "", "", "y"]
    output = b""
    deadline = time.monotonic() + 60
    for answer in answers:  # answer each prompt once it is showing
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                output += chunk
                if chunk.rstrip().endswith((b":", b")", b"]")):
                    break
        try:
            os.write(fd, answer.encode() + b"\r")
        except OSError:  # the command has already ended; its status says why
            break
    status = None
    while status is None and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the terminal closed: the command has ended
                chunk = b""
            output += chunk
            if chunk:
                continue
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            status = code
    if status is None:
        os.kill(pid, 9)  # still waiting for input past the deadline: fail, never hang
        status = os.waitpid(pid, 0)[1]
    import re

    text = re.sub(r"\x1b\[[0-9;]*m", "", output.decode(errors="replace"))  # colours off
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "cannot be empty" in text and "3. upper-hamstring-glute-sciatica" in text
    patient = load_patient(target)
    assert (patient.protocol, patient.irritability.value, patient.side.value) == ("upper-hamstring-glute-sciatica", "low", "both")
    built = runner.invoke(app, ["build", str(target), "-f", "json", "-o", str(tmp_path / "tty.json")])
    assert built.exit_code == 0, built.output


@pytest.mark.slow
def test_the_protocol_has_no_default_and_each_choice_has_a_line(tmp_path):
    answers = list(GOOD)
    answers[2:3] = ["", "2"]  # Enter alone chooses nothing: asked again
    result = interview(tmp_path / "p.yaml", answers)
    said = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "cannot be empty" in said or "Please type a number from 1 to 3" in said
    for name in ("Deep gluteal", "Lumbar radicular", "hamstring"):
        assert name.lower() in said.lower()


def test_everyday_equipment_words_mean_the_librarys_and_unknown_words_list_every_known_one(tmp_path):
    answers = list(GOOD)
    answers[10:11] = ["trampoline", "Theraband, resistance band, dumbbells, kettlebell, ankle weights"]
    result = interview(tmp_path / "p.yaml", answers)
    said = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "…" not in said and "Known words: mat, band, chair, step, wall, weight, towel" in said
    assert "theraband = band" in said and "dumbbells = weight" in said
    assert [e.value for e in load_patient(tmp_path / "p.yaml").equipment] == ["band", "weight"]


def test_a_clinician_must_be_a_name_not_a_number(tmp_path):
    answers = list(GOOD)
    answers[13:14] = ["25", "Sam Rivera, physiotherapist"]
    result = interview(tmp_path / "p.yaml", answers)
    assert result.exit_code == 0, result.output
    assert "does not look like a name" in " ".join(result.output.split())
    assert load_patient(tmp_path / "p.yaml").clinician == "Sam Rivera, physiotherapist"


def test_the_summary_lets_an_answer_be_changed_or_nothing_written(tmp_path):
    answers = GOOD[:-1] + ["10", "right", "y"]  # change answer 10 (side) from the summary
    result = interview(tmp_path / "p.yaml", answers)
    said = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "The patient file will say" in said and "10. Side: left" in said
    assert load_patient(tmp_path / "p.yaml").side.value == "right"
    quit_ = interview(tmp_path / "q.yaml", GOOD[:-1] + ["q"])
    assert quit_.exit_code == 0 and "Nothing written" in quit_.output and not (tmp_path / "q.yaml").exists()


def test_the_clinics_date_format_is_asked_and_accepted(tmp_path, monkeypatch):
    (tmp_path / "rehabplan.yaml").write_text("date_format: dmy\n")
    monkeypatch.chdir(tmp_path)
    answers = list(GOOD)
    answers[3] = "12/01/2027"
    result = interview(tmp_path / "p.yaml", answers)
    assert result.exit_code == 0, result.output
    assert "DD/MM/YYYY" in result.output
    assert "start_date: 2027-01-12" in (tmp_path / "p.yaml").read_text()


def test_answers_that_run_out_write_nothing_and_say_so(tmp_path):
    # Ctrl-D at the first question, or a script with too few answers: a usage problem, not a bug.
    target = tmp_path / "jane.yaml"
    result = runner.invoke(app, ["patient", "new", str(target)], input="")
    assert result.exit_code == 2, result.output
    assert "was not written" in " ".join(result.output.split())
    assert "Internal error" not in result.output
    assert not target.exists()
