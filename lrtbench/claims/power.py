"""Minimum detectable effects: what the seed count could have found, so that an
"inconclusive" verdict says how large an effect it rules out rather than nothing.

All use normal approximations at level ``alpha`` (two-sided) and power 0.8 by default:
Schoenfeld's events formula for a hazard ratio, the arcsine (Cohen's h) approximation for a
difference of proportions and the z approximation for a mean of paired differences. The
tests themselves are exact or permutation tests; these numbers are a guide to their power.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy import stats

DEFAULT_POWER = 0.8


def z_sum(alpha: float, power: float = DEFAULT_POWER) -> float:
    """z_{1 - alpha / 2} + z_{power}: the standardised distance a test needs to detect."""
    return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))


def detectable_hazard_ratio(events: int, alpha: float, power: float = DEFAULT_POWER) -> float:
    """Smallest hazard ratio (> 1) a log-rank test detects with ``events`` events, 1:1 groups.

    Schoenfeld (1981): events = 4 (z_a + z_b)^2 / log(HR)^2, solved for HR. A ratio of 2
    means the faster method reaches the target at twice the instantaneous rate.
    """
    if events <= 0:
        return math.inf
    return math.exp(2 * z_sum(alpha, power) / math.sqrt(events))


def detectable_rate_change(
    control_rate: float,
    n_treatment: int,
    n_control: int,
    alpha: float,
    claimed_sign: int = 1,
    power: float = DEFAULT_POWER,
) -> float:
    """Smallest |rate difference| detectable from ``control_rate`` in the claimed direction.

    Cohen's h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p0)) has variance about 1/n1 + 1/n2, so the
    detectable h is (z_a + z_b) sqrt(1/n1 + 1/n2). NaN when the control rate is too close to
    the bound (0 or 1) for any change of that size in the claimed direction to exist.
    """
    h = z_sum(alpha, power) * math.sqrt(1 / n_treatment + 1 / n_control)
    angle = math.asin(math.sqrt(control_rate)) + claimed_sign * h / 2
    if not 0.0 <= angle <= math.pi / 2:
        return math.nan
    return abs(math.sin(angle) ** 2 - control_rate)


def detectable_mean_difference(
    differences: Mapping[str, np.ndarray], alpha: float, power: float = DEFAULT_POWER
) -> float:
    """Smallest detectable mean over tasks of per-task mean paired differences.

    The statistic's variance is sum_k s_k^2 / n_k / K^2 (s_k the sample standard deviation
    of task k's differences); NaN when no task has two pairs or the differences never vary.
    """
    arrays = [np.asarray(d, dtype=float) for d in differences.values()]
    if not arrays or any(d.size < 2 for d in arrays):
        return math.nan
    variance = sum(float(np.var(d, ddof=1)) / d.size for d in arrays) / len(arrays) ** 2
    if variance == 0:
        return math.nan
    return z_sum(alpha, power) * math.sqrt(variance)
