"""Clinic configuration: ``--config FILE``, else found the way git and ruff find theirs.

Discovery order: ``rehabplan.yaml`` in the working folder or any parent folder, then the user
configuration folder (``~/.config/rehabplan/rehabplan.yaml`` on Linux, via platformdirs), then
the file named by ``$REHABPLAN_CONFIG``. None found = built-in defaults (``config_note`` says
which clinic details that leaves out).

Relative paths in the file are relative to the file itself, so a clinic folder can be moved.
A value that is still a placeholder (the fake phone number older ``rehabplan init`` versions
wrote, "Your Name") is refused: it would print on every handout, on the red-flag page too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator

from rehabplan.errors import ConfigError, Problem
from rehabplan.models import Model
from rehabplan.sources.parse import parse_located
from rehabplan.sources.yaml_file import load_yaml

DEFAULT_NAME = "rehabplan.yaml"
ENV_VAR = "REHABPLAN_CONFIG"

# Values a template or an example would carry, never a real clinic's: a phone number whose
# subscriber part is all zeros, "<...>" fill-ins, and the text older `rehabplan init` wrote.
_PLACEHOLDER_TEXT = re.compile(r"^<.*>$|your name|1 high street, town|\bab1 2cd\b|\bchangeme\b|\btodo\b|x{3,}", re.IGNORECASE)


def _placeholder(value: str | None, what: str) -> str | None:
    if value is None:
        return value
    digits = re.sub(r"\D", "", value)
    if _PLACEHOLDER_TEXT.search(value) or (what == "phone" and (len(digits) < 3 or re.search(r"0{6,}$", digits))):
        raise ValueError(
            f"'{value}' is a placeholder, not your clinic's {what}: it would print on every "
            f"handout (the red-flag page too); write the real {what}, or delete the line"
        )
    return value


class Clinic(Model):
    name: str = Field("Your physiotherapy clinic", max_length=120)
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=300)
    email: str | None = Field(None, max_length=120)
    logo: Path | None = Field(None, description="PNG or SVG file, relative to this config file")

    @field_validator("phone")
    @classmethod
    def _real_phone(cls, value: str | None) -> str | None:
        return _placeholder(value, "phone")

    @field_validator("address")
    @classmethod
    def _real_address(cls, value: str | None) -> str | None:
        return _placeholder(value, "address")

    @field_validator("email")
    @classmethod
    def _real_email(cls, value: str | None) -> str | None:
        return _placeholder(value, "email")


class ClinicConfig(Model):
    clinic: Clinic = Field(default_factory=Clinic)
    clinician: str | None = Field(None, max_length=120, description="default clinician on handouts")
    paper: Literal["a4", "letter"] = "a4"
    units: Literal["kg", "lb"] = "kg"
    locale: Literal["en-GB", "en-US", "en-AU", "en-CA", "en-IE", "en-NZ"] = "en-GB"
    emergency_number: str | None = Field(None, max_length=20, description="default from locale: 999, 911, 000, 112, 111")
    large_print: bool = False
    edition: Literal["full", "compact"] = Field(
        "full", description="full, or compact: the same plan in about half the pages (two cards a page, a one-page log)"
    )
    library: list[Path] = Field(default_factory=list, description="clinic exercise folders")
    protocols: list[Path] = Field(default_factory=list, description="clinic protocol folders")
    templates: Path | None = Field(None, description="clinic template folder overriding the built-in one")
    timezone: str | None = Field(None, max_length=60, description="IANA time zone for calendar sessions, e.g. Europe/London")
    reminder_minutes: int | None = Field(
        None, ge=0, le=1440, description="calendar (ics): a reminder this many minutes before each event; none if unset"
    )
    date_format: Literal["iso", "dmy", "mdy"] = Field(
        "iso", description="how patient files and rosters write dates besides ISO: dmy = 31/12/2026, mdy = 12/31/2026"
    )
    _source: Path | None = PrivateAttr(None)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"'{value}' is not a time zone; write it like Europe/London or America/New_York") from None
        return value

    @field_validator("clinician")
    @classmethod
    def _real_clinician(cls, value: str | None) -> str | None:
        return _placeholder(value, "clinician")

    @property
    def source(self) -> Path | None:
        """The file this configuration was read from; None = built-in defaults."""
        return self._source

    @property
    def emergency(self) -> str:
        if self.emergency_number:
            return self.emergency_number
        return {"en-US": "911", "en-CA": "911", "en-AU": "000", "en-NZ": "111", "en-IE": "112"}.get(self.locale, "999")

    @property
    def urgent_advice(self) -> str:
        """Where to get urgent but not emergency advice, by locale."""
        return {"en-GB": "NHS 111", "en-US": "your doctor or an urgent care center"}.get(
            self.locale, "your doctor or urgent care"
        )


def find_config(path: Path | str | None = None) -> Path | None:
    """The configuration file to use: ``path``, else rehabplan.yaml here or in a parent folder,
    else in the user configuration folder, else ``$REHABPLAN_CONFIG``; None when there is none."""
    if path is not None:
        return Path(path)
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / DEFAULT_NAME).is_file():
            return folder / DEFAULT_NAME
    user = user_config_file()
    if user.is_file():
        return user
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)  # named explicitly: a missing file is an error, not a silent default
    return None


def user_config_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("rehabplan", appauthor=False)) / DEFAULT_NAME


def config_note(config: ClinicConfig) -> str | None:
    """For a run without any configuration: which clinic details are built-in defaults."""
    if config.source is not None:
        return None
    return (
        f"no {DEFAULT_NAME} found (here, in a parent folder, in {user_config_file().parent} or ${ENV_VAR}): "
        f"the handout names '{config.clinic.name}' with no phone number or address, no clinician unless the "
        f"patient file has one, {config.paper.upper()} paper and the {config.locale} emergency number "
        f"{config.emergency}. Run 'rehabplan init' to set your clinic's details."
    )


def load_config(path: Path | str | None = None) -> ClinicConfig:
    """Load the clinic configuration (see ``find_config``); built-in defaults when there is none."""
    from rehabplan.models.patient import DATE_FORMAT

    path = find_config(path)
    if path is None:
        DATE_FORMAT.set("iso")
        return ClinicConfig()
    located, problems = load_yaml(path)
    if located is None:
        raise ConfigError(f"the configuration {path} cannot be read", problems)
    config, problems = parse_located(located, ClinicConfig)
    if config is None:
        raise ConfigError(f"the configuration {path} has {len(problems)} problem(s)", problems)
    base = path.resolve().parent
    fix = lambda p: p if p is None or p.is_absolute() else base / p  # noqa: E731
    loaded = config.model_copy(
        update={
            "library": [fix(p) for p in config.library],
            "protocols": [fix(p) for p in config.protocols],
            "templates": fix(config.templates),
            "clinic": config.clinic.model_copy(update={"logo": fix(config.clinic.logo)}),
        }
    )
    loaded._source = path.resolve()
    DATE_FORMAT.set(loaded.date_format)  # how patient files and rosters may write dates
    return loaded


def logo_root(config: ClinicConfig) -> Path | None:
    """The folder the clinic logo must lie in: the config file's folder (or, for a config
    made in Python, the logo's own folder). A symlink leading out of it is refused."""
    if config.clinic.logo is None:
        return None
    return config.source.parent if config.source else Path(config.clinic.logo).absolute().parent


def check_logo(config: ClinicConfig) -> list[Problem]:
    """Problems with the configured logo: outside its folder, missing, not an image, or not
    the type its name says (what ``validate`` reports and a build refuses)."""
    from rehabplan.sources.safe_read import IMAGE_KINDS, Refused, read_asset

    if config.clinic.logo is None:
        return []
    try:
        read_asset(config.clinic.logo, [logo_root(config)], IMAGE_KINDS)
    except Refused as exc:
        return [Problem(config.clinic.logo, None, "clinic.logo", exc.reason, exc.fix)]
    return []
