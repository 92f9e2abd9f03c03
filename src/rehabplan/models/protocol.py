"""A protocol: the condition's slots, phases, progression rules and pain rules."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rehabplan.models.base import Id, Model, Text
from rehabplan.models.exercise import Reference


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
    bilateral_unscreened: Literal["refuse", "warn"] = Field(
        "warn",
        description="side: both without bilateral_screened: refuse to plan, or plan and warn the clinician loudly",
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
