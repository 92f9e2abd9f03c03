"""The output folder of a bulk run: checked before any work, and the manifest's lock."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from rehabplan import __version__
from rehabplan.bulk.jobs import MANIFEST, MANIFEST_EVERY_S, MAX_MANIFEST_BYTES, MAX_OUTPUT_BYTES, Job, Outcome, Settings
from rehabplan.errors import OutputError
from rehabplan.models import Program
from rehabplan.outputs.files import atomic_write, sha256_bytes
from rehabplan.sources.safe_read import Refused, read_regular


def check_writable(out: Path) -> None:
    """Make ``out`` and prove a file can be written in it, or OutputError (exit 5) before any
    patient is planned: a read-only folder is not "some patients failed"."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {out}: {exc.strerror or exc}") from None
    if not out.is_dir():
        raise OutputError(f"the output folder {out} is not a folder")
    try:
        fd, name = tempfile.mkstemp(prefix=".write-test-", dir=out)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise OutputError(f"cannot write into the output folder {out}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """An exclusive lock on the output folder itself (POSIX ``flock`` on the folder, so no lock
    file is left beside the handouts) for as long as the block runs; where there is none, or
    the folder cannot be opened for it, no lock."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    try:
        fd = os.open(out, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def input_hash(program: Program, formats: tuple[str, ...], settings: Settings, assets_digest: str) -> str:
    """Everything that changes the output: the program (patient, doses, library digest),
    the formats, the clinic configuration, the templates and illustrations, the version."""
    h = hashlib.sha256()
    for part in (
        program.model_dump_json(),
        ",".join(formats),
        settings.config.model_dump_json(),
        settings.style.cache_key(),
        assets_digest,
        __version__,
    ):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def _read_manifest(out: Path) -> dict[str, dict]:
    path = out / MANIFEST
    try:
        data = json.loads(read_regular(path, MAX_MANIFEST_BYTES))
        return dict(data.get("entries", {}))
    except (Refused, OSError, ValueError, AttributeError):
        return {}  # no manifest (or a damaged one): everything is rebuilt


def _write_manifest(out: Path, entries: dict[str, dict], changed: set[str] | None = None) -> None:
    """Merge this run's ``changed`` entries into the manifest on disk, under a lock: two runs
    into one folder keep every entry. ``changed=None`` writes ``entries`` as they are."""
    from rehabplan.bulk.manifest import locked

    with locked(out):
        merged = _read_manifest(out) if changed is not None else {}
        merged.update(entries if changed is None else {k: entries[k] for k in changed if k in entries})
        data = {"schema_version": "1.0", "rehabplan": __version__, "entries": dict(sorted(merged.items()))}
        atomic_write(out / MANIFEST, (json.dumps(data, indent=2) + "\n").encode(), force=True)


def _up_to_date(entry: dict | None, job: Job, out: Path) -> bool:
    if not entry or entry.get("input_hash") != job.input_hash:
        return False
    for fmt in job.formats:
        name = entry.get("files", {}).get(fmt)
        if not name:
            return False
        path = out / name
        try:
            # Only a regular file directly in the output folder counts (a damaged manifest
            # could name a device or a path elsewhere).
            if path.parent != out or sha256_bytes(read_regular(path, MAX_OUTPUT_BYTES)) != entry["sha256"][fmt]:
                return False
        except (Refused, OSError, KeyError, TypeError):
            return False
    return True


class RunManifest:
    """The manifest entries of one run, recorded as handouts are built and saved as the run goes
    (atomically, at most once a second: a long roster's manifest is large), so a run that is
    killed redoes only the last second's work. Leaving the ``with`` block saves it, also on Ctrl-C."""

    def __init__(self, out: Path, entries: dict[str, dict]) -> None:
        self.out = out
        self.entries = entries
        self.changed: set[str] = set()  # the entries this run wrote: merged into the manifest on disk
        self.saved = time.monotonic()
        self._jobs: dict[int, Job] | None = None

    def __enter__(self) -> RunManifest:
        self.saved = time.monotonic()
        return self

    def __exit__(self, *exc_info: object) -> None:
        _write_manifest(self.out, self.entries, self.changed)

    def record(self, outcome: Outcome, jobs: list[Job]) -> None:
        """Record a built handout (other outcomes change nothing); save if a second has passed."""
        if outcome.status != "built":
            return
        if self._jobs is None:
            self._jobs = {job.row: job for job in jobs}
        job = self._jobs[outcome.row]
        self.changed.add(job.stem)
        self.entries[job.stem] = {
            "row": outcome.row,
            "input_hash": job.input_hash,
            "files": outcome.files,
            "sha256": outcome.sha256,
            "pages": outcome.pages,
        }
        if time.monotonic() - self.saved >= MANIFEST_EVERY_S:
            _write_manifest(self.out, self.entries, self.changed)
            self.saved = time.monotonic()
