"""Gates on change: when a nerve tensioner may come, and which weeks bring nothing new or harder.

Small pure functions, so that ``rehabplan adjust`` can ask the same questions as the planner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from rehabplan.models import Irritability, Patient, Protocol
from rehabplan.planning.progression import Dose

# Sliders before tensioners (clinical brief, "Nerve tensioners are gated"): the slider must
# have reached at least this many sets of this many reps, for this many weeks in a row.
SLIDER_GATE_SETS = 2
SLIDER_GATE_REPS = 10
SLIDER_GATE_WEEKS = 2


def tensioners_unlocked(patient: Patient) -> bool:
    """High irritability never gets a tensioner unless the clinician unlocked it in the patient file."""
    return patient.irritability is not Irritability.high or patient.tensioner_unlocked


def slider_ready(doses: Mapping[int, Dose], week: int, is_tensioner: Callable[[str], bool]) -> bool:
    """True when the slot's slider held 2-3 x 10 in each of the ``SLIDER_GATE_WEEKS`` weeks
    before ``week`` (``doses``: week -> the slot's dose; ``is_tensioner``: exercise id -> bool)."""
    for w in range(week - SLIDER_GATE_WEEKS, week):
        d = doses.get(w)
        if d is None or is_tensioner(d.exercise):
            return False
        if d.sets < SLIDER_GATE_SETS or d.reps < SLIDER_GATE_REPS:
            return False
    return True


def tensioner_allowed(
    patient: Patient, doses: Mapping[int, Dose], week: int, in_tensioner_phase: bool, is_tensioner: Callable[[str], bool]
) -> bool:
    """May the slot whose doses are ``doses`` move from its slider to the tensioner in ``week``?"""
    return in_tensioner_phase and tensioners_unlocked(patient) and slider_ready(doses, week, is_tensioner)


def calm_weeks(reassessments: Iterable[int], weeks: int) -> frozenset[int]:
    """Weeks that bring nothing new and nothing harder: every reassessment week and the last week."""
    return frozenset(reassessments) | {weeks}


def tensioner_note(gate: str, slider_name: str, slider: Dose | None) -> str:
    """The gate printed beside the tensioner every week, with the slider's fallback dose."""
    text = gate[:1].upper() + gate[1:]
    if slider is not None:
        sets = "1 set" if slider.sets == 1 else f"{slider.sets} sets"
        text += f". If your leg symptoms come back, go back to the {slider_name.lower()}: {sets} of {slider.reps}"
    return text


BILATERAL_FIELD = "bilateral_screened"


def bilateral_warning(protocol: Protocol, patient: Patient) -> str | None:
    """The clinician's warning for sciatica in both legs without a recorded cauda equina screen
    (None when one side, or screened). Never printed to the patient as a diagnosis."""
    if patient.side.value != "both" or patient.bilateral_screened:
        return None
    return (
        "Symptoms in both legs (side: both) can be a sign of cauda equina syndrome, and no screen is recorded. "
        f"Screen before giving this plan; if clear, add '{BILATERAL_FIELD}: true' to the patient file and build it again"
    )


def check_bilateral(protocol: Protocol, patient: Patient) -> list[str]:
    """Refuse ``side: both`` without a recorded screen where the protocol says so (lumbar
    radicular sciatica); otherwise return the loud warning for the clinician (or nothing)."""
    from rehabplan.errors import PatientError, Problem

    warning = bilateral_warning(protocol, patient)
    if warning is None:
        return []
    if protocol.bilateral_unscreened == "refuse":
        raise PatientError(
            f"protocol '{protocol.id}' is not planned for symptoms in both legs without a cauda equina screen",
            [
                Problem(
                    None,
                    None,
                    "side",
                    "'both' (sciatica in both legs) is a red flag: cauda equina syndrome must be screened first",
                    f"screen the patient (saddle numbness, bladder or bowel changes, weakness in both legs); if clear, add "
                    f"'{BILATERAL_FIELD}: true' to the patient file; if not, refer urgently",
                )
            ],
        )
    return [warning]
