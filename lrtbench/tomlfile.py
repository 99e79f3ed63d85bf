"""Reading the project's TOML files (experiments, ledgers) with one-line errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from lrtbench.errors import LrtbenchError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def read_toml(path: Path, kind: str, error: type[LrtbenchError] = LrtbenchError) -> dict[str, Any]:
    """The parsed file; an unreadable file or malformed TOML raises ``error`` in one line
    naming the file (``kind`` says what the file should have been)."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise error(f"{path}: cannot read {kind} ({reason})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: malformed TOML: {exc}".replace("\n", " ")) from None
