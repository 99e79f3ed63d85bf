"""Simulated runs frames with a known truth, to check the claims machinery end to end.

A test of a claim is only trustworthy if it says "supported" when an effect is planted,
"contradicted" when the effect is reversed, and rarely anything but "inconclusive" when
both methods are drawn from the same distribution. Real runs cannot provide that truth,
so this module draws frames with the columns of ``lrtbench.store.load_runs``: test-loss
curves that decay exponentially to a per-task floor at a per-run rate, with multiplicative
noise and, for a chosen fraction of runs, a divergence (NaN from then on).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class MethodModel:
    """How one simulated method trains.

    ``rate`` is the median decay rate per step (loss = floor (1 + 9 exp(-rate t)), so the
    run settles near its floor after about 4.5 / rate steps); ``spread`` the log-normal
    spread of the rate over runs; ``diverge`` the probability that a run diverges at a
    uniformly drawn step. Cost per step sets gradient evaluations and wall seconds.
    """

    name: str
    rate: float
    spread: float = 0.3
    diverge: float = 0.0
    gradient_evaluations_per_step: int = 1
    seconds_per_step: float = 1e-3


def simulate_curve(
    steps: np.ndarray, floor: float, rate: float, noise: float, rng: np.random.Generator
) -> np.ndarray:
    clean = floor * (1.0 + 9.0 * np.exp(-rate * steps))
    return clean * np.exp(noise * rng.standard_normal(steps.size))


def simulate_runs(
    models: Sequence[MethodModel],
    tasks: Sequence[str] = ("alpha", "beta", "gamma"),
    lrs: Sequence[float] = (0.1,),
    seeds: int = 20,
    steps: int = 1000,
    eval_every: int = 50,
    pairing: float = 0.5,
    noise: float = 0.02,
    rng: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """A runs frame: every task x lr x method, ``seeds`` paired seeds each.

    ``pairing`` is the share of the log-rate variance common to all methods of one seed (the
    same initial network and batches make paired runs alike); the rest is drawn per run.
    """
    generator = np.random.default_rng(rng)
    eval_steps = np.arange(0, steps + 1, eval_every)
    rows = []
    for t, task in enumerate(tasks):
        floor = 0.01 * (t + 1)
        for lr in lrs:
            shared = generator.standard_normal(seeds)
            for model in models:
                cell_id = f"{task}__{model.name}__lr{lr:g}"
                own = generator.standard_normal(seeds)
                z = np.sqrt(pairing) * shared + np.sqrt(1.0 - pairing) * own
                rates = model.rate * np.exp(model.spread * z)
                diverges = generator.random(seeds) < model.diverge
                diverge_at = generator.integers(eval_every, steps, seeds)
                for seed in range(seeds):
                    loss = simulate_curve(eval_steps, floor, rates[seed], noise, generator)
                    diverged_step = int(diverge_at[seed]) if diverges[seed] else -1
                    if diverged_step >= 0:
                        loss[eval_steps >= diverged_step] = np.nan
                    rows.append(
                        {
                            "cell_id": cell_id,
                            "task": task,
                            "method": model.name,
                            "lr": float(lr),
                            "meta_lr": None if model.name == "sgd" else float(lr),
                            "per_example": False,
                            "steps": steps,
                            "eval_every": eval_every,
                            "batch_size": 50,
                            "seed": seed,
                            "eval_steps": eval_steps,
                            "test_loss": loss,
                            "diverged_step": diverged_step,
                            "train_seconds": steps * model.seconds_per_step,
                            "gradient_evaluations_per_step": model.gradient_evaluations_per_step,
                        }
                    )
    return pd.DataFrame(rows)
