"""The plain data of a bulk run: settings, jobs, outcomes, the report; roster rows to jobs."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from rehabplan.errors import RehabplanError
from rehabplan.models import Patient
from rehabplan.render.style import HandoutStyle
from rehabplan.sources.config import ClinicConfig

MANIFEST = "manifest.json"


FORMATS = ("pdf", "json", "html", "ics")


MAX_ROSTER_BYTES = 20_000_000


CRASHES_BEFORE_FAILING = 2  # a job in flight when a worker died twice is the one that kills it


RECYCLE_AFTER = 100  # handouts per worker before a fresh one takes over: memory stays bounded


MANIFEST_EVERY_S = 1.0  # the manifest is saved as the run goes, at most this often


MAX_MANIFEST_BYTES = 200_000_000


MAX_OUTPUT_BYTES = 200_000_000  # a handout is a few MB


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs to render, the same for every patient of a run."""

    config: ClinicConfig
    style: HandoutStyle  # paper, print size, edition and templates, resolved against the config
    library_dirs: tuple[Path, ...] = ()
    protocol_dirs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Job:
    row: int  # roster line (CSV) or item number (YAML), 1-based
    stem: str
    patient: Patient  # planned again in the worker (2 ms): a small parent forks small workers
    formats: tuple[str, ...]
    input_hash: str


@dataclass
class Outcome:
    row: int
    status: str  # built | skipped | failed
    patient_id: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # format -> file name
    sha256: dict[str, str] = field(default_factory=dict)
    pages: int | None = None
    reason: str | None = None
    seconds: float = 0.0
    worker_pid: int | None = None
    worker_peak_rss_mib: float | None = None  # the worker's peak memory after this patient
    worker_rss_mib: float | None = None  # its memory once this patient's is released


@dataclass
class BulkReport:
    out_dir: Path
    outcomes: list[Outcome]
    seconds: float
    jobs: int

    @property
    def built(self) -> int:
        return sum(o.status == "built" for o in self.outcomes)

    @property
    def skipped(self) -> int:
        return sum(o.status == "skipped" for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(o.status == "failed" for o in self.outcomes)

    @property
    def pages(self) -> int:
        return sum(o.pages or 0 for o in self.outcomes if o.status == "built")

    def to_json(self) -> dict:
        """The documented bulk summary (schema_version 1.0): row numbers and ids; a patient's
        name appears only inside the output file names."""
        return {
            "schema_version": "1.0",
            "out_dir": str(self.out_dir),
            "built": self.built,
            "skipped": self.skipped,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
            "jobs": self.jobs,
            "rows": [
                {
                    k: v
                    for k, v in asdict(o).items()
                    if k not in ("seconds", "worker_pid", "worker_peak_rss_mib", "worker_rss_mib")
                }
                | {"seconds": round(o.seconds, 3)}
                for o in self.outcomes
            ],
        }


def _unique(stem: str, used: set[str]) -> str:
    candidate, n = stem, 2
    while candidate.lower() in used:
        candidate = f"{stem}-{n}"
        n += 1
    used.add(candidate.lower())
    return candidate


def _safe_id(data: dict) -> str | None:
    value = data.get("id") if isinstance(data, dict) else None
    return str(value)[:80] if value not in (None, "") else None


def _warnings(program) -> str | None:
    """The plan's warnings for the clinician, loud, for the row's reason column."""
    from rehabplan.outputs.clinician import warnings

    return "; ".join(f"WARNING: {w}" for w in warnings(program)) or None


def _reason(exc: RehabplanError) -> str:
    # Problem messages name fields, never the patient's name.
    if exc.problems:
        return "; ".join(f"{p.field}: {p.message}" + (f" ({p.fix})" if p.fix else "") for p in exc.problems)
    return exc.message
