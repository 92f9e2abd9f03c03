"""`rehabplan patient new`: ask for the patient's fields with rich prompts and write the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from rich.console import Console
from rich.prompt import Confirm, IntPrompt, Prompt

from .errors import PatientError
from .files import atomic_write
from .models import AgeBand, Equipment, Irritability, Patient, Side, TrainingStatus


def interview(console: Console, output: Path, force: bool, config, library, protocols) -> Path:
    from .config import load_config
    from .library import load_library
    from .protocols import load_protocols

    if output.exists() and not force:
        from .errors import OutputExistsError

        raise OutputExistsError(f"{output} exists and was kept")
    cfg = load_config(config)
    lib = load_library(*(list(library or []) or cfg.library))
    protos = load_protocols(lib, *(list(protocols or []) or cfg.protocols))
    ids = list(protos.protocols)
    data: dict = {}
    data["id"] = Prompt.ask("Patient identifier (clinic record number)")
    data["name"] = Prompt.ask("Name to print on the handout")
    data["protocol"] = Prompt.ask("Protocol", choices=ids, default=ids[0])
    data["start_date"] = _ask_date("Start date (YYYY-MM-DD)")
    data["weeks"] = _ask_int("Weeks (4-24)", 12, 4, 24)
    data["sessions_per_week"] = _ask_int("Sessions per week (1-7)", 3, 1, 7)
    data["irritability"] = Prompt.ask("Irritability", choices=[e.value for e in Irritability], default="moderate")
    data["training_status"] = Prompt.ask("Training status", choices=[e.value for e in TrainingStatus], default="untrained")
    data["age_band"] = Prompt.ask("Age band (older = 65+)", choices=[e.value for e in AgeBand], default="adult")
    data["side"] = Prompt.ask("Affected side", choices=[e.value for e in Side])
    extra = [e.value for e in Equipment]
    eq = Prompt.ask(f"Equipment at home, comma separated ({', '.join(extra)})", default="")
    data["equipment"] = [x.strip() for x in eq.split(",") if x.strip()]
    ex = Prompt.ask("Exclusions, comma separated (e.g. floor, kneeling, balance)", default="")
    data["exclusions"] = [x.strip() for x in ex.split(",") if x.strip()]
    data["minutes"] = _ask_int("Minutes available per session", 30, 5, 180)
    clinician = Prompt.ask("Clinician", default=cfg.clinician or "")
    if clinician:
        data["clinician"] = clinician
    try:
        Patient.model_validate(data)
    except Exception as exc:  # pydantic's message names the field
        raise PatientError(f"the answers do not make a valid patient: {exc}") from None
    text = "# Written by 'rehabplan patient new'. Keys are the same as a roster's columns.\n"
    text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if Confirm.ask(f"Write {output}?", default=True):
        atomic_write(output, text.encode(), force=force)
        console.print(f"[green]wrote[/] {output}")
    return output


def _ask_int(question: str, default: int, lo: int, hi: int) -> int:
    while True:
        value = IntPrompt.ask(question, default=default)
        if lo <= value <= hi:
            return value
        print(f"Please enter a number from {lo} to {hi}.")


def _ask_date(question: str) -> str:
    while True:
        value = Prompt.ask(question, default=dt.date.today().isoformat())
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            print("Please write the date as YYYY-MM-DD, e.g. 2026-01-05.")
