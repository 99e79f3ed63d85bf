"""Reliability: the fraction of runs that converged, and its comparison between methods.

A run converged when it reached its task's target within the budget and never diverged.
Intervals use score methods (Wilson; Newcombe's hybrid for a difference), which keep
sensible coverage at the small counts and the 0 % / 100 % rates a benchmark often has,
where the textbook Wald interval collapses to a point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from lrtbench.stats.estimates import Estimate

Alternative = Literal["two-sided", "less", "greater"]


@dataclass(frozen=True)
class Proportion:
    """``successes`` of ``trials`` with a Wilson score interval for the rate."""

    successes: int
    trials: int
    rate: Estimate


@dataclass(frozen=True)
class ProportionDifference:
    """Rate of the first group minus rate of the second, with Newcombe's hybrid interval."""

    first: Proportion
    second: Proportion
    difference: Estimate


def wilson_interval(successes: int, trials: int, confidence_level: float = 0.95) -> Proportion:
    """Wilson score interval (no continuity correction) via ``scipy.stats.binomtest``."""
    if trials <= 0:
        raise ValueError("a proportion needs at least one trial")
    if not 0 <= successes <= trials:
        raise ValueError(f"successes {successes} not in [0, {trials}]")
    ci = stats.binomtest(successes, trials).proportion_ci(
        confidence_level=confidence_level, method="wilson"
    )
    rate = Estimate(successes / trials, float(ci.low), float(ci.high), confidence_level)
    return Proportion(int(successes), int(trials), rate)


def converged_fraction(converged: ArrayLike, confidence_level: float = 0.95) -> Proportion:
    """Reliability of one group of runs from their boolean ``converged`` flags."""
    flags = np.asarray(converged, dtype=bool)
    return wilson_interval(int(flags.sum()), int(flags.size), confidence_level)


def newcombe_difference(
    first: Proportion | ArrayLike, second: Proportion | ArrayLike
) -> ProportionDifference:
    """Difference of two independent proportions with Newcombe's hybrid score interval.

    Method 10 of Newcombe (1998, Stat Med 17:873): with Wilson intervals (l1, u1) and
    (l2, u2) around p1 and p2 and d = p1 - p2,
    low = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
    Its level is that of the two Wilson intervals. Arguments are ``Proportion`` objects or
    boolean ``converged`` flags of each group's runs.
    """
    a = first if isinstance(first, Proportion) else converged_fraction(first)
    b = second if isinstance(second, Proportion) else converged_fraction(second)
    if a.rate.confidence_level != b.rate.confidence_level:
        raise ValueError("both proportions need intervals of the same confidence level")
    p1, p2 = a.rate.value, b.rate.value
    d = p1 - p2
    low = d - np.hypot(p1 - a.rate.low, b.rate.high - p2)
    high = d + np.hypot(a.rate.high - p1, p2 - b.rate.low)
    return ProportionDifference(
        a, b, Estimate(float(d), float(low), float(high), a.rate.confidence_level)
    )


def boschloo_test(
    first: Proportion, second: Proportion, alternative: Alternative = "two-sided"
) -> float:
    """p-value of Boschloo's exact unconditional test of equal rates (``boschloo_exact``).

    More powerful than Fisher's exact test while keeping exact level, which matters for
    the few seeds per cell of a benchmark. ``alternative="greater"`` tests rate(first) >
    rate(second).
    """
    k1, n1, k2, n2 = first.successes, first.trials, second.successes, second.trials
    table = [[k1, k2], [n1 - k1, n2 - k2]]  # columns are the two independent samples
    return float(stats.boschloo_exact(table, alternative=alternative).pvalue)
