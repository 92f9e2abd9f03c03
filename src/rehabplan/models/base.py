"""What every model shares: strict, frozen-by-convention pydantic models and the id and text types."""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

PROGRAM_SCHEMA_VERSION: Final = "1.0"

Id = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length=64,
        description="stable id: lower-case words joined by hyphens, e.g. glute-bridge",
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=600)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- exercise library
