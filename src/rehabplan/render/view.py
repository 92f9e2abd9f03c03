"""The handout's view model: cards, dose grids, the tracking log, the day plan, pain bands - plain data the templates read."""

from __future__ import annotations

import base64
import datetime as dt
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from rehabplan.errors import Problem, RenderError
from rehabplan.figures import picture
from rehabplan.models import DoseKind, Exercise, Prescription, Program, Tempo
from rehabplan.render.filters import _amount, _short_seconds, day_name, dose_short, how_often, seconds
from rehabplan.render.for_patient import fit_exercise
from rehabplan.render.qr import qr_svg
from rehabplan.render.words import note_words, point_at_number, singular_one, tempo_matters, tempo_words
from rehabplan.sources.library import Library
from rehabplan.sources.safe_read import Refused, read_asset


@dataclass
class WeekDose:
    """One exercise in one week."""

    week: int
    rx: Prescription
    per_week: int
    deload: bool


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
    ("compact", False): (34.0, 30.0, 26.0),
    ("compact", True): (0.0, 32.0, 0.0),
}


FRAME_MIN_MM = 26.0  # no frame is drawn less tall than this: the body stays readable


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
        BESIDE_SHARE of the card; else wide frames one above the other beside the text (at most
        ``stack_mm`` tall); else the tallest frames (at most ``across_mm``) that fit side by side
        across it. Only frames wider than tall are stacked, and no layout is taken that draws a
        frame under FRAME_MIN_MM tall: wide frames that would, side by side, go one above the
        other across the card instead."""
        if not self.frames:
            return
        if beside_mm and self.figure_width(beside_mm, CAPTION_BESIDE_MM) <= BESIDE_SHARE * width_mm:
            self.figure_beside, self.figure_mm, self.caption_min_mm = True, beside_mm, CAPTION_BESIDE_MM
            return
        wide = all(f.aspect > 1.0 for f in self.frames)
        widest = max(f.aspect for f in self.frames)
        if stack_mm and wide and not self.qr:
            # Lying figures one above the other beside the text, as wide as the share allows.
            height = min(stack_mm, (BESIDE_SHARE * width_mm - FIGURE_GAP_MM - 1.0) / widest)
            if height >= FRAME_MIN_MM:
                self.figure_stacked, self.figure_beside = True, True
                self.figure_mm, self.caption_min_mm = round(height, 1), CAPTION_BESIDE_MM
                return
        room = width_mm - 1.0 - FIGURE_GAP_MM * len(self.frames) - (QR_BOX_MM if self.qr else 0.0)
        # Three frames at 18 pt may not each get a label's full slot: they share the width.
        self.caption_min_mm = min(self.caption_min_mm, room / len(self.frames))
        height = min(across_mm, room / sum(f.aspect for f in self.frames))
        while height > 10 and self.figure_width(height) > width_mm:
            height -= 0.5
        if height < FRAME_MIN_MM and wide and len(self.frames) > 1:
            # Too small side by side: one above the other, across the card.
            self.figure_stacked = True
            height = min(across_mm, (width_mm - FIGURE_GAP_MM - 1.0) / widest)
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


def _cards(program: Program, library: Library, cache: _Cache, per_strip: int = 12, cell_chars: int = 5) -> list[Card]:
    """One card per exercise of the program, in the order the exercises first appear."""
    links = _ladder_links(program)
    cards = []
    for ex_id in _card_order(program, library):
        doses = week_doses(program, ex_id)
        frames, illustration = _card_picture(program, library, cache, library.exercises[ex_id])
        exercise = fit_exercise(library.exercises[ex_id], program.patient)
        kind = exercise.dosage.kind.value
        constants, rows = _constants_and_rows(doses, kind)
        effort, notes = _effort_and_notes(doses)
        follows, moves_to = links.get(ex_id, (None, None))
        cards.append(
            Card(
                exercise=exercise,
                kind=kind,
                illustration=illustration,
                doses=doses,
                grids=_grids(doses, rows, per_strip, cell_chars),
                constants=constants,  # type: ignore[arg-type]  # the amount row, the only one without a label, is never a constant
                notes=notes,
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


def _card_order(program: Program, library: Library) -> list[str]:
    """The program's exercises in the order they first appear; RenderError when the library
    lacks one (a program planned with another library)."""
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
    return order


def _card_picture(program: Program, library: Library, cache: _Cache, exercise: Exercise) -> tuple[list[CardFrame], str]:
    """The card's picture: the drawn frames for this patient's side, or a library drawing as a
    data URI (read only from its own folder)."""
    ex_id = exercise.id
    if exercise.drawn:
        # Drawn for this patient: a left-sided patient sees the left side working.
        return cache.figure_frames(exercise, program.patient.side.value == "left"), ""
    art = library.illustration_path(ex_id)
    try:
        return [], cache.data_uri(art, [library.files[ex_id].parent / "illustrations"], ("svg",))  # type: ignore[arg-type]
    except Refused as exc:
        raise RenderError(
            f"the drawing for '{ex_id}' cannot be used", [Problem(art, None, "illustration.file", exc.reason, exc.fix)]
        ) from None
    except OSError as exc:
        raise RenderError(f"the drawing for '{ex_id}' cannot be read: {art} ({exc.strerror})") from None


def _constants_and_rows(doses: list[WeekDose], kind: str) -> tuple[list[tuple[str | None, str]], list[tuple[str, list[str]]]]:
    """What stays the same every week (said once, as label and text) and what changes (a row
    of the weekly grid)."""
    constants: list[tuple[str | None, str]] = []
    rows: list[tuple[str, list[str]]] = []
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
    return constants, rows


def _effort_and_notes(doses: list[WeekDose]) -> tuple[str | None, list[tuple[str, str]]]:
    """The effort that holds most weeks (said once), and the notes by weeks: changes of effort
    and the planner's notes, without those the grid already shows."""
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
            by_note.setdefault(singular_one(note_words(note)), []).append(d.week)
        if not d.deload and d.rx.effort != effort:
            by_note.setdefault(f"how hard: {d.rx.effort}", []).append(d.week)
    notes = sorted(((_week_list(weeks), note, weeks[0]) for note, weeks in by_note.items()), key=lambda t: t[2])
    return effort, [(weeks, note) for weeks, note, _ in notes]


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


def day_plan(program: Program, locale: str = "en-GB") -> list[dict]:
    """The week's pattern in words, per kind of day: which weekdays, from which week, how long.

    Every renderer reads the days from the Program (Session.day), so the cards, the log, "how
    to use" and the calendar print the same plan.
    """
    kinds: dict[str, dict] = {}
    for week in program.weeks:
        for s in week.sessions:
            kind = getattr(s, "kind", "strength")
            k = kinds.setdefault(kind, {"kind": kind, "days": set(), "first_week": week.number, "minutes": {}, "what": set()})
            k["days"].add(getattr(s, "day", 0))
            k["what"].update("trunk" if rx.category.value == "core" else "stretch" for rx in s.prescriptions)
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
                "trunk": "trunk" in k["what"],  # what a short day holds: trunk work, stretches or both
                "stretch": "stretch" in k["what"],
            }
        )
    return out


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


def created_at(program: Program, source_date_epoch: str | None) -> str:
    """W3C date for the PDF metadata: SOURCE_DATE_EPOCH when set, else the program start."""
    if source_date_epoch and source_date_epoch.strip().isdigit():
        moment = dt.datetime.fromtimestamp(int(source_date_epoch), dt.UTC)
    else:
        moment = dt.datetime.combine(program.start, dt.time(0, 0), dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
