"""Bulk builds: one bad row or one crashing worker never stops or corrupts the others."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from rehabplan.bulk.run import bulk_build, read_roster
from rehabplan.cli.commands import app
from rehabplan.errors import PatientError
from rehabplan.render.pdf import Renderer

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FIELDS = ["id", "name", "protocol", "start_date", "side", "equipment", "minutes", "weeks"]
GOOD = {
    "protocol": "deep-gluteal-syndrome",
    "start_date": "2026-01-05",
    "side": "right",
    "equipment": "band",
    "minutes": "40",
    "weeks": "4",
}


def roster(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "roster.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({**GOOD, **r})
    return path


def test_the_example_rosters_read_as_patients():
    assert len(read_roster(EXAMPLES / "roster.csv")) >= 4
    assert len(read_roster(EXAMPLES / "roster.yaml")) >= 2


@pytest.mark.slow
def test_bad_rows_fail_alone_with_row_numbers_and_the_rest_are_built(tmp_path):
    path = roster(
        tmp_path,
        [
            {"id": "A1", "name": "Good One"},
            {"id": "B2", "name": "Bad Protocol", "protocol": "no-such-protocol"},
            {"id": "C3", "name": "Bad Date", "start_date": "31/02/2026"},
            {"id": "D4", "name": ""},
            {"id": "E5", "name": "No Way", "equipment": "", "minutes": "5"},
            {"id": "F6", "name": "Good Two", "side": "left"},
        ],
    )
    report = bulk_build(path, tmp_path / "out", jobs=2)
    status = {o.row: o.status for o in report.outcomes}
    assert status == {2: "built", 3: "failed", 4: "failed", 5: "failed", 6: "failed", 7: "built"}
    reasons = {o.row: o.reason for o in report.outcomes}
    assert "unknown protocol" in reasons[3]
    assert "YYYY-MM-DD" in reasons[4]
    assert "name" in reasons[5]
    assert "minutes" in reasons[6]
    for o in report.outcomes:
        if o.status == "built":
            reader = PdfReader(tmp_path / "out" / o.files["pdf"])
            assert len(reader.pages) == o.pages > 5
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["A1-Good-One.pdf", "F6-Good-Two.pdf", "manifest.json"]


@pytest.mark.slow
def test_cli_exit_code_is_1_when_any_row_failed_and_names_are_never_printed(tmp_path):
    path = roster(tmp_path, [{"id": "A1", "name": "Secret Name"}, {"id": "B2", "name": "Other Secret", "side": "middle"}])
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["bulk", str(path), "--out", str(tmp_path / "out"), "-j", "1"])
    assert result.exit_code == 1
    assert "Secret" not in result.output and "row" in result.output and "failed" in result.output
    result = CliRunner().invoke(app, ["bulk", str(path), "--out", str(tmp_path / "out"), "--json"])
    summary = json.loads(result.stdout)
    assert summary["schema_version"] == "1.0" and summary["failed"] == 1 and summary["skipped"] == 1
    # Names reach only the output file names, never the messages.
    for row in summary["rows"]:
        row.pop("files")
    assert "Secret" not in json.dumps(summary)


def test_file_names_are_safe_and_unique_whatever_the_name(tmp_path):
    hostile = ["../../x", "/etc/passwd", "a" * 120, "王小明", "Same Name", "Same Name", ". ..", "CON"]
    path = roster(tmp_path, [{"id": f"id{i}" if i % 2 else "same-id", "name": n} for i, n in enumerate(hostile)])
    out = tmp_path / "out"
    report = bulk_build(path, out, jobs=2, formats=("json",))
    assert report.failed == 0
    files = [o.files["json"] for o in report.outcomes]
    assert len(set(f.lower() for f in files)) == len(files)
    for f in files:
        assert "/" not in f and not f.startswith(".") and len(f) < 100
        assert (out / f).resolve().parent == out.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "roster.csv"]


@pytest.mark.slow
def test_a_second_run_skips_unchanged_handouts_and_force_rebuilds(tmp_path):
    path = roster(tmp_path, [{"id": "A1", "name": "One"}, {"id": "B2", "name": "Two"}])
    out = tmp_path / "out"
    first = bulk_build(path, out, jobs=2)
    assert first.built == 2
    second = bulk_build(path, out, jobs=2)
    assert second.skipped == 2 and second.built == 0
    # every skipped row says why, and how to rebuild it anyway
    assert all(o.reason and "up to date" in o.reason and "--force" in o.reason for o in second.outcomes)
    # a changed row is rebuilt, the other is not
    path = roster(tmp_path, [{"id": "A1", "name": "One"}, {"id": "B2", "name": "Two", "minutes": "35"}])
    third = bulk_build(path, out, jobs=2)
    assert [o.status for o in third.outcomes] == ["skipped", "built"]
    # a damaged output is rebuilt even though its inputs did not change
    (out / third.outcomes[0].files["pdf"]).write_bytes(b"damaged")
    assert [o.status for o in bulk_build(path, out).outcomes] == ["built", "skipped"]
    assert bulk_build(path, out, force=True).built == 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert all(len(e["input_hash"]) == 64 and e["sha256"]["pdf"] for e in manifest["entries"].values())


@pytest.mark.slow
def test_a_crashing_worker_costs_only_its_own_patient(tmp_path, monkeypatch):
    original = Renderer.pdf

    def crash_on_one_patient(self, program, library):
        if program.patient.name == "Crash Me":
            os._exit(70)  # the worker process dies, as it would on a segfault
        return original(self, program, library)

    # Workers are forked from this process, so they inherit the patched renderer.
    monkeypatch.setattr(Renderer, "pdf", crash_on_one_patient)
    path = roster(
        tmp_path,
        [
            {"id": "A1", "name": "Before"},
            {"id": "B2", "name": "Crash Me"},
            {"id": "C3", "name": "After"},
            {"id": "D4", "name": "Last"},
        ],
    )
    report = bulk_build(path, tmp_path / "out", jobs=2)
    status = {o.patient_id: o.status for o in report.outcomes}
    assert status == {"A1": "built", "B2": "failed", "C3": "built", "D4": "built"}
    assert "crashed" in next(o.reason for o in report.outcomes if o.patient_id == "B2")
    assert not list((tmp_path / "out").glob("*.part"))


def test_an_unreadable_roster_is_one_clear_error(tmp_path):
    (tmp_path / "r.csv").write_text("idd,name\nx,y\n")
    with pytest.raises(PatientError) as info:
        read_roster(tmp_path / "r.csv")
    assert "did you mean 'id'" in str(info.value)
    with pytest.raises(PatientError):
        read_roster(tmp_path / "missing.csv")
    (tmp_path / "r.yaml").write_text("id: not-a-list\n")
    with pytest.raises(PatientError):
        read_roster(tmp_path / "r.yaml")


def test_workers_are_recycled_and_every_patient_is_still_built_once(tmp_path, monkeypatch):
    import rehabplan.bulk.pool as pool

    monkeypatch.setattr(pool, "RECYCLE_AFTER", 1)  # a fresh pair of workers for every two handouts
    path = roster(tmp_path, [{"id": f"R{i}", "name": f"P {i}"} for i in range(5)])
    report = bulk_build(path, tmp_path / "out", jobs=2, formats=("json",))
    assert [o.status for o in report.outcomes] == ["built"] * 5
    assert len({o.worker_pid for o in report.outcomes}) >= 3


def test_forked_workers_plan_with_the_parents_library_instead_of_reading_it_again(tmp_path, monkeypatch):
    """A worker holds no second copy of the library (memory) and reads nothing."""
    import rehabplan.bulk.run as bulk

    readers = tmp_path / "readers"
    original = bulk.load_library

    def load_library(*folders):
        with readers.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return original(*folders)

    import rehabplan.bulk.pool as pool

    monkeypatch.setattr(bulk, "load_library", load_library)  # the parent's one read
    monkeypatch.setattr(pool, "load_library", load_library)  # forked workers inherit the patch
    monkeypatch.setattr(pool, "RECYCLE_AFTER", 1)  # recycled pools are forked with it too
    path = roster(tmp_path, [{"id": f"R{i}", "name": f"P {i}"} for i in range(3)])
    report = bulk_build(path, tmp_path / "out", jobs=2, formats=("json",), start_method="fork")
    assert [o.status for o in report.outcomes] == ["built"] * 3
    assert readers.read_text().split() == [str(os.getpid())]
