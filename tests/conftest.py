"""Shared fixtures: small float64 problems that need no task cards."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch


def regression_arrays(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2))
    y = np.stack([x[:, 0] * x[:, 1], np.sin(x[:, 0]) - x[:, 1]], axis=1)
    return x, y


@pytest.fixture
def toy_data() -> SimpleNamespace:
    """A 2-in, 2-out regression problem with disjoint train/val/test draws."""
    (xt, yt), (xv, yv), (xs, ys) = (regression_arrays(200, s) for s in (1, 2, 3))
    return SimpleNamespace(x_train=xt, y_train=yt, x_val=xv, y_val=yv, x_test=xs, y_test=ys)


@pytest.fixture
def float64():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch.float64
    torch.set_default_dtype(previous)
