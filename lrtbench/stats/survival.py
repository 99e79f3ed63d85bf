"""Speed as time to target, a right-censored quantity: Kaplan-Meier and friends.

Convention: the "survival" function S(t) is the fraction of runs that have NOT yet reached
the target by time t; runs that never reach it are censored at the budget. Survival
analysis uses every run, including the censored ones, instead of averaging only the runs
that happened to converge.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from lrtbench.stats.estimates import Estimate, readonly
from lrtbench.stats.ranks import mann_whitney_null_cdf

CiMethod = Literal["linear", "log-log"]

BOOTSTRAP_BATCH = 250  # resamples per array operation: bounds memory at (batch, runs, runs)


def checked(times: ArrayLike, events: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Times as floats and events as booleans, of one length; times finite and >= 0."""
    t = np.asarray(times, dtype=float)
    e = np.asarray(events, dtype=bool)
    if t.shape != e.shape or t.ndim != 1:
        raise ValueError("times and events must be 1-d arrays of the same length")
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise ValueError("times must be finite and non-negative")
    return t, e


def censored_data(times: ArrayLike, events: ArrayLike) -> stats.CensoredData:
    """scipy's representation: event times are observed, the others right-censored."""
    t, e = checked(times, events)
    return stats.CensoredData(uncensored=t[e], right=t[~e])


@dataclass(frozen=True)
class SurvivalCurve:
    """Kaplan-Meier estimate of P(time to target > t), a right-continuous step function.

    ``survival[i]`` holds on [times[i], times[i + 1]); it is 1 before ``times[0]``.
    ``low``/``high`` are pointwise confidence bands (``ci_method``, Greenwood variance);
    where that formula is undefined (survival exactly 0 or 1 with log-log) the band is
    collapsed onto the estimate.
    """

    times: np.ndarray
    survival: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_runs: int
    n_events: int
    confidence_level: float
    ci_method: str

    def at(self, t: float) -> float:
        """S(t), the estimated fraction of runs still above the target at time t."""
        return float(step_value(self.times, self.survival, t))


def step_value(times: np.ndarray, values: np.ndarray, t: float) -> float:
    """Value at t of the right-continuous step function that is 1 before times[0]."""
    index = np.searchsorted(times, t, side="right") - 1
    return 1.0 if index < 0 else float(values[index])


def kaplan_meier(
    times: ArrayLike,
    events: ArrayLike,
    confidence_level: float = 0.95,
    ci_method: CiMethod = "log-log",
) -> SurvivalCurve:
    """Kaplan-Meier curve of time to target with pointwise CIs, via ``scipy.stats.ecdf``.

    The default log-log band stays inside [0, 1] and behaves better than the linear
    (plain Greenwood) band for the small samples a benchmark has.
    """
    t, e = checked(times, events)
    sf = stats.ecdf(censored_data(t, e)).sf
    survival = np.asarray(sf.probabilities, dtype=float)
    with warnings.catch_warnings():
        # scipy warns where the band formula is undefined (S = 0 or 1); handled below.
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(confidence_level=confidence_level, method=ci_method)
        low = np.asarray(band.low.probabilities, dtype=float)
        high = np.asarray(band.high.probabilities, dtype=float)
    return SurvivalCurve(
        times=readonly(sf.quantiles),
        survival=readonly(survival),
        low=readonly(np.where(np.isnan(low), survival, low)),
        high=readonly(np.where(np.isnan(high), survival, high)),
        n_runs=t.size,
        n_events=int(e.sum()),
        confidence_level=confidence_level,
        ci_method=ci_method,
    )


def first_time_at_or_below(times: np.ndarray, values: np.ndarray, level: float) -> float:
    """Smallest time at which the step function is <= level, or +inf if it never is."""
    below = np.flatnonzero(values <= level)
    return float(times[below[0]]) if below.size else np.inf


def median_time(curve: SurvivalCurve) -> Estimate:
    """Median time to target: the first time the KM curve is at or below 0.5.

    The CI inverts the pointwise bands (Brookmeyer-Crowley style, close to R's survfit): the
    lower limit is where the lower band first reaches 0.5, the upper limit where the upper
    band does. If a curve never gets to 0.5 within the budget the corresponding value is
    +inf ("not reached"), which is an honest answer rather than a missing one.
    """
    return Estimate(
        value=first_time_at_or_below(curve.times, curve.survival, 0.5),
        low=first_time_at_or_below(curve.times, curve.low, 0.5),
        high=first_time_at_or_below(curve.times, curve.high, 0.5),
        confidence_level=curve.confidence_level,
    )


def restricted_mean_statistic(
    times: np.ndarray, events: np.ndarray, horizon: float, axis: int = -1
) -> np.ndarray:
    """Area under the KM curve on [0, horizon], for many samples at once along ``axis``.

    Kaplan-Meier computed with numpy so that thousands of bootstrap resamples are one array
    operation; the tests check it against the area under ``scipy.stats.ecdf``'s curve.
    """
    times = np.moveaxis(np.asarray(times, dtype=float), axis, -1)
    events = np.moveaxis(np.asarray(events, dtype=bool), axis, -1)
    grid = np.unique(times[times < horizon])
    at_grid = times[..., None, :] == grid[:, None]
    at_risk = (times[..., None, :] >= grid[:, None]).sum(axis=-1)
    reached = (at_grid & events[..., None, :]).sum(axis=-1)
    factors = 1.0 - reached / np.maximum(at_risk, 1)
    survival = np.cumprod(factors, axis=-1)
    heights = np.concatenate([np.ones((*survival.shape[:-1], 1)), survival], axis=-1)
    widths = np.diff(np.concatenate([[0.0], grid, [horizon]]))
    return heights @ widths


def restricted_mean_time(
    times: ArrayLike,
    events: ArrayLike,
    horizon: float,
    confidence_level: float = 0.95,
    n_resamples: int = 2000,
    rng: int | np.random.Generator | None = 0,
) -> Estimate:
    """Restricted mean time to target: E[min(T, horizon)], the area under the KM curve.

    Unlike the median it always exists. ``horizon`` is normally the budget (in the unit of
    ``times``); when groups have different budgets (e.g. wall seconds) use the smallest.
    The CI is a percentile bootstrap over runs (``scipy.stats.bootstrap``, runs resampled
    with their censoring status), seeded by ``rng`` so that reports are reproducible.
    """
    t, e = checked(times, events)
    value = float(restricted_mean_statistic(t, e, horizon))
    if t.size < 2:
        return Estimate(value, np.nan, np.nan, confidence_level)
    result = stats.bootstrap(
        (t, e),
        lambda tt, ee, axis=-1: restricted_mean_statistic(tt, ee, horizon, axis),
        paired=True,
        vectorized=True,
        n_resamples=n_resamples,
        confidence_level=confidence_level,
        method="percentile",
        batch=BOOTSTRAP_BATCH,
        rng=rng,
    )
    interval = result.confidence_interval
    return Estimate(value, float(interval.low), float(interval.high), confidence_level)


@dataclass(frozen=True)
class LogRank:
    """Log-rank test of equal time-to-target distributions in two groups.

    ``z`` is scipy's signed statistic, (observed - expected) events of the first group over
    its standard error: positive when the first group reaches the target sooner than
    expected under equality; ``chi_square`` = z**2 is the textbook statistic.
    """

    z: float
    chi_square: float
    pvalue: float


def logrank_test(
    times_x: ArrayLike, events_x: ArrayLike, times_y: ArrayLike, events_y: ArrayLike
) -> LogRank:
    """Two-sided log-rank test via ``scipy.stats.logrank``; censored runs count fully.

    When the test has zero variance there is nothing to compare and the result is z = 0,
    p = 1: no run reached the target, or every event time empties the risk set (e.g. all
    runs of both methods reach the target at step 0).
    """
    x = censored_data(times_x, events_x)
    y = censored_data(times_y, events_y)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = stats.logrank(x, y)
    z = float(result.statistic)
    if np.isnan(z):
        return LogRank(0.0, 0.0, 1.0)
    return LogRank(z=z, chi_square=z * z, pvalue=float(result.pvalue))


def hodges_lehmann(x: ArrayLike, y: ArrayLike) -> float:
    """Hodges-Lehmann shift of x relative to y: the median of all differences x_i - y_j."""
    return float(np.median(np.subtract.outer(np.asarray(x, float), np.asarray(y, float))))


@dataclass(frozen=True)
class Shift:
    """Location shift of x relative to y (x - y; negative = x reaches the target sooner).

    ``shift`` holds the Hodges-Lehmann estimate and its exact distribution-free interval;
    ``achieved_level`` is that interval's actual coverage under continuous data (at least
    the nominal level; 1.0 with an unbounded interval when the samples are too small).
    ``u_statistic`` (for x: #{x_i > y_j} + ties / 2) and ``pvalue`` are the two-sided
    Mann-Whitney test of ``scipy.stats.mannwhitneyu``.
    """

    shift: Estimate
    achieved_level: float
    u_statistic: float
    pvalue: float
    n_x: int
    n_y: int


def shift_among_converged(x: ArrayLike, y: ArrayLike, confidence_level: float = 0.95) -> Shift:
    """Compare times to target of runs that converged, in two groups (pass only those).

    This answers "when both methods get there, which gets there sooner?", a conditional
    question that complements the Kaplan-Meier analysis of all runs. The interval for the
    Hodges-Lehmann shift is the exact one from the ordered pairwise differences,
    [D_(k), D_(mn + 1 - k)] with k the largest integer such that P(U <= k - 1) <= alpha / 2
    under the exact Mann-Whitney null distribution (Lehmann 1963; Hollander & Wolfe). With
    tied times (evaluations on a grid) it is conservative rather than exact.
    """
    xs = np.sort(np.asarray(x, dtype=float))
    ys = np.sort(np.asarray(y, dtype=float))
    if xs.size == 0 or ys.size == 0:
        nan = Estimate(np.nan, np.nan, np.nan, confidence_level)
        return Shift(nan, np.nan, np.nan, np.nan, int(xs.size), int(ys.size))
    differences = np.sort(np.subtract.outer(xs, ys).ravel())
    cdf = mann_whitney_null_cdf(xs.size, ys.size)
    k = int(np.count_nonzero(cdf <= (1.0 - confidence_level) / 2))
    if k == 0:
        low, high, achieved = -np.inf, np.inf, 1.0
    else:
        low, high = differences[k - 1], differences[differences.size - k]
        achieved = 1.0 - 2.0 * cdf[k - 1]
    test = stats.mannwhitneyu(xs, ys, alternative="two-sided")
    return Shift(
        shift=Estimate(float(np.median(differences)), float(low), float(high), confidence_level),
        achieved_level=float(achieved),
        u_statistic=float(test.statistic),
        pvalue=float(test.pvalue),
        n_x=int(xs.size),
        n_y=int(ys.size),
    )
