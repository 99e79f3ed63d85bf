"""Exact null distribution of the Mann-Whitney U statistic (no ties).

Needed for the distribution-free confidence interval of the Hodges-Lehmann shift, which
scipy does not expose publicly. Under H0 all C(m + n, m) orderings are equally likely and
the number giving U = u is the coefficient of q**u in the Gaussian binomial coefficient
[m + n choose m]_q = prod_{i=1..m} (1 - q**(n + i)) / (1 - q**i).
"""

from __future__ import annotations

import numpy as np


def mann_whitney_null_counts(m: int, n: int) -> np.ndarray:
    """Number of the C(m + n, m) orderings with U = 0, 1, ..., m * n (exact Python ints).

    Builds the Gaussian binomial one factor at a time; each partial product is itself a
    polynomial with integer coefficients, so integer arithmetic stays exact.
    """
    if m < 0 or n < 0:
        raise ValueError("sample sizes must be non-negative")
    m, n = sorted((m, n))
    counts = np.array([1], dtype=object)
    for i in range(1, m + 1):
        product = np.zeros(i * n + i + 1, dtype=object)
        product[: counts.size] += counts
        product[n + i : n + i + counts.size] -= counts
        # Dividing by (1 - q**i) is a running sum with stride i.
        padded = np.zeros(-(-product.size // i) * i, dtype=object)
        padded[: product.size] = product
        quotient = np.add.accumulate(padded.reshape(-1, i), axis=0).ravel()
        counts = quotient[: i * n + 1]
    return counts


def mann_whitney_null_cdf(m: int, n: int) -> np.ndarray:
    """P(U <= u) for u = 0, ..., m * n under H0 (continuous data, no ties)."""
    counts = mann_whitney_null_counts(m, n)
    return np.array(np.cumsum(counts), dtype=float) / float(np.sum(counts))
