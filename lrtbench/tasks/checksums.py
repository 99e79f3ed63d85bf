"""Checksums of every task's data, so a change to a card or to generation cannot go unseen.

Each folder of cards may hold a ``checksums.json``: ``{"<task>": "<sha256 hex>", ...}`` at
seed 0 and the card's own input dimension. The hash covers the six arrays after rounding
to 9 decimals, which absorbs last-bit differences between math libraries while catching
any real change in the data.

Check the built-in cards, or rewrite their checksums after an intended change::

    python -m lrtbench.tasks            # exit status 1 if any mismatch
    python -m lrtbench.tasks --write
    python -m lrtbench.tasks --dir my_cards --write   # a folder of user cards
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lrtbench.tasks.card import TaskCard
from lrtbench.tasks.generate import generate
from lrtbench.tasks.registry import builtin_dir, list_tasks

__all__ = [
    "CHECKSUM_FILE",
    "checksum_file",
    "read_checksums",
    "task_checksum",
    "verify_checksums",
    "write_checksums",
]

CHECKSUM_NAME = "checksums.json"
#: The checksums of the built-in cards.
CHECKSUM_FILE = builtin_dir() / CHECKSUM_NAME


def checksum_file(folder: Path) -> Path:
    """Where the checksums of the cards in ``folder`` are kept."""
    return Path(folder) / CHECKSUM_NAME


def task_checksum(card: TaskCard, seed: int = 0) -> str:
    """SHA-256 (hex) of the task's six arrays at ``seed``, rounded to 9 decimals.

    Each array is rounded, has 0.0 added (so -0.0 and 0.0 hash alike), and is hashed as
    little-endian float64 in C order, in the order of ``TaskData.arrays()``.
    """
    digest = hashlib.sha256()
    for array in generate(card, seed).arrays():
        rounded = np.round(array, 9) + 0.0
        digest.update(np.ascontiguousarray(rounded, dtype="<f8").tobytes())
    return digest.hexdigest()


def read_checksums(path: Path) -> dict[str, str]:
    """The checksums stored at ``path``; none if the file does not exist."""
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def verify_checksums(search_dir: Path | None = None) -> list[str]:
    """Names of the tasks whose data does not match the stored checksum, or that have none.

    Covers the built-in cards and those in ``search_dir``; each card is checked against
    the ``checksums.json`` next to it.
    """
    stored: dict[Path, dict[str, str]] = {}
    failed = []
    for card in list_tasks(search_dir):
        path = checksum_file(card.path.parent)
        if path not in stored:
            stored[path] = read_checksums(path)
        if stored[path].get(card.name) != task_checksum(card):
            failed.append(card.name)
    return failed


def write_checksums(search_dir: Path | None = None) -> Path:
    """Write the checksums of the cards in ``search_dir`` (default: the built-in cards).

    Returns the file written; keys are sorted and indented so diffs stay readable.
    """
    folder = (builtin_dir() if search_dir is None else Path(search_dir)).resolve()
    cards = [card for card in list_tasks(search_dir) if card.path.parent.resolve() == folder]
    path = checksum_file(folder)
    checksums = {card.name: task_checksum(card) for card in cards}
    path.write_text(json.dumps(checksums, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lrtbench.tasks",
        description="Check (default) or rewrite the checksums of the task cards.",
    )
    parser.add_argument("--write", action="store_true", help="rewrite checksums.json")
    parser.add_argument("--dir", type=Path, default=None, help="a folder of user cards")
    args = parser.parse_args(argv)
    if args.write:
        print(f"wrote {write_checksums(args.dir)}")
        return 0
    failed = verify_checksums(args.dir)
    if failed:
        print(f"checksum mismatch or missing: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("all task checksums match")
    return 0
