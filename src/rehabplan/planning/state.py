"""The explicit per-slot state of the planning pass (a chosen slot, its state, a week's proposal)."""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field
from typing import TypeVar

from pydantic import BaseModel

from rehabplan.models import (
    Rule,
    Slot,
)
from rehabplan.planning.progression import (
    Dose,
)


@dataclass
class _Slot:
    """A slot with the exercise chosen for this patient."""

    slot: Slot
    order: int
    start: str
    per_week: int
    days: tuple[int, ...]  # days of the week it is done (empty for every-day slots)
    fallback_note: str | None = None
    # The patient's own rule (a trained patient's steps come faster); default: the slot's.
    chosen_rule: InitVar[Rule | None] = None
    rule: Rule = field(init=False)
    id: str = ""

    every_day: bool = False
    walk_rules: dict[int, Rule] = field(default_factory=dict)  # minutes step -> the walk's rule toward a target
    pyramid: bool = False  # McGill's pyramid: counted as one set, timed by its holds
    rank: tuple[bool, int, int] = (False, 0, 0)  # importance(), asked at every fitting and volume step

    def __post_init__(self, chosen_rule: Rule | None) -> None:
        self.id = self.slot.id
        self.rule = chosen_rule or self.slot.progression
        self.every_day = self.every_day or self.slot.every_day  # or a trunk hold done daily (choice._daily_hold)
        self.pyramid = self.rule.name == "pyramid"
        self.rank = (self.slot.core, -self.slot.priority, -self.order)

    @property
    def core(self) -> bool:
        return self.slot.core

    def importance(self) -> tuple[bool, int, int]:
        """Sort key: least important first."""
        return self.rank


@dataclass
class SlotState:
    """Everything the pass knows about one slot (explicit, not parallel dicts)."""

    dose: Dose | None = None  # this week's dose before any deload
    first: Dose | None = None  # the slot's first dose
    runs: int = 0  # weeks it has run outside deloads
    pending: bool = False  # a step held back last week (volume), retried now
    ramp_to: int = 0  # sets a new slot was meant to start with (volume limit), one set a week
    max_sets: int = 99  # set by fitting: a slot trimmed to fit keeps at most this many sets
    maintained: bool = False  # at its top dose, dropped a set to a maintenance dose (fitting)
    left_out: str | None = None
    waited: str | None = None  # why a slot that has not started yet waits (the volume limit)
    same: int = 0  # weeks in a row (deloads aside) at this dose: a plateau grows here
    timeline: dict[int, Dose] = field(default_factory=dict)  # week -> dose (before deload)
    notes: dict[int, str | None] = field(default_factory=dict)
    # The dose's seconds in a session and working sets a week, once known (-1: not yet): a dose
    # held for another week need not be timed again.
    secs: float = -1.0
    volume: int = -1


@dataclass(slots=True)
class _Prop:
    """This week's proposal for one slot."""

    dose: Dose
    note: str | None
    new: bool
    prev: Dose | None
    secs: float = -1.0  # its seconds in a session, once asked (a new proposal is a new _Prop)
    volume: int = -1  # its working sets a week, once asked
    work: int = -1  # its time under tension a week, once asked


Built = TypeVar("Built", bound=BaseModel)


def _make(cls: type[Built], **fields: object) -> Built:
    """Build a model from values the planner has already checked, without re-validating.

    ``model_construct`` is pydantic's public way to do it: fields left out get their defaults,
    so a field added to a model can never be silently missing from a planned program.
    """
    return cls.model_construct(None, **fields)
