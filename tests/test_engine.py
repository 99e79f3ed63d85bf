"""The engine: vmap over seeds, divergence handling, determinism."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from lrtbench.engine import TrainSpec, train_cell
from lrtbench.methods import make_method
from lrtbench.methods.sgd import SGD


def spec(seeds, steps=40, **overrides) -> TrainSpec:
    base = TrainSpec(
        hidden=(6,),
        seeds=tuple(seeds),
        steps=steps,
        eval_every=10,
        batch_size=16,
        dtype=torch.float64,
    )
    return dataclasses.replace(base, **overrides)


METHODS = ["sgd", "lrt-input", "lrt-state"]


@pytest.mark.parametrize("backend", ["vmap", "fused"])
@pytest.mark.parametrize("name", METHODS)
def test_vmapped_seeds_equal_seeds_run_one_at_a_time(toy_data, name, backend):
    method = make_method(name, "mse", lr=0.05)
    together = train_cell(method, toy_data, spec([0, 1, 2], backend=backend))
    for i, seed in enumerate([0, 1, 2]):
        alone = train_cell(method, toy_data, spec([seed], backend=backend))
        for curve in ("train_loss", "val_loss", "test_loss"):
            np.testing.assert_allclose(
                getattr(together, curve)[i], getattr(alone, curve)[0], rtol=1e-10, atol=1e-13
            )
    assert np.all(np.diff(together.test_loss[0]) != 0), "training must change the loss"


@pytest.mark.parametrize("per_example", [False, True])
@pytest.mark.parametrize("name", METHODS)
def test_fused_backend_trains_like_the_vmapped_reference(toy_data, name, per_example):
    method = make_method(name, "mse", lr=0.05, per_example=per_example)
    for dtype, tolerance in ((torch.float64, 1e-9), (torch.float32, 1e-4)):
        reference = train_cell(method, toy_data, spec([0, 1], dtype=dtype, backend="vmap"))
        fused = train_cell(method, toy_data, spec([0, 1], dtype=dtype, backend="fused"))
        for curve in ("train_loss", "val_loss", "test_loss"):
            np.testing.assert_allclose(
                getattr(fused, curve), getattr(reference, curve), rtol=tolerance
            )


def test_same_seed_same_numbers_and_different_seeds_differ(toy_data):
    method = make_method("lrt-state", "mse", lr=0.05)
    first = train_cell(method, toy_data, spec([3, 4], dtype=torch.float32))
    second = train_cell(method, toy_data, spec([3, 4], dtype=torch.float32))
    np.testing.assert_array_equal(first.test_loss, second.test_loss)
    assert not np.array_equal(first.test_loss[0], first.test_loss[1])


def test_paired_seeds_share_initial_network_across_methods(toy_data):
    sgd = train_cell(make_method("sgd", "mse", lr=0.05), toy_data, spec([5]))
    lrt = train_cell(make_method("lrt-input", "mse", lr=0.05), toy_data, spec([5]))
    assert sgd.test_loss[0, 0] == lrt.test_loss[0, 0]


@dataclasses.dataclass(frozen=True)
class ScaledSGD:
    """SGD whose learning rate is multiplied by a per-seed factor kept in the state."""

    inner: SGD
    name: str = "scaled-sgd"

    @property
    def objective(self):
        return self.inner.objective

    def init(self, params, rng):
        return {"params": dict(params), "scale": {"factor": torch.tensor(1.0)}}

    def step(self, state, batch):
        x, y = batch
        new, metrics = self.inner.step({"params": state["params"]}, (x, y))
        factor = state["scale"]["factor"]
        params = {
            k: state["params"][k] + factor * (new["params"][k] - state["params"][k])
            for k in new["params"]
        }
        return {"params": params, "scale": state["scale"]}, metrics

    def gradient_evaluations_per_step(self):
        return 1


def with_factors(toy_data, factors, seeds):
    """Train ScaledSGD with given per-seed factors by patching the stacked initial state."""
    import lrtbench.engine as engine

    method = ScaledSGD(make_method("sgd", "mse", lr=0.05))
    original = engine.initial_states

    def patched(m, sizes, s):
        state = original(m, sizes, s)
        state["scale"]["factor"] = torch.tensor(factors, dtype=s.dtype)
        return state

    engine.initial_states = patched
    try:
        return train_cell(method, toy_data, spec(seeds, steps=60, backend="vmap"))
    finally:
        engine.initial_states = original


def test_a_diverging_seed_is_frozen_and_its_siblings_are_untouched(toy_data):
    mixed = with_factors(toy_data, [1.0, 1e6, 1.0], [0, 1, 2])
    calm = with_factors(toy_data, [1.0, 1.0, 1.0], [0, 1, 2])
    assert mixed.diverged.tolist() == [False, True, False]
    assert 1 <= mixed.diverged_step[1] <= 60
    assert np.isnan(mixed.test_loss[1, -1])
    assert np.isfinite(mixed.test_loss[1, 0])
    np.testing.assert_array_equal(mixed.test_loss[[0, 2]], calm.test_loss[[0, 2]])


def test_nan_in_data_is_recorded_as_divergence_not_a_crash(toy_data):
    toy_data.y_train = toy_data.y_train.copy()
    toy_data.y_train[:] = np.nan
    result = train_cell(make_method("lrt-input", "mse", lr=0.05), toy_data, spec([0, 1]))
    assert result.diverged.all()
    assert (result.diverged_step == 1).all()


def test_eval_every_must_divide_steps(toy_data):
    with pytest.raises(ValueError, match="eval_every"):
        train_cell(make_method("sgd", "mse", lr=0.05), toy_data, spec([0], steps=45))
