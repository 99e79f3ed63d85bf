"""Minimum detectable effects behave as their formulas say."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrtbench.claims.power import (
    detectable_hazard_ratio,
    detectable_mean_difference,
    detectable_rate_change,
)


def test_schoenfeld_hazard_ratio() -> None:
    # 4 (1.96 + 0.84)^2 / log(2)^2 = 65.3 events detect a hazard ratio of 2.
    assert detectable_hazard_ratio(66, 0.05) == pytest.approx(2.0, rel=0.01)
    assert detectable_hazard_ratio(400, 0.05) < detectable_hazard_ratio(100, 0.05)
    assert detectable_hazard_ratio(0, 0.05) == math.inf


def test_rate_change_needs_room_in_the_claimed_direction() -> None:
    up = detectable_rate_change(0.5, 50, 50, 0.05)
    assert 0.2 < up < 0.35
    assert math.isnan(detectable_rate_change(1.0, 50, 50, 0.05))
    assert detectable_rate_change(1.0, 50, 50, 0.05, claimed_sign=-1) > 0


def test_mean_difference_shrinks_with_more_pairs() -> None:
    rng = np.random.default_rng(0)
    few = detectable_mean_difference({"a": rng.normal(0, 1, 10)}, 0.05)
    many = detectable_mean_difference({"a": rng.normal(0, 1, 1000)}, 0.05)
    assert many < few
    assert math.isnan(detectable_mean_difference({"a": np.zeros(5)}, 0.05))
