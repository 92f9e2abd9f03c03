"""The session-time rule: how long one dose of one exercise takes in a session (work, rest
between sets, set-up), and how many sides it is done on."""

from __future__ import annotations

from rehabplan.models import (
    Category,
    DoseKind,
    Exercise,
    Laterality,
    Patient,
    Side,
    SideRule,
)
from rehabplan.planning.progression import (
    Dose,
)
from rehabplan.planning.rules import HOLD_TRANSITION_S, SETUP_S


def _side(ex: Exercise, patient: Patient) -> str | None:
    if ex.laterality is Laterality.both_sides:
        return None
    if ex.sides is SideRule.affected and patient.side is not Side.both:
        return f"{patient.side.value} side"
    if patient.side is Side.both:
        return "each side"
    return f"each side, {patient.side.value} first"


def _sides_count(ex: Exercise, patient: Patient) -> int:
    if ex.laterality is Laterality.both_sides:
        return 1
    if ex.sides is SideRule.affected and patient.side is not Side.both:
        return 1
    return 2


def _dose_seconds(dose: Dose, ex: Exercise, patient: Patient, pyramid: bool) -> float:
    """Estimated seconds of one slot in one session: work + rest between sets + set-up."""
    d = ex.dosage
    sides = _sides_count(ex, patient)
    if d.kind is DoseKind.duration:
        return 0.0 if ex.category is Category.aerobic else (dose.minutes or 0) * 60.0
    if d.kind is DoseKind.hold:
        holds = sum(dose.pyramid()) if pyramid else dose.sets * dose.reps
        work = holds * ((dose.hold_s or 0) + HOLD_TRANSITION_S) * sides
    else:
        rep_s = dose.tempo.rep_s if d.tempo is not None and dose.tempo is not None else 0
        work = dose.sets * dose.reps * rep_s * sides
    return work + (dose.sets - 1) * int(d.rest_s.default) + SETUP_S
