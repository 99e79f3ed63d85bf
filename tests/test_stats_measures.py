"""Targets, time to target and censoring on hand-made curves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lrtbench.stats.measures import (
    pooled_median,
    ranked_quantile,
    run_measures,
    task_target,
    time_to_target,
    truncate_budget,
)

NAN = float("nan")
STEPS = np.array([0, 10, 20, 30, 40])


def run(task: str, method: str, seed: int, loss: list[float], **extra: object) -> dict:
    """One row shaped like ``lrtbench.store.load_runs`` output (budget 40, eval every 10)."""
    curve = np.array(loss, dtype=float)
    diverged = int(STEPS[np.argmax(np.isnan(curve))]) if np.isnan(curve).any() else -1
    row = {
        "task": task,
        "method": method,
        "seed": seed,
        "steps": 40,
        "eval_every": 10,
        "eval_steps": STEPS,
        "test_loss": curve,
        "train_loss": curve,
        "val_loss": curve,
        "diverged_step": diverged,
        "train_seconds": 8.0 if method == "sgd" else 20.0,
        "gradient_evaluations_per_step": 1 if method == "sgd" else 2,
    }
    return {**row, **extra}


def test_pooled_median_ranks_diverged_runs_largest() -> None:
    assert pooled_median(np.array([3.0, 1.0, np.inf])) == 3.0
    assert pooled_median(np.array([1.0, 2.0, 4.0, np.inf])) == 3.0
    assert pooled_median(np.array([1.0, np.inf, np.nan, 2.0])) == math.inf
    assert ranked_quantile(np.array([4.0, 1.0, 3.0, 2.0]), 0.5) == 2.0
    assert ranked_quantile(np.array([np.inf, 1.0, np.inf]), 0.5) == math.inf
    assert ranked_quantile(np.array([np.inf, 1.0, 2.0]), 0.5) == 2.0


def test_task_target_pools_all_runs_with_relative_tolerance() -> None:
    runs = pd.DataFrame(
        [
            run("t", "sgd", 0, [5, 4, 3, 2, 1.0]),  # stable minimum 1
            run("t", "sgd", 1, [5, 4, 3, 2, 2.0]),  # 2
            run("t", "lrt-input", 0, [5, 1, 3, 3, 3.0]),  # dips to 1 but settles at 3
            run("t", "lrt-input", 1, [5, 1, NAN, NAN, NAN]),  # diverged: +inf
        ]
    )
    assert task_target(runs, tolerance=0.0) == pytest.approx(2.5)
    assert task_target(runs) == pytest.approx(2.75)
    assert task_target(runs, 0.25, reference=lambda v: ranked_quantile(v, 0.25)) == 1.25
    with pytest.raises(ValueError):
        task_target(runs, tolerance=-0.1)


def test_time_to_target_counts_a_dip_only_once_it_stays() -> None:
    loss = np.array([5.0, 1.0, 3.0, 1.5, 1.0])
    assert time_to_target(STEPS, loss, target=2.0, budget=40) == (30.0, True)
    assert time_to_target(STEPS, loss, target=5.0, budget=40) == (0.0, True)
    assert time_to_target(STEPS, loss, target=1.0, budget=40) == (40.0, True)


def test_time_to_target_censors_runs_that_never_reach_or_diverge() -> None:
    assert time_to_target(STEPS, np.array([5, 4, 3, 2.5, 2.1]), 2.0, 40) == (40.0, False)
    diverged = np.array([5.0, 0.1, 0.1, NAN, NAN])
    assert time_to_target(STEPS, diverged, 2.0, 40) == (40.0, False)
    assert time_to_target(STEPS, diverged, math.inf, 40) == (40.0, False)


def test_time_to_target_ignores_evaluations_after_the_budget() -> None:
    loss = np.array([5.0, 4.0, 3.0, 1.0, 1.0])
    assert time_to_target(STEPS, loss, 2.0, budget=20) == (20.0, False)
    assert time_to_target(STEPS, loss, 3.0, budget=20) == (20.0, True)


def test_run_measures_units_and_flags() -> None:
    runs = pd.DataFrame(
        [
            run("t", "sgd", 0, [5, 4, 3, 2, 1.0]),
            run("t", "sgd", 1, [5, 4, 3, 2, 2.0]),
            run("t", "lrt-input", 0, [5, 1, 1, 1, 1.0]),
            run("t", "lrt-input", 1, [5, 1, NAN, NAN, NAN]),
            run("u", "sgd", 0, [1, 1, 1, 1, 1.0]),
        ]
    )
    out = run_measures(runs, tolerance=0.0)  # target of t: median(1, 2, 1, inf) = 1.5
    assert list(out["target"]) == [1.5] * 4 + [1.0]
    assert list(out["event"]) == [True, False, True, False, True]
    assert list(out["time_steps"]) == [40.0, 40.0, 10.0, 40.0, 0.0]
    assert list(out["time_grad_evals"]) == [40.0, 40.0, 20.0, 80.0, 0.0]
    assert list(out["time_seconds"]) == [8.0, 8.0, 5.0, 20.0, 0.0]
    assert list(out["diverged"]) == [False, False, False, True, False]
    assert list(out["converged"]) == [True, False, True, False, True]
    assert out["stable_min"].iloc[3] == math.inf
    assert "target" not in runs  # the input is left alone


def test_run_measures_censors_a_flagged_divergence_even_with_a_finite_curve() -> None:
    runs = pd.DataFrame([run("t", "sgd", 0, [5, 1, 1, 1, 1.0], diverged_step=39)])
    out = run_measures(runs)
    assert not out["event"].iloc[0] and out["time_steps"].iloc[0] == 40.0


def test_run_measures_refuses_mixed_budgets() -> None:
    runs = pd.DataFrame([run("t", "sgd", 0, [1] * 5), run("t", "sgd", 1, [1] * 5, steps=80)])
    with pytest.raises(ValueError, match="budgets"):
        run_measures(runs)


def test_truncate_budget_cuts_curves_and_scales_time() -> None:
    runs = pd.DataFrame(
        [run("t", "sgd", 0, [5, 4, 3, 2, 1.0]), run("t", "sgd", 1, [5, 4, 3, 2, NAN])]
    )
    short = truncate_budget(runs, 20)
    assert list(short["steps"]) == [20, 20]
    assert list(short["train_seconds"]) == [4.0, 4.0]
    assert list(short["diverged_step"]) == [-1, -1]  # divergence at step 40 is past the budget
    np.testing.assert_array_equal(short["eval_steps"].iloc[0], [0, 10, 20])
    np.testing.assert_array_equal(short["test_loss"].iloc[1], [5, 4, 3])
    assert len(runs["test_loss"].iloc[0]) == 5  # the input is left alone
    out = run_measures(short, tolerance=0.0)
    assert list(out["time_steps"]) == [20.0, 20.0] and out["event"].all()
    with pytest.raises(ValueError):
        truncate_budget(runs, 25)
    with pytest.raises(ValueError):
        truncate_budget(runs, 50)
