"""Experiment files (TOML) validated into a list of cells.

An experiment is a grid: tasks x methods x hyperparameters, every cell trained for the same
seeds, steps and evaluation interval. Every problem in the file is reported as one line
naming the file and the key, never as a traceback.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lrtbench.errors import LrtbenchError
from lrtbench.methods import METHOD_NAMES
from lrtbench.tomlfile import read_toml

PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
#: A learning rate above this is a typo, and would overflow float32 in the fused step.
LearningRate = Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False)]
#: Sizes past these limits cannot fit this kind of machine; refuse them before allocating.
MAX_SEEDS = 100_000
MAX_WIDTH = 10_000


class ExperimentFile(BaseModel):
    """The schema of an experiment file; unknown keys are errors, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    tasks: list[str] = Field(min_length=1)
    methods: list[str] = Field(min_length=1)
    lr: list[LearningRate] = Field(min_length=1)
    meta_lr: list[LearningRate] | None = Field(
        default=None, description="LRT meta learning rates; omitted means equal to lr"
    )
    per_example: list[bool] = Field(default=[False], min_length=1)
    seeds: int = Field(
        gt=0, le=MAX_SEEDS, description="number of seeds; runs use seed_start .. +seeds-1"
    )
    seed_start: int = Field(default=0, ge=0)
    steps: int = Field(gt=0)
    eval_every: int = Field(gt=0)
    batch_size: int = Field(default=50, gt=0)
    hidden: list[int] = Field(default=[10])
    init: Literal["paper", "standard"] = "paper"
    dim: int | None = Field(
        default=None, gt=0, le=MAX_WIDTH, description="input dimension override"
    )
    data_seed: int = Field(default=0, ge=0)
    dtype: Literal["float32", "float64"] = "float32"
    explode_factor: PositiveFloat = 1e3

    @field_validator("methods")
    @classmethod
    def known_methods(cls, methods: list[str]) -> list[str]:
        for method in methods:
            if method not in METHOD_NAMES:
                raise ValueError(f"unknown method {method!r}; known: {', '.join(METHOD_NAMES)}")
        return methods

    @field_validator("hidden")
    @classmethod
    def positive_widths(cls, hidden: list[int]) -> list[int]:
        if any(width <= 0 or width > MAX_WIDTH for width in hidden):
            raise ValueError(f"hidden layer widths must be between 1 and {MAX_WIDTH}")
        return hidden


@dataclass(frozen=True)
class Cell:
    """One (task, method, hyperparameters) combination, trained for every seed."""

    experiment: str
    task: str
    method: str
    lr: float
    meta_lr: float | None
    per_example: bool
    seeds: tuple[int, ...]
    steps: int
    eval_every: int
    batch_size: int
    hidden: tuple[int, ...]
    init: str
    dim: int | None
    data_seed: int
    dtype: str
    explode_factor: float

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def cell_id(self) -> str:
        """Readable and unique: a digest of every field makes a changed config a new cell."""
        digest = hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()
        parts = [self.task, self.method, f"lr{self.lr:g}"]
        if self.meta_lr is not None:
            parts.append(f"meta{self.meta_lr:g}")
        if self.per_example:
            parts.append("per-example")
        return "__".join(parts) + "__" + digest[:10]

    @property
    def label(self) -> str:
        """Short human-readable name of the cell's method and hyperparameters."""
        extra = " per-example" if self.per_example else ""
        meta = "" if self.meta_lr is None or self.meta_lr == self.lr else f" meta={self.meta_lr:g}"
        return f"{self.method} lr={self.lr:g}{meta}{extra}"


def describe_error(path: Path, error: ValidationError) -> str:
    """First validation problem as ``file: key: message``; an unknown key comes first, since
    a misspelt key also shows up as a missing one."""
    first = min(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required key is missing"
    return f"{path}: {key}: {message}"


def read_experiment(path: Path) -> ExperimentFile:
    """Parse and validate an experiment file, raising LrtbenchError with one line on failure."""
    raw = read_toml(path, "experiment file")
    try:
        experiment = ExperimentFile.model_validate(raw)
    except ValidationError as exc:
        raise LrtbenchError(describe_error(path, exc)) from None
    check_tasks_exist(path, experiment)
    return experiment


def check_tasks_exist(path: Path, experiment: ExperimentFile) -> None:
    """Every named task must have a card that loads for the requested dimension and enough
    training examples for one batch."""
    from lrtbench.tasks import TaskCardError, load_task

    for i, task in enumerate(experiment.tasks):
        try:
            card = load_task(task, dim=experiment.dim)
        except TaskCardError as exc:
            raise LrtbenchError(f"{path}: tasks[{i}]: {exc}") from None
        if card.splits.train < experiment.batch_size:
            raise LrtbenchError(
                f"{path}: batch_size: {experiment.batch_size} exceeds the "
                f"{card.splits.train} training examples of task {task!r}"
            )


def expand_cells(experiment: ExperimentFile) -> list[Cell]:
    """The grid as cells; SGD takes no meta learning rate and no per-example option."""
    seeds = tuple(range(experiment.seed_start, experiment.seed_start + experiment.seeds))
    shared = dict(
        experiment=experiment.name,
        seeds=seeds,
        steps=experiment.steps,
        eval_every=experiment.eval_every,
        batch_size=experiment.batch_size,
        hidden=tuple(experiment.hidden),
        init=experiment.init,
        dim=experiment.dim,
        data_seed=experiment.data_seed,
        dtype=experiment.dtype,
        explode_factor=experiment.explode_factor,
    )
    cells: list[Cell] = []
    for task in experiment.tasks:
        for method in experiment.methods:
            for lr in experiment.lr:
                if method == "sgd":
                    variants = [(None, False)]
                else:
                    metas = experiment.meta_lr or [lr]
                    variants = [(m, pe) for m in metas for pe in experiment.per_example]
                for meta_lr, per_example in variants:
                    cell = Cell(
                        task=task,
                        method=method,
                        lr=lr,
                        meta_lr=meta_lr,
                        per_example=per_example,
                        **shared,
                    )
                    if cell not in cells:
                        cells.append(cell)
    return cells


def cell_ids_of(path: Path | str | None) -> set[str] | None:
    """Cell ids of an experiment file, or None without one: lets an analysis keep to the
    cells of the current experiment in a results folder that also holds older ones."""
    if not path:
        return None
    return {cell.cell_id for cell in load_cells(Path(path))[1]}


def load_cells(path: Path) -> tuple[ExperimentFile, list[Cell]]:
    """Read, validate and expand an experiment file; checks ``eval_every`` divides ``steps``."""
    experiment = read_experiment(path)
    if experiment.steps % experiment.eval_every:
        raise LrtbenchError(f"{path}: eval_every: must divide steps ({experiment.steps})")
    return experiment, expand_cells(experiment)
