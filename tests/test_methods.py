"""The update rules against independent references."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from lrtbench.methods import make_method
from lrtbench.models import init_mlp
from tests.literal_lrt import literal_batch_loss, literal_lrt_step

LRT_VARIANTS = [
    (method, per_example, loss)
    for method in ("lrt-input", "lrt-state")
    for per_example in (False, True)
    for loss in ("mse", "bce")
]


def problem(loss: str, seed: int = 0, sizes=(2, 5, 4, 2), batch: int = 7):
    """A random network, batch and LRT state, large enough to exercise every layer."""
    rng = np.random.default_rng(seed)
    params = init_mlp(list(sizes), rng, "standard", torch.float64)
    x = torch.as_tensor(rng.uniform(-1, 1, (batch, sizes[0])))
    if loss == "mse":
        y = torch.as_tensor(rng.normal(size=(batch, sizes[-1])))
    else:
        y = torch.nn.functional.one_hot(
            torch.as_tensor(rng.integers(0, sizes[-1], batch)), sizes[-1]
        ).double()
    return params, x, y, rng


@pytest.mark.parametrize(("name", "per_example", "loss"), LRT_VARIANTS)
def test_vectorised_step_equals_literal_loop(name, per_example, loss):
    params, x, y, rng = problem(loss)
    method = make_method(name, loss, lr=0.05, meta_lr=0.7, per_example=per_example)
    state = method.init(params, rng)
    # Perturb s so that each parameter's learning rates differ and errors cannot cancel.
    state["lrt"] = {
        k: v * (1.0 + 0.3 * i) if k.endswith(".s") else v
        for i, (k, v) in enumerate(state["lrt"].items())
    }
    new_state, metrics = method.step(state, (x, y))
    ref_params, ref_lrt = literal_lrt_step(
        state["params"],
        state["lrt"],
        x,
        y,
        loss=loss,
        driver=name.removeprefix("lrt-"),
        per_example=per_example,
        meta_lr=0.7,
    )
    for key, value in ref_params.items():
        torch.testing.assert_close(new_state["params"][key], value, rtol=1e-12, atol=1e-13)
    for key, value in ref_lrt.items():
        torch.testing.assert_close(new_state["lrt"][key], value, rtol=1e-12, atol=1e-13)
    expected_loss = literal_batch_loss(state["params"], x, y, loss)
    torch.testing.assert_close(metrics["loss"], expected_loss, rtol=1e-12, atol=0)
    assert not torch.equal(new_state["params"]["w0"], params["w0"])


@pytest.mark.parametrize(("name", "per_example", "loss"), LRT_VARIANTS)
def test_meta_gradient_equals_central_differences(name, per_example, loss):
    params, x, y, rng = problem(loss, seed=3, sizes=(2, 4, 2), batch=5)
    meta_lr = 1.0
    method = make_method(name, loss, lr=0.3, meta_lr=meta_lr, per_example=per_example)
    state = method.init(params, rng)
    new_state, _ = method.step(state, (x, y))
    implied = {k: (state["lrt"][k] - new_state["lrt"][k]) / meta_lr for k in state["lrt"]}

    def lookahead_loss(theta):
        # The loss after one step with these LRT parameters, from the step's own output.
        probe = dataclasses.replace(method, meta_lr=0.0)
        stepped, _ = probe.step({"params": params, "lrt": theta}, (x, y))
        return literal_batch_loss(stepped["params"], x, y, loss)

    eps = 1e-6
    for key, value in state["lrt"].items():
        flat = value.reshape(-1)
        for j in range(flat.numel()):
            bumped = [flat.clone(), flat.clone()]
            bumped[0][j] += eps
            bumped[1][j] -= eps
            losses = [lookahead_loss({**state["lrt"], key: b.reshape(value.shape)}) for b in bumped]
            numeric = (losses[0] - losses[1]) / (2 * eps)
            assert implied[key].reshape(-1)[j].item() == pytest.approx(
                numeric.item(), rel=1e-5, abs=1e-9
            ), f"{key}[{j}]"


def test_lrt_rates_start_near_lr():
    params, x, y, rng = problem("mse")
    method = make_method("lrt-input", "mse", lr=3e-4)
    state = method.init(params, rng)
    _, metrics = method.step(state, (x, y))
    # s = 2 lr and sigmoid of a small positive number is a little above 1/2.
    assert 3e-4 <= metrics["mean_rate"].item() <= 3e-4 * 1.1


def test_sgd_equals_torch_optim_sgd_over_100_steps():
    rng = np.random.default_rng(11)
    sizes = [2, 10, 2]
    params = init_mlp(sizes, rng, "paper", torch.float64)
    network = torch.nn.Sequential(
        torch.nn.Linear(2, 10), torch.nn.ReLU(), torch.nn.Linear(10, 2)
    ).double()
    with torch.no_grad():
        for layer, index in ((network[0], 0), (network[2], 1)):
            layer.weight.copy_(params[f"w{index}"])
            layer.bias.copy_(params[f"b{index}"])
    optimizer = torch.optim.SGD(network.parameters(), lr=0.05)
    method = make_method("sgd", "mse", lr=0.05)
    state = method.init(params, rng)
    for _ in range(100):
        x = torch.as_tensor(rng.uniform(-1, 1, (50, 2)))
        y = torch.stack([x[:, 0] * x[:, 1], x[:, 0] - x[:, 1]], dim=1)
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(network(x), y).backward()
        optimizer.step()
        state, _ = method.step(state, (x, y))
    for layer, index in ((network[0], 0), (network[2], 1)):
        torch.testing.assert_close(state["params"][f"w{index}"], layer.weight.detach())
        torch.testing.assert_close(state["params"][f"b{index}"], layer.bias.detach())


def test_unknown_method_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown method 'adam'"):
        make_method("adam", "mse", lr=0.1)
