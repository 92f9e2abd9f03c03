"""Where a file's '# yaml-language-server: $schema=…' line points (a relative path or file:// URI)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname


def schema_target(path: Path) -> Path:
    first = Path(path).read_text().splitlines()[0]
    m = re.match(r"# yaml-language-server: \$schema=(\S+)$", first)
    assert m, f"{path}: first line should name its schema, found {first!r}"
    value = m.group(1)
    if value.startswith("file://"):
        return Path(url2pathname(urlparse(value).path))
    return (Path(path).parent / value).resolve()
