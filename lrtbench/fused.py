"""The same SGD and LRT steps written out as batched matrix products over seeds.

``torch.func`` composes ``grad`` inside ``vmap`` generically, which at the paper's sizes
(a 2-10-2 MLP, batch 50) spends most of each step in Python and dispatch overhead. Here the
forward pass, the backward pass, the lookahead and the meta-gradient of the LRT models are
written by hand for a stack of seeds: about eighty tensor operations per LRT step, whatever
the number of seeds. The state layout is the vmapped engine's (leading seed axis), and
``tests/test_fused.py`` checks every variant against ``lrtbench.methods`` step for step.

Derivation of the LRT meta-gradient (batch-mean variant), for one parameter P with n
elements, driver vectors z_i and u_i = A z_i + c:

    W' = P - R * g,  R = (1/B) sum_i s sigmoid(u_i)
    dL/dR   = -(dL/dW') * g
    dL/ds   = sum_n dL/dR_n (1/B) sum_i sigmoid(u_in)
    dL/du_i = dL/dR (1/B) s sigmoid'(u_i),   dL/dA = sum_i dL/du_i z_i^T,   dL/dc = sum_i dL/du_i

Per-example variant: W' = P - (1/B) sum_i lambda_i * g_i with g_i = B delta_i h_i^T (delta
already carries the 1/B of the batch mean), so the update is sum_i lambda_i * delta_i h_i^T
and dL/dlambda_i = -(dL/dW') * delta_i h_i^T.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from lrtbench.losses import bce, mse
from lrtbench.methods import LRT, SGD, Method, Metrics, State
from lrtbench.methods.lrt import lrt_keys
from lrtbench.models import depth_of, layer_names

Stacked = dict[str, Tensor]


@dataclass
class Forward:
    """What the backward pass needs: each layer's input and ReLU mask, and the output."""

    inputs: list[Tensor]  # (S, B, in_l) per layer
    masks: list[Tensor]  # (S, B, out_l) per hidden layer
    output: Tensor  # (S, B, out)


def forward(params: Stacked, x: Tensor) -> Forward:
    """Batched forward pass of every seed's network on its own batch ``x`` (S, B, d)."""
    depth = depth_of(params)
    inputs, masks = [], []
    h = x
    for i, (w, b) in enumerate(layer_names(depth)):
        inputs.append(h)
        h = torch.baddbmm(params[b].unsqueeze(1), h, params[w].transpose(1, 2))
        if i < depth - 1:
            mask = h > 0
            masks.append(mask)
            h = h * mask
    return Forward(inputs, masks, h)


def loss_and_output_grad(loss_name: str, output: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Per-seed batch loss (S,) and its gradient with respect to the network output."""
    count = output.shape[1] * output.shape[2]
    if loss_name == "mse":
        residual = output - y
        return (residual**2).mean(dim=(1, 2)), residual * (2.0 / count)
    per_element = F.binary_cross_entropy_with_logits(output, y, reduction="none")
    return per_element.mean(dim=(1, 2)), (torch.sigmoid(output) - y) / count


def backward(params: Stacked, passed: Forward, delta: Tensor) -> tuple[Stacked, list[Tensor]]:
    """Gradients of the batch loss and each layer's output delta (S, B, out_l)."""
    grads: Stacked = {}
    deltas: list[Tensor] = [delta] * depth_of(params)
    names = layer_names(depth_of(params))
    for i in reversed(range(len(names))):
        w, b = names[i]
        deltas[i] = delta
        grads[w] = torch.bmm(delta.transpose(1, 2), passed.inputs[i])
        grads[b] = delta.sum(dim=1)
        if i > 0:
            delta = torch.bmm(delta, params[w]) * passed.masks[i - 1]
    return grads, deltas


def loss_name_of(method: Method) -> str:
    loss = method.objective.loss  # type: ignore[attr-defined]
    if loss is mse:
        return "mse"
    if loss is bce:
        return "bce"
    raise ValueError("the fused engine knows the mse and bce losses only")


def per_seed(value: Tensor, like: Tensor) -> Tensor:
    """A (S,) tensor shaped to broadcast against ``like`` along its leading seed axis."""
    return value.reshape(-1, *([1] * (like.dim() - 1)))


def sgd_step(loss_name: str) -> Callable:
    """Fused SGD: ``step(state, lr, x, y)`` with ``lr`` of shape (S,)."""

    def step(state: State, hyper: Stacked, x: Tensor, y: Tensor) -> tuple[State, Metrics]:
        params = state["params"]
        passed = forward(params, x)
        loss, delta = loss_and_output_grad(loss_name, passed.output, y)
        grads, _ = backward(params, passed, delta)
        lr = hyper["lr"]
        new = {k: p - per_seed(lr, p) * grads[k] for k, p in params.items()}
        return {"params": new}, {"loss": loss}

    return step


def lrt_step(loss_name: str, driver: str, per_example: bool) -> Callable:
    """Fused LRT: ``step(state, hyper, x, y)`` with ``hyper`` holding ``lr`` and ``meta_lr``."""
    if not per_example:
        return batch_mean_lrt_step(loss_name, driver)

    def step(state: State, hyper: Stacked, x: Tensor, y: Tensor) -> tuple[State, Metrics]:
        params, theta = state["params"], state["lrt"]
        passed = forward(params, x)
        loss, delta = loss_and_output_grad(loss_name, passed.output, y)
        _, deltas = backward(params, passed, delta)

        updated: Stacked = {}
        saved = {}
        rate_sum = torch.zeros_like(loss)
        rate_count = 0
        for layer, (w, b) in enumerate(layer_names(depth_of(params))):
            z = x if driver == "input" else passed.inputs[layer]
            for name in (w, b):
                a_key, c_key, s_key = lrt_keys(name)
                p = params[name]
                sig = torch.sigmoid(torch.baddbmm(theta[c_key].unsqueeze(1), z, theta[a_key].mT))
                s = per_seed(theta[s_key], sig)
                rates = s * sig  # (S, B, n)
                outer = example_outer(deltas[layer], passed.inputs[layer], name == w)
                updated[name] = p - (rates * outer).sum(dim=1).reshape(p.shape)
                saved[name] = (z, sig, s, outer)
                rate_sum = rate_sum + rates.sum(dim=(1, 2))
                rate_count += rates.shape[1] * rates.shape[2]

        lookahead_loss, grads_ahead = lookahead_gradients(loss_name, updated, x, y)
        meta_lr = hyper["meta_lr"]
        new_theta: Stacked = {}
        for name, (z, sig, s, outer) in saved.items():
            a_key, c_key, s_key = lrt_keys(name)
            d_rates = -grads_ahead[name].reshape(sig.shape[0], 1, -1) * outer  # (S, B, n)
            d_s = (d_rates * sig).sum(dim=(1, 2))
            d_u = d_rates * s * sig * (1.0 - sig)
            d_a = torch.bmm(d_u.transpose(1, 2), z)
            d_c = d_u.sum(dim=1)
            new_theta[a_key] = theta[a_key] - per_seed(meta_lr, d_a) * d_a
            new_theta[c_key] = theta[c_key] - per_seed(meta_lr, d_c) * d_c
            new_theta[s_key] = theta[s_key] - meta_lr * d_s
        metrics = lrt_metrics(loss, lookahead_loss, rate_sum / rate_count)
        return {"params": updated, "lrt": new_theta}, metrics

    return step


def lrt_metrics(loss: Tensor, lookahead_loss: Tensor, mean_rate: Tensor) -> Metrics:
    """The metrics every LRT step reports, named as ``lrtbench.methods.LRT.step`` names them."""
    return {"loss": loss, "lookahead_loss": lookahead_loss, "mean_rate": mean_rate}


def lookahead_gradients(
    loss_name: str, updated: Stacked, x: Tensor, y: Tensor
) -> tuple[Tensor, Stacked]:
    """Loss and gradients at the updated parameters W', on the same batch."""
    ahead = forward(updated, x)
    lookahead_loss, delta_ahead = loss_and_output_grad(loss_name, ahead.output, y)
    grads_ahead, _ = backward(updated, ahead, delta_ahead)
    return lookahead_loss, grads_ahead


def driver_groups(params: Stacked, driver: str) -> list[tuple[int, list[str]]]:
    """Parameters that share a driver vector: all of them (input), or each layer's pair."""
    layers = layer_names(depth_of(params))
    if driver == "input":
        return [(0, [name for pair in layers for name in pair])]
    return [(i, list(pair)) for i, pair in enumerate(layers)]


def batch_mean_lrt_step(loss_name: str, driver: str) -> Callable:
    """LRT with the batch-mean gradient, organised to touch (seeds, batch, rates) tensors
    as few times as possible, since at scale those passes over memory are the cost.

    The models of parameters that share a driver are stacked into one matrix [A | c] and
    evaluated with one batched product against [z | 1]. Only the batch means of sigmoid(u)
    and the products sigmoid'(u)^T [z | 1] are needed, so per-example learning rates are
    never materialised.
    """

    def step(state: State, hyper: Stacked, x: Tensor, y: Tensor) -> tuple[State, Metrics]:
        params, theta = state["params"], state["lrt"]
        n_seeds, batch = x.shape[0], x.shape[1]
        passed = forward(params, x)
        loss, delta = loss_and_output_grad(loss_name, passed.output, y)
        grads, _ = backward(params, passed, delta)

        updated: Stacked = {}
        saved = []
        rate_sum = torch.zeros_like(loss)
        rate_count = 0
        ones = torch.ones(n_seeds, batch, 1, dtype=x.dtype, device=x.device)
        for layer, names in driver_groups(params, driver):
            z = x if driver == "input" else passed.inputs[layer]
            z1 = torch.cat([z, ones], dim=2)  # (S, B, dz + 1)
            models = torch.cat(
                [torch.cat([theta[f"{n}.A"], theta[f"{n}.c"].unsqueeze(2)], dim=2) for n in names],
                dim=1,
            )  # (S, n_total, dz + 1)
            scales = torch.cat(
                [theta[f"{n}.s"].unsqueeze(1).expand(-1, params[n][0].numel()) for n in names],
                dim=1,
            )  # (S, n_total)
            sig = torch.sigmoid(torch.bmm(z1, models.mT))  # (S, B, n_total)
            mean_sig = sig.mean(dim=1)
            slope = torch.addcmul(sig, sig, sig, value=-1.0)  # sigmoid'(u) = s(1 - s)
            slope_z = torch.bmm(slope.mT, z1) / batch  # (S, n_total, dz + 1): mean_i s'(u_i) z_i
            grad_flat = torch.cat([grads[n].reshape(n_seeds, -1) for n in names], dim=1)
            change = scales * mean_sig * grad_flat
            offset = 0
            for n in names:
                size = params[n][0].numel()
                updated[n] = params[n] - change[:, offset : offset + size].reshape(params[n].shape)
                offset += size
            saved.append((names, mean_sig, slope_z, scales, grad_flat))
            rate_sum = rate_sum + (scales * mean_sig).sum(dim=1) * batch
            rate_count += batch * models.shape[1]

        lookahead_loss, grads_ahead = lookahead_gradients(loss_name, updated, x, y)
        meta_lr = hyper["meta_lr"]
        new_theta: Stacked = {}
        for names, mean_sig, slope_z, scales, grad_flat in saved:
            ahead_flat = torch.cat([grads_ahead[n].reshape(n_seeds, -1) for n in names], dim=1)
            d_rate = -ahead_flat * grad_flat  # dL/d(mean learning rate), (S, n_total)
            d_models = (d_rate * scales).unsqueeze(2) * slope_z  # (S, n_total, dz + 1)
            d_scales = d_rate * mean_sig
            offset = 0
            for n in names:
                size = params[n][0].numel()
                part = slice(offset, offset + size)
                a_key, c_key, s_key = lrt_keys(n)
                step_size = per_seed(meta_lr, d_models)
                new_theta[a_key] = theta[a_key] - step_size * d_models[:, part, :-1]
                new_theta[c_key] = theta[c_key] - step_size[..., 0] * d_models[:, part, -1]
                new_theta[s_key] = theta[s_key] - meta_lr * d_scales[:, part].sum(dim=1)
                offset += size
        metrics = lrt_metrics(loss, lookahead_loss, rate_sum / rate_count)
        return {"params": updated, "lrt": new_theta}, metrics

    return step


def example_outer(delta: Tensor, layer_input: Tensor, is_weight: bool) -> Tensor:
    """Each example's gradient contribution delta_i h_i^T (weights) or delta_i (biases), flat.

    delta carries the batch mean's 1/B, so these are per-example gradients divided by B.
    """
    if not is_weight:
        return delta
    outer = delta.unsqueeze(3) * layer_input.unsqueeze(2)  # (S, B, out, in)
    return outer.reshape(delta.shape[0], delta.shape[1], -1)


def fused_step(method: Method) -> Callable:
    """The fused step of ``method``: ``step(state, hyper, x, y) -> (state, metrics)``."""
    loss_name = loss_name_of(method)
    if isinstance(method, SGD):
        return sgd_step(loss_name)
    if isinstance(method, LRT):
        return lrt_step(loss_name, method.driver, method.per_example)
    raise ValueError(f"no fused step for method {method.name!r}")


def hyperparameters(method: Method, n_seeds: int, like: Tensor) -> Stacked:
    """The method's learning rates as per-seed tensors, so cells can share one program."""
    values = {"lr": method.lr}  # type: ignore[attr-defined]
    if isinstance(method, LRT):
        values["meta_lr"] = method.meta_lr
    return {
        k: torch.full((n_seeds,), v, dtype=like.dtype, device=like.device)
        for k, v in values.items()
    }
