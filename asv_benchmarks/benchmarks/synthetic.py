"""Synthetic results shaped like the paper profile's, drawn in milliseconds.

The paper profile trains 9 tasks x 3 methods x 2 learning rates x 50 seeds for 20,000 steps
with an evaluation every 250 (81 evaluations). Curves decay from about 1 to a per-run level
with noise, and a few runs diverge (NaN from their divergence on), so the statistics meet
every branch they meet on real results.
"""

import numpy as np
import pandas as pd

TASKS = ["linear", "quadratic", "product", "trig", "cubic", "radial", "xor", "spirals", "circles"]
METHODS = ["sgd", "lrt-input", "lrt-state"]
LRS = [3e-4, 0.1]
SEEDS = 50
STEPS = 20_000
EVAL_EVERY = 250
EVAL_STEPS = np.arange(STEPS // EVAL_EVERY + 1) * EVAL_EVERY
DIVERGED_SHARE = 0.05


def curves(n_runs: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(loss curves (n_runs, n_evals), diverged step per run, -1 for none)."""
    level = rng.uniform(0.005, 0.1, (n_runs, 1))
    scale = rng.uniform(1_000, 15_000, (n_runs, 1))
    clean = level + (1.0 - level) * np.exp(-EVAL_STEPS / scale)
    loss = clean * rng.lognormal(0.0, 0.05, clean.shape)
    diverged = np.where(rng.random(n_runs) < DIVERGED_SHARE, rng.integers(1, STEPS, n_runs), -1)
    loss[EVAL_STEPS[None, :] >= np.where(diverged < 0, STEPS + 1, diverged)[:, None]] = np.nan
    return loss, diverged


def paper_sized_runs(seed: int = 0) -> pd.DataFrame:
    """One row per run, with the columns ``lrtbench.store.load_runs`` gives the statistics."""
    rng = np.random.default_rng(seed)
    grid = [(t, m, lr) for t in TASKS for m in METHODS for lr in LRS]
    n_runs = len(grid) * SEEDS
    test, diverged = curves(n_runs, rng)
    val, _ = curves(n_runs, rng)
    return pd.DataFrame(
        {
            "task": np.repeat([t for t, _, _ in grid], SEEDS),
            "method": np.repeat([m for _, m, _ in grid], SEEDS),
            "lr": np.repeat([lr for _, _, lr in grid], SEEDS),
            "seed": np.tile(np.arange(SEEDS), len(grid)),
            "steps": STEPS,
            "eval_steps": [EVAL_STEPS] * n_runs,
            "val_loss": list(val),
            "test_loss": list(test),
            "diverged_step": diverged,
            "train_seconds": rng.uniform(100.0, 300.0, n_runs),
            "gradient_evaluations_per_step": np.repeat(
                [1 if m == "sgd" else 2 for _, m, _ in grid], SEEDS
            ),
        }
    )
