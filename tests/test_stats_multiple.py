"""Holm's step-down adjustment against a hand-worked example."""

from __future__ import annotations

import pytest

from lrtbench.stats.multiple import holm


def test_holm_hand_example() -> None:
    # Sorted: 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 -> 0.02, 0.03, 0.06, 0.04;
    # running maximum -> 0.02, 0.03, 0.06, 0.06; back in the given order:
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx((0.03, 0.06, 0.06, 0.02))


def test_holm_caps_at_one_and_keeps_order_with_ties() -> None:
    assert holm([0.5, 0.5, 0.9]) == pytest.approx((1.0, 1.0, 1.0))
    assert holm([0.02, 0.02]) == pytest.approx((0.04, 0.04))
    assert holm([]) == ()


def test_holm_returns_plain_floats() -> None:
    assert all(type(v) is float for v in holm([0.2, 0.01]))


@pytest.mark.parametrize("bad", [[0.1, float("nan")], [1.5], [-0.1]])
def test_holm_rejects_values_that_are_not_p_values(bad: list[float]) -> None:
    with pytest.raises(ValueError):
        holm(bad)
