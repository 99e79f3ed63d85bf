"""Exceptions of the task registry.

Every problem with a task card surfaces as one ``TaskCardError`` whose message is a single
line of the form ``<file>: <key path>: <what is wrong>``, so a user editing a card sees at
once where to look, and a CLI can print it without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class TaskCardError(ValueError):
    """A task card is malformed, inconsistent, or produces unusable data."""


class UnknownTaskError(TaskCardError):
    """No card carries the requested task name."""


def one_line(text: str) -> str:
    """Collapse whitespace runs (newlines included) so a message fits on one line."""
    return " ".join(str(text).split())


def card_error(path: Path | str, key: str, message: str) -> TaskCardError:
    """A ``TaskCardError`` for ``key`` of the card at ``path``; an empty key names the file only."""
    where = f"{path}: {key}: " if key else f"{path}: "
    return TaskCardError(one_line(where + message))
