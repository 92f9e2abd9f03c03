"""Program -> handout HTML: the Jinja2 environment, its filters and the view model.

The templates stay simple because the numbers are prepared here (dose rows grouped by week,
the weekly log, the tempo example), where they can be tested without a PDF.

Safety: autoescape is on for every template, patient fields reach the templates only as data,
and only markup this module builds itself (our chart, our QR codes) is marked safe. A clinic's
``--templates DIR`` overrides any built-in template or stylesheet by file name; when one is
given the whole environment is a ``SandboxedEnvironment``, so a clinic template cannot reach
Python internals. Nothing here imports WeasyPrint: ``html()`` is also the browser preview.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..config import ClinicConfig
from ..errors import Problem, RenderError
from ..library import Library
from ..models import DoseKind, Exercise, Prescription, Program, Tempo
from ..resources import data_dir
from .chart import load_chart
from .qr import qr_svg

PAPERS = ("a4", "letter")
ENTRY_TEMPLATE = "handout.html.j2"
STYLESHEET = "handout.css"
LARGE_PRINT_STYLESHEET = "large-print.css"
PREVIEW_STYLESHEET = "preview.css"
PAGE_SIZES = {"a4": "A4", "letter": "letter"}


def builtin_templates() -> Path:
    return data_dir("templates")


# --------------------------------------------------------------------------- filters


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
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


def seconds(value: int | float | None) -> str:
    """Rest and hold times as people say them: 45 s, 1 min, 1 min 30 s."""
    if value is None:
        return ""
    value = int(round(value))
    if value < 60:
        return f"{value} s"
    minutes, rest = divmod(value, 60)
    return f"{minutes} min" if rest == 0 else f"{minutes} min {rest} s"


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
    """Compact form for the log: '2 × 10', '5-3-1 × 10 s', '20 min'."""
    if rx.kind is DoseKind.duration:
        return f"{rx.minutes} min" if rx.sets <= 1 else f"{rx.sets} × {rx.minutes} min"
    if not rx.reps:
        return plural(rx.sets, "set")
    if len(set(rx.reps)) > 1:
        text = "-".join(str(r) for r in rx.reps)
    else:
        text = f"{rx.sets} × {rx.reps[0]}" if rx.sets > 1 else str(rx.reps[0])
    if rx.kind is DoseKind.hold and rx.hold_s:
        text += f" × {rx.hold_s} s"
    return text


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
class DoseRow:
    first: int
    last: int
    rx: Prescription
    per_week: int
    deload: bool
    notes: list[str] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def weeks(self) -> str:
        return weeks_label(self.first, self.last)


# The dose fields a card shows: key, column heading, label when the same every week, value.
# A field that never changes is said once above the table; one that changes gets a column.
_DOSE_FIELDS = (
    ("tempo", "Tempo", "Tempo", lambda row: row.rx.tempo or ""),
    ("tut", "Work per set", "Work per set", lambda row: seconds(row.rx.tut_per_set_s)),
    ("rest", "Rest between sets", "Rest between sets", lambda row: seconds(row.rx.rest_s) if row.rx.rest_s and
     (row.rx.sets > 1 or len(row.rx.reps) > 1 or row.rx.kind is DoseKind.hold) else ""),
    ("often", "How often", "How often", lambda row: how_often(row.per_week)),
    ("load", "Band or weight", "Band or weight", lambda row: row.rx.load or ""),
    ("side", "Side", "Side", lambda row: (row.rx.side or "")[:1].upper() + (row.rx.side or "")[1:]),
)


@dataclass
class Card:
    exercise: Exercise
    kind: str
    illustration: str  # data: URI of the library's SVG
    rows: list[DoseRow]
    qr: Markup | None
    constants: list[tuple[str, str]]  # (label, value) the same in every week
    columns: list[tuple[str, str]]  # (key, heading) after the weeks and amount columns
    effort: str | None
    follows: str | None = None  # the easier exercise this one replaces
    moves_to: tuple[str, int] | None = None  # (harder exercise, from week)


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


def _signature(rx: Prescription) -> tuple:
    # Everything the patient does; the note and slot name are not part of "the dose".
    return (rx.sets, tuple(rx.reps), rx.hold_s, rx.minutes, rx.tempo, rx.tut_per_set_s, rx.rest_s,
            rx.load, rx.side, rx.effort)


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


def dose_rows(program: Program, exercise_id: str) -> list[DoseRow]:
    """The exercise's dose week by week; consecutive weeks with the same dose share a row."""
    rows: list[DoseRow] = []
    for week in program.weeks:
        for rx, per_week in _week_prescriptions(week):
            if rx.exercise != exercise_id:
                continue
            deload = week.deload or week.number in program.deload_weeks
            last = rows[-1] if rows else None
            if (last and last.last == week.number - 1 and _signature(last.rx) == _signature(rx)
                    and last.per_week == per_week and last.deload == deload and not rx.note):
                last.last = week.number
            else:
                rows.append(DoseRow(week.number, week.number, rx, per_week, deload,
                                    [rx.note] if rx.note else []))
            break
    return rows


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix.lower() == ".svg":
        mime = "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


@dataclass
class _Cache:
    """Per-renderer cache of file contents as data: URIs (keyed by path, size and mtime)."""

    uris: dict[tuple[str, int, int], str] = field(default_factory=dict)

    def data_uri(self, path: Path) -> str:
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key not in self.uris:
            self.uris[key] = _data_uri(path)
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


def _cards(program: Program, library: Library, cache: _Cache) -> list[Card]:
    order: list[str] = []
    for week in program.weeks:
        for rx, _ in _week_prescriptions(week):
            if rx.exercise not in order:
                order.append(rx.exercise)
    missing = [ex_id for ex_id in order if ex_id not in library]
    if missing:
        raise RenderError(
            "the program names exercises that are not in the library",
            [Problem(None, None, "exercise", f"'{ex_id}' not found", "load the library the program was planned with")
             for ex_id in missing],
        )
    links = _ladder_links(program)
    cards = []
    for ex_id in order:
        exercise = library.exercises[ex_id]
        rows = dose_rows(program, ex_id)
        art = library.illustration_path(ex_id)
        try:
            illustration = cache.data_uri(art)
        except OSError as exc:
            raise RenderError(f"the drawing for '{ex_id}' cannot be read: {art} ({exc.strerror})") from None
        constants, columns = [], []
        for key, heading, label, value in _DOSE_FIELDS:
            values = [value(row) for row in rows]
            for row, text in zip(rows, values):
                row.cells[key] = text
            if len(set(values)) == 1:
                if values[0]:
                    constants.append((label, values[0]))
            elif any(values):
                columns.append((key, heading))
        # The effort that holds most weeks is said once; a lighter week says so in its row.
        efforts = [row.rx.effort for row in rows if not row.deload] or [row.rx.effort for row in rows]
        effort = max(efforts, key=efforts.count) if efforts else None
        for row in rows:
            if not row.deload and row.rx.effort != effort:
                row.notes.append(f"How hard: {row.rx.effort}")
            row.cells["amount"] = dose(row.rx)
            row.cells["notes"] = "; ".join(row.notes)
        if any(row.notes for row in rows):
            columns.append(("notes", "What changes"))
        follows, moves_to = links.get(ex_id, (None, None))
        cards.append(Card(
            exercise=exercise,
            kind=exercise.dosage.kind.value,
            illustration=illustration,
            rows=rows,
            qr=Markup(qr_svg(exercise.video_url, label=f"QR code: video of {exercise.name}"))
            if exercise.video_url else None,
            constants=constants,
            columns=columns,
            effort=effort,
            follows=follows,
            moves_to=moves_to,
        ))
    return cards


def _log(program: Program) -> list[LogWeek]:
    phase_names = {p.id: p.name for p in program.phases}
    out = []
    for week in program.weeks:
        items, seen = [], set()
        for session in week.sessions:
            for rx in session.prescriptions:
                if rx.exercise not in seen:
                    seen.add(rx.exercise)
                    items.append((rx.name, dose_short(rx)))
        out.append(LogWeek(
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
        ))
    return out


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
    rules = program.pain
    # "Stop" starts above red_above, and never above the ceiling for pain during exercise.
    red_from = min(rules.red_above, rules.during_max) + 1
    amber_from = min(rules.amber_from, red_from)
    green = (0, amber_from - 1) if amber_from > 0 else (0, 0)
    amber = (amber_from, red_from - 1) if amber_from <= red_from - 1 else None
    return PainBands(green=green, amber=amber, red=(red_from, 10))


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
        moment = dt.datetime.fromtimestamp(int(source_date_epoch), dt.timezone.utc)
    else:
        moment = dt.datetime.combine(program.start, dt.time(0, 0), dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- environment


def make_environment(clinic_templates: Path | None, locale: str = "en-GB") -> jinja2.Environment:
    """Autoescaping environment; sandboxed when a clinic template folder is layered in."""
    builtin = builtin_templates()
    searchpath = [str(clinic_templates), str(builtin)] if clinic_templates else [str(builtin)]
    env_class = SandboxedEnvironment if clinic_templates else jinja2.Environment
    env = env_class(
        loader=jinja2.FileSystemLoader(searchpath, encoding="utf-8"),
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
        range=_range,
        weeks_label=weeks_label,
    )
    env.globals["weeks_label"] = weeks_label
    return env


_FONT_URL = re.compile(r"""url\(\s*(['"]?)(fonts/[A-Za-z0-9_.-]+)\1\s*\)""")


@dataclass
class Stylesheet:
    text: str
    base: Path  # the folder its relative url()s resolve against


class HtmlBuilder:
    """Everything the handout HTML needs, set up once and reused for many programs."""

    def __init__(self, config: ClinicConfig | None = None, *, templates: Path | str | None = None,
                 large_print: bool | None = None, paper: str | None = None):
        self.config = config or ClinicConfig()
        chosen = templates if templates is not None else self.config.templates
        self.templates = Path(chosen).resolve() if chosen else None
        if self.templates is not None and not self.templates.is_dir():
            raise RenderError(f"the template folder {self.templates} does not exist")
        self.large_print = self.config.large_print if large_print is None else bool(large_print)
        self.paper = (paper or self.config.paper).lower()
        if self.paper not in PAPERS:
            raise RenderError(f"unknown paper size '{paper}'", [Problem(None, None, "paper", "use a4 or letter")])
        self.env = make_environment(self.templates, self.config.locale)
        self.cache = _Cache()
        self._logo: str | None = None
        self._preview_css: str | None = None

    # -- stylesheets ------------------------------------------------------------------------

    def stylesheet(self, name: str) -> Stylesheet:
        """A stylesheet by name, from the clinic folder first, then the built-in one."""
        try:
            text, filename, _ = self.env.loader.get_source(self.env, name)
        except jinja2.TemplateNotFound:
            raise RenderError(f"the stylesheet '{name}' is missing from the templates") from None
        return Stylesheet(text, Path(filename).parent)

    def stylesheets(self) -> list[Stylesheet]:
        sheets = [self.stylesheet(STYLESHEET)]
        if self.large_print:
            sheets.append(self.stylesheet(LARGE_PRINT_STYLESHEET))
        sheets.append(Stylesheet(f"@page {{ size: {PAGE_SIZES[self.paper]}; }}\n", builtin_templates()))
        return sheets

    def preview_css(self) -> str:
        """All stylesheets inlined for the browser, fonts embedded so the file stands alone."""
        if self._preview_css is None:
            parts = []
            for sheet in [*self.stylesheets(), self.stylesheet(PREVIEW_STYLESHEET)]:
                def embed(m: re.Match, base: Path = sheet.base) -> str:
                    path = (base / m.group(2)).resolve()
                    roots = [builtin_templates().resolve()] + ([self.templates] if self.templates else [])
                    if path.is_file() and any(path.is_relative_to(r) for r in roots):
                        return f'url("{self.cache.data_uri(path)}")'
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
                self._logo = self.cache.data_uri(Path(path))
            except OSError as exc:
                raise RenderError(f"the clinic logo {path} cannot be read ({exc.strerror})",
                                  [Problem(None, None, "clinic.logo", "fix the path in rehabplan.yaml")]) from None
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
        tempo = Tempo.parse(example.tempo) if example else None
        reassess = next((w for w in program.weeks if w.number == program.reassessment_week), None)
        return {
            "program": program,
            "patient": program.patient,
            "clinic": cfg.clinic,
            "clinician": program.patient.clinician or cfg.clinician,
            "config": cfg,
            "logo": self.logo(),
            "lang": cfg.locale,
            "paper": self.paper,
            "large_print": self.large_print,
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
            "daily_names": daily_names,
            "example": example,
            "tempo": tempo,
        "tempo_parts": _tempo_parts(tempo or Tempo.parse("3-1-2-0")),
            "example_hold": _example_hold(program),
            "pain": program.pain,
            "bands": pain_bands(program),
            "phase_names": {p.id: p.name for p in program.phases},
            "chart": Markup(load_chart(program)),
            "cards": _cards(program, library, self.cache),
            "log": _log(program),
            "reassess": reassess,
        }

    def render(self, program: Program, library: Library, *, preview: bool = True) -> str:
        """The handout HTML: with ``preview`` the styles and fonts are inlined for a browser."""
        context = self.context(program, library, preview=preview)
        try:
            template = self.env.get_template(ENTRY_TEMPLATE)
            return template.render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(f"template {exc.filename or exc.name}:{exc.lineno}: {exc.message}") from None
        except jinja2.exceptions.SecurityError as exc:
            raise RenderError(f"a template tried something unsafe and was stopped: {exc}") from None
        except jinja2.TemplateError as exc:
            raise RenderError(f"a template failed: {exc}") from None


def render_html(program: Program, library: Library, config: ClinicConfig | None = None, *,
                templates: Path | str | None = None, large_print: bool | None = None,
                paper: str | None = None) -> str:
    """The handout as one self-contained HTML page (styles and fonts inlined) for a browser."""
    return HtmlBuilder(config, templates=templates, large_print=large_print, paper=paper).render(program, library)


def html_digest(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()
