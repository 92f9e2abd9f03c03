"""Load the exercise library: YAML files -> validated Exercise models, layered and cross-checked.

A clinic keeps its own folder; it is layered over the built-in one, and a clinic exercise with a
built-in id replaces it (reported, so nobody is surprised). Every problem in every file is
collected before anything is reported.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rehabplan.errors import LibraryError, Problem
from rehabplan.models import Exercise
from rehabplan.resources import data_dir
from rehabplan.sources.parse import parse_located
from rehabplan.sources.safe_read import Refused, read_asset
from rehabplan.sources.yaml_file import Located, load_yaml

if TYPE_CHECKING:  # the planner's type, for the cache it keeps here
    from rehabplan.planning.timelines import PlannedCache


@dataclass(frozen=True)
class Override:
    id: str
    replaced: Path
    by: Path


@dataclass
class Library:
    exercises: dict[str, Exercise]
    files: dict[str, Path]
    folders: list[Path]
    overrides: list[Override] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    lines: dict[tuple[str, str], int] = field(default_factory=dict)
    _digests: dict[str, str] = field(default_factory=dict, repr=False)
    # The planner's materialised prescriptions, kept between plans (planner.materialise); None
    # turns the cache off (a process that must stay small).
    planned: PlannedCache | None = field(default_factory=dict, repr=False)

    def __getitem__(self, exercise_id: str) -> Exercise:
        return self.exercises[exercise_id]

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self.exercises

    def illustration_path(self, exercise_id: str) -> Path | None:
        """The hand-made SVG, or None for an exercise drawn only from pose data."""
        ex = self.exercises[exercise_id]
        if ex.illustration is None:
            return None
        return self.files[exercise_id].parent / "illustrations" / ex.illustration.file

    def ladder(self, exercise_id: str) -> list[str]:
        """The exercise's whole ladder, easiest first."""
        start = exercise_id
        seen = {start}
        while (easier := self.exercises[start].easier) and easier in self.exercises and easier not in seen:
            seen.add(easier)
            start = easier
        out = [start]
        while (harder := self.exercises[out[-1]].harder) and harder in self.exercises and harder not in out:
            out.append(harder)
        return out

    def digest(self, ids: Iterable[str]) -> str:
        """sha256 over the named exercises' content: changes when any of them changes."""
        h = hashlib.sha256()
        for ex_id in sorted(set(ids)):
            if ex_id not in self._digests:
                self._digests[ex_id] = hashlib.sha256(self.exercises[ex_id].model_dump_json().encode()).hexdigest()
            h.update(self._digests[ex_id].encode())
        return h.hexdigest()


def builtin_folder() -> Path:
    return data_dir("exercises")


def load_library(*folders: Path | str, builtin: bool = True, strict: bool = False, use_cache: bool = True) -> Library:
    """Load the built-in library with clinic ``folders`` layered over it, in order.

    Raises LibraryError listing every problem (warnings too, when ``strict``). ``use_cache=False``
    reads every file (``validate``: it checks the files, never a copy of them).
    """
    layers = ([builtin_folder()] if builtin else []) + [Path(f) for f in folders]
    if not use_cache:
        return _read_library(layers, strict)
    from rehabplan.sources import cache  # the parsed library as plain data, keyed by the files' stat

    key = cache.files_key("library", layers, f"strict={strict}")
    cached = _from_plain(cache.load("library", key), layers)
    if cached is not None:
        return cached
    library = _read_library(layers, strict)
    if not library.warnings:  # a library with warnings is read from its files every time
        plain = _to_plain(library)
        if _same(_from_plain(plain, layers), library):  # only what comes back identical
            cache.store("library", key, plain)
    return library


def _to_plain(library: Library) -> dict[str, Any]:
    return {
        "exercises": [[ex_id, ex.model_dump(mode="json")] for ex_id, ex in library.exercises.items()],
        "files": [[ex_id, str(path)] for ex_id, path in library.files.items()],
        "overrides": [[o.id, str(o.replaced), str(o.by)] for o in library.overrides],
        "lines": [[ex_id, key, line] for (ex_id, key), line in library.lines.items()],
    }


def _from_plain(plain: dict[str, Any] | None, layers: list[Path]) -> Library | None:
    """A Library from cached plain data, every exercise validated again by its model."""
    if plain is None:
        return None
    try:
        exercises = {}
        for ex_id, data in plain["exercises"]:
            exercise = Exercise.model_validate(data)
            if exercise.id != ex_id:
                return None
            exercises[ex_id] = exercise
        files = {ex_id: Path(path) for ex_id, path in plain["files"]}
        overrides = [Override(ex_id, Path(old), Path(new)) for ex_id, old, new in plain["overrides"]]
        lines = {(ex_id, key): int(line) for ex_id, key, line in plain["lines"]}
        if set(files) != set(exercises):
            return None
        real_layers = {Path(layer).absolute() for layer in layers}
        if any(Path(path).absolute().parent not in real_layers for path in files.values()):
            return None  # every exercise comes from one of the folders asked for
        library = Library(exercises, files, list(layers), overrides, lines=lines)
        if cross_check(library):
            return None  # the same cross-checks as from the files: any problem, read the files
        return library
    except Exception:  # noqa: BLE001 -- damaged or foreign data: read the files instead
        return None


def _same(a: Library | None, b: Library) -> bool:
    return a is not None and (
        list(a.exercises.items()) == list(b.exercises.items())
        and a.files == b.files
        and a.folders == b.folders
        and a.overrides == b.overrides
        and a.lines == b.lines
    )


def _read_library(layers: list[Path], strict: bool) -> Library:
    problems: list[Problem] = []
    exercises: dict[str, Exercise] = {}
    files: dict[str, Path] = {}
    overrides: list[Override] = []
    lines: dict[tuple[str, str], int] = {}
    for layer in layers:
        layer_ids: dict[str, Path] = {}
        for path, exercise, found, located in _read_folder(layer):
            problems += found
            if exercise is None or located is None:
                continue
            if exercise.id in layer_ids:
                problems.append(
                    Problem(
                        path,
                        1,
                        "id",
                        f"id '{exercise.id}' is already used by {layer_ids[exercise.id].name}",
                        "give each exercise its own id",
                    )
                )
                continue
            layer_ids[exercise.id] = path
            if exercise.id in exercises:
                overrides.append(Override(exercise.id, files[exercise.id], path))
            exercises[exercise.id] = exercise
            files[exercise.id] = path
            for key in ("easier", "harder", "id"):
                lines[(exercise.id, key)] = located.line_of((key,)) or 1
    library = Library(exercises, files, layers, overrides, lines=lines)
    problems += cross_check(library)
    library.warnings = LibraryError.check(problems, "the exercise library has", strict)
    return library


def _read_folder(folder: Path) -> Iterable[tuple[Path, Exercise | None, list[Problem], Located | None]]:
    if not folder.exists():
        yield folder, None, [Problem(folder, None, "", "folder not found", "check the --library path")], None
        return
    if not folder.is_dir():
        yield (
            folder,
            None,
            [Problem(folder, None, "", "is a file, not a folder", "name the folder that holds the exercise files")],
            None,
        )
        return
    paths = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not paths:
        yield (
            folder,
            None,
            [Problem(folder, None, "", "holds no .yaml exercise files", "add exercise files or name another folder")],
            None,
        )
    for path in paths:
        located, problems = load_yaml(path)
        if located is None:
            yield path, None, problems, None
            continue
        exercise, problems = parse_located(located, Exercise)
        if exercise is not None:
            exercise = _check_exercise_file(path, exercise, located, problems)
        yield path, exercise, problems, located


def _check_exercise_file(path: Path, exercise: Exercise, located: Located, problems: list[Problem]) -> Exercise | None:
    """The id matches the file name (a warning), and the drawing it names is there and safe to
    embed; None when it is not (the problem is added to ``problems``)."""
    expected = path.stem
    if exercise.id != expected:
        problems.append(
            Problem(
                path,
                located.line_of(("id",)),
                "id",
                f"id '{exercise.id}' differs from the file name '{path.name}'",
                f"rename the file to {exercise.id}.yaml",
                warning=True,
            )
        )
    illustration = exercise.illustration
    art = path.parent / "illustrations" / illustration.file if illustration else None
    where = located.line_of(("illustration", "file"))
    if art is None or illustration is None:
        return exercise  # drawn from pose data only (figure:)
    if not os.path.lexists(art):
        problems.append(
            Problem(
                path,
                where,
                "illustration.file",
                f"'{illustration.file}' not found in {art.parent}",
                "add the SVG drawing or fix the file name",
            )
        )
        return None
    # The same check as when a handout embeds it: inside illustrations/ (no symlink
    # out of it), a regular file of sensible size, and really an SVG drawing.
    try:
        read_asset(art, [path.parent / "illustrations"], ("svg",))
    except Refused as exc:
        problems.append(Problem(path, where, "illustration.file", f"'{illustration.file}' {exc.reason}", exc.fix))
        return None
    return exercise


def cross_check(library: Library) -> list[Problem]:
    """References between exercises: targets exist, ladders are chains without cycles."""
    problems: list[Problem] = []
    ex = library.exercises
    for ex_id, exercise in ex.items():
        path = library.files[ex_id]

        def at(key: str) -> int | None:
            return library.lines.get((ex_id, key))

        for direction in ("easier", "harder"):
            target = getattr(exercise, direction)
            if target is None:
                continue
            if target == ex_id:
                problems.append(Problem(path, at(direction), direction, "points at itself", "name another exercise or remove it"))
            elif target not in ex:
                guess = difflib.get_close_matches(target, list(ex), n=1)
                problems.append(
                    Problem(
                        path,
                        at(direction),
                        direction,
                        f"unknown exercise '{target}'",
                        f"did you mean '{guess[0]}'?" if guess else "name an exercise in the library",
                    )
                )
            else:
                back = "harder" if direction == "easier" else "easier"
                if getattr(ex[target], back) != ex_id:
                    problems.append(
                        Problem(
                            path,
                            at(direction),
                            direction,
                            f"'{target}' does not point back ({back}: {getattr(ex[target], back)})",
                            f"set {back}: {ex_id} in {target}",
                            warning=True,
                        )
                    )
        # Walk the harder chain: a ladder that returns to an earlier rung never ends.
        seen = [ex_id]
        nxt = exercise.harder
        while nxt and nxt in ex:
            if nxt in seen:
                if nxt == ex_id:
                    problems.append(
                        Problem(
                            path,
                            at("harder"),
                            "harder",
                            "the ladder loops: " + " -> ".join(seen + [nxt]),
                            "break the loop so the ladder runs from easiest to hardest",
                        )
                    )
                break
            seen.append(nxt)
            nxt = ex[nxt].harder
    return problems
