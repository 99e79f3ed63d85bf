"""Across-task summaries of a normalised per-run score (the methods of the rliable library).

Agarwal et al. (2021, "Deep RL at the edge of the statistical precipice") recommend the
interquartile mean, the probability of improvement and performance profiles, each with
stratified bootstrap intervals: runs are resampled within each task, so every task keeps
its weight and only run-to-run variability is sampled. They are implemented here with
numpy rather than by depending on ``rliable``, whose dependencies (``arch`` and more) are
heavy for a few array operations; intervals are percentile intervals, as in rliable.

Scores are passed as a mapping task -> per-run scores of one method. The speed score
(``speed_scores``) is time to target divided by the budget, in steps: 0 = at the target
from the start, 1 = censored (never reached within the budget, or diverged); LOWER IS
BETTER. Functions that depend on the direction take ``lower_is_better``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from lrtbench.stats.estimates import Estimate, readonly

Scores = Mapping[str, ArrayLike]
Seed = int | np.random.Generator | None

DEFAULT_RESAMPLES = 2000


def speed_scores(measures: pd.DataFrame, method: str) -> dict[str, np.ndarray]:
    """Per task, ``time_steps / steps`` of ``method``'s runs (from ``run_measures``).

    Steps are the one unit in which all compared methods share the budget, so a censored
    run scores exactly 1.0 whatever its method. (In gradient evaluations or seconds the
    budgets differ by method and a censored run would not score worst.) Lower is better.
    """
    runs = measures[measures["method"] == method]
    if runs.empty:
        raise ValueError(f"no runs of method {method!r}")
    score = runs["time_steps"] / runs["steps"]
    return {task: group.to_numpy(dtype=float) for task, group in score.groupby(runs["task"])}


def as_arrays(scores: Scores) -> dict[str, np.ndarray]:
    """Float arrays, one per task, each non-empty, in sorted task order."""
    arrays = {task: np.asarray(scores[task], dtype=float).ravel() for task in sorted(scores)}
    empty = [task for task, values in arrays.items() if values.size == 0]
    if not arrays or empty:
        raise ValueError(f"every task needs at least one run (empty: {empty})")
    return arrays


def stratified_resamples(
    scores: Mapping[str, np.ndarray], n_resamples: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Per task, a (n_resamples, runs) array of that task's runs drawn with replacement."""
    return {
        task: values[rng.integers(0, values.size, size=(n_resamples, values.size))]
        for task, values in scores.items()
    }


def bootstrap_estimate(
    statistic: Callable[[Sequence[dict[str, np.ndarray]]], np.ndarray],
    samples: Sequence[Mapping[str, np.ndarray]],
    confidence_level: float,
    n_resamples: int,
    rng: Seed,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(estimate, low, high) of a statistic with a stratified percentile bootstrap.

    ``statistic`` receives one mapping task -> (batch, runs) array per sample (a method)
    and returns one value, or one row of values, per batch entry. Each sample is resampled
    independently within each task.
    """
    generator = np.random.default_rng(rng)
    observed = [{task: values[None, :] for task, values in s.items()} for s in samples]
    resampled = [stratified_resamples(s, n_resamples, generator) for s in samples]
    estimate = statistic(observed)[0]
    replicates = statistic(resampled)
    alpha = 1.0 - confidence_level
    low, high = np.quantile(replicates, [alpha / 2, 1 - alpha / 2], axis=0)
    return estimate, low, high


def interquartile_mean(
    scores: Scores,
    confidence_level: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    rng: Seed = 0,
) -> Estimate:
    """Interquartile mean of the scores of all (task, run) pairs pooled, with stratified CI.

    The mean of the middle 50 % (``scipy.stats.trim_mean`` cutting 25 % at each end), robust
    to a few outlying runs yet less noisy than the median. With the same number of runs per
    task every task weighs the same. Direction-free: it summarises whatever the score is.
    """

    def statistic(batch: Sequence[dict[str, np.ndarray]]) -> np.ndarray:
        pooled = np.concatenate(list(batch[0].values()), axis=1)
        return stats.trim_mean(pooled, 0.25, axis=1)

    value, low, high = bootstrap_estimate(
        statistic, [as_arrays(scores)], confidence_level, n_resamples, rng
    )
    return Estimate(float(value), float(low), float(high), confidence_level)


def pairwise_win_rate(x: np.ndarray, y: np.ndarray, lower_is_better: bool) -> np.ndarray:
    """P(a run of x scores better than a run of y), ties counting one half, per batch row.

    The Mann-Whitney U statistic divided by the number of pairs, written out as pairwise
    comparisons so it runs over a whole batch of resamples at once.
    """
    a, b = (y, x) if lower_is_better else (x, y)
    wins = a[:, :, None] > b[:, None, :]
    ties = a[:, :, None] == b[:, None, :]
    return wins.mean(axis=(1, 2)) + 0.5 * ties.mean(axis=(1, 2))


def probability_of_improvement(
    x: Scores,
    y: Scores,
    lower_is_better: bool = True,
    confidence_level: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    rng: Seed = 0,
) -> Estimate:
    """P(X better than Y) averaged over tasks, with a stratified bootstrap CI.

    Per task, the probability that a random run of method x scores better than a random
    run of method y (ties count half); then the plain average over tasks, so each task
    counts once. 0.5 means no difference. Both mappings must cover the same tasks.
    """
    xs, ys = as_arrays(x), as_arrays(y)
    if xs.keys() != ys.keys():
        raise ValueError(f"tasks differ: {sorted(xs.keys() ^ ys.keys())}")

    def statistic(batch: Sequence[dict[str, np.ndarray]]) -> np.ndarray:
        bx, by = batch
        per_task = [pairwise_win_rate(bx[task], by[task], lower_is_better) for task in bx]
        return np.mean(per_task, axis=0)

    value, low, high = bootstrap_estimate(statistic, [xs, ys], confidence_level, n_resamples, rng)
    return Estimate(float(value), float(low), float(high), confidence_level)


@dataclass(frozen=True)
class PerformanceProfile:
    """Fraction of runs scoring better than tau, for each tau, with pointwise bands.

    "Better than tau" is ``score <= tau`` when lower is better (for the speed score: the
    fraction of runs that reached the target within tau * budget, a CDF, except that
    censored runs also score exactly 1.0 and so count at tau = 1: pass them as +inf to keep
    them out), and ``score > tau`` otherwise (rliable's convention).
    """

    taus: np.ndarray
    fraction: np.ndarray
    low: np.ndarray
    high: np.ndarray
    lower_is_better: bool
    confidence_level: float


def performance_profile(
    scores: Scores,
    taus: ArrayLike,
    lower_is_better: bool = True,
    confidence_level: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    rng: Seed = 0,
) -> PerformanceProfile:
    """Performance profile averaged over tasks, with stratified bootstrap bands.

    The fraction is computed within each task and then averaged, so every task counts the
    same; with equal runs per task this equals rliable's pooled fraction.
    """
    grid = np.asarray(taus, dtype=float).ravel()

    def statistic(batch: Sequence[dict[str, np.ndarray]]) -> np.ndarray:
        per_task = []
        for values in batch[0].values():
            compared = values[..., None] <= grid if lower_is_better else values[..., None] > grid
            per_task.append(compared.mean(axis=1))
        return np.mean(per_task, axis=0)

    value, low, high = bootstrap_estimate(
        statistic, [as_arrays(scores)], confidence_level, n_resamples, rng
    )
    return PerformanceProfile(
        taus=readonly(grid),
        fraction=readonly(value),
        low=readonly(low),
        high=readonly(high),
        lower_is_better=lower_is_better,
        confidence_level=confidence_level,
    )
