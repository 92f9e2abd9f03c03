"""JSON Schemas of the files a clinic edits, for editors (yaml-language-server).

Every YAML file rehabplan writes starts with a ``# yaml-language-server: $schema=...`` line that
resolves where the file lives: to the clinic folder's ``schemas/`` (``rehabplan init`` writes it)
when there is one, else to the schema files installed with the package.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from rehabplan.resources import data_dir

if TYPE_CHECKING:
    from pydantic import BaseModel

KINDS = ("exercise", "protocol", "patient", "program", "config")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
FOLDER = "schemas"


def json_schema(kind: str) -> dict:
    """The JSON Schema of one kind of file, with ``$schema`` (the dialect) and ``$id``."""
    from rehabplan import models
    from rehabplan.sources.config import ClinicConfig

    kinds: dict[str, type[BaseModel]] = {
        "exercise": models.Exercise,
        "protocol": models.Protocol,
        "patient": models.Patient,
        "program": models.Program,
        "config": ClinicConfig,
    }
    model = kinds[kind]
    # A URN, not a made-up web address: the id names the schema without promising a download.
    return {"$schema": DIALECT, "$id": f"urn:rehabplan:schema:{kind}", **model.model_json_schema()}


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2) + "\n"


def write_schemas(folder: Path | str) -> list[Path]:
    """Write every kind's schema into ``folder`` (replacing older copies: they are generated)."""
    from rehabplan.outputs.files import atomic_write

    return [atomic_write(Path(folder) / f"{kind}.schema.json", schema_text(kind).encode(), force=True) for kind in KINDS]


def schema_location(kind: str, written: Path | str, config_file: Path | str | None = None) -> str:
    """Where the ``$schema`` line of a file written at ``written`` should point.

    The clinic folder's copy (beside its rehabplan.yaml) as a path relative to the file, so the
    folder can move; else the copy installed with the package, as a file:// URI."""
    written = Path(written).resolve()
    if config_file is not None:
        clinic = Path(config_file).resolve().parent / FOLDER / f"{kind}.schema.json"
        if clinic.is_file():
            return Path(os.path.relpath(clinic, written.parent)).as_posix()
    return (data_dir("docs") / f"{kind}.schema.json").resolve().as_uri()  # file:///…, also on Windows


def schema_line(kind: str, written: Path | str, config_file: Path | str | None = None) -> str:
    return f"# yaml-language-server: $schema={schema_location(kind, written, config_file)}\n"
