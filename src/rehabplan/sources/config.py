"""Clinic configuration: ``--config FILE``, else ``$REHABPLAN_CONFIG``, else found the way git
finds its own, else the user's own.

Order: a file named with ``--config``, then the file named by ``$REHABPLAN_CONFIG`` (both named
by the user, so both trusted), then ``rehabplan.yaml`` in the working folder or a parent folder
(discovery stops after the home folder, a repository root or a filesystem boundary), then the
user configuration folder (``~/.config/rehabplan/rehabplan.yaml`` on Linux, via platformdirs).
None found = built-in defaults (``config_note`` says which clinic details that leaves out).

A discovered file is obeyed only when it is safe from other users (``sources.trust``): owned by
the user or root and writable by nobody else, or inside a folder the user's own configuration
lists under ``safe_folders:``. An untrusted file is never read at all (so a broken one breaks
nothing); it is reported in ``ConfigChoice.ignored`` with how to trust it.

Relative paths in the file are relative to the file itself, so a clinic folder can be moved.
A value that is still a placeholder (the fake phone number older ``rehabplan init`` versions
wrote, "Your Name") is refused: it would print on every handout, on the red-flag page too.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator

from rehabplan.errors import ConfigError, Problem, count
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


@dataclass(frozen=True)
class Ignored:
    """A discovered configuration that was not obeyed, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return (
            f"ignored {self.path}: {self.reason}. To use it, name it (--config {self.path}), or trust its "
            f"folder with 'safe_folders: [{self.path.parent}]' in your own {user_config_file()}"
        )


@dataclass(frozen=True)
class ConfigChoice:
    """The configuration file used (None = built-in defaults), how it was found, and the
    discovered files passed over because other users can change them."""

    path: Path | None
    how: str
    ignored: tuple[Ignored, ...] = field(default=())


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
        "full", description="full, or compact: the same plan in about half the pages (two cards a page, the log as one table)"
    )
    library: list[Path] = Field(default_factory=list, description="clinic exercise folders")
    protocols: list[Path] = Field(default_factory=list, description="clinic protocol folders")
    templates: Path | None = Field(None, description="clinic template folder overriding the built-in one")
    timezone: str | None = Field(None, max_length=60, description="IANA time zone for calendar sessions, e.g. Europe/London")
    safe_folders: list[Path] = Field(
        default_factory=list,
        max_length=100,
        description="folders whose rehabplan.yaml you trust although another user owns it or can change it "
        "(read only from your own user configuration)",
    )
    reminder_minutes: int | None = Field(
        None, ge=0, le=1440, description="calendar (ics): a reminder this many minutes before each event; none if unset"
    )
    date_format: Literal["iso", "dmy", "mdy"] = Field(
        "iso", description="how patient files and rosters write dates besides ISO: dmy = 31/12/2026, mdy = 12/31/2026"
    )
    _source: Path | None = PrivateAttr(None)
    _choice: ConfigChoice | None = PrivateAttr(None)

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
    def choice(self) -> ConfigChoice:
        """Which file was used, how it was found, and which were ignored as untrusted."""
        return self._choice or ConfigChoice(self._source, "--config" if self._source else "built-in defaults")

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


def choose_config(path: Path | str | None = None) -> ConfigChoice:
    """Which configuration to use (see the module's docstring); never reads an untrusted file."""
    from rehabplan.sources.trust import discovery_folders, under_any, untrusted_reason

    if path is not None:
        return ConfigChoice(Path(path), "--config")
    env = os.environ.get(ENV_VAR)
    if env:
        return ConfigChoice(Path(env), f"${ENV_VAR}")  # named: a missing file is an error, not a silent default
    ignored: list[Ignored] = []
    safe: list[Path] | None = None
    for folder in discovery_folders():
        candidate = folder / DEFAULT_NAME
        try:
            if not candidate.is_file():
                continue
        except OSError:
            continue
        reason = untrusted_reason(candidate)
        if reason is not None:
            if safe is None:
                safe = _safe_folders()
            if not under_any(candidate.parent, safe):
                ignored.append(Ignored(candidate, reason))
                continue
        how = "found in this folder" if folder == discovery_start() else "found in a parent folder"
        return ConfigChoice(candidate, how, tuple(ignored))
    user = user_config_file()
    if user.is_file():
        reason = untrusted_reason(user)
        if reason is None:
            return ConfigChoice(user, "your user configuration", tuple(ignored))
        ignored.append(Ignored(user, reason))
    return ConfigChoice(None, "built-in defaults", tuple(ignored))


def discovery_start() -> Path | None:
    try:
        return Path.cwd().resolve()
    except OSError:
        return None


def _safe_folders() -> list[Path]:
    """``safe_folders:`` of the user's own configuration (only when that file is theirs)."""
    from rehabplan.sources.trust import untrusted_reason

    user = user_config_file()
    if not user.is_file() or untrusted_reason(user) is not None:
        return []
    located, _ = load_yaml(user)
    if located is None or not isinstance(located.data, dict):
        return []
    folders = located.data.get("safe_folders") or []
    if not isinstance(folders, list):
        return []
    base = user.parent
    return [
        (Path(str(f)).expanduser() if Path(str(f)).expanduser().is_absolute() else base / str(f))
        for f in folders
        if isinstance(f, str | os.PathLike)
    ][:100]


def find_config(path: Path | str | None = None) -> Path | None:
    """The configuration file to use (see ``choose_config``); None when there is none."""
    return choose_config(path).path


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
    """Load the clinic configuration (see ``choose_config``); built-in defaults when there is none."""
    from rehabplan.models.patient import DATE_FORMAT

    choice = choose_config(path)
    path = choice.path
    if path is None:
        defaults = ClinicConfig()
        defaults._choice = choice
        DATE_FORMAT.set("iso")
        return defaults
    located, problems = load_yaml(path)
    if located is None:
        raise ConfigError(f"the configuration {path} cannot be read", problems)
    config, problems = parse_located(located, ClinicConfig)
    if config is None:
        raise ConfigError(f"the configuration {path} has {count(len(problems), 'problem')}", problems)
    base = path.resolve().parent

    def fix(p: Path) -> Path:
        return p if p.is_absolute() else base / p

    loaded = config.model_copy(
        update={
            "library": [fix(p) for p in config.library],
            "protocols": [fix(p) for p in config.protocols],
            "templates": fix(config.templates) if config.templates else None,
            "clinic": config.clinic.model_copy(update={"logo": fix(config.clinic.logo) if config.clinic.logo else None}),
        }
    )
    loaded._source = path.resolve()
    loaded._choice = choice
    if choice.how.startswith("found"):  # discovered, not named by the user: so are the paths it names
        _check_named_paths(loaded)
    DATE_FORMAT.set(loaded.date_format)  # how patient files and rosters may write dates
    return loaded


def _check_named_paths(config: ClinicConfig) -> None:
    """A discovered configuration may only point at files and folders other users cannot
    change (or inside a safe folder): else they could still change the handout through it."""
    from rehabplan.sources.trust import under_any, untrusted_reason

    named: list[tuple[str, Path | None]] = [("library", p) for p in config.library]
    named += [("protocols", p) for p in config.protocols]
    named += [("templates", config.templates), ("clinic.logo", config.clinic.logo)]
    problems = []
    safe: list[Path] | None = None
    for what, target in named:
        if target is None:
            continue
        reason = untrusted_reason(target)
        if reason is None:
            continue
        if safe is None:
            safe = _safe_folders()
        if under_any(target, safe):
            continue
        problems.append(
            Problem(
                config.source,
                None,
                what,
                f"{target}: {reason}",
                f"make it yours (chown/chmod go-w), or list its folder under safe_folders: in {user_config_file()}",
            )
        )
    if problems:
        raise ConfigError(f"the configuration {config.source} names files other users can change", problems)


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
    root = logo_root(config)
    assert root is not None  # there is a logo, so there is its folder
    try:
        read_asset(config.clinic.logo, [root], IMAGE_KINDS)
    except Refused as exc:
        return [Problem(config.clinic.logo, None, "clinic.logo", exc.reason, exc.fix)]
    return []
