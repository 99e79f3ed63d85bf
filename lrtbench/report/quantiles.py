"""Summaries over seeds that respect divergence.

Two different conventions are needed, so both live here side by side:

* per-run numbers (stable minimum) give a diverged run +inf: it is worse than every run that
  converged, so it must pull the median up rather than drop out of it;
* curves hold NaN after a run diverged: there is no loss to plot, so a band at a given step
  is taken over the seeds still alive at that step.
"""

from __future__ import annotations

import warnings

import numpy as np


def ranked_quantile(values: np.ndarray, q: float) -> float:
    """Linear-interpolation quantile (numpy's default) in which +inf is simply the largest value.

    ``np.quantile`` returns NaN as soon as an interpolation touches an infinity, even for
    the median of ``[1, 2, inf]``; here a position that falls exactly on a finite order
    statistic returns it, and one that needs an infinite neighbour returns inf.
    NaN entries are ignored; with no values left the result is NaN.
    """
    ordered = np.sort(np.asarray(values, dtype=float).ravel())
    ordered = ordered[~np.isnan(ordered)]
    if ordered.size == 0:
        return float("nan")
    position = q * (ordered.size - 1)
    low, high = int(np.floor(position)), int(np.ceil(position))
    weight = position - low
    if weight == 0.0:
        return float(ordered[low])
    for neighbour in (ordered[low], ordered[high]):
        if np.isinf(neighbour):
            return float(neighbour)
    return float(ordered[low] + weight * (ordered[high] - ordered[low]))


def seed_band(curves: np.ndarray, quantiles: tuple[float, ...]) -> np.ndarray:
    """Quantiles over seeds (axis 0) of a (seeds, evals) array, over the seeds alive at each step.

    Returns an array of shape (len(quantiles), evals); a step at which every seed has
    diverged is NaN, so the line and band simply end there.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
        return np.nanquantile(np.asarray(curves, dtype=float), quantiles, axis=0)
