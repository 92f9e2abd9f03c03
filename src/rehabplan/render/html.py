"""Program -> handout HTML: the Jinja2 environment, its filters and the view model.

The templates stay simple because the numbers are prepared here (each card's dose grid and the
notes on what changes, the weekly log, the tempo example, the pain traffic light), where they
can be tested without laying out a PDF.

Safety: autoescape is on for every template, patient fields reach the templates only as data,
and only markup this module builds itself (our chart, our QR codes) is marked safe. A clinic's
``--templates DIR`` overrides any built-in template or stylesheet by file name; when one is
given the whole environment is a ``SandboxedEnvironment``, so a clinic template cannot reach
Python internals. Nothing here imports WeasyPrint: ``html()`` is also the browser preview.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import math
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import cast

import jinja2
from jinja2.compiler import CodeGenerator, optimizeconst
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from rehabplan.errors import Problem, RenderError
from rehabplan.figures import picture
from rehabplan.models import DoseKind, Exercise, Prescription, Program, Tempo
from rehabplan.render.chart import load_chart
from rehabplan.render.qr import qr_svg
from rehabplan.render.words import daily_ladders, point_at_number, singular_one, tempo_matters, tempo_words
from rehabplan.resources import data_dir
from rehabplan.sources.config import ClinicConfig, logo_root
from rehabplan.sources.library import Library
from rehabplan.sources.safe_read import IMAGE_KINDS, MAX_TEMPLATE_BYTES, Refused, read_asset

PAPERS = ("a4", "letter")
EDITIONS = ("full", "compact")
ENTRY_TEMPLATE = "handout.html.j2"
STYLESHEET = "handout.css"
LARGE_PRINT_STYLESHEET = "large-print.css"
COMPACT_STYLESHEET = "compact.css"
PREVIEW_STYLESHEET = "preview.css"
PAGE_SIZES = {"a4": "A4", "letter": "letter"}


def builtin_templates() -> Path:
    return data_dir("templates")


# --------------------------------------------------------------------------- filters


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def long_date(day: dt.date, locale: str = "en-GB") -> str:
    """Monday 5 January 2026 (en-US: Monday, January 5, 2026)."""
    if locale in ("en-US", "en-CA"):
        return f"{_DAYS[day.weekday()]}, {_MONTHS[day.month - 1]} {day.day}, {day.year}"
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def short_date(day: dt.date, locale: str = "en-GB") -> str:
    """5 Jan (en-US: Jan 5)."""
    month = _MONTHS[day.month - 1][:3]
    return f"{month} {day.day}" if locale in ("en-US", "en-CA") else f"{day.day} {month}"


def day_label(day: dt.date, locale: str = "en-GB") -> str:
    """Mon 5 (en-US: Mon 5 as well: the month is in the week heading)."""
    return f"{_DAYS[day.weekday()][:3]} {day.day}"


def join_and(words) -> str:
    """['Monday', 'Wednesday', 'Friday'] -> 'Monday, Wednesday and Friday'."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else ""


def seconds(value: int | float | None) -> str:
    """Rest and hold times as people say them: 45 s, 1 min, 1 min 30 s."""
    if value is None:
        return ""
    value = int(round(value))
    if value < 60:
        return f"{value} s"
    minutes, rest = divmod(value, 60)
    return f"{minutes} min" if rest == 0 else f"{minutes} min {rest} s"


def nobreak(text) -> str:
    """Words that stay on one line ("2 × 10 reps"): no-break spaces instead of a nowrap span,
    which WeasyPrint would lay out as a box of its own on every line."""
    return str(text).replace(" ", "\u00a0")


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def dose(rx: Prescription) -> str:
    """The amount in words: '2 sets of 10 reps', '3 sets: 5, 3, 1 holds of 10 s', '20 minutes'."""
    if rx.kind is DoseKind.duration:
        bout = plural(rx.minutes or 0, "minute")
        return bout if rx.sets <= 1 else f"{rx.sets} times {bout}"
    unit = "rep" if rx.kind is DoseKind.reps else "hold"
    tail = f" of {seconds(rx.hold_s)}" if rx.kind is DoseKind.hold and rx.hold_s else ""
    if not rx.reps:
        return plural(rx.sets, "set")
    if len(set(rx.reps)) > 1:
        return f"{rx.sets} sets: {', '.join(str(r) for r in rx.reps)} {unit}s{tail}"
    reps = rx.reps[0]
    if rx.sets == 1:
        return f"{plural(reps, unit)}{tail}"
    return f"{rx.sets} sets of {plural(reps, unit)}{tail}"


def dose_short(rx: Prescription) -> str:
    """Compact form for tables and the log: '2 × 10 reps', '5-3-1 holds of 10 s', '20 min'."""
    if rx.kind is DoseKind.duration:
        return f"{rx.minutes} min" if rx.sets <= 1 else f"{rx.sets} × {rx.minutes} min"
    if not rx.reps:
        return plural(rx.sets, "set")
    unit = "rep" if rx.kind is DoseKind.reps else "hold"
    tail = f" of {seconds(rx.hold_s)}" if rx.kind is DoseKind.hold and rx.hold_s else ""
    if len(set(rx.reps)) > 1:
        return f"{'-'.join(str(r) for r in rx.reps)} {unit}s{tail}"
    amount = plural(rx.reps[0], unit) + tail
    return f"{rx.sets} × {amount}" if rx.sets > 1 else amount


def how_often(per_week: int | None) -> str:
    if not per_week:
        return ""
    if per_week >= 7:
        return "Every day"
    return {1: "Once a week", 2: "Twice a week"}.get(per_week, f"{per_week} times a week")


def weeks_label(first: int, last: int) -> str:
    return f"Week {first}" if first == last else f"Weeks {first}\u2013{last}"


# --------------------------------------------------------------------------- view model


@dataclass
class WeekDose:
    """One exercise in one week."""

    week: int
    rx: Prescription
    per_week: int
    deload: bool


def _amount(rx: Prescription) -> str:
    if rx.kind is DoseKind.duration:
        return str(rx.minutes) if rx.sets <= 1 else f"{rx.sets}×{rx.minutes}"
    if len(set(rx.reps)) > 1:
        return "-".join(str(r) for r in rx.reps)
    # No spaces: twelve weeks of "2×10" must fit across an A4 card at 12 pt.
    return f"{rx.sets}×{rx.reps[0]}" if rx.reps else str(rx.sets)


def _short_seconds(value: int | None) -> str:
    return "" if value is None else f"{value} s"


# The dose grid's rows: key, heading (by kind), label when the value never changes, value.
# A value that never changes is said once above the grid; one that changes gets a row, and
# each week where it changes is printed in bold.
_GRID_FIELDS = (
    ("amount", {"reps": "Sets × reps", "hold": "Sets × holds", "duration": "Minutes"}, None, lambda d: _amount(d.rx)),
    ("hold", "Each hold", "Each hold", lambda d: seconds(d.rx.hold_s) if d.rx.hold_s else ""),
    # The speed of a rep in words, and only where it is part of the dose (render/words.py).
    ("tempo", "Speed", "Speed", lambda d: tempo_words(d.rx.tempo) if tempo_matters(d.rx.category, d.rx.tempo) else ""),
    ("tut", "Time under tension", "Time under tension", lambda d: _short_seconds(d.rx.tut_per_set_s)),
    (
        "rest",
        "Rest",
        "Rest",
        lambda d: seconds(d.rx.rest_s) if d.rx.rest_s and (d.rx.sets > 1 or d.rx.kind is DoseKind.hold) else "",
    ),
    ("often", "Times a week", "How often", lambda d: str(d.per_week) if d.per_week < 7 else "daily"),
    ("load", "Band or weight", "Band or weight", lambda d: d.rx.load or ""),
    ("side", "Side", "Side", lambda d: d.rx.side or ""),
)


@dataclass
class GridRow:
    heading: str
    cells: list[tuple[str, bool]]  # (text, changed since the week before)


@dataclass
class Grid:
    """A strip of weeks (columns) with the dose fields that change (rows)."""

    weeks: list[WeekDose]
    rows: list[GridRow]


@dataclass
class CardFrame:
    """One keyframe of an exercise drawn from pose data, as the card shows it."""

    label: str
    uri: str  # data: URI of the frame's SVG
    alt: str
    aspect: float  # width / height


# The drawn figure heads the card: narrow (standing) frames float to the right of the start and
# the steps, wide (lying) frames span the card under its heading, each labelled below in the
# body font, as tall as the card's width allows up to a cap per edition and print size. Cards
# flow from page to page (templates/handout.css), so no card's picture shrinks to keep the card
# to one page: the heights are fixed, never guessed from the text. The caps keep a card's
# heading and picture - which never split - under 30 % of a page, so that no page ends more than
# 30 % blank because the next card's picture did not fit under the last one.
# (edition, large print) -> (frames beside the text, mm tall; frames across the card, mm tall;
# frames stacked beside the text, mm tall at most)
FIGURE_MM = {
    ("full", False): (42.0, 38.0, 0.0),
    ("full", True): (0.0, 36.0, 0.0),  # at 18 pt the text beside a picture would be too narrow
    ("compact", False): (34.0, 30.0, 24.0),
    ("compact", True): (0.0, 32.0, 0.0),
}
BESIDE_SHARE = 0.5  # frames float beside the text when they take at most this share of the width
FIGURE_GAP_MM = 4.0  # a frame's margin, both sides together (handout.css .frame)
CAPTION_MIN_MM = 46.0  # a frame's slot across the card is at least this wide: labels wrap little
CAPTION_MIN_LARGE_MM = 56.0  # the same at 18 pt
CAPTION_BESIDE_MM = 38.0  # beside the text, labels may take two or three lines
QR_BOX_MM = 52.0  # the video QR code and its line beside the frames (handout.css .qr-box)
# The card's width (the page's content box): paper width less the page margins.
CARD_MM = {("a4", False): 178.0, ("letter", False): 183.9, ("a4", True): 179.0, ("letter", True): 184.9}


@dataclass
class Card:
    exercise: Exercise
    kind: str
    illustration: str  # data: URI of the library's SVG ("" when the card shows drawn frames)
    doses: list[WeekDose]
    grids: list[Grid]
    constants: list[tuple[str, str]]  # (label, value) the same in every week
    notes: list[tuple[str, str]]  # (weeks, what changes)
    effort: str | None
    qr: Markup | None
    follows: str | None = None  # the easier exercise this one replaces
    moves_to: tuple[str, int] | None = None  # (harder exercise, from week)
    moves_to_gate: str | None = None  # a nerve tensioner's gate, said where the slider moves on to it
    frames: list[CardFrame] = field(default_factory=list)  # the figure drawn from pose data
    figure_mm: float = 0.0  # the frames' height on the card
    figure_beside: bool = False  # the frames float beside the start and the steps
    figure_stacked: bool = False  # ... one above the other (the compact edition's lying figures)
    caption_min_mm: float = CAPTION_MIN_MM
    brief: bool = False  # the compact edition's card (Card.parts)

    def slot_mm(self, i: int) -> float:
        """Width of frame ``i`` with its label: at least CAPTION_MIN_MM, so a label wraps little."""
        return max(self.figure_mm * self.frames[i].aspect, self.caption_min_mm)

    def figure_width(self, height_mm: float, caption_mm: float | None = None) -> float:
        """The frames' row width at ``height_mm``, margins and the QR box included (stacked:
        the widest frame's)."""
        least = self.caption_min_mm if caption_mm is None else caption_mm
        if self.figure_stacked:
            return max(max(height_mm * f.aspect, least) for f in self.frames) + FIGURE_GAP_MM + 1.0
        slots = sum(max(height_mm * f.aspect, least) for f in self.frames)
        return slots + FIGURE_GAP_MM * len(self.frames) + (QR_BOX_MM if self.qr else 0.0) + 1.0

    def fit_figure(self, width_mm: float, beside_mm: float, across_mm: float, stack_mm: float = 0.0) -> None:
        """Narrow frames ``beside_mm`` tall beside the text when they take at most
        BESIDE_SHARE of the card; else the tallest frames (at most ``across_mm``) that fit side
        by side across it."""
        if not self.frames:
            return
        if beside_mm and self.figure_width(beside_mm, CAPTION_BESIDE_MM) <= BESIDE_SHARE * width_mm:
            self.figure_beside, self.figure_mm, self.caption_min_mm = True, beside_mm, CAPTION_BESIDE_MM
            return
        if stack_mm and not self.qr:
            # Lying figures one above the other beside the text, as wide as the share allows.
            self.figure_stacked = True
            widest = max(f.aspect for f in self.frames)
            height = min(stack_mm, (BESIDE_SHARE * width_mm - FIGURE_GAP_MM - 1.0) / widest)
            self.figure_beside, self.figure_mm, self.caption_min_mm = True, round(height, 1), CAPTION_BESIDE_MM
            return
        room = width_mm - 1.0 - FIGURE_GAP_MM * len(self.frames) - (QR_BOX_MM if self.qr else 0.0)
        # Three frames at 18 pt may not each get a label's full slot: they share the width.
        self.caption_min_mm = min(self.caption_min_mm, room / len(self.frames))
        height = min(across_mm, room / sum(f.aspect for f in self.frames))
        while height > 10 and self.figure_width(height) > width_mm:
            height -= 0.5
        self.figure_beside, self.figure_mm = False, round(height, 1)

    # The instruction parts in reading order; the picture ("art") heads the card on its own.
    SECTIONS = ("start", "steps", "tips", "mistakes", "care", "stop")

    @property
    def steps(self) -> list[str]:
        """The steps, each "your plan gives you" followed by its number."""
        rx = self.doses[0].rx if self.doses else None
        return [point_at_number(step, rx) for step in self.exercise.instructions]

    def parts(self) -> list[str]:
        """The instruction parts this card has, in reading order.

        The compact edition keeps what a patient needs to do the exercise safely (start, steps,
        when to stop) and leaves tips, common mistakes and take-care notes to the full one.
        """
        ex = self.exercise
        present = {
            "start": bool(ex.starting_position),
            "steps": bool(ex.instructions),
            "tips": bool(ex.cues) and not self.brief,
            "mistakes": bool(ex.mistakes) and not self.brief,
            "care": bool(ex.precautions) and not self.brief,
            "stop": bool(ex.stop_if),
        }
        return [name for name in self.SECTIONS if present[name]]

    def aside_rows(self) -> list[list[str]]:
        """The parts after the steps, two side by side a row: tips beside take care, common
        mistakes beside when to stop (a fixed pairing: no part's length is guessed)."""
        rest = [p for p in self.parts() if p not in ("start", "steps")]
        left = [p for p in rest if p in ("tips", "mistakes")]
        right = [p for p in rest if p in ("care", "stop")]
        if not left or not right:  # one side only: pair its parts with each other
            left, right = (left or right)[0::2], (left or right)[1::2]
        rows = [[a, b] for a, b in zip(left, right)]
        longer = left if len(left) > len(right) else right
        return rows + [[p] for p in longer[len(rows) :]]

    @property
    def weeks(self) -> str:
        return _week_list([d.week for d in self.doses])


@dataclass
class LogWeek:
    number: int
    start: dt.date
    end: dt.date
    phase: str
    deload: bool
    reassessment: bool
    session_items: list[tuple[str, str]]  # (name, short dose) done in the numbered sessions
    sessions: list[int]
    daily_items: list[tuple[str, str]]
    days: list[dt.date]
    session_groups: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # (day name, items)
    session_rows: list[tuple[int, str, dt.date]] = field(default_factory=list)  # (number, day name, date)


def _week_prescriptions(week) -> list[tuple[Prescription, int]]:
    """(prescription, times a week) for every exercise of a week, first occurrence wins."""
    seen: dict[str, Prescription] = {}
    counts: dict[str, int] = {}
    for session in week.sessions:
        for rx in session.prescriptions:
            counts[rx.exercise] = counts.get(rx.exercise, 0) + 1
            seen.setdefault(rx.exercise, rx)
    for rx in week.every_day:
        if rx.exercise not in seen:
            seen[rx.exercise] = rx
            counts[rx.exercise] = 7
    return [(rx, getattr(rx, "per_week", None) or counts[ex_id]) for ex_id, rx in seen.items()]


def week_doses(program: Program, exercise_id: str) -> list[WeekDose]:
    """The exercise's dose in every week it is done."""
    out = []
    for week in program.weeks:
        for rx, per_week in _week_prescriptions(week):
            if rx.exercise == exercise_id:
                out.append(WeekDose(week.number, rx, per_week, week.deload or week.number in program.deload_weeks))
                break
    return out


def _week_list(numbers: list[int]) -> str:
    """[2, 4, 5, 6, 9] -> 'weeks 2, 4–6 and 9'."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    parts = [str(a) if a == b else f"{a}\u2013{b}" for a, b in runs]
    single = len(runs) == 1 and runs[0][0] == runs[0][1]
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return ("week " if single else "weeks ") + text


@dataclass
class _Cache:
    """Per-renderer cache of allowed files as data: URIs (keyed by path, size and mtime).

    Every file goes through ``read_asset``: inside its allowed folder once symlinks are
    resolved, a regular file under the size limit, and the type its name says.
    """

    uris: dict[tuple[str, int, int], str] = field(default_factory=dict)
    frames: dict[tuple[str, bool, int], tuple[object, list[CardFrame]]] = field(default_factory=dict)

    def figure_frames(self, exercise: Exercise, mirror: bool) -> list[CardFrame]:
        """The exercise's frames, drawn once per renderer (a roster reuses them)."""
        key = (exercise.id, mirror, id(exercise.figure))
        if key not in self.frames:
            pic = picture(exercise.figure, mirror=mirror)  # type: ignore[arg-type]  # only drawn exercises
            uri = lambda svg: "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")  # noqa: E731
            frames = [CardFrame(f.label, uri(f.svg), alt, f.width / f.height) for f, alt in zip(pic.frames, pic.frame_alts)]
            # Keep the figure itself alive with its frames, so that its id is never reused.
            self.frames[key] = (exercise.figure, frames)
        return self.frames[key][1]

    def data_uri(self, path: Path, roots: list[Path], kinds: tuple[str, ...]) -> str:
        st = os.stat(path)
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key not in self.uris:
            asset = read_asset(path, roots, kinds)
            self.uris[key] = f"data:{asset.mime};base64,{base64.b64encode(asset.data).decode('ascii')}"
        return self.uris[key]


def _ladder_links(program: Program) -> dict[str, tuple[str | None, tuple[str, int] | None]]:
    """For each exercise: the one it replaced in its slot, and the one that replaces it (week)."""
    by_slot: dict[str, list[tuple[int, str, str]]] = {}
    for week in program.weeks:
        for rx, _ in _week_prescriptions(week):
            runs = by_slot.setdefault(rx.slot, [])
            if not runs or runs[-1][1] != rx.exercise:
                runs.append((week.number, rx.exercise, rx.name))
    links: dict[str, tuple[str | None, tuple[str, int] | None]] = {}
    for runs in by_slot.values():
        for i, (_, ex_id, _) in enumerate(runs):
            before = runs[i - 1][2] if i > 0 else None
            after = (runs[i + 1][2], runs[i + 1][0]) if i + 1 < len(runs) else None
            old_before, old_after = links.get(ex_id, (None, None))
            links[ex_id] = (old_before or before, after or old_after)
    return links


def _cards(program: Program, library: Library, cache: _Cache, per_strip: int = 12, cell_chars: int = 5) -> list[Card]:  # noqa: C901 - a card's whole view model in one place; to split with render/html.py's view-model module
    order: list[str] = []
    for week in program.weeks:
        for rx, _ in _week_prescriptions(week):
            if rx.exercise not in order:
                order.append(rx.exercise)
    missing = [ex_id for ex_id in order if ex_id not in library]
    if missing:
        raise RenderError(
            "the program names exercises that are not in the library",
            [
                Problem(None, None, "exercise", f"'{ex_id}' not found", "load the library the program was planned with")
                for ex_id in missing
            ],
        )
    links = _ladder_links(program)
    cards = []
    for ex_id in order:
        exercise = library.exercises[ex_id]
        doses = week_doses(program, ex_id)
        frames: list[CardFrame] = []
        illustration = ""
        if exercise.drawn:
            # Drawn for this patient: a left-sided patient sees the left side working.
            frames = cache.figure_frames(exercise, program.patient.side.value == "left")
        else:
            art = library.illustration_path(ex_id)
            try:
                illustration = cache.data_uri(art, [library.files[ex_id].parent / "illustrations"], ("svg",))  # type: ignore[arg-type]
            except Refused as exc:
                raise RenderError(
                    f"the drawing for '{ex_id}' cannot be used", [Problem(art, None, "illustration.file", exc.reason, exc.fix)]
                ) from None
            except OSError as exc:
                raise RenderError(f"the drawing for '{ex_id}' cannot be read: {art} ({exc.strerror})") from None
        kind = exercise.dosage.kind.value
        constants, rows = [], []
        for key, heading, label, value in _GRID_FIELDS:
            values = [value(d) for d in doses]
            distinct = {v for v in values if v}
            heading = heading[kind] if isinstance(heading, dict) else heading
            if key != "amount" and len(distinct) == 1 and (key == "rest" or all(values)):
                # Rest is blank where there is only one set: still "the same every week".
                if key == "rest":
                    # One set of holds (a stretch): the rest is between holds; several sets
                    # (a pyramid, a set of reps): between sets.
                    one_set = all(d.rx.sets == 1 for d in doses)
                    label = "Rest between holds" if kind == "hold" and one_set else "Rest between sets"
                text = distinct.pop()
                constants.append((label, how_often(doses[0].per_week) if key == "often" else text))
            elif distinct and (key == "tempo" or key in ("load", "side") and max(len(v) for v in values) > 12):
                # A tempo ("3-1-2-1") is wider than a week's cell and would double the grid:
                # a slower tempo is said by weeks above it (the plateau rule adds tempo steps).
                # Words too long for a week's cell ("hands on the armrests"): say them by weeks.
                runs: dict[str, list[int]] = {}
                for d, v in zip(doses, values):
                    runs.setdefault(v or "none", []).append(d.week)
                constants.append((label, "; ".join(f"{_week_list(w)}: {v}" for v, w in runs.items())))
            elif distinct:
                rows.append((heading, values))
        # The effort that holds most weeks is said once; other weeks say theirs as a change.
        efforts = [d.rx.effort for d in doses if not d.deload] or [d.rx.effort for d in doses]
        effort = max(efforts, key=efforts.count) if efforts else None
        by_note: dict[str, list[int]] = {}
        for d in doses:
            note = d.rx.note
            # The grid marks lighter weeks "easy" and shows when nothing changes; such notes
            # would only repeat it.
            if note and (d.deload or note.startswith("back to full dose")):
                note = note.partition("; ")[2] if note.startswith("back to full dose") else None
            if note and note.startswith("same as last week"):
                note = None
            if note:
                by_note.setdefault(singular_one(note), []).append(d.week)
            if not d.deload and d.rx.effort != effort:
                by_note.setdefault(f"how hard: {d.rx.effort}", []).append(d.week)
        notes = sorted(((_week_list(weeks), note, weeks[0]) for note, weeks in by_note.items()), key=lambda t: t[2])
        follows, moves_to = links.get(ex_id, (None, None))
        cards.append(
            Card(
                exercise=exercise,
                kind=kind,
                illustration=illustration,
                doses=doses,
                grids=_grids(doses, rows, per_strip, cell_chars),
                constants=constants,  # type: ignore[arg-type]
                notes=[(weeks, note) for weeks, note, _ in notes],
                effort=effort,
                qr=Markup(qr_svg(exercise.video_url, label=f"QR code: video of {exercise.name}")) if exercise.video_url else None,
                follows=follows,
                moves_to=moves_to,
                moves_to_gate=(
                    "but only once your leg symptoms have settled"
                    if moves_to and any(e.name == moves_to[0] and e.is_tensioner for e in library.exercises.values())
                    else None
                ),
                frames=frames,
            )
        )
    return cards


def _grids(doses: list[WeekDose], rows: list[tuple[str, list[str]]], per_strip: int, cell_chars: int = 5) -> list[Grid]:
    """Split the weeks into strips of at most ``per_strip`` columns (12 fit an A4 card).

    A week's cell holds about ``cell_chars`` characters (five at 12 pt when twelve weeks share
    the width: "2×10", "150 s"); longer values that cannot wrap (a tempo, "3-1-2-0") get fewer
    weeks to a strip, and the strips are made even (13 weeks at most 12 a strip: 7 + 6).
    """
    widest = max((len(v) for _, values in rows for v in values if " " not in v.strip() or v[:1].isdigit()), default=1)
    if widest > cell_chars:
        per_strip = max(4, min(per_strip, (per_strip * cell_chars) // widest))
    strips = max(1, math.ceil(len(doses) / per_strip))
    per_strip = math.ceil(len(doses) / strips) if doses else per_strip
    grids = []
    for start in range(0, len(doses), per_strip):
        part = slice(start, start + per_strip)
        grid_rows = []
        for heading, values in rows:
            cells = []
            for i in range(start, min(start + per_strip, len(doses))):
                changed = i > 0 and values[i] != values[i - 1] and doses[i].week == doses[i - 1].week + 1
                cells.append((values[i], changed))
            grid_rows.append(GridRow(heading, cells))
        grids.append(Grid(doses[part], grid_rows))
    return grids


def _log(program: Program) -> list[LogWeek]:
    phase_names = {p.id: p.name for p in program.phases}
    out = []
    for week in program.weeks:
        items, seen = [], set()
        groups: dict[str, list[tuple[str, str]]] = {}
        for session in week.sessions:
            name = getattr(session, "name", "Session")
            group = groups.setdefault(name, []) if name not in groups else None
            for rx in session.prescriptions:
                if group is not None:
                    group.append((rx.name, dose_short(rx)))
                if rx.exercise not in seen:
                    seen.add(rx.exercise)
                    items.append((rx.name, dose_short(rx)))
        out.append(
            LogWeek(
                number=week.number,
                start=week.start,
                end=week.start + dt.timedelta(days=6),
                phase=phase_names.get(week.phase, week.phase),
                deload=week.deload or week.number in program.deload_weeks,
                reassessment=week.reassessment or week.number == program.reassessment_week,
                session_items=items,
                sessions=[s.number for s in week.sessions],
                daily_items=[(rx.name, dose_short(rx)) for rx in week.every_day],
                days=[week.start + dt.timedelta(days=d) for d in range(7)],
                session_groups=list(groups.items()),
                session_rows=[
                    (s.number, getattr(s, "name", "Session"), week.start + dt.timedelta(days=getattr(s, "day", 0)))
                    for s in week.sessions
                ],
            )
        )
    return out


def _adjustment_lines(program: Program, library: Library) -> list[tuple[str, str]]:
    """What `adjust` changed, in the patient's words; one line when every exercise has the same."""
    lines = [
        (library.exercises[a.exercise].name if a.exercise in library else a.exercise, a.patient or a.change)
        for a in getattr(program, "adjustments", [])
    ]
    if len(lines) > 1 and len({text for _, text in lines}) == 1:
        return [("All your exercises", lines[0][1])]
    return lines


def _red_flag_questions() -> list[tuple[str, str, str]]:
    """The log's weekly yes/no questions: (log column, plain words, urgent or review)."""
    from rehabplan.planning.redflags import PAPER, RED_FLAGS

    return [(f.id, PAPER[f.id], f.level) for f in RED_FLAGS]


def day_plan(program: Program, locale: str = "en-GB") -> list[dict]:
    """The week's pattern in words, per kind of day: which weekdays, from which week, how long.

    Every renderer reads the days from the Program (Session.day), so the cards, the log, "how
    to use" and the calendar print the same plan.
    """
    kinds: dict[str, dict] = {}
    for week in program.weeks:
        for s in week.sessions:
            kind = getattr(s, "kind", "strength")
            k = kinds.setdefault(kind, {"kind": kind, "days": set(), "first_week": week.number, "minutes": {}})
            k["days"].add(getattr(s, "day", 0))
            k["minutes"].setdefault(week.number, max(k["minutes"].get(week.number, 0), s.minutes))
    out = []
    for kind in ("strength", "short"):
        if kind not in kinds:
            continue
        k = kinds[kind]
        days = sorted(k["days"])
        names = [program.start + dt.timedelta(days=d) for d in days]
        weeks = sorted(k["minutes"])
        out.append(
            {
                "kind": kind,
                "name": "Strength days" if kind == "strength" else "Short days",
                "weekdays": [day_name(d, locale) for d in names],
                "count": len(days),
                "first_week": k["first_week"],
                "first_minutes": round(k["minutes"][weeks[0]]),
                "last_minutes": round(k["minutes"][weeks[-1]]),
                "last_week": weeks[-1],
                "max_minutes": round(max(k["minutes"].values())),
            }
        )
    return out


def day_name(day: dt.date, locale: str = "en-GB") -> str:
    return _DAYS[day.weekday()]


def _walk_minutes(program: Program) -> tuple[int, int] | None:
    walks = [rx.minutes for w in program.weeks for rx in w.every_day if rx.category.value == "aerobic" and rx.minutes]
    return (walks[0], max(walks)) if walks else None


def _example_reps(program: Program) -> Prescription | None:
    for week in program.weeks:
        for session in week.sessions:
            for rx in session.prescriptions:
                if rx.kind is DoseKind.reps and rx.tempo and rx.reps:
                    return rx
    return None


def _example_hold(program: Program) -> Prescription | None:
    for week in program.weeks:
        for rx in [*(rx for s in week.sessions for rx in s.prescriptions), *week.every_day]:
            if rx.kind is DoseKind.hold and rx.hold_s and rx.reps:
                return rx
    return None


def _tempo_parts(tempo: Tempo) -> list[tuple[str, str]]:
    return [
        ("X" if tempo.explosive_lower else str(tempo.lower_s), "Lower"),
        (str(tempo.bottom_s), "Pause at the bottom"),
        ("X" if tempo.explosive_lift else str(tempo.lift_s), "Lift"),
        (str(tempo.top_s), "Pause at the top"),
    ]


@dataclass(frozen=True)
class PainBands:
    """The traffic light in whole numbers, from the program's pain rules."""

    green: tuple[int, int]
    amber: tuple[int, int] | None
    red: tuple[int, int]


def pain_bands(program: Program) -> PainBands:
    """The protocol's one pain rule (``planning.painrule``), as the handout's colour key."""
    from rehabplan.planning.painrule import pain_rule

    rule = pain_rule(program.pain)
    return PainBands(green=rule.green, amber=rule.amber, red=rule.red)


def _range(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}\u2013{pair[1]}"


def _emergency_place(locale: str) -> str:
    return {
        "en-GB": "A&E (the emergency department)",
        "en-IE": "the emergency department",
        "en-US": "the emergency room",
        "en-CA": "the emergency room",
    }.get(locale, "the emergency department")


def created_at(program: Program, source_date_epoch: str | None) -> str:
    """W3C date for the PDF metadata: SOURCE_DATE_EPOCH when set, else the program start."""
    if source_date_epoch and source_date_epoch.strip().isdigit():
        moment = dt.datetime.fromtimestamp(int(source_date_epoch), dt.UTC)
    else:
        moment = dt.datetime.combine(program.start, dt.time(0, 0), dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- environment


class SafeLoader(jinja2.BaseLoader):
    """Templates by name from the clinic folder, then the built-in one, each through the
    allow-list: a template or stylesheet (or an ``{% include %}`` target) that is a symlink
    out of its folder, not a regular file, or too big is refused, never printed."""

    def __init__(self, searchpath: list[Path]):
        self.searchpath = [Path(p) for p in searchpath]

    def get_source(self, environment, template):
        pieces = jinja2.loaders.split_template_path(template)
        for root in self.searchpath:
            candidate = root.joinpath(*pieces)
            if not os.path.lexists(candidate):
                continue
            try:
                data = read_asset(candidate, [root], ("text",), MAX_TEMPLATE_BYTES).data
                source = data.decode("utf-8")
            except Refused as exc:
                raise RenderError(
                    f"the template {candidate} cannot be used", [Problem(candidate, None, "", exc.reason, exc.fix)]
                ) from None
            except UnicodeDecodeError:
                raise RenderError(
                    f"the template {candidate} is not UTF-8 text",
                    [Problem(candidate, None, "", "is not UTF-8 text", "save it as UTF-8")],
                ) from None
            return source, str(candidate), lambda: True
        raise jinja2.TemplateNotFound(template)


class TemplateLimit(Exception):
    """A clinic template went over its time or size limit."""


class _LimitedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a join whose size the sandbox checks before it is made: a
    template doubling a string in a loop stops at the limit instead of at the end of memory."""

    @optimizeconst
    def visit_Concat(self, node, frame) -> None:
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"environment.checked_concat({join}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class ClinicSandbox(SandboxedEnvironment):
    """Jinja's sandbox, tightened for clinic templates.

    Templates get plain data: no attribute of a path, a class or pydantic's own API
    (``parse_file`` reads files) is reachable. A render has a time limit and the strings and
    lists it builds have a size limit, so a template that loops forever, doubles a string
    until memory runs out or raises ``2 ** 10**9`` ends with a render error instead.
    """

    intercepted_binops = frozenset(["*", "**", "+"])
    code_generator_class = _LimitedCodeGenerator
    max_seconds = 5.0
    max_chars = 5_000_000  # one value; a whole handout's HTML is a few hundred thousand
    deadline = float("inf")

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimit(f"the template took longer than {self.max_seconds:g} s")

    def _sized(self, value):
        if isinstance(value, (str, list, tuple, dict, bytes)) and len(value) > self.max_chars:
            raise TemplateLimit(f"the template built a value of {len(value):,} items; the limit is {self.max_chars:,}")
        return value

    def checked_concat(self, join, items: tuple):
        self.check_time()
        size = sum(len(item) if isinstance(item, str) else 0 for item in items)
        if size > self.max_chars:
            raise TemplateLimit(f"the template built a text of {size:,} characters; the limit is {self.max_chars:,}")
        return self._sized(join(items))

    def limit_filters(self) -> None:
        """Every filter checks the time, refuses a size argument over the limit
        (``center(10**9)``) and the size of what it returns (``replace`` in a loop)."""

        def limited(func):
            @functools.wraps(func)  # keeps Jinja's pass_context / pass_environment marks
            def run(*args, **kwargs):
                self.check_time()
                for arg in (*args, *kwargs.values()):
                    if isinstance(arg, int) and not isinstance(arg, bool) and arg > self.max_chars:
                        raise TemplateLimit(f"the template passed {arg:,} to a filter; the limit is {self.max_chars:,}")
                return self._sized(func(*args, **kwargs))

            return run

        self.filters = {name: limited(func) for name, func in self.filters.items()}

    def is_safe_attribute(self, obj, attr, value) -> bool:
        from pathlib import PurePath

        from pydantic import BaseModel

        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, (PurePath, type)) or isinstance(value, (PurePath, type)):
            return False
        if isinstance(obj, BaseModel) and hasattr(BaseModel, attr):
            return False  # pydantic's API, not the model's data
        module = (getattr(value, "__module__", None) or "").split(".")[0]
        return not (callable(value) and module in _FILE_MODULES)

    def getattr(self, obj, attribute):
        self.check_time()
        return self._sized(super().getattr(obj, attribute))

    def getitem(self, obj, argument):
        self.check_time()
        return self._sized(super().getitem(obj, argument))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        __self.check_time()
        return __self._sized(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context, operator, left, right):
        self.check_time()
        if (
            operator == "**"
            and isinstance(right, (int, float))
            and abs(right) > 64
            and not (isinstance(left, (int, float)) and abs(left) <= 1)
        ):
            raise TemplateLimit(f"the template raised a number to the power {right}; the limit is 64")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > self.max_chars:
                    raise TemplateLimit(f"the template built a value of {len(seq) * n:,} items; the limit is {self.max_chars:,}")
        return self._sized(super().call_binop(context, operator, left, right))


_FILE_MODULES = {"os", "io", "pathlib", "shutil", "subprocess", "sys", "tempfile", "glob", "posix", "nt"}


def make_environment(clinic_templates: Path | None, locale: str = "en-GB") -> jinja2.Environment:
    """Autoescaping environment; sandboxed when a clinic template folder is layered in."""
    builtin = builtin_templates()
    searchpath = [clinic_templates, builtin] if clinic_templates else [builtin]
    env_class = ClinicSandbox if clinic_templates else jinja2.Environment
    env = env_class(
        loader=SafeLoader(searchpath),
        autoescape=True,  # everywhere, whatever the file name: every template is patient-facing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
    )
    env.filters.update(
        long_date=partial(long_date, locale=locale),
        short_date=partial(short_date, locale=locale),
        day_label=partial(day_label, locale=locale),
        seconds=seconds,
        dose=dose,
        dose_short=dose_short,
        how_often=how_often,
        plural=plural,
        nobreak=nobreak,
        range=_range,
        weeks_label=weeks_label,
        week_list=lambda numbers: _week_list(list(numbers)),
        join_and=join_and,
        tempo_words=tempo_words,
    )
    env.globals["weeks_label"] = weeks_label
    if isinstance(env, ClinicSandbox):
        env.limit_filters()
    return env


def plain(value):
    """Plain data for a template: Paths become strings, models and dataclasses dicts."""
    from pathlib import PurePath

    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return {k: plain(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


_FONT_URL = re.compile(r"""url\(\s*(['"]?)(fonts/[A-Za-z0-9_.-]+)\1\s*\)""")


@dataclass
class Stylesheet:
    text: str
    base: Path  # the folder its relative url()s resolve against


class HtmlBuilder:
    """Everything the handout HTML needs, set up once and reused for many programs."""

    def __init__(
        self,
        config: ClinicConfig | None = None,
        *,
        templates: Path | str | None = None,
        large_print: bool | None = None,
        paper: str | None = None,
        edition: str | None = None,
    ):
        self.config = config or ClinicConfig()
        chosen = templates if templates is not None else self.config.templates
        self.templates = Path(chosen).resolve() if chosen else None
        if self.templates is not None and not self.templates.is_dir():
            raise RenderError(f"the template folder {self.templates} does not exist")
        self.large_print = self.config.large_print if large_print is None else bool(large_print)
        self.paper = (paper or self.config.paper).lower()
        if self.paper not in PAPERS:
            raise RenderError(f"unknown paper size '{paper}'", [Problem(None, None, "paper", "use a4 or letter")])
        self.edition = (edition or self.config.edition).lower()
        if self.edition not in EDITIONS:
            raise RenderError(f"unknown edition '{edition}'", [Problem(None, None, "edition", "use full or compact")])
        self.env = make_environment(self.templates, self.config.locale)
        self.cache = _Cache()
        self._logo: str | None = None
        self._preview_css: str | None = None

    # -- stylesheets ------------------------------------------------------------------------

    def stylesheet(self, name: str) -> Stylesheet:
        """A stylesheet by name, from the clinic folder first, then the built-in one."""
        try:
            text, filename, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            raise RenderError(f"the stylesheet '{name}' is missing from the templates") from None
        return Stylesheet(text, Path(filename).parent)  # type: ignore[arg-type]

    @property
    def compact(self) -> bool:
        return self.edition == "compact"

    def stylesheets(self) -> list[Stylesheet]:
        sheets = [self.stylesheet(STYLESHEET)]
        if self.large_print:
            sheets.append(self.stylesheet(LARGE_PRINT_STYLESHEET))
        if self.compact:
            sheets.append(self.stylesheet(COMPACT_STYLESHEET))
        sheets.append(Stylesheet(f"@page {{ size: {PAGE_SIZES[self.paper]}; }}\n", builtin_templates()))
        return sheets

    def preview_css(self) -> str:
        """All stylesheets inlined for the browser, fonts embedded so the file stands alone."""
        if self._preview_css is None:
            parts = []
            for sheet in [*self.stylesheets(), self.stylesheet(PREVIEW_STYLESHEET)]:

                def embed(m: re.Match, base: Path = sheet.base) -> str:
                    path = (base / m.group(2)).resolve()
                    if not path.is_file():  # a clinic's copy of handout.css: built-in fonts
                        path = (builtin_templates() / m.group(2)).resolve()
                    roots = [builtin_templates()] + ([self.templates] if self.templates else [])
                    try:
                        return f'url("{self.cache.data_uri(path, roots, ("woff", "woff2", "ttf", "otf"))}")'
                    except (Refused, OSError):
                        return m.group(0)

                parts.append(_FONT_URL.sub(embed, sheet.text))
            # "</" cannot end a <style> element early if it never appears in it.
            self._preview_css = "\n".join(parts).replace("</", "<\\/")
        return self._preview_css

    # -- context -----------------------------------------------------------------------------

    def logo(self) -> str | None:
        path = self.config.clinic.logo
        if path is None:
            return None
        if self._logo is None:
            try:
                self._logo = self.cache.data_uri(Path(path), [logo_root(self.config)], IMAGE_KINDS)  # type: ignore[list-item]
            except Refused as exc:
                raise RenderError(
                    f"the clinic logo {path} cannot be used", [Problem(path, None, "clinic.logo", exc.reason, exc.fix)]
                ) from None
            except OSError as exc:
                raise RenderError(
                    f"the clinic logo {path} cannot be read ({exc.strerror})",
                    [Problem(None, None, "clinic.logo", "fix the path in rehabplan.yaml")],
                ) from None
        return self._logo

    def context(self, program: Program, library: Library, *, preview: bool) -> dict:
        import os

        cfg = self.config
        first = program.weeks[0] if program.weeks else None
        sessions_per_week = max((len(w.sessions) for w in program.weeks), default=0)
        daily_names: list[str] = []
        for week in program.weeks:
            for rx in week.every_day:
                if rx.name not in daily_names:
                    daily_names.append(rx.name)
        example = _example_reps(program)
        tempo = Tempo.parse(example.tempo) if example and example.tempo else None
        # The speed explained with an exercise whose card prints it.
        example_speed = next(
            (
                rx
                for w in program.weeks
                for s in w.sessions
                for rx in s.prescriptions
                if tempo_matters(rx.category, rx.tempo) and rx.reps
            ),
            None,
        )
        reassess = next((w for w in program.weeks if w.number == program.reassessment_week), None)
        return {
            "program": program,
            "patient": program.patient,
            # Plain data only: the configuration holds paths, and a template must not reach
            # the file system through them.
            "clinic": plain(cfg.clinic),
            "clinician": program.patient.clinician or cfg.clinician,
            "config": plain(cfg),
            "logo": self.logo(),
            "lang": cfg.locale,
            "paper": self.paper,
            "large_print": self.large_print,
            "compact": self.compact,
            "preview": preview,
            "css": Markup(self.preview_css()) if preview else None,
            "title": f"Home exercise plan for {program.patient.name}",
            "created": created_at(program, os.environ.get("SOURCE_DATE_EPOCH")),
            "emergency": cfg.emergency,
            "emergency_place": _emergency_place(cfg.locale),
            "urgent_advice": cfg.urgent_advice,
            "weeks_total": len(program.weeks),
            "months_total": max(1, round(len(program.weeks) / 4.33)),
            "sessions_per_week": sessions_per_week,
            "session_minutes": round(first.sessions[0].minutes) if first and first.sessions else None,
            "day_plan": day_plan(program, cfg.locale),
            "walk_minutes": _walk_minutes(program),
            "daily_names": daily_names,
            "daily_ladders": daily_ladders(program),
            "example_speed": example_speed,
            "example": example,
            "tempo": tempo,
            "tempo_parts": _tempo_parts(tempo or Tempo.parse("3-1-2-0")),
            "example_hold": _example_hold(program),
            "pain": program.pain,
            "bands": pain_bands(program),
            "phase_names": {p.id: p.name for p in program.phases},
            "chart": Markup(load_chart(program)),
            "cards": self.cards(program, library),
            "log": _log(program),
            "red_flag_questions": _red_flag_questions(),
            "log_sessions": sessions_per_week,
            "log_daily": any(w.every_day for w in program.weeks),
            "log_kinds": len({getattr(s, "name", "Session") for w in program.weeks for s in w.sessions}),
            "reassess": reassess,
            # For the clinician, before the handout is given (e.g. side: both with no screen
            # recorded): printed on the cover so it cannot be missed, never as a diagnosis.
            "clinician_notes": list(getattr(program, "clinician_warnings", [])),
            # What `rehabplan adjust` changed, in the patient's words. Its flags are for the
            # clinician (call the patient, review the exercise) and are not printed here.
            "adjustments": _adjustment_lines(program, library),
        }

    def cards(self, program: Program, library: Library) -> list[Card]:
        # Large print: six weeks to a strip at 18 pt, about seven characters to a cell.
        cards = _cards(
            program, library, self.cache, per_strip=6 if self.large_print else 12, cell_chars=7 if self.large_print else 5
        )
        width = CARD_MM[self.paper, self.large_print]
        for card in cards:
            card.brief = self.compact
            card.caption_min_mm = CAPTION_MIN_LARGE_MM if self.large_print else CAPTION_MIN_MM
            card.fit_figure(width, *FIGURE_MM[self.edition, self.large_print])
        return cards

    def render(self, program: Program, library: Library, *, preview: bool = True) -> str:
        """The handout HTML: with ``preview`` the styles and fonts are inlined for a browser."""
        context = self.context(program, library, preview=preview)
        try:
            template = self.env.get_template(ENTRY_TEMPLATE)
            if not isinstance(self.env, ClinicSandbox):
                return template.render(context)
            return self._render_limited(template, context)
        except TemplateLimit as exc:
            file, line = _template_frame(exc)
            raise RenderError(
                "a handout template went over its limits and was stopped",
                [Problem(file, line, "", str(exc), "simplify the template: no endless loops or huge values")],
            ) from None
        except (RecursionError, MemoryError) as exc:
            file, line = _template_frame(exc)
            what = "calls itself without end" if isinstance(exc, RecursionError) else "ran out of memory"
            raise RenderError(
                "a handout template failed", [Problem(file, line, "", f"the template {what}", "simplify the template")]
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(
                "a handout template has a syntax error",
                [
                    Problem(
                        exc.filename or exc.name,
                        exc.lineno,
                        "",
                        exc.message or "syntax error",
                        "fix the template or remove it from the --templates folder",
                    )
                ],
            ) from None
        except jinja2.exceptions.SecurityError as exc:
            file, line = _template_frame(exc)
            raise RenderError(
                "a handout template tried something unsafe and was stopped",
                [Problem(file, line, "", str(exc), "templates may only show the values they are given")],
            ) from None
        except jinja2.TemplateError as exc:
            file, line = _template_frame(exc)
            raise RenderError(
                "a handout template failed", [Problem(file, line, "", str(exc), "check the names the template uses")]
            ) from None
        except RenderError:
            raise
        except Exception as exc:  # a clinic template dividing by zero must not print a traceback
            if not isinstance(self.env, ClinicSandbox):
                raise
            file, line = _template_frame(exc)
            raise RenderError(
                "a handout template failed",
                [Problem(file, line, "", f"{type(exc).__name__}: {exc}"[:300], "fix the template at this line")],
            ) from None

    def _render_limited(self, template: jinja2.Template, context: dict) -> str:
        """Render a clinic template within the sandbox's time and size limits.

        The time limit is checked at every attribute, call and operator; an alarm (in the main
        thread, where signals can be caught) also stops loops that do none of those.
        """
        env = cast(ClinicSandbox, self.env)
        env.deadline = time.monotonic() + env.max_seconds
        alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        if alarm:

            def on_alarm(signum, frame):
                raise TemplateLimit(f"the template took longer than {env.max_seconds:g} s")

            previous = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, env.max_seconds + 0.5)
        try:
            parts, size = [], 0
            for chunk in template.generate(context):
                size += len(chunk)
                if size > 4 * env.max_chars:
                    raise TemplateLimit(f"the handout grew past {4 * env.max_chars:,} characters")
                parts.append(chunk)
            return "".join(parts)
        finally:
            env.deadline = float("inf")
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in a Jinja traceback (Jinja rewrites the frames)."""
    import traceback

    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".j2", ".html", ".jinja")):
            found = (frame.filename, frame.lineno)
    return found


def render_html(
    program: Program,
    library: Library,
    config: ClinicConfig | None = None,
    *,
    templates: Path | str | None = None,
    large_print: bool | None = None,
    paper: str | None = None,
    edition: str | None = None,
) -> str:
    """The handout as one self-contained HTML page (styles and fonts inlined) for a browser."""
    return HtmlBuilder(config, templates=templates, large_print=large_print, paper=paper, edition=edition).render(
        program, library
    )
