"""What every update rule provides: ``init`` and a pure ``step(state, batch)``.

A state is a dict of tensors (nested one level at most) so that ``torch.func.vmap`` can map
it over seeds and the engine can freeze a diverged seed with one ``torch.where`` per leaf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from torch import Tensor

from lrtbench.losses import LossFn
from lrtbench.models import Params, apply

State = dict[str, dict[str, Tensor]]
Batch = tuple[Tensor, Tensor]
Metrics = dict[str, Tensor]


class Method(Protocol):
    """An update rule with its hyperparameters bound."""

    name: str

    def init(self, params: Params, rng: np.random.Generator) -> State:
        """The state of one seed, from its model parameters and its own random stream."""
        ...

    def step(self, state: State, batch: Batch) -> tuple[State, Metrics]:
        """One update on ``batch``; ``metrics['loss']`` is the batch loss before the update."""
        ...

    def gradient_evaluations_per_step(self) -> int:
        """Forward-backward passes over the batch per step, the unit of cost."""
        ...


@dataclass(frozen=True)
class LossOfParams:
    """``loss(apply(params, x), y)``: the objective every method differentiates."""

    loss: LossFn

    def __call__(self, params: Params, x: Tensor, y: Tensor) -> Tensor:
        return self.loss(apply(params, x), y)
