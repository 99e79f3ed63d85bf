"""Kaplan-Meier, log-rank, restricted mean and Hodges-Lehmann against worked examples.

Reference data: the 6-MP / placebo remission times of Freireich et al. (1963), as analysed
by Gehan (1965) and in most survival textbooks; * marks a censored time.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from lrtbench.stats.ranks import mann_whitney_null_cdf, mann_whitney_null_counts
from lrtbench.stats.survival import (
    hodges_lehmann,
    kaplan_meier,
    logrank_test,
    median_time,
    restricted_mean_statistic,
    restricted_mean_time,
    shift_among_converged,
)

# 6,6,6,6*,7,9*,10,10*,11*,13,16,17*,19*,20*,22,23,25*,32*,32*,34*,35*
MP_TIMES = np.array(
    [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35.0]
)
MP_CENSORED = np.array([0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1], bool)
MP_EVENTS = ~MP_CENSORED
PLACEBO = np.array([1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23.0])
PUBLISHED_KM = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}


def test_kaplan_meier_matches_the_published_6mp_curve() -> None:
    curve = kaplan_meier(MP_TIMES, MP_EVENTS)
    for t, published in PUBLISHED_KM.items():
        assert curve.at(t) == pytest.approx(published, abs=5e-4)
    assert curve.at(5.9) == 1.0 and curve.at(40) == pytest.approx(0.448, abs=5e-4)
    assert (curve.n_runs, curve.n_events) == (21, 9)
    assert np.all(curve.low <= curve.survival) and np.all(curve.survival <= curve.high)


def test_linear_band_is_greenwood_by_hand() -> None:
    # At t = 6: S = 18/21, Greenwood var = S^2 * 3 / (21 * 18); the upper limit is clipped.
    curve = kaplan_meier(MP_TIMES, MP_EVENTS, ci_method="linear")
    s = 18 / 21
    half_width = stats.norm.ppf(0.975) * s * math.sqrt(3 / (21 * 18))
    assert curve.low[0] == pytest.approx(s - half_width)
    assert curve.high[0] == 1.0


def test_median_time_and_not_reached() -> None:
    # S first drops to <= 0.5 at t = 23; the log-log lower band first does at t = 13
    # (0.432; it is 0.503 at t = 10) and the upper band never does (it ends at 0.680).
    median = median_time(kaplan_meier(MP_TIMES, MP_EVENTS))
    assert (median.value, median.low, median.high) == (23.0, 13.0, math.inf)
    never = median_time(kaplan_meier([5, 40, 40, 40], [True, False, False, False]))
    assert never.value == math.inf


def test_logrank_matches_the_published_chi_square() -> None:
    result = logrank_test(MP_TIMES, MP_EVENTS, PLACEBO, np.ones(PLACEBO.size, bool))
    assert result.chi_square == pytest.approx(16.79, abs=0.01)
    assert result.pvalue == pytest.approx(4.17e-5, rel=0.01)
    assert result.z < 0  # 6-MP has fewer remission ends than expected under equality


def test_logrank_without_events_has_nothing_to_say() -> None:
    result = logrank_test([9, 9], [False, False], [9, 9, 9], [False, False, False])
    assert (result.chi_square, result.pvalue) == (0.0, 1.0)
    at_start = logrank_test([0, 0], [True, True], [0, 0, 0], [True, True, True])
    assert (at_start.chi_square, at_start.pvalue) == (0.0, 1.0)


def test_restricted_mean_by_hand() -> None:
    # S = 1 on [0, 1), 2/3 on [1, 2), 1/3 on [2, 3), 0 after: area 2 = the plain mean.
    assert restricted_mean_statistic(np.array([1.0, 2, 3]), np.ones(3, bool), 4.0) == 2.0
    # 6-MP up to t = 35 from the published curve: 6 + 1 * .857 + 3 * .807 + ... = 23.29,
    # the value R's survfit prints as rmean.
    by_hand = np.dot([6, 1, 3, 3, 3, 6, 1, 12], [1, *PUBLISHED_KM.values()])
    estimate = restricted_mean_time(MP_TIMES, MP_EVENTS, horizon=35.0)
    assert estimate.value == pytest.approx(by_hand, abs=0.01)
    assert estimate.value == pytest.approx(23.29, abs=0.005)
    assert 16.0 < estimate.low < estimate.value < estimate.high < 31.0


def test_restricted_mean_agrees_with_scipy_ecdf_and_runs_batched() -> None:
    rng = np.random.default_rng(3)
    times = rng.integers(0, 10, size=(5, 12)).astype(float)
    events = rng.random((5, 12)) < 0.6
    batched = restricted_mean_statistic(times, events, horizon=8.0)
    for row, (t, e) in enumerate(zip(times, events, strict=True)):
        sf = stats.ecdf(stats.CensoredData(uncensored=t[e], right=t[~e])).sf
        grid = np.linspace(0, 8, 80001)[:-1] + 0.5e-4  # midpoints, none on a jump
        assert batched[row] == pytest.approx(sf.evaluate(grid).mean() * 8, abs=1e-3)


def test_hodges_lehmann_by_double_loop() -> None:
    x, y = [3.0, 8.0, 1.5, 10.0], [2.0, 7.0, 4.5]
    differences = []
    for a in x:
        for b in y:
            differences.append(a - b)
    differences.sort()
    assert hodges_lehmann(x, y) == (differences[5] + differences[6]) / 2 == 1.0
    assert shift_among_converged(x, y).shift.value == 1.0


def test_null_distribution_of_u_by_enumeration() -> None:
    for m, n in [(1, 4), (3, 4), (4, 3), (5, 5)]:
        brute = np.zeros(m * n + 1, dtype=int)
        for chosen in itertools.combinations(range(m + n), m):
            brute[sum(rank - i for i, rank in enumerate(chosen))] += 1
        assert list(mann_whitney_null_counts(m, n)) == list(brute)
    x, y = np.array([1.1, 3.2, 4.3, 7.4]), np.array([2.5, 5.6, 6.7, 8.8, 9.9])
    u = stats.mannwhitneyu(x, y, alternative="less", method="exact")
    assert mann_whitney_null_cdf(4, 5)[int(u.statistic)] == pytest.approx(u.pvalue)


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_shift_interval_inverts_the_exact_mann_whitney_test(level: float) -> None:
    rng = np.random.default_rng(7)
    x, y = rng.normal(0, 1, 7), rng.normal(1, 1, 8)
    result = shift_among_converged(x, y, confidence_level=level)
    gaps = np.unique(np.subtract.outer(x, y))
    inside = [(gaps[i] + gaps[i + 1]) / 2 for i in range(gaps.size - 1)]
    for delta in inside:
        p = stats.mannwhitneyu(x - delta, y, method="exact").pvalue
        in_interval = result.shift.low < delta < result.shift.high
        assert in_interval == (p > 1 - level), delta
    assert result.achieved_level >= level
    assert result.shift.low <= result.shift.value <= result.shift.high


def test_shift_with_tiny_or_empty_samples() -> None:
    tiny = shift_among_converged([1.0, 2.0], [3.0])
    assert (tiny.shift.low, tiny.shift.high, tiny.achieved_level) == (-math.inf, math.inf, 1.0)
    empty = shift_among_converged([], [3.0])
    assert math.isnan(empty.shift.value) and empty.n_x == 0
