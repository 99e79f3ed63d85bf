"""Losses named by task cards.

Every loss is a mean over examples of a per-example loss, so the batch gradient is the
mean of per-example gradients; the per-example LRT variant relies on that identity.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

LossFn = Callable[[Tensor, Tensor], Tensor]


def mse(prediction: Tensor, target: Tensor) -> Tensor:
    """Mean squared error over examples and outputs (regression)."""
    return ((prediction - target) ** 2).mean()


def bce(logits: Tensor, target: Tensor) -> Tensor:
    """Binary cross-entropy of sigmoid outputs against one-hot targets (classification).

    Computed from the pre-sigmoid values for numerical stability; mathematically the
    network's outputs are sigmoids.
    """
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, target)


LOSSES: dict[str, LossFn] = {"mse": mse, "bce": bce}


def get_loss(name: str) -> LossFn:
    """The loss called ``name``; a ValueError lists the known ones otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; known: {', '.join(sorted(LOSSES))}") from None
