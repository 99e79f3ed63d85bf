"""Update rules by name: ``sgd``, ``lrt-input``, ``lrt-state``."""

from __future__ import annotations

from lrtbench.losses import get_loss
from lrtbench.methods.base import Batch, LossOfParams, Method, Metrics, State
from lrtbench.methods.lrt import LRT
from lrtbench.methods.sgd import SGD

METHOD_NAMES = ("sgd", "lrt-input", "lrt-state")


def make_method(
    name: str,
    loss: str,
    lr: float,
    meta_lr: float | None = None,
    per_example: bool = False,
) -> Method:
    """Build the update rule ``name``; ``meta_lr`` defaults to ``lr`` as in the paper."""
    objective = LossOfParams(get_loss(loss))
    if name == "sgd":
        return SGD(objective=objective, lr=lr)
    if name in ("lrt-input", "lrt-state"):
        return LRT(
            objective=objective,
            lr=lr,
            meta_lr=lr if meta_lr is None else meta_lr,
            driver=name.removeprefix("lrt-"),
            per_example=per_example,
            name=name,
        )
    raise ValueError(f"unknown method {name!r}; known: {', '.join(METHOD_NAMES)}")


__all__ = ["LRT", "METHOD_NAMES", "SGD", "Batch", "Method", "Metrics", "State", "make_method"]
