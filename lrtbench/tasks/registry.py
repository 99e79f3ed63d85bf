"""Finding task cards by name: the built-in ones and those in a user's folder.

Built-in cards live in the top-level ``datasets/`` folder, which an installed lrtbench
ships as the package ``lrtbench.cards``. In a checkout used through ``PYTHONPATH`` that
package does not exist, so the folder next to the ``lrtbench`` package is used instead.

Task names key every stored result, so a name must mean one card: a user card with the
name of another card in a different file is an error rather than a silent override.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import lrtbench
from lrtbench.tasks.card import TaskCard, load_card_file
from lrtbench.tasks.errors import TaskCardError, UnknownTaskError

__all__ = ["builtin_dir", "card_paths", "list_tasks", "load_task"]

CARD_SUFFIX = ".toml"


def builtin_dir() -> Path:
    """The folder holding the built-in cards and their ``checksums.json``."""
    try:
        root = resources.files("lrtbench.cards")
    except ImportError:
        root = None
    if isinstance(root, Path) and root.is_dir():
        return root
    return Path(lrtbench.__file__).resolve().parents[1] / "datasets"


def card_paths(search_dir: Path | None = None) -> dict[str, Path]:
    """Every card file by task name: the built-in ones, then those in ``search_dir``."""
    folders = [builtin_dir()]
    if search_dir is not None:
        search_dir = Path(search_dir)
        if not search_dir.is_dir():
            raise TaskCardError(f"{search_dir}: not a folder of task cards")
        folders.append(search_dir)
    found: dict[str, Path] = {}
    for folder in folders:
        for path in sorted(folder.glob(f"*{CARD_SUFFIX}")):
            other = found.setdefault(path.stem, path)
            if other.resolve() != path.resolve():
                raise TaskCardError(f"task '{path.stem}' is defined twice: {other} and {path}")
    return found


def list_tasks(search_dir: Path | None = None) -> list[TaskCard]:
    """All cards (built-in and in ``search_dir``), validated, sorted by name."""
    return [load_card_file(path) for _, path in sorted(card_paths(search_dir).items())]


def load_task(name: str, dim: int | None = None, search_dir: Path | None = None) -> TaskCard:
    """The card called ``name``, with ``inputs.dim`` replaced by ``dim`` when given."""
    paths = card_paths(search_dir)
    if name not in paths:
        raise UnknownTaskError(f"unknown task {name!r}; known: {', '.join(sorted(paths))}")
    return load_card_file(paths[name], dim=dim)
