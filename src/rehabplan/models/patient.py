"""A patient as the clinician describes them."""

from __future__ import annotations

import datetime as dt
import re
from contextvars import ContextVar
from enum import Enum

from pydantic import Field, field_validator

from rehabplan.models.base import Id, Model
from rehabplan.models.exercise import Equipment


class Irritability(str, Enum):
    high = "high"
    moderate = "moderate"
    low = "low"


class TrainingStatus(str, Enum):
    untrained = "untrained"
    trained = "trained"


class AgeBand(str, Enum):
    adult = "adult"
    older = "older"  # 65+: the brief's older-adult stretch holds (30-60 s)


class Side(str, Enum):
    left = "left"
    right = "right"
    both = "both"


FIRST_YEAR, LAST_YEAR = 2000, 2100

# How patient files and rosters may write a date besides ISO (YYYY-MM-DD): the clinic's
# `date_format:` in rehabplan.yaml (dmy: 31/12/2026 as a UK spreadsheet saves it; mdy:
# 12/31/2026). Set when the configuration is loaded (sources/config.py).
DATE_FORMAT: ContextVar[str] = ContextVar("date_format", default="iso")
_DATE_PATTERNS = {"dmy": "DD/MM/YYYY", "mdy": "MM/DD/YYYY", "iso": "YYYY-MM-DD"}
_LOCAL_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")

# Words clinics and patients use for the library's equipment (design choice: what a home has).
EQUIPMENT_SYNONYMS = {
    "theraband": "band",
    "thera-band": "band",
    "resistance band": "band",
    "resistance bands": "band",
    "exercise band": "band",
    "bands": "band",
    "loop band": "band",
    "dumbbell": "weight",
    "dumbbells": "weight",
    "dumbell": "weight",
    "dumbells": "weight",
    "kettlebell": "weight",
    "kettlebells": "weight",
    "ankle weight": "weight",
    "ankle weights": "weight",
    "weights": "weight",
    "free weight": "weight",
    "free weights": "weight",
    "yoga mat": "mat",
    "exercise mat": "mat",
    "stairs": "step",
    "stair": "step",
    "bottom stair": "step",
}


def equipment_word(word: str) -> str:
    """A word for equipment as the library says it: 'Theraband' -> 'band', 'Dumbbells' -> 'weight'."""
    word = getattr(word, "value", word)  # an Equipment member is a str too: its value, not 'Equipment.band'
    key = " ".join(str(word).strip().lower().replace("_", " ").split())
    return EQUIPMENT_SYNONYMS.get(key, key)


def parse_date(value: str, date_format: str | None = None) -> dt.date:
    """ISO always; DD/MM/YYYY or MM/DD/YYYY when the clinic's `date_format` says so. A date in
    another form is refused with the form expected, and a slashed date under ISO says both
    readings so the clinician sees why it is ambiguous."""
    text = value.strip()
    fmt = date_format or DATE_FORMAT.get()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    m = _LOCAL_DATE.match(text)
    expected = _DATE_PATTERNS.get(fmt, "YYYY-MM-DD")
    if m and fmt in ("dmy", "mdy"):
        a, b, year = (int(g) for g in m.groups())
        day, month = (a, b) if fmt == "dmy" else (b, a)
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValueError(f"{value!r} is not a date in the clinic's format {expected} (date_format: {fmt})") from None
    if m:
        a, b, year = (int(g) for g in m.groups())
        readings = []
        for day, month, name in ((a, b, "day/month"), (b, a, "month/day")):
            try:
                readings.append(f"{dt.date(year, month, day).isoformat()} if {name}")
            except ValueError:
                pass
        raise ValueError(
            f"{value!r} is not a date in the expected format YYYY-MM-DD"
            + (f" (it could be {' or '.join(readings)})" if readings else "")
            + "; write it as YYYY-MM-DD, or set date_format: dmy (31/12/2026) or mdy (12/31/2026) in rehabplan.yaml"
        )
    raise ValueError(f"{value!r} is not a date; write it as {expected}, e.g. 2026-01-05")


class Patient(Model):
    id: str = Field(min_length=1, max_length=80, description="clinic's identifier")
    name: str = Field(min_length=1, max_length=120, description="name printed on the handout")
    protocol: Id
    start_date: dt.date
    weeks: int = Field(12, ge=4, le=24)
    sessions_per_week: int = Field(3, ge=1, le=7)
    irritability: Irritability = Irritability.moderate
    training_status: TrainingStatus = TrainingStatus.untrained
    age_band: AgeBand = AgeBand.adult
    side: Side
    equipment: list[Equipment] = Field(default_factory=list)
    exclusions: list[str] = Field(default_factory=list, description="tags (floor, kneeling, ...), equipment or exercise ids")
    minutes: int = Field(30, ge=5, le=180, description="minutes available per session")
    bilateral_screened: bool = Field(
        False,
        description="the clinician has screened for cauda equina syndrome; needed to plan side: both "
        "(sciatica in both legs is a red flag)",
    )
    tensioner_unlocked: bool = Field(
        False,
        description="the clinician allows nerve tensioners for a patient with high irritability "
        "(they are never planned for high irritability otherwise)",
    )
    clinician: str | None = Field(None, max_length=120)
    notes: str | None = Field(
        None, max_length=2000, description="a note FOR THE PATIENT, printed on the handout ('A note from your clinician')"
    )

    @field_validator("start_date", mode="before")
    @classmethod
    def _date(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_date(value)
        return value

    @field_validator("irritability", "training_status", "age_band", "side", "protocol", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        # A choice is a choice in any case: "Left", "HIGH", "Deep-Gluteal-Syndrome".
        return value.strip().lower() if isinstance(value, str) and not isinstance(value, Enum) else value

    @field_validator("start_date")
    @classmethod
    def _plausible_year(cls, value: dt.date) -> dt.date:
        # A program runs up to 24 weeks, and every date in it must exist: year 9999 overflowed.
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"{value.isoformat()} is not a plausible start date; use a year from {FIRST_YEAR} to {LAST_YEAR}")
        return value

    @field_validator("equipment", "exclusions", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        # A roster cell says "band, chair"; YAML says [band, chair]. Both mean the same.
        if isinstance(value, str):
            value = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        if value is None:
            return []
        if isinstance(value, list):
            # Any case, and the everyday names of equipment ('Theraband', 'dumbbells').
            return [equipment_word(v) if isinstance(v, str) else v for v in value]
        return value


# --------------------------------------------------------------------------- program
