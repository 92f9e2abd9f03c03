"""An exercise from the library: what it is, how it is done, and the bounds of its dose."""

from __future__ import annotations

import re
from enum import Enum

from pydantic import Field, GetJsonSchemaHandler, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from rehabplan.figures.pose import Figure
from rehabplan.models.base import Id, Model, Text


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
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
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
    def _within_reason(cls, value: Bounds | None, info: ValidationInfo) -> Bounds | None:
        # Far above any home exercise dose: a typo (rest 10,000,000 s, reps 1e300) is refused
        # here, naming its field, instead of printing nonsense or failing inside the planner.
        cap, unit = _DOSE_CAPS[info.field_name or ""]
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
