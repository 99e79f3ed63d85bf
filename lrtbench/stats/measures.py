"""Per-run measures against a per-task target: time to target, divergence, convergence.

A task's target is a loss level fixed before any two methods are compared and derived from
all compared methods' runs pooled, so no method sets its own bar. Time to target is then a
right-censored quantity: a run that does not reach the target within the budget (including
every diverged run) is censored at the budget, never dropped and never imputed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from lrtbench.stats.convergence import stable_minimum, suffix_max

Reference = Callable[[np.ndarray], float]

DEFAULT_TOLERANCE = 0.10
CURVE_COLUMNS = ("train_loss", "val_loss", "test_loss")


def ranked_quantile(values: np.ndarray, q: float) -> float:
    """Order-statistic quantile (inverse empirical CDF) that treats +inf as the largest value.

    Picks the ceil(q * n)-th smallest value without interpolating, so a mix of finite values
    and +inf (diverged runs) never produces NaN: it is +inf exactly when more than a
    fraction 1 - q of the values are +inf. NaN inputs are read as +inf.
    """
    if not 0.0 < q <= 1.0:
        raise ValueError(f"quantile level must be in (0, 1], got {q}")
    ordered = np.sort(np.where(np.isnan(values), np.inf, np.asarray(values, dtype=float)))
    if ordered.size == 0:
        raise ValueError("no values to take a quantile of")
    return float(ordered[int(np.ceil(q * ordered.size)) - 1])


def pooled_median(values: np.ndarray) -> float:
    """Median with +inf (diverged runs) ranked largest; NaN is read as +inf.

    For an even count it averages the two middle order statistics, as the usual median does;
    the result is +inf when the upper middle value is +inf, i.e. when at least half of the
    runs diverged (or never settled).
    """
    ordered = np.sort(np.where(np.isnan(values), np.inf, np.asarray(values, dtype=float)))
    if ordered.size == 0:
        raise ValueError("no values to take a median of")
    middle = ordered.size // 2
    if ordered.size % 2:
        return float(ordered[middle])
    return float((ordered[middle - 1] + ordered[middle]) / 2)


def task_target(
    runs_of_task: pd.DataFrame,
    tolerance: float = DEFAULT_TOLERANCE,
    reference: Reference = pooled_median,
) -> float:
    """The loss level every compared method must reach on one task: (1 + tolerance) * ref.

    ``ref`` is ``reference`` (the median by default) of the stable minima of the test loss
    of ALL runs passed in, i.e. every compared method's runs on this task at one budget,
    pooled. A diverged run's stable minimum is +inf and is kept in the pool, ranked largest
    (see ``pooled_median``), so divergence makes the bar looser rather than vanishing from
    it. The tolerance is relative, which assumes a non-negative loss; a negative reference
    is refused because scaling it up would tighten the bar instead. When at least half of
    the pooled runs diverged the median target is +inf and "reaching it" only means "did not
    diverge"; callers can detect this with ``np.isinf``.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must be non-negative, got {tolerance}")
    if runs_of_task.empty:
        raise ValueError("no runs to derive a target from")
    minima = np.array([stable_minimum(curve) for curve in runs_of_task["test_loss"]])
    level = reference(minima)
    if level < 0:
        raise ValueError(f"reference loss {level} is negative; a relative tolerance needs >= 0")
    return float((1.0 + tolerance) * level)


def time_to_target(
    eval_steps: np.ndarray, test_loss: np.ndarray, target: float, budget: int
) -> tuple[float, bool]:
    """(time, event): the first evaluation step from which the loss stays <= target.

    "Stays" means max over all later evaluations s >= t of loss(s) <= target, so a curve
    that dips under the target and climbs back is not counted until it settles. NaN (a
    diverged run) counts as +inf, so a diverged run never reaches. Evaluations after
    ``budget`` are ignored. A run that never reaches is right-censored: (budget, False).
    """
    steps = np.asarray(eval_steps)
    loss = np.asarray(test_loss, dtype=float)
    if steps.shape != loss.shape:
        raise ValueError(f"eval_steps {steps.shape} and test_loss {loss.shape} differ in shape")
    within = steps <= budget
    settled = suffix_max(loss[within])
    reached = np.flatnonzero(np.isfinite(settled) & (settled <= target))
    if reached.size == 0:
        return float(budget), False
    return float(steps[within][reached[0]]), True


def run_measures(
    runs: pd.DataFrame,
    tolerance: float = DEFAULT_TOLERANCE,
    reference: Reference = pooled_median,
) -> pd.DataFrame:
    """A copy of ``runs`` with per-run measures against each task's pooled target.

    Pass exactly the runs being compared (all compared methods, one budget): the target of
    each task is derived from those runs (``task_target``). Added columns:

    - ``stable_min``: lowest test loss reached and never left (+inf if diverged);
    - ``target``: the task's target; ``event``: reached it within the budget;
    - ``time_steps``: time to target in optimizer steps (the budget if censored);
    - ``time_grad_evals``: in per-batch gradient evaluations, steps times
      ``gradient_evaluations_per_step`` (LRT evaluates two gradients per step, SGD one);
    - ``time_seconds``: in wall seconds, steps times the cell's seconds per step
      (``train_seconds / steps``; all seeds of a cell train together, so this is the wall
      time the cell took to get there);
    - ``diverged`` (``diverged_step >= 0``) and ``converged`` (reached and never diverged).

    A diverged run is censored even if its stored curve looks finite, so ``converged``
    equals ``event``; it is kept as its own column because reliability is about it.
    """
    budgets = runs.groupby("task")["steps"].nunique()
    mixed = sorted(budgets.index[budgets > 1])
    if mixed:
        raise ValueError(f"tasks {mixed} mix several budgets; compare one budget at a time")
    out = runs.copy()
    targets = {
        task: task_target(group, tolerance, reference) for task, group in out.groupby("task")
    }
    out["stable_min"] = [float(stable_minimum(curve)) for curve in out["test_loss"]]
    out["target"] = out["task"].map(targets).astype(float)
    timed = [
        time_to_target(steps, loss, target, budget)
        for steps, loss, target, budget in zip(
            out["eval_steps"], out["test_loss"], out["target"], out["steps"], strict=True
        )
    ]
    out["diverged"] = out["diverged_step"].to_numpy() >= 0
    out["event"] = np.array([event for _, event in timed], dtype=bool) & ~out["diverged"]
    out["time_steps"] = np.where(
        out["event"], [time for time, _ in timed], out["steps"].to_numpy()
    ).astype(float)
    out["time_grad_evals"] = out["time_steps"] * out["gradient_evaluations_per_step"]
    out["time_seconds"] = out["time_steps"] * out["train_seconds"] / out["steps"]
    out["converged"] = out["event"] & ~out["diverged"]
    return out


def truncate_budget(runs: pd.DataFrame, budget: int) -> pd.DataFrame:
    """The runs as if they had been trained for ``budget`` steps only.

    Curves are cut to evaluation steps <= budget, ``steps`` becomes the budget,
    ``train_seconds`` is scaled by budget / steps (the time per step is unchanged) and a
    divergence after the budget is forgotten (``diverged_step`` = -1). The budget must be an
    evaluation step of every run, so the censoring time coincides with a measurement.
    """
    too_short = runs["steps"] < budget
    if too_short.any():
        raise ValueError(f"budget {budget} exceeds the budget of {int(too_short.sum())} run(s)")
    if not all(budget in steps for steps in runs["eval_steps"]):
        raise ValueError(f"budget {budget} is not an evaluation step of every run")
    out = runs.copy()
    keep = [np.asarray(steps) <= budget for steps in out["eval_steps"]]
    for column in ("eval_steps", *CURVE_COLUMNS):
        if column in out:
            cut = [np.asarray(v)[k] for v, k in zip(out[column], keep, strict=True)]
            out[column] = pd.Series(cut, index=out.index, dtype=object)
    out["train_seconds"] = out["train_seconds"] * budget / out["steps"]
    out["diverged_step"] = np.where(out["diverged_step"] > budget, -1, out["diverged_step"])
    out["steps"] = budget
    return out
