"""Drawing a task's data: a pure function of the card and a seed.

Randomness comes only from ``np.random.SeedSequence`` streams rooted at the seed and a
CRC-32 of the task name (stable across processes and machines, unlike ``hash()``). The
root is spawned into one child per split, and each split draws its inputs and then its
noise from its own generator, so the size of one split never changes another split's
data, and two tasks with the same seed do not share inputs.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from lrtbench.tasks.card import SPLIT_NAMES, InputSpec, TaskCard
from lrtbench.tasks.errors import card_error

__all__ = ["TaskData", "generate", "split_streams"]


@dataclass(frozen=True, eq=False)
class TaskData:
    """The three splits of a task as float64 arrays.

    ``x_*`` have shape ``(n, input_dim)``; ``y_*`` have shape ``(n, output_dim)``: the
    regression targets, or one-hot class indicators for classification.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def input_dim(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def output_dim(self) -> int:
        return int(self.y_train.shape[1])

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The six arrays in the fixed order x_train, y_train, x_val, y_val, x_test, y_test."""
        return (self.x_train, self.y_train, self.x_val, self.y_val, self.x_test, self.y_test)


def split_streams(name: str, seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per split for task ``name`` and ``seed``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    root = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(name.encode("utf-8")),))
    children = root.spawn(len(SPLIT_NAMES))
    return {
        split: np.random.Generator(np.random.PCG64(child))
        for split, child in zip(SPLIT_NAMES, children, strict=True)
    }


def _draw_inputs(inputs: InputSpec, rng: np.random.Generator, n: int) -> np.ndarray:
    shape = (n, inputs.dim)
    if inputs.distribution == "uniform":
        return rng.uniform(inputs.low, inputs.high, size=shape)
    return rng.normal(inputs.mean, inputs.std, size=shape)


def _formula_values(card: TaskCard, x: np.ndarray) -> np.ndarray:
    """Each formula at every row of ``x``, as columns; non-finite values are an error."""
    values = np.stack([formula.evaluate(x) for formula in card.parsed], axis=1)
    for key, column in zip(card.target_keys, values.T, strict=True):
        bad = int(np.count_nonzero(~np.isfinite(column)))
        if bad:
            message = f"formula gives non-finite values on {bad} of {len(column)} inputs"
            raise card_error(card.path, key, message)
    return values


def _regression_targets(card: TaskCard, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    targets = _formula_values(card, x)
    if card.noise > 0:
        targets = targets + rng.normal(0.0, card.noise, size=targets.shape)
    return targets


def _classification_targets(card: TaskCard, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    assert card.classes is not None
    labels = np.rint(_formula_values(card, x)[:, 0])
    outside = (labels < 0) | (labels >= card.classes)
    if outside.any():
        found = ", ".join(f"{value:g}" for value in np.unique(labels[outside])[:5])
        message = f"labels must be class indices 0..{card.classes - 1}, got {found}"
        raise card_error(card.path, "target.label", message)
    labels = labels.astype(np.int64)
    if card.noise > 0:
        replace = rng.random(len(labels)) < card.noise
        random_labels = rng.integers(0, card.classes, size=len(labels))
        labels = np.where(replace, random_labels, labels)
    return np.eye(card.classes, dtype=np.float64)[labels]


def _check_disjoint(card: TaskCard, inputs: dict[str, np.ndarray]) -> None:
    """Raise if an input row occurs in two splits (adding 0.0 equates -0.0 with 0.0)."""
    rows = {split: {row.tobytes() for row in x + 0.0} for split, x in inputs.items()}
    for i, first in enumerate(SPLIT_NAMES):
        for second in SPLIT_NAMES[i + 1 :]:
            shared = len(rows[first] & rows[second])
            if shared:
                message = f"{first} and {second} share {shared} input rows; splits must be disjoint"
                raise card_error(card.path, "splits", message)


def generate(card: TaskCard, seed: int) -> TaskData:
    """Draw the train, validation and test splits of ``card`` for ``seed``."""
    targets = _regression_targets if card.kind == "regression" else _classification_targets
    inputs: dict[str, np.ndarray] = {}
    outputs: dict[str, np.ndarray] = {}
    streams = split_streams(card.name, seed)
    for split, size in card.splits.sizes().items():
        rng = streams[split]
        inputs[split] = _draw_inputs(card.inputs, rng, size)
        outputs[split] = targets(card, inputs[split], rng)
    _check_disjoint(card, inputs)
    return TaskData(
        x_train=inputs["train"],
        y_train=outputs["train"],
        x_val=inputs["val"],
        y_val=outputs["val"],
        x_test=inputs["test"],
        y_test=outputs["test"],
    )
