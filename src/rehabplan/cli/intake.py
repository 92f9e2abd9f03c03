"""`rehabplan patient new`: ask for the patient's fields and write a file later commands accept.

Each answer is checked as it is typed (a wrong one is asked again with what would be right):
choices come as a numbered list and take the number or the word in any case; equipment and
exclusions come from the library's own vocabulary, with "did you mean". Before anything is
written the whole patient is planned, so the file never fails at `build` later.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm, Prompt

from rehabplan.errors import OutputExistsError, PatientError
from rehabplan.models import AgeBand, Category, Equipment, Irritability, Patient, Side, TrainingStatus
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
    from rehabplan.planning.planner import plan
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
    ask = _Asker(console)

    data: dict = {}
    data["id"] = ask.text("Patient identifier (clinic record number)", max_len=80)
    data["name"] = ask.text("Name to print on the handout", max_len=120)
    data["protocol"] = ask.choice("Protocol", [(p.id, p.name) for p in protos], default=next(iter(protos.protocols)))
    data["start_date"] = ask.date("Start date (YYYY-MM-DD)")
    data["weeks"] = ask.number("Weeks (4-24)", 12, 4, 24)
    data["sessions_per_week"] = ask.number("Sessions per week (1-7)", 3, 1, 7)
    data["irritability"] = ask.choice("Irritability", _described(Irritability), default="moderate")
    data["training_status"] = ask.choice("Training status", _described(TrainingStatus), default="untrained")
    data["age_band"] = ask.choice("Age band", _described(AgeBand), default="adult")
    data["side"] = ask.choice("Affected side", [(s.value, "") for s in Side])
    data["equipment"] = ask.words(
        "Equipment at home beyond mat, chair, wall, towel and a step (comma separated, Enter = none)",
        [e.value for e in Equipment],
    )
    data["exclusions"] = ask.words(
        "Exclusions: what the patient cannot do (comma separated, e.g. floor, kneeling; Enter = none)", _exclusion_words(lib)
    )
    data["minutes"] = ask.number("Minutes available per session", 30, 5, 180)
    clinician = ask.text("Clinician", default=cfg.clinician or "", required=False, max_len=120)
    if clinician:
        data["clinician"] = clinician

    # Plan the whole patient now: a file that `build` would reject is never written.
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

    text = schema_line("patient", output, cfg.source)
    text += "# Written by 'rehabplan patient new'. Keys are the same as a roster's columns.\n"
    text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if not Confirm.ask(f"Write {output}?", default=True, console=console):
        console.print("Nothing written.")
        return None
    atomic_write(output, text.encode(), force=force)
    console.print(f"[green]wrote[/] {escape(str(output))}")
    return output


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

    def date(self, question: str) -> dt.date:
        while True:
            typed = self._ask(question, dt.date.today().isoformat())
            try:
                return dt.date.fromisoformat(typed)
            except ValueError:
                self._again("Please write the date as YYYY-MM-DD, e.g. 2026-01-05.")

    def words(self, question: str, vocabulary: list[str]) -> list[str]:
        known = {w.lower(): w for w in vocabulary}
        while True:
            typed = self._ask(question, "")
            items = [w.strip() for w in typed.replace(";", ",").split(",") if w.strip()]
            norm = [known.get(w.lower()) or known.get(w.lower().replace(" ", "-").replace("_", "-")) for w in items]
            unknown = [w for w, n in zip(items, norm) if n is None]
            if not unknown:
                return list(dict.fromkeys(n for n in norm if n is not None))
            parts = []
            for w in unknown:
                guess = difflib.get_close_matches(w.lower(), list(known), n=1)
                parts.append(f"'{w}'" + (f" (did you mean '{known[guess[0]]}'?)" if guess else ""))
            sample = ", ".join(vocabulary[:12]) + (", …" if len(vocabulary) > 12 else "")
            self._again(f"Not known: {', '.join(parts)}. Known words: {sample}")
