"""What every model shares: strict, frozen-by-convention pydantic models and the id and text types."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

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


# Characters no text of a handout, a terminal line or an SVG may carry: C0 controls but tab and
# line breaks (ESC, BEL, NUL: a terminal obeys them; XML refuses them), DEL and C1 controls, and
# the bidirectional overrides and isolates that make text read differently from what it says.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def refuse_control(value: Any) -> Any:
    """``value`` unchanged, or ValueError naming the first control character in a text of it."""
    texts = (
        [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] if isinstance(value, list | tuple) else []
    )
    if isinstance(value, dict):
        texts = [t for kv in value.items() for t in kv if isinstance(t, str)]
    for text in texts:
        found = CONTROL.search(text)
        if found:
            raise ValueError(
                f"contains the control character U+{ord(found.group()):04X}, which would print as something "
                "else or hide text; delete it"
            )
    return value


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        return refuse_control(value)


# --------------------------------------------------------------------------- exercise library
