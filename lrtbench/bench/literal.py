"""The literal per-step implementation: one seed, ``nn.Module``, ``backward()``, optimizers.

This is the program a researcher writes first, and the speed reference of ``lrtbench bench``:
one ``nn.Linear`` + ReLU network for one seed, gradients from ``loss.backward()``, and
``torch.optim.SGD`` objects doing the updates. For LRT the learning-rate models are
``nn.Parameter`` triples (A, c, s) per network parameter; the lookahead network W' is run
with ``torch.func.functional_call`` so that the meta-loss reaches (A, c, s) through W', then
``meta_loss.backward()`` and the meta optimizer's step, and finally W' is copied into the
module. Only the paper's batch-mean variant is written out (no per-example rates).

It starts from a state in the layout of ``lrtbench.methods`` (``from_state``), so the tests
can check it step for step against ``make_method(...).step``: the speed ratios in the bench
table then compare implementations of the same arithmetic.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Protocol

import torch
from torch import Tensor, nn
from torch.func import functional_call

from lrtbench.methods import State, make_method
from lrtbench.methods.lrt import lrt_keys
from lrtbench.models import init_mlp
from lrtbench.seeding import stream

#: The authors' defaults: a 2-10-2 MLP, batch 50, lr = meta lr = 3e-4.
PAPER_SIZES = (2, 10, 2)
PAPER_BATCH = 50
PAPER_LR = 3e-4

LOSS_MODULES = {"mse": nn.MSELoss, "bce": nn.BCEWithLogitsLoss}


class LiteralMLP(nn.Module):
    """``nn.Linear`` layers with ReLU between them; no activation after the last layer."""

    def __init__(self, sizes: Sequence[int]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Linear(fan_in, fan_out) for fan_in, fan_out in itertools.pairwise(sizes)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layer_inputs_and_output(x)[1]

    def layer_inputs_and_output(self, x: Tensor) -> tuple[list[Tensor], Tensor]:
        """The activation entering each layer (what state-driven LRT reads) and the output."""
        inputs = []
        h = x
        for i, layer in enumerate(self.layers):
            inputs.append(h)
            h = layer(h)
            if i < len(self.layers) - 1:
                h = torch.relu(h)
        return inputs, h

    @staticmethod
    def module_name(name: str) -> str:
        """``w0`` / ``b0`` (the functional layout) as ``layers.0.weight`` / ``layers.0.bias``."""
        kind = "weight" if name[0] == "w" else "bias"
        return f"layers.{name[1:]}.{kind}"

    def functional_names(self) -> list[str]:
        """The parameters' names in the functional layout, in ``named_parameters`` order."""
        return [n for i in range(len(self.layers)) for n in (f"w{i}", f"b{i}")]

    def load(self, params: dict[str, Tensor]) -> LiteralMLP:
        """Copy parameters given in the functional layout (``w0``, ``b0``, ...) into the module."""
        with torch.no_grad():
            for name in self.functional_names():
                self.get_parameter(self.module_name(name)).copy_(params[name])
        return self

    def params(self) -> dict[str, Tensor]:
        """The parameters in the functional layout, detached copies."""
        return {
            name: self.get_parameter(self.module_name(name)).detach().clone()
            for name in self.functional_names()
        }


def network_from(params: dict[str, Tensor]) -> LiteralMLP:
    """A module holding ``params`` (functional layout), in their dtype."""
    sizes = [params["w0"].shape[1]] + [params[f"w{i}"].shape[0] for i in range(len(params) // 2)]
    return LiteralMLP(sizes).to(params["w0"].dtype).load(params)


class LiteralTrainer(Protocol):
    """One seed trained one step at a time."""

    net: LiteralMLP

    def step(self, x: Tensor, y: Tensor) -> Tensor:
        """One update on the batch; returns the batch loss before the update."""
        ...

    def state(self) -> State:
        """The current state in the layout of ``lrtbench.methods``."""
        ...


class LiteralSGD:
    """SGD as in every tutorial: ``zero_grad``, ``backward``, ``optimizer.step``."""

    def __init__(self, net: LiteralMLP, loss: str, lr: float) -> None:
        self.net = net
        self.criterion = LOSS_MODULES[loss]()
        self.optimizer = torch.optim.SGD(net.parameters(), lr=lr)

    def step(self, x: Tensor, y: Tensor) -> Tensor:
        self.optimizer.zero_grad()
        loss = self.criterion(self.net(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    def state(self) -> State:
        return {"params": self.net.params()}


class LiteralLRT:
    """LRT with an optimizer for the learning-rate models and W' copied into the network.

    Step on a batch: g = grad of the loss at W (``backward``); for each network parameter P,
    rates = s * sigmoid(z A^T + c) per example and W' = W - mean_i rates_i * g; the loss of
    the network at W' (``functional_call``) is back-propagated into (A, c, s), which the meta
    optimizer updates; the module's parameters become W'.
    """

    def __init__(
        self,
        net: LiteralMLP,
        lrt: dict[str, Tensor],
        loss: str,
        meta_lr: float,
        driver: str,
    ) -> None:
        if driver not in ("input", "state"):
            raise ValueError(f"unknown LRT driver {driver!r}; known: input, state")
        self.net = net
        self.driver = driver
        self.criterion = LOSS_MODULES[loss]()
        self.rate_models = nn.ParameterDict(
            {
                key.replace(".", "_"): nn.Parameter(value.detach().clone())
                for key, value in lrt.items()
            }
        )
        self.meta_optimizer = torch.optim.SGD(self.rate_models.parameters(), lr=meta_lr)

    def rate_model(self, name: str) -> tuple[nn.Parameter, nn.Parameter, nn.Parameter]:
        a, c, s = (self.rate_models[key.replace(".", "_")] for key in lrt_keys(name))
        return a, c, s

    def step(self, x: Tensor, y: Tensor) -> Tensor:
        self.net.zero_grad()
        inputs, output = self.net.layer_inputs_and_output(x)
        loss = self.criterion(output, y)
        loss.backward()

        lookahead = {}
        for name in self.net.functional_names():
            module_name = self.net.module_name(name)
            p = self.net.get_parameter(module_name)
            z = x if self.driver == "input" else inputs[int(name[1:])].detach()
            a, c, s = self.rate_model(name)
            rates = s * torch.sigmoid(z @ a.T + c)  # (batch, numel of p)
            lookahead[module_name] = p.detach() - rates.mean(0).reshape(p.shape) * p.grad

        self.meta_optimizer.zero_grad()
        meta_loss = self.criterion(functional_call(self.net, lookahead, (x,)), y)
        meta_loss.backward()
        self.meta_optimizer.step()

        with torch.no_grad():
            for module_name, value in lookahead.items():
                self.net.get_parameter(module_name).copy_(value)
        return loss.detach()

    def state(self) -> State:
        lrt = {
            key: self.rate_models[key.replace(".", "_")].detach().clone()
            for name in self.net.functional_names()
            for key in lrt_keys(name)
        }
        return {"params": self.net.params(), "lrt": lrt}


def from_state(
    name: str, state: State, loss: str = "mse", lr: float = PAPER_LR, meta_lr: float | None = None
) -> LiteralTrainer:
    """The literal trainer of method ``name`` starting from ``state`` (``Method.init`` layout)."""
    net = network_from(state["params"])
    if name == "sgd":
        return LiteralSGD(net, loss, lr)
    if name in ("lrt-input", "lrt-state"):
        meta = lr if meta_lr is None else meta_lr
        return LiteralLRT(net, state["lrt"], loss, meta, name.removeprefix("lrt-"))
    raise ValueError(f"no literal implementation of method {name!r}")


def for_seed(
    name: str,
    seed: int = 0,
    sizes: Sequence[int] = PAPER_SIZES,
    loss: str = "mse",
    lr: float = PAPER_LR,
    dtype: torch.dtype = torch.float32,
) -> LiteralTrainer:
    """The literal trainer of ``name`` from seed ``seed``'s initial state (the engine's draw)."""
    method = make_method(name, loss, lr)
    params = init_mlp(sizes, stream(seed, "model"), "paper", dtype)
    return from_state(name, method.init(params, stream(seed, "method")), loss, lr)
