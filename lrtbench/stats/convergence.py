"""Per-run convergence measures of a test-loss curve."""

from __future__ import annotations

import numpy as np


def suffix_max(curve: np.ndarray) -> np.ndarray:
    """max over s >= t of curve[s], for every t; NaN (a diverged run) counts as +inf."""
    filled = np.where(np.isnan(curve), np.inf, curve)
    return np.maximum.accumulate(filled[..., ::-1], axis=-1)[..., ::-1]


def stable_minimum(curve: np.ndarray) -> np.ndarray:
    """min over t of max over s >= t of loss(s): the lowest level reached and never left.

    Works on one curve or a (runs, evals) array. A run that diverged (NaN at the end) has
    left every level, so its stable minimum is +inf.
    """
    return suffix_max(np.asarray(curve, dtype=float)).min(axis=-1)
