"""Functional multilayer perceptron: parameters are a dict of tensors, ``apply(params, x)``.

Keeping the model a pure function of its parameters is what lets one program train every
seed at once under ``torch.func.vmap`` and lets the LRT meta step differentiate the loss
at the updated parameters with respect to the learning-rate models.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np
import torch
from torch import Tensor

Params = dict[str, Tensor]
OutputActivation = Literal["identity", "sigmoid"]
InitScheme = Literal["paper", "standard"]

#: The authors' initialisation draws every weight and bias uniformly from [0, PAPER_INIT_HIGH).
PAPER_INIT_HIGH = 0.1


def layer_names(depth: int) -> list[tuple[str, str]]:
    """(weight, bias) names of each layer, in forward order."""
    return [(f"w{i}", f"b{i}") for i in range(depth)]


def init_mlp(
    sizes: Sequence[int],
    rng: np.random.Generator,
    scheme: InitScheme = "paper",
    dtype: torch.dtype = torch.float32,
) -> Params:
    """Draw one MLP's parameters from ``rng``.

    ``paper``: every weight and bias uniform in [0, 0.1), as in the authors' code.
    ``standard``: PyTorch's ``nn.Linear`` default, uniform in (-1/sqrt(fan_in), 1/sqrt(fan_in)).
    numpy draws the numbers so a seed gives the same model on every device.
    """
    if len(sizes) < 2:
        raise ValueError("an MLP needs at least an input and an output size")
    params: Params = {}
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        if scheme == "paper":
            low, high = 0.0, PAPER_INIT_HIGH
        elif scheme == "standard":
            bound = 1.0 / np.sqrt(fan_in)
            low, high = -bound, bound
        else:
            raise ValueError(f"unknown initialisation scheme {scheme!r}")
        weight = rng.uniform(low, high, size=(fan_out, fan_in))
        bias = rng.uniform(low, high, size=(fan_out,))
        params[f"w{i}"] = torch.as_tensor(weight, dtype=dtype)
        params[f"b{i}"] = torch.as_tensor(bias, dtype=dtype)
    return params


def depth_of(params: Params) -> int:
    """Number of affine layers in ``params``."""
    return len(params) // 2


def layer_inputs_and_output(
    params: Params, x: Tensor, output: OutputActivation = "identity"
) -> tuple[list[Tensor], Tensor]:
    """Forward pass that also returns the activation entering each layer.

    State-driven LRT models read these activations, so the forward pass exposes them
    rather than recomputing them.
    """
    inputs = []
    h = x
    depth = depth_of(params)
    for i, (w, b) in enumerate(layer_names(depth)):
        inputs.append(h)
        h = h @ params[w].T + params[b]
        if i < depth - 1:
            h = torch.relu(h)
    if output == "sigmoid":
        h = torch.sigmoid(h)
    elif output != "identity":
        raise ValueError(f"unknown output activation {output!r}")
    return inputs, h


def apply(params: Params, x: Tensor, output: OutputActivation = "identity") -> Tensor:
    """The MLP's prediction for a batch ``x`` of shape (batch, input_dim)."""
    return layer_inputs_and_output(params, x, output)[1]
