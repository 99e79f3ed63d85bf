"""Wilson, Newcombe and Boschloo against published values and a brute-force computation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from lrtbench.stats.reliability import (
    boschloo_test,
    converged_fraction,
    newcombe_difference,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605)],  # Newcombe (1998a), Table I
)
def test_wilson_matches_newcombe(k: int, n: int, low: float, high: float) -> None:
    rate = wilson_interval(k, n).rate
    assert (rate.low, rate.high) == pytest.approx((low, high), abs=5e-5)
    assert rate.value == k / n


def test_wilson_handles_all_or_nothing() -> None:
    none = wilson_interval(0, 10).rate
    assert none.low == 0.0 and 0.0 < none.high < 0.35
    assert converged_fraction([True] * 8).rate.high == 1.0
    with pytest.raises(ValueError):
        wilson_interval(0, 0)


# Newcombe (1998b), Stat Med 17:873, Table II, method 10 (hybrid score).
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE_TABLE_II)
def test_newcombe_hybrid_difference(counts: tuple, published: tuple) -> None:
    k1, n1, k2, n2 = counts
    result = newcombe_difference(wilson_interval(k1, n1), wilson_interval(k2, n2))
    assert result.difference.value == pytest.approx(k1 / n1 - k2 / n2)
    assert (result.difference.low, result.difference.high) == pytest.approx(published, abs=5e-5)


def test_newcombe_from_boolean_flags() -> None:
    flags_a = [True] * 56 + [False] * 14
    flags_b = [True] * 48 + [False] * 32
    assert newcombe_difference(flags_a, flags_b).difference.low == pytest.approx(0.0524, abs=5e-5)


def test_boschloo_matches_scipy_documentation_example() -> None:
    # 74 of 117 professors vs 31 of 63 scientists very satisfied; the documentation prints
    # the one-sided p-value truncated to 0.0355 (it is 0.03556).
    p = boschloo_test(wilson_interval(74, 117), wilson_interval(31, 63), alternative="greater")
    assert p == pytest.approx(0.0355, abs=1e-4)


def brute_force_boschloo_greater(k1: int, n1: int, k2: int, n2: int) -> float:
    """sup over the common rate of P(Fisher's one-sided p <= observed), on a fine grid."""
    a, b = np.meshgrid(np.arange(n1 + 1), np.arange(n2 + 1), indexing="ij")
    fisher = stats.hypergeom.sf(a - 1, n1 + n2, a + b, n1)  # P(first >= a | margins)
    extreme = fisher <= fisher[k1, k2] * (1 + 1e-7)
    rates = np.linspace(0, 1, 20001)
    pmf = stats.binom.pmf(a[..., None], n1, rates) * stats.binom.pmf(b[..., None], n2, rates)
    return float((pmf * extreme[..., None]).sum(axis=(0, 1)).max())


@pytest.mark.parametrize("counts", [(7, 8, 2, 7), (5, 6, 1, 5), (9, 10, 5, 10)])
def test_boschloo_against_brute_force(counts: tuple[int, int, int, int]) -> None:
    k1, n1, k2, n2 = counts
    p = boschloo_test(wilson_interval(k1, n1), wilson_interval(k2, n2), alternative="greater")
    assert p == pytest.approx(brute_force_boschloo_greater(*counts), abs=1e-4)
