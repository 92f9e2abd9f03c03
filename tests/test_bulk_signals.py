"""A bulk run stopped part way (SIGTERM to the command, Ctrl-C to it or to its whole process
group, as a terminal sends it): exit 130 with one line and no traceback, no worker left, no
half-written file in the output folder, the finished patients kept, and the same command again
builds the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from rehabplan.errors import EXIT_INTERRUPTED

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix" or not Path("/proc").is_dir(), reason="POSIX signals; reads /proc for the workers"),
]

EXE = Path(sys.executable).with_name("rehabplan")
N = 4


def _roster(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    rows = [f"S{i},Sam Example,deep-gluteal-syndrome,2026-01-05,right,band,40,4" for i in range(1, N + 1)]
    path.write_text("id,name,protocol,start_date,side,equipment,minutes,weeks\n" + "\n".join(rows) + "\n")
    return path


def _workers(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return kids


def _ignores_sigpipe(pid: int) -> bool:
    for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGPIPE - 1) & 1)
    raise AssertionError("no SigIgn line")


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _entries(out: Path) -> dict:
    try:
        return json.loads((out / "manifest.json").read_text())["entries"]
    except (OSError, ValueError, KeyError):
        return {}


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "Ctrl-C to the group"])
def test_an_interrupted_bulk_run_exits_130_keeps_whole_files_and_resumes(tmp_path, how):
    roster, out = _roster(tmp_path), tmp_path / "out"
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(private_tmp)}
    command = [str(EXE), "bulk", str(roster), "--out", str(out), "--jobs", "2", "--quiet"]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not _entries(out) and proc.poll() is None:
            time.sleep(0.1)
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted: {proc.communicate()[1][-500:]}")
        workers = _workers(proc.pid)
        assert workers
        if how == "SIGTERM":
            proc.send_signal(signal.SIGTERM)
        elif how == "SIGINT":
            proc.send_signal(signal.SIGINT)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    assert proc.returncode == EXIT_INTERRUPTED == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr, stderr
    assert not any(_alive(w) for w in workers), "workers outlived the interrupted run"
    assert list(private_tmp.iterdir()) == []

    # Nothing half-written: no temporary file, and every handout there is a whole PDF. A handout
    # a worker finished just before the stop may be there without its manifest entry; the next
    # run builds it again.
    kept = _entries(out)
    assert kept and len(kept) < N
    files = sorted(p.name for p in out.iterdir())
    assert not [f for f in files if f.startswith(".") or f.endswith(".part")], files
    for name in files:
        if name.endswith(".pdf"):
            assert len(PdfReader(out / name).pages) > 0
    import hashlib

    for entry in kept.values():
        data = (out / entry["files"]["pdf"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]["pdf"]

    again = subprocess.run([*command, "--json"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    statuses = [row["status"] for row in summary["rows"]]
    assert statuses.count("skipped") >= len(kept) and len(statuses) == N
    assert set(statuses) <= {"built", "skipped"}
    assert len(_entries(out)) == N


def test_a_worker_stopped_while_writing_a_file_finishes_the_file_first(tmp_path):
    # The parent stops a worker with SIGTERM, which ends it at once (no clean-up runs): a stop
    # that lands mid-write must wait for the file to be whole, never leave a temporary file.
    script = """
import os, signal, sys
from pathlib import Path
from rehabplan.bulk import pool

signal.signal(signal.SIGTERM, pool._on_term)
real = pool.atomic_write

def stopped_midway(path, data, force):
    os.kill(os.getpid(), signal.SIGTERM)
    sum(range(1000))  # the handler runs here, between two steps of the write
    return real(path, data, force=force)

pool.atomic_write = stopped_midway
pool._write_whole(Path(sys.argv[1]), b"the whole handout")
print("went on after the stop")
"""
    out = tmp_path / "S1.pdf"
    proc = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert "went on" not in proc.stdout
    assert out.read_bytes() == b"the whole handout"
    assert [p.name for p in tmp_path.iterdir()] == ["S1.pdf"]
