"""Clinic configuration: ``rehabplan.yaml`` in the working folder, or ``--config FILE``.

Relative paths in the file are relative to the file itself, so a clinic folder can be moved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from .errors import LibraryError
from .models import Model
from .parse import parse_located
from .yaml_source import load_yaml

DEFAULT_NAME = "rehabplan.yaml"


class Clinic(Model):
    name: str = Field("Your physiotherapy clinic", max_length=120)
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=300)
    email: str | None = Field(None, max_length=120)
    logo: Path | None = Field(None, description="PNG or SVG file, relative to this config file")


class ClinicConfig(Model):
    clinic: Clinic = Field(default_factory=Clinic)
    clinician: str | None = Field(None, max_length=120, description="default clinician on handouts")
    paper: Literal["a4", "letter"] = "a4"
    units: Literal["kg", "lb"] = "kg"
    locale: Literal["en-GB", "en-US", "en-AU", "en-CA", "en-IE", "en-NZ"] = "en-GB"
    emergency_number: str | None = Field(None, max_length=20, description="default from locale: 999, 911, 000, 112, 111")
    large_print: bool = False
    edition: Literal["full", "compact"] = Field(
        "full", description="full, or compact: the same plan in half the pages (two cards a page, a one-page log)")
    library: list[Path] = Field(default_factory=list, description="clinic exercise folders")
    protocols: list[Path] = Field(default_factory=list, description="clinic protocol folders")
    templates: Path | None = Field(None, description="clinic template folder overriding the built-in one")

    @property
    def emergency(self) -> str:
        if self.emergency_number:
            return self.emergency_number
        return {"en-US": "911", "en-CA": "911", "en-AU": "000", "en-NZ": "111", "en-IE": "112"}.get(self.locale, "999")

    @property
    def urgent_advice(self) -> str:
        """Where to get urgent but not emergency advice, by locale."""
        return {"en-GB": "NHS 111", "en-US": "your doctor or an urgent care center"}.get(self.locale, "your doctor or urgent care")


def load_config(path: Path | str | None = None) -> ClinicConfig:
    """Load the clinic configuration; with no path, ./rehabplan.yaml if it exists, else defaults."""
    if path is None:
        candidate = Path.cwd() / DEFAULT_NAME
        if not candidate.is_file():
            return ClinicConfig()
        path = candidate
    path = Path(path)
    located, problems = load_yaml(path)
    if located is None:
        raise LibraryError(f"the configuration {path} cannot be read", problems)
    config, problems = parse_located(located, ClinicConfig)
    if config is None:
        raise LibraryError(f"the configuration {path} has {len(problems)} problem(s)", problems)
    base = path.resolve().parent
    fix = lambda p: p if p is None or p.is_absolute() else base / p  # noqa: E731
    return config.model_copy(update={
        "library": [fix(p) for p in config.library],
        "protocols": [fix(p) for p in config.protocols],
        "templates": fix(config.templates),
        "clinic": config.clinic.model_copy(update={"logo": fix(config.clinic.logo)}),
    })
