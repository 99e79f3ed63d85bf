"""The task registry: synthetic data sets declared by TOML cards in ``datasets/``.

``load_task`` finds and validates a card, ``generate`` draws its data for a seed, and the
checksum helpers pin that data so that any change to it is noticed. See ``card`` for the
card format and ``formula`` for the formula language.
"""

from lrtbench.tasks.card import InputSpec, Splits, TaskCard, load_card_file
from lrtbench.tasks.checksums import (
    CHECKSUM_FILE,
    task_checksum,
    verify_checksums,
    write_checksums,
)
from lrtbench.tasks.errors import TaskCardError, UnknownTaskError
from lrtbench.tasks.formula import Formula, FormulaError, parse_formula
from lrtbench.tasks.generate import TaskData, generate
from lrtbench.tasks.registry import builtin_dir, list_tasks, load_task

__all__ = [
    "CHECKSUM_FILE",
    "Formula",
    "FormulaError",
    "InputSpec",
    "Splits",
    "TaskCard",
    "TaskCardError",
    "TaskData",
    "UnknownTaskError",
    "builtin_dir",
    "generate",
    "list_tasks",
    "load_card_file",
    "load_task",
    "parse_formula",
    "task_checksum",
    "verify_checksums",
    "write_checksums",
]
