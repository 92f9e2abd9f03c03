"""The README's workflow as a clinician types it, and spreadsheets as they save CSV."""

from __future__ import annotations

import csv
import io
import re
import shlex
from pathlib import Path

import pytest
from cli_runner import cli_runner

ROOT = Path(__file__).resolve().parent.parent
PATIENT = ROOT / "examples" / "patient.yaml"
run = cli_runner(200)


def fill_in(template: str, weeks: set[int], pain: int = 2, done: str = "yes") -> str:
    """The template with the rows of ``weeks`` filled in as a patient would; the rest blank."""
    rows = list(csv.DictReader(io.StringIO(template)))
    for row in rows:
        if int(row["week"]) in weeks:
            row.update(done=done, pain_during=str(pain), pain_next_morning=str(pain), spread="no")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


# --------------------------------------------------------------------------- log-template -> adjust


def test_adjust_on_a_partly_filled_template_starts_at_the_first_unlogged_week(tmp_path):
    log = tmp_path / "log.csv"
    assert run("log-template", PATIENT, "-o", log).exit_code == 0
    log.write_text(fill_in(log.read_text(), {1, 2}))
    result = run("adjust", PATIENT, log, "-o", tmp_path / "adjusted.json")
    assert result.exit_code == 0, result.output
    assert "Adjusted from week 3" in result.output
    assert "adherence" not in result.output, "blank future rows are not missed sessions"
    assert "no weeks are left" not in result.output


def test_adjust_on_a_fresh_template_says_to_fill_it_in_first(tmp_path):
    log = tmp_path / "log.csv"
    run("log-template", PATIENT, "-o", log)
    result = run("adjust", PATIENT, log, "-o", tmp_path / "adjusted.json")
    assert result.exit_code == 4
    said = " ".join(result.output.split())
    assert "no filled-in rows yet" in said and "fill in done" in said
    assert "no weeks are left" not in said


def test_sessions_marked_not_done_still_count_against_adherence(tmp_path):
    log = tmp_path / "log.csv"
    run("log-template", PATIENT, "-o", log)
    log.write_text(fill_in(log.read_text(), {1, 2}, done="no"))
    result = run("adjust", PATIENT, log, "-o", tmp_path / "adjusted.json")
    assert "adherence 0%" in result.output.replace(" %", "%")


# --------------------------------------------------------------------------- CSV from a spreadsheet


def _spreadsheet_log(tmp_path: Path, delimiter: str, encoding: str, note: str = "") -> Path:
    log = tmp_path / "log.csv"
    run("log-template", PATIENT, "-o", log)
    rows = list(csv.reader(io.StringIO(fill_in(log.read_text(), {1}))))
    rows[1][-1] = note
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    log.write_bytes(buf.getvalue().encode(encoding))
    return log


@pytest.mark.slow
@pytest.mark.parametrize("delimiter, encoding", [(";", "utf-8-sig"), (",", "utf-8-sig"), (";", "cp1252"), ("\t", "utf-16")])
def test_a_log_saved_by_a_spreadsheet_is_read(tmp_path, delimiter, encoding):
    log = _spreadsheet_log(tmp_path, delimiter, encoding, note="Knie fühlte sich gut an")
    result = run("adjust", PATIENT, log, "-o", tmp_path / "adjusted.json")
    assert result.exit_code == 0, result.output
    assert "Adjusted from week 2" in result.output and "unknown column" not in result.output


def test_a_log_in_an_unreadable_encoding_is_refused_naming_the_encodings(tmp_path):
    log = tmp_path / "log.csv"
    log.write_bytes(b"week,session,date,exercise,done\n1,1,,clamshell,yes\n" + b"\x81\x8d\x8f\x90\x9d\n")
    result = run("adjust", PATIENT, log, "-o", tmp_path / "adjusted.json")
    said = " ".join(result.output.split())
    assert result.exit_code == 4 and "UTF-8" in said and "Windows-1252" in said


@pytest.mark.parametrize("delimiter, encoding", [(";", "utf-8-sig"), (";", "cp1252")])
def test_a_roster_saved_by_a_spreadsheet_is_read(tmp_path, delimiter, encoding):
    from rehabplan.bulk.run import read_roster

    rows = list(csv.reader(io.StringIO((ROOT / "examples" / "roster.csv").read_text())))
    rows[1][1] = "Zoë Müller"
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    roster = tmp_path / "roster.csv"
    roster.write_bytes(buf.getvalue().encode(encoding))
    read = read_roster(roster)
    assert len(read) == len(rows) - 1
    assert read[0][1]["name"] == "Zoë Müller" and read[0][1]["id"] == rows[1][0]


# --------------------------------------------------------------------------- examples after pip install


def test_rehabplan_examples_copies_the_examples_with_schema_lines_that_resolve(tmp_path):
    target = tmp_path / "examples"
    assert run("examples", target).exit_code == 0
    for name in ("patient.yaml", "roster.csv", "roster.yaml", "log-3-weeks.csv"):
        assert (target / name).is_file(), name
    from schema_lines import schema_target

    assert schema_target(target / "patient.yaml").is_file()
    assert run("examples", target).exit_code == 6


def _help_examples() -> list[list[str]]:
    """Every 'rehabplan …' example line in every command's --help."""
    commands = [
        [],
        ["validate"],
        ["init"],
        ["schema"],
        ["build"],
        ["preview"],
        ["bulk"],
        ["log-template"],
        ["adjust"],
        ["examples"],
        ["exercises", "list"],
        ["exercises", "show"],
        ["protocols", "list"],
        ["protocols", "show"],
    ]
    lines = []
    for command in commands:
        text = run(*command, "--help").output
        for m in re.finditer(r"^\s*(?:Examples?:\s*)?(rehabplan [^\n]+)$", text, re.M):
            for part in m.group(1).split("&&"):
                lines.append(shlex.split(part.split(">")[0].split("#")[0])[1:])
    return lines


@pytest.mark.slow
def test_every_help_example_works_from_an_empty_folder(tmp_path, monkeypatch):
    """After 'rehabplan examples examples/', each example runs as printed (those that render a
    PDF or fan out to a roster are checked for their inputs only, to keep this fast)."""
    monkeypatch.chdir(tmp_path)
    assert run("examples", "examples/").exit_code == 0
    examples = _help_examples()
    assert len(examples) >= 12
    for args in examples:
        inputs = [a for a in args if a.startswith("examples/") and not a.endswith("/")]
        for path in inputs:
            assert Path(path).exists(), (args, path)
        slow = args[0] in ("bulk", "adjust") or (args[0] == "build" and "--format" not in args)
        if slow or "my-clinic/exercises" in args or args[:1] == ["examples"]:
            continue
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)


@pytest.mark.slow
def test_bulk_says_where_the_files_went(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join((ROOT / "examples" / "roster.csv").read_text().splitlines()[:2]) + "\n")
    result = run("bulk", roster, "--out", tmp_path / "out", "--format", "json", "--jobs", "1")
    assert result.exit_code == 0, result.output
    unwrapped = "".join(result.output.split())  # rich may wrap a long path
    assert "1handoutto" + str((tmp_path / "out").resolve()) in unwrapped
    assert "manifest.json" in unwrapped
