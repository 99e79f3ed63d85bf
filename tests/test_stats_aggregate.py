"""Across-task aggregates: IQM, probability of improvement, performance profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lrtbench.stats.aggregate import (
    interquartile_mean,
    performance_profile,
    probability_of_improvement,
    speed_scores,
)


def test_iqm_point_estimate_by_hand() -> None:
    scores = {"a": [9.0, 1.0, 3.0, 5.0], "b": [7.0, 100.0, 2.0, 4.0]}
    # Pooled and sorted: 1 2 3 4 5 7 9 100; drop two at each end -> mean(3, 4, 5, 7).
    assert interquartile_mean(scores, n_resamples=50).value == pytest.approx(4.75)


def test_stratified_bootstrap_resamples_within_tasks() -> None:
    # Every resample keeps four 0s and four 1s, so the IQM cannot vary.
    estimate = interquartile_mean({"zeros": [0.0] * 4, "ones": [1.0] * 4})
    assert estimate.value == estimate.low == estimate.high == 0.5


def test_iqm_interval_covers_the_truth_at_about_the_nominal_rate() -> None:
    rng = np.random.default_rng(2024)
    truth = 0.3  # the IQM of a symmetric distribution is its centre
    covered = 0
    for _ in range(200):
        scores = {task: rng.normal(truth, 1.0, 10) for task in "abcd"}
        covered += interquartile_mean(scores, n_resamples=1000, rng=rng).contains(truth)
    assert 0.88 <= covered / 200 <= 0.99


def test_probability_of_improvement_matches_mann_whitney() -> None:
    x = {"a": [0.1, 0.4, 0.4, 0.9], "b": [0.5, 0.2, 1.0]}
    y = {"a": [0.3, 0.4, 0.8], "b": [0.5, 0.6, 0.7, 1.0]}
    # P(x < y) + ties / 2 per task is U(y, x) / (n m); then the mean over tasks.
    expected = np.mean(
        [stats.mannwhitneyu(y[t], x[t]).statistic / (len(x[t]) * len(y[t])) for t in x]
    )
    lower = probability_of_improvement(x, y, lower_is_better=True)
    higher = probability_of_improvement(x, y, lower_is_better=False)
    assert lower.value == pytest.approx(expected)
    assert higher.value == pytest.approx(1 - expected)
    assert lower.low <= lower.value <= lower.high
    assert probability_of_improvement(x, x).value == pytest.approx(0.5)
    with pytest.raises(ValueError, match="tasks differ"):
        probability_of_improvement(x, {"a": [0.1]})


def test_performance_profile_by_hand() -> None:
    scores = {"a": [0.0, 0.5, 1.0, 1.0], "b": [0.25, 0.25]}
    profile = performance_profile(scores, [0.0, 0.3, 1.0])
    # Fraction <= tau per task, then averaged: a: 1/4, 1/4, 1; b: 0, 1, 1.
    np.testing.assert_allclose(profile.fraction, [0.125, 0.625, 1.0])
    assert np.all(profile.low <= profile.fraction) and np.all(profile.fraction <= profile.high)
    above = performance_profile(scores, [0.0, 0.3, 1.0], lower_is_better=False)
    np.testing.assert_allclose(above.fraction, [0.875, 0.375, 0.0])


def test_speed_scores_put_censored_runs_at_one() -> None:
    measures = pd.DataFrame(
        {
            "task": ["t", "t", "u", "t"],
            "method": ["sgd", "sgd", "sgd", "lrt-input"],
            "steps": [40, 40, 80, 40],
            "time_steps": [10.0, 40.0, 20.0, 0.0],
        }
    )
    scores = speed_scores(measures, "sgd")
    assert scores.keys() == {"t", "u"}
    np.testing.assert_array_equal(scores["t"], [0.25, 1.0])
    np.testing.assert_array_equal(scores["u"], [0.25])
    with pytest.raises(ValueError):
        speed_scores(measures, "lrt-state")
