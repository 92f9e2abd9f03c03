"""A planned (or adjusted) program: weeks, sessions, prescriptions, and the timelines adjust reads."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from rehabplan.models.base import PROGRAM_SCHEMA_VERSION, Model
from rehabplan.models.exercise import Category, DoseKind
from rehabplan.models.patient import Patient
from rehabplan.models.protocol import PainRules


class Prescription(Model):
    """One exercise in one session: everything the patient needs to do it."""

    slot: str
    exercise: str
    name: str
    category: Category
    kind: DoseKind
    sets: int
    reps: list[int] = Field(description="reps (or holds) per set; differ only in a pyramid")
    hold_s: int | None = None
    minutes: int | None = None
    tempo: str | None = None
    tut_per_set_s: int | None = Field(None, description="time under tension per set, seconds")
    rest_s: int
    per_week: int = Field(description="sessions (or days) a week this exercise is done")
    load: str | None = None
    effort: str
    side: str | None = None
    note: str | None = None

    @property
    def reps_text(self) -> str:
        if len(set(self.reps)) == 1:
            return str(self.reps[0])
        return "-".join(str(r) for r in self.reps)


class Session(Model):
    number: int
    prescriptions: list[Prescription]
    minutes: float = Field(
        description="estimated duration with the every-day exercises (not the walk): time under tension + rest + set-up"
    )
    day: int = Field(0, ge=0, le=6, description="day of the week, counted from the week's first day (0-6)")
    kind: Literal["strength", "short"] = Field(
        "strength",
        description="strength day (hip and leg loading, never two days in a row) or short day (core, no hip and leg loading)",
    )
    name: str = Field("Strength day", description="what the handout calls this session: 'Strength day', 'Short day'")


class Week(Model):
    number: int
    start: dt.date
    phase: str
    deload: bool = False
    reassessment: bool = False
    every_day: list[Prescription] = Field(default_factory=list)
    sessions: list[Session]
    volume_sets: int = Field(description="weekly working sets of loading exercises (strength, core, motor control)")
    tut_s: int = Field(description="weekly time under tension of loading exercises, seconds")


class PhasePlan(Model):
    id: str
    name: str
    first_week: int
    last_week: int
    goal: str
    criterion: str


class Dropped(Model):
    slot: str
    exercise: str | None = None
    reason: str


class Adjustment(Model):
    """What `rehabplan adjust` did to one exercise, and why (the pain-monitoring model)."""

    slot: str
    exercise: str
    light: Literal["green", "amber", "red"]
    reason: str
    change: str
    patient: str | None = Field(None, description="the change in the patient's words, as the handout prints it")


class Flag(Model):
    level: Literal["urgent", "review"]
    message: str
    rows: list[int] = Field(default_factory=list, description="log rows that raised it")
    weeks: list[int] = Field(default_factory=list, description="log weeks it was raised in")
    words: list[str] = Field(default_factory=list, description="the patient's own words (or the question answered yes)")


class Hold(Model):
    """Why the remaining weeks repeat the last tolerated doses, and what releases it."""

    level: Literal["urgent", "review", "spread", "phase"]
    reason: str = Field(description="for the clinician: what was logged, where, in the patient's words")
    patient: str = Field(description="for the patient: why the plan holds, in plain words")
    from_week: int
    release: Literal["clinician", "logged week"] = Field(
        description="clinician: `rehabplan adjust … --release`; logged week: a logged week that meets the pain rule"
    )
    rows: list[int] = Field(default_factory=list)


class Blocked(Model):
    """An exercise (a nerve tensioner that provoked spreading symptoms) kept out of the plan until cleared."""

    exercise: str
    slot: str
    week: int
    reason: str


class TimelineDose(Model):
    """One week of a slot's dose timeline, before a deload week's cut (``rehabplan adjust``
    changes timelines and materialises the program again, as the planner does)."""

    week: int
    exercise: str
    sets: int
    reps: int = Field(description="reps, holds per set, or the first set of a McGill pyramid")
    hold_s: int | None = None
    minutes: int | None = None
    tempo: str | None = None
    load_index: int = Field(0, description="index into the exercise's load_options")
    note: str | None = None


class SlotTimeline(Model):
    """A slot of the plan: where and how often it is done, and its dose of every week."""

    slot: str
    rule: str = Field(description="the slot's progression rule (a 'pyramid' of holds counts as one set)")
    core: bool = False
    every_day: bool = False
    per_week: int
    days: list[int] = Field(default_factory=list, description="days of the week it is done (empty for every-day slots)")
    doses: list[TimelineDose]


class Program(Model):
    schema_version: Literal["1.0"] = PROGRAM_SCHEMA_VERSION
    patient: Patient
    protocol_id: str
    protocol_name: str
    condition_plain: str
    nerve_related: bool
    start: dt.date
    end: dt.date
    phases: list[PhasePlan]
    reassessment_week: int
    reassessment_weeks: list[int] = Field(
        default_factory=list, description="every check-in week (about every 6 weeks in plans longer than 12)"
    )
    clinician_warnings: list[str] = Field(
        default_factory=list, description="for the clinician only, never printed to the patient as a diagnosis"
    )
    deload_weeks: list[int]
    deload_volume_factor: float = Field(0.6, description="the protocol's deload factor, for `rehabplan adjust`")
    max_weekly_volume_increase_pct: int = Field(34, description="the protocol's cap on the weekly rise of loading sets")
    weeks: list[Week]
    dropped: list[Dropped] = Field(default_factory=list)
    pain: PainRules
    library_digest: str = Field(description="sha256 of the exercises and protocol used")
    adjusted_from_week: int | None = Field(None, description="set by `rehabplan adjust`: weeks before it are unchanged")
    adjustments: list[Adjustment] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    timelines: list[SlotTimeline] = Field(
        default_factory=list,
        description="each slot's dose of every week: the single source of the weeks above (rehabplan adjust changes these)",
    )
    holds: list[Hold] = Field(default_factory=list, description="set by `rehabplan adjust`: why progression is on hold")
    resume_timelines: list[SlotTimeline] = Field(
        default_factory=list, description="while a hold is active: the plan to take up again once it is released"
    )
    blocked: list[Blocked] = Field(default_factory=list, description="exercises kept out until the clinician clears them")
    acknowledged_through_week: int | None = Field(
        None, description="red flags and review holds logged up to this week were seen by the clinician (adjust --release)"
    )
    cleared: dict[str, int] = Field(
        default_factory=dict, description="exercise -> the last log week whose spreading symptoms the clinician cleared it for"
    )
    decisions: list[str] = Field(
        default_factory=list, description="the clinician's releases and clearances, in order (adjust --release / --clear)"
    )

    @property
    def check_in_weeks(self) -> list[int]:
        """Every week the patient checks in with the clinician, in order. A program JSON written
        before later check-ins were planned has only its reassessment week."""
        return sorted({self.reassessment_week, *self.reassessment_weeks})
