"""Learning Rate Tensors: a small model per parameter tensor emits its learning rates.

For each parameter tensor P (every weight and every bias) a model Lambda_P maps a driver
vector z to a learning-rate tensor shaped like P:

    lambda_P(z) = s_P * sigmoid(A_P z + c_P)        (one value per element of P)

``input``-driven: z is the network input x. ``state``-driven: z is the activation entering
the layer that owns P (for the first layer, x). One step on a batch (x_i, y_i):

1. g = grad_P loss(W; batch)                      (per-example: g_i = grad_P loss_i)
2. W' = W - mean_i lambda_P(z_i) * g              (per-example: mean_i lambda_P(z_i) * g_i)
3. theta <- theta - meta_lr * grad_theta loss(W'(theta); same batch), theta = (A, c, s)
4. W <- W'

Lambda never enters the forward pass, so the network's capacity is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import Tensor
from torch.func import grad, grad_and_value, vmap

from lrtbench.methods.base import Batch, LossOfParams, Metrics, State
from lrtbench.models import Params, depth_of, layer_inputs_and_output, layer_names

Driver = Literal["input", "state"]

#: The authors initialise A and c uniformly in [0, LRT_INIT_HIGH).
LRT_INIT_HIGH = 0.03


def lrt_keys(param_name: str) -> tuple[str, str, str]:
    """Names of (A, c, s) of the learning-rate model that serves ``param_name``."""
    return f"{param_name}.A", f"{param_name}.c", f"{param_name}.s"


def learning_rates(lrt: dict[str, Tensor], param_name: str, z: Tensor) -> Tensor:
    """Per-example learning rates for ``param_name``: shape (batch, numel of the parameter)."""
    a, c, s = (lrt[k] for k in lrt_keys(param_name))
    return s * torch.sigmoid(z @ a.T + c)


@dataclass(frozen=True)
class LRT:
    """The LRT update rule with its hyperparameters bound."""

    objective: LossOfParams
    lr: float
    meta_lr: float
    driver: Driver
    per_example: bool = False
    init_high: float = LRT_INIT_HIGH
    name: str = "lrt"

    def driver_dims(self, params: Params) -> dict[str, int]:
        """Length of the driver vector z seen by each parameter's learning-rate model."""
        input_dim = params["w0"].shape[1]
        dims = {}
        for w, b in layer_names(depth_of(params)):
            dims[w] = dims[b] = input_dim if self.driver == "input" else params[w].shape[1]
        return dims

    def init(self, params: Params, rng: np.random.Generator) -> State:
        """A, c uniform in [0, init_high); s = 2 * lr so that every lambda starts near lr."""
        dtype = params["w0"].dtype
        lrt: dict[str, Tensor] = {}
        for name, dim in self.driver_dims(params).items():
            a_key, c_key, s_key = lrt_keys(name)
            n = params[name].numel()
            lrt[a_key] = torch.as_tensor(rng.uniform(0.0, self.init_high, (n, dim)), dtype=dtype)
            lrt[c_key] = torch.as_tensor(rng.uniform(0.0, self.init_high, (n,)), dtype=dtype)
            lrt[s_key] = torch.tensor(2.0 * self.lr, dtype=dtype)
        return {"params": dict(params), "lrt": lrt}

    def drivers(self, params: Params, x: Tensor) -> dict[str, Tensor]:
        """The batch of driver vectors z for each parameter, computed at the current W."""
        if self.driver == "input":
            return {name: x for name in params}
        inputs, _ = layer_inputs_and_output(params, x)
        z = {}
        for (w, b), h in zip(layer_names(depth_of(params)), inputs, strict=True):
            z[w] = z[b] = h
        return z

    def gradients(self, params: Params, x: Tensor, y: Tensor) -> tuple[Params, Tensor]:
        """Batch gradient (batch-mean mode) or per-example gradients, and the batch loss."""
        if not self.per_example:
            return grad_and_value(self.objective)(params, x, y)

        def example_loss(p: Params, xi: Tensor, yi: Tensor) -> Tensor:
            return self.objective(p, xi.unsqueeze(0), yi.unsqueeze(0))

        per_example = vmap(grad(example_loss), in_dims=(None, 0, 0))(params, x, y)
        return per_example, self.objective(params, x, y)

    def step(self, state: State, batch: Batch) -> tuple[State, Metrics]:
        x, y = batch
        params, lrt = state["params"], state["lrt"]
        g, loss = self.gradients(params, x, y)
        z = self.drivers(params, x)

        def lookahead(theta: dict[str, Tensor]) -> tuple[Tensor, tuple[Params, Tensor]]:
            updated, rate_sum, rate_count = {}, 0.0, 0
            for name, p in params.items():
                rates = learning_rates(theta, name, z[name])
                if self.per_example:
                    delta = (rates.reshape(g[name].shape) * g[name]).mean(0)
                else:
                    delta = rates.mean(0).reshape(p.shape) * g[name]
                updated[name] = p - delta
                rate_sum = rate_sum + rates.sum()
                rate_count += rates.numel()
            return self.objective(updated, x, y), (updated, rate_sum / rate_count)

        meta_g, (lookahead_loss, (new_params, mean_rate)) = grad_and_value(lookahead, has_aux=True)(
            lrt
        )
        new_lrt = {k: lrt[k] - self.meta_lr * meta_g[k] for k in lrt}
        metrics = {
            "loss": loss,
            "lookahead_loss": lookahead_loss.detach(),
            "mean_rate": mean_rate.detach(),
        }
        return {"params": new_params, "lrt": new_lrt}, metrics

    def gradient_evaluations_per_step(self) -> int:
        """One gradient at W plus one forward-backward at W' for the meta-gradient."""
        return 2
