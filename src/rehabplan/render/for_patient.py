"""The library's and the protocol's words fitted to one patient: nothing tells a patient to do
what their clinician excluded, and a patient with pain on both sides is not sent to "your
painful side".

Exercise steps and phase goals are written once for everyone: a goal promises control "when you
stand on one leg", a step says "start with your painful side". The planner's choices already
follow the patient (an excluded exercise is never planned); these are the words around them.
They are fitted when the handout is made, so a program planned earlier reads the same way, and
the program itself (and its JSON) keeps the protocol's own words.
"""

from __future__ import annotations

from collections.abc import Iterable

from rehabplan.models import Exercise, Patient, PhasePlan, Program, Side
from rehabplan.planning.rules import removed_tags

# Phrases that assume what an exclusion removed, by the tag it removes (rules.EXCLUDES), and the
# words this patient reads instead. The same words are planned for: with single-leg standing
# excluded, single-leg control is the split squat, both feet down.
EXCLUDED_PHRASES: dict[str, tuple[tuple[str, str], ...]] = {
    "single-leg": (
        (
            "control your knee and hip when you stand on one leg",
            "control your knee and hip as you stand, walk and bend your knees",
        ),
    ),
    "lying": (("sit back or lie down to rest", "sit back to rest"),),
}

# Phrases that assume one painful side, and what a patient with pain on both sides reads: the
# one-sided exercises are done on each side (planning/timing.py), the side that hurts more
# first, as a one-sided patient starts with the painful side.
BOTH_SIDES_PHRASES: tuple[tuple[str, str], ...] = (
    ("your painful side", "the side that hurts more"),
    ("your sore leg", "the leg you are working on"),
    ("your sore side", "the side you are working on"),
    ("the sore leg", "the leg being stretched"),
)


def _norm(word: str) -> str:
    return word.strip().lower().replace(" ", "-").replace("_", "-")


def phrases_for(patient: Patient) -> tuple[tuple[str, str], ...]:
    """Every (phrase, replacement) that applies to this patient, the side's first."""
    removed = {tag for word in patient.exclusions for tag in removed_tags(_norm(word))}
    out = list(BOTH_SIDES_PHRASES) if patient.side is Side.both else []
    for tag in sorted(removed):
        out += EXCLUDED_PHRASES.get(tag, ())
    return tuple(out)


def fit(text: str, phrases: Iterable[tuple[str, str]]) -> str:
    """``text`` with each phrase replaced, keeping a capital letter at the start of a sentence."""
    for phrase, instead in phrases:
        if phrase in text:
            text = text.replace(phrase, instead)
        capital = phrase[:1].upper() + phrase[1:]
        if capital in text:
            text = text.replace(capital, instead[:1].upper() + instead[1:])
    return text


def fit_exercise(exercise: Exercise, patient: Patient) -> Exercise:
    """The exercise with its patient-facing words fitted (the same object when nothing changes)."""
    phrases = phrases_for(patient)
    if not phrases:
        return exercise
    update: dict[str, object] = {
        "starting_position": fit(exercise.starting_position, phrases),
        **{name: [fit(t, phrases) for t in getattr(exercise, name)] for name in TEXT_LISTS},
    }
    if exercise.illustration is not None:
        update["illustration"] = exercise.illustration.model_copy(update={"alt": fit(exercise.illustration.alt, phrases)})
    if all(update[k] == getattr(exercise, k) for k in update):
        return exercise
    return exercise.model_copy(update=update)


TEXT_LISTS = ("instructions", "cues", "mistakes", "precautions", "stop_if")


def fit_phases(program: Program) -> list[PhasePlan]:
    """The program's phases with their goals and criteria fitted to its patient."""
    phrases = phrases_for(program.patient)
    if not phrases:
        return program.phases
    return [
        phase.model_copy(update={"goal": fit(phase.goal, phrases), "criterion": fit(phase.criterion, phrases)})
        for phase in program.phases
    ]


def fit_program(program: Program) -> Program:
    """The program whose phases read as fitted to its patient (the same object when nothing changes)."""
    phases = fit_phases(program)
    if all(a is b or a == b for a, b in zip(phases, program.phases)):
        return program
    return program.model_copy(update={"phases": phases})
