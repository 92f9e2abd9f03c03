"""A patient as the clinician describes them."""

from __future__ import annotations

import datetime as dt
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
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-05") from None
        return value

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
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        if value is None:
            return []
        return value


# --------------------------------------------------------------------------- program
