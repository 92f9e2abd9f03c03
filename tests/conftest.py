"""Shared fixtures: the built-in library and protocols, loaded once per test session."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

import rehabplan
from rehabplan.resources import data_dir

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session", autouse=True)
def private_user_cache():
    """The tests keep rehabplan's user cache (the parsed library, rehabplan/cache.py) to
    themselves, in a folder removed at the end."""
    folder = tempfile.mkdtemp(prefix="rehabplan-test-cache-")
    before = os.environ.get("REHABPLAN_CACHE_DIR")
    os.environ["REHABPLAN_CACHE_DIR"] = folder
    yield Path(folder)
    if before is None:
        os.environ.pop("REHABPLAN_CACHE_DIR", None)
    else:
        os.environ["REHABPLAN_CACHE_DIR"] = before
    shutil.rmtree(folder, ignore_errors=True)


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
def no_personal_clinic_config(tmp_path_factory, monkeypatch):
    """Tests never pick up the machine's own clinic configuration (user folder or env var)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("user-config")))
    monkeypatch.delenv("REHABPLAN_CONFIG", raising=False)


@pytest.fixture(autouse=True)
def _iso_dates():
    """Each test starts with ISO dates: a clinic config loaded by an earlier test (date_format)
    does not carry over within the process."""
    from rehabplan.models.patient import DATE_FORMAT

    token = DATE_FORMAT.set("iso")
    yield
    DATE_FORMAT.reset(token)
