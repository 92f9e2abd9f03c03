"""Patients: a YAML file (or a roster row) -> a validated Patient.

The keys are the same everywhere: patient YAML, roster CSV header, command-line overrides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rehabplan.errors import PatientError, Problem, count
from rehabplan.models import Patient
from rehabplan.sources.parse import parse_data, parse_located
from rehabplan.sources.yaml_file import load_yaml

PATIENT_FIELDS = list(Patient.model_fields)


def load_patient(path: Path | str, overrides: dict[str, Any] | None = None) -> Patient:
    """Read a patient file; ``overrides`` (e.g. from command-line options) replace single fields."""
    path = Path(path)
    located, problems = load_yaml(path)
    if located is None:
        raise PatientError(f"the patient file {path} cannot be read", problems)
    if overrides and isinstance(located.data, dict):
        located.data.update({k: v for k, v in overrides.items() if v is not None})
    patient, problems = parse_located(located, Patient)
    if patient is None:
        raise PatientError(f"the patient file {path} has {count(len(problems), 'problem')}", problems)
    return patient


def patient_from_row(row: dict[str, Any], source: str, line: int | None) -> Patient:
    """A roster row (CSV cells are text; empty cells mean 'use the default')."""
    data = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
    data = {k: v for k, v in data.items() if v not in ("", None)}
    patient, problems = parse_data(data, Patient, source, lambda loc: line)
    if patient is None:
        raise PatientError(f"{source}: row has {count(len(problems), 'problem')}", problems)
    return patient


def problem(message: str, fix: str = "") -> Problem:
    return Problem(None, None, "", message, fix)
