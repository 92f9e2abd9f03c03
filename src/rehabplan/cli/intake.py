"""`rehabplan patient new`: ask for the patient's fields and write a file later commands accept.

Each answer is checked as it is typed (a wrong one is asked again with what would be right):
choices come as a numbered list and take the number or the word in any case (the protocol has
no default: it is the clinician's decision); equipment and exclusions come from the library's
own vocabulary, with everyday synonyms (theraband = band, dumbbells = weight) and "did you
mean", and the full list of known words when one is not known. Names must look like names;
dates are ISO or the clinic's `date_format`. A summary comes before anything is written, and
any answer can be changed from it. Before anything is written the whole patient is planned, so
the file never fails at `build` later.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.markup import escape
from rich.prompt import Prompt

from rehabplan.errors import OutputExistsError, PatientError
from rehabplan.models import AgeBand, Category, Equipment, Irritability, Patient, Side, TrainingStatus
from rehabplan.models.patient import EQUIPMENT_SYNONYMS, equipment_word, parse_date
from rehabplan.outputs.files import atomic_write

HINTS = {
    "high": "pain flares easily and settles slowly: the gentlest start",
    "moderate": "the usual starting dose",
    "low": "pain settles quickly: a firmer start",
    "untrained": "not used to strength exercise",
    "trained": "already does strength exercise",
    "adult": "under 65",
    "older": "65 or over: longer stretch holds",
}


def interview(console: Console, output: Path, force: bool, config, library, protocols) -> Path | None:
    from rehabplan.outputs.schemas import schema_line
    from rehabplan.sources.config import load_config
    from rehabplan.sources.library import load_library
    from rehabplan.sources.protocols import load_protocols

    if output.exists() and not force:
        raise OutputExistsError(f"{output} exists and was kept")
    cfg = load_config(config)
    from rehabplan.cli.commands import err
    from rehabplan.cli.config_notes import say_config

    say_config(err, cfg)
    lib = load_library(*(list(library or []) or cfg.library))
    protos = load_protocols(lib, *(list(protocols or []) or cfg.protocols))
    questions = _questions(_Asker(console), cfg, lib, protos)
    data: dict = {}
    for key, _, question in questions:
        data[key] = question()
    if not _confirmed(console, output, questions, data):
        console.print("Nothing written.")
        return None
    if not data.get("clinician"):
        data.pop("clinician", None)
    _check_plannable(data, lib, protos)
    text = schema_line("patient", output, cfg.source)
    text += "# Written by 'rehabplan patient new'. Keys are the same as a roster's columns.\n"
    text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    atomic_write(output, text.encode(), force=force)
    console.print(f"[green]wrote[/] {escape(str(output))}")
    return output


def _questions(ask: _Asker, cfg, lib, protos) -> list[tuple[str, str, Callable[[], Any]]]:
    """(key, label, how to ask): asked in this order, and again one by one from the summary."""
    date_format = getattr(cfg, "date_format", "iso")
    date_hint = {"dmy": "DD/MM/YYYY or YYYY-MM-DD", "mdy": "MM/DD/YYYY or YYYY-MM-DD"}.get(date_format, "YYYY-MM-DD")
    equipment = [e.value for e in Equipment]
    return [
        ("id", "Identifier", lambda: ask.text("Patient identifier (clinic record number)", max_len=80)),
        ("name", "Name", lambda: ask.name("Name to print on the handout")),
        (
            "protocol",
            "Protocol",
            # No default: the protocol is the clinician's decision, never the Enter key's.
            lambda: ask.choice("Protocol (the condition this plan treats)", [(p.id, p.name) for p in protos]),
        ),
        ("start_date", "Start date", lambda: ask.date(f"Start date ({date_hint})", date_format)),
        ("weeks", "Weeks", lambda: ask.number("Weeks (4-24)", 12, 4, 24)),
        ("sessions_per_week", "Sessions a week", lambda: ask.number("Sessions per week (1-7)", 3, 1, 7)),
        ("irritability", "Irritability", lambda: ask.choice("Irritability", _described(Irritability), default="moderate")),
        (
            "training_status",
            "Training status",
            lambda: ask.choice("Training status", _described(TrainingStatus), default="untrained"),
        ),
        ("age_band", "Age band", lambda: ask.choice("Age band", _described(AgeBand), default="adult")),
        ("side", "Side", lambda: ask.choice("Affected side", [(s.value, "") for s in Side])),
        (
            "equipment",
            "Equipment",
            lambda: ask.words(
                "Equipment at home beyond mat, chair, wall, towel and a step (comma separated, Enter = none)",
                equipment,
                synonyms=EQUIPMENT_SYNONYMS,
            ),
        ),
        (
            "exclusions",
            "Exclusions",
            lambda: ask.words(
                "Exclusions: what the patient cannot do (comma separated, e.g. floor, kneeling; Enter = none)",
                _exclusion_words(lib),
                synonyms=EQUIPMENT_SYNONYMS,
            ),
        ),
        ("minutes", "Minutes a session", lambda: ask.number("Minutes available per session", 30, 5, 180)),
        (
            "clinician",
            "Clinician",
            lambda: ask.name("Clinician (name, and role if you like)", default=cfg.clinician or "", required=False),
        ),
    ]


def _confirmed(console: Console, output: Path, questions: list[tuple[str, str, Callable[[], Any]]], data: dict) -> bool:
    """A summary before anything is written; any answer can be changed by its number. False = quit."""
    while True:
        console.print("\n[bold]The patient file will say:[/]")
        for i, (key, label, _) in enumerate(questions, 1):
            value = data.get(key)
            shown = ", ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
            console.print(f"  {i:>2}. {label}: {escape(shown) or '[dim](none)[/]'}")
        typed = (
            Prompt.ask(
                f"Write {escape(str(output))}? y = write, a number = change that answer, q = quit without writing",
                console=console,
                default="y",
            )
            .strip()
            .lower()
        )
        if typed in ("y", "yes"):
            return True
        if typed in ("q", "quit", "n", "no"):
            return False
        if typed.isdigit() and 1 <= int(typed) <= len(questions):
            key, _, question = questions[int(typed) - 1]
            data[key] = question()
            continue
        console.print(f"[yellow]Please type y, q, or a number from 1 to {len(questions)}.[/]")


def _check_plannable(data: dict, lib, protos) -> None:
    """Plan the whole patient now: a file that `build` would reject is never written."""
    from rehabplan.planning.planner import plan
    from rehabplan.sources.parse import parse_data

    patient, problems = parse_data(data, Patient, None)
    if patient is None:
        raise PatientError("these answers do not make a valid patient; nothing was written", problems)
    try:
        plan(lib, protos[patient.protocol], patient)
    except PatientError as exc:
        raise PatientError(
            f"a program cannot be planned from these answers ({exc.message}); nothing was written", exc.problems
        ) from None


def _described(enum) -> list[tuple[str, str]]:
    return [(e.value, HINTS.get(e.value, "")) for e in enum]


def _exclusion_words(library) -> list[str]:
    # The same vocabulary the planner understands (planner._check_exclusions): tags,
    # equipment, categories and exercise ids.
    words = {e.value for e in Equipment} | {c.value.replace("_", "-") for c in Category}
    words |= {t for ex in library.exercises.values() for t in ex.tags}
    return sorted(words) + sorted(set(library.exercises) - words)  # the short words first


class _Asker:
    """Prompts that accept only a valid answer, and say what a valid one looks like."""

    def __init__(self, console: Console):
        self.console = console

    def _ask(self, question: str, default: str | None = None) -> str:
        kw: dict[str, Any] = {"default": default, "show_default": bool(default)} if default is not None else {}
        return Prompt.ask(question, console=self.console, **kw).strip()

    def _again(self, message: str) -> None:
        self.console.print(f"[yellow]{escape(message)}[/]")

    def text(self, question: str, *, default: str | None = None, required: bool = True, max_len: int = 120) -> str:
        while True:
            value = self._ask(question, default)
            if not value and required:
                self._again("Please type something: this cannot be empty.")
            elif len(value) > max_len:
                self._again(f"Please keep it to {max_len} characters (this is {len(value)}).")
            else:
                return value

    def name(self, question: str, *, default: str | None = None, required: bool = True) -> str:
        """A person's name: letters, perhaps with a role after a comma; never a bare number."""
        while True:
            value = self.text(question, default=default, required=required)
            if not value or sum(c.isalpha() for c in value) >= 2 and not any(c.isdigit() for c in value.split(",")[0]):
                return value
            self._again(f"'{value}' does not look like a name. Please type a name, e.g. Sam Rivera, physiotherapist.")

    def choice(self, question: str, options: list[tuple[str, str]], default: str | None = None) -> str:
        values = [v for v, _ in options]
        for i, (value, hint) in enumerate(options, 1):
            self.console.print(f"  {i}. {escape(value)}" + (f" [dim]— {escape(hint)}[/]" if hint else ""))
        while True:
            typed = self._ask(f"{question} [1-{len(values)}]", default)
            lowered = typed.lower()
            if typed.isdigit() and 1 <= int(typed) <= len(values):
                return values[int(typed) - 1]
            exact = [v for v in values if v.lower() == lowered]
            starts = [v for v in values if lowered and v.lower().startswith(lowered)]
            if exact or len(starts) == 1:
                return (exact or starts)[0]
            guess = difflib.get_close_matches(lowered, values, n=1)
            hint = f" Did you mean '{guess[0]}'?" if guess else ""
            self._again(f"Please type a number from 1 to {len(values)}, or one of: {', '.join(values)}.{hint}")

    def number(self, question: str, default: int, lo: int, hi: int) -> int:
        while True:
            typed = self._ask(question, str(default))
            try:
                value = int(typed)
            except ValueError:
                self._again(f"Please type a whole number from {lo} to {hi}.")
                continue
            if lo <= value <= hi:
                return value
            self._again(f"Please type a number from {lo} to {hi}.")

    def date(self, question: str, date_format: str = "iso") -> dt.date:
        today = dt.date.today()
        shown = {"dmy": today.strftime("%d/%m/%Y"), "mdy": today.strftime("%m/%d/%Y")}.get(date_format, today.isoformat())
        while True:
            typed = self._ask(question, shown)
            try:
                return parse_date(typed, date_format)
            except ValueError as exc:
                self._again(f"{exc}.")

    def words(self, question: str, vocabulary: list[str], synonyms: dict[str, str] | None = None) -> list[str]:
        known = {w.lower(): w for w in vocabulary}
        # Everyday names ('theraband', 'dumbbells') mean the library's word when it knows it.
        aliases = {k: known[v] for k, v in (synonyms or {}).items() if v in known}
        while True:
            typed = self._ask(question, "")
            items = [w.strip() for w in typed.replace(";", ",").split(",") if w.strip()]
            norm = [
                known.get(w.lower())
                or known.get(w.lower().replace(" ", "-").replace("_", "-"))
                or aliases.get(" ".join(w.lower().split()))
                or known.get(equipment_word(w))
                for w in items
            ]
            unknown = [w for w, n in zip(items, norm) if n is None]
            if not unknown:
                return list(dict.fromkeys(n for n in norm if n is not None))
            parts = []
            for w in unknown:
                guess = difflib.get_close_matches(w.lower(), [*known, *aliases], n=1)
                word = (known.get(guess[0]) or aliases.get(guess[0])) if guess else None
                parts.append(f"'{w}'" + (f" (did you mean '{word}'?)" if word else ""))
            said = ", ".join(vocabulary)
            also = sorted(k for k in aliases if k not in known)
            also_said = f" Also understood: {', '.join(f'{k} = {aliases[k]}' for k in also)}." if also else ""
            self._again(f"Not known: {', '.join(parts)}. Known words: {said}.{also_said}")
