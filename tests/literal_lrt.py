"""A literal LRT step: explicit loops over examples, layers and parameters, plain autograd.

Written independently of lrtbench.methods (no torch.func, no vmap, no shared helpers) so
that agreement between the two is evidence that the vectorised step is right.
"""

from __future__ import annotations

import torch


def literal_forward(params: dict, x_row: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """One example through the MLP; returns the input of every layer and the output."""
    n_layers = len(params) // 2
    h = x_row
    layer_inputs = []
    for layer in range(n_layers):
        layer_inputs.append(h)
        weight, bias = params[f"w{layer}"], params[f"b{layer}"]
        out = torch.stack([torch.dot(weight[j], h) + bias[j] for j in range(weight.shape[0])])
        h = torch.clamp(out, min=0.0) if layer < n_layers - 1 else out
    return layer_inputs, h


def literal_example_loss(params: dict, x_row, y_row, loss: str) -> torch.Tensor:
    _, out = literal_forward(params, x_row)
    if loss == "mse":
        return ((out - y_row) ** 2).sum() / out.numel()
    prob = 1.0 / (1.0 + torch.exp(-out))
    return -(y_row * torch.log(prob) + (1 - y_row) * torch.log(1 - prob)).sum() / out.numel()


def literal_batch_loss(params: dict, x, y, loss: str) -> torch.Tensor:
    total = 0.0
    for i in range(x.shape[0]):
        total = total + literal_example_loss(params, x[i], y[i], loss)
    return total / x.shape[0]


def literal_lrt_step(params, lrt, x, y, *, loss, driver, per_example, meta_lr):
    """Returns (new params, new lrt params) for one LRT step, computed the slow way."""
    names = list(params)
    leaf = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    batch = x.shape[0]
    if per_example:
        grads = []
        for i in range(batch):
            example = literal_example_loss(leaf, x[i], y[i], loss)
            grads.append(
                dict(
                    zip(names, torch.autograd.grad(example, [leaf[k] for k in names]), strict=True)
                )
            )
    else:
        total = literal_batch_loss(leaf, x, y, loss)
        batch_grad = dict(
            zip(names, torch.autograd.grad(total, [leaf[k] for k in names]), strict=True)
        )
    drivers = []
    for i in range(batch):
        inputs, _ = literal_forward({k: v.detach() for k, v in params.items()}, x[i])
        drivers.append(inputs)

    theta = {k: v.detach().clone().requires_grad_(True) for k, v in lrt.items()}
    updated = {}
    for name in names:
        layer = int(name[1:])
        p = params[name].detach()
        step = torch.zeros_like(p)
        for i in range(batch):
            z = x[i] if driver == "input" else drivers[i][layer]
            a, c, s = theta[f"{name}.A"], theta[f"{name}.c"], theta[f"{name}.s"]
            rates = torch.stack(
                [s / (1 + torch.exp(-(torch.dot(a[k], z) + c[k]))) for k in range(a.shape[0])]
            ).reshape(p.shape)
            g = grads[i][name] if per_example else batch_grad[name]
            step = step + rates * g
        updated[name] = p - step / batch
    meta_loss = literal_batch_loss(updated, x, y, loss)
    keys = list(theta)
    meta_grad = torch.autograd.grad(meta_loss, [theta[k] for k in keys])
    new_theta = {k: (theta[k] - meta_lr * g).detach() for k, g in zip(keys, meta_grad, strict=True)}
    return {k: v.detach() for k, v in updated.items()}, new_theta
