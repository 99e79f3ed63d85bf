"""Trains every seed of one cell in a single program over a stack of seeds.

Each seed has its own initial network, its own batch order and its own LRT models; they
are stacked along a leading axis and stepped together, either by the methods' torch.func
steps under ``torch.func.vmap`` (backend ``vmap``, the reference) or by their hand-written
batched equivalents in ``lrtbench.fused`` (backend ``fused``, the same numbers faster).
A seed whose batch loss turns non-finite or explodes is frozen where it stood and recorded
as diverged; the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from torch import Tensor
from torch.func import vmap
from torch.utils._pytree import tree_map

from lrtbench.fused import fused_step, hyperparameters
from lrtbench.methods import Method, State
from lrtbench.models import InitScheme, init_mlp
from lrtbench.seeding import BatchOrder, stream


class Arrays(Protocol):
    """The six split arrays of a task (``lrtbench.tasks.TaskData`` provides them)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class TrainSpec:
    """Everything the engine needs besides the data and the method."""

    hidden: tuple[int, ...]
    seeds: tuple[int, ...]
    steps: int
    eval_every: int
    batch_size: int
    init: InitScheme = "paper"
    dtype: torch.dtype = torch.float32
    explode_factor: float = 1e3
    device: str = "cpu"
    backend: str = "fused"


@dataclass
class CellCurves:
    """Loss curves of every seed of one cell, at evaluation steps 0, eval_every, ..., steps.

    Losses after a seed diverged are NaN; ``diverged_step`` is -1 for seeds that never did.
    """

    seeds: list[int]
    eval_steps: np.ndarray  # (n_evals,)
    train_loss: np.ndarray  # (n_seeds, n_evals): mean batch loss since the previous eval
    val_loss: np.ndarray  # (n_seeds, n_evals)
    test_loss: np.ndarray  # (n_seeds, n_evals)
    diverged_step: np.ndarray  # (n_seeds,)
    train_seconds: float
    eval_seconds: float
    gradient_evaluations_per_step: int

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_step >= 0


def stack_states(states: Sequence[State]) -> State:
    """Stack per-seed states along a new leading axis (the seed axis)."""
    return tree_map(lambda *leaves: torch.stack(leaves), *states)


def initial_states(method: Method, sizes: Sequence[int], spec: TrainSpec) -> State:
    """Each seed's network from its ``model`` stream and its method state from ``method``."""
    states = []
    for seed in spec.seeds:
        params = init_mlp(sizes, stream(seed, "model"), spec.init, spec.dtype)
        states.append(method.init(params, stream(seed, "method")))
    return tree_map(lambda t: t.to(spec.device), stack_states(states))


def raw_step(method: Method, backend: str, n_seeds: int, like: Tensor) -> Callable:
    """``step(state, x, y)`` over stacked seeds: vmapped torch.func, or the fused rewrite."""
    if backend == "fused":
        fused = fused_step(method)
        hyper = hyperparameters(method, n_seeds, like)
        return lambda state, x, y: fused(state, hyper, x, y)
    if backend == "vmap":
        mapped = vmap(method.step)
        return lambda state, x, y: mapped(state, (x, y))
    raise ValueError(f"unknown backend {backend!r}; known: vmap, fused")


def guarded(step: Callable) -> Callable:
    """``step`` that keeps a seed's old state once it is dead or dies on this step.

    A seed dies when its batch loss (at the parameters before the update) is non-finite or
    above ``ceiling``; non-finite parameters show up as a non-finite loss one step later.
    """

    def guarded_step(state: State, alive: Tensor, ceiling: Tensor, x: Tensor, y: Tensor):
        new_state, metrics = step(state, x, y)
        loss = metrics["loss"]
        ok = alive & torch.isfinite(loss) & (loss <= ceiling)

        def keep(new: Tensor, old: Tensor) -> Tensor:
            return torch.where(ok.reshape(-1, *([1] * (new.dim() - 1))), new, old)

        return tree_map(keep, new_state, state), ok, loss

    return guarded_step


def first_death(diverged_step: Tensor, alive_after: Tensor, first_step: int) -> Tensor:
    """Record the step at which each seed that died in this chunk died.

    ``alive_after[t]`` tells which seeds were alive after step ``first_step + t``; a seed
    that is dead is never revived, so its death is the first False in its column.
    """
    died = ~alive_after[-1] & (diverged_step < 0)
    death = first_step + (~alive_after).to(torch.int64).argmax(dim=0)
    return torch.where(died, death, diverged_step)


def evaluate(method: Method, params, x: Tensor, y: Tensor) -> Tensor:
    """Loss of every seed's network on one split: shape (n_seeds,)."""
    objective = method.objective  # type: ignore[attr-defined]
    return vmap(objective, in_dims=(0, None, None))(params, x, y)


def train_cell(
    method: Method,
    data: Arrays,
    spec: TrainSpec,
    on_progress: Callable[[int], None] | None = None,
) -> CellCurves:
    """Train all seeds of one cell; ``on_progress(n)`` is told after every ``n`` steps."""
    if spec.steps <= 0 or spec.eval_every <= 0 or spec.steps % spec.eval_every:
        raise ValueError("steps and eval_every must be positive and eval_every must divide steps")
    device, dtype = spec.device, spec.dtype

    def tensor(a: np.ndarray) -> Tensor:
        return torch.as_tensor(a, dtype=dtype, device=device)

    x_train, y_train = tensor(data.x_train), tensor(data.y_train)
    splits = {
        "val": (tensor(data.x_val), tensor(data.y_val)),
        "test": (tensor(data.x_test), tensor(data.y_test)),
    }
    sizes = [x_train.shape[1], *spec.hidden, y_train.shape[1]]
    state = initial_states(method, sizes, spec)
    n_seeds = len(spec.seeds)
    batches = BatchOrder(list(spec.seeds), x_train.shape[0], spec.batch_size)
    step = guarded(raw_step(method, spec.backend, n_seeds, x_train))

    n_evals = spec.steps // spec.eval_every + 1
    curves = {name: np.full((n_seeds, n_evals), np.nan) for name in ("train", "val", "test")}
    diverged_step = torch.full((n_seeds,), -1, dtype=torch.int64, device=device)
    alive = torch.ones(n_seeds, dtype=torch.bool, device=device)
    train_seconds = eval_seconds = 0.0

    def record(column: int) -> Tensor:
        with torch.no_grad():
            for name, (x, y) in splits.items():
                losses = evaluate(method, state["params"], x, y)
                losses = torch.where(alive, losses, torch.nan)
                curves[name][:, column] = losses.cpu().numpy()
        return losses

    start = time.perf_counter()
    initial_test = record(0)
    eval_seconds += time.perf_counter() - start
    ceiling = spec.explode_factor * torch.clamp(initial_test.detach(), min=1e-12)
    for column in range(1, n_evals):
        start = time.perf_counter()
        indices = torch.as_tensor(batches.take(spec.eval_every), device=device)
        x_chunk, y_chunk = x_train[indices], y_train[indices]  # one gather per chunk
        losses = torch.empty(spec.eval_every, n_seeds, dtype=dtype, device=device)
        alive_after = torch.empty(spec.eval_every, n_seeds, dtype=torch.bool, device=device)
        for t in range(spec.eval_every):
            state, alive, losses[t] = step(state, alive, ceiling, x_chunk[t], y_chunk[t])
            alive_after[t] = alive
        first_step = (column - 1) * spec.eval_every + 1
        diverged_step = first_death(diverged_step, alive_after, first_step)
        loss_sum = torch.where(alive_after, losses, 0.0).sum(dim=0)
        train_seconds += time.perf_counter() - start
        curves["train"][:, column] = (
            torch.where(alive, loss_sum / spec.eval_every, torch.nan).cpu().numpy()
        )
        start = time.perf_counter()
        record(column)
        eval_seconds += time.perf_counter() - start
        if on_progress is not None:
            on_progress(spec.eval_every)
    return CellCurves(
        seeds=list(spec.seeds),
        eval_steps=np.arange(n_evals) * spec.eval_every,
        train_loss=curves["train"],
        val_loss=curves["val"],
        test_loss=curves["test"],
        diverged_step=diverged_step.cpu().numpy(),
        train_seconds=train_seconds,
        eval_seconds=eval_seconds,
        gradient_evaluations_per_step=method.gradient_evaluations_per_step(),
    )
