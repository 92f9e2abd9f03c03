"""Plain data: the exercise library, protocols, patients and the programs built from them.

Every model is frozen and forbids unknown keys, so a typo in a clinic's YAML is an error
with a suggestion, not a silently ignored field. Names match the YAML keys, the JSON keys and
the handout's words (``sets``, ``reps``, ``hold_s``, ``rest_s``, ``tempo``).
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .figures.pose import Figure

PROGRAM_SCHEMA_VERSION = "1.0"

Id = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length=64,
        description="stable id: lower-case words joined by hyphens, e.g. glute-bridge",
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=600)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- exercise library


class Category(str, Enum):
    stretch = "stretch"
    neural_mobility = "neural_mobility"
    strength = "strength"
    core = "core"
    motor_control = "motor_control"
    aerobic = "aerobic"


# Categories whose sets count as training volume (progressive overload). Stretches, nerve
# glides and walking are dosed too, but they are not "load" in the ACSM sense.
LOADING_CATEGORIES = frozenset({Category.strength, Category.core, Category.motor_control})
_LOADING = tuple(LOADING_CATEGORIES)  # the planner asks is_loading ~170 times a plan


class Equipment(str, Enum):
    mat = "mat"
    band = "band"
    chair = "chair"
    step = "step"
    wall = "wall"
    weight = "weight"
    towel = "towel"


class Laterality(str, Enum):
    one_side = "one_side"  # done one leg / side at a time
    both_sides = "both_sides"  # both legs or the whole trunk together


class SideRule(str, Enum):
    """For one-sided exercises: which side(s) the patient does."""

    affected = "affected"  # stretches and nerve glides: the painful side
    each = "each"  # strengthening: both sides, affected side first


class DoseKind(str, Enum):
    reps = "reps"  # sets x reps at a tempo
    hold = "hold"  # sets x holds of hold_s seconds
    duration = "duration"  # minutes of continuous activity (walking)


class Bounds(Model):
    """Clinically allowed range with the usual starting value."""

    # Infinity and NaN are refused here: a bound of .inf overflowed the progression's arithmetic.
    min: float = Field(ge=0, allow_inf_nan=False)
    default: float = Field(ge=0, allow_inf_nan=False)
    max: float = Field(ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if not (self.min <= self.default <= self.max):
            raise ValueError(f"bounds must satisfy min <= default <= max (got {self.min:g}, {self.default:g}, {self.max:g})")
        if self.max <= 0:
            raise ValueError("max must be a positive number")
        return self

    def clamp(self, value: float) -> float:
        return max(self.min, min(self.max, value))


TEMPO_RE = re.compile(r"^(\d|X)-(\d)-(\d|X)-(\d)$")


class Tempo(Model):
    """Seconds for lowering - pause at bottom - lifting - pause at top; "X" = explosive."""

    lower_s: int = Field(ge=0, le=9)
    bottom_s: int = Field(ge=0, le=9)
    lift_s: int = Field(ge=0, le=9)
    top_s: int = Field(ge=0, le=9)
    explosive_lower: bool = False
    explosive_lift: bool = False

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema, handler):
        # A tempo is written as text in YAML ("2-1-2-0") and parsed on load: the schema editors
        # validate against must describe that text, not the parsed object.
        return {
            "type": "string",
            "pattern": r"^\s*(\d|[Xx])-(\d)-(\d|[Xx])-(\d)\s*$",
            "description": "seconds lower-pause-lift-pause, e.g. 2-1-2-0; X = explosive",
        }

    @classmethod
    def parse(cls, text: str) -> Tempo:
        m = TEMPO_RE.match(str(text).strip().upper())
        if not m:
            raise ValueError(f"tempo {text!r} is not four numbers like 3-1-2-0 (lower-pause-lift-pause; X = explosive)")
        a, b, c, d = m.groups()
        return cls(
            lower_s=0 if a == "X" else int(a),
            bottom_s=int(b),
            lift_s=0 if c == "X" else int(c),
            top_s=int(d),
            explosive_lower=a == "X",
            explosive_lift=c == "X",
        )

    @property
    def rep_s(self) -> int:
        """Seconds one repetition takes; an explosive phase counts as one second."""
        return (
            (1 if self.explosive_lower else self.lower_s)
            + self.bottom_s
            + (1 if self.explosive_lift else self.lift_s)
            + self.top_s
        )

    def __str__(self) -> str:
        lower = "X" if self.explosive_lower else str(self.lower_s)
        lift = "X" if self.explosive_lift else str(self.lift_s)
        return f"{lower}-{self.bottom_s}-{lift}-{self.top_s}"


def _tempo_field(value: object) -> object:
    if isinstance(value, str):
        return Tempo.parse(value)
    return value


_DOSE_CAPS = {
    "sets": (10, "sets"),
    "reps": (100, "reps or holds a set"),
    "hold_s": (600, "seconds a hold"),
    "minutes": (180, "minutes a bout"),
    "rest_s": (600, "seconds of rest"),
    "sessions_per_week": (7, "sessions a week"),
}


class Dosage(Model):
    """How the exercise is dosed and the clinically allowed bounds of every dose field."""

    kind: DoseKind
    sets: Bounds
    reps: Bounds | None = Field(None, description="reps per set (kind reps) or holds per set (kind hold)")
    hold_s: Bounds | None = Field(None, description="seconds per hold (kind hold)")
    minutes: Bounds | None = Field(None, description="minutes per bout (kind duration)")
    tempo: Tempo | None = Field(None, description="starting tempo, e.g. 2-1-2-0 (kind reps)")
    tempo_slowest: Tempo | None = Field(None, description="the slowest tempo a tempo progression may reach")
    rest_s: Bounds
    sessions_per_week: Bounds
    load_options: list[Text] = Field(
        default_factory=list,
        description="ordered from easiest: e.g. [no band, light band, medium band]",
    )

    @field_validator("tempo", "tempo_slowest", mode="before")
    @classmethod
    def _parse_tempo(cls, value: object) -> object:
        return _tempo_field(value)

    @field_validator("sets", "reps", "hold_s", "minutes", "rest_s", "sessions_per_week")
    @classmethod
    def _within_reason(cls, value: Bounds | None, info) -> Bounds | None:
        # Far above any home exercise dose: a typo (rest 10,000,000 s, reps 1e300) is refused
        # here, naming its field, instead of printing nonsense or failing inside the planner.
        cap, unit = _DOSE_CAPS[info.field_name]
        if value is not None and value.max > cap:
            raise ValueError(f"max {value.max:g} is more than {cap:g} {unit}; check for a typo")
        return value

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Dosage:
        need = {
            DoseKind.reps: ("reps", "tempo"),
            DoseKind.hold: ("reps", "hold_s"),
            DoseKind.duration: ("minutes",),
        }[self.kind]
        missing = [name for name in need if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a '{self.kind.value}' dosage needs {' and '.join(missing)}")
        if self.kind is not DoseKind.duration and self.minutes is not None:
            raise ValueError("minutes belongs only to a 'duration' dosage")
        if self.kind is not DoseKind.hold and self.hold_s is not None:
            raise ValueError("hold_s belongs only to a 'hold' dosage")
        if self.tempo and self.tempo_slowest:
            slower = (
                self.tempo_slowest.lower_s >= self.tempo.lower_s
                and self.tempo_slowest.bottom_s >= self.tempo.bottom_s
                and self.tempo_slowest.lift_s >= self.tempo.lift_s
                and self.tempo_slowest.top_s >= self.tempo.top_s
            )
            if not slower:
                raise ValueError(
                    f"tempo_slowest {self.tempo_slowest} must be at least as slow as tempo {self.tempo} in every phase"
                )
        if self.sessions_per_week.max > 7:
            raise ValueError("sessions_per_week cannot exceed 7")
        for name in ("sets", "reps"):
            b = getattr(self, name)
            if b is not None and b.min < 1:
                raise ValueError(f"{name}.min must be at least 1")
        return self


class Reference(Model):
    citation: Text
    note: Text | None = None


class Illustration(Model):
    file: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.svg$", description="SVG file in illustrations/")
    alt: Text
    override: bool = Field(False, description="print this hand-made SVG even when the exercise has a figure")
    license: str = "CC-BY-4.0"
    attribution: Text = "rehabplan contributors (original drawing)"


class Exercise(Model):
    id: Id
    name: Text
    aliases: list[Text] = Field(default_factory=list)
    category: Category
    region: list[Text] = Field(min_length=1)
    muscles: list[Text] = Field(default_factory=list)
    equipment: list[Equipment] = Field(default_factory=list, description="all of it is needed")
    tags: list[Id] = Field(
        default_factory=list,
        description="positions and demands a patient may exclude: floor, kneeling, standing, "
        "prone, weight-bearing, balance, tensioner",
    )
    laterality: Laterality
    sides: SideRule = SideRule.each
    starting_position: Text
    instructions: list[Text] = Field(min_length=2, max_length=10)
    cues: list[Text] = Field(min_length=1)
    mistakes: list[Text] = Field(min_length=1)
    precautions: list[Text] = Field(min_length=1)
    stop_if: list[Text] = Field(min_length=1)
    dosage: Dosage
    easier: Id | None = None
    harder: Id | None = None
    evidence: list[Reference] = Field(default_factory=list)
    illustration: Illustration | None = Field(None, description="a hand-made SVG; optional when 'figure' draws the exercise")
    figure: Figure | None = Field(None, description="the exercise drawn from pose data (rehabplan.figures)")
    video_url: str | None = Field(None, pattern=r"^https://\S+$")
    license: str = "CC-BY-4.0"
    attribution: Text = "rehabplan contributors"

    @model_validator(mode="after")
    def _pictured(self) -> Exercise:
        if self.illustration is None and self.figure is None:
            raise ValueError("needs a picture: add 'figure:' (poses) or 'illustration:' (an SVG file)")
        return self

    @property
    def drawn(self) -> bool:
        """True when the handout draws the figure from pose data (not a hand-made SVG)."""
        return self.figure is not None and not (self.illustration and self.illustration.override)

    @property
    def is_loading(self) -> bool:
        return self.category in _LOADING  # (a tuple: an enum's hash is a Python call, identity is not)

    @property
    def is_tensioner(self) -> bool:
        return "tensioner" in self.tags


# --------------------------------------------------------------------------- protocols


class Rule(Model):
    """A named progression rule with its parameters (see progression.RULES)."""

    name: str = Field(description="steady, lp, lp_hold, lp_minutes, dp, sets, tempo, ladder, home, pyramid, hold_ladder")
    every_weeks: int = Field(1, ge=1, le=6, description="weeks between steps")
    reps_step: int = Field(2, ge=1, le=5, description="reps added per step")
    hold_step_s: int = Field(5, ge=1, le=30, description="seconds added to each hold per step")
    minutes_step: int = Field(3, ge=1, le=10, description="minutes added per step")


class Slot(Model):
    """One place in the program: an exercise (or the start of its ladder) and how it grows."""

    id: Id
    exercise: Id | list[Id] = Field(description="exercise id, or a list of alternatives tried in order (equipment, exclusions)")
    phases: list[Id] = Field(min_length=1, description="phase ids this slot runs in")
    progression: Rule
    priority: int = Field(2, ge=1, le=3, description="1 = core of the protocol, 3 = first to drop")
    required: bool = False
    sessions_per_week: int | None = Field(None, ge=1, le=7)
    every_day: bool = Field(False, description="done daily, outside the numbered sessions")
    core: bool = Field(False, description="the core of the condition: fitting to the minutes never removes it (docs/planner.md)")

    @property
    def candidates(self) -> list[str]:
        return [self.exercise] if isinstance(self.exercise, str) else list(self.exercise)


class Phase(Model):
    id: Id
    name: Text
    weeks: tuple[int, int] = Field(description="first and last week in a 12-week program")
    goal: Text
    criterion: Text = Field(
        description="what the patient should manage before moving on; {slot-id} is replaced by that slot's target"
    )
    targets: dict[Id, int] = Field(
        default_factory=dict,
        description="slot id -> the minutes a duration slot reaches by the phase's last week (the criterion names it as {slot-id})",
    )

    @model_validator(mode="after")
    def _order(self) -> Phase:
        if not 1 <= self.weeks[0] <= self.weeks[1]:
            raise ValueError("weeks must be [first, last] with 1 <= first <= last")
        return self


class PainRules(Model):
    """Pain-monitoring thresholds (Silbernagel 2007 model; numbers are design choices)."""

    during_max: int = Field(5, ge=0, le=10, description="highest acceptable pain during")
    amber_from: int = Field(4, ge=0, le=10, description="pain from here is 'modify' (amber)")
    red_above: int = Field(5, ge=0, le=10, description="pain above this is 'stop' (red)")
    next_morning_worse_is_red: bool = True
    spread_is_red: bool = Field(False, description="symptoms spreading down the leg = red")
    red_sessions_flag: int = Field(2, ge=1, description="repeated reds before a clinician flag")
    adherence_flag_below: float = Field(0.6, ge=0, le=1)


class Protocol(Model):
    id: Id
    name: Text
    condition_plain: Text = Field(description="the condition in the patient's words")
    summary: Text
    nerve_related: bool = False
    weeks: int = Field(12, ge=4, le=24)
    max_exercises_per_session: int = Field(8, ge=1, le=12)
    max_weekly_volume_increase_pct: int = Field(34, ge=5, le=100, description="cap on week-to-week rise of weekly loading sets")
    deload_every_weeks: int = Field(4, ge=2, le=8)
    deload_volume_factor: float = Field(0.6, ge=0.5, le=0.7)
    reassessment_week: int = Field(6, ge=2, le=24)
    pain: PainRules = Field(default_factory=PainRules)
    tensioners_from_phase: Id | None = Field(
        None, description="first phase in which a nerve slider may move on to a tensioner (never the first phase)"
    )
    tensioner_gate: Text = Field(
        "only once your leg symptoms have settled; until then, keep doing the slider",
        description="the symptom criterion printed with the move from slider to tensioner",
    )
    phases: list[Phase] = Field(min_length=1)
    slots: list[Slot] = Field(min_length=1)
    evidence: list[Reference] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        ids = [p.id for p in self.phases]
        expected_first = 1
        for phase in self.phases:
            if phase.weeks[0] != expected_first:
                raise ValueError(
                    f"phase '{phase.id}' starts at week {phase.weeks[0]}; phases must follow "
                    f"each other without gaps (expected week {expected_first})"
                )
            expected_first = phase.weeks[1] + 1
        if expected_first - 1 != 12:
            raise ValueError(f"phases must cover weeks 1-12 (they end at week {expected_first - 1})")
        seen: set[str] = set()
        for slot in self.slots:
            if slot.id in seen:
                raise ValueError(f"slot id '{slot.id}' is used twice")
            seen.add(slot.id)
            for pid in slot.phases:
                if pid not in ids:
                    raise ValueError(f"slot '{slot.id}' names unknown phase '{pid}' (phases: {', '.join(ids)})")
        return self


# --------------------------------------------------------------------------- patient


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


class Flag(Model):
    level: Literal["urgent", "review"]
    message: str
    rows: list[int] = Field(default_factory=list, description="log rows that raised it")


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
