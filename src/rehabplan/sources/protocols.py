"""Load treatment protocols: YAML files -> validated Protocol models, checked against the library.

Layered like the library: a clinic folder adds protocols or replaces a built-in one by id.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rehabplan.errors import LibraryError, PatientError, Problem
from rehabplan.models import Category, Protocol
from rehabplan.models.protocol import Slot
from rehabplan.planning.progression import RULES
from rehabplan.resources import data_dir
from rehabplan.sources.library import Library, Override
from rehabplan.sources.parse import parse_located
from rehabplan.sources.yaml_file import load_yaml


@dataclass
class Protocols:
    protocols: dict[str, Protocol]
    files: dict[str, Path]
    overrides: list[Override] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def __getitem__(self, protocol_id: str) -> Protocol:
        try:
            return self.protocols[protocol_id]
        except KeyError:
            guess = difflib.get_close_matches(protocol_id, list(self.protocols), n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else "see 'rehabplan protocols list'"
            raise PatientError(f"unknown protocol '{protocol_id}'; {hint}") from None

    def __contains__(self, protocol_id: object) -> bool:
        return protocol_id in self.protocols

    def __iter__(self) -> Iterator[Protocol]:
        return iter(self.protocols.values())


def load_protocols(library: Library, *folders: Path | str, builtin: bool = True, strict: bool = False) -> Protocols:
    layers = ([data_dir("protocols")] if builtin else []) + [Path(f) for f in folders]
    problems: list[Problem] = []
    result = Protocols({}, {})
    for layer in layers:
        if not layer.is_dir():
            problems.append(Problem(layer, None, "", "folder not found", "check the --protocols path"))
            continue
        seen: dict[str, Path] = {}
        for path in sorted(p for p in layer.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()):
            located, found = load_yaml(path)
            problems += found
            if located is None:
                continue
            protocol, found = parse_located(located, Protocol)
            problems += found
            if protocol is None:
                continue
            found = check_protocol(protocol, library, path, located.line_of)
            problems += found
            if any(not p.warning for p in found):
                continue
            if protocol.id in seen:
                problems.append(
                    Problem(
                        path,
                        located.line_of(("id",)),
                        "id",
                        f"id '{protocol.id}' is already used by {seen[protocol.id].name}",
                        "give each protocol its own id",
                    )
                )
                continue
            seen[protocol.id] = path
            if protocol.id in result.protocols:
                result.overrides.append(Override(protocol.id, result.files[protocol.id], path))
            result.protocols[protocol.id] = protocol
            result.files[protocol.id] = path
    result.warnings = LibraryError.check(problems, "the protocols have", strict)
    return result


LineOf = Callable[[tuple[Any, ...]], int | None]


def check_protocol(protocol: Protocol, library: Library, path: Path, line_of: LineOf) -> list[Problem]:
    """Protocol against library: exercises exist, rules are known, the brief's rules hold.
    One short check per protocol rule of the clinical brief, in the brief's order."""
    problems: list[Problem] = []
    phase_index = {p.id: i for i, p in enumerate(protocol.phases)}
    for i in range(len(protocol.slots)):
        problems += _check_slot(protocol, i, library, path, line_of, phase_index)
    if not any(_loading(slot.candidates, library) for slot in protocol.slots):
        problems.append(
            Problem(
                path,
                line_of(("slots",)),
                "slots",
                "has no strengthening, core or motor-control slot",
                "stretching alone is a known pitfall: add strengthening (clinical brief)",
            )
        )
    problems += _check_phases(protocol, library, path, line_of)
    problems += _check_tensioners_from(protocol, path, line_of, phase_index)
    return problems


def _loading(candidates: list[str], library: Library) -> bool:
    """A slot is loading work when its first known candidate is."""
    known = [library[e] for e in candidates if e in library]
    return bool(known) and known[0].is_loading


def _check_slot(
    protocol: Protocol, i: int, library: Library, path: Path, line_of: LineOf, phase_index: dict[str, int]
) -> list[Problem]:
    """One slot: its exercises and rule exist, its phases are consecutive, loading work runs to
    the end, no tensioner in the first phase."""
    problems: list[Problem] = []
    slot = protocol.slots[i]

    def at(*key: str | int) -> int | None:
        return line_of(("slots", i) + key)

    where = f"slots[{i}] ({slot.id})"
    problems += _unknown_names(slot, where, at, library, path)
    idx = sorted(phase_index[p] for p in slot.phases)
    if idx != list(range(idx[0], idx[-1] + 1)):
        problems.append(
            Problem(path, at("phases"), f"{where}.phases", "phases must be consecutive", "list neighbouring phases only")
        )
    known = [library[e] for e in slot.candidates if e in library]
    if known and known[0].is_loading:
        # Loading work that stops mid-program would make weekly volume fall outside a
        # deload week; strengthening continues to the end (clinical brief: 3 months).
        if idx[-1] != len(protocol.phases) - 1:
            problems.append(
                Problem(
                    path,
                    at("phases"),
                    f"{where}.phases",
                    "a strengthening, core or motor-control slot must run to the last phase",
                    "add the later phases, or use a ladder to change the exercise",
                )
            )
    if known and known[0].is_tensioner and idx[0] == 0:
        problems.append(
            Problem(
                path,
                at("exercise"),
                f"{where}.exercise",
                "a nerve tensioner in the first phase",
                "start with a slider; tensioners come once symptoms are minimal (clinical brief)",
            )
        )
    return problems


def _unknown_names(slot: Slot, where: str, at: Callable[..., int | None], library: Library, path: Path) -> list[Problem]:
    """Exercises the library does not have and a progression rule that does not exist, each
    with the nearest name as the fix."""
    problems: list[Problem] = []
    for ex_id in slot.candidates:
        if ex_id not in library:
            guess = difflib.get_close_matches(ex_id, list(library.exercises), n=1)
            problems.append(
                Problem(
                    path,
                    at("exercise"),
                    f"{where}.exercise",
                    f"unknown exercise '{ex_id}'",
                    f"did you mean '{guess[0]}'?" if guess else "name an exercise in the library",
                )
            )
    if slot.progression.name not in RULES:
        guess = difflib.get_close_matches(slot.progression.name, list(RULES), n=1)
        problems.append(
            Problem(
                path,
                at("progression", "name"),
                f"{where}.progression.name",
                f"unknown rule '{slot.progression.name}'",
                f"did you mean '{guess[0]}'?" if guess else "use one of " + ", ".join(RULES),
            )
        )
    return problems


def _check_phases(protocol: Protocol, library: Library, path: Path, line_of: LineOf) -> list[Problem]:
    """Every phase has loading work, not only stretches; its targets name slots."""
    problems: list[Problem] = []
    for phase_i, phase in enumerate(protocol.phases):
        cats = set()
        for slot in protocol.slots:
            if phase.id in slot.phases and slot.candidates[0] in library:
                cats.add(library[slot.candidates[0]].category)
        if cats and cats <= {Category.stretch}:
            problems.append(
                Problem(
                    path,
                    line_of(("phases", phase_i)),
                    f"phases[{phase_i}]",
                    f"phase '{phase.id}' has only stretches",
                    "combine stretching with strengthening (clinical brief)",
                )
            )
        elif not any(
            library[s.candidates[0]].is_loading for s in protocol.slots if phase.id in s.phases and s.candidates[0] in library
        ):
            problems.append(
                Problem(
                    path,
                    line_of(("phases", phase_i)),
                    f"phases[{phase_i}]",
                    f"phase '{phase.id}' has no strengthening, core or motor-control slot",
                    "every phase needs loading work; a session never holds only stretches or glides",
                )
            )
        for slot_id in phase.targets:
            if slot_id not in {s.id for s in protocol.slots}:
                problems.append(
                    Problem(
                        path,
                        line_of(("phases", phase_i, "targets")),
                        f"phases[{phase_i}].targets",
                        f"unknown slot '{slot_id}'",
                        "name a slot of this protocol",
                    )
                )
    return problems


def _check_tensioners_from(protocol: Protocol, path: Path, line_of: LineOf, phase_index: dict[str, int]) -> list[Problem]:
    """tensioners_from_phase names a phase, and not the first."""
    problems: list[Problem] = []
    if protocol.tensioners_from_phase and protocol.tensioners_from_phase not in phase_index:
        problems.append(
            Problem(
                path,
                line_of(("tensioners_from_phase",)),
                "tensioners_from_phase",
                f"unknown phase '{protocol.tensioners_from_phase}'",
                "name a phase of this protocol",
            )
        )
    elif protocol.tensioners_from_phase and phase_index[protocol.tensioners_from_phase] == 0:
        problems.append(
            Problem(
                path,
                line_of(("tensioners_from_phase",)),
                "tensioners_from_phase",
                "tensioners in the first phase",
                "sliders come first; start tensioners in a later phase (clinical brief)",
            )
        )
    return problems
