"""Shared fixtures: the built-in library and protocols, loaded once per test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

import rehabplan
from rehabplan.resources import data_dir

ROOT = Path(__file__).resolve().parent.parent

# The properties draw the same patients on every run: a red build then points at the change
# under test, not at a new draw, and nothing is written to a .hypothesis folder. To look for
# new counterexamples, run with REHABPLAN_HYPOTHESIS=explore (random draws, remembered).
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("REHABPLAN_HYPOTHESIS", "repeatable"))
EXAMPLES = ROOT / "examples"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite tests/golden/*.html from the current templates (make goldens); review the diff",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def _private_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("HOME", str(home))
    for name, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"), ("XDG_STATE_HOME", ".local/state")):
        monkeypatch.setenv(name, str(home / sub))
    monkeypatch.delenv("REHABPLAN_CONFIG", raising=False)


@pytest.fixture(scope="session", autouse=True)
def private_user_cache(tmp_path_factory):
    """Nothing on the machine changes a result, from the session's first fixture on: an empty
    home and XDG folders, no ``$REHABPLAN_CONFIG``, the current folder an empty temporary one
    (a ``rehabplan.yaml`` in a parent folder of the checkout is found like git finds its config),
    and rehabplan's user cache (the parsed library, sources/cache.py) in a folder of its own.
    One XDG cache folder serves the session, so fontconfig does not rebuild its cache per test."""
    base = tmp_path_factory.mktemp("hermetic")
    cache = base / "rehabplan-cache"
    cache.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        _private_home(mp, base / "home")
        mp.setenv("XDG_CACHE_HOME", str(base / "xdg-cache"))
        mp.setenv("REHABPLAN_CACHE_DIR", str(cache))
        mp.chdir(base)
        yield cache


@pytest.fixture(scope="session")
def library():
    return rehabplan.load_library()


@pytest.fixture(scope="session")
def protocols(library):
    return rehabplan.load_protocols(library)


@pytest.fixture(scope="session")
def example_patient():
    return rehabplan.load_patient(EXAMPLES / "patient.yaml")


@pytest.fixture(scope="session")
def example_program(library, protocols, example_patient):
    return rehabplan.plan(library, protocols[example_patient.protocol], example_patient)


@pytest.fixture
def library_copy(tmp_path) -> Path:
    """A writable copy of the built-in exercise folder, for planting errors."""
    target = tmp_path / "exercises"
    shutil.copytree(data_dir("exercises"), target)
    return target


@pytest.fixture(autouse=True)
def hermetic(tmp_path_factory, monkeypatch):
    """Each test also gets a home and a current folder of its own (a build without ``-o`` writes
    there). Tests reach the checkout through ``ROOT`` or ``data_dir``, never the current folder."""
    _private_home(monkeypatch, tmp_path_factory.mktemp("home"))
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    # Config discovery stops at pytest's base temporary folder (and at the repository root).
    monkeypatch.setenv("REHABPLAN_CEILING_DIRECTORIES", str(tmp_path_factory.getbasetemp()))


@pytest.fixture(autouse=True)
def _iso_dates():
    """Each test starts with ISO dates: a clinic config loaded by an earlier test (date_format)
    does not carry over within the process."""
    from rehabplan.models.patient import DATE_FORMAT

    token = DATE_FORMAT.set("iso")
    yield
    DATE_FORMAT.reset(token)
