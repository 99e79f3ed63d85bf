"""Speed of the stacked steps, of the literal step, and the arithmetic floor, in one process.

Everything a row of the bench table compares is measured in the same run, on the same
machine and thread count, because absolute speeds on a shared CPU drift from minute to
minute while ratios measured side by side hold. Timings are ``time.perf_counter`` over a
fixed number of steps after a warm-up, best of a few repeats (the least disturbed one).
The steps are the engine's raw stacked steps (``lrtbench.engine.raw_step``) on random
batches: no divergence guard, no evaluation, no batch indexing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
from torch import Tensor
from torch.utils._pytree import tree_map
from torch.utils.flop_counter import FlopCounterMode

from lrtbench.bench.literal import PAPER_BATCH, PAPER_LR, PAPER_SIZES, for_seed
from lrtbench.bench.memory import MemoryProbe, memory_probes
from lrtbench.engine import TrainSpec, initial_states, raw_step
from lrtbench.methods import METHOD_NAMES, Method, State, make_method

#: Distinct random batches cycled through while timing; more would only cost memory.
BATCH_POOL = 2


@dataclass(frozen=True)
class BenchConfig:
    """What to measure and how long; the defaults are the paper's model, batch and lr."""

    methods: tuple[str, ...] = METHOD_NAMES
    seeds: tuple[int, ...] = (1, 128, 1024)
    backends: tuple[str, ...] = ("fused", "vmap")
    steps: int = 20
    warmup: int = 3
    repeats: int = 3
    literal_steps: int = 100
    memory_seeds: int = 4096
    memory_steps: int = 20
    matmul_size: int = 2048
    threads: int = 1
    sizes: tuple[int, ...] = PAPER_SIZES
    batch: int = PAPER_BATCH
    lr: float = PAPER_LR
    loss: str = "mse"

    def quick(self) -> BenchConfig:
        """Tiny sizes that exercise every measurement in a few seconds (for tests)."""
        return replace(
            self,
            seeds=(1, 8),
            steps=2,
            warmup=1,
            repeats=1,
            literal_steps=3,
            memory_seeds=64,
            memory_steps=2,
            matmul_size=128,
        )

    def method(self, name: str) -> Method:
        return make_method(name, self.loss, self.lr)


def stacked_state(method: Method, n_seeds: int, config: BenchConfig) -> State:
    """Seeds 0..n_seeds-1 drawn as the engine draws them, stacked on a leading axis."""
    spec = TrainSpec(
        hidden=config.sizes[1:-1],
        seeds=tuple(range(n_seeds)),
        steps=1,
        eval_every=1,
        batch_size=config.batch,
    )
    return initial_states(method, config.sizes, spec)


def tiled_state(method: Method, n_seeds: int, config: BenchConfig, block: int = 64) -> State:
    """``n_seeds`` seeds made of copies of the first ``block``: same shapes, little garbage.

    Drawing thousands of seeds one by one leaves thousands of freed small tensors behind,
    which a memory measurement would count; copies are as good for timing and memory.
    """
    state = stacked_state(method, min(block, n_seeds), config)
    reps = -(-n_seeds // block)
    return tree_map(lambda t: t.repeat(reps, *([1] * (t.dim() - 1)))[:n_seeds].clone(), state)


def random_batches(n_seeds: int, config: BenchConfig, seed: int = 0) -> tuple[Tensor, Tensor]:
    """``BATCH_POOL`` batches per seed: x uniform in [-1, 1), y standard normal."""
    generator = torch.Generator().manual_seed(seed)
    shape = (BATCH_POOL, n_seeds, config.batch)
    x = torch.rand(*shape, config.sizes[0], generator=generator) * 2 - 1
    y = torch.randn(*shape, config.sizes[-1], generator=generator)
    return x, y


def best_seconds(run: Callable[[], None], repeats: int) -> float:
    """Fastest of ``repeats`` calls of ``run``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def run_steps(step: Callable, state: State, x: Tensor, y: Tensor, steps: int) -> State:
    """``steps`` stacked steps cycling through the batch pool; returns the last state."""
    for k in range(steps):
        state, _ = step(state, x[k % len(x)], y[k % len(y)])
    return state


def seconds_per_step(name: str, backend: str, n_seeds: int, config: BenchConfig) -> float:
    """Wall seconds of one stacked step of ``n_seeds`` seeds (best repeat / steps)."""
    method = config.method(name)
    x, y = random_batches(n_seeds, config)
    step = raw_step(method, backend, n_seeds, x)
    holder = {"state": run_steps(step, stacked_state(method, n_seeds, config), x, y, config.warmup)}

    def timed() -> None:
        holder["state"] = run_steps(step, holder["state"], x, y, config.steps)

    return best_seconds(timed, config.repeats) / config.steps


def literal_seconds_per_step(name: str, config: BenchConfig) -> float:
    """Wall seconds of one step of the literal one-seed implementation."""
    trainer = for_seed(name, 0, config.sizes, config.loss, config.lr)
    x, y = random_batches(1, config)
    batches = [(x[k, 0], y[k, 0]) for k in range(BATCH_POOL)]

    def timed(steps: int) -> None:
        for k in range(steps):
            trainer.step(*batches[k % BATCH_POOL])

    timed(config.warmup)
    return best_seconds(lambda: timed(config.literal_steps), config.repeats) / config.literal_steps


def flops_per_seed_step(name: str, config: BenchConfig, n_seeds: int = 8) -> float:
    """Floating point operations of one fused step per seed, as ``FlopCounterMode`` counts them.

    The counter knows matrix products (mm, bmm, baddbmm, ...) only; elementwise work such
    as sigmoids and the rate products is not counted, so this is a lower bound.
    """
    method = config.method(name)
    x, y = random_batches(n_seeds, config)
    step = raw_step(method, "fused", n_seeds, x)
    with FlopCounterMode(display=False) as counter:
        step(stacked_state(method, n_seeds, config), x[0], y[0])
    return counter.get_total_flops() / n_seeds


def matmul_rate(size: int = 2048, repeats: int = 3) -> float:
    """This machine's float32 matrix-product rate in flop/s: two ``size`` x ``size`` matrices,
    best of ``repeats`` after one warm-up, at the current thread count."""
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator)
    b = torch.randn(size, size, generator=generator)
    a @ b
    return 2.0 * size**3 / best_seconds(lambda: a @ b, repeats)


@dataclass(frozen=True)
class SpeedRow:
    """One (method, seeds, backend) timing."""

    method: str
    seeds: int
    backend: str
    seconds_per_step: float

    @property
    def seed_steps_per_second(self) -> float:
        return self.seeds / self.seconds_per_step


def speed_rows(
    config: BenchConfig, progress: Callable[[str], None] | None = None
) -> list[SpeedRow]:
    """Every (method, seeds, backend) of ``config``, timed one after the other."""
    rows = []
    for name in config.methods:
        for n_seeds in config.seeds:
            for backend in config.backends:
                if progress is not None:
                    progress(f"timing {name} {backend}, seeds={n_seeds}")
                seconds = seconds_per_step(name, backend, n_seeds, config)
                rows.append(SpeedRow(name, n_seeds, backend, seconds))
    return rows


@dataclass(frozen=True)
class Measurements:
    """Everything one bench run measured; ``lrtbench.bench.table`` turns it into tables."""

    config: BenchConfig
    speed: list[SpeedRow]
    literal_seconds: dict[str, float]  # per method, one seed, one step
    flops: dict[str, float]  # per method, matmul flops of one fused seed-step
    matmul_flops_per_second: float
    memory: dict[str, MemoryProbe]  # per method, fused, at config.memory_seeds

    def floor_seconds(self, name: str) -> float:
        """Seconds one seed-step of ``name`` would take doing only its counted matmul work at
        this machine's large-matmul rate."""
        return self.flops[name] / self.matmul_flops_per_second


def measure_all(config: BenchConfig, progress: Callable[[str], None] | None = None) -> Measurements:
    """Run every measurement of ``config`` at ``config.threads`` threads, in one process
    (memory in one fresh process per method)."""
    say = progress or (lambda message: None)
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        say(f"matmul rate at {config.matmul_size}x{config.matmul_size}")
        rate = matmul_rate(config.matmul_size, max(config.repeats, 3))
        literal, flops = {}, {}
        for name in config.methods:
            say(f"timing {name} literal, seeds=1")
            literal[name] = literal_seconds_per_step(name, config)
            flops[name] = flops_per_seed_step(name, config)
        speed = speed_rows(config, progress)
        memory = {}
        if config.memory_seeds > 0:
            say(f"memory of the fused step, seeds={config.memory_seeds}")
            memory = memory_probes(
                config.methods, config.memory_seeds, config.memory_steps, config.threads
            )
    finally:
        torch.set_num_threads(previous_threads)
    return Measurements(config, speed, literal, flops, rate, memory)
