"""The fused batched steps against the torch.func steps (themselves checked against loops)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.func import vmap

from lrtbench.engine import stack_states
from lrtbench.fused import fused_step, hyperparameters
from lrtbench.methods import make_method
from lrtbench.models import init_mlp

VARIANTS = [("sgd", False)] + [
    (name, per_example) for name in ("lrt-input", "lrt-state") for per_example in (False, True)
]


def stacked_problem(method, sizes, n_seeds, batch, loss, seed=0):
    rng = np.random.default_rng(seed)
    states = []
    for _ in range(n_seeds):
        params = init_mlp(sizes, rng, "standard", torch.float64)
        state = method.init(params, rng)
        if "lrt" in state:  # spread s so that every parameter's rates differ
            state["lrt"] = {
                k: v * rng.uniform(0.5, 2.0) if k.endswith(".s") else v
                for k, v in state["lrt"].items()
            }
        states.append(state)
    x = torch.as_tensor(rng.uniform(-1, 1, (n_seeds, batch, sizes[0])))
    if loss == "mse":
        y = torch.as_tensor(rng.normal(size=(n_seeds, batch, sizes[-1])))
    else:
        labels = torch.as_tensor(rng.integers(0, sizes[-1], (n_seeds, batch)))
        y = torch.nn.functional.one_hot(labels, sizes[-1]).double()
    return stack_states(states), x, y


@pytest.mark.parametrize("sizes", [(2, 10, 2), (3, 5, 4, 2)])
@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize(("name", "per_example"), VARIANTS)
def test_fused_step_equals_vmapped_torch_func_step(name, per_example, loss, sizes):
    method = make_method(name, loss, lr=0.2, meta_lr=0.5, per_example=per_example)
    state, x, y = stacked_problem(method, list(sizes), n_seeds=4, batch=6, loss=loss)
    for _ in range(3):  # a few steps, so the LRT models have moved away from their start
        expected, expected_metrics = vmap(method.step)(state, (x, y))
        hyper = hyperparameters(method, 4, x)
        got, metrics = fused_step(method)(state, hyper, x, y)
        for group in expected:
            for key in expected[group]:
                torch.testing.assert_close(
                    got[group][key], expected[group][key], rtol=1e-11, atol=1e-13
                )
        for key in expected_metrics:
            torch.testing.assert_close(metrics[key], expected_metrics[key], rtol=1e-11, atol=0)
        state = got


def test_per_seed_learning_rates_match_separate_methods():
    slow, fast = (make_method("lrt-state", "mse", lr=lr) for lr in (0.01, 0.3))
    state, x, y = stacked_problem(slow, [2, 10, 2], n_seeds=2, batch=5, loss="mse")
    hyper = {"lr": torch.tensor([0.01, 0.3]), "meta_lr": torch.tensor([0.01, 0.3])}
    got, _ = fused_step(slow)(state, hyper, x, y)
    for i, method in enumerate((slow, fast)):
        one = {g: {k: v[i : i + 1] for k, v in state[g].items()} for g in state}
        expected, _ = fused_step(method)(
            one, hyperparameters(method, 1, x), x[i : i + 1], y[i : i + 1]
        )
        for key, value in expected["params"].items():
            torch.testing.assert_close(got["params"][key][i : i + 1], value)
