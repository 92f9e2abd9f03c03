"""Program -> handout HTML: the Jinja2 environment, its filters and the view model.

The templates stay simple because the numbers are prepared here (each card's dose grid and the
notes on what changes, the weekly log, the tempo example, the pain traffic light), where they
can be tested without laying out a PDF.

Safety: autoescape is on for every template, patient fields reach the templates only as data,
and only markup this module builds itself (our chart, our QR codes) is marked safe. A clinic's
``--templates DIR`` overrides any built-in template or stylesheet by file name; when one is
given the whole environment is a ``SandboxedEnvironment``, so a clinic template cannot reach
Python internals. Nothing here imports WeasyPrint: ``html()`` is also the browser preview."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import jinja2
from markupsafe import Markup

from rehabplan.errors import Problem, RenderError
from rehabplan.models import Program, Tempo
from rehabplan.outputs import clinician
from rehabplan.render.chart import load_chart
from rehabplan.render.filters import _emergency_place
from rehabplan.render.for_patient import fit_program
from rehabplan.render.sandbox import ClinicSandbox, TemplateLimit, _template_frame, builtin_templates, make_environment, plain
from rehabplan.render.style import HandoutStyle, style_of
from rehabplan.render.view import (
    CAPTION_MIN_LARGE_MM,
    CAPTION_MIN_MM,
    CARD_MM,
    FIGURE_MM,
    Card,
    _Cache,
    _cards,
    _example_hold,
    _example_reps,
    _log,
    _tempo_parts,
    _walk_minutes,
    created_at,
    day_plan,
    pain_bands,
)
from rehabplan.render.words import daily_ladders, notation, tempo_matters
from rehabplan.sources.config import ClinicConfig, logo_root
from rehabplan.sources.library import Library
from rehabplan.sources.safe_read import IMAGE_KINDS, Refused

ENTRY_TEMPLATE = "handout.html.j2"


STYLESHEET = "handout.css"


LARGE_PRINT_STYLESHEET = "large-print.css"


COMPACT_STYLESHEET = "compact.css"


PREVIEW_STYLESHEET = "preview.css"


PAGE_SIZES = {"a4": "A4", "letter": "letter"}


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
        style: HandoutStyle | None = None,
        *,
        templates: Path | str | None = None,
        large_print: bool | None = None,
        paper: str | None = None,
        edition: str | None = None,
    ):
        self.config = config or ClinicConfig()
        self.style = style_of(self.config, style, templates=templates, large_print=large_print, paper=paper, edition=edition)
        self.templates = self.style.templates
        if self.templates is not None and not self.templates.is_dir():
            raise RenderError(f"the template folder {self.templates} does not exist")
        self.large_print = self.style.large_print
        self.paper = self.style.paper
        self.edition = self.style.edition
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
        """Everything the handout templates read: the page and clinic, the weeks, then the content."""
        program = fit_program(program)
        sessions_per_week = max((len(w.sessions) for w in program.weeks), default=0)
        return {
            **self._page_context(program, preview=preview),
            **_weeks_context(program, self.config.locale, sessions_per_week),
            **self._content_context(program, library, sessions_per_week),
        }

    def _page_context(self, program: Program, *, preview: bool) -> dict:
        """The patient, the clinic and how the page looks."""
        cfg = self.config
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
        }

    def _content_context(self, program: Program, library: Library, sessions_per_week: int) -> dict:
        """The pain rule, the chart, the exercise cards, the log and the notes for the clinician."""
        return {
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
            "log_column_kinds": _log_column_kinds(program, sessions_per_week),
            "reassess": next((w for w in program.weeks if w.number == program.reassessment_week), None),
            "check_ins": program.check_in_weeks,
            # For the clinician, before the handout is given (side: both with no screen recorded,
            # fewer exercise days than asked): on the cover so it cannot be missed, the
            # warnings preview, build and bulk give (shorter), never as a diagnosis.
            "clinician_notes": clinician.cover_warnings(program),
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


def _weeks_context(program: Program, locale: str, sessions_per_week: int) -> dict:
    """The plan's length and week, and the examples that explain reps, speed and holds."""
    first = program.weeks[0] if program.weeks else None
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
    return {
        "weeks_total": len(program.weeks),
        "last_week": program.weeks[-1].number if program.weeks else len(program.weeks),
        "months_total": max(1, round(len(program.weeks) / 4.33)),
        "sessions_per_week": sessions_per_week,
        "session_minutes": round(first.sessions[0].minutes) if first and first.sessions else None,
        "day_plan": day_plan(program, locale),
        "walk_minutes": _walk_minutes(program),
        "daily_names": daily_names,
        "daily_ladders": daily_ladders(program),
        "example_speed": example_speed,
        "example": example,
        "tempo": tempo,
        "tempo_parts": _tempo_parts(tempo or Tempo.parse("3-1-2-0")),
        "example_hold": _example_hold(program),
        "notation": notation(program),
    }


def render_html(
    program: Program,
    library: Library,
    config: ClinicConfig | None = None,
    *,
    style: HandoutStyle | None = None,
    templates: Path | str | None = None,
    large_print: bool | None = None,
    paper: str | None = None,
    edition: str | None = None,
) -> str:
    """The handout as one self-contained HTML page (styles and fonts inlined) for a browser.
    ``style`` (a HandoutStyle), or the separate options, say how it looks."""
    return HtmlBuilder(config, style, templates=templates, large_print=large_print, paper=paper, edition=edition).render(
        program, library
    )


def _log_column_kinds(program: Program, columns: int) -> list[str] | None:
    """The kind of day of each column of the compact log ("Strength A", "Short"), when every week
    has the same kind in the same column, for the column's heading; else None (each cell names
    its own). With five sessions a week, "Strength A Mon 5" in every cell cannot fit."""
    kinds: list[set[str]] = [set() for _ in range(columns)]
    for week in program.weeks:
        for n, session in enumerate(week.sessions[:columns]):
            kinds[n].add(getattr(session, "name", "Session").replace(" day", ""))
    if any(len(k) != 1 for k in kinds):
        return None
    return [next(iter(k)) for k in kinds]
