"""Plain SGD, the baseline: the same model and loss, W <- W - lr * g."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch.func import grad_and_value

from lrtbench.methods.base import Batch, LossOfParams, Metrics, State
from lrtbench.models import Params


@dataclass(frozen=True)
class SGD:
    """Stochastic gradient descent with a constant learning rate."""

    objective: LossOfParams
    lr: float
    name: str = "sgd"

    def init(self, params: Params, rng: np.random.Generator) -> State:
        return {"params": dict(params)}

    def step(self, state: State, batch: Batch) -> tuple[State, Metrics]:
        x, y = batch
        params = state["params"]
        g, loss = grad_and_value(self.objective)(params, x, y)
        new_params = {k: params[k] - self.lr * g[k] for k in params}
        return {"params": new_params}, {"loss": loss}

    def gradient_evaluations_per_step(self) -> int:
        return 1
